//! 五.黏包 (chapter 5, sticky packets), the advanced part: receive one file. Read the
//! 4-byte header length, the JSON header, then exactly `filesize` bytes while hashing
//! them; keep the file only if the sha256 matches; answer `{"ok": true}` or
//! `{"ok": false, "error": ...}`, framed the same way.
//!
//! Terminal 1: `cargo run -q -p framing --example file_receive /tmp/inbox`
//! Terminal 2: `cargo run -q -p framing --example file_send notes.txt`
//!
//! The lab program `framing receive` adds timeouts, a size limit, several uploads in a
//! row, authentication and explained errors.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;

use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The tutorial's address for the receiver; HOST:PORT before the directory replaces it.
const DEFAULT_ADDR: &str = "127.0.0.1:8889";

/// The largest JSON header we read. A real header is about 120 bytes; without a cap, the
/// sender's 4-byte number (up to 4 GiB) would decide how much memory we use.
const MAX_HEADER: usize = 64 * 1024;

/// How much of the file is received (and written) at a time: the memory the body uses,
/// whatever the file's size.
const CHUNK: usize = 1024 * 1024;

/// Python: header = json.loads(...); header['filename'], header['filesize'], header['sha256']
#[derive(Deserialize)]
struct Header {
    filename: String,
    filesize: u64,
    sha256: String,
}

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

/// Python: def reply(conn, answer): conn.sendall(struct.pack('!I', len(data)) + data)
fn reply(conn: &mut TcpStream, answer: serde_json::Value) -> io::Result<()> {
    let data = answer.to_string().into_bytes(); // Python: data = json.dumps(answer).encode('utf-8')
    let mut frame = (data.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&data);
    conn.write_all(&frame)
}

fn main() -> io::Result<()> {
    // Python: host, port = sys.argv[1].rsplit(':', 1); directory = sys.argv[2]
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, directory) = match args.as_slice() {
        [dir] => (DEFAULT_ADDR, Path::new(dir)),
        [addr, dir] => (addr.as_str(), Path::new(dir)),
        _ => {
            eprintln!("usage: file_receive [HOST:PORT] DIR");
            std::process::exit(2);
        }
    };
    let server = TcpListener::bind(addr)?; // Python: server.bind((host, int(port))); server.listen(5)
    println!("listening on {}", server.local_addr()?);

    let (mut conn, _addr) = server.accept()?; // Python: conn, addr = server.accept()
    let header_len = recv_exact(&mut conn, 4)?; // Python: header_len = struct.unpack('!I', recv_exact(conn, 4))[0]
    let header_len: [u8; 4] = header_len
        .try_into()
        .map_err(|_| io::ErrorKind::InvalidData)?;
    let header_len = u32::from_be_bytes(header_len) as usize;
    if header_len > MAX_HEADER {
        reply(&mut conn, json!({"ok": false, "error": "header too large"}))?;
        std::process::exit(1);
    }
    let header = recv_exact(&mut conn, header_len)?;
    let header: Header = serde_json::from_slice(&header)?; // Python: header = json.loads(...)
    let name = header.filename;
    // Only a bare file name: `../x`, `/etc/passwd`, `a/b`, `..` and `` would leave (or
    // miss) the directory. Python: if os.path.basename(name) != name or name in ('', '.', '..')
    if Path::new(&name).file_name() != Some(OsStr::new(&name)) {
        reply(&mut conn, json!({"ok": false, "error": "bad file name"}))?;
        std::process::exit(1);
    }
    let temp = directory.join(format!(".{name}.part")); // Python: temp = os.path.join(directory, '.' + name + '.part')
    let mut sha = Sha256::new(); // Python: sha = hashlib.sha256()
    let mut left = header.filesize; // Python: left = header['filesize']
    let mut chunk = vec![0u8; CHUNK];
    let mut f = File::create(&temp)?; // Python: with open(temp, 'wb') as f:
    while left > 0 {
        let want = left.min(CHUNK as u64) as usize; // Python: min(left, 1024 * 1024)
        let n = conn.read(&mut chunk[..want]).unwrap_or(0); // Python: chunk = conn.recv(...)
        if n == 0 {
            break; // the sender stopped early (or the connection broke)
        }
        sha.update(&chunk[..n]); // Python: sha.update(chunk)
        f.write_all(&chunk[..n])?; // Python: f.write(chunk)
        left -= n as u64; // Python: left -= len(chunk)
    }
    drop(f); // Python: the end of `with`: the file is closed
    // A plain `==` is fine here: nothing is secret (chapter 7's HMAC needs a
    // constant-time comparison). Python: if left == 0 and sha.hexdigest() == header['sha256']:
    if left == 0 && format!("{:x}", sha.finalize()) == header.sha256 {
        fs::rename(&temp, directory.join(&name))?; // Python: os.replace(temp, os.path.join(directory, name))
        reply(&mut conn, json!({"ok": true}))?;
        println!("saved {name} ({} bytes)", header.filesize);
    } else {
        fs::remove_file(&temp)?; // Python: os.remove(temp)
        let error = "truncated or sha256 mismatch";
        reply(&mut conn, json!({"ok": false, "error": error}))?;
    }
    Ok(()) // Python: conn.close() (dropping `conn` closes it)
}
