//! 八.socketserver模块 (chapter 8): the tutorial's concurrent server. Python's
//! `ThreadingTCPServer` runs `handle()` in a new thread for every connection; here that
//! is one `thread::spawn` per accepted connection. `handle()` echoes every
//! `recv(1024)` back upper-cased until the client closes.
//!
//! Terminal 1: `cargo run -q -p chat --example socketserver_server`
//! Terminal 2 (and 3, 4...): `cargo run -q -p chat --example socketserver_client`
//!
//! The lab program `chat threaded-echo` adds a thread limit, timeouts, a clean
//! shutdown and explained errors.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

/// The tutorial's address for this program; a first argument HOST:PORT replaces it.
const DEFAULT_ADDR: &str = "127.0.0.1:9999";

/// Python: class MyServer(socketserver.BaseRequestHandler): def handle(self):
/// (`request` is Python's `self.request`, the connected socket.)
fn handle(mut request: TcpStream) {
    let mut data = [0u8; 1024];
    loop {
        let n = match request.read(&mut data) {
            Ok(0) | Err(_) => break, // Python: if not data: break
            Ok(n) => n,              // Python: data = self.request.recv(1024)
        };
        // bytes.upper() changes only a-z: to_ascii_uppercase is the same rule.
        let upper = data[..n].to_ascii_uppercase(); // Python: data.upper()
        if request.write_all(&upper).is_err() {
            break; // Python: self.request.sendall(data.upper())
        }
    }
}

fn main() -> std::io::Result<()> {
    // Python: host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9999').rsplit(':', 1)
    let addr = std::env::args().nth(1).unwrap_or(DEFAULT_ADDR.into());
    // Python: server = socketserver.ThreadingTCPServer((host, int(port)), MyServer)
    // (std's bind also listens, with a backlog of 128; socketserver asks for 5.)
    let server = TcpListener::bind(&addr)?;
    println!("listening on {}", server.local_addr()?);
    // Python: server.serve_forever(): accept, then handle() in a thread of its own.
    for request in server.incoming() {
        let Ok(request) = request else { continue }; // a failed accept: serve the next one
        thread::spawn(move || handle(request));
    }
    Ok(())
}
