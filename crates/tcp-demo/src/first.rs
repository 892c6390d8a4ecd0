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
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use netlab_common::bytes::python_repr;

/// The address of the tutorial's first server: `sk.bind(('127.0.0.1',8898))`.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8898);
/// The classroom variant's address: `sk.bind(('127.0.0.1',8080))`.
pub const CLASSROOM_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

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
    pub const fn default_addr(self) -> SocketAddr {
        match self {
            Variant::ClientFirst => DEFAULT_ADDR,
            Variant::GreetFirst => CLASSROOM_ADDR,
        }
    }
}

/// Gives every read and write on `conn` at most `timeout`. The tutorial has no
/// timeouts; without them one silent peer would hold this program forever (see
/// [`SERVER_PEER_TIMEOUT`]).
pub fn set_timeouts(conn: &TcpStream, timeout: Duration) -> io::Result<()> {
    conn.set_read_timeout(Some(timeout))?;
    conn.set_write_timeout(Some(timeout))
}

/// Serves one accepted connection and returns the bytes the client sent, which
/// the caller prints (`print(ret)`).
///
/// Any error (the client vanished, said nothing in time...) is returned to the
/// caller, which logs it and carries on with the next client.
// ANCHOR: serve
pub fn serve_connection(conn: &mut (impl Read + Write), variant: Variant) -> io::Result<Vec<u8>> {
    let mut buf = [0u8; RECV_BUFFER];
    match variant {
        Variant::ClientFirst => {
            let n = conn.read(&mut buf)?; // Python: ret = conn.recv(1024)
            // Python: conn.send(b'hi'). `write_all` is `sendall`: for two bytes
            // `send` always writes everything, but write_all says what we mean.
            conn.write_all(SERVER_REPLY)?;
            Ok(buf[..n].to_vec())
        }
        Variant::GreetFirst => {
            conn.write_all(CLASSROOM_GREETING)?; // Python: conn.send(b'hello')
            let n = conn.read(&mut buf)?; // Python: msg = conn.recv(1024)
            Ok(buf[..n].to_vec())
        }
    }
    // Python: conn.close() — the caller drops `conn`, which closes it. The server
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
) -> io::Result<(SocketAddr, Vec<u8>)> {
    let (mut conn, addr) = listener.accept()?; // Python: conn,addr = sk.accept()
    set_timeouts(&conn, timeout)?;
    let received = serve_connection(&mut conn, variant)?;
    Ok((addr, received))
}

/// The server of `tcp-demo server`: accepts a client, serves it and prints what
/// it printed in Python (`print(addr)`, `print(ret)`) on `out`; then exits, or
/// with `forever` accepts the next client.
///
/// One client at a time, like the tutorial: no thread per client, so there are
/// no slots to count or to take. The others wait in the kernel's listen
/// backlog. A hostile client holds the server for at most `timeout`: the
/// exchange is a single recv (a trickle cannot stretch it, its first byte ends
/// it) and a send of a few bytes, each under that timeout. One that reconnects
/// again and again can still keep the queue waiting, a round at a time: that is
/// what serving one client at a time means (chapter 8 serves many).
///
/// Returns only when `out` cannot be written to (or, without `forever`, after
/// the first client served).
pub fn serve(
    listener: &TcpListener,
    variant: Variant,
    timeout: Duration,
    forever: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut print = |line: String| -> io::Result<()> {
        writeln!(out, "{line}")?;
        out.flush()
    };
    loop {
        let (mut conn, peer) = match listener.accept() {
            Ok(pair) => pair, // Python: conn,addr = sk.accept()
            // A client that gave up before we accepted it (or a passing
            // shortage of file descriptors) concerns that client only.
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        print(format!("connection from {peer}"))?; // Python: print(addr)
        match set_timeouts(&conn, timeout).and_then(|()| serve_connection(&mut conn, variant)) {
            Ok(received) => {
                print(python_repr(&received))?; // Python: print(ret)
                if !forever {
                    return Ok(());
                }
            }
            // One misbehaving client is logged and does not end the server: the
            // next client gets its turn.
            Err(e) => eprintln!("{peer}: {}", describe(&e)),
        }
    }
}

/// Connects to the server at `addr`, with every step under `timeout`.
pub fn connect(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    // Python: sk = socket.socket(); sk.connect(('127.0.0.1',8898))
    let sk = TcpStream::connect_timeout(&addr, timeout)?;
    set_timeouts(&sk, timeout)?;
    Ok(sk)
}

/// The client's side of the exchange; returns the bytes it received, which the
/// caller prints (`print(ret)`).
// ANCHOR: client
pub fn client_exchange(
    sk: &mut (impl Read + Write),
    variant: Variant,
    message: &[u8],
) -> io::Result<Vec<u8>> {
    let mut buf = [0u8; RECV_BUFFER];
    match variant {
        Variant::ClientFirst => {
            sk.write_all(message)?; // Python: sk.send(b'hello!')
            let n = sk.read(&mut buf)?; // Python: ret = sk.recv(1024)
            Ok(buf[..n].to_vec())
        }
        Variant::GreetFirst => {
            let n = sk.read(&mut buf)?; // Python: ret = sk.recv(1024)
            sk.write_all(message)?; // Python: sk.send(b'byebye!')
            Ok(buf[..n].to_vec())
        }
    }
    // Python: sk.close() — the caller drops `sk`, which closes it.
}
// ANCHOR_END: client

/// `tcp-demo client`: connects to `addr`, runs the exchange and returns what
/// the server sent.
pub fn run_client(
    addr: SocketAddr,
    variant: Variant,
    message: &[u8],
    timeout: Duration,
) -> io::Result<Vec<u8>> {
    let mut sk = connect(addr, timeout)?;
    client_exchange(&mut sk, variant, message)
}

/// A short explanation of what went wrong with a peer, for the server's log.
pub fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            "the other side said nothing for too long (idle timeout)".to_string()
        }
        io::ErrorKind::UnexpectedEof => {
            "the other side vanished in the middle of a character".to_string()
        }
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    fn listener() -> TcpListener {
        TcpListener::bind("127.0.0.1:0").unwrap()
    }

    #[test]
    fn default_addresses_are_the_tutorials() {
        assert_eq!(
            Variant::ClientFirst.default_addr().to_string(),
            "127.0.0.1:8898"
        );
        assert_eq!(
            Variant::GreetFirst.default_addr().to_string(),
            "127.0.0.1:8080"
        );
    }

    #[test]
    fn client_says_hello_and_server_answers_hi() {
        let listener = listener();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            accept_and_serve(&listener, Variant::ClientFirst, Duration::from_secs(5))
        });
        let reply = run_client(
            addr,
            Variant::ClientFirst,
            CLIENT_MESSAGE,
            Duration::from_secs(5),
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
            accept_and_serve(&listener, Variant::GreetFirst, Duration::from_secs(5))
        });
        let greeting = run_client(
            addr,
            Variant::GreetFirst,
            CLASSROOM_ANSWER,
            Duration::from_secs(5),
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
        let error = accept_and_serve(&listener, Variant::ClientFirst, Duration::from_millis(100))
            .unwrap_err();
        assert!(matches!(
            error.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ));
    }

    /// What `serve` prints while it serves one `run_client` (after a client
    /// that connects and says nothing, with `silent_first`), without --forever.
    fn printed_by_serve(timeout: Duration, silent_first: bool) -> String {
        let listener = listener();
        let addr = listener.local_addr().unwrap();
        let silent = silent_first.then(|| TcpStream::connect(addr).unwrap());
        let client = thread::spawn(move || {
            run_client(
                addr,
                Variant::ClientFirst,
                CLIENT_MESSAGE,
                Duration::from_secs(5),
            )
        });
        let mut out = Vec::new();
        serve(&listener, Variant::ClientFirst, timeout, false, &mut out).unwrap();
        drop(silent);
        assert_eq!(client.join().unwrap().unwrap(), b"hi");
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_server_prints_the_peer_and_what_it_sent_then_exits() {
        let out = printed_by_serve(Duration::from_secs(5), false);
        assert!(out.starts_with("connection from 127.0.0.1:"), "{out}");
        assert!(out.ends_with("\nb'hello!'\n"), "{out}");
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn a_silent_client_is_logged_and_the_next_one_served() {
        let out = printed_by_serve(Duration::from_millis(100), true);
        assert_eq!(out.matches("connection from").count(), 2, "{out}");
        assert!(out.ends_with("\nb'hello!'\n"), "{out}");
    }
}
