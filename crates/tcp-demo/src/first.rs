//! 四.套接字初使用 — the tutorial's first TCP server and client.
//!
//! The server accepts one client, reads up to 1024 bytes, prints them the way Python
//! prints bytes (`b'hello!'`), replies `b'hi'` and closes. The client sends
//! `b'hello!'` and prints the reply. The classroom variant (`--greet-first`, the
//! tutorial's 上课例题 on port 8080) turns it around: the server says `b'hello'` first,
//! the client reads it and answers `b'byebye!'`.
//!
//! ```text
//! terminal 1: tcp-demo server            (or: python3 tests/python/tcp_server.py)
//! terminal 2: tcp-demo client            (or: python3 tests/python/tcp_client.py)
//! ```
//!
//! Every line that mirrors the tutorial carries a `// Python:` comment, so the two
//! programs can be read side by side.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use netlab_common::Tell;

/// The address of the tutorial's first server: `sk.bind(('127.0.0.1',8898))`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8898";
/// The classroom variant's address: `sk.bind(('127.0.0.1',8080))`.
pub const CLASSROOM_ADDR: &str = "127.0.0.1:8080";

/// The largest read, as in the tutorial: `conn.recv(1024)`. A longer message
/// arrives over several reads; chapter 5 (黏包) is about exactly that.
pub const RECV_BUFFER: usize = 1024;

/// What the first client sends: `sk.send(b'hello!')`.
pub const CLIENT_MESSAGE: &[u8] = b"hello!";
/// What the first server answers: `conn.send(b'hi')`.
pub const SERVER_REPLY: &[u8] = b"hi";
/// What the classroom server says first: `conn.send(b'hello')`.
pub const CLASSROOM_GREETING: &[u8] = b"hello";
/// What the classroom client answers: `sk.send(b'byebye!')`.
pub const CLASSROOM_ANSWER: &[u8] = b"byebye!";

/// How long the server waits for a connected client to send (or accept) its
/// bytes. The tutorial's server would wait forever for a client that connects
/// and says nothing, and nobody else could be served meanwhile; half a minute
/// is far more than a real client needs and short enough to notice.
pub const SERVER_PEER_TIMEOUT: Duration = Duration::from_secs(30);

/// The client's default `--timeout`: for connecting and for the reply.
pub const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// Which of the tutorial's two first programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Client speaks first: `b'hello!'` → `b'hi'` (port 8898).
    ClientFirst,
    /// The classroom example: server speaks first, `b'hello'` → `b'byebye!'` (port 8080).
    GreetFirst,
}

impl Variant {
    /// The tutorial's address for this variant.
    pub fn default_addr(self) -> SocketAddr {
        let text = match self {
            Variant::ClientFirst => DEFAULT_ADDR,
            Variant::GreetFirst => CLASSROOM_ADDR,
        };
        // Both constants are valid socket addresses (a unit test checks it).
        text.parse()
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}

/// Serves one accepted connection and returns the bytes the client sent, which
/// the caller prints (`print(ret)`).
///
/// Any error (the client vanished, said nothing within `timeout`...) is returned
/// to the caller, which logs it and carries on with the next client.
// ANCHOR: serve
pub fn serve_connection(
    mut conn: TcpStream,
    variant: Variant,
    timeout: Duration,
    tell: Tell<'_>,
) -> io::Result<Vec<u8>> {
    // The tutorial has no timeouts; without them one silent client would hold
    // this server forever (see SERVER_PEER_TIMEOUT).
    conn.set_read_timeout(Some(timeout))?;
    conn.set_write_timeout(Some(timeout))?;
    let mut buf = [0u8; RECV_BUFFER];
    match variant {
        Variant::ClientFirst => {
            let n = conn.read(&mut buf)?; // Python: ret = conn.recv(1024)
            let ret = buf[..n].to_vec();
            tell.receive("server", "client", &ret);
            tell.send("server", "client", SERVER_REPLY);
            // Python: conn.send(b'hi'). `write_all` is `sendall`: for two bytes
            // `send` always writes everything, but write_all says what we mean.
            conn.write_all(SERVER_REPLY)?;
            Ok(ret)
        }
        Variant::GreetFirst => {
            tell.send("server", "client", CLASSROOM_GREETING);
            conn.write_all(CLASSROOM_GREETING)?; // Python: conn.send(b'hello')
            let n = conn.read(&mut buf)?; // Python: msg = conn.recv(1024)
            let msg = buf[..n].to_vec();
            tell.receive("server", "client", &msg);
            Ok(msg)
        }
    }
    // Python: conn.close() — `conn` is dropped here, which closes it. The server
    // closes first, so it is the server's side that goes through TIME_WAIT
    // (see reuse.rs).
}
// ANCHOR_END: serve

/// Accepts one client and serves it; the whole of the tutorial's server after
/// `listen()`. Returns the peer's address and what it sent.
pub fn accept_and_serve(
    listener: &TcpListener,
    variant: Variant,
    timeout: Duration,
    tell: Tell<'_>,
) -> io::Result<(SocketAddr, Vec<u8>)> {
    let (conn, addr) = listener.accept()?; // Python: conn,addr = sk.accept()
    let received = serve_connection(conn, variant, timeout, tell)?;
    Ok((addr, received))
}

/// The client's side; returns the bytes it received, which the caller prints
/// (`print(ret)`).
// ANCHOR: client
pub fn run_client(
    addr: SocketAddr,
    variant: Variant,
    message: &[u8],
    timeout: Duration,
    tell: Tell<'_>,
) -> io::Result<Vec<u8>> {
    // Python: sk = socket.socket(); sk.connect(('127.0.0.1',8898))
    let mut sk = TcpStream::connect_timeout(&addr, timeout)?;
    sk.set_read_timeout(Some(timeout))?;
    sk.set_write_timeout(Some(timeout))?;
    let mut buf = [0u8; RECV_BUFFER];
    let received = match variant {
        Variant::ClientFirst => {
            tell.send("client", "server", message);
            sk.write_all(message)?; // Python: sk.send(b'hello!')
            let n = sk.read(&mut buf)?; // Python: ret = sk.recv(1024)
            buf[..n].to_vec()
        }
        Variant::GreetFirst => {
            let n = sk.read(&mut buf)?; // Python: ret = sk.recv(1024)
            let ret = buf[..n].to_vec();
            tell.receive("client", "server", &ret);
            tell.send("client", "server", message);
            sk.write_all(message)?; // Python: sk.send(b'byebye!')
            return Ok(ret);
        }
    };
    tell.receive("client", "server", &received);
    Ok(received)
    // Python: sk.close() — dropping `sk` closes it.
}
// ANCHOR_END: client

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    fn listener() -> TcpListener {
        TcpListener::bind("127.0.0.1:0").unwrap()
    }

    #[test]
    fn default_addresses_are_the_tutorials() {
        assert_eq!(Variant::ClientFirst.default_addr().port(), 8898);
        assert_eq!(Variant::GreetFirst.default_addr().port(), 8080);
        assert!(Variant::ClientFirst.default_addr().ip().is_loopback());
    }

    #[test]
    fn client_says_hello_and_server_answers_hi() {
        let listener = listener();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            accept_and_serve(
                &listener,
                Variant::ClientFirst,
                Duration::from_secs(5),
                Tell::quiet(),
            )
        });
        let reply = run_client(
            addr,
            Variant::ClientFirst,
            CLIENT_MESSAGE,
            Duration::from_secs(5),
            Tell::quiet(),
        )
        .unwrap();
        assert_eq!(reply, b"hi");
        assert_eq!(server.join().unwrap().unwrap().1, b"hello!");
    }

    #[test]
    fn classroom_server_greets_first() {
        let listener = listener();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            accept_and_serve(
                &listener,
                Variant::GreetFirst,
                Duration::from_secs(5),
                Tell::quiet(),
            )
        });
        let greeting = run_client(
            addr,
            Variant::GreetFirst,
            CLASSROOM_ANSWER,
            Duration::from_secs(5),
            Tell::quiet(),
        )
        .unwrap();
        assert_eq!(greeting, b"hello");
        assert_eq!(server.join().unwrap().unwrap().1, b"byebye!");
    }

    #[test]
    fn a_silent_client_times_out_instead_of_hanging_the_server() {
        let listener = listener();
        let addr = listener.local_addr().unwrap();
        let _silent = TcpStream::connect(addr).unwrap();
        let error = accept_and_serve(
            &listener,
            Variant::ClientFirst,
            Duration::from_millis(100),
            Tell::quiet(),
        )
        .unwrap_err();
        assert!(matches!(
            error.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ));
    }
}
