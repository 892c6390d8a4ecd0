//! Exercise: read exactly n bytes. Read README.md first.

use std::io::{self, Read};

/// Reads exactly `n` bytes from `reader`, however it splits them. An end of
/// stream before `n` bytes is an `UnexpectedEof` error.
pub fn read_exact_n<R: Read>(reader: &mut R, n: usize) -> io::Result<Vec<u8>> {
    // TODO: this is Python's `conn.recv(n)`: ONE read, which may return fewer
    // than `n` bytes (or 0 at the end of the stream). Loop until you have `n`.
    let mut buf = vec![0u8; n];
    let got = reader.read(&mut buf)?;
    buf.truncate(got);
    Ok(buf)
}
