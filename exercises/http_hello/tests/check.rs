use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ex_http_hello::{GREETING, MAX_HEAD, serve};

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(10);

/// A server running `serve` on 127.0.0.1:0 in a thread.
fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || serve(&listener));
    addr
}

/// Sends `request` as raw bytes, closes our side, and reads the whole answer.
fn raw(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    conn.write_all(request).unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer)
        .expect("the server closes the connection after its answer");
    answer
}

/// A strict reading of an HTTP/1.1 response: what a careful client checks.
#[derive(Debug)]
struct Response {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn parse_strictly(bytes: &[u8]) -> Response {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        panic!(
            "no empty line \\r\\n\\r\\n ends the response's head; got {} bytes: {:?}",
            bytes.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        );
    };
    let head = std::str::from_utf8(&bytes[..end]).expect("the head is ASCII text");
    assert!(
        !head.replace("\r\n", "").contains('\n'),
        "every line of the head ends with \\r\\n, not a bare \\n: {head:?}"
    );
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("a header line without ':': {line:?}"));
            (name.to_string(), value.trim().to_string())
        })
        .collect();
    Response {
        status_line,
        headers,
        body: bytes[end + 4..].to_vec(),
    }
}

#[test]
fn a_real_http_client_gets_the_greeting() {
    let addr = start();
    let url = format!("http://{addr}/");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(fetch_with_a_real_client(&url));
    });
    let (ok, body, report) = rx
        .recv_timeout(LIMIT)
        .expect("the HTTP client did not finish within 10 s");
    assert!(ok, "the HTTP client failed: {report}");
    assert_bytes(
        &format!(
            "the body the HTTP client got (is Content-Length the body's length in bytes?) {report}"
        ),
        GREETING.as_bytes(),
        &body,
    );
}

/// Fetches `url` with Python's urllib (the tutorial's language) or curl, whichever
/// is installed: (it succeeded, the body, what it said).
fn fetch_with_a_real_client(url: &str) -> (bool, Vec<u8>, String) {
    const PYTHON: &str = "import sys, urllib.request\n\
        with urllib.request.urlopen(sys.argv[1], timeout=5) as r:\n\
        \x20   body = r.read()\n\
        \x20   sys.stdout.buffer.write(body)\n\
        \x20   sys.stderr.write('status %d, Content-Type %s' % (r.status, r.headers['Content-Type']))\n";
    let attempts: [(&str, Vec<&str>); 3] = [
        ("python3", vec!["-c", PYTHON, url]),
        ("python", vec!["-c", PYTHON, url]),
        (
            "curl",
            vec!["--silent", "--show-error", "--fail", "--max-time", "5", url],
        ),
    ];
    for (program, args) in attempts {
        let output = Command::new(program)
            .args(&args)
            .stdin(Stdio::null())
            .output();
        if let Ok(output) = output {
            let report = format!(
                "({program}: {})",
                String::from_utf8_lossy(&output.stderr).trim()
            );
            return (output.status.success(), output.stdout, report);
        }
    }
    panic!("this test needs a real HTTP client: python3 (the tutorial's language) or curl");
}

#[test]
fn the_response_is_strict_http() {
    let addr = start();
    let answer = raw(addr, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let response = parse_strictly(&answer);
    assert_eq!(response.status_line, "HTTP/1.1 200 OK");
    let length = response
        .header("Content-Length")
        .expect("a Content-Length header: how else does the client know where the body ends?");
    assert_eq!(
        length,
        response.body.len().to_string(),
        "Content-Length must count the body's bytes ({} bytes came), not its characters",
        response.body.len()
    );
    assert!(
        response
            .header("Content-Type")
            .is_some_and(|t| t.starts_with("text/plain")),
        "a Content-Type header, text/plain: {:?}",
        response.headers
    );
    assert_bytes("the body", GREETING.as_bytes(), &response.body);
}

#[test]
fn a_request_is_answered_only_when_it_is_complete() {
    let addr = start();
    let mut conn = TcpStream::connect(addr).unwrap();
    // The head without its empty line: the client may still send headers.
    conn.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let mut early = [0u8; 64];
    match conn.read(&mut early) {
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) => {}
        Ok(n) => panic!(
            "the server answered before the request head was complete (no empty line yet): \
             {n} bytes {}; read until \\r\\n\\r\\n",
            show(&early[..n])
        ),
        Err(e) => panic!("the server closed the connection early: {e}"),
    }
    conn.write_all(b"Accept: */*\r\n\r\n").unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    assert_bytes(
        "the body, once the request was complete",
        GREETING.as_bytes(),
        &parse_strictly(&answer).body,
    );
}

#[test]
fn another_method_gets_405() {
    let addr = start();
    let answer = raw(addr, b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    let response = parse_strictly(&answer);
    assert_eq!(response.status_line, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(response.header("Allow"), Some("GET"));
}

#[test]
fn a_request_that_is_not_http_gets_400() {
    let addr = start();
    let answer = raw(addr, b"hello\r\n\r\n");
    assert_eq!(
        parse_strictly(&answer).status_line,
        "HTTP/1.1 400 Bad Request"
    );
}

#[test]
fn a_request_head_too_large_gets_431() {
    let addr = start();
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    let mut request = b"GET / HTTP/1.1\r\nX-Padding: ".to_vec();
    request.extend(std::iter::repeat_n(b'x', 2 * MAX_HEAD));
    conn.write_all(&request).unwrap();
    conn.shutdown(Shutdown::Write).unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    assert_eq!(
        parse_strictly(&answer).status_line,
        "HTTP/1.1 431 Request Header Fields Too Large"
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
