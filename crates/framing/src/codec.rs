//! The same frames for async code: a `tokio_util` codec.
//!
//! An async server cannot block in `read_exact` the way [`crate::frame`] does:
//! bytes arrive in whatever pieces the network delivers, into a buffer. A
//! [`Decoder`] is asked, after each arrival, "is there a whole frame in this
//! buffer?" and answers with a frame, or with `Ok(None)` — *not enough bytes yet*,
//! which is not an error, only a reason to read more. Wrapped in
//! `tokio_util::codec::Framed`, a `TcpStream` becomes a stream of frames and a sink
//! for them; the chat server of chapter 8 is built that way.
//!
//! ```
//! use bytes::BytesMut;
//! use framing::codec::FrameCodec;
//! use tokio_util::codec::Decoder;
//!
//! let mut codec = FrameCodec::default();
//! let mut buf = BytesMut::from(&b"\x00\x00\x00\x02h"[..]);
//! assert_eq!(codec.decode(&mut buf).unwrap(), None); // half a frame: wait
//! buf.extend_from_slice(b"i");
//! assert_eq!(codec.decode(&mut buf).unwrap().as_deref(), Some(&b"hi"[..]));
//! ```

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::frame::{FrameError, HEADER_LEN, MAX_FRAME_LEN};

/// Encodes and decodes length-prefixed frames (4-byte big-endian length, then the
/// payload), refusing any frame longer than its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameCodec {
    max: usize,
}

impl FrameCodec {
    /// A codec that refuses frames longer than `max` bytes, in both directions.
    pub fn new(max: usize) -> FrameCodec {
        FrameCodec { max }
    }

    /// The largest payload this codec accepts.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The length announced by a complete header at the front of `src`, if the
    /// header is there yet.
    fn peek_len(src: &[u8]) -> Option<u32> {
        let header: [u8; HEADER_LEN] = src.get(..HEADER_LEN)?.try_into().ok()?;
        Some(u32::from_be_bytes(header))
    }
}

impl Default for FrameCodec {
    /// A codec with the default maximum, [`MAX_FRAME_LEN`] (16 MiB).
    fn default() -> FrameCodec {
        FrameCodec::new(MAX_FRAME_LEN)
    }
}

// ANCHOR: decode
impl Decoder for FrameCodec {
    type Item = BytesMut;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FrameError> {
        // 1. Is the header complete? If not, wait for more bytes.
        let Some(len) = FrameCodec::peek_len(src) else {
            return Ok(None);
        };
        // 2. Check the length *before* buffering the payload: a hostile header
        //    must not make us wait for, and store, gigabytes.
        let too_large = FrameError::TooLarge {
            len: u64::from(len),
            max: self.max,
        };
        let Ok(len) = usize::try_from(len) else {
            return Err(too_large);
        };
        if len > self.max {
            return Err(too_large);
        }
        // 3. Is the payload complete? If not, wait. We do not reserve `len` bytes
        //    up front: the buffer grows only as bytes really arrive.
        if src.len() - HEADER_LEN < len {
            return Ok(None);
        }
        // 4. A whole frame: drop the header, split the payload off the front.
        //    What stays in `src` is the start of the next frame (黏包!).
        src.advance(HEADER_LEN);
        Ok(Some(src.split_to(len)))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FrameError> {
        if let Some(frame) = self.decode(src)? {
            return Ok(Some(frame));
        }
        if src.is_empty() {
            // End of stream between frames: the peer is done.
            return Ok(None);
        }
        // End of stream with part of a frame buffered: the peer broke off.
        let error = match FrameCodec::peek_len(src) {
            None => FrameError::ClosedMidFrame {
                expected: HEADER_LEN,
                got: src.len(),
            },
            Some(len) => FrameError::ClosedMidFrame {
                expected: len as usize,
                got: src.len() - HEADER_LEN,
            },
        };
        src.clear();
        Err(error)
    }
}
// ANCHOR_END: decode

impl Encoder<&[u8]> for FrameCodec {
    type Error = FrameError;

    fn encode(&mut self, payload: &[u8], dst: &mut BytesMut) -> Result<(), FrameError> {
        // Refuse what the peer (using the same maximum) would refuse anyway, and
        // anything a 4-byte header cannot describe.
        let too_large = || FrameError::TooLarge {
            len: payload.len() as u64,
            max: self.max,
        };
        if payload.len() > self.max {
            return Err(too_large());
        }
        let len = u32::try_from(payload.len()).map_err(|_| too_large())?;
        dst.reserve(HEADER_LEN + payload.len());
        dst.put_u32(len); // big-endian, like struct.pack('!I', n)
        dst.put_slice(payload);
        Ok(())
    }
}

impl Encoder<Bytes> for FrameCodec {
    type Error = FrameError;

    fn encode(&mut self, payload: Bytes, dst: &mut BytesMut) -> Result<(), FrameError> {
        self.encode(&payload[..], dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encoded(payloads: &[&[u8]]) -> BytesMut {
        let mut codec = FrameCodec::default();
        let mut buf = BytesMut::new();
        for payload in payloads {
            codec.encode(*payload, &mut buf).unwrap();
        }
        buf
    }

    #[test]
    fn encodes_like_struct_pack_network_order() {
        assert_eq!(&encoded(&[b"hi"])[..], b"\x00\x00\x00\x02hi");
    }

    #[test]
    fn two_frames_in_one_buffer_come_out_one_by_one() {
        let mut codec = FrameCodec::default();
        let mut buf = encoded(&[b"first", b"second"]);
        assert_eq!(&codec.decode(&mut buf).unwrap().unwrap()[..], b"first");
        assert_eq!(&codec.decode(&mut buf).unwrap().unwrap()[..], b"second");
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
    }

    #[test]
    fn not_enough_bytes_is_not_an_error() {
        let mut codec = FrameCodec::default();
        let mut buf = BytesMut::from(&b"\x00\x00"[..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        buf.extend_from_slice(b"\x00\x03ab");
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        assert_eq!(buf.len(), 6, "nothing consumed while waiting");
    }

    #[test]
    fn too_large_header_fails_before_the_payload_arrives() {
        let mut codec = FrameCodec::new(1024);
        let mut buf = BytesMut::from(&b"\xff\xff\xff\xff"[..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(FrameError::TooLarge {
                len: 0xFFFF_FFFF,
                max: 1024
            })
        ));
    }

    #[test]
    fn end_of_stream_mid_payload_is_reported() {
        let mut codec = FrameCodec::default();
        let mut buf = BytesMut::from(&b"\x00\x00\x00\x05he"[..]);
        assert!(matches!(
            codec.decode_eof(&mut buf),
            Err(FrameError::ClosedMidFrame {
                expected: 5,
                got: 2
            })
        ));
    }

    #[test]
    fn end_of_stream_mid_header_is_reported() {
        let mut codec = FrameCodec::default();
        let mut buf = BytesMut::from(&b"\x00"[..]);
        assert!(matches!(
            codec.decode_eof(&mut buf),
            Err(FrameError::ClosedMidFrame {
                expected: 4,
                got: 1
            })
        ));
    }

    #[test]
    fn end_of_stream_between_frames_is_clean() {
        let mut codec = FrameCodec::default();
        let mut buf = encoded(&[b"last"]);
        assert_eq!(&codec.decode_eof(&mut buf).unwrap().unwrap()[..], b"last");
        assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
    }

    #[test]
    fn encoder_refuses_frames_over_the_maximum() {
        let mut codec = FrameCodec::new(3);
        let mut buf = BytesMut::new();
        assert!(codec.encode(&b"four"[..], &mut buf).is_err());
        assert!(buf.is_empty());
        codec.encode(Bytes::from_static(b"abc"), &mut buf).unwrap();
        assert_eq!(&buf[..], b"\x00\x00\x00\x03abc");
    }

    /// Decodes `wire` fed in pieces of the given sizes (cycled), the way a socket
    /// might deliver it, and returns the frames.
    fn decode_in_pieces(
        wire: &[u8],
        sizes: &[usize],
        max: usize,
    ) -> Result<Vec<Vec<u8>>, FrameError> {
        let mut codec = FrameCodec::new(max);
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        let mut rest = wire;
        let mut sizes = sizes.iter().cycle();
        while !rest.is_empty() {
            let n = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
            buf.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            while let Some(frame) = codec.decode(&mut buf)? {
                frames.push(frame.to_vec());
            }
        }
        while let Some(frame) = codec.decode_eof(&mut buf)? {
            frames.push(frame.to_vec());
        }
        Ok(frames)
    }

    /// The codec over a real tokio socket, as the chat server uses it: frames
    /// written as one blob come out one by one, and a peer that breaks off mid-frame
    /// is reported as such.
    #[tokio::test]
    async fn framed_tcp_stream_yields_whole_frames() {
        use futures_like::next;
        use tokio::io::AsyncWriteExt;
        use tokio_util::codec::FramedRead;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let writer = tokio::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut wire = encoded(&[b"hello", b"world"]).to_vec();
            wire.extend_from_slice(b"\x00\x00\x00\x09cut"); // then the peer leaves
            conn.write_all(&wire).await.unwrap();
        });
        let conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut frames = FramedRead::new(conn, FrameCodec::default());
        let timeout = std::time::Duration::from_secs(10);
        let first = tokio::time::timeout(timeout, next(&mut frames))
            .await
            .unwrap();
        assert_eq!(&first.unwrap().unwrap()[..], b"hello");
        let second = tokio::time::timeout(timeout, next(&mut frames))
            .await
            .unwrap();
        assert_eq!(&second.unwrap().unwrap()[..], b"world");
        let third = tokio::time::timeout(timeout, next(&mut frames))
            .await
            .unwrap();
        assert!(matches!(
            third,
            Some(Err(FrameError::ClosedMidFrame {
                expected: 9,
                got: 3
            }))
        ));
        writer.await.unwrap();
    }

    /// `StreamExt::next`, written with `poll_fn` so that only the tiny
    /// `futures-core` crate (which defines `Stream`) is needed.
    mod futures_like {
        use futures_core::Stream;
        use std::pin::Pin;

        pub async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
            std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
        }
    }

    proptest! {
        /// Any frames, through a stream that splits and merges bytes arbitrarily,
        /// come back identical: the whole point of framing.
        #[test]
        fn frames_survive_any_splitting(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..20),
            sizes in proptest::collection::vec(1usize..700, 1..20),
        ) {
            let slices: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();
            let wire = encoded(&slices);
            prop_assert_eq!(decode_in_pieces(&wire, &sizes, MAX_FRAME_LEN).unwrap(), payloads);
        }

        /// Random bytes never panic the decoder, and it never hands out a frame
        /// larger than its maximum.
        #[test]
        fn random_bytes_never_panic(
            wire in proptest::collection::vec(any::<u8>(), 0..2000),
            sizes in proptest::collection::vec(1usize..64, 1..8),
            max in 0usize..600,
        ) {
            // A small maximum, so that random headers are often accepted and the
            // payload path is exercised too, not only the "too large" refusal.
            let mut tiny = wire.clone();
            if let Some(first) = tiny.first_mut() { *first = 0; }
            if let Some(second) = tiny.get_mut(1) { *second = 0; }
            for input in [&wire, &tiny] {
                if let Ok(frames) = decode_in_pieces(input, &sizes, max) {
                    prop_assert!(frames.iter().all(|f| f.len() <= max));
                }
            }
        }

        /// The blocking reader and the codec agree on every stream.
        #[test]
        fn blocking_reader_agrees_with_codec(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..100), 0..10),
        ) {
            let slices: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();
            let wire = encoded(&slices);
            let mut reader = &wire[..];
            let mut frames = Vec::new();
            loop {
                match crate::frame::read_frame(&mut reader, MAX_FRAME_LEN) {
                    Ok(frame) => frames.push(frame),
                    Err(FrameError::Closed) => break,
                    Err(error) => return Err(TestCaseError::fail(error.to_string())),
                }
            }
            prop_assert_eq!(frames, payloads);
        }
    }
}
