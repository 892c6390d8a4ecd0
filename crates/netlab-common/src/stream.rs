//! Reading a byte stream until a buffer is full.
//!
//! A TCP `read` returns whatever has arrived, from one byte up to the buffer's size
//! (chapter 5, 黏包): a protocol that needs exactly `n` bytes must loop. std's
//! `read_exact` does the loop but cannot say how many bytes came before the stream
//! ended, and the lessons need that number to tell "the peer closed cleanly" (none)
//! from "the peer closed in the middle of a message" (some).

use std::io::{self, Read};

/// Fills `buf` from `reader` and returns how many bytes it got: `buf.len()`, or
/// fewer if the stream ended first (0 means it ended before the first byte).
///
/// ```
/// use netlab_common::stream::read_full;
/// let mut wire: &[u8] = b"abc";
/// let mut buf = [0u8; 5];
/// assert_eq!(read_full(&mut wire, &mut buf).unwrap(), 3);
/// ```
pub fn read_full<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            // A signal interrupted the call before any byte arrived: try again.
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::read_full;
    use std::io::Read;

    /// A reader that hands out one byte per call, like a slow network.
    struct OneByteAtATime<'a>(&'a [u8]);

    impl Read for OneByteAtATime<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&byte, rest)), Some(slot)) => {
                    *slot = byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn keeps_reading_until_the_buffer_is_full() {
        let mut buf = [0u8; 4];
        let got = read_full(&mut OneByteAtATime(b"hello"), &mut buf).unwrap();
        assert_eq!((got, &buf), (4, b"hell"));
    }

    #[test]
    fn says_how_much_came_before_the_end() {
        let mut buf = [0u8; 4];
        assert_eq!(read_full(&mut OneByteAtATime(b"hi"), &mut buf).unwrap(), 2);
        assert_eq!(read_full(&mut OneByteAtATime(b""), &mut buf).unwrap(), 0);
    }
}
