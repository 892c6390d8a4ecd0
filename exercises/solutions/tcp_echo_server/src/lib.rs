//! Exercise: a TCP echo server that survives silent clients. Read README.md first.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// The read size, as in the tutorial: `conn.recv(1024)`.
pub const RECV_BUFFER: usize = 1024;

/// Echoes everything `conn` sends until it closes; returns the number of bytes
/// echoed. Gives up with an error when the client is silent for `idle_timeout`.
pub fn handle_client(mut conn: TcpStream, idle_timeout: Duration) -> io::Result<u64> {
    // Without a timeout a silent client would hold the server forever.
    conn.set_read_timeout(Some(idle_timeout))?;
    conn.set_write_timeout(Some(idle_timeout))?;
    let mut buf = [0u8; RECV_BUFFER];
    let mut total = 0u64;
    loop {
        let n = conn.read(&mut buf)?; // Python: data = conn.recv(1024)
        if n == 0 {
            return Ok(total); // Python: if not data: break
        }
        conn.write_all(&buf[..n])?; // Python: conn.sendall(data)
        total += n as u64;
    }
}

/// The accept loop (already written): one client after another. A client's error
/// is logged and never ends the server.
pub fn serve(listener: &TcpListener, idle_timeout: Duration) -> io::Result<()> {
    loop {
        let (conn, peer) = listener.accept()?; // Python: conn, addr = sk.accept()
        match handle_client(conn, idle_timeout) {
            Ok(total) => eprintln!("{peer}: echoed {total} bytes"),
            Err(e) => eprintln!("{peer}: {e}"),
        }
    }
}
