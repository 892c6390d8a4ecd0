use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ex_challenge_server::{ANSWER_LEN, CHALLENGE_LEN, authenticate};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(10);

/// The time a client has to answer, in these tests.
const ANSWER_LIMIT: Duration = Duration::from_millis(300);

const KEY: &[u8] = b"alex-sb";

/// Python: hmac.new(key, challenge, 'sha256').digest()
fn hmac(key: &[u8], challenge: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(challenge);
    mac.finalize().into_bytes().into()
}

/// A server that authenticates one client with `authenticate`; its verdict comes
/// back through the channel.
fn server() -> (SocketAddr, mpsc::Receiver<std::io::Result<bool>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let _ = tx.send(authenticate(&mut conn, KEY, ANSWER_LIMIT));
    });
    (addr, rx)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    conn
}

fn read_challenge(conn: &mut TcpStream) -> [u8; CHALLENGE_LEN] {
    let mut challenge = [0u8; CHALLENGE_LEN];
    conn.read_exact(&mut challenge)
        .expect("32 bytes of challenge");
    challenge
}

fn verdict(conn: &mut TcpStream) -> Vec<u8> {
    let mut verdict = Vec::new();
    let _ = conn.read_to_end(&mut verdict);
    verdict
}

fn server_verdict(rx: mpsc::Receiver<std::io::Result<bool>>, what: &str) -> bool {
    rx.recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("authenticate() had not returned after 10 s ({what}): it must give up at its deadline"))
        .expect("authenticate() returned an error")
}

/// One whole handshake as the tutorial's client does it; returns the challenge,
/// the answer sent and the server's verdict.
fn handshake(key: &[u8]) -> ([u8; 32], [u8; 32], bool, Vec<u8>) {
    let (addr, rx) = server();
    let mut conn = connect(addr);
    let challenge = read_challenge(&mut conn);
    let answer = hmac(key, &challenge);
    conn.write_all(&answer).unwrap();
    let said = verdict(&mut conn);
    (
        challenge,
        answer,
        server_verdict(rx, "a client that answered"),
        said,
    )
}

#[test]
fn the_right_key_is_welcomed() {
    let (_, _, accepted, said) = handshake(KEY);
    assert!(accepted);
    assert_bytes("the server's verdict on the right key", b"welcome\n", &said);
}

#[test]
fn a_wrong_key_is_refused() {
    let (_, _, accepted, said) = handshake(b"guess");
    assert!(!accepted);
    assert_bytes("the server's verdict on a wrong key", b"refused\n", &said);
}

#[test]
fn every_challenge_is_new() {
    let mut seen = HashSet::new();
    for _ in 0..10 {
        let (challenge, _, _, _) = handshake(KEY);
        assert!(
            seen.insert(challenge),
            "the server sent the same challenge twice: {} bytes {}",
            challenge.len(),
            show(&challenge)
        );
    }
}

#[test]
fn a_replayed_answer_is_refused() {
    // An eavesdropper records one good session...
    let (_, recorded_answer, accepted, _) = handshake(KEY);
    assert!(accepted);
    // ...and plays the answer back, without knowing the key.
    let (addr, rx) = server();
    let mut conn = connect(addr);
    let _new_challenge = read_challenge(&mut conn);
    conn.write_all(&recorded_answer).unwrap();
    assert_bytes(
        "the verdict on a recorded answer played back (each challenge must be fresh: random)",
        b"refused\n",
        &verdict(&mut conn),
    );
    assert!(!server_verdict(rx, "a replayed answer"));
}

#[test]
fn a_silent_client_is_refused_at_the_deadline() {
    let (addr, rx) = server();
    let mut conn = connect(addr);
    let _challenge = read_challenge(&mut conn);
    // ...and no answer at all.
    assert!(!server_verdict(rx, "a client that never answers"));
    assert_bytes(
        "the verdict at the deadline, for a client that never answered",
        b"refused\n",
        &verdict(&mut conn),
    );
}

#[test]
fn a_trickling_client_is_cut_off_at_the_deadline() {
    let (addr, rx) = server();
    let mut conn = connect(addr);
    let challenge = read_challenge(&mut conn);
    let answer = hmac(KEY, &challenge);
    // The right answer, one byte every 50ms: 1.6 s in all, and the limit is
    // 300ms. Every byte comes in time for a per-read timeout; the answer does not.
    let writer = thread::spawn(move || {
        for byte in answer {
            if conn.write_all(&[byte]).is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
        conn
    });
    assert!(
        !server_verdict(rx, "a client trickling its answer"),
        "a client took 1.6 s to answer with a limit of 300ms, and was let in: one \
         deadline for all 32 bytes"
    );
    let _ = writer.join();
}

/// The text of `fn NAME` in `source`: from its name to its closing brace, without
/// comments.
fn function_body(source: &str, name: &str) -> Option<String> {
    let start = source.find(&format!("fn {name}("))?;
    let open = start + source[start..].find('{')?;
    let mut depth = 0;
    for (i, c) in source[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(
                        source[start..open + i + 1]
                            .lines()
                            .map(|line| line.split("//").next().unwrap_or(""))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                }
            }
            _ => {}
        }
    }
    None
}

/// A comparison in constant time cannot be seen from outside (a few nanoseconds
/// per byte, lost in the noise of one run), so this test reads `verify`.
#[test]
fn verify_compares_in_constant_time() {
    let source = include_str!("../src/lib.rs");
    let body = function_body(source, "verify").expect("src/lib.rs has a fn verify");
    assert!(
        body.contains("verify_slice"),
        "verify must compare with the Mac's verify_slice (constant time):\n{body}"
    );
    for comparison in ["==", "!=", ".eq(", "starts_with", ".cmp("] {
        assert!(
            !body.contains(comparison),
            "verify compares with `{comparison}`, which stops at the first wrong byte\n{body}"
        );
    }
    assert_eq!(ANSWER_LEN, 32);
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
