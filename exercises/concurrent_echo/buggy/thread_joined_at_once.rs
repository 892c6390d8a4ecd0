//! Buggy submission: a thread per client, joined at once.
//!
//! `spawn(...).join()` waits for the thread to end before accepting the next client:
//! the program has threads, but serves one client at a time.
//!
//! Caught by: a_second_client_is_served_while_the_first_is_still_connected

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
        let _ = std::thread::spawn(move || {
            if let Err(e) = handle(conn) {
                eprintln!("{peer}: {e}");
            }
        })
        .join();
    }
}
