//! Buggy submission: the pieces are parsed, but never counted.
//!
//! `1.2.3` and `1.2.3.4.5` are not IPv4 addresses; without the check that there are
//! exactly four octets they are printed as three or five groups.
//!
//! Caught by: malformed_addresses_are_errors_naming_the_input

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
    let groups: Vec<String> = octets.iter().map(|octet| format!("{octet:08b}")).collect();
    Ok(groups.join("."))
}

/// `"01100100.00000100.00000101.00000110"` (or the 32 digits without dots) →
/// `100.4.5.6`.
pub fn from_binary(bits: &str) -> Result<Ipv4Addr, ParseError> {
    let error = || ParseError {
        input: bits.to_string(),
    };
    if bits.contains('.') && !bits.split('.').all(|group| group.len() == 8) {
        return Err(error());
    }
    let digits = bits.replace('.', "");
    if digits.len() != 32 || !digits.chars().all(|c| c == '0' || c == '1') {
        return Err(error());
    }
    let value = u32::from_str_radix(&digits, 2).map_err(|_| error())?;
    Ok(Ipv4Addr::from(value))
}
