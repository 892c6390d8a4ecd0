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
//! loopback only, unless it has a [`Gate`] (chapter 7's `auth cmd-server` puts
//! its HMAC handshake there).
//!
//! ```text
//! $ framing cmd-server --protocol prefix          # terminal 1
//! $ framing cmd-client --protocol prefix          # terminal 2, type commands
//! ```

use std::error::Error;
use std::fmt;
use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use netlab_common::admission::{Limits, Ticket, WhenFull};
use netlab_common::bytes::python_repr;
use netlab_common::cli::humanize_duration;
use netlab_common::deadline::{Deadline, first_bytes_within};
use netlab_common::serve::thread_per_client;
use serde::Serialize;

use crate::frame::{FrameError, MAX_FRAME_LEN, read_frame, write_frame};
use crate::gate::{Gate, ListenError, listen};
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

/// How long a new client may take to send its first command, whole, by
/// default (`--first-command-timeout`): connections that have sent nothing
/// hold pending slots, and this frees them.
pub const FIRST_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

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
    /// How many clients are served, and how many one address may hold.
    pub limits: Limits,
    /// Without a gate, a new client's first command must be complete within
    /// this; until then it holds a pending slot (the gate's handshake has a
    /// deadline of its own).
    pub first_command_timeout: Duration,
    /// What each client must pass before its first command. Without a gate the
    /// server listens on loopback only.
    pub gate: Option<Box<dyn Gate>>,
}

/// `framing cmd-server`: accept clients and run their commands. Returns only if
/// it cannot start.
pub fn run_server(config: ServerConfig) -> Result<(), ListenError> {
    let listener = listen(
        config.addr,
        config.gate.as_deref(),
        "run commands for",
        "auth cmd-server",
    )?;
    // The closure below is shared by every client's thread; it owns these.
    let (gate, protocol) = (config.gate, config.protocol);
    let first_command = config.first_command_timeout;
    // When every slot is taken, a new client is refused at once: someone at a
    // keyboard learns it immediately instead of waiting with no answer.
    let when_full = WhenFull::Refuse;
    thread_per_client(
        &listener,
        config.limits,
        when_full,
        move |conn, peer, ticket| {
            let client = Client {
                protocol,
                gate: gate.as_deref(),
                first_command,
            };
            if let Err(error) = serve_client(conn, &client, &peer, ticket) {
                eprintln!("{peer}: {error}");
            }
        },
    );
    Ok(())
}

/// How a server treats each of its clients.
struct Client<'g> {
    protocol: Protocol,
    gate: Option<&'g dyn Gate>,
    first_command: Duration,
}

/// Serves one client until it closes: through the gate if there is one, then
/// its commands one after another.
fn serve_client(
    mut conn: TcpStream,
    client: &Client<'_>,
    peer: &str,
    mut ticket: Ticket,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    println!("{peer}: connected");
    conn.set_read_timeout(Some(IDLE_TIMEOUT))?;
    // A client that sends commands but never reads the answers would block our
    // write once its receive buffer and our send buffer are full (a command may
    // print up to 2 MiB): the same limit frees the thread.
    conn.set_write_timeout(Some(IDLE_TIMEOUT))?;
    let first = match client.gate {
        // Through the gate, within its handshake's deadline.
        Some(gate) => {
            if let Err(why) = gate.let_in(&conn) {
                let _ = conn.shutdown(Shutdown::Both);
                return Err(why);
            }
            None
        }
        // No handshake: the first command is what proves a client is more than
        // an open connection, and it must come, whole, within the deadline.
        None => match first_command(&conn, client.protocol, client.first_command) {
            Ok(FirstCommand::Whole(command)) => Some(command),
            Ok(FirstCommand::InTheSocket) => None,
            Ok(FirstCommand::Closed) => return Ok(()),
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                return Err(format!(
                    "no command within {}; closed (--first-command-timeout)",
                    humanize_duration(client.first_command)
                )
                .into());
            }
            Err(error) => return Err(error.into()),
        },
    };
    // Now the connection holds a served slot (when every one is taken, it is
    // closed instead, and the log says why).
    ticket.promote()?;
    match client.protocol {
        Protocol::Raw => serve_raw(&mut conn, peer)?,
        Protocol::Ack => serve_ack(&mut conn, peer)?,
        Protocol::Prefix => {
            if let Some(command) = first {
                let output = run_logged(peer, &command);
                write_frame(&mut conn, &output)?;
            }
            serve_prefix(&mut conn, peer)?
        }
    }
    println!("{peer}: closed");
    Ok(())
}

/// What arrived first from a new client.
enum FirstCommand {
    /// A whole frame (prefix protocol), to be run.
    Whole(Vec<u8>),
    /// Its first bytes (raw and ack, whose command is one `recv`), left in the
    /// socket for the protocol's loop to read.
    InTheSocket,
    /// It closed without sending a command.
    Closed,
}

/// Waits, at most `limit`, for a new client's first command. For the prefix
/// protocol the whole frame must be in by then, so a client trickling its
/// bytes cannot stretch the deadline. A missed deadline is
/// [`io::ErrorKind::TimedOut`].
fn first_command(
    conn: &TcpStream,
    protocol: Protocol,
    limit: Duration,
) -> io::Result<FirstCommand> {
    match protocol {
        Protocol::Prefix => match read_frame(&mut Deadline::after(conn, limit)?, MAX_COMMAND_LEN) {
            Ok(command) => Ok(FirstCommand::Whole(command)),
            Err(FrameError::Closed) => Ok(FirstCommand::Closed),
            Err(FrameError::Io(error)) => Err(error),
            Err(other) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                other.to_string(),
            )),
        },
        Protocol::Raw | Protocol::Ack => Ok(if first_bytes_within(conn, limit)? {
            FirstCommand::InTheSocket
        } else {
            FirstCommand::Closed
        }),
    }
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
/// One `recv(1024)`, taken as one command (the tutorial's assumption, and its
/// bug); `None` when the client closed.
fn recv_command<'b>(
    conn: &mut TcpStream,
    buf: &'b mut [u8; BUFSIZE],
) -> io::Result<Option<&'b [u8]>> {
    // Python: cmd = conn.recv(1024); if not cmd: break
    let n = conn.read(buf)?;
    Ok(buf.get(..n).filter(|command| !command.is_empty()))
}

/// The tutorial's server: whatever one `recv(1024)` returns is a command.
fn serve_raw(conn: &mut TcpStream, peer: &str) -> io::Result<()> {
    let mut buf = [0u8; BUFSIZE];
    while let Some(command) = recv_command(conn, &mut buf)? {
        let output = run_logged(peer, command);
        // Python: conn.send(stderr); conn.send(stdout)
        if output.is_empty() {
            conn.write_all(NO_OUTPUT_NOTE)?;
        } else {
            conn.write_all(&output)?;
        }
    }
    Ok(())
}
// ANCHOR_END: serve_raw

// ANCHOR: serve_ack
/// Fix 1: the length as text, wait for `ready`, then the data.
fn serve_ack(conn: &mut TcpStream, peer: &str) -> io::Result<()> {
    let mut buf = [0u8; BUFSIZE];
    while let Some(command) = recv_command(conn, &mut buf)? {
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
    Ok(())
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
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub addr: SocketAddr,
    pub protocol: Protocol,
    pub timeout: Duration,
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

/// `framing cmd-client`: connect, then [`converse`].
pub fn run_client(config: &ClientConfig) -> Result<(), ClientError> {
    let mut conn = connect(config.addr, config.timeout)?;
    converse(&mut conn, config)
}

/// Connects to the server, with `timeout` on every read.
pub fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, ClientError> {
    let conn = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|error| ClientError::Connect { addr, error })?;
    conn.set_read_timeout(Some(timeout))
        .map_err(|error| ClientError::Io {
            doing: "setting a timeout".to_string(),
            error,
        })?;
    Ok(conn)
}

/// Sends each line of standard input as a command over `conn` and prints the
/// answer (or, with `json`, one document at the end).
pub fn converse(conn: &mut TcpStream, config: &ClientConfig) -> Result<(), ClientError> {
    let addr = config.addr;
    let talk_error = |error: io::Error| match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ClientError::Timeout {
            addr,
            timeout: config.timeout,
        },
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => ClientError::Closed { addr },
        _ => ClientError::Io {
            doing: format!("talking to {addr}"),
            error,
        },
    };
    let mut exchanges = Vec::new();
    for line in io::stdin().lock().lines() {
        let line = line.map_err(|error| ClientError::Io {
            doing: "reading standard input".to_string(),
            error,
        })?;
        // Python: cmd = input('>>: ').strip(); if not cmd: continue
        let command = line.trim();
        if command.is_empty() {
            continue;
        }
        if command == "quit" {
            break;
        }
        let reply = ask(conn, config.protocol, command.as_bytes()).map_err(talk_error)?;
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
            io::stdout().flush().map_err(|error| ClientError::Io {
                doing: "writing to stdout".to_string(),
                error,
            })?;
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
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
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

/// Why `cmd-client` stopped before the end of its input.
#[derive(Debug)]
pub enum ClientError {
    /// The server could not be reached.
    Connect { addr: SocketAddr, error: io::Error },
    /// The server did not answer within `timeout`.
    Timeout { addr: SocketAddr, timeout: Duration },
    /// The server closed the connection instead of answering.
    Closed { addr: SocketAddr },
    /// Anything else the operating system reported: what we were doing, and why.
    Io { doing: String, error: io::Error },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Connect { addr, error } => write!(f, "cannot reach {addr}: {error}"),
            ClientError::Timeout { addr, timeout } => {
                write!(
                    f,
                    "no reply from {addr} within {}",
                    humanize_duration(*timeout)
                )
            }
            ClientError::Closed { addr } => {
                write!(f, "{addr} closed the connection without answering")
            }
            ClientError::Io { doing, error } => write!(f, "{doing}: {error}"),
        }
    }
}

impl Error for ClientError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ClientError::Connect { error, .. } | ClientError::Io { error, .. } => Some(error),
            ClientError::Timeout { .. } | ClientError::Closed { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Starts a server thread for `protocol` on 127.0.0.1:0, serving one client.
    fn one_client_server(protocol: Protocol) -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (conn, peer) = listener.accept().unwrap();
            let admission = netlab_common::admission::Admission::new(Limits::for_slots(1));
            let ticket = admission.admit(peer.ip()).unwrap();
            let client = Client {
                protocol,
                gate: None,
                first_command: FIRST_COMMAND_TIMEOUT,
            };
            let _ = serve_client(conn, &client, "test", ticket);
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
