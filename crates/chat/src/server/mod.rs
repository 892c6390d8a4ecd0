//! `chat server`: the chat room on tokio, wired to TCP.
//!
//! ```text
//! accept loop ──(a ticket from the connection limits)──▶ one task per connection:
//!   terminal: [auth handshake, chapter 7] → nickname ─┐  ┌ reader: lines → Session → Room
//!   browser:  HTTP upgrade → nickname → [challenge] ──┴─▶└ writer: outbox → socket
//! Ctrl-C ──▶ cancel every connection ──▶ each says "shutting down", drains, closes
//! ```
//!
//! A terminal client's messages, both ways, are chapter-5 frames: a 4-byte
//! big-endian length and that many bytes of UTF-8 text ([`frames`]). A
//! browser's are WebSocket messages, after an HTTP upgrade ([`web`], with
//! `--web`). Once joined, both are members like any other ([`member`]).
//!
//! Compared with the threaded echo: a thread per client costs a stack and a
//! kernel thread, so thousands of mostly idle chat clients are thousands of
//! sleeping threads. A tokio task costs a few hundred bytes, and a handful of
//! threads run all of them. For a few clients doing heavy blocking work per
//! request, threads are simpler and just as fast; for many mostly idle
//! connections (chat, notifications, games), tasks win.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use auth::Secret;
use netlab_common::admission::{Admission, Refused};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::policy::{DRAIN_TIMEOUT, FAREWELL_TIMEOUT, Policy};
use crate::room::{ClientId, Room};
use crate::session;

pub mod frames;
pub mod member;
pub mod web;

/// The chat server's default address (a loopback port of its own).
pub const DEFAULT_ADDR: &str = "127.0.0.1:9090";

/// TCP keepalive: after this long without traffic the kernel probes the peer,
/// so a peer that vanished (power cut, cable pulled) is noticed even by a
/// connection that is not otherwise written to.
pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);

/// What every connection task shares.
#[derive(Debug)]
pub struct Shared {
    room: Mutex<Room>,
    policy: Policy,
    secret: Option<Secret>,
    next_id: AtomicU64,
}

impl Shared {
    /// A number no other connection has, to tell members apart even when a
    /// nickname is reused.
    fn new_id(&self) -> ClientId {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// Binds `addr` with the big listen backlog, ready for [`run`].
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let listener = crate::listener::bind(addr)?;
    listener.set_nonblocking(true)?;
    TcpListener::from_std(listener)
}

/// The address a listener got (port 0 becomes the port the system chose).
fn local(listener: &TcpListener) -> Result<SocketAddr, ServerError> {
    listener.local_addr().map_err(|error| ServerError::Io {
        doing: "local address",
        error,
    })
}

/// `chat server`: binds `addr` (and `web`, for browsers), prints `listening on
/// ADDR` (and `web on http://WEB/`), serves the room until Ctrl-C, then says
/// goodbye to everyone. Returns an error only if it cannot start.
pub async fn run_until_ctrl_c(
    addr: SocketAddr,
    web: Option<SocketAddr>,
    policy: Policy,
    secret: Option<Secret>,
) -> Result<(), ServerError> {
    for addr in std::iter::once(addr).chain(web) {
        if secret.is_none() && !netlab_common::listen::is_loopback(addr) {
            eprintln!(
                "warning: listening on {addr} without a secret: anyone who can reach it \
                 can join the room and read every line (set --secret-file or \
                 NETLAB_SECRET; chapter 7)"
            );
        }
    }
    if let Some(web) = web.filter(|web| secret.is_some() && !web.ip().is_loopback()) {
        eprintln!(
            "warning: browsers compute the answer to the challenge with Web Crypto, which \
             they allow only on https or on loopback: a browser on another machine cannot \
             join http://{web}/ (production serves the page and the WebSocket over TLS)"
        );
    }
    // Each client is an open file: lift the soft limit (often 1024) to the
    // hard limit, as the benchmark does.
    let nofile = crate::nofile::raise_nofile_limit();
    let listener = bind(addr).map_err(|error| ServerError::Bind { addr, error })?;
    netlab_common::listen::announce(local(&listener)?).map_err(|error| ServerError::Io {
        doing: "stdout",
        error,
    })?;
    // If even that is too few, say so (and serve anyway: the room may never
    // be that full).
    if let Some(shortfall) = crate::nofile::shortfall(policy.max_clients, nofile) {
        eprintln!("warning: --max-clients {}: {shortfall}", policy.max_clients);
    }
    let web = match web {
        None => None,
        Some(addr) => {
            let listener = bind(addr).map_err(|error| ServerError::Bind { addr, error })?;
            println!("web on http://{}/", local(&listener)?);
            Some(listener)
        }
    };
    let ctrl_c = async {
        // If the signal handler cannot be installed, never stop by signal.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        println!("shutting down: telling every client");
    };
    run(listener, web, policy, secret, ctrl_c).await;
    println!("bye");
    Ok(())
}

/// Why `chat server` could not start: it could not listen.
pub type ServerError = netlab_common::listen::ListenError;

// ANCHOR: run
/// Serves the room on `listener` (terminal clients) and `web` (browsers) until
/// `shutdown` completes (Ctrl-C in the binary, a channel in tests and the
/// demo); then tells every client, lets their queues drain and returns.
pub async fn run(
    listener: TcpListener,
    web: Option<TcpListener>,
    policy: Policy,
    secret: Option<Secret>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let admission = Admission::new(policy.limits());
    let shared = Arc::new(Shared {
        room: Mutex::new(Room::new(&policy)),
        policy,
        secret,
        next_id: AtomicU64::new(1),
    });
    // Cancelling `stop` tells every connection task to finish; `tasks` lets us
    // wait until they have.
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
    tokio::pin!(shutdown);
    loop {
        let (accepted, browser) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => (accepted, false),
            accepted = accept(web.as_ref()) => (accepted, true),
        };
        let (socket, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                // Out of file descriptors (EMFILE), or a client that reset
                // before we accepted it: log, breathe, go on.
                eprintln!("accept failed: {error}");
                tokio::time::sleep(netlab_common::serve::ACCEPT_RETRY_PAUSE).await;
                continue;
            }
        };
        // The connection limits, the same for both kinds of client: a ticket
        // per connection, pending while it joins, given back when the task
        // ends (the ticket is dropped with it). Over a limit a newcomer is told
        // why and closed (`WhenFull::Refuse`): the room never makes the accept
        // loop wait.
        match (admission.admit(peer.ip()), browser) {
            (Ok(ticket), false) => {
                let (shared, stop) = (Arc::clone(&shared), stop.clone());
                tasks
                    .spawn(async move { frames::serve(socket, peer, &shared, stop, ticket).await });
            }
            (Ok(ticket), true) => {
                let (shared, stop) = (Arc::clone(&shared), stop.clone());
                tasks.spawn(async move { web::serve(socket, peer, &shared, stop, ticket).await });
            }
            (Err(refused), false) => {
                tasks.spawn(refuse(socket, refused));
            }
            (Err(refused), true) => {
                tasks.spawn(web::refuse(socket, refused));
            }
        }
    }
    // Graceful shutdown: no more accepts (the listener is dropped here), no
    // more leave notices, every connection told.
    drop((listener, web));
    session::lock(&shared.room).close();
    stop.cancel();
    tasks.close();
    let _ = tokio::time::timeout(DRAIN_TIMEOUT + FAREWELL_TIMEOUT, tasks.wait()).await;
}
// ANCHOR_END: run

/// The next connection on `listener`; never, without one.
async fn accept(listener: Option<&TcpListener>) -> io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

/// The line that tells a client why it may not join.
fn refusal_line(refused: &Refused) -> String {
    match refused {
        Refused::Full { served } => format!("! server full ({served} clients); try again later"),
        Refused::Busy { .. } | Refused::SameAddress { .. } => {
            format!("! {refused}; try again later")
        }
    }
}

/// Tells a client why it may not join (full, or its address holds its share),
/// then closes. Polite, and quick: it gets [`FAREWELL_TIMEOUT`] for it.
async fn refuse(socket: TcpStream, refused: Refused) {
    let (mut reader, writer) = socket.into_split();
    let mut out = frames::FrameWriter::new(writer);
    member::say(&mut out, Some(&refusal_line(&refused))).await;
    // A client usually sends its nickname at once: read it away before closing,
    // or the close becomes a reset that can destroy the line we just sent.
    linger(&mut reader).await;
}

/// Sets the socket options every chat connection gets.
fn tune(socket: &TcpStream) {
    // Chat lines are small and latency matters: send each at once instead of
    // letting Nagle's algorithm (chapter 5) wait to merge them.
    let _ = socket.set_nodelay(true);
    let keepalive = socket2::TcpKeepalive::new().with_time(KEEPALIVE_IDLE);
    let _ = socket2::SockRef::from(socket).set_tcp_keepalive(&keepalive);
}

/// Reads and discards what the client still sends, until it closes too, for at
/// most [`FAREWELL_TIMEOUT`]. Closing a socket that still has unread bytes makes
/// the kernel send a reset (RST) instead of a FIN, and a reset can destroy the
/// last lines we sent before the client read them (e.g. "frame too large").
/// Web servers call this a "lingering close".
async fn linger<R: tokio::io::AsyncRead + Unpin>(reader: &mut R) {
    use tokio::io::AsyncReadExt;
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(FAREWELL_TIMEOUT, async {
        while let Ok(n) = reader.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}
