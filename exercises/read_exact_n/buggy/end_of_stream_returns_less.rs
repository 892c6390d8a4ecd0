//! Buggy submission: an early end of the stream returns the bytes so far, as if it were all.
//!
//! A peer that closes after 3 of 10 bytes sent a broken message. Returning the 3 as
//! if they were the message hides it; the caller must be told (`UnexpectedEof`).
//!
//! Caught by: end_of_stream_too_early_is_unexpected_eof

use std::io::{self, Read};

/// Reads exactly `n` bytes from `reader`, however it splits them. An end of
/// stream before `n` bytes is an `UnexpectedEof` error.
pub fn read_exact_n<R: Read>(reader: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    let mut filled = 0;
    while filled < n {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => {
                buf.truncate(filled);
                return Ok(buf);
            }
            Ok(got) => filled += got,
            // A signal interrupted the call before any byte arrived: try again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(buf)
}
