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
    assert_eq!(wire, b"\x00\x00\x00\x05hello");
}

#[test]
fn a_frame_written_by_python_is_read() {
    // Python: struct.pack('!I', 256) + b'x' * 256
    let mut data = b"\x00\x00\x01\x00".to_vec();
    data.extend(std::iter::repeat_n(b'x', 256));
    let mut reader = &data[..];
    assert_eq!(read_frame(&mut reader, 1024).unwrap().unwrap(), [b'x'; 256]);
}

#[test]
fn two_frames_in_one_buffer_come_out_separately() {
    let mut wire = Vec::new();
    write_frame(&mut wire, b"dir").unwrap();
    write_frame(&mut wire, b"").unwrap();
    write_frame(&mut wire, b"ipconfig /all").unwrap();
    let mut reader = &wire[..];
    assert_eq!(read_frame(&mut reader, 100).unwrap().unwrap(), b"dir");
    assert_eq!(read_frame(&mut reader, 100).unwrap().unwrap(), b"");
    assert_eq!(
        read_frame(&mut reader, 100).unwrap().unwrap(),
        b"ipconfig /all"
    );
    assert_eq!(read_frame(&mut reader, 100).unwrap(), None, "clean end");
}

#[test]
fn a_length_above_the_maximum_is_invalid_data() {
    // A 1 MiB header with no payload behind it: the reader must refuse the
    // length itself, not try to read the payload.
    let mut reader = &b"\x00\x10\x00\x00"[..];
    let error = read_frame(&mut reader, 1024).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn a_4_gib_header_is_refused() {
    let mut reader = &b"\xff\xff\xff\xff"[..];
    let error = read_frame(&mut reader, 1024).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn end_of_stream_in_the_header_or_payload_is_unexpected_eof() {
    for wire in [&b"\x00\x00"[..], b"\x00\x00\x00\x05he"] {
        let mut reader = wire;
        let error = read_frame(&mut reader, 1024).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "{wire:?}");
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
        assert_eq!(
            (one.as_deref(), two.as_deref()),
            (Some(&b"hello"[..]), Some(&b"world!"[..])),
            "split after byte {split} of {}",
            wire.len()
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
    assert_eq!(read_frame(&mut conn, 64).unwrap().unwrap(), b"hello");
    assert_eq!(read_frame(&mut conn, 64).unwrap().unwrap(), b"world");
    writer.join().unwrap();
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}
