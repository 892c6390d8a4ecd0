//! The tutorial's socketserver program: an upper-casing echo, served two ways.
//!
//! ```python
//! class MyServer(socketserver.BaseRequestHandler):
//!     def handle(self):
//!         while True:
//!             data = self.request.recv(1024)
//!             if not data:
//!                 break
//!             self.request.sendall(data.upper())
//! ```
//!
//! [`UpperEcho`] is that handler for our [`ThreadingTcpServer`] (one thread per
//! client, like Python), and [`serve_async`] the same loop as tokio tasks (one
//! task per client, a handful of threads for all of them). `chat echo-bench`
//! compares them, and the Python original, on the same load.
//!
//! Terminal 1: `chat threaded-echo` (or `chat async-echo`)
//! Terminal 2: `python3 tests/python/socketserver_client.py 127.0.0.1:9999`

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use netlab_common::admission::{Admission, Limits};

use crate::socketserver::{RequestHandler, ThreadingTcpServer};

/// The address of the tutorial's socketserver example.
pub const DEFAULT_ADDR: &str = "127.0.0.1:9999";

/// Bytes read per `recv`, as in the tutorial: `self.request.recv(1024)`.
pub const RECV_SIZE: usize = 1024;

// ANCHOR: upper
/// Upper-cases exactly as Python's `bytes.upper()`: the ASCII letters `a`–`z`
/// become `A`–`Z`, every other byte is left alone. Bytes are not text: the UTF-8
/// bytes of `é` or `你` are not letters to `bytes.upper()`, and a character cut in
/// half by `recv(1024)` must come back byte for byte.
///
/// ```
/// assert_eq!(chat::echo::python_upper("hi é 你".as_bytes()), "HI é 你".as_bytes());
/// ```
pub fn python_upper(data: &[u8]) -> Vec<u8> {
    data.to_ascii_uppercase()
}
// ANCHOR_END: upper

// ANCHOR: handle
/// The tutorial's handler: echo every read back upper-cased until the client
/// closes.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpperEcho;

impl RequestHandler for UpperEcho {
    fn handle(&self, request: &mut TcpStream, _client_address: SocketAddr) -> io::Result<()> {
        let mut buf = [0u8; RECV_SIZE];
        loop {
            // Python: data = self.request.recv(1024)
            let n = request.read(&mut buf)?;
            // Python: if not data: break  (an empty read is the client's FIN)
            if n == 0 {
                return Ok(());
            }
            // Python: self.request.sendall(data.upper())
            request.write_all(&python_upper(&buf[..n]))?;
        }
    }
}
// ANCHOR_END: handle

/// `chat threaded-echo`: binds and announces; the caller then calls
/// `serve_forever`.
pub fn bind_threaded(
    addr: SocketAddr,
    max_per_address: usize,
    first_message_timeout: Duration,
) -> io::Result<ThreadingTcpServer<UpperEcho>> {
    let server = ThreadingTcpServer::bind(addr, UpperEcho)?
        .with_max_per_address(max_per_address)
        .with_first_request_timeout(first_message_timeout);
    netlab_common::listen::announce(server.local_addr()?)?;
    Ok(server)
}

/// How long a new echo client may take to send its first message, by default
/// (`--first-message-timeout`): until then it holds a pending slot, not a
/// served one, and a connection that says nothing is closed after this.
pub const FIRST_MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);

/// Clients `chat async-echo` serves at once; one address may hold a quarter of
/// them (`netlab_common::admission`). A task is cheap, but each client is still a
/// file descriptor and a buffer. A new connection waits for its first message
/// in one of [`MAX_ASYNC_WAITING`] slots besides; past those it is closed at
/// once, and one that speaks while every served slot is taken is closed then.
pub const MAX_ASYNC_CLIENTS: usize = 10_000;

/// Connections `chat async-echo` holds while they have not sent their first
/// message (at most `--first-message-timeout` each): a quarter of
/// [`MAX_ASYNC_CLIENTS`], so that served and waiting clients together stay
/// well within a process's usual open-file limit.
pub const MAX_ASYNC_WAITING: usize = MAX_ASYNC_CLIENTS / 4;

// ANCHOR: async_echo
/// `chat async-echo`: the same echo as tokio tasks on an already bound listener.
pub async fn serve_async(
    listener: tokio::net::TcpListener,
    max_per_address: usize,
    first_message_timeout: Duration,
) -> io::Result<()> {
    let admission = Admission::new(Limits {
        served: MAX_ASYNC_CLIENTS,
        pending: MAX_ASYNC_WAITING,
        per_address: max_per_address,
    });
    loop {
        let (mut socket, peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(error) => {
                // EMFILE or a client that reset before accept: log and go on.
                eprintln!("accept failed: {error}");
                tokio::time::sleep(netlab_common::serve::ACCEPT_RETRY_PAUSE).await;
                continue;
            }
        };
        // A pending slot until its first message. Over a limit the client is
        // closed at once (`WhenFull::Refuse`): here the accept loop never waits
        // for a slot, unlike `ThreadingTcpServer`.
        let mut slot = match admission.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(refused) => {
                eprintln!("{peer}: {refused}");
                continue;
            }
        };
        // One task per client; a task costs a few hundred bytes, not a thread.
        tokio::spawn(async move {
            let mut buf = [0u8; RECV_SIZE];
            let mut served = false;
            loop {
                let limit = if served {
                    crate::socketserver::IDLE_TIMEOUT
                } else {
                    first_message_timeout
                };
                let read = tokio::time::timeout(limit, socket.read(&mut buf)).await;
                if !served {
                    // The first message (or nothing): served from now on, or closed.
                    match &read {
                        Ok(Ok(n)) if *n > 0 => {
                            if let Err(refused) = slot.promote() {
                                eprintln!("{peer}: {refused}");
                                return;
                            }
                            served = true;
                        }
                        Err(_) => {
                            eprintln!(
                                "{peer}: nothing received within {}; closed (--first-message-timeout)",
                                netlab_common::cli::humanize_duration(first_message_timeout)
                            );
                            return;
                        }
                        _ => {}
                    }
                }
                let n = match read {
                    Ok(Ok(0)) | Err(_) => return,
                    Ok(Ok(n)) => n,
                    Ok(Err(error)) => {
                        eprintln!("{peer}: {error}");
                        return;
                    }
                };
                // A client that sends but never reads would block this write
                // for ever: the same limit as the read (the threaded server sets
                // a write timeout on the socket).
                let upper = python_upper(&buf[..n]);
                let write = socket.write_all(&upper);
                match tokio::time::timeout(crate::socketserver::IDLE_TIMEOUT, write).await {
                    Ok(Ok(())) => {}
                    Err(_) => return,
                    Ok(Err(error)) => {
                        eprintln!("{peer}: {error}");
                        return;
                    }
                }
            }
        });
    }
}
// ANCHOR_END: async_echo

/// Binds `addr` for [`serve_async`] with the big backlog and announces it.
pub async fn bind_async(addr: SocketAddr) -> io::Result<tokio::net::TcpListener> {
    let listener = crate::listener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    netlab_common::listen::announce(listener.local_addr()?)?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn upper_changes_only_ascii_letters() {
        assert_eq!(python_upper(b"hello, World 123!"), b"HELLO, WORLD 123!");
        // Python: 'ß'.encode().upper() == b'\xc3\x9f' (unchanged)
        assert_eq!(python_upper("ß".as_bytes()), "ß".as_bytes());
        assert_eq!(python_upper(&[0xe4, 0xbd]), vec![0xe4, 0xbd]);
    }

    #[test]
    fn threaded_echo_upper_cases_each_read() {
        let server = ThreadingTcpServer::bind("127.0.0.1:0".parse().unwrap(), UpperEcho).unwrap();
        let addr = server.local_addr().unwrap();
        let stop = server.shutdown_handle().unwrap();
        let running = std::thread::spawn(move || server.serve_forever());
        let mut client = TcpStream::connect(addr).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        client.write_all(b"hello").unwrap();
        let mut reply = [0u8; 5];
        client.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"HELLO");
        drop(client);
        stop.shutdown();
        running.join().unwrap().unwrap();
    }
}
