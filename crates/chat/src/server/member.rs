//! A member's connection once it has joined: a **reader** (what the client sends
//! → its session → the room) and a **writer** (its outbox → the socket), whatever
//! carries the lines. A terminal client's lines travel as chapter 5's frames
//! ([`super::frames`]), a browser's as WebSocket messages ([`super::web`]); both
//! plug into the same two loops through [`Inbound`] and [`Outbound`], so the
//! room's rules (rate, idle timeout, slow consumers, shutdown) are written once.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinError, JoinHandle};
use tokio_util::sync::CancellationToken;

use netlab_common::admission::Ticket;

use super::{Shared, refusal_line};
use crate::policy::{DRAIN_TIMEOUT, FAREWELL_TIMEOUT};
use crate::room::{ClientId, Kick, Leave, Line};
use crate::session::{self, Flow, Session};

/// What a client's connection delivered next.
#[derive(Debug)]
pub enum Received {
    /// One line for the session: a frame's payload, a WebSocket text message.
    Line(Bytes),
    /// Something this kind of connection may not send where a line was
    /// expected (a WebSocket binary message): answered with this line, and the
    /// connection goes on, as after a line that is not UTF-8.
    Refused(&'static str),
    /// A frame larger than the limit, refused before its payload was read: the
    /// client is told, then the connection is closed.
    TooLarge { len: u64, max: usize },
    /// The client closed the connection cleanly, between two lines.
    Closed,
    /// The connection broke (a reset, an end in the middle of a frame, a
    /// protocol error): the reason, for the server's log.
    Broken(String),
}

/// The receiving half of a member's connection.
pub trait Inbound: Send {
    /// The next thing the client sent. Cancel-safe: the reader races it against
    /// the idle timer and the shutdown, and a lost race loses no bytes.
    fn next(&mut self) -> impl Future<Output = Received> + Send;

    /// Reads and discards whatever the client still sends, until it closes too,
    /// for at most [`FAREWELL_TIMEOUT`]: a "lingering close" (see the server's `linger`).
    fn linger(self) -> impl Future<Output = ()> + Send;
}

/// The sending half of a member's connection: lines taken from the outbox, in
/// order, on their way to the socket.
pub trait Outbound: Send + 'static {
    /// Takes a line to send, after those already queued.
    fn queue(&mut self, line: Line);

    /// How many queued lines are not completely written yet.
    fn queued(&self) -> usize;

    /// Writes some of the queued lines: as many as one system call takes where
    /// the transport allows. Cancel-safe: what was written is taken off the
    /// queue before the future completes, what was not stays queued.
    fn write_some(&mut self) -> impl Future<Output = io::Result<()>> + Send;

    /// Drops the queued lines that were not started (a line half written is
    /// finished, or the client could not tell where the next one begins).
    fn abandon(&mut self);

    /// Closes the sending direction (a FIN, or a WebSocket close message).
    fn close(&mut self) -> impl Future<Output = io::Result<()>> + Send;
}

/// How many lines a writer takes from its outbox for one write: under load one
/// system call carries this many lines instead of one.
pub const WRITE_BATCH: usize = 64;

/// Writes everything queued (after `line`, when given) within
/// [`FAREWELL_TIMEOUT`]: a reply before the client has joined, or a last line.
/// Whether it all went out.
pub async fn say<O: Outbound>(out: &mut O, line: Option<&str>) -> bool {
    if let Some(line) = line {
        out.queue(Line::from(line));
    }
    let flushed = tokio::time::timeout(FAREWELL_TIMEOUT, async {
        while out.queued() > 0 {
            out.write_some().await?;
        }
        io::Result::Ok(())
    })
    .await;
    matches!(flushed, Ok(Ok(())))
}

/// The last line (if any), then the end of the conversation, within
/// [`FAREWELL_TIMEOUT`].
pub async fn goodbye<O: Outbound>(out: &mut O, line: Option<&str>) {
    if say(out, line).await {
        let _ = tokio::time::timeout(FAREWELL_TIMEOUT, out.close()).await;
    }
}

/// What [`register`] needs besides the two halves of the connection.
#[derive(Debug)]
pub struct Joining<'a> {
    pub ticket: &'a mut Ticket,
    /// Joining must be done by then.
    pub until: tokio::time::Instant,
    pub peer: SocketAddr,
    pub id: ClientId,
    /// The first line, when the caller has read it already (a browser sends its
    /// nickname before it is asked for the secret).
    pub first: Option<Bytes>,
}

/// A member that has just joined: its session, its outbox's receiving end,
/// and the room's way of kicking it.
#[derive(Debug)]
pub struct Joined {
    pub session: Session,
    pub inbox: mpsc::Receiver<Line>,
    pub kicked: oneshot::Receiver<Kick>,
}

/// The room's side of joining: waits for a valid, free nickname and answers
/// each bad one with an error line. The first line promotes the connection
/// from a joining slot to a member's (or, when every member's slot is taken,
/// it is told the server is full).
pub async fn register<I: Inbound, O: Outbound>(
    inbound: &mut I,
    outbound: &mut O,
    joining: Joining<'_>,
    shared: &Shared,
    stop: &CancellationToken,
) -> Option<Joined> {
    let Joining {
        ticket,
        until,
        peer,
        id,
        mut first,
    } = joining;
    loop {
        let received = match first.take() {
            Some(line) => Received::Line(line),
            None => tokio::select! {
                () = stop.cancelled() => return None,
                next = tokio::time::timeout_at(until, inbound.next()) => match next {
                    Ok(received) => received,
                    Err(_elapsed) => {
                        say(outbound, Some("! no nickname received in time; goodbye")).await;
                        return None;
                    }
                },
            },
        };
        let line = match received {
            Received::Line(line) => line,
            Received::Refused(line) => {
                if !say(outbound, Some(line)).await {
                    return None;
                }
                continue;
            }
            Received::TooLarge { len, max } => {
                eprintln!("{peer}: frame of {len} bytes refused");
                let line = format!(
                    "! refused: a frame of {len} bytes is larger than the limit of {max}; closing"
                );
                say(outbound, Some(&line)).await;
                return None;
            }
            Received::Closed => return None,
            Received::Broken(error) => {
                eprintln!("{peer}: {error}");
                return None;
            }
        };
        if let Err(refused) = ticket.promote() {
            say(outbound, Some(&refusal_line(&refused))).await;
            return None;
        }
        match session::register(&shared.room, &line, id, &shared.policy) {
            Ok((session, inbox, kicked)) => {
                return Some(Joined {
                    session,
                    inbox,
                    kicked,
                });
            }
            Err(line) => {
                if !say(outbound, Some(&line)).await {
                    return None;
                }
            }
        }
    }
}

// ANCHOR: member
/// A member's life in the room, from its welcome to its leaving: the writer
/// runs in a task of its own, the reader here. Returns both halves, for the
/// caller's lingering close (the writing half only if its task ended in time).
pub async fn converse<I: Inbound, O: Outbound>(
    mut inbound: I,
    outbound: O,
    joined: Joined,
    peer: SocketAddr,
    shared: &Shared,
    stop: &CancellationToken,
) -> (I, Option<O>) {
    let Joined {
        mut session,
        inbox,
        kicked,
    } = joined;
    let mut writer = tokio::spawn(write_loop(outbound, inbox, kicked));
    let mut written = None;
    let (why, last_line) = read_loop(
        &mut inbound,
        &mut session,
        (&mut writer, &mut written),
        peer,
        shared,
        stop,
    )
    .await;
    session.leave(&shared.room, last_line.as_deref(), why);
    // The room no longer holds our outbox: the writer sends what is queued (the
    // last line included), then ends. A client that does not read gets
    // DRAIN_TIMEOUT, then is cut off.
    let outbound = match written {
        Some(done) => done.ok(),
        None => match tokio::time::timeout(DRAIN_TIMEOUT, &mut writer).await {
            Ok(done) => done.ok(),
            Err(_elapsed) => {
                writer.abort();
                None
            }
        },
    };
    (inbound, outbound)
}
// ANCHOR_END: member

// ANCHOR: read_loop
/// Reads lines and hands them to the session until the client leaves, breaks a
/// rule, goes idle, is dropped, or the server stops. Returns why, and the last
/// line to send it.
async fn read_loop<I: Inbound, O: Outbound>(
    inbound: &mut I,
    session: &mut Session,
    (writer, written): (&mut JoinHandle<O>, &mut Option<Result<O, JoinError>>),
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
            done = &mut *writer => {
                *written = Some(done);
                return (Leave::Lost, None);
            }
            next = tokio::time::timeout(idle, inbound.next()) => next,
        };
        let Ok(received) = next else {
            let line = format!(
                "! idle for {}; disconnected",
                netlab_common::cli::humanize_duration(idle)
            );
            return (Leave::Idle, Some(line));
        };
        match received {
            Received::Line(line) => {
                if session.handle(&shared.room, &line, Instant::now()) == Flow::Quit {
                    return (Leave::Quit, None);
                }
                // Give the writers we just woke a turn. Lines already in our
                // read buffer are decoded without touching the socket, so
                // without this a fast sender could keep this thread busy for
                // hundreds of lines while the writers (queued behind us on
                // the same worker thread) wait and their outboxes fill.
                tokio::task::yield_now().await;
            }
            Received::Refused(line) => session.reply(&shared.room, line),
            // EOF between lines: the client closed without /quit.
            Received::Closed => return (Leave::Closed, None),
            Received::TooLarge { len, max } => {
                eprintln!("{peer}: frame of {len} bytes refused");
                let line = format!(
                    "! refused: a frame of {len} bytes is larger than the limit of {max}; closing"
                );
                return (Leave::Refused, Some(line));
            }
            // EOF in the middle of a frame, or a reset: the peer broke off.
            Received::Broken(error) => {
                eprintln!("{peer}: {error}");
                return (Leave::Lost, None);
            }
        }
    }
}
// ANCHOR_END: read_loop

// ANCHOR: write_loop
/// Empties the outbox onto the socket until the room drops the outbox (all
/// queued lines are sent first) or the member is kicked (nothing more is sent
/// but the farewell).
async fn write_loop<O: Outbound>(
    mut out: O,
    mut inbox: mpsc::Receiver<Line>,
    mut kicked: oneshot::Receiver<Kick>,
) -> O {
    // `kicked` resolves with an error when the room drops the member normally;
    // from then on only the outbox matters.
    let mut kick_armed = true;
    loop {
        // Take what is waiting in the outbox, up to a batch: under load one
        // write carries many lines.
        while out.queued() < WRITE_BATCH {
            match inbox.try_recv() {
                Ok(line) => out.queue(line),
                Err(_) => break,
            }
        }
        // Nothing to write: wait for a line, a kick, or the end of the outbox.
        // Something to write: write it, unless a kick comes first. Every
        // branch is cancel-safe, so the branch that loses loses nothing.
        let idle = out.queued() == 0;
        tokio::select! {
            biased;
            kick = &mut kicked, if kick_armed => match kick {
                Ok(kick) => {
                    out.abandon();
                    goodbye(&mut out, Some(kick.farewell())).await;
                    return out;
                }
                Err(_) => kick_armed = false,
            },
            line = inbox.recv(), if idle => match line {
                Some(line) => out.queue(line),
                // Outbox closed and empty: tell the client we are done.
                None => {
                    goodbye(&mut out, None).await;
                    return out;
                }
            },
            written = out.write_some(), if !idle => if written.is_err() {
                // The socket broke: the conversation is over.
                return out;
            },
        }
    }
}
// ANCHOR_END: write_loop
