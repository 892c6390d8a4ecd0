use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ex_read_exact_n::read_exact_n;

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(5);

/// A reader that hands out at most `step` bytes per read, like a TCP stream may.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    step: usize,
    interrupt_every_other: bool,
    calls: usize,
}

impl Trickle {
    fn new(data: &[u8], step: usize) -> Trickle {
        Trickle {
            data: data.to_vec(),
            pos: 0,
            step,
            interrupt_every_other: false,
            calls: 0,
        }
    }
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.interrupt_every_other && self.calls % 2 == 1 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = self.step.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn bytes_handed_out_one_at_a_time_still_make_n() {
    let mut reader = Trickle::new(b"hello world", 1);
    assert_bytes(
        "read_exact_n(5), one byte per read",
        b"hello",
        &read_exact_n(&mut reader, 5).unwrap(),
    );
    assert_bytes(
        "the next read_exact_n(6)",
        b" world",
        &read_exact_n(&mut reader, 6).unwrap(),
    );
}

#[test]
fn a_header_of_4_bytes_in_two_pieces() {
    let mut reader = Trickle::new(&[0, 0, 4, 0, b'x'], 2);
    assert_bytes(
        "read_exact_n(4), two bytes per read",
        &[0, 0, 4, 0],
        &read_exact_n(&mut reader, 4).unwrap(),
    );
}

#[test]
fn end_of_stream_too_early_is_unexpected_eof() {
    let mut reader = Trickle::new(b"abc", 2);
    let error = match read_exact_n(&mut reader, 10) {
        Ok(got) => panic!(
            "read_exact_n(10) of a stream of 3 bytes b'abc': expected an error, got {} bytes {}",
            got.len(),
            show(&got)
        ),
        Err(error) => error,
    };
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
}

#[test]
fn interrupted_reads_are_retried() {
    let mut reader = Trickle::new(b"abcdef", 3);
    reader.interrupt_every_other = true;
    assert_bytes(
        "read_exact_n(6), every other read Interrupted",
        b"abcdef",
        &read_exact_n(&mut reader, 6).unwrap(),
    );
}

/// A reader that hands out its data in pieces of the given sizes, in order.
struct Pieces {
    data: Vec<u8>,
    pos: usize,
    sizes: Vec<usize>,
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = if self.sizes.is_empty() {
            usize::MAX
        } else {
            self.sizes.remove(0)
        };
        let n = size.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn a_message_split_at_every_position_is_read_whole() {
    let message = b"ipconfig /all";
    for split in 1..message.len() {
        let mut reader = Pieces {
            data: message.to_vec(),
            pos: 0,
            sizes: vec![split, message.len() - split],
        };
        let got = read_exact_n(&mut reader, message.len())
            .unwrap_or_else(|e| panic!("split after byte {split}: {e}"));
        assert_bytes(&format!("split after byte {split}"), message, &got);
    }
}

#[test]
fn zero_bytes_reads_nothing() {
    let mut reader = Trickle::new(b"abc", 1);
    assert_bytes(
        "read_exact_n(0)",
        b"",
        &read_exact_n(&mut reader, 0).unwrap(),
    );
    assert_eq!(reader.pos, 0);
}

/// A socket reader that tells the writer after every read, so the writer sends
/// its next piece only once the previous one was read: the pieces can never
/// arrive merged, and one `read` can never return everything.
struct Announcing {
    conn: TcpStream,
    done: mpsc::Sender<()>,
}

impl Read for Announcing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.conn.read(buf)?;
        let _ = self.done.send(());
        Ok(n)
    }
}

#[test]
fn a_message_sent_in_three_pieces_over_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done_tx, done) = mpsc::channel();
    let writer = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        for piece in [&b"ipcon"[..], b"fig /", b"all"] {
            conn.write_all(piece).unwrap();
            // Wait until the reader took this piece before sending the next.
            if done.recv_timeout(LIMIT).is_err() {
                return;
            }
        }
    });
    let conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    let mut reader = Announcing {
        conn,
        done: done_tx,
    };
    assert_bytes(
        "read_exact_n(13) over TCP, sent in three pieces",
        b"ipconfig /all",
        &read_exact_n(&mut reader, 13).unwrap(),
    );
    writer.join().unwrap();
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
