//! What each `net-basics` command prints: the lessons' results as the text a
//! student reads (tables, bit strings, annotated hex dumps, a sequence diagram),
//! or as one JSON document.
//!
//! The calculations are the lesson modules' ([`crate::ip`], [`crate::subnet`],
//! ...); these functions only render them. They take values already read (an
//! `IpAddr`, an `IpNet`, a `MacAddr`); reading the command line's text into
//! them, and turning an error into a message and an exit code, is the binary's
//! part (`main.rs`). Each returns the whole output as text, so the binary prints
//! it at once and the tests can read it.
//!
//! | file | commands |
//! |---|---|
//! | [`addr`] | `ip`, `subnet`, `same-subnet`, `split`, `aggregate` |
//! | [`link`] | `mac`, `arp` (the table) |
//! | [`tables`] | `ports`, `layers` |
//! | [`tcp`] | `handshake` |
//! | [`wire`] | `encap`, `arp --packet` |

pub mod addr;
pub mod link;
pub mod tables;
pub mod tcp;
pub mod wire;

use std::fmt;

use serde::Serialize;

use crate::handshake::TcpError;
use crate::split::SplitError;
use crate::subnet::SubnetError;

/// Why a command has nothing to print.
#[derive(Debug)]
pub enum ShowError {
    /// The values cannot go together (an IPv4 and an IPv6 address in one
    /// subnet, a longer prefix than the network's...).
    Subnet(SubnetError),
    /// The split asked for is impossible (a shorter prefix, too many subnets).
    Split(SplitError),
    /// The simulation refused a step (a bug of the simulation, not the input).
    Handshake(TcpError),
    /// This machine has no ARP table to read ([`crate::arp::PROC_NET_ARP`]): not Linux.
    NoArpTable,
    /// The JSON document could not be written.
    Json(serde_json::Error),
}

impl fmt::Display for ShowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShowError::Subnet(e) => e.fmt(f),
            ShowError::Split(e) => e.fmt(f),
            ShowError::Handshake(e) => e.fmt(f),
            ShowError::NoArpTable => {
                write!(f, "cannot read {} (not Linux?)", crate::arp::PROC_NET_ARP)
            }
            ShowError::Json(e) => write!(f, "cannot write JSON: {e}"),
        }
    }
}

impl std::error::Error for ShowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ShowError::Subnet(e) => Some(e),
            ShowError::Split(e) => Some(e),
            ShowError::Handshake(e) => Some(e),
            ShowError::NoArpTable => None,
            ShowError::Json(e) => Some(e),
        }
    }
}

/// One JSON document, pretty-printed, with a final newline.
fn to_json<T: Serialize>(value: &T) -> Result<String, ShowError> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(ShowError::Json)
}
