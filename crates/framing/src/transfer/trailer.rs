//! `framing send --hash trailer`: the SHA-256 after the data instead of before it.
//!
//! In the course's protocol the header carries the file's SHA-256, so the
//! sender reads the whole file once to hash it, and only then sends the header
//! and reads the file a second time to send it. With the hash in a *trailer*,
//! a frame after the data, the sender sends the header at once and hashes the
//! file while the kernel sends it: one pass, and the hashing overlaps with the
//! transfer instead of coming before it. HTTP/1.1 has the same idea (trailer
//! fields after a chunked body, e.g. a checksum computed while streaming).
//!
//! Three decisions, and why:
//!
//! 1. **The header keeps the course's shape**: the same three fields, plus one.
//!    `"sha256"` is `null` (not known yet) and `"trailer": "sha256"` says what
//!    the trailer will carry:
//!
//!    ```text
//!    {"filename": "photo.jpg", "filesize": 52344, "sha256": null, "trailer": "sha256"}
//!    ```
//!
//!    A new field alone would not do: JSON readers ignore fields they do not
//!    know, so a receiver older than trailers would read the data, find no hash
//!    to check... An old receiver must *refuse* such a header, and the `null`
//!    is what makes it: every old receiver requires a string there.
//!    `framing receive` before this mode refuses at once, before any data
//!    (`bad header: invalid type: null, expected a string`); the Rust listing
//!    `examples/file_receive.rs` stops with the same error before it creates
//!    a file; the tutorial's `file_receive.py` compares its hash with `None`,
//!    answers `truncated or sha256 mismatch` and removes its temporary file.
//!    None of them saves anything. (Leaving `sha256` out would also stop the
//!    Rust ones, but `file_receive.py` would crash with a `KeyError` *after*
//!    writing its temporary file, and leave it behind.)
//!
//! 2. **The trailer is framed like the header**: a 4-byte big-endian length,
//!    then JSON, `{"sha256": "<64 hex digits>"}`. Fixed 32 raw bytes would be
//!    the smallest trailer, but the frame costs 49 bytes more per file and buys
//!    a lot: the receiver reads it with the same `read_frame` and the same
//!    small maximum as the header, a trailer cut short is the same "closed in
//!    the middle of a frame" error as a header cut short, Python writes it
//!    with the same two lines as the header, it names what it carries (a
//!    `--trace` of the connection shows readable text), and it could carry
//!    another field one day without a new framing.
//!
//! 3. **The receiver keeps every rule**: the header's deadline, the size
//!    limit, no overwriting and the per-address share are checked when the
//!    header arrives, exactly as before; the body must keep up the minimum
//!    rate; the trailer, a few dozen bytes like the header, must arrive within
//!    the header's deadline once the data is in. And the file is renamed into
//!    place only after the trailer matched: data changed on the way, a wrong
//!    trailer or a missing one leave nothing under the final name.
//!
//! What the trailer gives up: the receiver learns the hash only at the end, so
//! it cannot refuse a file it already has (by hash) before the data comes. A
//! production protocol that wants both sends a hash of each block (rsync,
//! BitTorrent) or negotiates first.

use std::io::Write;

use serde::{Deserialize, Serialize};

use super::{Header, hex, is_sha256_hex};
use crate::frame::write_frame;

// ANCHOR: constants
/// What `"trailer"` names in a header: the only hash a trailer carries.
pub const TRAILER_HASH: &str = "sha256";

/// The trailer is `{"sha256": "..."}`, 77 bytes; anything above 1 KiB is not
/// a trailer.
pub const MAX_TRAILER_LEN: usize = 1024;
// ANCHOR_END: constants

/// Where the sender puts the file's SHA-256 (`framing send --hash`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashPlacement {
    /// In the header, before the data: the course's protocol (the file is read
    /// twice: once to hash it, once to send it).
    #[default]
    Header,
    /// In a trailer after the data: the file is hashed while it is sent (one
    /// pass; the receiver must know trailers).
    Trailer,
}

/// The frame after the data in `--hash trailer` mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trailer {
    /// The SHA-256 of the data, 64 lower-case hex digits.
    pub sha256: String,
}

// ANCHOR: trailer
impl Header {
    /// The header of a file whose hash will follow the data.
    pub fn with_trailer(filename: String, filesize: u64) -> Header {
        Header {
            filename,
            filesize,
            sha256: None,
            trailer: Some(TRAILER_HASH.to_string()),
        }
    }

    /// Where this header says the hash is, or why it is not acceptable: exactly
    /// one of a well-formed `"sha256"` and `"trailer": "sha256"`.
    pub fn hash_placement(&self) -> Result<HashPlacement, String> {
        match (&self.sha256, &self.trailer) {
            (Some(sha256), None) if is_sha256_hex(sha256) => Ok(HashPlacement::Header),
            (Some(_), None) => Err("sha256 must be 64 lower-case hex digits".to_string()),
            (None, Some(trailer)) if trailer == TRAILER_HASH => Ok(HashPlacement::Trailer),
            (None, Some(trailer)) => Err(format!(
                "a trailer of {trailer:?} is not supported (this receiver knows {TRAILER_HASH:?})"
            )),
            (Some(_), Some(_)) => Err("a sha256 in the header and a trailer: send one".to_string()),
            (None, None) => Err("no sha256, and no trailer announced".to_string()),
        }
    }
}

impl Trailer {
    /// The trailer for the data whose SHA-256 is `digest`.
    pub fn new(digest: &[u8; 32]) -> Trailer {
        Trailer {
            sha256: hex(digest),
        }
    }

    /// Parses a trailer frame's payload; the hash must be 64 lower-case hex digits.
    pub fn parse(payload: &[u8]) -> Result<Trailer, String> {
        let trailer: Trailer = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
        if !is_sha256_hex(&trailer.sha256) {
            return Err("sha256 must be 64 lower-case hex digits".to_string());
        }
        Ok(trailer)
    }

    /// Writes the trailer as one frame (Python: the same two lines as the
    /// header, `struct.pack('!I', len(data)) + data`).
    pub fn write_to<W: Write>(&self, conn: &mut W) -> std::io::Result<()> {
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        write_frame(conn, &json)
    }
}
// ANCHOR_END: trailer

#[cfg(test)]
mod tests {
    use super::*;

    /// The header as bytes on the wire: the course's three fields, `null` and
    /// one more.
    #[test]
    fn a_trailer_header_is_the_courses_shape_with_one_more_field() {
        let header = Header::with_trailer("photo.jpg".to_string(), 52344);
        assert_eq!(
            serde_json::to_string(&header).unwrap(),
            r#"{"filename":"photo.jpg","filesize":52344,"sha256":null,"trailer":"sha256"}"#
        );
        assert_eq!(header.hash_placement(), Ok(HashPlacement::Trailer));
    }

    /// The course's header is written exactly as before: no `trailer` field.
    #[test]
    fn a_header_with_its_hash_is_unchanged() {
        let header = Header {
            filename: "a.txt".to_string(),
            filesize: 0,
            sha256: Some(crate::transfer::sha256_hex(b"")),
            trailer: None,
        };
        let json = serde_json::to_string(&header).unwrap();
        assert!(!json.contains("trailer"), "{json}");
        assert_eq!(header.hash_placement(), Ok(HashPlacement::Header));
    }

    /// What every receiver older than trailers does with the header: its
    /// `sha256` is a required string, and `null` is refused.
    #[test]
    fn an_old_receivers_header_type_refuses_a_trailer_header() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct CoursesHeader {
            filename: String,
            filesize: u64,
            sha256: String,
        }
        let wire = serde_json::to_vec(&Header::with_trailer("a".to_string(), 1)).unwrap();
        let error = serde_json::from_slice::<CoursesHeader>(&wire).unwrap_err();
        assert!(error.to_string().contains("invalid type: null"), "{error}");
    }

    #[test]
    fn odd_placements_are_refused() {
        let parse = |json: &str| {
            serde_json::from_str::<Header>(json)
                .unwrap()
                .hash_placement()
        };
        let sha = crate::transfer::sha256_hex(b"x");
        for json in [
            r#"{"filename":"a","filesize":1}"#.to_string(),
            r#"{"filename":"a","filesize":1,"sha256":null}"#.to_string(),
            r#"{"filename":"a","filesize":1,"sha256":null,"trailer":"md5"}"#.to_string(),
            format!(r#"{{"filename":"a","filesize":1,"sha256":"{sha}","trailer":"sha256"}}"#),
            r#"{"filename":"a","filesize":1,"sha256":"ABC"}"#.to_string(),
        ] {
            assert!(parse(&json).is_err(), "{json}");
        }
    }

    #[test]
    fn a_trailer_round_trips_and_garbage_is_refused() {
        let trailer = Trailer::new(&[0xab; 32]);
        let mut wire = Vec::new();
        trailer.write_to(&mut wire).unwrap();
        let payload = &wire[crate::frame::HEADER_LEN..];
        assert_eq!(payload.len(), 77);
        assert_eq!(Trailer::parse(payload), Ok(trailer));
        assert!(Trailer::parse(b"not json").is_err());
        assert!(Trailer::parse(br#"{"sha256":"abc"}"#).is_err());
        assert!(Trailer::parse(br#"{"md5":"abc"}"#).is_err());
    }
}
