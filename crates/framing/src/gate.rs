//! Who a server lets in, and where it may listen.
//!
//! Chapter 5's servers run commands and store files for whoever connects, and
//! cannot tell who that is. So they listen on loopback only: only programs on
//! this machine can reach them ([`check_exposure`]). The listings bind
//! 127.0.0.1 for the same reason.
//!
//! A [`Gate`] is what a server runs on each new connection before serving it.
//! Chapter 5's servers have none. Chapter 7 (the `auth` crate) brings one that
//! asks every client for the HMAC of a random challenge (`auth cmd-server`,
//! `auth receive`); behind it, the same servers may listen on the network.

use std::error::Error;
use std::fmt;
use std::net::{SocketAddr, TcpListener, TcpStream};

use netlab_common::listen::ListenError as Unable;
use netlab_common::listen::{announce, is_loopback};

// ANCHOR: gate
/// A check a server runs on each new connection before serving it.
///
/// It runs on the connection's own thread while the connection holds a pending
/// slot (`netlab_common::admission`), so it must finish within a deadline of
/// its own: a client that says nothing must not keep the slot.
pub trait Gate: fmt::Debug + Send + Sync + 'static {
    /// Lets the client on `conn` in (`Ok`), or says why not; the server then
    /// closes the connection and logs `PEER: WHY`.
    fn let_in(&self, conn: &TcpStream) -> Result<(), Box<dyn Error + Send + Sync>>;
}
// ANCHOR_END: gate

// ANCHOR: refuse_network
/// Refuses to offer a service to the network without a gate: with none, only a
/// loopback address is allowed. `what` completes "refusing to ... anybody who
/// can reach ADDR"; `gated` names chapter 7's command that offers the same
/// behind a gate.
pub fn check_exposure(
    addr: SocketAddr,
    gate: Option<&dyn Gate>,
    what: &'static str,
    gated: &'static str,
) -> Result<(), Exposed> {
    if is_loopback(addr) || gate.is_some() {
        return Ok(());
    }
    Err(Exposed { addr, what, gated })
}
// ANCHOR_END: refuse_network

/// A server without a gate was asked to listen beyond loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposed {
    /// The address it was asked to listen on.
    pub addr: SocketAddr,
    /// What it would do for anybody who can reach that address.
    pub what: &'static str,
    /// Chapter 7's command that does it behind a gate.
    pub gated: &'static str,
}

impl fmt::Display for Exposed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refusing to {} anybody who can reach {}: a non-loopback address needs a \
             secret (chapter 7: {})",
            self.what, self.addr, self.gated
        )
    }
}

impl std::error::Error for Exposed {}

/// Checks the exposure, binds `addr` and prints the `listening on ADDR` line:
/// how every server of this crate starts.
pub fn listen(
    addr: SocketAddr,
    gate: Option<&dyn Gate>,
    what: &'static str,
    gated: &'static str,
) -> Result<TcpListener, ListenError> {
    check_exposure(addr, gate, what, gated).map_err(ListenError::Exposed)?;
    let listener = TcpListener::bind(addr).map_err(|error| Unable::Bind { addr, error })?;
    let local = listener.local_addr().map_err(|error| Unable::Io {
        doing: "local address",
        error,
    })?;
    announce(local).map_err(|error| Unable::Io {
        doing: "writing to stdout",
        error,
    })?;
    Ok(listener)
}

/// Why a server could not start listening: it would expose its service to the
/// network without a gate, or the system refused (netlab-common's
/// [`ListenError`](netlab_common::listen::ListenError), as for every server).
#[derive(Debug)]
pub enum ListenError {
    /// No gate, and not a loopback address.
    Exposed(Exposed),
    /// The address could not be bound, or another system call failed.
    Unable(Unable),
}

impl From<Unable> for ListenError {
    fn from(error: Unable) -> ListenError {
        ListenError::Unable(error)
    }
}

impl fmt::Display for ListenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenError::Exposed(exposed) => exposed.fmt(f),
            ListenError::Unable(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ListenError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ListenError::Exposed(exposed) => Some(exposed),
            ListenError::Unable(error) => Some(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gate that lets everybody in: enough to test where a gated server may listen.
    #[derive(Debug)]
    struct Open;

    impl Gate for Open {
        fn let_in(&self, _conn: &TcpStream) -> Result<(), Box<dyn Error + Send + Sync>> {
            Ok(())
        }
    }

    fn check(addr: &str, gate: Option<&dyn Gate>) -> Result<(), Exposed> {
        check_exposure(
            addr.parse().unwrap(),
            gate,
            "run commands for",
            "auth cmd-server",
        )
    }

    #[test]
    fn loopback_needs_no_gate() {
        assert!(check("127.0.0.1:8888", None).is_ok());
        assert!(check("[::1]:8888", None).is_ok());
    }

    #[test]
    fn network_address_without_a_gate_is_refused() {
        let exposed = check("0.0.0.0:8888", None).unwrap_err();
        assert_eq!(
            exposed.to_string(),
            "refusing to run commands for anybody who can reach 0.0.0.0:8888: a \
             non-loopback address needs a secret (chapter 7: auth cmd-server)"
        );
    }

    #[test]
    fn network_address_behind_a_gate_is_allowed() {
        assert!(check("0.0.0.0:8888", Some(&Open)).is_ok());
    }
}
