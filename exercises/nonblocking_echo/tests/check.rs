use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ex_nonblocking_echo::Server;

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(5);

fn server() -> (Server, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    (Server::new(listener).unwrap(), addr)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    conn
}

/// Runs `work` on its own thread and fails the test if it is not done within
/// LIMIT: a turn that waits (a blocking accept or recv) hangs there, not here.
fn within_limit<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx.recv_timeout(LIMIT).unwrap_or_else(|_| {
        panic!("{what} did not return within 5 s: a turn must never wait (set the sockets non-blocking)")
    })
}

/// Turns until `done(server)`, for at most LIMIT.
fn turn_until(mut server: Server, what: &'static str, done: fn(&Server) -> bool) -> Server {
    within_limit(what, move || {
        let deadline = Instant::now() + LIMIT;
        while !done(&server) {
            server.turn().expect("turn() returned an error");
            assert!(Instant::now() < deadline, "{what}: not after 5 s of turns");
            thread::yield_now();
        }
        server
    })
}

#[test]
fn a_turn_with_nobody_waiting_returns_at_once() {
    let (mut server, _) = server();
    let result = within_limit("a turn with no client at all", move || {
        server.turn().map_err(|e| e.to_string())
    });
    assert_eq!(
        result,
        Ok(0),
        "nobody waiting is not an error: accept's WouldBlock means 'nobody now'"
    );
}

#[test]
fn two_clients_are_echoed_by_one_thread() {
    let (server, addr) = server();
    let mut alice = connect(addr);
    let mut bob = connect(addr);
    let server = turn_until(server, "accepting alice and bob", |s| s.client_count() == 2);
    alice.write_all(b"hello from alice").unwrap();
    bob.write_all("你好 from bob".as_bytes()).unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut back_a = vec![0u8; 16];
        let mut back_b = vec![0u8; "你好 from bob".len()];
        let a = alice.read_exact(&mut back_a).map(|_| back_a);
        let b = bob.read_exact(&mut back_b).map(|_| back_b);
        let _ = done_tx.send(());
        (a, b)
    });
    within_limit("echoing both", move || {
        let mut server = server;
        while done_rx.try_recv().is_err() {
            let _ = server.turn();
            thread::yield_now();
        }
    });
    let (a, b) = reader.join().unwrap();
    assert_echo("alice's echo", b"hello from alice", a);
    assert_echo("bob's echo", "你好 from bob".as_bytes(), b);
}

#[test]
fn a_silent_client_does_not_block_the_others() {
    let (server, addr) = server();
    let _silent = connect(addr);
    let mut bob = connect(addr);
    let server = turn_until(server, "accepting the silent client and bob", |s| {
        s.client_count() == 2
    });
    bob.write_all(b"anyone?").unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut back = [0u8; 7];
        let got = bob.read_exact(&mut back).map(|_| back);
        let _ = done_tx.send(());
        got
    });
    within_limit("a turn with a silent client connected", move || {
        let mut server = server;
        while done_rx.try_recv().is_err() {
            let _ = server.turn();
            thread::yield_now();
        }
    });
    assert_echo(
        "bob's echo, with a silent client connected",
        b"anyone?",
        reader.join().unwrap(),
    );
}

#[test]
fn a_client_that_left_is_dropped() {
    let (server, addr) = server();
    let gone = connect(addr);
    let server = turn_until(server, "accepting a client", |s| s.client_count() == 1);
    drop(gone);
    turn_until(
        server,
        "dropping a client that closed its connection",
        |s| s.client_count() == 0,
    );
}

/// `assert_bytes` for an echo read with `read_exact`, which may have failed.
#[track_caller]
fn assert_echo(what: &str, expected: &[u8], got: std::io::Result<impl AsRef<[u8]>>) {
    match got {
        Ok(back) => assert_bytes(what, expected, back.as_ref()),
        Err(e) => panic!(
            "{what}: expected {} bytes {} within 5 s, got none ({e})",
            expected.len(),
            show(expected)
        ),
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
