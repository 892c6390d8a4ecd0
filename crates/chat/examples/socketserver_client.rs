//! 八.socketserver模块 (chapter 8): the tutorial's client for the socketserver echo.
//! Read a line from the keyboard, send it, print what comes back; `q` quits.
//!
//! Terminal 1: `cargo run -q -p chat --example socketserver_server`
//! Terminal 2 (and 3, 4...): `cargo run -q -p chat --example socketserver_client`
//!
//! The lab program `chat client` is the client of the chat room: frames, a nickname,
//! timeouts and explained errors.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;

/// The tutorial's address for the server; a first argument HOST:PORT replaces it.
const DEFAULT_ADDR: &str = "127.0.0.1:9999";

fn main() -> io::Result<()> {
    // Python: host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9999').rsplit(':', 1)
    let addr = std::env::args().nth(1).unwrap_or(DEFAULT_ADDR.into());
    let mut phone = TcpStream::connect(&addr)?; // Python: phone.connect((host, int(port)))
    let mut lines = io::stdin().lock().lines();
    loop {
        print!(">>: "); // Python: msg = input('>>: ').strip()
        io::stdout().flush()?;
        let Some(line) = lines.next() else { break }; // the end of input (Ctrl-D)
        let line = line?;
        let msg = line.trim();
        if msg.is_empty() {
            continue;
        }
        if msg == "q" {
            break;
        }
        phone.write_all(msg.as_bytes())?; // Python: phone.send(msg.encode('utf-8'))
        let mut data = [0u8; 1024];
        let n = phone.read(&mut data)?; // Python: data = phone.recv(1024)
        println!("{}", String::from_utf8_lossy(&data[..n])); // Python: print(data.decode('utf-8'))
    }
    Ok(()) // Python: phone.close() (dropping `phone` closes it)
}
