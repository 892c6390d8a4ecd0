//! `time-sync client`: asks the time server for the time in a format.
//!
//! Terminal 1: `cargo run -p time-sync -- server`
//! Terminal 2: `cargo run -p time-sync -- client --format '%Y-%m-%d %H:%M:%S'`
//!             `cargo run -p time-sync -- client --interval 1s --count 5`
//!
//! The tutorial names two ways to ask periodically: the operating system's
//! scheduler (cron) running the one-shot client, or `while True` + `time.sleep`.
//! `--interval` is the second.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use netlab_common::Failure;

use crate::format::ERROR_PREFIX;
use crate::sntp_client::client_socket;

/// The largest reply we read. Our server never sends more than 3 times a request
/// of at most 1024 bytes (3,128 bytes); a UDP datagram cannot exceed 65,507, so
/// this buffer never truncates one, whoever answers.
pub const RECV_BUFFER_LEN: usize = 65_536;

/// The most requests `--count` asks for: a million, eleven and a half days at
/// one a second. Without --count, --interval asks forever.
pub const MAX_COUNT: u64 = 1_000_000;

/// The reply to one request, or why there is none.
#[derive(Debug)]
pub enum AskError {
    Timeout,
    Io(io::Error),
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

/// Runs the client: prints each reply on its own line.
pub fn run(options: &ClientOptions) -> Result<(), Failure> {
    let addr = options.addr;
    let socket = client_socket(addr).map_err(|e| Failure::connect(addr, e))?;
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
        let reply = match ask(&socket, &options.format, options.timeout) {
            Ok(reply) => reply,
            Err(AskError::Timeout) => return Err(Failure::timeout(addr, options.timeout)),
            Err(AskError::Io(e)) => return Err(Failure::connect(addr, e)),
        };
        // Python: print(msg.decode('utf-8'))
        let text = String::from_utf8_lossy(&reply);
        println!("{text}");
        any_error |= text.starts_with(ERROR_PREFIX);
    }
    if any_error {
        return Err(Failure::other(
            "the server could not render that format (see its reply above)",
        ));
    }
    Ok(())
}
