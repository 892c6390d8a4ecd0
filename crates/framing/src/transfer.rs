//! File transfer, the chapter's advanced lesson: a length-prefixed JSON header,
//! then the file's bytes, then the receiver's verdict.
//!
//! ```text
//! sender                                              receiver
//!   | -- frame: {"filename","filesize","sha256"} -->   |  JSON, 4-byte length first
//!   | -- exactly filesize raw bytes --------------->   |  streamed, hashed, written
//!   | <-- frame: {"ok": true} or {"ok": false, ...} -- |
//! ```
//!
//! The header needs a length prefix because it has no fixed size; the body
//! needs none because the header told the receiver its size. The receiver
//! writes into a temporary file in the target directory and renames it to its
//! final name only when the size and the SHA-256 match: a reader of the
//! directory never sees half a file, and a broken upload leaves nothing behind.
//!
//! ```text
//! $ framing receive --dir /tmp/inbox     # terminal 1 (127.0.0.1:8889)
//! $ framing send ./photo.jpg             # terminal 2
//! ```

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use auth::Secret;
use auth::cli::ClientSlots;
use netlab_common::Failure;
use netlab_common::listen::announce;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::command::check_exposure;
use crate::frame::{FrameError, read_frame, write_frame};

// ANCHOR: constants
/// The JSON header is a few dozen bytes; anything above 64 KiB is not a header.
pub const MAX_HEADER_LEN: usize = 64 * 1024;

/// The receiver's verdict frame is as small.
pub const MAX_REPLY_LEN: usize = 64 * 1024;

/// Longest file name accepted, in bytes (the usual file-system limit).
pub const MAX_NAME_LEN: usize = 255;

/// The largest file the receiver accepts by default (`--max-size`): 64 GiB.
/// Without a limit, anybody who can connect could fill the disk.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 30;

/// The body is moved in pieces of 1 MiB: large enough that system calls and
/// channel hand-offs cost little, small enough that memory stays constant
/// (a few MiB per upload, whatever the file size).
pub const CHUNK: usize = 1 << 20;

/// How many chunks may wait between two stages of the receiver's pipeline
/// (reading the socket → hashing → writing the file), which run at the same time.
pub const PIPELINE_DEPTH: usize = 4;

/// After a refusal, at most this many bytes (and for at most this long) are
/// read and dropped so that the connection closes cleanly (see `linger`).
const LINGER_LIMIT: u64 = 4 << 20;
const LINGER_TIMEOUT: Duration = Duration::from_secs(1);

/// The sender hands the kernel this much per `sendfile` round (8 MiB), then
/// moves the progress bar: small enough for a smooth bar, large enough that the
/// rounds cost nothing.
const SEND_STEP: u64 = 8 << 20;

/// At most this many uploads run at once (one thread each, plus a hashing one).
pub const MAX_UPLOADS: usize = 8;
// ANCHOR_END: constants

/// The header the sender writes first (Python: `json.dumps(header).encode()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// A plain file name: no directory, no `..`.
    pub filename: String,
    /// Exactly how many bytes follow the header.
    pub filesize: u64,
    /// The SHA-256 of those bytes, 64 lower-case hex digits.
    pub sha256: String,
}

/// The receiver's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

// ANCHOR: validate_name
/// Checks that `name` is a plain file name that stays inside the target
/// directory: not empty, no `/` or `\` (no directories, no absolute paths), no
/// `..`, no NUL or other control characters, no `:` (a Windows drive), and at
/// most [`MAX_NAME_LEN`] bytes. Returns why not.
///
/// ```
/// use framing::transfer::validate_name;
/// assert!(validate_name("photo.jpg").is_ok());
/// assert!(validate_name("../../etc/passwd").is_err());
/// assert!(validate_name("/etc/passwd").is_err());
/// ```
pub fn validate_name(name: &str) -> Result<(), String> {
    let refuse = |why: &str| Err(format!("file name {name:?} refused: {why}"));
    if name.is_empty() {
        return refuse("empty");
    }
    if name.len() > MAX_NAME_LEN {
        return refuse("longer than 255 bytes");
    }
    if name.contains(['/', '\\']) {
        return refuse("it contains a path separator; send a plain file name");
    }
    if name.contains("..") || name == "." {
        return refuse("'.' and '..' could lead out of the directory");
    }
    if name.chars().any(char::is_control) {
        return refuse("it contains control characters (NUL, newline...)");
    }
    if name.contains(':') {
        return refuse("':' names a drive or a stream on Windows");
    }
    if name.starts_with('.') {
        return refuse("hidden names (starting with '.') are reserved for unfinished uploads");
    }
    Ok(())
}
// ANCHOR_END: validate_name

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `data` in lower-case hex, as Python's
/// `hashlib.sha256(data).hexdigest()` writes it.
///
/// ```
/// assert_eq!(
///     framing::transfer::sha256_hex(b""),
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Why an upload failed. The text goes back to the sender in `{"ok": false}`.
#[derive(Debug)]
pub enum UploadError {
    /// The header frame could not be read (closed, too large...).
    Header(FrameError),
    /// The header is not the JSON we expect, or its values are refused.
    BadHeader(String),
    /// The sender stopped before sending `expected` bytes.
    Truncated { expected: u64, got: u64 },
    /// The bytes arrived, but their hash is not the announced one.
    BadHash { expected: String, got: String },
    /// Reading the socket or writing the file failed.
    Io(io::Error),
}

impl std::fmt::Display for UploadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadError::Header(error) => write!(f, "no header: {error}"),
            UploadError::BadHeader(why) => write!(f, "bad header: {why}"),
            UploadError::Truncated { expected, got } => write!(
                f,
                "the sender stopped after {got} of {expected} bytes; nothing was saved"
            ),
            UploadError::BadHash { expected, got } => write!(
                f,
                "sha256 mismatch (announced {expected}, received {got}); nothing was saved"
            ),
            UploadError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for UploadError {}

impl From<io::Error> for UploadError {
    fn from(error: io::Error) -> UploadError {
        UploadError::Io(error)
    }
}

/// A file that is deleted when dropped, unless [`TempFile::persist`] renamed it.
/// Every early return and every error path therefore cleans up by itself.
#[derive(Debug)]
struct TempFile {
    path: Option<PathBuf>,
}

impl TempFile {
    /// Renames the file to `target` (atomically replacing an existing file).
    fn persist(mut self, target: &Path) -> io::Result<()> {
        if let Some(path) = self.path.take() {
            if let Err(error) = fs::rename(&path, target) {
                let _ = fs::remove_file(&path);
                return Err(error);
            }
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// What a finished upload produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
}

/// Distinguishes the temporary files of uploads running at the same time.
static UPLOAD_COUNTER: AtomicU64 = AtomicU64::new(0);

// ANCHOR: receive_one
/// Receives one upload from `conn` into `dir` and sends the verdict back.
pub fn receive_one(conn: &mut TcpStream, dir: &Path, max_size: u64) -> Result<Saved, UploadError> {
    let result = receive_file(conn, dir, max_size);
    let reply = match &result {
        Ok(_) => Reply {
            ok: true,
            error: None,
        },
        Err(error) => Reply {
            ok: false,
            error: Some(error.to_string()),
        },
    };
    // The sender may be gone (that may be why we failed): best effort.
    if let Ok(json) = serde_json::to_vec(&reply) {
        let _ = write_frame(conn, &json);
    }
    if result.is_err() {
        linger(conn);
    }
    result
}

/// After refusing an upload, the sender's bytes may still be arriving. Closing a
/// socket with unread bytes makes the kernel send a reset (RST) instead of a
/// normal FIN, and the reset can destroy our verdict before the sender reads it.
/// So: send FIN after the verdict, then read and throw away what still comes,
/// up to a bound, for a short while.
fn linger(conn: &mut TcpStream) {
    let _ = conn.shutdown(std::net::Shutdown::Write);
    let _ = conn.set_read_timeout(Some(LINGER_TIMEOUT));
    let _ = io::copy(&mut conn.take(LINGER_LIMIT), &mut io::sink());
}

fn receive_file<R: Read>(conn: &mut R, dir: &Path, max_size: u64) -> Result<Saved, UploadError> {
    // 1. The header: a frame of at most 64 KiB, JSON inside.
    // Python: header_len = struct.unpack('!I', conn.recv(4))[0]
    //         header = json.loads(conn.recv(header_len))
    let raw = read_frame(conn, MAX_HEADER_LEN).map_err(UploadError::Header)?;
    let header: Header =
        serde_json::from_slice(&raw).map_err(|e| UploadError::BadHeader(e.to_string()))?;
    validate_name(&header.filename).map_err(UploadError::BadHeader)?;
    if header.filesize > max_size {
        return Err(UploadError::BadHeader(format!(
            "{} bytes is more than this receiver accepts ({max_size} bytes)",
            header.filesize
        )));
    }
    if !is_sha256_hex(&header.sha256) {
        return Err(UploadError::BadHeader(
            "sha256 must be 64 lower-case hex digits".to_string(),
        ));
    }
    // 2. The body, into a hidden temporary file next to the final one (same
    //    file system, so the rename below is atomic).
    let target = dir.join(&header.filename);
    let temp_path = dir.join(format!(
        ".{}.part-{}-{}",
        header.filename,
        std::process::id(),
        UPLOAD_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&temp_path)?;
    let temp = TempFile {
        path: Some(temp_path),
    };
    let (got, digest) = receive_body(conn, file, header.filesize)?;
    // 3. Only a complete, intact file gets its real name.
    if got < header.filesize {
        return Err(UploadError::Truncated {
            expected: header.filesize,
            got,
        });
    }
    let digest = hex(&digest);
    // Comparing with `==` is fine here: the hash is not a secret (compare
    // chapter 7, where the HMAC is).
    if digest != header.sha256 {
        return Err(UploadError::BadHash {
            expected: header.sha256,
            got: digest,
        });
    }
    temp.persist(&target)?;
    Ok(Saved {
        path: target,
        size: got,
        sha256: digest,
    })
}
// ANCHOR_END: receive_one

// ANCHOR: receive_body
/// Reads exactly `size` bytes (or until the sender stops) and, at the same
/// time, hashes them on a second thread and writes them to `file` on a third.
/// Returns how many bytes arrived and their SHA-256.
///
/// A three-stage pipeline: reading the socket, hashing and writing each take
/// about the same time, and while one chunk is hashed the next is being read
/// and the previous one written. Buffers travel in a circle (reader → hasher →
/// writer → back to the reader), so memory stays at `2 * PIPELINE_DEPTH + 2`
/// chunks however large the file.
fn receive_body<R: Read>(conn: &mut R, file: File, size: u64) -> io::Result<(u64, [u8; 32])> {
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(PIPELINE_DEPTH);
    let (hashed_tx, hashed_rx) = mpsc::sync_channel::<Vec<u8>>(PIPELINE_DEPTH);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<u8>>(2 * PIPELINE_DEPTH + 2);
    for _ in 0..2 * PIPELINE_DEPTH + 2 {
        let _ = empty_tx.send(Vec::with_capacity(CHUNK));
    }
    // Stage 2: hash each chunk, pass it on.
    let hasher = thread::spawn(move || -> [u8; 32] {
        let mut hasher = Sha256::new();
        for chunk in full_rx {
            hasher.update(&chunk);
            if hashed_tx.send(chunk).is_err() {
                break; // the writer failed; it reports why
            }
        }
        hasher.finalize().into()
    });
    // Stage 3: write each chunk to the file, hand the buffer back to stage 1.
    let writer = thread::spawn(move || -> io::Result<()> {
        let mut file = file;
        for chunk in hashed_rx {
            file.write_all(&chunk)?;
            // The reader may have stopped early; then nobody takes buffers back.
            let _ = empty_tx.send(chunk);
        }
        file.flush()
    });
    // Stage 1, on this thread: read the socket.
    let mut got: u64 = 0;
    let mut read_error = None;
    while got < size {
        let Ok(mut chunk) = empty_rx.recv() else {
            break; // the writer failed; its error is reported below
        };
        let want = (size - got).min(CHUNK as u64) as usize;
        chunk.resize(want, 0);
        let n = match fill(conn, &mut chunk) {
            Ok(n) => n,
            Err(error) => {
                read_error = Some(error);
                break;
            }
        };
        chunk.truncate(n);
        got += n as u64;
        if n > 0 && full_tx.send(chunk).is_err() {
            break;
        }
        if n < want {
            break; // the sender closed early
        }
    }
    drop(full_tx);
    let digest = hasher
        .join()
        .map_err(|_| io::Error::other("the hashing thread panicked"))?;
    writer
        .join()
        .map_err(|_| io::Error::other("the writing thread panicked"))??;
    match read_error {
        Some(error) => Err(error),
        None => Ok((got, digest)),
    }
}
// ANCHOR_END: receive_body

/// Reads until `buf` is full or the stream ends; returns how much was read.
fn fill<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Everything `framing receive` needs.
#[derive(Debug)]
pub struct ReceiveConfig {
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub max_size: u64,
    pub secret: Option<Secret>,
    /// How long a sender may stay silent before it is dropped.
    pub timeout: Duration,
}

/// `framing receive`: accept uploads into a directory, one thread per sender.
pub fn run_receiver(config: ReceiveConfig) -> Result<(), Failure> {
    if !config.dir.is_dir() {
        return Err(Failure::usage(format!(
            "--dir {}: not a directory (create it first)",
            config.dir.display()
        )));
    }
    check_exposure(config.addr, config.secret.as_ref(), "accept files from")?;
    let listener = TcpListener::bind(config.addr).map_err(|e| Failure::bind(config.addr, e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::io("local address", e))?;
    announce(local).map_err(|e| Failure::io("writing to stdout", e))?;
    let secret = config.secret.map(Arc::new);
    let dir = Arc::new(config.dir);
    let slots = ClientSlots::default();
    for conn in listener.incoming() {
        let mut conn = match conn {
            Ok(conn) => conn,
            // A client that gave up before we accepted it, or a lack of file
            // descriptors: log it and go on serving the others.
            Err(error) => {
                eprintln!("accept failed: {error}");
                continue;
            }
        };
        let peer = conn
            .peer_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        let Some(slot) = slots.try_take(MAX_UPLOADS) else {
            eprintln!("{peer}: refused, already receiving {MAX_UPLOADS} files");
            continue;
        };
        let (secret, dir, max_size, timeout) = (
            secret.clone(),
            Arc::clone(&dir),
            config.max_size,
            config.timeout,
        );
        thread::spawn(move || {
            let _slot = slot;
            let _ = conn.set_read_timeout(Some(timeout));
            let _ = conn.set_write_timeout(Some(timeout));
            if let Some(secret) = secret {
                if let Err(error) = auth::server_handshake(&mut conn, &secret) {
                    eprintln!("{peer}: not authenticated: {error}");
                    return;
                }
            }
            match receive_one(&mut conn, &dir, max_size) {
                Ok(saved) => println!(
                    "{peer}: saved {} ({} bytes, sha256 {})",
                    saved.path.display(),
                    saved.size,
                    saved.sha256
                ),
                Err(error) => eprintln!("{peer}: {error}"),
            }
        });
    }
    Ok(())
}

/// The SHA-256 of a whole file, read in [`CHUNK`]s; `progress` is told after
/// each chunk.
pub fn hash_file(path: &Path, progress: &dyn Fn(u64)) -> io::Result<(u64, [u8; 32])> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = fill(&mut file, &mut buf)?;
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
    let size = fs::metadata(path)
        .map_err(|e| Failure::io(format!("reading {}", path.display()), e))?
        .len();

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
        auth::client_handshake(&mut conn, secret)
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
        let n = io::copy(&mut (&file).take(want), &mut conn).map_err(net)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "netlab-transfer-{tag}-{}-{}",
            std::process::id(),
            UPLOAD_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn upload(header: &[u8], body: &[u8]) -> Vec<u8> {
        let mut wire = Vec::new();
        write_frame(&mut wire, header).unwrap();
        wire.extend_from_slice(body);
        wire
    }

    fn header_for(name: &str, body: &[u8]) -> Vec<u8> {
        serde_json::to_vec(&Header {
            filename: name.to_string(),
            filesize: body.len() as u64,
            sha256: hex(&Sha256::digest(body)),
        })
        .unwrap()
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_good_upload_is_saved_under_its_name() {
        let dir = temp_dir("good");
        let body = b"hello file".repeat(1000);
        let wire = upload(&header_for("a.txt", &body), &body);
        let saved = receive_file(&mut &wire[..], &dir, u64::MAX).unwrap();
        assert_eq!(fs::read(dir.join("a.txt")).unwrap(), body);
        assert_eq!(saved.size, body.len() as u64);
        assert_eq!(entries(&dir), ["a.txt"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_truncated_upload_leaves_nothing() {
        let dir = temp_dir("short");
        let body = vec![7u8; 3 * CHUNK + 5];
        let wire = upload(&header_for("big.bin", &body), &body[..CHUNK + 3]);
        let error = receive_file(&mut &wire[..], &dir, u64::MAX).unwrap_err();
        assert!(matches!(error, UploadError::Truncated { got, .. } if got == CHUNK as u64 + 3));
        assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_bad_hash_leaves_nothing() {
        let dir = temp_dir("hash");
        let body = b"the real bytes".to_vec();
        let wire = upload(&header_for("x.txt", b"other bytes!!!"), &body);
        let error = receive_file(&mut &wire[..], &dir, u64::MAX).unwrap_err();
        assert!(matches!(error, UploadError::BadHash { .. }));
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn traversal_names_are_refused_before_anything_is_written() {
        let dir = temp_dir("names");
        for name in [
            "../escape",
            "/etc/passwd",
            "a/b",
            "..",
            ".",
            "",
            "a\0b",
            "c:\\x",
            "..\\up",
            ".hidden",
        ] {
            let wire = upload(&header_for(name, b"x"), b"x");
            let error = receive_file(&mut &wire[..], &dir, u64::MAX).unwrap_err();
            assert!(
                matches!(error, UploadError::BadHeader(_)),
                "{name:?}: {error}"
            );
        }
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn garbage_and_oversized_headers_are_refused() {
        let dir = temp_dir("garbage");
        let cases: Vec<Vec<u8>> = vec![
            upload(b"not json", b""),
            upload(br#"{"filename": "a"}"#, b""),
            upload(br#"{"filename": "a", "filesize": -1, "sha256": ""}"#, b""),
            upload(br#"{"filename": "a", "filesize": 1, "sha256": "zz"}"#, b"x"),
            b"\xff\xff\xff\xff".to_vec(),
            b"\x00\x00".to_vec(),
        ];
        for wire in cases {
            let error = receive_file(&mut &wire[..], &dir, u64::MAX).unwrap_err();
            assert!(
                matches!(error, UploadError::BadHeader(_) | UploadError::Header(_)),
                "{error}"
            );
        }
        let body = b"12345";
        let wire = upload(&header_for("big", body), body);
        let error = receive_file(&mut &wire[..], &dir, 4).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("more than this receiver accepts")
        );
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn names_python_would_send_are_fine() {
        for name in ["photo.jpg", "报告.pdf", "a b.txt", "v1.2.tar.gz"] {
            assert!(validate_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn empty_file_round_trips() {
        let dir = temp_dir("empty");
        let wire = upload(&header_for("empty", b""), b"");
        receive_file(&mut &wire[..], &dir, u64::MAX).unwrap();
        assert_eq!(fs::read(dir.join("empty")).unwrap(), b"");
        fs::remove_dir_all(dir).unwrap();
    }
}
