//! Buggy submission: the file size in the header is believed.
//!
//! `"filesize": 1000000000000` makes the receiver allocate a terabyte before a
//! single byte of the file arrived. Check every size a peer announces against a
//! limit before using it.
//!
//! Caught by: a_file_over_the_limit_is_refused_before_it_is_read

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

/// The header's own length, before it: 4 bytes, big-endian (`struct.pack('!I')`).
pub const LENGTH_LEN: usize = 4;

/// The longest JSON header, in bytes. A name and a number take well under this.
pub const MAX_HEADER: usize = 4 * 1024;

/// The largest file accepted, in bytes.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// What the JSON header says about the file, as the tutorial's upload sends it:
/// `{"filename": "a.txt", "filesize": 5}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub filename: String,
    pub filesize: u64,
}

fn invalid(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

/// Whether `name` is a plain file name: not empty, no directory in it, not `.` or
/// `..`. A receiver saves the file under this name in its own directory.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.contains(':')
}

/// Sends `contents` as `filename`: the header's length (4 bytes, big-endian), the
/// JSON header, then the file's bytes.
pub fn send_file<W: Write>(writer: &mut W, filename: &str, contents: &[u8]) -> io::Result<()> {
    let header = Header {
        filename: filename.to_string(),
        filesize: contents.len() as u64,
    };
    let json = serde_json::to_vec(&header).map_err(io::Error::other)?; // Python: json.dumps(header).encode()
    let length = u32::try_from(json.len()).map_err(|_| invalid("header too long"))?;
    writer.write_all(&length.to_be_bytes())?; // Python: struct.pack('!I', len(header_bytes))
    writer.write_all(&json)?;
    writer.write_all(contents)
}

/// Receives one file: its header, checked, then exactly `filesize` bytes.
/// Everything the sender says is checked before it is used: the header's length
/// and the file's size against their limits (before anything is allocated), the
/// name against paths.
pub fn receive_file<R: Read>(reader: &mut R) -> io::Result<(Header, Vec<u8>)> {
    let mut length = [0u8; LENGTH_LEN];
    reader.read_exact(&mut length)?; // loops until 4 bytes, however they arrive
    let length = u32::from_be_bytes(length) as usize;
    if length > MAX_HEADER {
        return Err(invalid(format!(
            "a header of {length} bytes (at most {MAX_HEADER})"
        )));
    }
    let mut json = vec![0u8; length];
    reader.read_exact(&mut json)?;
    let header: Header =
        serde_json::from_slice(&json).map_err(|e| invalid(format!("not a header: {e}")))?;
    if !is_plain_name(&header.filename) {
        return Err(invalid(format!(
            "{:?} is not a plain file name",
            header.filename
        )));
    }
    let mut contents = vec![0u8; header.filesize as usize];
    reader.read_exact(&mut contents)?;
    Ok((header, contents))
}
