//! Buggy submission: the carries are dropped instead of folded back in.
//!
//! `sum as u16` keeps the low 16 bits and loses every carry: the Internet checksum
//! adds them back ("end-around carry"), so 0xffff + 0x0001 is 0x0001, not 0x0000.
//!
//! Caught by: rfc_1071_example, carries_wrap_around

/// Where the checksum sits in an IPv4 header: bytes 10 and 11.
pub const CHECKSUM_FIELD: std::ops::Range<usize> = 10..12;

/// The Internet checksum of `data`.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for word in data.chunks(2) {
        let value = match word {
            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
            [last] => u16::from_be_bytes([*last, 0]), // odd length: pad with zero
            _ => 0,
        };
        sum += u32::from(value);
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
