//! Buggy submission: the end of the stream before a frame is reported as an error.
//!
//! A peer that closes between two frames has finished cleanly: `Ok(None)`. Only an
//! end in the middle of a frame is an error; `read_exact` cannot tell the two apart.
//!
//! Caught by: two_frames_in_one_buffer_come_out_separately

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
    reader.read_exact(&mut header)?;
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
