//! What a UDP server does about its peers' mistakes: it keeps serving through
//! the errors they cause, and logs what it drops without letting the log become
//! the attack. Both servers of the chapter (the time server and the SNTP server)
//! use it.
//!
//! An error that some peer caused (an ICMP "port unreachable" for an earlier
//! reply, say) must not stop a server that answers everyone: [`is_peer_error`]
//! tells those apart.
//!
//! Our conventions say a server logs one line to stderr for bad input. A UDP
//! server can receive hundreds of thousands of datagrams a second from anyone, so
//! a line for each would let a flood of junk fill disks and slow the server down.
//! Real servers (chrony, nginx) rate-limit their logs; so do we: at most one line
//! per [`LOG_INTERVAL`], counting what was not shown.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Errors a UDP server sees because of some peer, which must not stop it.
pub fn is_peer_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::Interrupted
            | io::ErrorKind::PermissionDenied
    )
}

/// At most one line about dropped datagrams per this interval.
pub const LOG_INTERVAL: Duration = Duration::from_secs(1);

/// A rate-limited logger of bad datagrams, one per server thread.
#[derive(Debug)]
pub struct DropLog {
    /// Which server this is (`format server`, `sntp-server`), for the log line.
    server: &'static str,
    last_line: Option<Instant>,
    unreported: u64,
}

impl DropLog {
    pub fn new(server: &'static str) -> DropLog {
        DropLog {
            server,
            last_line: None,
            unreported: 0,
        }
    }

    /// Notes one bad datagram from `peer`; prints a line to stderr if the last
    /// one is old enough.
    pub fn note(&mut self, peer: SocketAddr, why: &dyn std::fmt::Display) {
        self.unreported += 1;
        let now = Instant::now();
        if self
            .last_line
            .is_some_and(|last| now.duration_since(last) < LOG_INTERVAL)
        {
            return;
        }
        let others = self.unreported - 1;
        if others == 0 {
            eprintln!("{}: from {peer}: {why}", self.server);
        } else {
            eprintln!(
                "{}: from {peer}: {why} (and {others} more bad datagrams not shown)",
                self.server
            );
        }
        self.unreported = 0;
        self.last_line = Some(now);
    }
}
