//! Buggy submission: every read goes to the start of the buffer, over what came before.
//!
//! `reader.read(&mut buf)` writes from `buf[0]` each time: the second piece
//! overwrites the first. Read into the part still empty, `&mut buf[filled..]`.
//!
//! Caught by: bytes_handed_out_one_at_a_time_still_make_n, a_message_split_at_every_position_is_read_whole

use std::io::{self, Read};

/// Reads exactly `n` bytes from `reader`, however it splits them. An end of
/// stream before `n` bytes is an `UnexpectedEof` error.
pub fn read_exact_n<R: Read>(reader: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    let mut filled = 0;
    while filled < n {
        match reader.read(&mut buf[..n - filled]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the stream ended after {filled} of {n} bytes"),
                ));
            }
            Ok(got) => filled += got,
            // A signal interrupted the call before any byte arrived: try again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(buf)
}
