//! Buggy submission: a read of 0 bytes is taken for "nothing yet".
//!
//! On a non-blocking socket "nothing yet" is `WouldBlock`; `Ok(0)` still means the
//! client closed the connection. Kept, it is read for ever, and never leaves.
//!
//! Caught by: a_client_that_left_is_dropped

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// The read size, as in the tutorial: `conn.recv(1024)`.
pub const RECV_BUFFER: usize = 1024;

/// A connected client.
#[derive(Debug)]
struct Client {
    conn: TcpStream,
    peer: SocketAddr,
}

/// An echo server that never waits: each `turn` does what can be done now.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    clients: Vec<Client>,
}

impl Server {
    /// Wraps `listener`, made non-blocking: `accept` then returns `WouldBlock`
    /// instead of waiting for a client.
    pub fn new(listener: TcpListener) -> io::Result<Server> {
        listener.set_nonblocking(true)?; // Python: sk.setblocking(False)
        Ok(Server {
            listener,
            clients: Vec::new(),
        })
    }

    /// How many clients are connected.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// One turn: accept every client waiting, then read what each one sent and
    /// echo it back. Never waits; returns how many bytes were echoed.
    pub fn turn(&mut self) -> io::Result<usize> {
        self.accept_waiting()?;
        Ok(self.echo_what_arrived())
    }

    fn accept_waiting(&mut self) -> io::Result<()> {
        loop {
            match self.listener.accept() {
                Ok((conn, peer)) => {
                    // A socket from accept does not inherit non-blocking mode.
                    conn.set_nonblocking(true)?;
                    self.clients.push(Client { conn, peer });
                }
                // Python: except BlockingIOError: nobody is waiting, that is all.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                // A client that gave up before we accepted it: not our error.
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn echo_what_arrived(&mut self) -> usize {
        let mut echoed = 0;
        let mut buf = [0u8; RECV_BUFFER];
        self.clients.retain_mut(|client| {
            match client.conn.read(&mut buf) {
                Ok(0) => true,
                // The replies are small; a client that does not read them fills
                // its buffers, and then write_all fails and the client is dropped
                // (a production server keeps the rest for the next turn).
                Ok(n) => match client.conn.write_all(&buf[..n]) {
                    Ok(()) => {
                        echoed += n;
                        true
                    }
                    Err(e) => {
                        eprintln!("{}: {e}", client.peer);
                        false
                    }
                },
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => true, // nothing yet
                Err(e) if e.kind() == io::ErrorKind::Interrupted => true,
                Err(e) => {
                    eprintln!("{}: {e}", client.peer);
                    false
                }
            }
        });
        echoed
    }
}
