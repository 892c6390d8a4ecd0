use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ex_tcp_deadline::{AskError, MAX_REPLY, ask};

/// No test waits longer than this for `ask` to return.
const LIMIT: Duration = Duration::from_secs(5);

/// The limit `ask` is given in the tests.
const ASK_LIMIT: Duration = Duration::from_millis(300);

/// A server on 127.0.0.1:0 that runs `behave` on its one connection.
fn server(behave: impl FnOnce(TcpStream) + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        if let Ok((conn, _)) = listener.accept() {
            behave(conn);
        }
    });
    addr
}

/// Connects to `addr` and runs `ask`, failing the test if it has not returned
/// within LIMIT (5 s), rather than hanging.
fn ask_server(addr: SocketAddr, request: &'static [u8]) -> Result<Vec<u8>, AskError> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut conn = TcpStream::connect(addr).unwrap();
        let _ = tx.send(ask(&mut conn, request, ASK_LIMIT));
    });
    rx.recv_timeout(LIMIT).unwrap_or_else(|_| {
        panic!("ask() with a limit of 300ms had not returned after 5 s: it must give up at its deadline")
    })
}

/// Reads the whole request (until the client says it is complete), then answers.
fn read_request(conn: &mut TcpStream) -> Vec<u8> {
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    let mut request = Vec::new();
    let _ = conn.read_to_end(&mut request);
    request
}

#[test]
fn a_quick_server_answers() {
    let addr = server(|mut conn| {
        let request = read_request(&mut conn);
        let _ = conn.write_all(if request == b"ping" {
            b"pong"
        } else {
            b"what?"
        });
    });
    let reply = ask_server(addr, b"ping").expect("a reply");
    assert_bytes("the reply to b'ping'", b"pong", &reply);
}

#[test]
fn the_request_is_said_to_be_complete() {
    // This server answers only after the request's end: a client that never says
    // it has finished (shutdown of its sending side) waits for ever.
    let addr = server(|mut conn| {
        let request = read_request(&mut conn);
        let _ = conn.write_all(&request.to_ascii_uppercase());
    });
    match ask_server(addr, b"hello") {
        Ok(reply) => assert_bytes(
            "the reply to b'hello', which the server sends once the request is complete",
            b"HELLO",
            &reply,
        ),
        Err(e) => panic!(
            "the server never learnt that the request was complete: close the sending \
             side after it (Python: sk.shutdown(socket.SHUT_WR)); expected 5 bytes \
             b'HELLO', got {e:?}"
        ),
    }
}

#[test]
fn a_silent_server_is_a_timeout() {
    let addr = server(|mut conn| {
        let _ = read_request(&mut conn);
        // Never answers; keeps the connection open until the test process ends.
        thread::sleep(Duration::from_secs(3600));
    });
    match ask_server(addr, b"hello?") {
        Err(AskError::Timeout { after }) => assert_eq!(after, ASK_LIMIT),
        other => panic!(
            "expected AskError::Timeout {{ after: 300ms }}, got {}",
            outcome(&other)
        ),
    }
}

#[test]
fn a_trickling_server_cannot_stretch_the_deadline() {
    // One byte every 50ms, for ever: each read waits only 50ms, but the whole
    // reply never comes. 300ms in all is the limit.
    let addr = server(|mut conn| {
        let _ = read_request(&mut conn);
        while conn.write_all(b".").is_ok() {
            thread::sleep(Duration::from_millis(50));
        }
    });
    let result = ask_server(addr, b"hello?");
    assert!(
        matches!(result, Err(AskError::Timeout { .. })),
        "expected a timeout after 300ms in all, got {}",
        outcome(&result)
    );
}

#[test]
fn the_timeout_message_says_how_long() {
    let error = AskError::Timeout { after: ASK_LIMIT };
    assert_eq!(error.to_string(), "no complete reply within 300ms");
}

#[test]
fn a_reply_over_the_limit_is_refused() {
    let addr = server(|mut conn| {
        let _ = read_request(&mut conn);
        let _ = conn.write_all(&vec![b'x'; MAX_REPLY + 1]);
    });
    let result = ask_server(addr, b"everything");
    assert!(
        matches!(result, Err(AskError::TooLong)),
        "expected AskError::TooLong for {} bytes, got {}",
        MAX_REPLY + 1,
        outcome(&result)
    );
}

/// What `ask` returned, a reply shown as bytes.
fn outcome(result: &Result<Vec<u8>, AskError>) -> String {
    match result {
        Ok(reply) => format!("Ok, a reply of {} bytes {}", reply.len(), show(reply)),
        Err(e) => format!("Err({e:?})"),
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
