//! Buggy submission: /31 is treated like any other prefix.
//!
//! RFC 3021: on a /31 point-to-point link both addresses are hosts. The general
//! rule (network + 1 to broadcast - 1, hosts - 2) would give no host at all.
//!
//! Caught by: slash_31_is_a_point_to_point_link

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
    let error = || ParseError {
        input: cidr.to_string(),
    };
    let (addr, prefix) = cidr.split_once('/').ok_or_else(error)?;
    let addr: Ipv4Addr = addr.parse().map_err(|_| error())?;
    let prefix: u32 = prefix.parse().map_err(|_| error())?;
    if prefix > 32 {
        return Err(error());
    }
    let addr = u32::from(addr);
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    let network = addr & mask;
    let broadcast = network | !mask;
    let addresses = 1u64 << (32 - prefix);
    let (broadcast, first, last, hosts) = match prefix {
        32 => (None, addr, addr, 1),
        _ => (Some(broadcast), network + 1, broadcast - 1, addresses - 2),
    };
    Ok(Facts {
        network: Ipv4Addr::from(network),
        broadcast: broadcast.map(Ipv4Addr::from),
        first_host: Ipv4Addr::from(first),
        last_host: Ipv4Addr::from(last),
        hosts,
    })
}
