use ex_mac_bits::{canonical, is_local, is_multicast, oui, parse_mac};

const EXAMPLE: [u8; 6] = [0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e];

#[test]
fn all_four_spellings() {
    for text in [
        "00:1a:2b:3c:4d:5e",
        "00-1A-2B-3C-4D-5E",
        "001a.2b3c.4d5e",
        "001A2B3C4D5E",
    ] {
        let mac =
            parse_mac(text).unwrap_or_else(|e| panic!("parse_mac({text:?}) returned Err({e:?})"));
        assert_bytes(&format!("parse_mac({text:?})"), &EXAMPLE, &mac);
    }
}

#[test]
fn canonical_form_and_vendor_part() {
    assert_eq!(canonical(EXAMPLE), "00:1a:2b:3c:4d:5e");
    assert_eq!(oui(EXAMPLE), "00:1a:2b");
    assert_eq!(
        canonical(parse_mac("AA-BB-CC-DD-EE-FF").unwrap()),
        "aa:bb:cc:dd:ee:ff"
    );
}

#[test]
fn a_vendors_unicast_address() {
    assert!(!is_multicast(EXAMPLE));
    assert!(!is_local(EXAMPLE));
}

#[test]
fn multicast_and_broadcast() {
    let mdns = parse_mac("01:00:5e:00:00:fb").unwrap();
    assert!(is_multicast(mdns));
    assert!(!is_local(mdns));
    let broadcast = parse_mac("ff:ff:ff:ff:ff:ff").unwrap();
    assert!(is_multicast(broadcast) && is_local(broadcast));
}

#[test]
fn a_docker_containers_address_is_local() {
    let docker = parse_mac("02:42:ac:11:00:02").unwrap();
    assert!(is_local(docker));
    assert!(!is_multicast(docker));
}

#[test]
fn malformed_macs_are_errors() {
    for bad in [
        "aa:bb:cc:dd:ee",
        "aa:bb:cc:dd:ee:ff:00",
        "gg:bb:cc:dd:ee:ff",
        "aabb.ccdd.eef",
        "aabbccddeef",
        "aabbccddeeff0",
        "",
        "aa::cc:dd:ee:ff",
        "ääbbccddeeff",
        // Twelve hex digits, but in no spelling's shape.
        "0:01a2b3c4d5e",
        "001a-2b3c4d5e",
        "00:1a:2b-3c:4d:5e",
    ] {
        let error = match parse_mac(bad) {
            Ok(mac) => panic!(
                "parse_mac({bad:?}): expected an error, got {} bytes {}",
                mac.len(),
                show(&mac)
            ),
            Err(error) => error,
        };
        assert_eq!(error.input, bad);
    }
}

/// Bytes as Python shows them: `b'hello!'`; past 60 bytes, the start and the length.
fn show(bytes: &[u8]) -> String {
    const SHOWN: usize = 60;
    let mut text = String::from("b'");
    for &byte in bytes.iter().take(SHOWN) {
        match byte {
            b'\\' => text.push_str("\\\\"),
            b'\'' => text.push_str("\\'"),
            b'\n' => text.push_str("\\n"),
            b'\r' => text.push_str("\\r"),
            b'\t' => text.push_str("\\t"),
            0x20..=0x7e => text.push(byte as char),
            _ => text.push_str(&format!("\\x{byte:02x}")),
        }
    }
    text.push('\'');
    if bytes.len() > SHOWN {
        text.push_str("...");
    }
    text
}

/// Fails with a message a beginner can act on: what was expected, what came
/// back, both with their byte counts, and where they first differ. A failure
/// points at the line that called it.
#[track_caller]
fn assert_bytes(what: &str, expected: &[u8], got: &[u8]) {
    if expected == got {
        return;
    }
    let first_difference = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    panic!(
        "{what}: expected {} bytes {}, got {} bytes {} (they differ from byte {first_difference} on)",
        expected.len(),
        show(expected),
        got.len(),
        show(got)
    );
}
