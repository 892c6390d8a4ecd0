use ex_ip_to_binary::{ParseError, to_binary};

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
    for bad in ["300.1.1.1", "1.2.3", "1.2.3.4.5", "a.b.c.d", "", "1..2.3", "-1.2.3.4"] {
        assert_eq!(
            to_binary(bad),
            Err(ParseError {
                input: bad.to_string()
            }),
            "input {bad:?}"
        );
    }
}
