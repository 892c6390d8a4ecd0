//! Exercise: dotted decimal ↔ 32-bit binary. Read README.md first.

use std::fmt;
use std::net::Ipv4Addr;

/// The error returned for text that is not a dotted-decimal IPv4 address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The text that could not be read.
    pub input: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not an IPv4 address like 100.4.5.6", self.input)
    }
}

impl std::error::Error for ParseError {}

/// `"100.4.5.6"` → `"01100100.00000100.00000101.00000110"`.
pub fn to_binary(address: &str) -> Result<String, ParseError> {
    // TODO: split into four octets, check each, and print each as 8 binary digits.
    let _ = address;
    Err(ParseError {
        input: String::new(),
    })
}

/// `"01100100.00000100.00000101.00000110"` (or the 32 digits without dots) →
/// `100.4.5.6`.
pub fn from_binary(bits: &str) -> Result<Ipv4Addr, ParseError> {
    // TODO: check the groups and digits, then turn the 32 bits into an address.
    let _ = bits;
    Err(ParseError {
        input: String::new(),
    })
}
