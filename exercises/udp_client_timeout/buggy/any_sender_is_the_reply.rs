//! Buggy submission: the first datagram from anyone is taken as the reply.
//!
//! `recvfrom` also returns who sent the datagram: anyone may send one to our port.
//! Only the server's datagram is its reply.
//!
//! Caught by: a_datagram_from_someone_else_is_not_the_reply

use std::fmt;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// The read size, as in the tutorial: `recvfrom(1024)`.
pub const RECV_BUFFER: usize = 1024;

/// Why `ask` got no answer.
#[derive(Debug)]
pub enum AskError {
    /// Nothing came back from `server` within `timeout`.
    NoReply {
        server: SocketAddr,
        timeout: Duration,
    },
    /// Any other socket error.
    Io(io::Error),
}

impl fmt::Display for AskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AskError::NoReply { server, timeout } => {
                write!(f, "no reply from {server} within {timeout:?}")
            }
            AskError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AskError {}

/// Sends `message` to `server` from `socket` and returns the reply, waiting at
/// most `timeout`. Datagrams from anyone else are not the reply.
pub fn ask(
    socket: &UdpSocket,
    server: SocketAddr,
    message: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, AskError> {
    let no_reply = || AskError::NoReply { server, timeout };
    // One deadline for the whole wait: stray datagrams must not restart the clock.
    let deadline = Instant::now() + timeout;
    socket.send_to(message, server).map_err(AskError::Io)?; // Python: sendto
    let mut buf = [0u8; RECV_BUFFER];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(no_reply());
        }
        socket.set_read_timeout(Some(left)).map_err(AskError::Io)?;
        match socket.recv_from(&mut buf) {
            // Python: back_msg, addr = udp_sk.recvfrom(1024)
            Ok((n, _addr)) => return Ok(buf[..n].to_vec()),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(no_reply());
            }
            Err(e) => return Err(AskError::Io(e)),
        }
    }
}
