//! `chat server`: the chat room on tokio, wired to TCP.
//!
//! ```text
//! accept loop ──(a ticket from the connection limits)──▶ one task per connection:
//!     [auth handshake, chapter 7]  →  nickname  →  ┌ reader: frames → Session → Room
//!                                                  └ writer: outbox → frames → socket
//! Ctrl-C ──▶ cancel every connection ──▶ each says "shutting down", drains, closes
//! ```
//!
//! Every message on the wire, both ways, is one chapter-5 frame: a 4-byte
//! big-endian length and that many bytes of UTF-8 text (`framing::codec`).
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
use std::time::{Duration, Instant};

use auth::{Handshake, Secret};
use framing::FrameError;
use framing::codec::FrameCodec;
use futures_util::{SinkExt, StreamExt};
use netlab_common::admission::{Admission, Refused, Ticket};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::codec::{FramedRead, FramedWrite};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::policy::{DRAIN_TIMEOUT, FAREWELL_TIMEOUT, MAX_SERVER_FRAME_LEN, Policy};
use crate::room::{Kick, Leave, Line, Room};
use crate::session::{self, Flow, Session};

/// The chat server's default address (a loopback port of its own).
pub const DEFAULT_ADDR: &str = "127.0.0.1:9090";

/// TCP keepalive: after this long without traffic the kernel probes the peer,
/// so a peer that vanished (power cut, cable pulled) is noticed even by a
/// connection that is not otherwise written to.
pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);

/// What every connection task shares.
#[derive(Debug)]
struct Shared {
    room: Mutex<Room>,
    policy: Policy,
    secret: Option<Secret>,
    next_id: AtomicU64,
}

type FramesIn = FramedRead<OwnedReadHalf, FrameCodec>;
type FramesOut = FramedWrite<OwnedWriteHalf, FrameCodec>;

/// Binds `addr` with the big listen backlog, ready for [`run`].
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let listener = crate::listener::bind(addr)?;
    listener.set_nonblocking(true)?;
    TcpListener::from_std(listener)
}

/// `chat server`: binds `addr`, prints `listening on ADDR`, serves the room
/// until Ctrl-C, then says goodbye to everyone. Returns an error only if it
/// cannot start.
pub async fn run_until_ctrl_c(
    addr: SocketAddr,
    policy: Policy,
    secret: Option<Secret>,
) -> Result<(), ServerError> {
    if secret.is_none() && !netlab_common::listen::is_loopback(addr) {
        eprintln!(
            "warning: listening on {addr} without a secret: anyone who can reach it \
             can join the room and read every line (set --secret-file or \
             NETLAB_SECRET; chapter 7)"
        );
    }
    // Each client is an open file: lift the soft limit (often 1024) to the
    // hard limit, as the benchmark does.
    crate::nofile::raise_nofile_limit();
    let listener = bind(addr).map_err(|error| ServerError::Bind { addr, error })?;
    let local = listener.local_addr().map_err(|error| ServerError::Io {
        doing: "local address",
        error,
    })?;
    netlab_common::listen::announce(local).map_err(|error| ServerError::Io {
        doing: "stdout",
        error,
    })?;
    let ctrl_c = async {
        // If the signal handler cannot be installed, never stop by signal.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        println!("shutting down: telling every client");
    };
    run(listener, policy, secret, ctrl_c).await;
    println!("bye");
    Ok(())
}

/// Why `chat server` could not start.
#[derive(Debug)]
pub enum ServerError {
    /// The address could not be bound.
    Bind { addr: SocketAddr, error: io::Error },
    /// Something else the operating system refused: what we were doing, and why.
    Io {
        doing: &'static str,
        error: io::Error,
    },
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Bind { addr, error } => write!(f, "cannot listen on {addr}: {error}"),
            ServerError::Io { doing, error } => write!(f, "{doing}: {error}"),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServerError::Bind { error, .. } | ServerError::Io { error, .. } => Some(error),
        }
    }
}

// ANCHOR: run
/// Serves the room on `listener` until `shutdown` completes (Ctrl-C in the
/// binary, a channel in tests and the demo); then tells every client, lets
/// their queues drain and returns.
pub async fn run(
    listener: TcpListener,
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
        let (socket, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors (EMFILE), or a client that reset
                    // before we accepted it: log, breathe, go on.
                    eprintln!("accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        // The connection limits: a ticket per connection, pending while it
        // joins, given back when the task ends (the ticket is dropped with it).
        // Over a limit a newcomer is told why and closed (`WhenFull::Refuse`):
        // the room never makes the accept loop wait.
        match admission.admit(peer.ip()) {
            Ok(ticket) => {
                let (shared, stop) = (Arc::clone(&shared), stop.clone());
                tasks.spawn(async move {
                    serve(socket, peer, &shared, stop, ticket).await;
                });
            }
            Err(refused) => {
                tasks.spawn(refuse(socket, refused));
            }
        }
    }
    // Graceful shutdown: no more accepts (the listener is dropped here), no
    // more leave notices, every connection told.
    drop(listener);
    session::lock(&shared.room).close();
    stop.cancel();
    tasks.close();
    let _ = tokio::time::timeout(DRAIN_TIMEOUT + FAREWELL_TIMEOUT, tasks.wait()).await;
}
// ANCHOR_END: run

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
    let mut out = FramedWrite::new(writer, FrameCodec::new(MAX_SERVER_FRAME_LEN));
    let line = refusal_line(&refused);
    let _ = tokio::time::timeout(FAREWELL_TIMEOUT, out.send(line.as_bytes())).await;
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

// ANCHOR: serve
/// One connection, from accept to close.
async fn serve(
    mut socket: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    stop: CancellationToken,
    mut ticket: Ticket,
) {
    tune(&socket);
    // Joining — the handshake and the nickname — has one deadline in all.
    let joined_by = tokio::time::Instant::now() + shared.policy.register_timeout;
    // Chapter 7: prove you know the secret before anything else.
    if let Some(secret) = &shared.secret {
        let handshake = tokio::time::timeout_at(
            joined_by,
            auth::asynchronous::server_handshake(&mut socket, secret, Handshake::WITH_VERDICT),
        );
        let result = tokio::select! {
            result = handshake => result,
            () = stop.cancelled() => return,
        };
        let error = match result {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(_elapsed) => Some("no answer to the challenge in time".to_string()),
        };
        if let Some(error) = error {
            eprintln!("{peer}: refused: {error}");
            linger(&mut socket).await;
            return;
        }
    }
    let (reader, writer) = socket.into_split();
    let mut frames_in = FramedRead::new(reader, FrameCodec::new(shared.policy.max_message_len));
    let mut frames_out = FramedWrite::new(writer, FrameCodec::new(MAX_SERVER_FRAME_LEN));
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let joining = Joining {
        frames_in: &mut frames_in,
        frames_out: &mut frames_out,
        ticket: &mut ticket,
        until: joined_by,
    };
    let Some((mut session, inbox, kicked)) = register(joining, peer, id, shared, &stop).await
    else {
        return;
    };
    let mut writer = tokio::spawn(write_loop(frames_out, inbox, kicked));
    let (why, last_line) = read_loop(
        &mut frames_in,
        &mut session,
        &mut writer,
        peer,
        shared,
        &stop,
    )
    .await;
    session.leave(&shared.room, last_line.as_deref(), why);
    // The room no longer holds our outbox: the writer sends what is queued (the
    // last line included), then ends. A client that does not read gets
    // DRAIN_TIMEOUT, then is cut off.
    if !writer.is_finished()
        && tokio::time::timeout(DRAIN_TIMEOUT, &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
    linger(&mut frames_in.into_inner()).await;
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
// ANCHOR_END: serve

/// A connection that has not joined the room yet.
struct Joining<'a> {
    frames_in: &'a mut FramesIn,
    frames_out: &'a mut FramesOut,
    ticket: &'a mut Ticket,
    /// Joining must be done by then.
    until: tokio::time::Instant,
}

/// Waits for a valid, free nickname; answers each bad one with an error line.
/// The first frame promotes the connection from a joining slot to a member's
/// (or, when every member's slot is taken, it is told the server is full).
async fn register(
    joining: Joining<'_>,
    peer: SocketAddr,
    id: u64,
    shared: &Shared,
    stop: &CancellationToken,
) -> Option<(Session, mpsc::Receiver<Line>, oneshot::Receiver<Kick>)> {
    let Joining {
        frames_in,
        frames_out,
        ticket,
        until,
    } = joining;
    loop {
        let next = tokio::select! {
            () = stop.cancelled() => return None,
            next = tokio::time::timeout_at(until, frames_in.next()) => next,
        };
        let frame = match next {
            Err(_elapsed) => {
                let line = "! no nickname received in time; goodbye";
                let _ =
                    tokio::time::timeout(FAREWELL_TIMEOUT, frames_out.send(line.as_bytes())).await;
                return None;
            }
            Ok(None) => return None,
            Ok(Some(Err(error))) => {
                refuse_frame(frames_out, peer, &error).await;
                return None;
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Err(refused) = ticket.promote() {
            let line = refusal_line(&refused);
            let _ = tokio::time::timeout(FAREWELL_TIMEOUT, frames_out.send(line.as_bytes())).await;
            return None;
        }
        match session::register(&shared.room, &frame, id, &shared.policy) {
            Ok(joined) => return Some(joined),
            Err(line) => {
                let sent =
                    tokio::time::timeout(FAREWELL_TIMEOUT, frames_out.send(line.as_bytes())).await;
                if !matches!(sent, Ok(Ok(()))) {
                    return None;
                }
            }
        }
    }
}

/// Tells a client why its frame ended the connection (when that is worth telling).
async fn refuse_frame(frames_out: &mut FramesOut, peer: SocketAddr, error: &FrameError) {
    if let FrameError::TooLarge { len, max } = error {
        let line =
            format!("! refused: a frame of {len} bytes is larger than the limit of {max}; closing");
        let _ = tokio::time::timeout(FAREWELL_TIMEOUT, frames_out.send(line.as_bytes())).await;
    }
    eprintln!("{peer}: {error}");
}

// ANCHOR: read_loop
/// Reads frames and hands them to the session until the client leaves, breaks a
/// rule, goes idle, is dropped, or the server stops. Returns why, and the last
/// line to send it.
async fn read_loop(
    frames_in: &mut FramesIn,
    session: &mut Session,
    writer: &mut JoinHandle<()>,
    peer: SocketAddr,
    shared: &Shared,
    stop: &CancellationToken,
) -> (Leave, Option<String>) {
    let idle = shared.policy.idle_timeout;
    loop {
        let next = tokio::select! {
            () = stop.cancelled() => {
                return (Leave::Shutdown, Some("! server shutting down; goodbye".into()));
            }
            // The writer ended first: the client was too slow (kicked) or its
            // socket broke. Either way the conversation is over.
            _ = &mut *writer => return (Leave::Lost, None),
            next = tokio::time::timeout(idle, frames_in.next()) => next,
        };
        match next {
            Err(_elapsed) => {
                let line = format!(
                    "! idle for {}; disconnected",
                    netlab_common::cli::humanize_duration(idle)
                );
                return (Leave::Idle, Some(line));
            }
            // EOF between frames: the client closed without /quit.
            Ok(None) => return (Leave::Closed, None),
            Ok(Some(Err(FrameError::TooLarge { len, max }))) => {
                eprintln!("{peer}: frame of {len} bytes refused");
                let line = format!(
                    "! refused: a frame of {len} bytes is larger than the limit of {max}; closing"
                );
                return (Leave::Refused, Some(line));
            }
            // EOF in the middle of a frame, or a reset: the peer broke off.
            Ok(Some(Err(error))) => {
                eprintln!("{peer}: {error}");
                return (Leave::Lost, None);
            }
            Ok(Some(Ok(frame))) => {
                if session.handle(&shared.room, &frame, Instant::now()) == Flow::Quit {
                    return (Leave::Quit, None);
                }
                // Give the writers we just woke a turn. Frames already in our
                // read buffer are decoded without touching the socket, so
                // without this a fast sender could keep this thread busy for
                // hundreds of frames while the writers (queued behind us on
                // the same worker thread) wait and their outboxes fill.
                tokio::task::yield_now().await;
            }
        }
    }
}
// ANCHOR_END: read_loop

// ANCHOR: write_loop
/// Empties the outbox onto the socket until the room drops the outbox (all
/// queued lines are sent first) or the member is kicked (nothing more is sent
/// but the farewell).
async fn write_loop(
    mut frames_out: FramesOut,
    mut inbox: mpsc::Receiver<Line>,
    mut kicked: oneshot::Receiver<Kick>,
) {
    // `kicked` resolves with an error when the room drops the member normally;
    // from then on only the outbox matters.
    let mut kick_armed = true;
    loop {
        let line = tokio::select! {
            biased;
            kick = &mut kicked, if kick_armed => match kick {
                Ok(kick) => return farewell(frames_out, kick).await,
                Err(_) => { kick_armed = false; continue; }
            },
            line = inbox.recv() => line,
        };
        let Some(line) = line else { break };
        // Write this line and everything else already queued, then flush once:
        // under load one system call carries many frames.
        let outcome = {
            let batch = async {
                frames_out.feed(line.as_bytes()).await?;
                while let Ok(more) = inbox.try_recv() {
                    frames_out.feed(more.as_bytes()).await?;
                }
                SinkExt::<&[u8]>::flush(&mut frames_out).await
            };
            tokio::pin!(batch);
            loop {
                tokio::select! {
                    biased;
                    kick = &mut kicked, if kick_armed => match kick {
                        // Kicked: whatever this batch still holds is abandoned.
                        Ok(kick) => break Batch::Kicked(kick),
                        // The member left normally in the middle of the batch:
                        // keep writing it. (Dropping the batch here would lose
                        // the line it was waiting to feed: it has already left
                        // the outbox but is not in `frames_out`'s buffer yet.)
                        Err(_) => kick_armed = false,
                    },
                    written = &mut batch => break match written {
                        Ok(()) => Batch::Written,
                        Err(_) => Batch::Failed,
                    },
                }
            }
        };
        match outcome {
            Batch::Written => {}
            Batch::Failed => return,
            Batch::Kicked(kick) => return farewell(frames_out, kick).await,
        }
    }
    // Outbox closed and empty: a FIN tells the client we are done.
    let _ = tokio::time::timeout(FAREWELL_TIMEOUT, SinkExt::<&[u8]>::close(&mut frames_out)).await;
}
// ANCHOR_END: write_loop

/// How one batch of writes ended.
enum Batch {
    Written,
    /// The socket broke: the conversation is over.
    Failed,
    /// The room dropped the member while the batch was being written.
    Kicked(Kick),
}

/// The kicked member's last line, if it still reads at all.
async fn farewell(mut frames_out: FramesOut, kick: Kick) {
    let _ = tokio::time::timeout(FAREWELL_TIMEOUT, async {
        frames_out.send(kick.farewell().as_bytes()).await?;
        SinkExt::<&[u8]>::close(&mut frames_out).await
    })
    .await;
}
