use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ex_socket_message::{MAX_MESSAGE, receive_via_socket, send_via_socket};

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(10);

/// Runs b (`receive_via_socket`) on 127.0.0.1:0 in a thread; its result comes
/// through the channel.
fn program_b() -> (SocketAddr, mpsc::Receiver<std::io::Result<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(receive_via_socket(&listener));
    });
    (addr, rx)
}

/// a sends `message` to b; returns what b received.
fn send_and_receive(message: &[u8]) -> Vec<u8> {
    let (addr, b) = program_b();
    let sent = {
        let message = message.to_vec();
        thread::spawn(move || send_via_socket(addr, &message))
    };
    let received = b
        .recv_timeout(LIMIT)
        .expect("b did not finish within 10 s: does it know when the message is complete?")
        .expect("b failed");
    sent.join().unwrap().expect("a failed");
    received
}

/// Fails with what was sent and what came back, with byte counts.
#[track_caller]
fn assert_message(sent: &[u8], received: &[u8]) {
    assert_bytes("the message b received from a", sent, received);
}

#[test]
fn the_message_arrives() {
    assert_message(b"hello from a.py", &send_and_receive(b"hello from a.py"));
}

#[test]
fn a_message_is_bytes_not_text() {
    let message = [&b"\x00\xff\r\n"[..], "你好".as_bytes()].concat();
    assert_message(&message, &send_and_receive(&message));
}

#[test]
fn an_empty_message_is_a_message() {
    assert_message(b"", &send_and_receive(b""));
}

#[test]
fn a_big_message_arrives_whole() {
    // 200 KB cannot come in one recv(1024).
    let message: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    assert_message(&message, &send_and_receive(&message));
}

#[test]
fn a_message_over_the_limit_is_refused() {
    let (addr, b) = program_b();
    thread::spawn(move || send_via_socket(addr, &vec![b'x'; MAX_MESSAGE + 1]));
    let result = b.recv_timeout(LIMIT).expect("b did not finish within 10 s");
    let error = match result {
        Ok(message) => panic!(
            "b accepted a message over MAX_MESSAGE bytes: expected an error, got {} bytes {}",
            message.len(),
            show(&message)
        ),
        Err(error) => error,
    };
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{error}");
}

/// A b written in the test: it reads until a says the message is complete, then
/// answers `ok`. If a never says so, b gives up after 2 s without answering.
#[test]
fn a_says_when_the_message_is_complete() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut message = Vec::new();
        if conn.read_to_end(&mut message).is_ok() {
            let _ = conn.write_all(b"ok");
        }
    });
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(send_via_socket(addr, b"hello"));
    });
    let result = rx
        .recv_timeout(LIMIT)
        .expect("a did not finish within 10 s");
    assert!(
        result.is_ok(),
        "b never learnt that the message was complete, so it never answered: \
         close a's sending side after the message ({result:?})"
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
