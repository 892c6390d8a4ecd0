//! Length-prefixed frames over any blocking `Read` / `Write`: the fix for 黏包.
//!
//! TCP delivers a stream of bytes, not messages: one `send` may arrive over several
//! `recv` calls, and two `send`s may arrive in one. To get messages back, the
//! sender puts the length of each message in front of it, and the receiver reads
//! exactly the length, then exactly that many bytes:
//!
//! ```text
//! +--------+--------+--------+--------+----------------------------+
//! |  length (u32, big-endian, 4 bytes) |  payload (length bytes)    |
//! +--------+--------+--------+--------+----------------------------+
//! ```
//!
//! Python writes the same header with `struct.pack('!I', len(data))`; `!` means
//! network byte order (big-endian) and `I` an unsigned 32-bit integer. The
//! tutorial's `struct.pack('i', ...)` uses the *native* byte order and a *signed*
//! integer: it works only while both machines agree on the byte order, and a length
//! above 2 GiB would come out negative. That is why we always write `!I`.
//!
//! ```
//! use framing::frame::{read_frame, write_frame, MAX_FRAME_LEN};
//! let mut wire = Vec::new();
//! write_frame(&mut wire, b"dir").unwrap();
//! write_frame(&mut wire, b"ipconfig").unwrap();
//! assert_eq!(&wire[..4], &[0, 0, 0, 3]);
//! let mut stream = &wire[..];
//! assert_eq!(read_frame(&mut stream, MAX_FRAME_LEN).unwrap(), b"dir");
//! assert_eq!(read_frame(&mut stream, MAX_FRAME_LEN).unwrap(), b"ipconfig");
//! ```

use std::fmt;
use std::io::{self, Read, Write};

use netlab_common::stream::read_full;

// ANCHOR: constants
/// The largest payload we accept by default: 16 MiB. The header could announce up
/// to 4 GiB; a receiver that believed any header would let one hostile peer make
/// it allocate gigabytes. Every reader checks the length against a maximum
/// *before* it reads (or allocates for) the payload.
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// The header: a 4-byte big-endian unsigned length (Python: `struct.pack('!I', n)`).
pub const HEADER_LEN: usize = 4;
// ANCHOR_END: constants

/// Payloads up to this size are copied behind their header and written with one
/// `write` call. Writing the 4-byte header and a small payload separately would
/// send two small segments, and Nagle's algorithm would hold the second one back
/// until the first is acknowledged: with the receiver's delayed ACK that costs up
/// to 40 ms per message. Larger payloads fill whole segments anyway.
const COALESCE_LIMIT: usize = 64 * 1024;

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// The peer closed the connection cleanly, between two frames.
    Closed,
    /// The peer closed the connection in the middle of a frame: of the part being
    /// read (the header, or the payload), `expected` bytes were due and `got` came.
    ClosedMidFrame { expected: usize, got: usize },
    /// The header announced `len` bytes, more than the receiver's maximum `max`.
    TooLarge { len: u64, max: usize },
    /// The operating system reported an error (a reset, a timeout...).
    Io(io::Error),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Closed => write!(f, "the peer closed the connection"),
            FrameError::ClosedMidFrame { expected, got } => write!(
                f,
                "the peer closed the connection in the middle of a frame \
                 (expected {expected} bytes, got {got})"
            ),
            FrameError::TooLarge { len, max } => write!(
                f,
                "frame of {len} bytes announced, more than the maximum of {max} bytes"
            ),
            FrameError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for FrameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FrameError::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for FrameError {
    fn from(error: io::Error) -> FrameError {
        FrameError::Io(error)
    }
}

impl From<FrameError> for io::Error {
    /// For callers that only speak `io::Error`: a clean close becomes
    /// `UnexpectedEof`, a bad frame `InvalidData`.
    fn from(error: FrameError) -> io::Error {
        match error {
            FrameError::Io(error) => error,
            FrameError::Closed | FrameError::ClosedMidFrame { .. } => {
                io::Error::new(io::ErrorKind::UnexpectedEof, error.to_string())
            }
            FrameError::TooLarge { .. } => {
                io::Error::new(io::ErrorKind::InvalidData, error.to_string())
            }
        }
    }
}

// ANCHOR: read_frame
/// Reads one frame: exactly [`HEADER_LEN`] bytes of length, then exactly that many
/// bytes of payload. A length above `max` is refused before anything is allocated.
///
/// End of stream before the first header byte is [`FrameError::Closed`] (the peer
/// is done); end of stream anywhere after it is [`FrameError::ClosedMidFrame`]
/// (the peer broke its promise).
pub fn read_frame<R: Read>(reader: &mut R, max: usize) -> Result<Vec<u8>, FrameError> {
    // Python: header = conn.recv(4) — but recv(4) may return fewer than 4
    // bytes, so we loop until we have all four.
    let mut header = [0u8; HEADER_LEN];
    let got = read_full(reader, &mut header)?;
    if got == 0 {
        return Err(FrameError::Closed);
    }
    if got < HEADER_LEN {
        return Err(FrameError::ClosedMidFrame {
            expected: HEADER_LEN,
            got,
        });
    }
    // Python: n = struct.unpack('!I', header)[0]
    let len = u32::from_be_bytes(header);
    let too_large = || FrameError::TooLarge {
        len: u64::from(len),
        max,
    };
    let len = usize::try_from(len).map_err(|_| too_large())?;
    if len > max {
        return Err(too_large());
    }
    // Python: data = b''; while len(data) < n: data += conn.recv(n - len(data))
    // `take` stops at exactly `len` bytes, and `read_to_end` grows the buffer as
    // bytes really arrive: a peer that announces 16 MiB and sends nothing costs
    // us nothing.
    let mut payload = Vec::with_capacity(len.min(COALESCE_LIMIT));
    reader.take(len as u64).read_to_end(&mut payload)?;
    if payload.len() < len {
        return Err(FrameError::ClosedMidFrame {
            expected: len,
            got: payload.len(),
        });
    }
    Ok(payload)
}
// ANCHOR_END: read_frame

// ANCHOR: write_frame
/// Writes one frame: the payload's length as a 4-byte big-endian unsigned integer,
/// then the payload. Payloads longer than `u32::MAX` cannot be described by the
/// header and are refused with `InvalidInput`.
pub fn write_frame<W: Write>(writer: &mut W, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "a frame holds at most {} bytes, this payload has {}",
                u32::MAX,
                payload.len()
            ),
        )
    })?;
    // Python: conn.sendall(struct.pack('!I', len(data)) + data)
    let header = len.to_be_bytes();
    if payload.len() <= COALESCE_LIMIT {
        let mut frame = Vec::with_capacity(HEADER_LEN + payload.len());
        frame.extend_from_slice(&header);
        frame.extend_from_slice(payload);
        writer.write_all(&frame)?;
    } else {
        writer.write_all(&header)?;
        writer.write_all(payload)?;
    }
    writer.flush()
}
// ANCHOR_END: write_frame

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out its bytes in pieces of at most `step`, the way a
    /// TCP stream may.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn header_is_four_bytes_big_endian() {
        let mut wire = Vec::new();
        write_frame(&mut wire, b"hello").unwrap();
        assert_eq!(wire, b"\x00\x00\x00\x05hello");
    }

    #[test]
    fn empty_payload_is_a_valid_frame() {
        let mut wire = Vec::new();
        write_frame(&mut wire, b"").unwrap();
        assert_eq!(wire, [0, 0, 0, 0]);
        assert_eq!(read_frame(&mut &wire[..], MAX_FRAME_LEN).unwrap(), b"");
    }

    #[test]
    fn large_payload_round_trips() {
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut wire = Vec::new();
        write_frame(&mut wire, &payload).unwrap();
        assert_eq!(wire.len(), HEADER_LEN + payload.len());
        assert_eq!(read_frame(&mut &wire[..], MAX_FRAME_LEN).unwrap(), payload);
    }

    #[test]
    fn one_byte_at_a_time_still_gives_whole_frames() {
        let mut wire = Vec::new();
        write_frame(&mut wire, b"dir").unwrap();
        write_frame(&mut wire, b"ipconfig /all").unwrap();
        let mut reader = Trickle {
            data: &wire,
            step: 1,
        };
        assert_eq!(read_frame(&mut reader, MAX_FRAME_LEN).unwrap(), b"dir");
        assert_eq!(
            read_frame(&mut reader, MAX_FRAME_LEN).unwrap(),
            b"ipconfig /all"
        );
        assert!(matches!(
            read_frame(&mut reader, MAX_FRAME_LEN),
            Err(FrameError::Closed)
        ));
    }

    #[test]
    fn end_of_stream_before_a_frame_is_a_clean_close() {
        assert!(matches!(
            read_frame(&mut &b""[..], MAX_FRAME_LEN),
            Err(FrameError::Closed)
        ));
    }

    #[test]
    fn end_of_stream_inside_the_header_is_mid_frame() {
        match read_frame(&mut &b"\x00\x00"[..], MAX_FRAME_LEN) {
            Err(FrameError::ClosedMidFrame { expected, got }) => {
                assert_eq!((expected, got), (4, 2));
            }
            other => panic!("expected ClosedMidFrame, got {other:?}"),
        }
    }

    #[test]
    fn end_of_stream_inside_the_payload_is_mid_frame() {
        match read_frame(&mut &b"\x00\x00\x00\x0ahello"[..], MAX_FRAME_LEN) {
            Err(FrameError::ClosedMidFrame { expected, got }) => {
                assert_eq!((expected, got), (10, 5));
            }
            other => panic!("expected ClosedMidFrame, got {other:?}"),
        }
    }

    #[test]
    fn a_4_gib_header_is_refused_without_reading_on() {
        // Nothing follows the header: if the reader tried to read the payload it
        // would report ClosedMidFrame instead.
        match read_frame(&mut &b"\xff\xff\xff\xff"[..], MAX_FRAME_LEN) {
            Err(FrameError::TooLarge { len, max }) => {
                assert_eq!(len, 0xFFFF_FFFF);
                assert_eq!(max, MAX_FRAME_LEN);
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[test]
    fn the_maximum_itself_is_allowed() {
        let mut wire = Vec::new();
        write_frame(&mut wire, b"12345").unwrap();
        assert_eq!(read_frame(&mut &wire[..], 5).unwrap(), b"12345");
        assert!(matches!(
            read_frame(&mut &wire[..], 4),
            Err(FrameError::TooLarge { len: 5, max: 4 })
        ));
    }

    proptest::proptest! {
        /// Frames read back through a reader that hands out any number of bytes
        /// per call are the frames that were written.
        #[test]
        fn frames_survive_any_read_sizes(
            payloads in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200), 0..12),
            step in 1usize..300,
        ) {
            let mut wire = Vec::new();
            for payload in &payloads {
                write_frame(&mut wire, payload).unwrap();
            }
            let mut reader = Trickle { data: &wire, step };
            let mut back = Vec::new();
            loop {
                match read_frame(&mut reader, MAX_FRAME_LEN) {
                    Ok(frame) => back.push(frame),
                    Err(FrameError::Closed) => break,
                    Err(error) => return Err(proptest::test_runner::TestCaseError::fail(error.to_string())),
                }
            }
            proptest::prop_assert_eq!(back, payloads);
        }

        /// Random bytes never panic the reader, and it never returns more than
        /// its maximum.
        #[test]
        fn random_bytes_never_panic_the_reader(
            wire in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
            max in 0usize..300,
        ) {
            let mut reader = &wire[..];
            while let Ok(frame) = read_frame(&mut reader, max) {
                proptest::prop_assert!(frame.len() <= max);
            }
        }
    }

    #[test]
    fn errors_read_like_sentences() {
        let error = FrameError::TooLarge {
            len: 4_294_967_295,
            max: MAX_FRAME_LEN,
        };
        assert_eq!(
            error.to_string(),
            "frame of 4294967295 bytes announced, more than the maximum of 16777216 bytes"
        );
        let error: io::Error = FrameError::Closed.into();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }
}
