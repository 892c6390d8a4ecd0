//! Buggy submission: the length in the machine's own byte order (Python: `struct.pack('i', n)`).
//!
//! A little-endian PC writes 5 as `05 00 00 00`; the wire format, `!I`, is
//! big-endian, `00 00 00 05`, so that every machine reads the same length.
//!
//! Caught by: the_header_is_big_endian_like_struct_pack_bang_i, a_frame_written_by_python_is_read

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
    writer.write_all(&len.to_ne_bytes())?; // Python: struct.pack('i', n)
    writer.write_all(payload)
}

/// Reads one frame. `Ok(None)` at a clean end of stream before a frame.
pub fn read_frame<R: Read>(reader: &mut R, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; HEADER_LEN];
    let mut filled = 0;
    while filled < HEADER_LEN {
        match reader.read(&mut header[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_ne_bytes(header) as usize;
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
