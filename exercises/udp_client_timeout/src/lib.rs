//! Exercise: a UDP client that never hangs. Read README.md first.

use std::fmt;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

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
            // TODO: `no reply from 127.0.0.1:9000 within 200ms`
            AskError::NoReply { .. } => write!(f, "no reply"),
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
    // TODO: the tutorial's client:
    //     udp_sk.sendto(b'hello', ip_port); back_msg, addr = udp_sk.recvfrom(1024)
    // It waits forever (`timeout` is unused) and takes any datagram as the reply.
    let _ = timeout;
    socket.send_to(message, server).map_err(AskError::Io)?;
    let mut buf = [0u8; RECV_BUFFER];
    let (n, _addr) = socket.recv_from(&mut buf).map_err(AskError::Io)?;
    Ok(buf[..n].to_vec())
}
