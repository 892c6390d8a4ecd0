//! Buggy submission: an odd last byte is padded on the wrong side.
//!
//! RFC 1071 pads an odd last byte with a zero *after* it: 0xab is the word 0xab00,
//! not 0x00ab.
//!
//! Caught by: odd_length_pads_the_last_byte_with_zero

/// Where the checksum sits in an IPv4 header: bytes 10 and 11.
pub const CHECKSUM_FIELD: std::ops::Range<usize> = 10..12;

/// The Internet checksum of `data`.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for word in data.chunks(2) {
        let value = match word {
            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
            [last] => u16::from(*last),
            _ => 0,
        };
        sum += u32::from(value);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16); // end-around carry
    }
    !(sum as u16)
}

/// Computes the header's checksum and writes it into bytes 10-11.
pub fn fill_checksum(header: &mut [u8; 20]) {
    header[CHECKSUM_FIELD].copy_from_slice(&[0, 0]);
    let sum = checksum(header);
    header[CHECKSUM_FIELD].copy_from_slice(&sum.to_be_bytes());
}

/// Whether a header (checksum field included) checks out.
pub fn verify(header: &[u8]) -> bool {
    checksum(header) == 0
}
