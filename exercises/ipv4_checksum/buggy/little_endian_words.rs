//! Buggy submission: the words are read little-endian, in the order of the machine.
//!
//! The header is in network byte order: `0x45 0x00` is the word 0x4500. Read as
//! `u16::from_le_bytes` on a PC it is 0x0045, and the sum is wrong.
//!
//! Caught by: rfc_1071_example, the_classic_header

/// Where the checksum sits in an IPv4 header: bytes 10 and 11.
pub const CHECKSUM_FIELD: std::ops::Range<usize> = 10..12;

/// The Internet checksum of `data`.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for word in data.chunks(2) {
        let value = match word {
            [hi, lo] => u16::from_le_bytes([*hi, *lo]),
            [last] => u16::from_be_bytes([*last, 0]), // odd length: pad with zero
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
