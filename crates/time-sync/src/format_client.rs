//! `time-sync client`: asks the time server for the time in a format.
//!
//! Terminal 1: `cargo run -p time-sync -- server`
//! Terminal 2: `cargo run -p time-sync -- client --format '%Y-%m-%d %H:%M:%S'`
//!             `cargo run -p time-sync -- client --interval 1s --count 5`
//!
//! The tutorial names two ways to ask periodically: the operating system's
//! scheduler (cron) running the one-shot client, or `while True` + `time.sleep`.
//! `--interval` is the second.

use std::fmt;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use crate::format::ERROR_PREFIX;
use crate::sntp_client::client_socket;

/// The largest reply we read. Our server never sends more than 3 times a request
/// of at most 1024 bytes (3,128 bytes); a UDP datagram cannot exceed 65,507, so
/// this buffer never truncates one, whoever answers.
pub const RECV_BUFFER_LEN: usize = 65_536;

/// The most requests `--count` asks for: a million, eleven and a half days at
/// one a second. Without --count, --interval asks forever.
pub const MAX_COUNT: u64 = 1_000_000;

/// Why a request got no reply.
#[derive(Debug)]
pub enum AskError {
    /// Nothing came back within the timeout: no server there, or a datagram lost.
    Timeout,
    /// The socket could not be set up, or sending or receiving failed.
    Io(io::Error),
}

impl fmt::Display for AskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AskError::Timeout => f.write_str("no reply within the timeout"),
            AskError::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for AskError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AskError::Timeout => None,
            AskError::Io(e) => Some(e),
        }
    }
}

// ANCHOR: ask
/// Sends `format` and waits up to `timeout` for the reply.
pub fn ask(socket: &UdpSocket, format: &str, timeout: Duration) -> Result<Vec<u8>, AskError> {
    // Python: sk.sendto('%Y-%m-%d %H:%M:%S'.encode('utf-8'), ('127.0.0.1', 9000))
    socket.send(format.as_bytes()).map_err(AskError::Io)?;
    // A UDP reply may never come (lost, or no server): never wait forever.
    socket
        .set_read_timeout(Some(timeout))
        .map_err(AskError::Io)?;
    let mut buffer = vec![0u8; RECV_BUFFER_LEN];
    // Python: msg, addr = sk.recvfrom(1024)
    match socket.recv(&mut buffer) {
        Ok(len) => {
            buffer.truncate(len);
            Ok(buffer)
        }
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Err(AskError::Timeout)
        }
        Err(e) => Err(AskError::Io(e)),
    }
}
// ANCHOR_END: ask

/// The options of `time-sync client`.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub addr: SocketAddr,
    pub format: String,
    pub timeout: Duration,
    /// `None`: ask once. `Some(interval)`: ask every `interval`.
    pub interval: Option<Duration>,
    /// How many requests; `None` with an interval means forever (`while True`).
    pub count: Option<u64>,
}

/// Why `time-sync client` failed.
#[derive(Debug)]
pub enum ClientError {
    /// A request got no reply.
    Ask(AskError),
    /// Every request was answered, but at least one reply was the server's
    /// `error: …` (printed like the others).
    Refused,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Ask(e) => e.fmt(f),
            ClientError::Refused => f.write_str("the server could not render that format"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Ask(e) => Some(e),
            ClientError::Refused => None,
        }
    }
}

/// Runs the client: prints each reply on its own line.
pub fn run(options: &ClientOptions) -> Result<(), ClientError> {
    let socket = client_socket(options.addr).map_err(|e| ClientError::Ask(AskError::Io(e)))?;
    let count = match (options.count, options.interval) {
        (Some(count), _) => count,
        (None, Some(_)) => u64::MAX,
        (None, None) => 1,
    };
    let mut any_error = false;
    for round in 0..count {
        if round > 0
            && let Some(interval) = options.interval
        {
            // Python: time.sleep(1)
            std::thread::sleep(interval);
        }
        let reply = ask(&socket, &options.format, options.timeout).map_err(ClientError::Ask)?;
        // Python: print(msg.decode('utf-8'))
        let text = String::from_utf8_lossy(&reply);
        println!("{text}");
        any_error |= text.starts_with(ERROR_PREFIX);
    }
    if any_error {
        return Err(ClientError::Refused);
    }
    Ok(())
}
