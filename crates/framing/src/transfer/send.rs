//! The sending side of the file transfer: `framing send`, with the hash in
//! the header (the course's protocol) or in a trailer (`--hash trailer`).

use std::fmt;
use std::fs::{self, File};
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use netlab_common::cli::humanize_duration;
use netlab_common::stream::read_full;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{
    CHUNK, HashPlacement, Header, MAX_REPLY_LEN, NameRefused, Reply, SEND_STEP, Trailer, hex,
    validate_name,
};
use crate::frame::{read_frame, write_frame};

/// The SHA-256 of a whole file, read in [`CHUNK`]s; `progress` is told after
/// each chunk.
pub fn hash_file(path: &Path, progress: &dyn Fn(u64)) -> io::Result<(u64, [u8; 32])> {
    hash_until(path, &AtomicBool::new(false), progress)
}

/// [`hash_file`], giving up (with an error) once `stop` is set.
fn hash_until(
    path: &Path,
    stop: &AtomicBool,
    progress: &dyn Fn(u64),
) -> io::Result<(u64, [u8; 32])> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(io::Error::other("hashing stopped: the send failed"));
        }
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
    /// Where the hash went: `header` or `trailer`.
    pub hash: HashPlacement,
    pub seconds: f64,
}

impl fmt::Display for SendReport {
    /// The line `framing send` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let after = match self.hash {
            HashPlacement::Header => "",
            HashPlacement::Trailer => " in a trailer",
        };
        write!(
            f,
            "sent {} ({} bytes, sha256 {}{after}) in {:.3}s: the receiver verified it",
            self.filename, self.filesize, self.sha256, self.seconds
        )
    }
}

/// Everything `framing send` needs.
#[derive(Debug, Clone)]
pub struct SendConfig {
    pub addr: SocketAddr,
    pub path: PathBuf,
    pub timeout: Duration,
    /// Draw progress bars (only on a terminal).
    pub progress: bool,
    /// In the header (the course's protocol) or in a trailer after the data.
    pub hash: HashPlacement,
}

/// A file checked (and hashed, if the hash goes in the header), ready to be
/// sent: its path and its header.
#[derive(Debug, Clone)]
pub struct Prepared {
    path: PathBuf,
    header: Header,
}

impl Prepared {
    /// What the receiver will be told: name, size, and the hash or that a
    /// trailer will carry it.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The report of this file's send, which began at `started`; `sha256` is
    /// what [`transmit`] returned.
    pub fn report(&self, started: Instant, sha256: String) -> SendReport {
        SendReport {
            filename: self.header.filename.clone(),
            filesize: self.header.filesize,
            sha256,
            hash: match self.header.sha256 {
                Some(_) => HashPlacement::Header,
                None => HashPlacement::Trailer,
            },
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

// ANCHOR: send_file
/// `framing send`: check the file (and hash it, for the header), connect, send
/// the header and the bytes (and the trailer), read the verdict.
pub fn send_file(config: &SendConfig) -> Result<SendReport, SendError> {
    let started = Instant::now();
    let file = prepare(&config.path, config.hash, config.progress)?;
    let mut conn = connect(config.addr, config.timeout)?;
    let sha256 = transmit(&mut conn, &file, config)?;
    Ok(file.report(started, sha256))
}

/// Checks that `path` is a regular file with a name the receiver accepts. For
/// the course's protocol it also hashes the file: the header carries the hash,
/// so the sender reads the file twice, once to hash it and once to send it.
/// With [`HashPlacement::Trailer`] the header only says that a trailer follows.
pub fn prepare(path: &Path, hash: HashPlacement, progress: bool) -> Result<Prepared, SendError> {
    let filename = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| SendError::NoFileName(path.to_path_buf()))?
        .to_string();
    validate_name(&filename).map_err(SendError::BadName)?;
    let read_error = |error| SendError::Read {
        path: path.to_path_buf(),
        error,
    };
    let metadata = fs::metadata(path).map_err(read_error)?;
    // A directory cannot be sent, and a device such as /dev/zero has no size and
    // would be hashed forever: only regular files have a `filesize`.
    if !metadata.is_file() {
        return Err(SendError::NotARegularFile(path.to_path_buf()));
    }
    let size = metadata.len();
    let header = match hash {
        HashPlacement::Trailer => Header::with_trailer(filename, size),
        HashPlacement::Header => {
            let bar = progress_bar(progress, size, "hashing");
            let (hashed, digest) = hash_file(path, &|n| bar.inc(n)).map_err(read_error)?;
            bar.finish_and_clear();
            if hashed != size {
                return Err(SendError::Changed(path.to_path_buf()));
            }
            Header {
                filename,
                filesize: size,
                sha256: Some(hex(&digest)),
                trailer: None,
            }
        }
    };
    Ok(Prepared {
        path: path.to_path_buf(),
        header,
    })
}

/// Connects to the receiver, with `timeout` on every read and write.
pub fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, SendError> {
    let conn = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|error| SendError::Connect { addr, error })?;
    conn.set_read_timeout(Some(timeout))
        .and_then(|()| conn.set_write_timeout(Some(timeout)))
        .map_err(|error| network_error(addr, timeout, error))?;
    Ok(conn)
}

/// Sends `file`'s header and bytes (and, with `--hash trailer`, the trailer)
/// over `conn` and reads the receiver's verdict. Returns the file's SHA-256.
pub fn transmit(
    conn: &mut TcpStream,
    file: &Prepared,
    config: &SendConfig,
) -> Result<String, SendError> {
    let addr = config.addr;
    let net = |error| network_error(addr, config.timeout, error);
    // Python: header_bytes = json.dumps(header).encode('utf-8')
    //         conn.sendall(struct.pack('!I', len(header_bytes)) + header_bytes)
    let json = serde_json::to_vec(&file.header).map_err(SendError::Encode)?;
    write_frame(conn, &json).map_err(net)?;

    let sha256 = match &file.header.sha256 {
        // The course's protocol: the hash went in the header.
        Some(sha256) => {
            send_body(conn, file, config)?;
            sha256.clone()
        }
        // `--hash trailer`: a second thread hashes the file while this one
        // sends it, then the hash goes out after the data.
        None => {
            let digest = send_while_hashing(conn, file, config)?;
            let trailer = Trailer::new(&digest);
            trailer.write_to(conn).map_err(net)?;
            trailer.sha256
        }
    };

    // The verdict.
    let reply = read_frame(conn, MAX_REPLY_LEN).map_err(|e| net(e.into()))?;
    let reply: Reply =
        serde_json::from_slice(&reply).map_err(|error| SendError::NotAVerdict { addr, error })?;
    if !reply.ok {
        return Err(refused(addr, &file.header, reply.error.unwrap_or_default()));
    }
    Ok(sha256)
}

/// Sends the file's bytes over `conn`: in steps of [`SEND_STEP`], so the
/// progress bar moves, each with sendfile(2) (see [`send_part`]).
fn send_body(conn: &mut TcpStream, file: &Prepared, config: &SendConfig) -> Result<(), SendError> {
    let (addr, size) = (config.addr, file.header.filesize);
    let body = File::open(&file.path).map_err(|error| SendError::Read {
        path: file.path.clone(),
        error,
    })?;
    let bar = progress_bar(config.progress, size, "sending");
    let mut sent = 0u64;
    while sent < size {
        let want = (size - sent).min(SEND_STEP);
        let n = match send_part(&body, conn, want) {
            Ok(n) => n,
            // The receiver may have refused the file from its header alone (too
            // large, say) and closed: its verdict is waiting in our receive
            // buffer, and it explains the failed write better than "broken pipe".
            Err(error) => {
                let net = network_error(addr, config.timeout, error);
                return Err(early_verdict(conn, addr, &file.header).unwrap_or(net));
            }
        };
        if n == 0 {
            return Err(SendError::Shrank(file.path.clone()));
        }
        sent += n;
        bar.inc(n);
    }
    bar.finish_and_clear();
    Ok(())
}

/// Sends up to `len` bytes of `file`, from its current position, into `conn`;
/// returns how many went (0 at the end of the file).
///
/// On Linux with sendfile(2): the kernel hands the file's pages from the page
/// cache to the socket without copying them through our memory. std's
/// `io::copy` used to do that for a file and a socket, and no longer does:
/// until the peer has the bytes, a page changed by another program could still
/// go out changed. Here the receiver hashes what arrives and refuses a file
/// whose hash is not the announced one, so that risk is covered.
#[cfg(target_os = "linux")]
pub(crate) fn send_part(file: &File, conn: &TcpStream, len: u64) -> io::Result<u64> {
    let mut sent = 0u64;
    while sent < len {
        let want = usize::try_from(len - sent).unwrap_or(usize::MAX);
        match nix::sys::sendfile::sendfile(conn, file, None, want) {
            Ok(0) => break,
            Ok(n) => sent += n as u64,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(errno) => return Err(errno.into()),
        }
    }
    Ok(sent)
}

/// Elsewhere: `io::copy`, through a buffer in our memory.
#[cfg(not(target_os = "linux"))]
pub(crate) fn send_part(file: &File, mut conn: &TcpStream, len: u64) -> io::Result<u64> {
    io::copy(&mut io::Read::take(file, len), &mut conn)
}

/// `--hash trailer`: [`send_body`] on this thread while a second one reads and
/// hashes the file. The kernel sends from the page cache (no copy through our
/// memory) and the hash reads the same pages: on two cores the two overlap,
/// and sending takes about as long as hashing alone.
///
/// The hash is of the file as the hashing thread read it; the receiver hashes
/// what it received. If the file changes during the send, the two can differ:
/// the receiver then refuses it, which is what should happen.
fn send_while_hashing(
    conn: &mut TcpStream,
    file: &Prepared,
    config: &SendConfig,
) -> Result<[u8; 32], SendError> {
    let stop = AtomicBool::new(false);
    let (sent, hashed) = thread::scope(|scope| {
        let hashing = scope.spawn(|| hash_until(&file.path, &stop, &|_| {}));
        let sent = send_body(conn, file, config);
        // A failed send needs no hash: tell the hashing thread to stop.
        stop.store(sent.is_err(), Ordering::Relaxed);
        let hashed = hashing
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the hashing thread panicked")));
        (sent, hashed)
    });
    sent?;
    let (size, digest) = hashed.map_err(|error| SendError::Read {
        path: file.path.clone(),
        error,
    })?;
    if size != file.header.filesize {
        return Err(SendError::Changed(file.path.clone()));
    }
    Ok(digest)
}
// ANCHOR_END: send_file

/// A failed read or write on the connection: a timeout, or another error.
fn network_error(addr: SocketAddr, timeout: Duration, error: io::Error) -> SendError {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => SendError::Timeout { addr, timeout },
        _ => SendError::Io {
            doing: format!("sending to {addr}"),
            error,
        },
    }
}

/// After a failed write: the receiver's refusal, if it sent one before closing.
fn early_verdict(conn: &mut TcpStream, addr: SocketAddr, header: &Header) -> Option<SendError> {
    let reply = read_frame(conn, MAX_REPLY_LEN).ok()?;
    let reply: Reply = serde_json::from_slice(&reply).ok()?;
    (!reply.ok).then(|| refused(addr, header, reply.error.unwrap_or_default()))
}

/// The receiver's refusal. A receiver older than trailers refuses a trailer
/// header because its `sha256` is `null` (serde's words: `invalid type: null,
/// expected a string`): that one gets its own error, which says what to do.
fn refused(addr: SocketAddr, header: &Header, why: String) -> SendError {
    if header.sha256.is_none() && why.contains("invalid type: null") {
        SendError::NoTrailers { addr, why }
    } else {
        SendError::Refused { addr, why }
    }
}

/// Why a file was not sent.
#[derive(Debug)]
pub enum SendError {
    /// The path ends in no file name we can send (`..`, `/`, not UTF-8).
    NoFileName(PathBuf),
    /// The file's name is one the receiver would refuse.
    BadName(NameRefused),
    /// A directory or a device, not a regular file.
    NotARegularFile(PathBuf),
    /// The file could not be read.
    Read { path: PathBuf, error: io::Error },
    /// The file grew or shrank while it was hashed.
    Changed(PathBuf),
    /// The file shrank while it was sent.
    Shrank(PathBuf),
    /// The receiver could not be reached.
    Connect { addr: SocketAddr, error: io::Error },
    /// The receiver took longer than `timeout` to take our bytes or answer.
    Timeout { addr: SocketAddr, timeout: Duration },
    /// The header could not be encoded as JSON.
    Encode(serde_json::Error),
    /// The receiver answered something that is not a verdict.
    NotAVerdict {
        addr: SocketAddr,
        error: serde_json::Error,
    },
    /// The receiver refused the file, and said why.
    Refused { addr: SocketAddr, why: String },
    /// The receiver refused a trailer header the way a receiver older than
    /// `--hash trailer` does.
    NoTrailers { addr: SocketAddr, why: String },
    /// Anything else the operating system reported: what we were doing, and why.
    Io { doing: String, error: io::Error },
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::NoFileName(path) => {
                write!(f, "{}: not a file name we can send", path.display())
            }
            SendError::BadName(why) => why.fmt(f),
            SendError::NotARegularFile(path) => write!(
                f,
                "{}: not a regular file (a directory or a device cannot be sent)",
                path.display()
            ),
            SendError::Read { path, error } => write!(f, "reading {}: {error}", path.display()),
            SendError::Changed(path) => write!(f, "{} changed while we read it", path.display()),
            SendError::Shrank(path) => write!(f, "{} shrank while we sent it", path.display()),
            SendError::Connect { addr, error } => write!(f, "cannot reach {addr}: {error}"),
            SendError::Timeout { addr, timeout } => {
                write!(
                    f,
                    "no reply from {addr} within {}",
                    humanize_duration(*timeout)
                )
            }
            SendError::Encode(error) => write!(f, "{error}"),
            SendError::NotAVerdict { addr, error } => write!(
                f,
                "{addr} answered something that is not a verdict: {error}"
            ),
            SendError::Refused { addr, why } => write!(f, "{addr} refused the file: {why}"),
            SendError::NoTrailers { addr, why } => write!(
                f,
                "{addr} refused the file: {why} (a receiver older than --hash trailer \
                 cannot read its header; send with --hash header)"
            ),
            SendError::Io { doing, error } => write!(f, "{doing}: {error}"),
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::Read { error, .. }
            | SendError::Connect { error, .. }
            | SendError::Io { error, .. } => Some(error),
            SendError::Encode(error) | SendError::NotAVerdict { error, .. } => Some(error),
            SendError::BadName(why) => Some(why),
            _ => None,
        }
    }
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
