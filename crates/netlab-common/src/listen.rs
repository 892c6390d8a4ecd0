//! Listening: binding a TCP listener with its two choices named, and the
//! `listening on ADDR` line.
//!
//! Every server prints exactly `listening on ADDR` as its first line on stdout, as
//! soon as the socket is bound, and flushes it. With `--addr 127.0.0.1:0` the
//! operating system picks a free port, and this line is the only way for a student,
//! the tour or a test to learn which one: so it must come first and must not wait in
//! a buffer.
//!
//! Before that, a TCP server makes two choices between `socket()` and `accept()`:
//! whether to set `SO_REUSEADDR` before `bind` (chapter 4: a restarted server must
//! not wait for TIME_WAIT) and how long a queue `listen(backlog)` asks for
//! (chapter 8: a crowd arriving at once). [`bind_tcp`] makes both visible at the
//! call site, through [`TcpOptions`]. std's `TcpListener::bind` cannot: it always
//! sets SO_REUSEADDR on Unix and always asks for a backlog of 128, which is why
//! this module uses socket2.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener};

use socket2::{Domain, Protocol, Socket, Type};

/// The choices a TCP server makes before it accepts anyone.
///
/// Each server names its own (`tcp-demo`'s first server asks for Python's
/// backlog, the chapter 8 chat server for one big enough for a crowd):
///
/// ```
/// use netlab_common::listen::{TcpOptions, bind_tcp};
/// /// Python's `sk.listen()` without an argument: min(SOMAXCONN, 128).
/// const LISTEN: TcpOptions = TcpOptions { reuse_address: true, backlog: 128 };
/// let listener = bind_tcp("127.0.0.1:0".parse().unwrap(), LISTEN).unwrap();
/// assert!(listener.local_addr().unwrap().ip().is_loopback());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpOptions {
    /// Set `SO_REUSEADDR` before `bind`, so that a port whose only users are old
    /// connections in TIME_WAIT can be bound again. Every run of a server should
    /// (chapter 4 shows why); `tcp-demo server --no-reuse-addr` leaves it off to
    /// show the error.
    pub reuse_address: bool,
    /// How many connections that finished the three-way handshake may wait for
    /// `accept()`. The kernel silently caps it at `net.core.somaxconn` (4096 on
    /// current Linux).
    pub backlog: i32,
}

/// Binds a TCP listener on `addr` with the server's `options`.
// ANCHOR: bind
pub fn bind_tcp(addr: SocketAddr, options: TcpOptions) -> io::Result<TcpListener> {
    // Python: sk = socket.socket()
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // Python: sk.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)   # "就是它,在bind前加"
    socket.set_reuse_address(options.reuse_address)?;
    socket.bind(&addr.into())?; // Python: sk.bind(('127.0.0.1',8898))
    socket.listen(options.backlog)?; // Python: sk.listen()
    Ok(socket.into())
}
// ANCHOR_END: bind

/// The exact text of the line, without the newline.
pub fn line(addr: SocketAddr) -> String {
    format!("listening on {addr}")
}

/// Prints `listening on ADDR` on stdout and flushes it.
pub fn announce(addr: SocketAddr) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", line(addr))?;
    stdout.flush()
}

/// Reads an address back from a `listening on ADDR` line, the way the tests and the
/// tour do. Returns `None` for any other line.
///
/// ```
/// use netlab_common::listen::parse_line;
/// assert_eq!(parse_line("listening on 127.0.0.1:8898\n"), Some("127.0.0.1:8898".parse().unwrap()));
/// assert_eq!(parse_line("hello"), None);
/// ```
pub fn parse_line(line: &str) -> Option<SocketAddr> {
    line.trim_end().strip_prefix("listening on ")?.parse().ok()
}

/// Whether a server may bind `addr` without the student asking for the network:
/// loopback addresses only (127.0.0.0/8 and ::1).
pub fn is_loopback(addr: SocketAddr) -> bool {
    addr.ip().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY_PORT: SocketAddr =
        SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

    #[test]
    fn binds_port_zero_on_loopback_with_either_choice() {
        for reuse_address in [true, false] {
            let options = TcpOptions {
                reuse_address,
                backlog: 1,
            };
            let listener = bind_tcp(ANY_PORT, options).unwrap();
            let addr = listener.local_addr().unwrap();
            assert!(addr.ip().is_loopback());
            assert_ne!(addr.port(), 0);
        }
    }

    #[test]
    fn a_port_in_use_is_refused() {
        let options = TcpOptions {
            reuse_address: true,
            backlog: 1,
        };
        let first = bind_tcp(ANY_PORT, options).unwrap();
        let error = bind_tcp(first.local_addr().unwrap(), options).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    }
}

/// Why a server could not start listening: the two ways every server's start
/// can fail (the binaries turn it into a `Failure` that explains the first: the
/// conversion is in `failure.rs`).
#[derive(Debug)]
pub enum ListenError {
    /// The address could not be bound (in use, not this machine's, privileged).
    Bind { addr: SocketAddr, error: io::Error },
    /// Something else the operating system refused: what we were doing, and why.
    Io {
        doing: &'static str,
        error: io::Error,
    },
}

impl std::fmt::Display for ListenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListenError::Bind { addr, error } => write!(f, "cannot listen on {addr}: {error}"),
            ListenError::Io { doing, error } => write!(f, "{doing}: {error}"),
        }
    }
}

impl std::error::Error for ListenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ListenError::Bind { error, .. } | ListenError::Io { error, .. } => Some(error),
        }
    }
}
