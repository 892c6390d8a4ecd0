//! Buggy submission: the whole limit as the timeout of every read, like `settimeout`.
//!
//! A read timeout bounds one `recv`, not the reply: a server that sends one byte
//! every 50ms never lets a 300ms read timeout fire, and the reply never ends. One
//! deadline, and each read waits only for what is left of it.
//!
//! Caught by: a_trickling_server_cannot_stretch_the_deadline

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

/// Whether an error is a timeout: `WouldBlock` on Unix, `TimedOut` on Windows.
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Sends `request` on `conn`, says it is complete, and reads the server's reply
/// until the server closes; all within `limit`, however the reply trickles in.
pub fn ask(conn: &mut TcpStream, request: &[u8], limit: Duration) -> Result<Vec<u8>, AskError> {
    let deadline = Instant::now() + limit;
    let timeout = |e: io::Error| {
        if is_timeout(&e) {
            AskError::Timeout { after: limit }
        } else {
            AskError::Io(e)
        }
    };
    conn.set_write_timeout(Some(limit)).map_err(AskError::Io)?;
    conn.write_all(request).map_err(timeout)?; // Python: sk.sendall(request)
    conn.shutdown(Shutdown::Write).map_err(AskError::Io)?; // the request is complete
    let mut reply = Vec::new();
    let mut buf = [0u8; RECV_BUFFER];
    loop {
        // What is left of the one deadline: a server that sends a byte now and
        // then must not restart the clock (Python's settimeout does, per call).
        let _ = deadline;
        conn.set_read_timeout(Some(limit)).map_err(AskError::Io)?;
        match conn.read(&mut buf) {
            Ok(0) => return Ok(reply),
            Ok(n) => {
                if reply.len() + n > MAX_REPLY {
                    return Err(AskError::TooLong);
                }
                reply.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(timeout(e)),
        }
    }
}
