//! 五.黏包 (chapter 5, sticky packets), fix 1 of the tutorial, the client: read the
//! length, answer `ready`, then read until that many bytes have arrived.
//!
//! Terminal 1: `cargo run -q -p framing --example cmd_ack_server`
//! Terminal 2: `cargo run -q -p framing --example cmd_ack_client`
//!
//! The lab program `framing cmd-client --protocol ack` adds timeouts, limits and
//! explained errors.

use std::io::{BufRead, Error, ErrorKind, Read, Write};
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
        let mut buf = [0u8; 1024];
        let n = phone.read(&mut buf)?; // Python: length = int(phone.recv(1024).decode('utf-8'))
        let text = String::from_utf8_lossy(&buf[..n]);
        let length: usize = text.trim().parse().map_err(|_| ErrorKind::InvalidData)?;
        phone.write_all(b"ready")?; // Python: phone.send(b'ready')
        let mut data = Vec::new(); // Python: data = b''
        while data.len() < length {
            let got = phone.read(&mut buf)?; // Python: chunk = phone.recv(1024)
            if got == 0 {
                let closed = "the server closed the connection early";
                return Err(Error::new(ErrorKind::UnexpectedEof, closed));
            }
            data.extend_from_slice(&buf[..got]); // Python: data += chunk
        }
        println!("[{length} bytes]"); // Python: print('[%d bytes]' % length)
        print!("{}", String::from_utf8_lossy(&data)); // Python: print(data.decode(...), end='')
        std::io::stdout().flush()?; // Python: flush=True
    }
    Ok(()) // Python: phone.close() (dropping `phone` closes it)
}
