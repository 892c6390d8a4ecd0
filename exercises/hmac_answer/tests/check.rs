use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ex_hmac_answer::{answer, client_handshake, verify};

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(5);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// `hmac.new(b'alex-sb', bytes(range(32)), 'sha256').hexdigest()` in Python.
const PYTHON_ALEX: &str = "061c16dbd91393218781e01635e5971e52c3ba61d7bd4c18b587fb156dc125ea";

fn counting_challenge() -> Vec<u8> {
    (0..32).collect()
}

#[test]
fn answer_matches_python_hmac() {
    assert_bytes(
        "answer(b'alex-sb', bytes(range(32))) (Python: hmac.new(key, challenge, 'sha256').digest())",
        &unhex(PYTHON_ALEX),
        &answer(b"alex-sb", &counting_challenge()),
    );
}

#[test]
fn answer_with_a_long_key_matches_python() {
    // hmac.new(b'k' * 100, b'\xff' * 32, 'sha256'): keys longer than SHA-256's
    // 64-byte block are hashed first; HMAC does that for you.
    assert_bytes(
        "answer(b'k' * 100, b'\\xff' * 32) (Python: hmac.new(key, challenge, 'sha256').digest())",
        &unhex("de5de38daf799b4933e8fc5892b3590a52e9ac70ade403979f705c75611e4f46"),
        &answer(&[b'k'; 100], &[0xff; 32]),
    );
}

#[test]
fn verify_accepts_exactly_the_right_answer() {
    let right = unhex(PYTHON_ALEX);
    assert!(verify(b"alex-sb", &counting_challenge(), &right));
    assert!(!verify(b"guess", &counting_challenge(), &right));
    assert!(!verify(b"alex-sb", &[0u8; 32], &right), "another challenge");
}

#[test]
fn verify_refuses_short_and_empty_answers() {
    let right = unhex(PYTHON_ALEX);
    assert!(!verify(b"alex-sb", &counting_challenge(), &right[..31]));
    assert!(!verify(b"alex-sb", &counting_challenge(), &right[..1]));
    assert!(!verify(b"alex-sb", &counting_challenge(), b""));
}

/// A server that sends the counting challenge, checks the answer against
/// Python's, and says welcome or refused. Returns the answer it got.
fn server() -> (std::net::SocketAddr, thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(LIMIT)).unwrap();
        conn.write_all(&counting_challenge()).unwrap();
        let mut got = vec![0u8; 32];
        if conn.read_exact(&mut got).is_err() {
            return Vec::new();
        }
        let verdict: &[u8] = if hex(&got) == PYTHON_ALEX {
            b"welcome\n"
        } else {
            b"refused\n"
        };
        conn.write_all(verdict).unwrap();
        got
    });
    (addr, handle)
}

/// A TCP stream whose reads return at most 10 bytes, as a slow network may:
/// the 32-byte challenge takes at least four reads.
struct Slow(TcpStream);

impl Read for Slow {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(10);
        self.0.read(&mut buf[..n])
    }
}

impl Write for Slow {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn connect(addr: std::net::SocketAddr) -> Slow {
    let conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    Slow(conn)
}

#[test]
fn handshake_with_the_right_key_is_welcomed() {
    let (addr, server) = server();
    let mut conn = connect(addr);
    assert!(client_handshake(&mut conn, b"alex-sb").unwrap());
    assert_bytes(
        "the answer the server received",
        &unhex(PYTHON_ALEX),
        &server.join().unwrap(),
    );
}

#[test]
fn handshake_with_a_wrong_key_is_refused() {
    let (addr, server) = server();
    let mut conn = connect(addr);
    assert!(!client_handshake(&mut conn, b"guess").unwrap());
    server.join().unwrap();
}

/// The text of `fn NAME` in `source`: from its name to its closing brace, without
/// comments.
fn function_body<'a>(source: &'a str, name: &str) -> Option<String> {
    let start = source.find(&format!("fn {name}("))?;
    let open = start + source[start..].find('{')?;
    let mut depth = 0;
    for (i, c) in source[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let body = &source[start..open + i + 1];
                    return Some(
                        body.lines()
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

/// Whether the comparison takes the same time however many bytes are right
/// cannot be seen from outside: the difference is a few nanoseconds per byte,
/// far below the noise of one test run (an attacker averages millions of tries).
/// So this test reads the source of `verify` instead: it must compare with the
/// Mac's `verify_slice` (Python: `hmac.compare_digest`), never with `==`.
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
            "verify compares with `{comparison}`, which stops at the first wrong byte: \
             its timing tells an attacker how much of a guess was right\n{body}"
        );
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
