use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ex_udp_client_timeout::{AskError, ask};

/// No test waits longer than this for `ask` to return.
const LIMIT: Duration = Duration::from_secs(5);

/// Runs `ask` in a thread and fails the test if it has not returned within LIMIT
/// (instead of hanging the test run).
fn ask_within_limit(
    socket: UdpSocket,
    server: SocketAddr,
    message: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, AskError> {
    let (tx, rx) = mpsc::channel();
    let message = message.to_vec();
    thread::spawn(move || {
        let _ = tx.send(ask(&socket, server, &message, timeout));
    });
    rx.recv_timeout(LIMIT)
        .expect("ask() must return within its timeout, not hang")
}

/// A UDP server answering b'hi' to every datagram (the tutorial's server, looped).
fn hi_server() -> SocketAddr {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok((_, peer)) = server.recv_from(&mut buf) {
            let _ = server.send_to(b"hi", peer);
        }
    });
    addr
}

fn client() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").unwrap()
}

#[test]
fn hello_gets_hi() {
    let server = hi_server();
    let reply = ask_within_limit(client(), server, b"hello", LIMIT).unwrap();
    assert_bytes("the reply to b'hello'", b"hi", &reply);
}

#[test]
fn no_server_is_a_timeout_not_a_hang() {
    // Bound but silent: like a lost datagram.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = silent.local_addr().unwrap();
    let started = Instant::now();
    let result = ask_within_limit(client(), server, b"hello", Duration::from_millis(200));
    let Err(error) = result else {
        panic!("expected NoReply, got {}", outcome(&result));
    };
    assert!(started.elapsed() >= Duration::from_millis(200));
    match error {
        AskError::NoReply { server: s, timeout } => {
            assert_eq!(s, server);
            assert_eq!(timeout, Duration::from_millis(200));
        }
        AskError::Io(e) => panic!("expected NoReply, got Io({e})"),
    }
}

#[test]
fn the_timeout_message_names_the_server_and_the_time() {
    let server: SocketAddr = "127.0.0.1:9000".parse().unwrap();
    let error = AskError::NoReply {
        server,
        timeout: Duration::from_millis(200),
    };
    assert_eq!(
        error.to_string(),
        "no reply from 127.0.0.1:9000 within 200ms"
    );
}

#[test]
fn a_datagram_from_someone_else_is_not_the_reply() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = silent.local_addr().unwrap();
    let socket = client();
    // A stranger sends to our client before the server could answer.
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    stranger
        .send_to(b"not the reply", socket.local_addr().unwrap())
        .unwrap();
    let result = ask_within_limit(socket, server, b"hello", Duration::from_millis(300));
    assert!(
        matches!(result, Err(AskError::NoReply { .. })),
        "the stranger's datagram was taken as the reply: {}",
        outcome(&result)
    );
}

#[test]
fn the_real_reply_after_a_stranger_is_taken() {
    let server = hi_server();
    let socket = client();
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    stranger
        .send_to(b"not the reply", socket.local_addr().unwrap())
        .unwrap();
    let reply = ask_within_limit(socket, server, b"hello", LIMIT).unwrap();
    assert_bytes(
        "the reply, after a stranger's b'not the reply'",
        b"hi",
        &reply,
    );
}

#[test]
fn strangers_cannot_keep_ask_waiting_past_its_timeout() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = silent.local_addr().unwrap();
    let socket = client();
    let target = socket.local_addr().unwrap();
    // A stranger sends a datagram every 20ms, for as long as the test runs: a
    // client that restarts its 300ms wait at every datagram never gives up.
    let stop = Arc::new(AtomicBool::new(false));
    let stranger = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
            while !stop.load(Ordering::Relaxed) {
                let _ = stranger.send_to(b"noise", target);
                thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(ask(&socket, server, b"hello", Duration::from_millis(300)));
    });
    let result = rx.recv_timeout(LIMIT);
    stop.store(true, Ordering::Relaxed);
    stranger.join().unwrap();
    let result = result.expect(
        "ask() with a 300ms timeout was still waiting after 5 s while a stranger sent \
         a datagram every 20ms: compute one deadline, and wait only for what is left of it",
    );
    assert!(
        matches!(result, Err(AskError::NoReply { .. })),
        "expected NoReply, got {}",
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
