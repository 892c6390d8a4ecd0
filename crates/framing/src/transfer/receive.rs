//! The receiving side of the file transfer: `framing receive`.
//!
//! Nothing the sender says is trusted: the header must be a small JSON frame,
//! the name a plain file name, the size within the limit; the bytes go into a
//! hidden temporary file that gets its real name only when size and hash match
//! (the hash from the header, or from the trailer after the data: see
//! `trailer.rs`).

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use netlab_common::admission::{Admission, Limits, Refused, Ticket, WhenFull};
use netlab_common::deadline::{Deadline, RateFloor};
use netlab_common::serve::thread_per_client;

use super::pipeline::receive_body;
use super::{
    Header, LINGER_LIMIT, LINGER_TIMEOUT, MAX_HEADER_LEN, MAX_LINGERING, MAX_TRAILER_LEN, Reply,
    Trailer, hex, validate_name,
};
use crate::frame::{FrameError, read_frame, write_frame};
use crate::gate::{Gate, ListenError, listen};

/// Why an upload failed. The text goes back to the sender in `{"ok": false}`.
#[derive(Debug)]
pub enum UploadError {
    /// The header frame could not be read (closed, too large...).
    Header(FrameError),
    /// The header is not the JSON we expect, or its values are refused.
    BadHeader(String),
    /// The sender stopped before sending `expected` bytes.
    Truncated { expected: u64, got: u64 },
    /// The data arrived, but the trailer that should carry its hash did not.
    Trailer(FrameError),
    /// The trailer is not the JSON we expect.
    BadTrailer(String),
    /// The bytes arrived, but their hash is not the announced one.
    BadHash { expected: String, got: String },
    /// A file of that name is already there, and the receiver keeps it.
    Exists(String),
    /// Every upload slot is taken.
    Busy(Refused),
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
            UploadError::Trailer(error) => {
                write!(f, "no trailer after the data: {error}; nothing was saved")
            }
            UploadError::BadTrailer(why) => write!(f, "bad trailer: {why}; nothing was saved"),
            UploadError::BadHash { expected, got } => write!(
                f,
                "sha256 mismatch (announced {expected}, received {got}); nothing was saved"
            ),
            UploadError::Exists(name) => write!(
                f,
                "a file named {name:?} is already there and the receiver keeps it \
                 (it replaces files only with --overwrite); nothing was saved"
            ),
            UploadError::Busy(refused) => write!(f, "{refused}; try again later"),
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
    /// Gives the file its final name `target`. With `overwrite`, an existing file
    /// is replaced (atomically, by `rename`); without, the file gets a second name
    /// with `hard_link`, which fails if `target` exists — even if another upload
    /// created it a moment ago — and then the temporary name is removed.
    fn persist(mut self, target: &Path, overwrite: bool) -> Result<(), UploadError> {
        let Some(path) = self.path.take() else {
            return Ok(());
        };
        let named = if overwrite {
            fs::rename(&path, target)
        } else {
            fs::hard_link(&path, target)
        };
        let _ = fs::remove_file(&path);
        match named {
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Err(UploadError::Exists(
                target
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into(),
            )),
            other => Ok(other?),
        }
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
/// What a receiver accepts, and how patient it is.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Files larger than this are refused.
    pub max_size: u64,
    /// Replace a file that is already there (otherwise the upload is refused).
    pub overwrite: bool,
    /// The whole header must arrive within this time (one deadline, not per read).
    pub header_timeout: Duration,
    /// The body must arrive at least this many bytes per second, on average over
    /// every `rate_window`.
    pub min_rate: u64,
    pub rate_window: Duration,
}

impl Default for Rules {
    /// The defaults of `framing receive`.
    fn default() -> Rules {
        Rules {
            max_size: super::DEFAULT_MAX_FILE_SIZE,
            overwrite: false,
            header_timeout: super::HEADER_TIMEOUT,
            min_rate: super::MIN_RATE,
            rate_window: super::RATE_WINDOW,
        }
    }
}

/// Receives one upload from `conn` into `dir` and sends the verdict back. The
/// header must arrive within `rules.header_timeout`; then `ticket` is promoted
/// (a sender still in its header holds a pending slot, one sending its bytes a
/// served one) and the body must keep up `rules.min_rate`.
pub fn receive_one(
    conn: &mut TcpStream,
    dir: &Path,
    rules: &Rules,
    mut ticket: Ticket,
) -> Result<Saved, UploadError> {
    let result = receive_over_network(conn, dir, rules, &mut ticket);
    // The upload's fate is decided: its slot is free *before* the sender reads
    // the verdict, so a sender that sends again at once (the next file, or the
    // same one fixed) never meets its own finished upload in its address's share.
    // What is left — the verdict, and after a refusal a short lingering close —
    // is bounded on its own.
    drop(ticket);
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

fn receive_over_network(
    conn: &mut TcpStream,
    dir: &Path,
    rules: &Rules,
    ticket: &mut Ticket,
) -> Result<Saved, UploadError> {
    let header = read_header(
        &mut Deadline::after(conn, rules.header_timeout)?,
        dir,
        rules,
    )?;
    ticket.promote().map_err(UploadError::Busy)?;
    let received = {
        let mut body = RateFloor::new(conn, rules.min_rate, rules.rate_window)?;
        receive_body_into(&mut body, dir, &header)?
    };
    // With `--hash trailer` the hash comes now. It is a few dozen bytes, like
    // the header: it has the header's deadline.
    let expected = match header.sha256 {
        Some(sha256) => sha256,
        None => read_trailer(&mut Deadline::after(conn, rules.header_timeout)?)?,
    };
    received.name_if_intact(&expected, rules.overwrite)
}

/// After refusing an upload, the sender's bytes may still be arriving. Closing a
/// socket with unread bytes makes the kernel send a reset (RST) instead of a
/// normal FIN, and the reset can destroy our verdict before the sender reads it.
/// So: send FIN after the verdict, then read and throw away what still comes,
/// up to a bound, for a short while.
///
/// A lingering connection no longer holds a slot, so their number has a bound
/// of its own ([`MAX_LINGERING`]): past it, the connection is simply closed (a
/// sender flooding refusals may then lose a verdict to a reset, nobody else).
fn linger(conn: &mut TcpStream) {
    // The course's one slot counter (`admission`), with lingering slots only:
    // a ticket held while lingering, given back when it is dropped.
    static LINGERING: LazyLock<Admission> = LazyLock::new(|| {
        Admission::new(Limits {
            served: MAX_LINGERING,
            pending: MAX_LINGERING,
            per_address: MAX_LINGERING,
        })
    });
    let Ok(peer) = conn.peer_addr() else {
        return; // already gone
    };
    let Ok(_lingering) = LINGERING.admit(peer.ip()) else {
        return; // MAX_LINGERING connections linger already: close at once
    };
    let _ = conn.shutdown(std::net::Shutdown::Write);
    let _ = conn.set_read_timeout(Some(LINGER_TIMEOUT));
    let _ = io::copy(&mut conn.take(LINGER_LIMIT), &mut io::sink());
}

/// Reads and checks the header: a frame of at most 64 KiB, JSON inside, a plain
/// file name, a size within the limit, a well-formed hash or a trailer
/// announced, and no file of that name already there (unless the receiver
/// overwrites).
fn read_header<R: Read>(conn: &mut R, dir: &Path, rules: &Rules) -> Result<Header, UploadError> {
    // Python: header_len = struct.unpack('!I', conn.recv(4))[0]
    //         header = json.loads(conn.recv(header_len))
    let raw = read_frame(conn, MAX_HEADER_LEN).map_err(UploadError::Header)?;
    let header: Header =
        serde_json::from_slice(&raw).map_err(|e| UploadError::BadHeader(e.to_string()))?;
    validate_name(&header.filename).map_err(|why| UploadError::BadHeader(why.to_string()))?;
    if header.filesize > rules.max_size {
        return Err(UploadError::BadHeader(format!(
            "{} bytes is more than this receiver accepts ({} bytes)",
            header.filesize, rules.max_size
        )));
    }
    header.hash_placement().map_err(UploadError::BadHeader)?;
    // Checked now so the sender learns it before sending gigabytes; checked again
    // when the file gets its name (another upload may have taken it meanwhile).
    if !rules.overwrite && dir.join(&header.filename).exists() {
        return Err(UploadError::Exists(header.filename));
    }
    Ok(header)
}

/// The data, complete, in its temporary file: not yet checked against the hash.
#[derive(Debug)]
struct Received {
    temp: TempFile,
    target: PathBuf,
    size: u64,
    digest: [u8; 32],
}

/// Receives the body announced by `header` into a temporary file in `dir`;
/// fails if the sender stops early.
fn receive_body_into<R: Read>(
    conn: &mut R,
    dir: &Path,
    header: &Header,
) -> Result<Received, UploadError> {
    // The body goes into a hidden temporary file next to the final one (same
    // file system, so naming it at the end is atomic). Its name does not contain
    // the sender's name, so it is short whatever that name is: a 255-byte name,
    // the most a file system allows, still works.
    let target = dir.join(&header.filename);
    let temp_path = dir.join(format!(
        ".netlab-upload-{}-{}.part",
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
    if got < header.filesize {
        return Err(UploadError::Truncated {
            expected: header.filesize,
            got,
        });
    }
    Ok(Received {
        temp,
        target,
        size: got,
        digest,
    })
}

/// Reads the trailer frame (`--hash trailer`) and returns the hash it carries.
fn read_trailer<R: Read>(conn: &mut R) -> Result<String, UploadError> {
    let raw = read_frame(conn, MAX_TRAILER_LEN).map_err(UploadError::Trailer)?;
    let trailer = Trailer::parse(&raw).map_err(UploadError::BadTrailer)?;
    Ok(trailer.sha256)
}

impl Received {
    /// Only a complete, intact file gets its real name: if the data's hash is
    /// `expected`, the temporary file is renamed; if not, it is deleted.
    fn name_if_intact(self, expected: &str, overwrite: bool) -> Result<Saved, UploadError> {
        let digest = hex(&self.digest);
        // Comparing with `==` is fine here: the hash is not a secret (compare
        // chapter 7, where the HMAC is).
        if digest != expected {
            return Err(UploadError::BadHash {
                expected: expected.to_string(),
                got: digest,
            });
        }
        self.temp.persist(&self.target, overwrite)?;
        Ok(Saved {
            path: self.target,
            size: self.size,
            sha256: digest,
        })
    }
}

/// One whole upload from a reader (header, body, trailer if announced),
/// without deadlines.
#[cfg(test)]
fn receive_file<R: Read>(conn: &mut R, dir: &Path, rules: &Rules) -> Result<Saved, UploadError> {
    let header = read_header(conn, dir, rules)?;
    let received = receive_body_into(conn, dir, &header)?;
    let expected = match header.sha256 {
        Some(sha256) => sha256,
        None => read_trailer(conn)?,
    };
    received.name_if_intact(&expected, rules.overwrite)
}
// ANCHOR_END: receive_one

/// Everything `framing receive` needs.
#[derive(Debug)]
pub struct ReceiveConfig {
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub rules: Rules,
    pub limits: Limits,
    /// How long a sender may stay silent before it is dropped (each read and write
    /// of the verdict; the header has its own deadline, the body its rate).
    pub timeout: Duration,
    /// What each sender must pass before its header. Without a gate the
    /// receiver listens on loopback only.
    pub gate: Option<Box<dyn Gate>>,
}

/// `framing receive`: accept uploads into a directory, one thread per sender.
/// Returns only if it cannot start.
pub fn run_receiver(config: ReceiveConfig) -> Result<(), ReceiverError> {
    if !config.dir.is_dir() {
        return Err(ReceiverError::NotADirectory(config.dir));
    }
    let listener = listen(
        config.addr,
        config.gate.as_deref(),
        "accept files from",
        "auth receive",
    )?;
    // The closure below is shared by every client's thread; it owns these.
    let (gate, dir, rules, timeout) = (config.gate, config.dir, config.rules, config.timeout);
    // When every slot is taken, a sender is refused at once and can try again,
    // instead of waiting with its file unsent.
    let when_full = WhenFull::Refuse;
    thread_per_client(
        &listener,
        config.limits,
        when_full,
        move |mut conn, peer, ticket| {
            let _ = conn.set_read_timeout(Some(timeout));
            let _ = conn.set_write_timeout(Some(timeout));
            if let Some(gate) = &gate
                && let Err(why) = gate.let_in(&conn)
            {
                eprintln!("{peer}: {why}");
                return;
            }
            match receive_one(&mut conn, &dir, &rules, ticket) {
                Ok(saved) => println!(
                    "{peer}: saved {} ({} bytes, sha256 {})",
                    saved.path.display(),
                    saved.size,
                    saved.sha256
                ),
                Err(error) => eprintln!("{peer}: {error}"),
            }
        },
    );
    Ok(())
}

/// Why `framing receive` could not start.
#[derive(Debug)]
pub enum ReceiverError {
    /// `--dir` is not a directory.
    NotADirectory(PathBuf),
    /// The receiver could not listen.
    Listen(ListenError),
}

impl fmt::Display for ReceiverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReceiverError::NotADirectory(dir) => write!(
                f,
                "--dir {}: not a directory (create it first)",
                dir.display()
            ),
            ReceiverError::Listen(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ReceiverError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReceiverError::NotADirectory(_) => None,
            ReceiverError::Listen(error) => Some(error),
        }
    }
}

impl From<ListenError> for ReceiverError {
    fn from(error: ListenError) -> ReceiverError {
        ReceiverError::Listen(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::{CHUNK, MAX_TRAILER_LEN};
    use sha2::{Digest, Sha256};

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "netlab-transfer-{tag}-{}-{}",
            std::process::id(),
            UPLOAD_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn rules(max_size: u64) -> Rules {
        Rules {
            max_size,
            overwrite: false,
            min_rate: 1,
            ..Rules::default()
        }
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
            sha256: Some(hex(&Sha256::digest(body))),
            trailer: None,
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
        let saved = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap();
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
        let error = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap_err();
        assert!(matches!(error, UploadError::Truncated { got, .. } if got == CHUNK as u64 + 3));
        assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_bad_hash_leaves_nothing() {
        let dir = temp_dir("hash");
        let body = b"the real bytes".to_vec();
        let wire = upload(&header_for("x.txt", b"other bytes!!!"), &body);
        let error = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap_err();
        assert!(matches!(error, UploadError::BadHash { .. }));
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn traversal_names_are_refused_before_anything_is_written() {
        let dir = temp_dir("names");
        for name in crate::transfer::tests::REFUSED_NAMES {
            let wire = upload(&header_for(name, b"x"), b"x");
            let error = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap_err();
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
            let error = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap_err();
            assert!(
                matches!(error, UploadError::BadHeader(_) | UploadError::Header(_)),
                "{error}"
            );
        }
        let body = b"12345";
        let wire = upload(&header_for("big", body), body);
        let error = receive_file(&mut &wire[..], &dir, &rules(4)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("more than this receiver accepts")
        );
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn empty_file_round_trips() {
        let dir = temp_dir("empty");
        let wire = upload(&header_for("empty", b""), b"");
        receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap();
        assert_eq!(fs::read(dir.join("empty")).unwrap(), b"");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_existing_file_is_kept_unless_the_receiver_overwrites() {
        let dir = temp_dir("exists");
        fs::write(dir.join("notes.txt"), b"mine").unwrap();
        let wire = upload(&header_for("notes.txt", b"theirs"), b"theirs");
        let error = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap_err();
        assert!(matches!(error, UploadError::Exists(_)), "{error}");
        assert_eq!(fs::read(dir.join("notes.txt")).unwrap(), b"mine");
        assert_eq!(entries(&dir), ["notes.txt"]);
        let overwrite = Rules {
            overwrite: true,
            ..rules(u64::MAX)
        };
        receive_file(&mut &wire[..], &dir, &overwrite).unwrap();
        assert_eq!(fs::read(dir.join("notes.txt")).unwrap(), b"theirs");
        fs::remove_dir_all(dir).unwrap();
    }

    /// `--hash trailer` on the wire: the header with `"sha256": null`, the
    /// body, then `trailer` framed like the header.
    fn trailer_upload(name: &str, body: &[u8], trailer: &[u8]) -> Vec<u8> {
        let header = Header::with_trailer(name.to_string(), body.len() as u64);
        let mut wire = upload(&serde_json::to_vec(&header).unwrap(), body);
        write_frame(&mut wire, trailer).unwrap();
        wire
    }

    fn trailer_for(body: &[u8]) -> Vec<u8> {
        format!(r#"{{"sha256":"{}"}}"#, hex(&Sha256::digest(body))).into_bytes()
    }

    #[test]
    fn a_trailer_upload_is_saved_when_the_trailer_matches() {
        let dir = temp_dir("trailer");
        let body = b"one pass".repeat(300_000);
        let wire = trailer_upload("t.bin", &body, &trailer_for(&body));
        let saved = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap();
        assert_eq!(fs::read(dir.join("t.bin")).unwrap(), body);
        assert_eq!(saved.sha256, hex(&Sha256::digest(&body)));
        assert_eq!(entries(&dir), ["t.bin"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_byte_changed_on_the_way_with_a_trailer_leaves_nothing() {
        let dir = temp_dir("trailer-flip");
        let body = vec![42u8; 2 * CHUNK + 7];
        let mut changed = body.clone();
        changed[CHUNK + 1] ^= 0x01;
        let wire = trailer_upload("flip.bin", &changed, &trailer_for(&body));
        let error = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap_err();
        assert!(matches!(error, UploadError::BadHash { .. }), "{error}");
        assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_wrong_cut_or_garbage_trailer_leaves_nothing() {
        let dir = temp_dir("trailer-bad");
        let body = b"the data".to_vec();
        let good = trailer_upload("x.bin", &body, &trailer_for(&body));
        let cut_in_the_trailer = good[..good.len() - 10].to_vec();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                trailer_upload("x.bin", &body, &trailer_for(b"other")),
                "sha256 mismatch",
            ),
            (cut_in_the_trailer, "no trailer"),
            (
                upload(
                    &serde_json::to_vec(&Header::with_trailer("x.bin".into(), 8)).unwrap(),
                    &body,
                ),
                "no trailer",
            ),
            (trailer_upload("x.bin", &body, b"garbage"), "bad trailer"),
            (
                trailer_upload("x.bin", &body, br#"{"sha256":"ABC"}"#),
                "bad trailer",
            ),
        ];
        for (wire, why) in cases {
            let error = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap_err();
            assert!(error.to_string().contains(why), "{why}: {error}");
            assert!(error.to_string().contains("nothing was saved"), "{error}");
            assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
        }
        // A trailer of more than MAX_TRAILER_LEN bytes is refused unread.
        let mut wire = trailer_upload("x.bin", &body, b"");
        let at = wire.len() - 4;
        wire[at..].copy_from_slice(&(MAX_TRAILER_LEN as u32 + 1).to_be_bytes());
        let error = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap_err();
        assert!(
            matches!(error, UploadError::Trailer(FrameError::TooLarge { .. })),
            "{error}"
        );
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    /// A trailer header is checked like any header: the size limit and an
    /// existing file refuse it before any data.
    #[test]
    fn a_trailer_header_meets_the_same_rules() {
        let dir = temp_dir("trailer-rules");
        let body = b"12345";
        let wire = trailer_upload("big", body, &trailer_for(body));
        let error = receive_file(&mut &wire[..], &dir, &rules(4)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("more than this receiver accepts"),
            "{error}"
        );
        fs::write(dir.join("mine"), b"kept").unwrap();
        let wire = trailer_upload("mine", body, &trailer_for(body));
        let error = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap_err();
        assert!(matches!(error, UploadError::Exists(_)), "{error}");
        assert_eq!(fs::read(dir.join("mine")).unwrap(), b"kept");
        fs::remove_dir_all(dir).unwrap();
    }

    /// 241 to 255 bytes used to pass the name check and then fail, because the
    /// temporary name added to them.
    #[test]
    fn names_up_to_255_bytes_are_saved_longer_ones_refused() {
        let dir = temp_dir("long");
        for len in [241, 254, 255] {
            let name = "n".repeat(len);
            let wire = upload(&header_for(&name, b"x"), b"x");
            receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap();
            assert_eq!(fs::read(dir.join(&name)).unwrap(), b"x");
        }
        let wire = upload(&header_for(&"n".repeat(256), b"x"), b"x");
        let error = receive_file(&mut &wire[..], &dir, &rules(u64::MAX)).unwrap_err();
        assert!(matches!(error, UploadError::BadHeader(_)), "{error}");
        fs::remove_dir_all(dir).unwrap();
    }
}
