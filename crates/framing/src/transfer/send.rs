//! The sending side of the file transfer: `framing send`.

use std::fs::{self, File};
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use auth::{Handshake, Secret};
use netlab_common::Failure;
use netlab_common::stream::read_full;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{CHUNK, Header, MAX_REPLY_LEN, Reply, SEND_STEP, hex, validate_name};
use crate::frame::{read_frame, write_frame};

/// The SHA-256 of a whole file, read in [`CHUNK`]s; `progress` is told after
/// each chunk.
pub fn hash_file(path: &Path, progress: &dyn Fn(u64)) -> io::Result<(u64, [u8; 32])> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = read_full(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
        progress(n as u64);
    }
    Ok((total, hasher.finalize().into()))
}

/// What a finished send reports.
#[derive(Debug, Clone, Serialize)]
pub struct SendReport {
    pub filename: String,
    pub filesize: u64,
    pub sha256: String,
    pub seconds: f64,
}

/// Everything `framing send` needs.
#[derive(Debug)]
pub struct SendConfig {
    pub addr: SocketAddr,
    pub path: PathBuf,
    pub timeout: Duration,
    pub secret: Option<Secret>,
    /// Draw progress bars (only on a terminal).
    pub progress: bool,
}

// ANCHOR: send_file
/// `framing send`: hash the file, send the header and the bytes, read the verdict.
pub fn send_file(config: &SendConfig) -> Result<SendReport, Failure> {
    let started = Instant::now();
    let path = &config.path;
    let filename = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| Failure::usage(format!("{}: not a file name we can send", path.display())))?
        .to_string();
    validate_name(&filename).map_err(Failure::usage)?;
    let metadata =
        fs::metadata(path).map_err(|e| Failure::io(format!("reading {}", path.display()), e))?;
    // A directory cannot be sent, and a device such as /dev/zero has no size and
    // would be hashed forever: only regular files have a `filesize`.
    if !metadata.is_file() {
        return Err(Failure::usage(format!(
            "{}: not a regular file (a directory or a device cannot be sent)",
            path.display()
        )));
    }
    let size = metadata.len();

    // The header carries the hash, so the sender reads the file twice: once
    // to hash it, once to send it.
    let bar = progress_bar(config.progress, size, "hashing");
    let (hashed, digest) = hash_file(path, &|n| bar.inc(n))
        .map_err(|e| Failure::io(format!("reading {}", path.display()), e))?;
    bar.finish_and_clear();
    if hashed != size {
        return Err(Failure::other(format!(
            "{} changed while we read it",
            path.display()
        )));
    }
    let header = Header {
        filename: filename.clone(),
        filesize: size,
        sha256: hex(&digest),
    };

    let addr = config.addr;
    let net = |e: io::Error| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            Failure::timeout(addr, config.timeout)
        }
        _ => Failure::io(format!("sending to {addr}"), e),
    };
    let mut conn =
        TcpStream::connect_timeout(&addr, config.timeout).map_err(|e| Failure::connect(addr, e))?;
    conn.set_read_timeout(Some(config.timeout)).map_err(net)?;
    conn.set_write_timeout(Some(config.timeout)).map_err(net)?;
    if let Some(secret) = &config.secret {
        auth::client_handshake(&mut conn, secret, Handshake::WITH_VERDICT)
            .map_err(|e| Failure::other(format!("authenticating with {addr}: {e}")))?;
    }
    // Python: header_bytes = json.dumps(header).encode('utf-8')
    //         conn.sendall(struct.pack('!I', len(header_bytes)) + header_bytes)
    let json = serde_json::to_vec(&header).map_err(|e| Failure::other(e.to_string()))?;
    write_frame(&mut conn, &json).map_err(net)?;

    // The body: chunk by chunk, so the progress bar moves. `io::copy` from a
    // file to a socket uses sendfile(2) on Linux: the kernel moves the bytes
    // without copying them through our memory.
    let file =
        File::open(path).map_err(|e| Failure::io(format!("reading {}", path.display()), e))?;
    let bar = progress_bar(config.progress, size, "sending");
    let mut sent = 0u64;
    while sent < size {
        let want = (size - sent).min(SEND_STEP);
        let n = match io::copy(&mut (&file).take(want), &mut conn) {
            Ok(n) => n,
            // The receiver may have refused the file from its header alone (too
            // large, say) and closed: its verdict is waiting in our receive
            // buffer, and it explains the failed write better than "broken pipe".
            Err(error) => return Err(early_verdict(&mut conn, addr).unwrap_or(net(error))),
        };
        if n == 0 {
            return Err(Failure::other(format!(
                "{} shrank while we sent it",
                path.display()
            )));
        }
        sent += n;
        bar.inc(n);
    }
    bar.finish_and_clear();

    // The verdict.
    let reply = read_frame(&mut conn, MAX_REPLY_LEN).map_err(|e| net(e.into()))?;
    let reply: Reply = serde_json::from_slice(&reply).map_err(|e| {
        Failure::other(format!(
            "{addr} answered something that is not a verdict: {e}"
        ))
    })?;
    if !reply.ok {
        return Err(Failure::other(format!(
            "{addr} refused the file: {}",
            reply.error.unwrap_or_default()
        )));
    }
    Ok(SendReport {
        filename,
        filesize: size,
        sha256: header.sha256,
        seconds: started.elapsed().as_secs_f64(),
    })
}
// ANCHOR_END: send_file

/// After a failed write: the receiver's refusal, if it sent one before closing.
fn early_verdict(conn: &mut TcpStream, addr: SocketAddr) -> Option<Failure> {
    let reply = read_frame(conn, MAX_REPLY_LEN).ok()?;
    let reply: Reply = serde_json::from_slice(&reply).ok()?;
    (!reply.ok).then(|| {
        Failure::other(format!(
            "{addr} refused the file: {}",
            reply.error.unwrap_or_default()
        ))
    })
}

/// A progress bar on stderr when `enabled` and stderr is a terminal; a hidden
/// one (that costs nothing) otherwise.
fn progress_bar(enabled: bool, len: u64, what: &'static str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !enabled || !io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg:8} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what);
    bar
}
