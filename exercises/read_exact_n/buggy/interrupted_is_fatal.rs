//! Buggy submission: a read interrupted by a signal is returned as an error.
//!
//! `Interrupted` means a signal arrived before any byte did: nothing went wrong with
//! the stream. Python retries for you (PEP 475); in Rust, `read` is retried by hand.
//!
//! Caught by: interrupted_reads_are_retried

use std::io::{self, Read};

/// Reads exactly `n` bytes from `reader`, however it splits them. An end of
/// stream before `n` bytes is an `UnexpectedEof` error.
pub fn read_exact_n<R: Read>(reader: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    let mut filled = 0;
    while filled < n {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the stream ended after {filled} of {n} bytes"),
                ));
            }
            Ok(got) => filled += got,
            // A signal interrupted the call before any byte arrived: try again.
            Err(e) => return Err(e),
        }
    }
    Ok(buf)
}
