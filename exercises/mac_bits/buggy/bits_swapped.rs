//! Buggy submission: the I/G and U/L bits are swapped.
//!
//! I/G is the lowest bit of the first byte (value 1), U/L the next (value 2). Swapped,
//! Docker's 02:42:ac:11:00:02 reads as multicast and mDNS's 01:00:5e:00:00:fb as local.
//!
//! Caught by: multicast_and_broadcast, a_docker_containers_address_is_local

use std::fmt;

/// The error returned for text that is not a MAC address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The text that could not be read.
    pub input: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a MAC address like 00:1a:2b:3c:4d:5e",
            self.input
        )
    }
}

impl std::error::Error for ParseError {}

/// I/G: the lowest bit of the first byte.
const IG_BIT: u8 = 0b10;
/// U/L: the second-lowest bit of the first byte.
const UL_BIT: u8 = 0b01;

/// The six bytes of `text`, in any of the four spellings.
pub fn parse_mac(text: &str) -> Result<[u8; 6], ParseError> {
    let error = || ParseError {
        input: text.to_string(),
    };
    // The shape of each spelling: how it splits, and how long each group is.
    let (groups, width): (Vec<&str>, usize) = if text.contains(':') {
        (text.split(':').collect(), 2)
    } else if text.contains('-') {
        (text.split('-').collect(), 2)
    } else if text.contains('.') {
        (text.split('.').collect(), 4)
    } else {
        (vec![text], 12)
    };
    if groups.len() * width != 12 || groups.iter().any(|g| g.len() != width) {
        return Err(error());
    }
    let digits: String = groups.concat();
    if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(error());
    }
    let mut mac = [0u8; 6];
    for (i, byte) in mac.iter_mut().enumerate() {
        // Safe to slice: all 12 characters are ASCII hex digits.
        *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).map_err(|_| error())?;
    }
    Ok(mac)
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Lower case with colons: `00:1a:2b:3c:4d:5e`.
pub fn canonical(mac: [u8; 6]) -> String {
    hex(&mac)
}

/// The vendor part, the first three bytes: `00:1a:2b`.
pub fn oui(mac: [u8; 6]) -> String {
    hex(&mac[..3])
}

/// The I/G bit: a group (multicast) address.
pub fn is_multicast(mac: [u8; 6]) -> bool {
    mac[0] & IG_BIT != 0
}

/// The U/L bit: a locally administered address.
pub fn is_local(mac: [u8; 6]) -> bool {
    mac[0] & UL_BIT != 0
}
