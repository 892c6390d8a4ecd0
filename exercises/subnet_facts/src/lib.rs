//! Exercise: network, broadcast and host count of a CIDR. Read README.md first.

use std::fmt;
use std::net::Ipv4Addr;

/// What a subnet calculator prints for a CIDR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub network: Ipv4Addr,
    /// `None` for /31 and /32.
    pub broadcast: Option<Ipv4Addr>,
    pub first_host: Ipv4Addr,
    pub last_host: Ipv4Addr,
    /// Usable host addresses.
    pub hosts: u64,
}

/// The error returned for text that is not `ADDRESS/PREFIX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The text that could not be read.
    pub input: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not a network like 172.16.10.1/24", self.input)
    }
}

impl std::error::Error for ParseError {}

/// The facts of `cidr`, e.g. `"172.16.10.1/24"`.
pub fn facts(cidr: &str) -> Result<Facts, ParseError> {
    // TODO: parse ADDRESS/PREFIX, compute mask, network and broadcast on u32, and
    // apply the /31 and /32 rules.
    Err(ParseError {
        input: cidr.to_string(),
    })
}
