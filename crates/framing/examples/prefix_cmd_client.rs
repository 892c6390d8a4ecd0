//! 五.黏包 (chapter 5, sticky packets), fix 2 of the tutorial, the client: send each
//! command behind a 4-byte length, read the 4-byte header of the answer, then exactly
//! that many bytes. A long answer can no longer leak into the next one.
//!
//! Terminal 1: `cargo run -q -p framing --example prefix_cmd_server`
//! Terminal 2: `cargo run -q -p framing --example prefix_cmd_client`
//!
//! The lab program `framing cmd-client --protocol prefix` adds timeouts, a size limit
//! and explained errors.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The tutorial's address for this program; a first argument HOST:PORT replaces it.
const DEFAULT_ADDR: &str = "127.0.0.1:8888";

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
    let mut phone = TcpStream::connect(&addr)?; // Python: phone.connect((host, int(port)))
    phone.set_read_timeout(Some(Duration::from_secs(30)))?; // Python: phone.settimeout(30)

    for line in io::stdin().lock().lines() {
        let line = line?; // Python: for line in sys.stdin:
        let cmd = line.trim(); // Python: cmd = line.strip()
        if cmd.is_empty() {
            continue;
        }
        if cmd == "quit" {
            break;
        }
        let data = cmd.as_bytes(); // Python: data = cmd.encode('utf-8')
        let mut frame = (data.len() as u32).to_be_bytes().to_vec(); // Python: struct.pack('!I', len(data))
        frame.extend_from_slice(data); // Python: ... + data
        phone.write_all(&frame)?; // Python: phone.sendall(...)
        let header = recv_exact(&mut phone, 4)?; // Python: header = recv_exact(phone, 4)
        let header: [u8; 4] = header.try_into().map_err(|_| io::ErrorKind::InvalidData)?;
        let total_size = u32::from_be_bytes(header) as usize; // Python: struct.unpack('!I', header)[0]
        let res = recv_exact(&mut phone, total_size)?; // Python: res = recv_exact(phone, total_size)
        println!("[{total_size} bytes]"); // Python: print('[%d bytes]' % total_size)
        print!("{}", String::from_utf8_lossy(&res)); // Python: print(res.decode(...), end='')
        io::stdout().flush()?; // Python: flush=True
    }
    Ok(()) // Python: phone.close() (dropping `phone` closes it)
}
