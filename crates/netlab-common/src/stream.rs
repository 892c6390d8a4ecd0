//! Reading a byte stream until a buffer is full.
//!
//! A TCP `read` returns whatever has arrived, from one byte up to the buffer's size
//! (chapter 5, 黏包): a protocol that needs exactly `n` bytes must loop. std's
//! `read_exact` does the loop but cannot say how many bytes came before the stream
//! ended, and the lessons need that number to tell "the peer closed cleanly" (none)
//! from "the peer closed in the middle of a message" (some).

use std::io::{self, BufRead, Read};

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

/// One line typed on a keyboard or read from a pipe, by [`read_line_bounded`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputLine {
    /// The line without its `\n` / `\r\n` ending, at most the limit long.
    pub bytes: Vec<u8>,
    /// Whether the line was longer than the limit: `bytes` holds its beginning and
    /// the rest was read and dropped.
    pub cut: bool,
}

/// Reads one line of input (Python's `input()`), holding at most `max` bytes of
/// it: `None` at the end of input. A longer line is cut, and the rest of it is read
/// and dropped a bounded piece at a time, so that its tail is not taken for the
/// next line and no input, however long, makes the program's memory grow.
///
/// ```
/// use netlab_common::stream::read_line_bounded;
/// let mut input: &[u8] = b"hello\r\n0123456789\nbye";
/// assert_eq!(read_line_bounded(&mut input, 8).unwrap().unwrap().bytes, b"hello");
/// let long = read_line_bounded(&mut input, 8).unwrap().unwrap();
/// assert_eq!((long.bytes.as_slice(), long.cut), (&b"01234567"[..], true));
/// assert_eq!(read_line_bounded(&mut input, 8).unwrap().unwrap().bytes, b"bye");
/// assert_eq!(read_line_bounded(&mut input, 8).unwrap(), None);
/// ```
pub fn read_line_bounded<R: BufRead + ?Sized>(
    input: &mut R,
    max: usize,
) -> io::Result<Option<InputLine>> {
    // One byte more than the limit tells a line of exactly `max` bytes (then the
    // newline comes next) from a longer one.
    let mut bytes = Vec::new();
    let n = input.take(max as u64 + 1).read_until(b'\n', &mut bytes)?;
    if n == 0 {
        return Ok(None);
    }
    let ended = bytes.last() == Some(&b'\n');
    let cut = !ended && bytes.len() > max;
    if cut {
        bytes.truncate(max);
        skip_rest_of_line(input, max.max(1))?;
    }
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    Ok(Some(InputLine { bytes, cut }))
}

/// Reads and drops everything up to and including the next newline, at most
/// `piece` bytes at a time.
fn skip_rest_of_line<R: BufRead + ?Sized>(input: &mut R, piece: usize) -> io::Result<()> {
    loop {
        let mut scrap = Vec::new();
        let n = input.take(piece as u64).read_until(b'\n', &mut scrap)?;
        if n == 0 || scrap.last() == Some(&b'\n') {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{read_full, read_line_bounded};
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

    #[test]
    fn a_long_line_is_cut_and_its_tail_never_becomes_the_next_line() {
        let long = format!("{}\nnext\n", "x".repeat(10_000));
        let mut input = long.as_bytes();
        let first = read_line_bounded(&mut input, 100).unwrap().unwrap();
        assert!(first.cut);
        assert_eq!(first.bytes.len(), 100);
        let next = read_line_bounded(&mut input, 100).unwrap().unwrap();
        assert_eq!((next.bytes.as_slice(), next.cut), (&b"next"[..], false));
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_not_cut() {
        let mut input: &[u8] = b"abc\nabc";
        let line = read_line_bounded(&mut input, 3).unwrap().unwrap();
        assert_eq!((line.bytes.as_slice(), line.cut), (&b"abc"[..], false));
        let last = read_line_bounded(&mut input, 3).unwrap().unwrap();
        assert_eq!((last.bytes.as_slice(), last.cut), (&b"abc"[..], false));
        let mut input: &[u8] = b"abcd";
        assert!(read_line_bounded(&mut input, 3).unwrap().unwrap().cut);
    }
}
