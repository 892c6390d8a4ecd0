//! Exercise: non-blocking accept and recv, one thread for many clients. Read
//! README.md first.

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
        // TODO: the listener is still blocking: `accept` waits for a client.
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
        // TODO: one blocking accept: waits when nobody comes, takes only one when
        // several wait, and leaves the accepted socket blocking.
        let (conn, peer) = self.listener.accept()?;
        self.clients.push(Client { conn, peer });
        Ok(())
    }

    fn echo_what_arrived(&mut self) -> usize {
        // TODO: a read that would wait is an error here (and the client dropped),
        // a client that left (a read of 0 bytes) is kept for ever.
        let mut echoed = 0;
        let mut buf = [0u8; RECV_BUFFER];
        self.clients
            .retain_mut(|client| match client.conn.read(&mut buf) {
                Ok(n) => {
                    echoed += n;
                    client.conn.write_all(&buf[..n]).is_ok()
                }
                Err(e) => {
                    eprintln!("{}: {e}", client.peer);
                    false
                }
            });
        echoed
    }
}
