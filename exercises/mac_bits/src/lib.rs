//! Exercise: parse a MAC address, its vendor part, I/G and U/L bits. Read README.md
//! first.

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

/// The six bytes of `text`, in any of the four spellings.
pub fn parse_mac(text: &str) -> Result<[u8; 6], ParseError> {
    // TODO: accept aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff, aabbccddeeff.
    Err(ParseError {
        input: text.to_string(),
    })
}

/// Lower case with colons: `00:1a:2b:3c:4d:5e`.
pub fn canonical(mac: [u8; 6]) -> String {
    // TODO
    let _ = mac;
    String::new()
}

/// The vendor part, the first three bytes: `00:1a:2b`.
pub fn oui(mac: [u8; 6]) -> String {
    // TODO
    let _ = mac;
    String::new()
}

/// The I/G bit: a group (multicast) address.
pub fn is_multicast(mac: [u8; 6]) -> bool {
    // TODO
    let _ = mac;
    false
}

/// The U/L bit: a locally administered address.
pub fn is_local(mac: [u8; 6]) -> bool {
    // TODO
    let _ = mac;
    false
}
