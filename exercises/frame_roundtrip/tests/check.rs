use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ex_frame_roundtrip::{read_frame, write_frame};

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(5);

#[test]
fn the_header_is_big_endian_like_struct_pack_bang_i() {
    let mut wire = Vec::new();
    write_frame(&mut wire, b"hello").unwrap();
    // Python: struct.pack('!I', 5) + b'hello'
    assert_bytes(
        "write_frame(b'hello'), struct.pack('!I', 5) + b'hello'",
        b"\x00\x00\x00\x05hello",
        &wire,
    );
}

#[test]
fn a_frame_written_by_python_is_read() {
    // Python: struct.pack('!I', 256) + b'x' * 256
    let mut data = b"\x00\x00\x01\x00".to_vec();
    data.extend(std::iter::repeat_n(b'x', 256));
    let mut reader = &data[..];
    assert_frame(
        "the frame struct.pack('!I', 256) + b'x' * 256",
        &[b'x'; 256],
        read_frame(&mut reader, 1024).unwrap(),
    );
}

#[test]
fn two_frames_in_one_buffer_come_out_separately() {
    let mut wire = Vec::new();
    write_frame(&mut wire, b"dir").unwrap();
    write_frame(&mut wire, b"").unwrap();
    write_frame(&mut wire, b"ipconfig /all").unwrap();
    let mut reader = &wire[..];
    assert_frame(
        "the first frame",
        b"dir",
        read_frame(&mut reader, 100).unwrap(),
    );
    assert_frame(
        "the second frame",
        b"",
        read_frame(&mut reader, 100).unwrap(),
    );
    assert_frame(
        "the third frame",
        b"ipconfig /all",
        read_frame(&mut reader, 100).unwrap(),
    );
    if let Some(frame) = read_frame(&mut reader, 100).unwrap() {
        panic!(
            "after the last frame: expected None (a clean end), got a frame of {} bytes {}",
            frame.len(),
            show(&frame)
        );
    }
}

#[test]
fn a_length_above_the_maximum_is_invalid_data() {
    // A 1 MiB header with no payload behind it: the reader must refuse the
    // length itself, not try to read the payload.
    let mut reader = &b"\x00\x10\x00\x00"[..];
    let error = frame_error(read_frame(&mut reader, 1024));
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn a_4_gib_header_is_refused() {
    let mut reader = &b"\xff\xff\xff\xff"[..];
    let error = frame_error(read_frame(&mut reader, 1024));
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn end_of_stream_in_the_header_or_payload_is_unexpected_eof() {
    for wire in [&b"\x00\x00"[..], b"\x00\x00\x00\x05he"] {
        let mut reader = wire;
        let error = frame_error(read_frame(&mut reader, 1024));
        assert_eq!(
            error.kind(),
            io::ErrorKind::UnexpectedEof,
            "the stream {}",
            show(wire)
        );
    }
}

/// A reader that returns its data in two pieces: `first` bytes, then the rest.
struct TwoPieces<'a> {
    data: &'a [u8],
    first: usize,
}

impl Read for TwoPieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = if self.first > 0 {
            self.first
        } else {
            self.data.len()
        };
        let n = n.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.first = 0;
        Ok(n)
    }
}

#[test]
fn frames_split_at_every_position_are_read() {
    let mut wire = Vec::new();
    write_frame(&mut wire, b"hello").unwrap();
    write_frame(&mut wire, b"world!").unwrap();
    for split in 1..wire.len() {
        let mut reader = TwoPieces {
            data: &wire,
            first: split,
        };
        let one = read_frame(&mut reader, 64)
            .unwrap_or_else(|e| panic!("split after byte {split}: the first frame: {e}"));
        let two = read_frame(&mut reader, 64)
            .unwrap_or_else(|e| panic!("split after byte {split}: the second frame: {e}"));
        let len = wire.len();
        assert_frame(
            &format!("split after byte {split} of {len}: the first frame"),
            b"hello",
            one,
        );
        assert_frame(
            &format!("split after byte {split} of {len}: the second frame"),
            b"world!",
            two,
        );
    }
}

#[test]
fn frames_cross_a_real_tcp_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let writer = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut wire = Vec::new();
        for message in [&b"hello"[..], b"world"] {
            write_frame(&mut wire, message).unwrap();
        }
        // Both frames in one write: on the wire they are one blob (黏包).
        conn.write_all(&wire).unwrap();
    });
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    assert_frame(
        "the first frame over TCP",
        b"hello",
        read_frame(&mut conn, 64).unwrap(),
    );
    assert_frame(
        "the second frame over TCP",
        b"world",
        read_frame(&mut conn, 64).unwrap(),
    );
    writer.join().unwrap();
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

/// `assert_bytes` for what `read_frame` returned: a frame, or None at a clean end.
#[track_caller]
fn assert_frame(what: &str, expected: &[u8], got: Option<Vec<u8>>) {
    match got {
        Some(frame) => assert_bytes(what, expected, &frame),
        None => panic!(
            "{what}: expected {} bytes {}, got None (a clean end of the stream)",
            expected.len(),
            show(expected)
        ),
    }
}

/// The error `read_frame` must give; fails with what it read instead.
#[track_caller]
fn frame_error(result: io::Result<Option<Vec<u8>>>) -> io::Error {
    match result {
        Ok(Some(frame)) => panic!(
            "expected an error, got a frame of {} bytes {}",
            frame.len(),
            show(&frame)
        ),
        Ok(None) => panic!("expected an error, got None (a clean end of the stream)"),
        Err(error) => error,
    }
}

/// Bytes as Python shows them: `b'hello!'`; past 60 bytes, the start and the length.
fn show(bytes: &[u8]) -> String {
    const SHOWN: usize = 60;
    let mut text = String::from("b'");
    for &byte in bytes.iter().take(SHOWN) {
        match byte {
            b'\\' => text.push_str("\\\\"),
            b'\'' => text.push_str("\\'"),
            b'\n' => text.push_str("\\n"),
            b'\r' => text.push_str("\\r"),
            b'\t' => text.push_str("\\t"),
            0x20..=0x7e => text.push(byte as char),
            _ => text.push_str(&format!("\\x{byte:02x}")),
        }
    }
    text.push('\'');
    if bytes.len() > SHOWN {
        text.push_str("...");
    }
    text
}

/// Fails with a message a beginner can act on: what was expected, what came
/// back, both with their byte counts, and where they first differ. A failure
/// points at the line that called it.
#[track_caller]
fn assert_bytes(what: &str, expected: &[u8], got: &[u8]) {
    if expected == got {
        return;
    }
    let first_difference = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    panic!(
        "{what}: expected {} bytes {}, got {} bytes {} (they differ from byte {first_difference} on)",
        expected.len(),
        show(expected),
        got.len(),
        show(got)
    );
}
