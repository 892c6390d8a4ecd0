//! Buggy submission: the separators are removed without checking where they were.
//!
//! Throwing away every `:`, `-` and `.` and counting 12 hex digits also accepts
//! `0:01a2b3c4d5e` or `001a-2b3c4d5e`, which are no spelling of a MAC address.
//!
//! Caught by: malformed_macs_are_errors

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
const IG_BIT: u8 = 0b01;
/// U/L: the second-lowest bit of the first byte.
const UL_BIT: u8 = 0b10;

/// The six bytes of `text`, in any of the four spellings.
pub fn parse_mac(text: &str) -> Result<[u8; 6], ParseError> {
    let error = || ParseError {
        input: text.to_string(),
    };
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if digits.len() != 12 {
        return Err(error());
    }
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
