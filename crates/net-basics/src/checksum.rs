//! The Internet checksum (RFC 1071), used by the IPv4 header, UDP, TCP and ICMP.
//!
//! Add the data as 16-bit big-endian words with end-around carry (a carry out of
//! the top bit is added back at the bottom: "ones' complement" addition), then
//! invert. A receiver sums the same bytes *including* the checksum field and gets
//! 0xffff, so its check is "the sum of everything, inverted, is zero".
//!
//! It is cheap (additions only) and catches any single flipped bit, but not two
//! swapped 16-bit words, which is why Ethernet adds its own CRC-32 (the FCS) and
//! TLS adds a real MAC.

// ANCHOR: sum
/// The ones' complement sum of `data` as 16-bit big-endian words, added to
/// `initial` (for checksums over several pieces, such as UDP's pseudo-header).
/// An odd last byte is padded with a zero byte on the right.
pub fn ones_complement_sum(data: &[u8], initial: u32) -> u32 {
    // A u32 holds the sum without overflowing: that would take more than 65,536
    // words of 0xffff (128 KiB), and the largest IPv4 packet is 65,535 bytes.
    let mut sum = initial;
    let mut words = data.chunks_exact(2);
    for word in &mut words {
        sum += u32::from(u16::from_be_bytes([word[0], word[1]]));
    }
    if let [last] = words.remainder() {
        sum += u32::from(u16::from_be_bytes([*last, 0]));
    }
    sum
}

/// Folds the carries back in and inverts: the value written in the header.
pub fn finish(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16); // end-around carry
    }
    !(sum as u16)
}

/// The Internet checksum of `data`.
///
/// ```
/// use net_basics::checksum::checksum;
/// // RFC 1071, section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2; inverted 220d.
/// assert_eq!(checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), 0x220d);
/// ```
pub fn checksum(data: &[u8]) -> u16 {
    finish(ones_complement_sum(data, 0))
}
// ANCHOR_END: sum

/// Whether `data`, checksum field included, checks out.
pub fn verify(data: &[u8]) -> bool {
    checksum(data) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The classic worked example of an IPv4 header (Wikipedia, "IPv4 header
    /// checksum"), with its checksum field zeroed: the checksum is 0xb861.
    const IPV4_HEADER: [u8; 20] = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];

    #[test]
    fn rfc_1071_example() {
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(finish(ones_complement_sum(&data, 0)), 0x220d);
    }

    #[test]
    fn known_ipv4_header_vector() {
        assert_eq!(checksum(&IPV4_HEADER), 0xb861);
        let mut filled = IPV4_HEADER;
        filled[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert!(verify(&filled));
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(
            checksum(&[0x12, 0x34, 0x56]),
            checksum(&[0x12, 0x34, 0x56, 0x00])
        );
    }

    #[test]
    fn one_flipped_bit_is_caught() {
        let mut filled = IPV4_HEADER;
        filled[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        filled[15] ^= 0x01;
        assert!(!verify(&filled));
    }

    #[test]
    fn empty_data_sums_to_all_ones() {
        assert_eq!(checksum(&[]), 0xffff);
    }
}
