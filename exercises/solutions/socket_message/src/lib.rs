//! Exercise: the same message through a socket. Reference solution.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The read size, as in the tutorial: `conn.recv(1024)`.
pub const RECV_BUFFER: usize = 1024;

/// The longest message, in bytes: a sender that goes on is refused.
pub const MAX_MESSAGE: usize = 1024 * 1024;

/// What b answers once it has the whole message.
pub const RECEIVED: &[u8] = b"ok";

/// How long either side waits for the other to say anything.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// Program a: connects to b at `addr`, sends `message`, says it is complete, and
/// waits for b's `ok`.
pub fn send_via_socket(addr: SocketAddr, message: &[u8]) -> io::Result<()> {
    let mut conn = TcpStream::connect(addr)?; // Python: sk.connect(addr)
    conn.set_read_timeout(Some(IDLE_TIMEOUT))?;
    conn.write_all(message)?; // Python: sk.sendall(message)
    // The end of the message: no more bytes from us. b's read returns 0 then.
    conn.shutdown(Shutdown::Write)?; // Python: sk.shutdown(socket.SHUT_WR)
    let mut reply = Vec::new();
    conn.take(RECEIVED.len() as u64 + 1)
        .read_to_end(&mut reply)?;
    if reply != RECEIVED {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "b did not confirm the message",
        ));
    }
    Ok(())
}

/// Program b: accepts one connection on `listener`, reads the whole message (until
/// a says it is complete), answers `ok` and returns the message.
pub fn receive_via_socket(listener: &TcpListener) -> io::Result<Vec<u8>> {
    let (mut conn, _peer) = listener.accept()?; // Python: conn, addr = sk.accept()
    conn.set_read_timeout(Some(IDLE_TIMEOUT))?;
    let mut message = Vec::new();
    let mut buf = [0u8; RECV_BUFFER];
    loop {
        let n = conn.read(&mut buf)?; // Python: data = conn.recv(1024)
        if n == 0 {
            break; // a closed its side: the message is complete
        }
        if message.len() + n > MAX_MESSAGE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a message of more than {MAX_MESSAGE} bytes"),
            ));
        }
        message.extend_from_slice(&buf[..n]);
    }
    conn.write_all(RECEIVED)?;
    Ok(message)
}
