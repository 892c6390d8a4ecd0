//! Buggy submission: any length the header announces is believed.
//!
//! A header of `ff ff ff ff` makes the reader allocate 4 GiB and wait for 4 GiB that
//! never come: one hostile (or broken) peer can exhaust the server's memory.
//!
//! Caught by: a_length_above_the_maximum_is_invalid_data, a_4_gib_header_is_refused

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
    let len = u32::from_be_bytes(header) as usize;
    let _ = max;
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload)?;
    Ok(Some(payload))
}
