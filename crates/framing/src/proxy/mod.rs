//! `framing proxy`: a TCP proxy that misbehaves on purpose, the same way on
//! every run, so that 黏包 can be watched with any program — ours, the
//! tutorial's Python, a student's own.
//!
//! On a quiet loopback a message usually arrives the way it was sent, and a
//! program that forgets TCP is a byte stream seems to work. The proxy sits
//! between a client and its server and makes the network less kind:
//!
//! - `--split 7`: everything is delivered in pieces of 7 bytes (or of random
//!   sizes, `--split 3..9`), each its own write, each read by the receiver on
//!   its own: 拆包, one message taken by several `recv`s;
//! - `--merge 50`: bytes are held for 50 ms after the first of them arrived,
//!   then everything held goes out in one write: 黏包, several messages taken by
//!   one `recv`;
//! - `--delay 20 --jitter 10`: each piece 20 to 30 ms late, in order;
//! - `--seed 42`: every random choice from this seed. The proxy prints its
//!   seed when it starts, so a run can be replayed exactly;
//! - `--trace`: one line per delivered piece; `--pcap FILE`: the same pieces as
//!   a capture file for Wireshark.
//!
//! ```text
//! $ framing cmd-server --protocol raw                          # terminal 1: 127.0.0.1:8888
//! $ framing proxy --to 127.0.0.1:8888 --split 7 --trace        # terminal 2: 127.0.0.1:9888
//! $ python3 tests/python/cmd_client.py 127.0.0.1:9888          # terminal 3: answers mix up
//! ```
//!
//! Which file does what: `chaos.rs` (the options and the seeded dice),
//! `link.rs` (one direction: read, hold, cut, delay, write), `unread.rs` (how
//! the proxy knows a piece was read before it writes the next), `capture.rs`
//! (`--pcap`), and this file (accepting clients, connecting to the server,
//! closing both sides).

pub mod capture;
pub mod chaos;
mod demo;
pub mod link;
pub mod unread;

pub use demo::demo;

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use netlab_common::admission::{Limits, WhenFull};
use netlab_common::listen::announce;
use netlab_common::serve::{AcceptLoop, Accepted};
use netlab_common::trace;

use capture::{Capture, Conversation};
use chaos::{Chaos, Dice};
use link::{Carried, Direction, Link, Trace, Watcher};

/// The proxy's own address when none is given: in front of the command
/// server's 8888.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9888";

/// At most this many conversations at once (four threads each); one address
/// may hold a quarter of them (`netlab_common::admission`).
pub const MAX_CONVERSATIONS: usize = 16;

/// How long the proxy tries to reach the server for each new client.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A conversation in which neither side sends anything (or reads anything of
/// what is due to it) for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Everything `framing proxy` needs.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Where clients connect.
    pub listen: SocketAddr,
    /// The server every conversation is forwarded to.
    pub to: SocketAddr,
    pub chaos: Chaos,
    /// The seed of every random choice.
    pub seed: u64,
    /// Print one line per delivered piece.
    pub trace: bool,
    /// Write every conversation into this capture file.
    pub pcap: Option<PathBuf>,
}

/// `framing proxy`: accepts clients for ever, each in a conversation of its
/// own with the server. Returns only if it cannot start.
pub fn run(config: ProxyConfig) -> Result<(), ProxyError> {
    let capture = match &config.pcap {
        Some(path) => Some(open_capture(path, &config)?),
        None => None,
    };
    let listener = listen(&config)?;
    let started = Instant::now();
    let shared = Arc::new((config, capture));
    // Conversations are numbered in the order they are accepted (the accept
    // loop does it): the number chooses the dice, so the same clients in the
    // same order meet the same misbehaviour. A client over a limit is closed
    // at once, and stderr says why.
    AcceptLoop::new(Limits::for_slots(MAX_CONVERSATIONS), WhenFull::Refuse).run(
        &listener,
        move |accepted| {
            let (config, capture) = &*shared;
            let Accepted {
                conn: client,
                peer: address,
                number,
                mut ticket,
            } = accepted;
            // There is no handshake to wait for: a conversation is served at once.
            if let Err(refused) = ticket.promote() {
                eprintln!("{address}: {refused}");
                return;
            }
            converse(config, capture.as_ref(), started, number, client, address);
        },
    );
    Ok(())
}

/// Creates the `--pcap` file. Its frames are IPv4, like chapter 3's.
fn open_capture(path: &std::path::Path, config: &ProxyConfig) -> Result<Capture, ProxyError> {
    if !(config.listen.is_ipv4() && config.to.is_ipv4()) {
        return Err(ProxyError::CaptureNeedsIpv4);
    }
    Capture::create(path).map_err(|error| ProxyError::Capture {
        path: path.to_path_buf(),
        error,
    })
}

/// Checks where the proxy may listen, binds, and prints `listening on ADDR`,
/// then the options and the seed that replay this run.
fn listen(config: &ProxyConfig) -> Result<TcpListener, ProxyError> {
    check_exposure(config.listen, config.to)?;
    let listener = TcpListener::bind(config.listen).map_err(|error| ProxyError::Bind {
        addr: config.listen,
        error,
    })?;
    let local = listener.local_addr().map_err(|error| ProxyError::Io {
        doing: "local address",
        error,
    })?;
    announce(local).map_err(|error| ProxyError::Io {
        doing: "writing to stdout",
        error,
    })?;
    println!("{}", replay_line(config));
    Ok(listener)
}

/// `forwarding to 127.0.0.1:8888 with --split 7 --seed 42 (...)`.
pub fn replay_line(config: &ProxyConfig) -> String {
    trace::replay_line(config.to, &config.chaos.options(), config.seed)
}

/// Refuses to expose a loopback-only server to the network
/// ([`trace::exposes_a_loopback_server`]).
pub fn check_exposure(listen: SocketAddr, to: SocketAddr) -> Result<(), ProxyError> {
    if trace::exposes_a_loopback_server(listen, to) {
        return Err(ProxyError::Exposed { listen, to });
    }
    Ok(())
}

/// One conversation: connect to the server, then carry both directions until
/// both sides have closed (or one of them failed).
fn converse(
    config: &ProxyConfig,
    capture: Option<&Capture>,
    started: Instant,
    number: u64,
    client: TcpStream,
    peer: SocketAddr,
) {
    let recorded = capture
        .zip(Capture::addresses(peer, config.to))
        .map(|(capture, (client, server))| capture.conversation(client, server));
    let server = match TcpStream::connect_timeout(&config.to, CONNECT_TIMEOUT) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("#{number} {peer}: cannot reach {}: {error}", config.to);
            if let Some(recorded) = &recorded {
                recorded.refused();
            }
            // Dropping the client's socket closes it: the client sees the end.
            return;
        }
    };
    for conn in [&client, &server] {
        if let Err(error) = prepare(conn) {
            eprintln!("#{number} {peer}: {error}");
            return;
        }
    }
    println!("#{number} {peer} connected, forwarding to {}", config.to);
    let trace = config.trace.then_some(Trace {
        started,
        conversation: number,
    });
    let watchers = Watchers { trace, recorded };
    let (up, down) = carry_both(
        &client,
        &server,
        &config.chaos,
        config.seed,
        number,
        &watchers,
    );
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
    if let Some(recorded) = &watchers.recorded
        && (up.is_err() || down.is_err())
    {
        recorded.reset();
    }
    println!(
        "#{number} closed: {}; {}",
        summary(Direction::ClientToServer, &up),
        summary(Direction::ServerToClient, &down)
    );
    for (direction, result) in [
        (Direction::ClientToServer, &up),
        (Direction::ServerToClient, &down),
    ] {
        if let Err(error) = result {
            eprintln!("#{number} {}: {error}", direction.label());
        }
    }
}

/// Carries conversation number `number` both ways between `client` and
/// `server` until both sides have closed (or one failed): what each direction
/// carried, or why it stopped.
pub fn carry_both(
    client: &TcpStream,
    server: &TcpStream,
    chaos: &Chaos,
    seed: u64,
    number: u64,
    watcher: &dyn Watcher,
) -> (io::Result<Carried>, io::Result<Carried>) {
    let link = |direction: Direction| Link {
        direction,
        chaos,
        dice: Dice::new(seed, number, direction.number()),
    };
    thread::scope(|scope| {
        let up =
            scope.spawn(|| link::carry(link(Direction::ClientToServer), client, server, watcher));
        let down = link::carry(link(Direction::ServerToClient), server, client, watcher);
        let up = up
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the client → server thread panicked")));
        (up, down)
    })
}

/// Timeouts on both sockets (a silent conversation ends), and no Nagle: each
/// piece must leave when it is written, not wait to be merged with the next
/// one by the proxy's own kernel.
fn prepare(conn: &TcpStream) -> io::Result<()> {
    conn.set_read_timeout(Some(IDLE_TIMEOUT))?;
    conn.set_write_timeout(Some(IDLE_TIMEOUT))?;
    conn.set_nodelay(true)
}

/// `client → server 16 B in 3 pieces`, or `client → server failed`.
fn summary(direction: Direction, result: &Result<Carried, io::Error>) -> String {
    match result {
        Ok(carried) => format!(
            "{} {} B in {} piece{}",
            direction.label(),
            carried.bytes,
            carried.pieces,
            if carried.pieces == 1 { "" } else { "s" }
        ),
        Err(_) => format!("{} failed", direction.label()),
    }
}

/// Who is told about each piece: the trace (`--trace`), the capture file
/// (`--pcap`).
#[derive(Debug)]
struct Watchers<'a> {
    trace: Option<Trace>,
    recorded: Option<Conversation<'a>>,
}

impl Watcher for Watchers<'_> {
    fn delivering(&self, direction: Direction, piece: &[u8]) {
        if let Some(trace) = &self.trace {
            trace.delivering(direction, piece);
        }
    }

    fn delivered(&self, direction: Direction, piece: &[u8]) {
        if let Some(recorded) = &self.recorded {
            recorded.delivered(direction, piece);
        }
    }

    fn closed(&self, direction: Direction) {
        if let Some(recorded) = &self.recorded {
            recorded.closed(direction);
        }
    }
}

/// Why the proxy could not start.
#[derive(Debug)]
pub enum ProxyError {
    /// A network address in front of a loopback-only server.
    Exposed { listen: SocketAddr, to: SocketAddr },
    /// The address could not be bound.
    Bind { addr: SocketAddr, error: io::Error },
    /// Something else the operating system refused: what we were doing, and why.
    Io {
        doing: &'static str,
        error: io::Error,
    },
    /// `--pcap` with an IPv6 address: the capture's frames are IPv4.
    CaptureNeedsIpv4,
    /// The capture file could not be created.
    Capture { path: PathBuf, error: io::Error },
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::Exposed { listen, to } => write!(
                f,
                "refusing to listen on {listen} in front of {to}: anybody who can reach \
                 the proxy would reach a server that listens on loopback to be private \
                 (listen on 127.0.0.1, or forward to a non-loopback address)"
            ),
            ProxyError::Bind { addr, error } => write!(f, "cannot listen on {addr}: {error}"),
            ProxyError::Io { doing, error } => write!(f, "{doing}: {error}"),
            ProxyError::CaptureNeedsIpv4 => write!(
                f,
                "--pcap writes IPv4 frames (chapter 3's): --listen and --to must be IPv4 addresses"
            ),
            ProxyError::Capture { path, error } => {
                write!(f, "cannot create {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProxyError::Exposed { .. } | ProxyError::CaptureNeedsIpv4 => None,
            ProxyError::Bind { error, .. }
            | ProxyError::Io { error, .. }
            | ProxyError::Capture { error, .. } => Some(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_proxy_keeps_a_loopback_server_private() {
        assert!(check_exposure(addr("127.0.0.1:9888"), addr("127.0.0.1:8888")).is_ok());
        assert!(check_exposure(addr("0.0.0.0:9888"), addr("192.0.2.7:8888")).is_ok());
        let refused = check_exposure(addr("0.0.0.0:9888"), addr("127.0.0.1:8888")).unwrap_err();
        assert!(
            refused.to_string().contains("listens on loopback"),
            "{refused}"
        );
    }

    #[test]
    fn the_first_lines_say_how_to_replay_the_run() {
        let config = ProxyConfig {
            listen: addr("127.0.0.1:0"),
            to: addr("127.0.0.1:8888"),
            chaos: Chaos {
                split: Some(chaos::Split::Fixed(7)),
                ..Chaos::default()
            },
            seed: 42,
            trace: false,
            pcap: None,
        };
        assert_eq!(
            replay_line(&config),
            "forwarding to 127.0.0.1:8888 with --split 7 --seed 42 \
             (the same options and seed replay this run)"
        );
    }
}
