use std::net::Ipv4Addr;

use ex_ip_to_binary::{ParseError, from_binary, to_binary};

#[test]
fn the_tutorials_example() {
    assert_eq!(
        to_binary("100.4.5.6").as_deref(),
        Ok("01100100.00000100.00000101.00000110")
    );
}

#[test]
fn leading_zeros_are_kept() {
    assert_eq!(
        to_binary("0.0.0.1").as_deref(),
        Ok("00000000.00000000.00000000.00000001")
    );
}

#[test]
fn the_extremes() {
    assert_eq!(
        to_binary("255.255.255.255").as_deref(),
        Ok("11111111.11111111.11111111.11111111")
    );
    assert_eq!(
        to_binary("172.16.10.1").as_deref(),
        Ok("10101100.00010000.00001010.00000001")
    );
}

#[test]
fn malformed_addresses_are_errors_naming_the_input() {
    for bad in [
        "300.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "a.b.c.d",
        "",
        "1..2.3",
        "-1.2.3.4",
    ] {
        assert_eq!(
            to_binary(bad),
            Err(ParseError {
                input: bad.to_string()
            }),
            "input {bad:?}"
        );
    }
}

#[test]
fn back_from_binary_with_dots() {
    assert_eq!(
        from_binary("01100100.00000100.00000101.00000110"),
        Ok(Ipv4Addr::new(100, 4, 5, 6))
    );
}

#[test]
fn back_from_binary_without_dots() {
    assert_eq!(
        from_binary("10101100000100000000101000000001"),
        Ok(Ipv4Addr::new(172, 16, 10, 1))
    );
}

#[test]
fn round_trip_for_every_octet_value() {
    for octet in 0..=255u8 {
        let address = Ipv4Addr::new(octet, 255 - octet, octet / 2, 1);
        let bits = to_binary(&address.to_string()).unwrap();
        assert_eq!(from_binary(&bits), Ok(address), "{bits}");
    }
}

#[test]
fn malformed_binary_is_an_error_naming_the_input() {
    for bad in [
        "",
        "0110010.000001000.00000101.00000110",
        "01100100.00000100.00000101.0000011",
        "011001000000010000000101000001102",
        "1010110000010000000010100000000",
        "101011000001000000001010000000011",
        "01100100.00000100.00000101.00000110.",
    ] {
        assert_eq!(
            from_binary(bad),
            Err(ParseError {
                input: bad.to_string()
            }),
            "input {bad:?}"
        );
    }
}
