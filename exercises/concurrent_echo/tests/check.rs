use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use ex_concurrent_echo::serve;

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(5);

/// A server running `serve` on 127.0.0.1:0 in a thread.
fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || serve(&listener));
    addr
}

fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    conn
}

/// Sends `text` and reads back as many bytes.
fn echo(conn: &mut TcpStream, text: &str) -> Vec<u8> {
    conn.write_all(text.as_bytes()).unwrap();
    let mut back = vec![0u8; text.len()];
    if let Err(e) = conn.read_exact(&mut back) {
        panic!(
            "sent {} bytes {}, expected {} bytes back within 5 s, got none ({e}): \
             is another client blocking the server?",
            text.len(),
            show(text.as_bytes()),
            text.len()
        );
    }
    back
}

#[test]
fn echoes_upper_cased_like_python_bytes_upper() {
    let addr = start();
    let mut conn = connect(addr);
    assert_bytes("the echo of b'hello'", b"HELLO", &echo(&mut conn, "hello"));
    assert_bytes(
        "the echo of \"straße 你好\" (only ASCII letters change)",
        "STRAßE 你好".as_bytes(),
        &echo(&mut conn, "straße 你好"),
    );
}

#[test]
fn a_second_client_is_served_while_the_first_is_still_connected() {
    let addr = start();
    let mut alice = connect(addr);
    assert_bytes("alice's echo", b"ALICE", &echo(&mut alice, "alice"));
    // Alice stays connected. A sequential server never gets to Bob.
    let mut bob = connect(addr);
    assert_bytes("bob's echo", b"BOB", &echo(&mut bob, "bob"));
    assert_bytes(
        "alice's second echo",
        b"STILL HERE",
        &echo(&mut alice, "still here"),
    );
}

#[test]
fn sixteen_clients_connected_at_once_are_all_served() {
    let addr = start();
    // Everyone connects, talks, and stays connected until everyone had an
    // answer: only a concurrent server answers them all.
    let all_connected = Arc::new(Barrier::new(16));
    let all_answered = Arc::new(Barrier::new(16));
    let clients: Vec<_> = (0..16)
        .map(|i| {
            let (all_connected, all_answered) =
                (Arc::clone(&all_connected), Arc::clone(&all_answered));
            thread::spawn(move || {
                let mut conn = connect(addr);
                all_connected.wait();
                conn.write_all(format!("client {i}").as_bytes()).unwrap();
                let mut back = vec![0u8; format!("client {i}").len()];
                let answered = conn.read_exact(&mut back).is_ok();
                all_answered.wait();
                answered.then_some(back)
            })
        })
        .collect();
    for (i, client) in clients.into_iter().enumerate() {
        let expected = format!("CLIENT {i}").into_bytes();
        match client.join().unwrap() {
            Some(back) => assert_bytes(&format!("client {i}'s echo"), &expected, &back),
            None => panic!(
                "client {i} was not served: expected {} bytes {} back within 5 s, got none",
                expected.len(),
                show(&expected)
            ),
        }
    }
}

#[test]
fn a_client_that_resets_does_not_stop_the_server() {
    let addr = start();
    let mut first = connect(addr);
    first.write_all(b"bye").unwrap();
    drop(first);
    let mut second = connect(addr);
    assert_bytes(
        "the echo for the client after one that reset",
        b"OK",
        &echo(&mut second, "ok"),
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
