//! 五.黏包 (chapter 5, sticky packets): the tutorial's remote-command client, as it is:
//! send a command, print whatever ONE `recv(1024)` returns. That is the bug, kept on
//! purpose: a long answer does not fit, and its rest leaks into the next answer.
//!
//! Terminal 1: `cargo run -q -p framing --example cmd_server`
//! Terminal 2: `cargo run -q -p framing --example cmd_client`
//!
//! The lab program `framing cmd-client` adds timeouts, explained errors and the two
//! fixes (`--protocol ack`, `--protocol prefix`).

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The tutorial's address for this program; a first argument HOST:PORT replaces it.
const DEFAULT_ADDR: &str = "127.0.0.1:8888";

fn main() -> std::io::Result<()> {
    // Python: host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8888').rsplit(':', 1)
    let addr = std::env::args().nth(1).unwrap_or(DEFAULT_ADDR.into());
    let mut phone = TcpStream::connect(&addr)?; // Python: phone.connect((host, int(port)))
    phone.set_read_timeout(Some(Duration::from_secs(30)))?; // Python: phone.settimeout(30)

    for line in std::io::stdin().lock().lines() {
        let line = line?; // Python: for line in sys.stdin:
        let cmd = line.trim(); // Python: cmd = line.strip()
        if cmd.is_empty() {
            continue;
        }
        if cmd == "quit" {
            break;
        }
        phone.write_all(cmd.as_bytes())?; // Python: phone.send(cmd.encode('utf-8'))
        let mut data = [0u8; 1024];
        let n = phone.read(&mut data)?; // Python: data = phone.recv(1024)  <- one read only
        println!("[{n} bytes]"); // Python: print('[%d bytes]' % len(data))
        print!("{}", String::from_utf8_lossy(&data[..n])); // Python: print(data.decode(...), end='')
        std::io::stdout().flush()?; // Python: flush=True
    }
    Ok(()) // Python: phone.close() (dropping `phone` closes it)
}
