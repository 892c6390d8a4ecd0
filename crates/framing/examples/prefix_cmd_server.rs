//! 五.黏包 (chapter 5, sticky packets), fix 2 of the tutorial: a fixed-size header in
//! front of every message. 4 bytes carry the length (`struct.pack('!I', n)`: unsigned,
//! big-endian), then come exactly that many bytes. The command travels the same way.
//!
//! Terminal 1: `cargo run -q -p framing --example prefix_cmd_server`
//! Terminal 2: `cargo run -q -p framing --example prefix_cmd_client`
//!
//! The lab program `framing cmd-server --protocol prefix` adds timeouts, output limits
//! and explained errors.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;

/// The tutorial's address for this program; a first argument HOST:PORT replaces it.
const DEFAULT_ADDR: &str = "127.0.0.1:8888";

/// The shell that runs a command (Python: `shell=True`).
const SHELL: (&str, &str) = if cfg!(windows) {
    ("cmd", "/C")
} else {
    ("sh", "-c")
};

/// The longest command we accept: a peer's 4-byte number must not decide how much
/// we read (Python: `if n > 64 * 1024: break`).
const MAX_COMMAND: usize = 64 * 1024;

/// `recv(n)` returns what has arrived, which may be fewer than n bytes: loop until all
/// n are here. (std's `read_exact` does this too; here it is written out, because it
/// is the lesson of this chapter.) Memory grows only as bytes really arrive.
fn recv_exact(conn: &mut TcpStream, n: usize) -> io::Result<Vec<u8>> {
    let mut data = Vec::new(); // Python: data = b''
    let mut chunk = [0u8; 4096];
    while data.len() < n {
        let want = chunk.len().min(n - data.len());
        let got = conn.read(&mut chunk[..want])?; // Python: chunk = conn.recv(n - len(data))
        if got == 0 {
            let cut = "the peer closed the connection mid-frame";
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, cut));
        }
        data.extend_from_slice(&chunk[..got]); // Python: data += chunk
    }
    Ok(data)
}

fn main() -> io::Result<()> {
    // Python: host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8888').rsplit(':', 1)
    let addr = std::env::args().nth(1).unwrap_or(DEFAULT_ADDR.into());
    // Python: phone = socket.socket(); phone.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    //         phone.bind((host, int(port))); phone.listen(5)
    let phone = TcpListener::bind(&addr)?;
    println!("listening on {}", phone.local_addr()?);

    loop {
        let (mut conn, _addr) = phone.accept()?; // Python: conn, addr = phone.accept()
        loop {
            let mut head = [0u8; 4];
            let got = match conn.read(&mut head) {
                Ok(0) | Err(_) => break, // Python: if not head: break (a clean end between frames)
                Ok(got) => got,          // Python: head = conn.recv(4)
            };
            // Python: head += recv_exact(conn, 4 - len(head))
            let Ok(rest) = recv_exact(&mut conn, 4 - got) else {
                break;
            };
            head[got..].copy_from_slice(&rest);
            let n = u32::from_be_bytes(head) as usize; // Python: n = struct.unpack('!I', head)[0]
            if n > MAX_COMMAND {
                break;
            }
            // Python: cmd = recv_exact(conn, n)
            let Ok(cmd) = recv_exact(&mut conn, n) else {
                break;
            };
            let cmd = String::from_utf8_lossy(&cmd);
            // Python: res = subprocess.Popen(cmd.decode('utf-8'), shell=True, ...)
            let res = Command::new(SHELL.0).args([SHELL.1, &*cmd]).output()?;
            let len = (res.stderr.len() + res.stdout.len()) as u32;
            let header = len.to_be_bytes(); // Python: header = struct.pack('!I', len(stderr) + len(stdout))
            // Python: conn.send(header); conn.send(stderr); conn.send(stdout)
            let sent = conn
                .write_all(&header)
                .and_then(|()| conn.write_all(&res.stderr))
                .and_then(|()| conn.write_all(&res.stdout));
            if sent.is_err() {
                break; // the client went away
            }
        }
        // Python: conn.close() (dropping `conn` closes it)
    }
}
