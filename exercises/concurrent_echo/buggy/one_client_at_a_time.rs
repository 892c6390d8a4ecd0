//! Buggy submission: each client handled in the accept loop, like `socketserver.TCPServer`.
//!
//! While one client is connected, the loop is inside `handle` and nobody else is
//! accepted: the second client waits until the first leaves.
//!
//! Caught by: a_second_client_is_served_while_the_first_is_still_connected, sixteen_clients_connected_at_once_are_all_served

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

/// The read size, as in the tutorial: `self.request.recv(1024)`.
pub const RECV_SIZE: usize = 1024;

/// The tutorial's handler (already written): echo each read upper-cased until
/// the client closes.
pub fn handle(mut conn: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; RECV_SIZE];
    loop {
        let n = conn.read(&mut buf)?; // Python: data = self.request.recv(1024)
        if n == 0 {
            return Ok(()); // Python: if not data: break
        }
        conn.write_all(&buf[..n].to_ascii_uppercase())?; // Python: sendall(data.upper())
    }
}

/// Accepts clients forever, each in its own thread (socketserver.ThreadingTCPServer).
pub fn serve(listener: &TcpListener) -> io::Result<()> {
    loop {
        let (conn, peer) = listener.accept()?;
        // The thread owns the connection; the loop goes straight back to accept.
        if let Err(e) = handle(conn) {
            eprintln!("{peer}: {e}");
        }
    }
}
