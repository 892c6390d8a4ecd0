//! Exercise: a TCP echo server that survives silent clients. Read README.md first.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// The read size, as in the tutorial: `conn.recv(1024)`.
pub const RECV_BUFFER: usize = 1024;

/// Echoes everything `conn` sends until it closes; returns the number of bytes
/// echoed. Gives up with an error when the client is silent for `idle_timeout`.
pub fn handle_client(mut conn: TcpStream, idle_timeout: Duration) -> io::Result<u64> {
    // TODO: this is the tutorial's one-shot server:
    //     ret = conn.recv(1024); conn.send(ret)
    // It echoes only the first read, may send less than it read, and waits
    // forever for a silent client (`idle_timeout` is unused). Fix it.
    let _ = idle_timeout;
    let mut buf = [0u8; RECV_BUFFER];
    let n = conn.read(&mut buf)?;
    let sent = conn.write(&buf[..n])?;
    Ok(sent as u64)
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
