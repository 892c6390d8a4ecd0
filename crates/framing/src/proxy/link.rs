//! One direction of a proxied conversation: read what one side sends, and
//! deliver it to the other side the way [`Chaos`] says.
//!
//! Two threads per direction. The *reader* reads whatever arrives (like any
//! `recv`) and notes when it arrived; the *deliverer* decides what to do with
//! it: hold it to merge it with what follows, cut it into pieces, wait until
//! each piece is due, write it. Keeping them apart is what makes `--delay` a
//! delay: bytes that arrive while the deliverer waits are still stamped with
//! their own arrival time, so a 100 ms delay is 100 ms for every byte, not 100
//! ms more for each one that queued behind another.
//!
//! Nothing here grows with what a peer sends: the reader's queue holds at most
//! [`QUEUE_BLOCKS`] blocks of at most [`READ_CHUNK`] bytes, and `--merge` holds at
//! most [`MAX_HELD`] bytes before it delivers early. When the queue is full the
//! reader stops reading, the kernel's buffers fill, and TCP's flow control
//! slows the sender down: the proxy passes the back-pressure on.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use netlab_common::trace;

use super::chaos::{Chaos, Dice, cut};
use super::unread::Unread;

/// One `read` takes at most this much (Python: `conn.recv(16384)`).
pub const READ_CHUNK: usize = 16 * 1024;

/// Blocks read but not yet delivered, per direction: with [`READ_CHUNK`], at most
/// 256 KiB per direction waits inside the proxy.
pub const QUEUE_BLOCKS: usize = 16;

/// `--merge` delivers early once it holds this much: a merge window must not
/// become a way to make the proxy hold a whole upload.
pub const MAX_HELD: usize = 64 * 1024;

/// With `--split`, how long the proxy waits for the reader to take a piece
/// before it writes the next one anyway (see `unread.rs`).
pub const READER_WAIT: Duration = Duration::from_secs(1);

/// Which way the bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

impl Direction {
    /// How the trace names it.
    pub fn label(self) -> &'static str {
        match self {
            Direction::ClientToServer => "client → server",
            Direction::ServerToClient => "server → client",
        }
    }

    /// 0 or 1: which of the conversation's two sets of dice it uses.
    pub fn number(self) -> u64 {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        }
    }
}

/// Who is told about each piece: the trace, the capture file.
pub trait Watcher: Sync {
    /// `piece` is about to be written, going `direction`. The trace prints its
    /// line here, *before* the write: whatever the receiver does in answer
    /// comes after it, so in a conversation where each side waits for the
    /// other, the trace's lines come out in the same order on every run.
    fn delivering(&self, _direction: Direction, _piece: &[u8]) {}
    /// `piece` was written, going `direction`.
    fn delivered(&self, _direction: Direction, _piece: &[u8]) {}
    /// The sender closed its side, and the proxy passed the close on.
    fn closed(&self, _direction: Direction) {}
}

/// Everything one direction needs to know.
#[derive(Debug)]
pub struct Link<'a> {
    pub direction: Direction,
    pub chaos: &'a Chaos,
    /// The dice of this direction (see `chaos.rs`).
    pub dice: Dice,
}

/// What one direction carried.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Carried {
    pub bytes: u64,
    pub pieces: u64,
}

/// What the reader hands the deliverer.
#[derive(Debug)]
enum Arrival {
    Bytes {
        at: Instant,
        bytes: Vec<u8>,
    },
    /// The sender closed its side (`recv` returned `b''`).
    End,
    /// The connection failed (reset, idle timeout...).
    Failed(io::Error),
}

/// Carries `from`'s bytes to `to` until `from` closes (then passes the close on
/// and returns what was carried) or something fails (then shuts both
/// connections down, so that the other direction stops too, and returns why).
pub fn carry(
    link: Link<'_>,
    from: &TcpStream,
    to: &TcpStream,
    watcher: &dyn Watcher,
) -> Result<Carried, io::Error> {
    let result = std::thread::scope(|scope| {
        let (queue, arrivals) = sync_channel(QUEUE_BLOCKS);
        scope.spawn(move || read_into(from, &queue));
        deliver(link, &arrivals, to, watcher)
    });
    if result.is_err() {
        // Either side failing ends the conversation: both sockets are shut, which
        // also wakes the other direction's threads from their reads and writes.
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    }
    result
}

/// The reader: every `recv`, stamped with its arrival time.
fn read_into(mut from: &TcpStream, queue: &SyncSender<Arrival>) {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        // Python: data = conn.recv(16384)
        let arrival = match from.read(&mut buf) {
            Ok(0) => Arrival::End,
            Ok(n) => Arrival::Bytes {
                at: Instant::now(),
                bytes: buf.get(..n).unwrap_or_default().to_vec(),
            },
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => Arrival::Failed(error),
        };
        let last = !matches!(arrival, Arrival::Bytes { .. });
        // Blocks while the queue is full; fails once the deliverer has stopped.
        if queue.send(arrival).is_err() || last {
            return;
        }
    }
}

/// What the deliverer does next: deliver bytes (ready at `ready_at`, and maybe
/// followed by the end), or stop.
enum Next {
    Deliver {
        ready_at: Instant,
        bytes: Vec<u8>,
        then: Option<Arrival>,
    },
    Stop(Arrival),
}

/// The next bytes to deliver: one `recv`'s worth, or with `--merge` everything
/// that arrives within the window that the first of them opens.
fn next(arrivals: &Receiver<Arrival>, merge: Option<Duration>) -> Next {
    // The reader always says how it ended before it goes; a vanished reader is
    // taken as an end too.
    let first = arrivals.recv().unwrap_or(Arrival::End);
    let Arrival::Bytes { at, mut bytes } = first else {
        return Next::Stop(first);
    };
    let Some(window) = merge else {
        return Next::Deliver {
            ready_at: at,
            bytes,
            then: None,
        };
    };
    let closes = at + window;
    let mut then = None;
    while bytes.len() < MAX_HELD {
        let Some(left) = closes.checked_duration_since(Instant::now()) else {
            break;
        };
        match arrivals.recv_timeout(left) {
            Ok(Arrival::Bytes { bytes: more, .. }) => bytes.extend_from_slice(&more),
            Ok(other) => {
                then = Some(other);
                break;
            }
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => {
                then = Some(Arrival::End);
                break;
            }
        }
    }
    Next::Deliver {
        ready_at: Instant::now(),
        bytes,
        then,
    }
}

/// The deliverer.
fn deliver(
    mut link: Link<'_>,
    arrivals: &Receiver<Arrival>,
    mut to: &TcpStream,
    watcher: &dyn Watcher,
) -> Result<Carried, io::Error> {
    let chaos = link.chaos;
    let mut unread = chaos.split.as_ref().map(|_| Unread::new(to));
    let mut carried = Carried::default();
    // TCP never lets a piece overtake the one before it: each is due no earlier
    // than the previous one, whatever jitter says.
    let mut previous_due: Option<Instant> = None;
    loop {
        let (ready_at, bytes, then) = match next(arrivals, chaos.merge) {
            Next::Deliver {
                ready_at,
                bytes,
                then,
            } => (ready_at, bytes, then),
            Next::Stop(ending) => return finish(ending, to, carried, &link, watcher),
        };
        // ANCHOR: pieces
        for piece in cut(&bytes, chaos.split.as_ref(), &mut link.dice) {
            let due = ready_at + chaos.delay + link.dice.jitter(chaos.jitter);
            let due = previous_due.map_or(due, |previous| due.max(previous));
            previous_due = Some(due);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            if let Some(unread) = &mut unread
                && carried.pieces > 0
            {
                unread.wait_until_read(READER_WAIT);
            }
            watcher.delivering(link.direction, piece);
            to.write_all(piece)?; // Python: conn.sendall(piece)
            if let Some(unread) = &mut unread {
                unread.wrote(piece.len());
            }
            carried.bytes += piece.len() as u64;
            carried.pieces += 1;
            watcher.delivered(link.direction, piece);
        }
        // ANCHOR_END: pieces
        if let Some(ending) = then {
            return finish(ending, to, carried, &link, watcher);
        }
    }
}

/// The sender closed: pass the close on (a FIN: the receiver's `recv` returns
/// `b''` once it has read everything). Or the connection failed: say why.
fn finish(
    ending: Arrival,
    to: &TcpStream,
    carried: Carried,
    link: &Link<'_>,
    watcher: &dyn Watcher,
) -> Result<Carried, io::Error> {
    match ending {
        Arrival::Failed(error) => Err(error),
        Arrival::End | Arrival::Bytes { .. } => {
            // Python: conn.shutdown(socket.SHUT_WR)
            to.shutdown(Shutdown::Write)?;
            watcher.closed(link.direction);
            Ok(carried)
        }
    }
}

/// The trace: one line per delivered piece (`--trace`).
#[derive(Debug)]
pub struct Trace {
    /// When the proxy started: the trace's times count from there.
    pub started: Instant,
    pub conversation: u64,
}

impl Watcher for Trace {
    fn delivering(&self, direction: Direction, piece: &[u8]) {
        println!(
            "{}",
            trace::line(
                self.started.elapsed(),
                self.conversation,
                direction.label(),
                piece,
                ""
            )
        );
    }
}
