//! The SNTP server made fast, and the bench that measures it: the machinery
//! behind the book's "Speed: many requests in flight", kept apart from the lesson.
//!
//! The lesson is [`crate::sntp_server`]: one socket, `recv_from`, build the reply
//! with [`answer`](crate::sntp_server::answer), `send_to`. Nothing here changes
//! what a reply says, only how many leave per second:
//!
//! | file | what it adds | command |
//! |---|---|---|
//! | this one | one socket per core on one port (`SO_REUSEPORT`), one thread each | `time-sync sntp-server [--threads N] [--plain]` |
//! | [`batch`] (Linux) | `recvmmsg`/`sendmmsg`: up to 64 datagrams per system call | (the default loop; `--plain` turns it off) |
//! | [`bench`] | requests per second and latency, many requests in flight | `time-sync bench` |
//!
//! A production NTP server (chrony) goes further still: it also measures its own
//! clock against others, rate-limits clients, and answers with a MAC when asked.

#[cfg(target_os = "linux")]
pub mod batch;
pub mod bench;

use std::fmt;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::thread;

#[cfg(unix)]
use socket2::{Domain, Protocol, Socket, Type};

use crate::sntp_server::{ServerConfig, serve};

/// The most sockets/threads we open, whatever the core count says.
pub const MAX_THREADS: usize = 16;

/// How many threads to use by default: one per core.
pub fn default_threads() -> usize {
    // If the core count cannot be read, one thread still serves everyone.
    thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .min(MAX_THREADS)
}

// ANCHOR: reuseport
/// Binds `count` UDP sockets (1 to [`MAX_THREADS`]) to the same address with
/// `SO_REUSEPORT`. With port 0 the first socket picks the port and the others
/// join it. Returns the address they share, and the sockets.
#[cfg(unix)]
pub fn bind_sockets(addr: SocketAddr, count: usize) -> io::Result<(SocketAddr, Vec<UdpSocket>)> {
    let count = count.clamp(1, MAX_THREADS);
    let mut sockets = Vec::with_capacity(count);
    let mut bound = addr;
    for _ in 0..count {
        let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
        // Every socket on the port must set SO_REUSEPORT, the first included.
        // The kernel then hashes each (source address, source port) flow to one
        // socket: one client's packets always reach the same thread, in order.
        socket.set_reuse_port(true)?;
        socket.bind(&bound.into())?;
        let socket: UdpSocket = socket.into();
        bound = socket.local_addr()?;
        sockets.push(socket);
    }
    Ok((bound, sockets))
}
// ANCHOR_END: reuseport

/// Without `SO_REUSEPORT` (Windows), the threads share one socket instead: each
/// `recv_from` still takes one whole datagram, but the kernel no longer keeps a
/// client's packets on one thread.
#[cfg(not(unix))]
pub fn bind_sockets(addr: SocketAddr, count: usize) -> io::Result<(SocketAddr, Vec<UdpSocket>)> {
    let first = UdpSocket::bind(addr)?;
    let bound = first.local_addr()?;
    let mut sockets = vec![first];
    for _ in 1..count.clamp(1, MAX_THREADS) {
        sockets.push(sockets[0].try_clone()?);
    }
    Ok((bound, sockets))
}

/// Which receive/send loop a server thread runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loop {
    /// [`serve`]: one `recv_from` and one `send_to` per request. Easy to read.
    Plain,
    /// `recvmmsg`/`sendmmsg`: up to 64 datagrams per system call (Linux; the
    /// plain loop elsewhere). See [`batch`].
    Batched,
}

/// Runs the chosen loop on `socket`.
pub fn serve_with(socket: &UdpSocket, config: &ServerConfig, kind: Loop) -> io::Result<()> {
    match kind {
        Loop::Plain => serve(socket, config),
        #[cfg(target_os = "linux")]
        Loop::Batched => batch::serve_batched(socket, config),
        #[cfg(not(target_os = "linux"))]
        Loop::Batched => serve(socket, config),
    }
}

/// Why the server stopped.
#[derive(Debug)]
pub enum ServeError {
    /// A receive or send failed for a reason that is not some peer's fault.
    Io(io::Error),
    /// A server thread panicked (a bug: the loops are written not to).
    Panicked,
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Io(e) => write!(f, "serving NTP requests: {e}"),
            ServeError::Panicked => f.write_str("a server thread panicked"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Io(e) => Some(e),
            ServeError::Panicked => None,
        }
    }
}

/// Serves on every socket, one thread each, until one of them stops.
pub fn serve_all(
    sockets: Vec<UdpSocket>,
    config: ServerConfig,
    kind: Loop,
) -> Result<(), ServeError> {
    let config = Arc::new(config);
    let handles: Vec<_> = sockets
        .into_iter()
        .map(|socket| {
            let config = Arc::clone(&config);
            thread::spawn(move || serve_with(&socket, &config, kind))
        })
        .collect();
    for handle in handles {
        match handle.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(ServeError::Io(e)),
            Err(_) => return Err(ServeError::Panicked),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sntp_client;
    use crate::sntp_server::ServerConfig;
    use std::time::Duration;

    #[test]
    fn both_loops_answer_a_real_request() {
        for kind in [Loop::Plain, Loop::Batched] {
            let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
            let addr = socket.local_addr().unwrap();
            thread::spawn(move || serve_with(&socket, &ServerConfig::default(), kind));
            let client = sntp_client::client_socket(addr).unwrap();
            let outcome = sntp_client::query(&client, Duration::from_secs(5), 2).unwrap();
            assert_eq!(outcome.reply.stratum, 8, "{kind:?}");
        }
    }

    #[test]
    fn reuseport_sockets_share_one_port() {
        let (addr, sockets) = bind_sockets("127.0.0.1:0".parse().unwrap(), 3).unwrap();
        assert_eq!(sockets.len(), 3);
        assert_ne!(addr.port(), 0);
        assert!(sockets.iter().all(|s| s.local_addr().unwrap() == addr));
    }

    #[test]
    fn the_thread_count_is_bounded() {
        let (_, sockets) = bind_sockets("127.0.0.1:0".parse().unwrap(), 1000).unwrap();
        assert_eq!(sockets.len(), MAX_THREADS);
    }
}
