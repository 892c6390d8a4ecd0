//! The tutorial's remote-command server and client (127.0.0.1:8888), with three
//! protocols: the tutorial's first, broken one and its two fixes.
//!
//! - [`Protocol::Raw`]: the client sends the command, the server sends back
//!   whatever the command printed, the client reads it with one `recv(1024)`.
//!   Long output arrives over several reads and leaks into the next answer, and
//!   two quick sends can arrive as one command: 黏包.
//! - [`Protocol::Ack`]: the server first sends the length of the output as
//!   decimal text, waits for the client's `ready`, then sends the output; the
//!   client reads exactly that many bytes. Correct, but every answer costs one
//!   more round trip.
//! - [`Protocol::Prefix`]: every message, both ways, is a frame (4-byte
//!   big-endian length, then the bytes; see [`crate::frame`]). Correct, no extra
//!   round trip: what real protocols do.
//!
//! Running commands for anybody who connects is dangerous: the server listens on
//! loopback by default and refuses a non-loopback `--addr` unless clients must
//! authenticate with chapter 7's HMAC handshake (a secret is configured).
//!
//! ```text
//! $ framing cmd-server --protocol prefix          # terminal 1
//! $ framing cmd-client --protocol prefix          # terminal 2, type commands
//! ```

use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use auth::{Handshake, Secret};
use netlab_common::Failure;
use netlab_common::admission::{Limits, Ticket};
use netlab_common::bytes::python_repr;
use netlab_common::listen::{announce, is_loopback};
use netlab_common::serve::thread_per_client;
use serde::Serialize;

use crate::frame::{FrameError, MAX_FRAME_LEN, read_frame, write_frame};
use crate::shell;

/// The tutorial's `recv(1024)`: how much the raw protocol reads at once.
pub const BUFSIZE: usize = 1024;

/// The longest command the prefix protocol accepts. A command is a line typed by
/// a person; 64 KiB is generous, and it keeps a hostile header from costing us.
pub const MAX_COMMAND_LEN: usize = 64 * 1024;

/// The longest length text the ack protocol accepts: `16777216` has 8 digits.
const MAX_LENGTH_TEXT: usize = 20;

/// The acknowledgement of the ack protocol (the tutorial's client sends it after
/// reading the length).
pub const READY: &[u8] = b"ready";

/// At most this many clients are served at once (one thread each); as many again
/// may be in their handshake, and one address may hold a quarter of them
/// (`netlab_common::admission`).
pub const MAX_CLIENTS: usize = 16;

/// A client that sends nothing (or reads nothing of its answer) for this long is
/// disconnected.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// What the raw server sends when a command printed nothing. Sending zero bytes
/// would leave the tutorial's client waiting forever in `recv`: with no
/// boundaries, "an empty answer" and "no answer yet" look the same.
pub const NO_OUTPUT_NOTE: &[u8] = b"(the command printed nothing)\n";

/// How the client and the server mark where one message ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// No boundaries at all: send the bytes, read with recv(1024) (the problem).
    Raw,
    /// The length as text first, wait for `ready`, then the data (fix 1).
    Ack,
    /// A 4-byte big-endian length before every message (fix 2).
    Prefix,
}

/// Everything `cmd-server` needs.
#[derive(Debug)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    pub protocol: Protocol,
    /// With a secret, every client must pass the HMAC handshake first.
    pub secret: Option<Secret>,
    /// How many clients are served, and how many one address may hold.
    pub limits: Limits,
}

// ANCHOR: refuse_network
/// Refuses to offer a service to the network without authentication: a
/// non-loopback address is allowed only with a secret. `what` completes
/// "refusing to ... anybody who can reach ADDR".
pub fn check_exposure(
    addr: SocketAddr,
    secret: Option<&Secret>,
    what: &str,
) -> Result<(), Failure> {
    if is_loopback(addr) || secret.is_some() {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "refusing to {what} anybody who can reach {addr}: a non-loopback address \
         needs a secret (--secret-file FILE or NETLAB_SECRET; chapter 7)"
    )))
}
// ANCHOR_END: refuse_network

/// `framing cmd-server`: accept clients and run their commands.
pub fn run_server(config: ServerConfig) -> Result<(), Failure> {
    check_exposure(config.addr, config.secret.as_ref(), "run commands for")?;
    let listener = TcpListener::bind(config.addr).map_err(|e| Failure::bind(config.addr, e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::io("local address", e))?;
    announce(local).map_err(|e| Failure::io("writing to stdout", e))?;
    // The closure below is shared by every client's thread; it owns these.
    let (secret, protocol) = (config.secret, config.protocol);
    thread_per_client(&listener, config.limits, move |conn, peer, ticket| {
        if let Err(error) = serve_client(conn, protocol, secret.as_ref(), &peer, ticket) {
            eprintln!("{peer}: {error}");
        }
    });
    Ok(())
}

/// Serves one client until it closes: authenticate if needed, then run its
/// commands one after another.
fn serve_client(
    mut conn: TcpStream,
    protocol: Protocol,
    secret: Option<&Secret>,
    peer: &str,
    mut ticket: Ticket,
) -> Result<(), Box<dyn std::error::Error>> {
    println!("{peer}: connected");
    if let Some(secret) = secret {
        conn.set_write_timeout(Some(auth::HANDSHAKE_TIMEOUT))?;
        if let Err(error) = auth::server_handshake_within(
            &conn,
            secret,
            auth::HANDSHAKE_TIMEOUT,
            Handshake::WITH_VERDICT,
        ) {
            let _ = conn.shutdown(Shutdown::Both);
            return Err(format!("not authenticated: {error}").into());
        }
        println!("{peer}: authenticated");
    }
    // The handshake (if any) is done: the connection now holds a served slot.
    // Without a secret there is no handshake: the first command comes from a
    // person at a keyboard, who may take longer than any handshake deadline, so
    // the connection counts as served at once and the per-address limit and the
    // idle timeout are what bound it.
    ticket.promote()?;
    conn.set_read_timeout(Some(IDLE_TIMEOUT))?;
    // A client that sends commands but never reads the answers would block our
    // write once its receive buffer and our send buffer are full (a command may
    // print up to 2 MiB): the same limit frees the thread.
    conn.set_write_timeout(Some(IDLE_TIMEOUT))?;
    match protocol {
        Protocol::Raw => serve_raw(&mut conn, peer)?,
        Protocol::Ack => serve_ack(&mut conn, peer)?,
        Protocol::Prefix => serve_prefix(&mut conn, peer)?,
    }
    println!("{peer}: closed");
    Ok(())
}

fn run_logged(peer: &str, command: &[u8]) -> Vec<u8> {
    let output = shell::run(command).combined();
    println!(
        "{peer}: ran {} ({} bytes of output)",
        python_repr(command),
        output.len()
    );
    output
}

// ANCHOR: serve_raw
/// The tutorial's server: whatever one `recv(1024)` returns is a command.
fn serve_raw(conn: &mut TcpStream, peer: &str) -> io::Result<()> {
    let mut buf = [0u8; BUFSIZE];
    loop {
        // Python: cmd = conn.recv(1024); if not cmd: break
        let n = conn.read(&mut buf)?;
        let Some(command) = buf.get(..n).filter(|c| !c.is_empty()) else {
            return Ok(());
        };
        let output = run_logged(peer, command);
        // Python: conn.send(stderr); conn.send(stdout)
        if output.is_empty() {
            conn.write_all(NO_OUTPUT_NOTE)?;
        } else {
            conn.write_all(&output)?;
        }
    }
}
// ANCHOR_END: serve_raw

// ANCHOR: serve_ack
/// Fix 1: the length as text, wait for `ready`, then the data.
fn serve_ack(conn: &mut TcpStream, peer: &str) -> io::Result<()> {
    let mut buf = [0u8; BUFSIZE];
    loop {
        let n = conn.read(&mut buf)?;
        let Some(command) = buf.get(..n).filter(|c| !c.is_empty()) else {
            return Ok(());
        };
        let output = run_logged(peer, command);
        // Python: conn.send(str(len(res)).encode('utf-8'))
        conn.write_all(output.len().to_string().as_bytes())?;
        // Python: conn.recv(1024)  # the client's b'ready'
        // Nothing else may arrive before the data: the client waits for it.
        let mut ack = [0u8; READY.len()];
        conn.read_exact(&mut ack)?;
        if ack != READY {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("expected b'ready', got {}", python_repr(&ack)),
            ));
        }
        // Python: conn.sendall(res)
        conn.write_all(&output)?;
    }
}
// ANCHOR_END: serve_ack

// ANCHOR: serve_prefix
/// Fix 2: a frame in, a frame out.
fn serve_prefix(conn: &mut TcpStream, peer: &str) -> Result<(), FrameError> {
    loop {
        let command = match read_frame(conn, MAX_COMMAND_LEN) {
            Ok(command) => command,
            Err(FrameError::Closed) => return Ok(()),
            Err(error) => return Err(error),
        };
        let output = run_logged(peer, &command);
        write_frame(conn, &output)?;
    }
}
// ANCHOR_END: serve_prefix

/// Everything `cmd-client` needs.
#[derive(Debug)]
pub struct ClientConfig {
    pub addr: SocketAddr,
    pub protocol: Protocol,
    pub timeout: Duration,
    pub secret: Option<Secret>,
    /// Print one JSON document (every command and its reply) instead of text.
    pub json: bool,
}

/// One command and the bytes the client took for its answer.
#[derive(Debug, Serialize)]
struct Exchange {
    command: String,
    /// The reply as text; bytes that are not UTF-8 become U+FFFD.
    reply: String,
    reply_len: usize,
}

/// `framing cmd-client`: send each line of standard input as a command and
/// print the answer.
pub fn run_client(config: ClientConfig) -> Result<(), Failure> {
    let addr = config.addr;
    let mut conn =
        TcpStream::connect_timeout(&addr, config.timeout).map_err(|e| Failure::connect(addr, e))?;
    conn.set_read_timeout(Some(config.timeout))
        .map_err(|e| Failure::io("setting a timeout", e))?;
    if let Some(secret) = &config.secret {
        auth::client_handshake(&mut conn, secret, Handshake::WITH_VERDICT).map_err(|error| {
            match error {
                auth::AuthError::Timeout => Failure::timeout(addr, config.timeout),
                error => Failure::other(format!("authenticating with {addr}: {error}")),
            }
        })?;
    }
    let to_failure = |error: io::Error| match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            Failure::timeout(addr, config.timeout)
        }
        _ => Failure::io(format!("talking to {addr}"), error),
    };
    let mut exchanges = Vec::new();
    for line in io::stdin().lock().lines() {
        let line = line.map_err(|e| Failure::io("reading standard input", e))?;
        // Python: cmd = input('>>: ').strip(); if not cmd: continue
        let command = line.trim();
        if command.is_empty() {
            continue;
        }
        if command == "quit" {
            break;
        }
        let reply = ask(&mut conn, config.protocol, command.as_bytes()).map_err(to_failure)?;
        // Python: print(res.decode('gbk')) — we decode UTF-8 and show bytes
        // that are not UTF-8 as U+FFFD instead of crashing.
        let text = String::from_utf8_lossy(&reply).into_owned();
        if config.json {
            exchanges.push(Exchange {
                command: command.to_string(),
                reply: text,
                reply_len: reply.len(),
            });
        } else {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
            io::stdout()
                .flush()
                .map_err(|e| Failure::io("writing to stdout", e))?;
        }
    }
    if config.json {
        let doc = serde_json::json!({
            "addr": addr.to_string(),
            "protocol": config.protocol,
            "exchanges": exchanges,
        });
        println!("{doc}");
    }
    Ok(())
}

// ANCHOR: ask
/// Sends one command and returns what this protocol takes as its answer.
pub fn ask(conn: &mut TcpStream, protocol: Protocol, command: &[u8]) -> io::Result<Vec<u8>> {
    match protocol {
        Protocol::Raw => {
            // Python: phone.send(cmd.encode('utf-8')); data = phone.recv(1024)
            conn.write_all(command)?;
            let mut buf = vec![0u8; BUFSIZE];
            let n = conn.read(&mut buf)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf.truncate(n);
            Ok(buf)
        }
        Protocol::Ack => {
            conn.write_all(command)?;
            // Python: length = int(phone.recv(1024).decode('utf-8'))
            let mut text = [0u8; MAX_LENGTH_TEXT];
            let n = conn.read(&mut text)?;
            let len = std::str::from_utf8(text.get(..n).unwrap_or_default())
                .ok()
                .and_then(|t| t.parse::<usize>().ok())
                .filter(|&len| len <= MAX_FRAME_LEN)
                .ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, "the length is not a number")
                })?;
            // Python: phone.send(b'ready')
            conn.write_all(READY)?;
            // Python: while recv_size < length: data += phone.recv(1024)
            // Capacity grows with the bytes that really arrive, not with the header.
            let mut reply = Vec::new();
            conn.take(len as u64).read_to_end(&mut reply)?;
            if reply.len() < len {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            Ok(reply)
        }
        Protocol::Prefix => {
            write_frame(conn, command)?;
            Ok(read_frame(conn, MAX_FRAME_LEN)?)
        }
    }
}
// ANCHOR_END: ask

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_needs_no_secret() {
        assert!(check_exposure("127.0.0.1:8888".parse().unwrap(), None, "x").is_ok());
        assert!(check_exposure("[::1]:8888".parse().unwrap(), None, "x").is_ok());
    }

    #[test]
    fn network_address_without_secret_is_refused() {
        let failure = check_exposure("0.0.0.0:8888".parse().unwrap(), None, "x").unwrap_err();
        assert_eq!(failure.exit_code(), 2);
        assert!(failure.message().contains("0.0.0.0:8888"));
    }

    #[test]
    fn network_address_with_secret_is_allowed() {
        let secret = Secret::new(b"k".to_vec()).unwrap();
        assert!(check_exposure("0.0.0.0:8888".parse().unwrap(), Some(&secret), "x").is_ok());
    }

    /// Starts a server thread for `protocol` on 127.0.0.1:0, serving one client.
    fn one_client_server(protocol: Protocol) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (conn, peer) = listener.accept().unwrap();
            let admission = netlab_common::admission::Admission::new(Limits::for_slots(1));
            let ticket = admission.admit(peer.ip()).unwrap();
            let _ = serve_client(conn, protocol, None, "test", ticket);
        });
        addr
    }

    #[test]
    fn ack_and_prefix_return_whole_answers() {
        for protocol in [Protocol::Ack, Protocol::Prefix] {
            let addr = one_client_server(protocol);
            let mut conn = TcpStream::connect(addr).unwrap();
            conn.set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            let long = ask(&mut conn, protocol, b"seq 1 2000").unwrap();
            assert_eq!(long.len(), 8893, "{protocol:?}");
            let short = ask(&mut conn, protocol, b"echo hi").unwrap();
            assert_eq!(short, b"hi\n", "{protocol:?}");
        }
    }

    #[test]
    fn raw_answers_leak_into_the_next_one() {
        let addr = one_client_server(Protocol::Raw);
        let mut conn = TcpStream::connect(addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let first = ask(&mut conn, Protocol::Raw, b"seq 1 2000").unwrap();
        assert!(first.len() <= BUFSIZE);
        let second = ask(&mut conn, Protocol::Raw, b"echo hi").unwrap();
        assert_ne!(second, b"hi\n", "the rest of seq's output comes first");
        assert!(second.starts_with(b"\n") || second.first().is_some_and(u8::is_ascii_digit));
    }
}
