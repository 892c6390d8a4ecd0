//! Exercise: a TCP echo server that survives silent clients. Reference solution.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// The read size, as in the tutorial: `conn.recv(1024)`.
pub const RECV_BUFFER: usize = 1024;

/// How long `serve` waits after a failed `accept` before trying again. Most
/// accept errors concern one connection (reset before it was accepted); some
/// last a while (no file descriptor left): a short pause keeps the loop from
/// spinning on them.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Echoes everything `stream` sends until it closes; returns the number of bytes
/// echoed. Every byte read is written back, however few bytes each write takes.
pub fn echo<S: Read + Write>(stream: &mut S) -> io::Result<u64> {
    let mut buf = [0u8; RECV_BUFFER];
    let mut total = 0u64;
    loop {
        let n = stream.read(&mut buf)?; // Python: data = conn.recv(1024)
        if n == 0 {
            return Ok(total); // Python: if not data: break
        }
        stream.write_all(&buf[..n])?; // Python: conn.sendall(data)
        total += n as u64;
    }
}

/// One client: `echo` with a timeout, so that a silent client gives up its turn.
pub fn handle_client(mut conn: TcpStream, idle_timeout: Duration) -> io::Result<u64> {
    // Without a timeout a silent client would hold the server forever.
    conn.set_read_timeout(Some(idle_timeout))?;
    conn.set_write_timeout(Some(idle_timeout))?;
    echo(&mut conn)
}

/// The accept loop (already written): one client after another. A client's error
/// is logged and never ends the server; neither does a failed `accept`.
pub fn serve(listener: &TcpListener, idle_timeout: Duration) {
    loop {
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted, // Python: conn, addr = sk.accept()
            Err(e) => {
                eprintln!("accept: {e}");
                thread::sleep(ACCEPT_BACKOFF);
                continue;
            }
        };
        match handle_client(conn, idle_timeout) {
            Ok(total) => eprintln!("{peer}: echoed {total} bytes"),
            Err(e) => eprintln!("{peer}: {e}"),
        }
    }
}
