use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ex_tcp_echo_server::{echo, handle_client, serve};

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(5);

/// A server running `serve` on 127.0.0.1:0 in a thread.
fn start(idle_timeout: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || serve(&listener, idle_timeout));
    addr
}

fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    conn
}

/// Sends `data`, closes our side, and reads everything echoed back.
fn echo_all(addr: SocketAddr, data: &[u8]) -> Vec<u8> {
    let mut conn = connect(addr);
    let writer = {
        let mut conn = conn.try_clone().unwrap();
        let data = data.to_vec();
        thread::spawn(move || {
            conn.write_all(&data).unwrap();
            conn.shutdown(Shutdown::Write).unwrap();
        })
    };
    let mut back = Vec::new();
    conn.read_to_end(&mut back)
        .expect("the echo should end when we close our side");
    writer.join().unwrap();
    back
}

/// A connection as a slow, busy network delivers it: each `write` takes at most
/// 7 bytes and each `read` returns at most 100. A real socket's `send` takes fewer
/// bytes than asked when it is interrupted (a signal, a send timeout) or, when
/// non-blocking, when its buffer is nearly full; here it always does, so a
/// program that ignores what `write` returns loses bytes every time.
struct Stingy(TcpStream);

const MAX_WRITE: usize = 7;
const MAX_READ: usize = 100;

impl Read for Stingy {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(MAX_READ);
        self.0.read(&mut buf[..n])
    }
}

impl Write for Stingy {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(&buf[..buf.len().min(MAX_WRITE)])
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[test]
fn echoes_the_tutorials_hello() {
    let addr = start(LIMIT);
    assert_bytes("the echo", b"hello!", &echo_all(addr, b"hello!"));
}

#[test]
fn echoes_several_messages_on_one_connection() {
    let addr = start(LIMIT);
    let mut conn = connect(addr);
    for message in [&b"one"[..], "你好".as_bytes(), b"three"] {
        conn.write_all(message).unwrap();
        let mut back = vec![0u8; message.len()];
        if let Err(e) = conn.read_exact(&mut back) {
            panic!(
                "sent {} bytes {}, but they did not all come back ({e}): \
                 does the server echo only its first read?",
                message.len(),
                show(message)
            );
        }
        assert_bytes("the echo", message, &back);
    }
}

#[test]
fn echoes_a_big_message_completely() {
    let addr = start(LIMIT);
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    assert_bytes("the echo of 200000 bytes", &data, &echo_all(addr, &data));
}

#[test]
fn echoes_everything_when_writes_are_short() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let data: Vec<u8> = (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let client = {
        let data = data.clone();
        thread::spawn(move || echo_all(addr, &data))
    };
    let (conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    let echoed = echo(&mut Stingy(conn)).expect("echo returned an error");
    let back = client.join().unwrap();
    assert_bytes(
        "the echo, when each write takes at most 7 bytes (use write_all, Python's sendall)",
        &data,
        &back,
    );
    assert_eq!(echoed, 3000, "echo must return how many bytes it echoed");
}

#[test]
fn returns_the_number_of_bytes_echoed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = thread::spawn(move || echo_all(addr, &[7u8; 3000]));
    let (conn, _) = listener.accept().unwrap();
    assert_eq!(handle_client(conn, LIMIT).unwrap(), 3000);
    assert_eq!(client.join().unwrap().len(), 3000);
}

#[test]
fn a_silent_client_does_not_block_the_next_one() {
    let addr = start(Duration::from_millis(200));
    let _silent = connect(addr);
    // The server drops the silent client after 200ms and serves us.
    assert_bytes(
        "the echo for the client after a silent one",
        b"still there?",
        &echo_all(addr, b"still there?"),
    );
}

#[test]
fn a_silent_client_is_an_error_after_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let _silent = connect(listener.local_addr().unwrap());
    let (conn, _) = listener.accept().unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = done_tx.send(handle_client(conn, Duration::from_millis(100)));
    });
    let result = done_rx.recv_timeout(LIMIT).expect(
        "handle_client still waits for a client that said nothing for 5 s, with a \
         100ms idle_timeout: set a read timeout on the connection",
    );
    assert!(
        result.is_err(),
        "a silent client must end with an error, got {result:?}"
    );
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
