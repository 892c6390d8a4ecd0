//! Exercise: write and read a length-prefixed frame. Read README.md first.

use std::io::{self, Read, Write};

/// The header: the payload's length as 4 bytes.
pub const HEADER_LEN: usize = 4;

/// Writes one frame: a 4-byte big-endian length, then the payload.
pub fn write_frame<W: Write>(writer: &mut W, payload: &[u8]) -> io::Result<()> {
    // TODO: native byte order, like Python's struct.pack('i', n): a little-endian
    // machine writes 5 as 05 00 00 00. The wire format is big-endian ('!I').
    // And a payload longer than u32::MAX would be cut silently by `as u32`.
    let header = (payload.len() as u32).to_ne_bytes();
    writer.write_all(&header)?;
    writer.write_all(payload)
}

/// Reads one frame. `Ok(None)` at a clean end of stream before a frame.
pub fn read_frame<R: Read>(reader: &mut R, max: usize) -> io::Result<Option<Vec<u8>>> {
    // TODO: native byte order again; no check against `max` before allocating;
    // and a clean end of stream is reported as an error.
    let _ = max;
    let mut header = [0u8; HEADER_LEN];
    reader.read_exact(&mut header)?;
    let len = u32::from_ne_bytes(header) as usize;
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload)?;
    Ok(Some(payload))
}
