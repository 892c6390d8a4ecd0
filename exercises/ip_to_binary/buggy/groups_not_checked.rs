//! Buggy submission: the dots are removed before each group is checked.
//!
//! `0110010.000001000.00000101.00000110` has 32 digits, but a group of 7 and a group
//! of 9: read without the dots it becomes an address nobody wrote.
//!
//! Caught by: malformed_binary_is_an_error_naming_the_input

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
    let error = || ParseError {
        input: address.to_string(),
    };
    let octets: Vec<u8> = address
        .split('.')
        .map(|piece| piece.parse::<u8>().map_err(|_| error()))
        .collect::<Result<_, _>>()?;
    if octets.len() != 4 {
        return Err(error());
    }
    let groups: Vec<String> = octets.iter().map(|octet| format!("{octet:08b}")).collect();
    Ok(groups.join("."))
}

/// `"01100100.00000100.00000101.00000110"` (or the 32 digits without dots) →
/// `100.4.5.6`.
pub fn from_binary(bits: &str) -> Result<Ipv4Addr, ParseError> {
    let error = || ParseError {
        input: bits.to_string(),
    };
    let digits = bits.replace('.', "");
    if digits.len() != 32 || !digits.chars().all(|c| c == '0' || c == '1') {
        return Err(error());
    }
    let value = u32::from_str_radix(&digits, 2).map_err(|_| error())?;
    Ok(Ipv4Addr::from(value))
}
