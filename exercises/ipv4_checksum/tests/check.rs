use ex_ipv4_checksum::{CHECKSUM_FIELD, checksum, fill_checksum, verify};

/// A classic example header (192.168.0.1 → 192.168.0.199, UDP, TTL 64) with its
/// checksum field zeroed. Its checksum is 0xb861.
const HEADER: [u8; 20] = [
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
    0xc0, 0xa8, 0x00, 0xc7,
];

/// The header `net-basics encap --payload hello` builds: 172.16.10.1 → 172.16.10.2.
const NETLAB_HEADER: [u8; 20] = [
    0x45, 0x00, 0x00, 0x21, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xce, 0xa8, 0xac, 0x10, 0x0a, 0x01,
    0xac, 0x10, 0x0a, 0x02,
];

#[test]
fn rfc_1071_example() {
    assert_eq!(
        checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
        0x220d
    );
}

#[test]
fn the_classic_header() {
    assert_eq!(checksum(&HEADER), 0xb861);
}

#[test]
fn fill_writes_big_endian_into_bytes_10_and_11() {
    let mut header = HEADER;
    header[CHECKSUM_FIELD].copy_from_slice(&[0x12, 0x34]); // junk that must be ignored
    fill_checksum(&mut header);
    assert_bytes(
        "bytes 10 and 11 after fill_checksum, 0xb861 big-endian",
        &[0xb8, 0x61],
        &header[CHECKSUM_FIELD],
    );
    assert!(verify(&header));
}

#[test]
fn netlabs_own_header_verifies() {
    assert!(verify(&NETLAB_HEADER));
    let mut header = NETLAB_HEADER;
    fill_checksum(&mut header);
    assert_bytes(
        "netlab's header after fill_checksum",
        &NETLAB_HEADER,
        &header,
    );
}

#[test]
fn a_changed_ttl_is_detected() {
    let mut header = NETLAB_HEADER;
    header[8] = 63; // one router later, TTL 63, but the checksum not updated
    assert!(!verify(&header));
}

#[test]
fn odd_length_pads_the_last_byte_with_zero() {
    assert_eq!(checksum(&[0xab]), !0xab00);
    assert_eq!(
        checksum(&[0x12, 0x34, 0x56]),
        checksum(&[0x12, 0x34, 0x56, 0x00])
    );
}

#[test]
fn carries_wrap_around() {
    // 0xffff + 0x0001 = 0x10000 → folded 0x0001 → inverted 0xfffe.
    assert_eq!(checksum(&[0xff, 0xff, 0x00, 0x01]), 0xfffe);
    assert_eq!(checksum(&[]), 0xffff);
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
