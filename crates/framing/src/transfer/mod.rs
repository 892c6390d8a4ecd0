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
//! That is the course's protocol (`framing send`, and the tutorial's
//! `file_send.py`): the sender must read the whole file to hash it *before* the
//! header goes out, then read it again to send it. `framing send --hash
//! trailer` reads it once: the header says the hash will follow the data, and a
//! second frame, the trailer, carries it:
//!
//! ```text
//!   | -- frame: {"filename","filesize","sha256":null,"trailer":"sha256"} --> |
//!   | -- exactly filesize raw bytes (hashed while they are sent) ---------> |
//!   | -- frame: {"sha256": "..."} ----------------------------------------> |  the trailer
//!   | <-- frame: {"ok": true} or {"ok": false, ...} ----------------------- |
//! ```
//!
//! ```text
//! $ framing receive --dir /tmp/inbox     # terminal 1 (127.0.0.1:8889)
//! $ framing send ./photo.jpg             # terminal 2
//! $ framing send --hash trailer ./photo.jpg
//! ```
//!
//! - [`receive`]: the receiver (`framing receive`): checks, temporary file,
//!   rename; it reads both kinds of header.
//! - [`send`]: the sender (`framing send`): hash, header, `sendfile`, verdict;
//!   or header, `sendfile` and hashing at once, trailer, verdict.
//! - [`trailer`]: the trailer's protocol, and why it is shaped so.
//! - `pipeline.rs`: the machinery that lets the receiver read, hash and write
//!   at the same time.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub mod receive;
pub mod send;
pub mod trailer;

// Machinery behind the receiver, apart from the lesson.
mod pipeline;

pub use receive::{
    ReceiveConfig, ReceiverError, Rules, Saved, UploadError, receive_one, run_receiver,
};
pub use send::{Prepared, SendConfig, SendError, SendReport, hash_file, send_file};

pub use trailer::{HashPlacement, MAX_TRAILER_LEN, TRAILER_HASH, Trailer};

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
/// (`2 * PIPELINE_DEPTH + 2` chunks, 10 MiB per upload, whatever the file size).
pub const CHUNK: usize = 1 << 20;

/// How many chunks may wait between two stages of the receiver's pipeline
/// (reading the socket → hashing → writing the file), which run at the same time.
pub const PIPELINE_DEPTH: usize = 4;

/// After a refusal, at most this many bytes (and for at most this long) are
/// read and dropped so that the connection closes cleanly (see `linger`).
pub(crate) const LINGER_LIMIT: u64 = 4 << 20;
pub(crate) const LINGER_TIMEOUT: Duration = Duration::from_secs(1);

/// At most this many refused connections linger at once (each holds a thread for
/// up to [`LINGER_TIMEOUT`], but no longer a slot); others are closed at once.
pub(crate) const MAX_LINGERING: usize = 16;

/// The sender hands the kernel this much per `sendfile` round (8 MiB), then
/// moves the progress bar: small enough for a smooth bar, large enough that the
/// rounds cost nothing.
pub(crate) const SEND_STEP: u64 = 8 << 20;

/// At most this many uploads run at once (one thread each, plus a hashing one).
/// As many again may be sending their header (pending), and one address may hold
/// a quarter of them (see `netlab_common::admission`).
pub const MAX_UPLOADS: usize = 8;

/// The whole header (and the HMAC answer, with a secret) must arrive within this
/// time: one deadline, not one per read, so a sender trickling a byte at a time
/// cannot hold a slot.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The slowest upload accepted, on average over every [`RATE_WINDOW`]: 64 KiB/s.
/// A phone line is faster; a sender that drips bytes to hold a slot is not.
pub const MIN_RATE: u64 = 64 * 1024;

/// The window over which [`MIN_RATE`] is averaged.
pub const RATE_WINDOW: Duration = Duration::from_secs(10);
// ANCHOR_END: constants

/// The header the sender writes first (Python: `json.dumps(header).encode()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// A plain file name: no directory, no `..`.
    pub filename: String,
    /// Exactly how many bytes follow the header.
    pub filesize: u64,
    /// The SHA-256 of those bytes, 64 lower-case hex digits; `null` when a
    /// trailer carries it (`--hash trailer`, see `trailer.rs`).
    pub sha256: Option<String>,
    /// `"sha256"` when the hash follows the data in a trailer; absent from the
    /// course's header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailer: Option<String>,
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
/// use framing::transfer::{NameRefused, validate_name};
/// assert!(validate_name("photo.jpg").is_ok());
/// assert!(matches!(validate_name("../../etc/passwd"), Err(NameRefused::Separator(_))));
/// assert!(validate_name("/etc/passwd").is_err());
/// ```
pub fn validate_name(name: &str) -> Result<(), NameRefused> {
    let owned = || name.to_string();
    if name.is_empty() {
        return Err(NameRefused::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameRefused::TooLong(owned()));
    }
    if name.contains(['/', '\\']) {
        return Err(NameRefused::Separator(owned()));
    }
    if name.contains("..") || name == "." {
        return Err(NameRefused::Dots(owned()));
    }
    if name
        .chars()
        .any(|c| c.is_control() || netlab_common::peer_text::is_unsafe(c))
    {
        return Err(NameRefused::Control(owned()));
    }
    if name.contains(':') {
        return Err(NameRefused::Colon(owned()));
    }
    if name.starts_with('.') {
        return Err(NameRefused::Hidden(owned()));
    }
    Ok(())
}
// ANCHOR_END: validate_name

/// Why [`validate_name`] refused a name (each variant holds the name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameRefused {
    /// No name at all.
    Empty,
    /// Longer than [`MAX_NAME_LEN`] bytes.
    TooLong(String),
    /// A `/` or `\`: a directory, or an absolute path.
    Separator(String),
    /// `.` or `..`, which could lead out of the directory.
    Dots(String),
    /// Control characters, or text-direction controls.
    Control(String),
    /// A `:`, which names a drive or a stream on Windows.
    Colon(String),
    /// A leading `.`: reserved for unfinished uploads.
    Hidden(String),
}

impl std::fmt::Display for NameRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (name, why) = match self {
            NameRefused::Empty => ("", "empty"),
            NameRefused::TooLong(name) => (name.as_str(), "longer than 255 bytes"),
            NameRefused::Separator(name) => (
                name.as_str(),
                "it contains a path separator; send a plain file name",
            ),
            NameRefused::Dots(name) => (
                name.as_str(),
                "'.' and '..' could lead out of the directory",
            ),
            NameRefused::Control(name) => (
                name.as_str(),
                "it contains control characters (NUL, newline...) or text-direction \
                 controls (U+202E...) that make a name read differently from what it is",
            ),
            NameRefused::Colon(name) => (name.as_str(), "':' names a drive or a stream on Windows"),
            NameRefused::Hidden(name) => (
                name.as_str(),
                "hidden names (starting with '.') are reserved for unfinished uploads",
            ),
        };
        write!(f, "file name {name:?} refused: {why}")
    }
}

impl std::error::Error for NameRefused {}

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

pub(crate) fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_python_would_send_are_fine() {
        for name in ["photo.jpg", "报告.pdf", "a b.txt", "v1.2.tar.gz"] {
            assert!(validate_name(name).is_ok(), "{name}");
        }
    }

    /// Names a sender may try that must never become a file in the directory.
    pub(crate) const REFUSED_NAMES: [&str; 10] = [
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
    ];

    #[test]
    fn traversal_and_odd_names_are_refused() {
        for name in REFUSED_NAMES {
            assert!(validate_name(name).is_err(), "{name:?}");
        }
    }
}
