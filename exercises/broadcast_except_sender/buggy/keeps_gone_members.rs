//! Buggy submission: members whose queue is gone stay in the room.
//!
//! A failed `try_send` is ignored: a member whose connection ended is sent every line
//! from then on, to nobody, forever.
//!
//! Caught by: a_member_whose_connection_ended_is_removed

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;

/// Lines waiting for one client. A client that lets more pile up is too slow.
pub const QUEUE_CAPACITY: usize = 64;

/// The longest line a client may send, in bytes, its name included. A client
/// that sends more without a newline is disconnected: `lines()` would keep its
/// bytes in memory for as long as it keeps sending.
pub const MAX_LINE: usize = 1024;

/// Tells the clients apart.
pub type ClientId = u64;

/// The chat room: every member's queue.
#[derive(Debug, Default)]
pub struct Room {
    pub members: HashMap<ClientId, SyncSender<String>>,
}

impl Room {
    /// Adds a member.
    pub fn join(&mut self, id: ClientId, outbox: SyncSender<String>) {
        self.members.insert(id, outbox);
    }

    /// Sends `line` to every member except `from`; removes and returns the
    /// members that could not take it.
    pub fn broadcast(&mut self, from: ClientId, line: &str) -> Vec<ClientId> {
        let mut dropped = Vec::new();
        for (&id, outbox) in &self.members {
            if id == from {
                continue;
            }
            // Never wait: a full queue means a member that does not keep up.
            match outbox.try_send(line.to_string()) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => dropped.push(id),
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
        for id in &dropped {
            self.members.remove(id);
        }
        dropped
    }
}

/// The accept loop (already written): one thread per client.
pub fn serve(listener: TcpListener, room: Arc<Mutex<Room>>) -> io::Result<()> {
    let mut next_id: ClientId = 0;
    loop {
        let (conn, _peer) = listener.accept()?;
        next_id += 1;
        let (id, room) = (next_id, Arc::clone(&room));
        thread::spawn(move || {
            let _ = handle(conn, id, &room);
            lock(&room).members.remove(&id);
        });
    }
}

fn lock(room: &Mutex<Room>) -> std::sync::MutexGuard<'_, Room> {
    room.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One line from `reader`, at most [`MAX_LINE`] bytes, without its `\n` or
/// `\r\n`; `None` at the end of the stream. A longer line is an error.
fn read_line(reader: &mut BufReader<TcpStream>) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    // Python: conn.makefile().readline(MAX_LINE + 1)
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    if line.len() > MAX_LINE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a line longer than {MAX_LINE} bytes"),
        ));
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// One client (already written): its name, then its lines to the room.
fn handle(conn: TcpStream, id: ClientId, room: &Mutex<Room>) -> io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let Some(name) = read_line(&mut reader)? else {
        return Ok(());
    };
    // The writer thread empties this client's queue onto its socket.
    let (outbox, inbox) = sync_channel::<String>(QUEUE_CAPACITY);
    let mut writer = conn;
    thread::spawn(move || {
        for line in inbox {
            if writeln!(writer, "{line}").is_err() {
                break;
            }
        }
        let _ = writer.shutdown(std::net::Shutdown::Both);
    });
    lock(room).join(id, outbox);
    while let Some(line) = read_line(&mut reader)? {
        lock(room).broadcast(id, &format!("{name}: {line}"));
    }
    Ok(())
}
