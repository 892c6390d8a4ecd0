//! `lan --real`: the scenario built with the Linux kernel's own pieces, the way
//! Mininet builds networks, and the tutorial's programs talking across it.
//!
//! - each host and each router is a **network namespace** (`ip netns`): a
//!   network stack of its own, with its own interfaces, addresses, routes and
//!   ARP table, as if it were another machine;
//! - each cable is a **veth pair**: two interfaces joined back to back, one in
//!   the host's namespace, one plugged into a switch;
//! - each switch is a **Linux bridge**, which learns MAC addresses exactly like
//!   the simulated switch (`bridge fdb` shows its table); the bridges live in
//!   one namespace of their own, `netlab-lan-switches`;
//! - the router is a namespace with IPv4 forwarding on.
//!
//! Every name starts with `netlab-lan-` and every address must be in one
//! private range, 172.16.0.0/12, that exists only inside these namespaces:
//! nothing is added to, or sent from, the machine's own network. IPv6 is
//! switched off in them so that only the frames of the lesson travel. Each
//! host's card is recorded (`net-basics lan-record`, run inside the host's
//! namespace) while tcp-demo's server and client talk; then the tables are
//! read with `bridge fdb` and `ip neigh`. The namespaces are deleted at the end,
//! on an error and on Ctrl-C (deleting a namespace deletes its interfaces);
//! `lan --cleanup` deletes what a killed run left.

use std::fmt;
use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ipnet::Ipv4Net;
use serde::Serialize;

use super::sim::{ArpEntry, MacEntry};

/// The start of every namespace name `--real` creates.
pub const PREFIX: &str = "netlab-lan-";
/// The namespace that holds the switches (bridges).
pub const SWITCHES: &str = "netlab-lan-switches";
/// The one private range `--real` uses: the tutorial's 172.16.10.0/24 is in it.
pub const RANGE: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12);

/// Why the real LAN cannot be built or run.
#[derive(Debug)]
pub enum RealError {
    /// Not Linux.
    Unsupported,
    /// Not root: namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN.
    NotPermitted,
    /// A program it needs is missing (`ip`, `bridge`, tcp-demo).
    Missing(String),
    /// An address outside [`RANGE`].
    OutsideRange(Ipv4Net),
    /// A command failed: the command and what it said.
    Command {
        command: String,
        said: String,
    },
    /// A talk did not happen: what went wrong.
    Talk(String),
    /// Ctrl-C.
    Interrupted,
    Io(io::Error),
}

impl fmt::Display for RealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RealError::Unsupported => {
                f.write_str("lan --real builds the LAN with Linux network namespaces: this system is not Linux")
            }
            RealError::NotPermitted => f.write_str(
                "lan --real needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) to create network namespaces",
            ),
            RealError::Missing(what) => write!(f, "lan --real needs {what}"),
            RealError::OutsideRange(net) => write!(
                f,
                "lan --real only uses addresses in {RANGE}, and {net} is not (a range that exists only inside its namespaces)"
            ),
            RealError::Command { command, said } => write!(f, "`{command}` failed: {said}"),
            RealError::Talk(what) => f.write_str(what),
            RealError::Interrupted => f.write_str("interrupted"),
            RealError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RealError {}

/// A frame seen on a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seen {
    pub src_mac: String,
    pub dst_mac: String,
    /// `ARP request`, `ARP reply`, `TCP`, `other`.
    pub kind: &'static str,
    pub summary: String,
    /// The IPv4 TTL of a TCP segment.
    pub ttl: Option<u8>,
}

/// The frames one host's card saw during a talk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Card {
    pub device: String,
    pub frames: Vec<Seen>,
}

/// One talk, for real.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RealTalk {
    pub from: String,
    pub to: String,
    pub destination: String,
    /// What tcp-demo's client printed (the server's answer, `b'hi'`).
    pub client_printed: String,
    pub cards: Vec<Card>,
    /// `bridge fdb`, learned entries, by switch.
    pub mac_tables: std::collections::BTreeMap<String, Vec<MacEntry>>,
    /// `ip neigh`, by host and router.
    pub arp_tables: std::collections::BTreeMap<String, Vec<ArpEntry>>,
}

/// What `--real` needs besides the topology.
#[derive(Debug)]
pub struct Options<'a> {
    /// chapter 4's tcp-demo binary: its server and client talk.
    pub tcp_demo: &'a Path,
    /// This program: `lan-record` runs it in each host's namespace.
    pub recorder: &'a Path,
    /// Where to copy the first talker's recording, if anywhere.
    pub pcap: Option<&'a Path>,
}

/// The namespace of host or router `name`.
pub fn namespace(kind: &str, name: &str) -> String {
    format!("{PREFIX}{kind}-{name}")
}

#[cfg(target_os = "linux")]
mod linux;

#[cfg(target_os = "linux")]
pub use linux::{cleanup, record, run};

/// Elsewhere than Linux: [`RealError::Unsupported`].
#[cfg(not(target_os = "linux"))]
pub fn run(
    _topology: &super::Topology,
    _options: &Options<'_>,
) -> Result<Vec<RealTalk>, RealError> {
    Err(RealError::Unsupported)
}

/// Elsewhere than Linux: [`RealError::Unsupported`].
#[cfg(not(target_os = "linux"))]
pub fn cleanup() -> Result<Vec<String>, RealError> {
    Err(RealError::Unsupported)
}

/// Elsewhere than Linux: [`RealError::Unsupported`].
#[cfg(not(target_os = "linux"))]
pub fn record(_interface: &str, _pcap: &Path) -> Result<(), RealError> {
    Err(RealError::Unsupported)
}

/// A directory of this run's recordings, removed when dropped.
#[derive(Debug)]
pub struct Scratch(pub PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
