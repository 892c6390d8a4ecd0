//! 五.黏包 (chapter 5, sticky packets), the advanced part: upload one file. First a JSON
//! header (name, size, sha256) with a 4-byte length in front, then exactly `filesize`
//! raw bytes, then the receiver's JSON verdict, framed the same way.
//!
//! Terminal 1: `cargo run -q -p framing --example file_receive /tmp/inbox`
//! Terminal 2: `cargo run -q -p framing --example file_send notes.txt`
//!
//! The lab program `framing send` adds timeouts, a progress bar, `sendfile` and
//! explained errors.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

/// The tutorial's address for the receiver; HOST:PORT before the file replaces it.
const DEFAULT_ADDR: &str = "127.0.0.1:8889";

/// How much of the file is read (and sent) at a time.
const CHUNK: usize = 1024 * 1024;

/// `recv(n)` returns what has arrived, which may be fewer than n bytes: loop until all
/// n are here. Memory grows only as bytes really arrive.
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
    // Python: host, port = sys.argv[1].rsplit(':', 1); path = sys.argv[2]
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, path) = match args.as_slice() {
        [path] => (DEFAULT_ADDR, path),
        [addr, path] => (addr.as_str(), path),
        _ => {
            eprintln!("usage: file_send [HOST:PORT] FILE");
            std::process::exit(2);
        }
    };

    let mut sha = Sha256::new(); // Python: sha = hashlib.sha256()
    let mut chunk = vec![0u8; CHUNK];
    let mut f = File::open(path)?; // Python: with open(path, 'rb') as f:
    loop {
        let n = f.read(&mut chunk)?; // Python: chunk = f.read(1024 * 1024)
        if n == 0 {
            break;
        }
        sha.update(&chunk[..n]); // Python: sha.update(chunk)
    }
    let header = serde_json::json!({
        "filename": Path::new(path).file_name().map(|n| n.to_string_lossy()), // Python: os.path.basename(path)
        "filesize": std::fs::metadata(path)?.len(), // Python: os.path.getsize(path)
        "sha256": format!("{:x}", sha.finalize()), // Python: sha.hexdigest()
    });
    // serde_json writes no spaces after `:` and `,` (Python's json.dumps does): the
    // same JSON to any reader.
    let header_bytes = header.to_string().into_bytes(); // Python: json.dumps(header).encode('utf-8')

    let mut client = TcpStream::connect(addr)?; // Python: client.connect((host, int(port)))
    client.set_read_timeout(Some(Duration::from_secs(30)))?; // Python: client.settimeout(30)
    let header_len = header_bytes.len() as u32;
    client.write_all(&header_len.to_be_bytes())?; // Python: client.sendall(struct.pack('!I', len(header_bytes)))
    client.write_all(&header_bytes)?; // Python: client.sendall(header_bytes)
    let mut f = File::open(path)?; // Python: with open(path, 'rb') as f:
    loop {
        let n = f.read(&mut chunk)?; // Python: chunk = f.read(1024 * 1024)
        if n == 0 {
            break;
        }
        client.write_all(&chunk[..n])?; // Python: client.sendall(chunk)
    }

    let reply_len = recv_exact(&mut client, 4)?; // Python: reply_len = struct.unpack('!I', recv_exact(client, 4))[0]
    let reply_len: [u8; 4] = reply_len
        .try_into()
        .map_err(|_| io::ErrorKind::InvalidData)?;
    let reply = recv_exact(&mut client, u32::from_be_bytes(reply_len) as usize)?;
    let reply: serde_json::Value = serde_json::from_slice(&reply)?; // Python: reply = json.loads(...)
    drop(client); // Python: client.close()
    println!("{reply}"); // Python: print(json.dumps(reply))
    let ok = reply.get("ok").and_then(serde_json::Value::as_bool) == Some(true);
    std::process::exit(if ok { 0 } else { 1 }); // Python: sys.exit(0 if reply.get('ok') else 1)
}
