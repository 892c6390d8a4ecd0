//! Buggy submission: the 4-byte header is read with one `read` (Python: `conn.recv(4)`).
//!
//! `recv(4)` may return 1, 2 or 3 bytes when the header arrives split: then the
//! length is garbage and every frame after it is misread.
//!
//! Caught by: frames_split_at_every_position_are_read

use std::io::{self, Read, Write};

/// The header: the payload's length as 4 bytes.
pub const HEADER_LEN: usize = 4;

/// Writes one frame: a 4-byte big-endian length, then the payload.
pub fn write_frame<W: Write>(writer: &mut W, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "a frame holds at most u32::MAX bytes",
        )
    })?;
    writer.write_all(&len.to_be_bytes())?; // Python: struct.pack('!I', n)
    writer.write_all(payload)
}

/// Reads one frame. `Ok(None)` at a clean end of stream before a frame.
pub fn read_frame<R: Read>(reader: &mut R, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; HEADER_LEN];
    if reader.read(&mut header)? == 0 {
        return Ok(None);
    }
    let len = u32::from_be_bytes(header) as usize;
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes, more than the maximum of {max}"),
        ));
    }
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload)?;
    Ok(Some(payload))
}
