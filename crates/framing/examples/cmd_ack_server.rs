//! 五.黏包 (chapter 5, sticky packets), fix 1 of the tutorial: send the length of the
//! answer first, wait for the client's `ready`, then send the answer. The length and
//! the answer cannot merge, because the server waits in between (one extra round trip).
//!
//! Terminal 1: `cargo run -q -p framing --example cmd_ack_server`
//! Terminal 2: `cargo run -q -p framing --example cmd_ack_client`
//!
//! The lab program `framing cmd-server --protocol ack` adds timeouts, limits and
//! explained errors.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

/// The tutorial's address for this program; a first argument HOST:PORT replaces it.
const DEFAULT_ADDR: &str = "127.0.0.1:8888";

/// The shell that runs a command (Python: `shell=True`).
const SHELL: (&str, &str) = if cfg!(windows) {
    ("cmd", "/C")
} else {
    ("sh", "-c")
};

fn main() -> std::io::Result<()> {
    // Python: host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8888').rsplit(':', 1)
    let addr = std::env::args().nth(1).unwrap_or(DEFAULT_ADDR.into());
    // Python: phone = socket.socket(); phone.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    //         phone.bind((host, int(port))); phone.listen(5)
    let phone = TcpListener::bind(&addr)?;
    println!("listening on {}", phone.local_addr()?);

    loop {
        let (mut conn, _addr) = phone.accept()?; // Python: conn, addr = phone.accept()
        let mut buf = [0u8; 1024];
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => break, // Python: if not cmd: break (or ConnectionError)
                Ok(n) => n,              // Python: cmd = conn.recv(1024)
            };
            let cmd = String::from_utf8_lossy(&buf[..n]);
            // Python: res = subprocess.Popen(cmd.decode('utf-8'), shell=True, ...)
            let res = Command::new(SHELL.0).args([SHELL.1, &*cmd]).output()?;
            let mut data = res.stderr; // Python: data = res.stderr.read() + res.stdout.read()
            data.extend_from_slice(&res.stdout);
            // Python: conn.send(str(len(data)).encode('utf-8'))
            if conn.write_all(data.len().to_string().as_bytes()).is_err() {
                break;
            }
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => break, // Python: if not ready: break
                Ok(_) => {}              // Python: ready = conn.recv(1024)  # b'ready'
            }
            if conn.write_all(&data).is_err() {
                break; // Python: conn.sendall(data)
            }
        }
        // Python: conn.close() (dropping `conn` closes it)
    }
}
