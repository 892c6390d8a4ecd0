//! 五.黏包 (chapter 5, sticky packets): the tutorial's remote-command server, as it is.
//! `recv(1024)` is the command; the answer is the command's stderr then its stdout,
//! sent with nothing that marks where it ends. This is the program that shows the problem.
//!
//! Terminal 1: `cargo run -q -p framing --example cmd_server`
//! Terminal 2: `cargo run -q -p framing --example cmd_client`
//!
//! The lab program `framing cmd-server` adds timeouts, limits, explained errors and the
//! two fixes (`--protocol ack`, `--protocol prefix`).

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
    // Python: phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    //         phone.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    //         phone.bind((host, int(port)))
    //         phone.listen(5)
    // std's bind does all four (on Unix it sets SO_REUSEADDR itself).
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
            let cmd = String::from_utf8_lossy(&buf[..n]); // Python: cmd.decode('utf-8')
            // Python: res = subprocess.Popen(cmd, shell=True, stdout=PIPE, stderr=PIPE)
            let res = Command::new(SHELL.0).args([SHELL.1, &*cmd]).output()?;
            let stderr = res.stderr; // Python: stderr = res.stderr.read()
            let mut stdout = res.stdout; // Python: stdout = res.stdout.read()
            if stderr.is_empty() && stdout.is_empty() {
                stdout = b"(the command printed nothing)\n".to_vec();
            }
            // Two sends and no length: the client cannot tell where this answer ends.
            // Python: conn.send(stderr); conn.send(stdout)  (write_all is Python's sendall)
            let sent = conn
                .write_all(&stderr)
                .and_then(|()| conn.write_all(&stdout));
            if sent.is_err() {
                break; // the client went away
            }
        }
        // Python: conn.close() (dropping `conn` closes it)
    }
}
