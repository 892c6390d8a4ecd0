//! Exercise: one deadline for a whole reply. Read README.md first.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// The read size, as in the tutorial: `sk.recv(1024)`.
pub const RECV_BUFFER: usize = 1024;

/// The longest reply kept, in bytes.
pub const MAX_REPLY: usize = 64 * 1024;

/// Why `ask` has no reply.
#[derive(Debug)]
pub enum AskError {
    /// The whole reply did not arrive within the time allowed.
    Timeout { after: Duration },
    /// The server sent more than `MAX_REPLY` bytes.
    TooLong,
    /// Any other error of the connection.
    Io(io::Error),
}

impl fmt::Display for AskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AskError::Timeout { after } => write!(f, "no complete reply within {after:?}"),
            AskError::TooLong => write!(f, "a reply of more than {MAX_REPLY} bytes"),
            AskError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AskError {}

/// Sends `request` on `conn`, says it is complete, and reads the server's reply
/// until the server closes; all within `limit`, however the reply trickles in.
pub fn ask(conn: &mut TcpStream, request: &[u8], limit: Duration) -> Result<Vec<u8>, AskError> {
    // TODO: no timeout at all (`limit` is unused): a silent server keeps us
    // waiting for ever. The request is never said to be complete, and the reply
    // is not limited in size. (`Instant` and `Shutdown` are imported for you.)
    let _ = (limit, Instant::now(), Shutdown::Write);
    conn.write_all(request).map_err(AskError::Io)?;
    let mut reply = Vec::new();
    conn.read_to_end(&mut reply).map_err(AskError::Io)?;
    Ok(reply)
}
