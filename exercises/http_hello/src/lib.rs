//! Exercise: the smallest HTTP server a real HTTP client accepts. Read
//! README.md first.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

/// What the server says to every `GET`: UTF-8, so that its length in bytes (17)
/// is not its length in characters (13).
pub const GREETING: &str = "你好, netlab!\n";

/// The longest request head (request line and headers) the server reads. Browsers
/// send under 2 KiB; over 8 KiB is refused, like most servers do.
pub const MAX_HEAD: usize = 8 * 1024;

/// How long a client may take to send its request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// The most bytes read and thrown away after answering (see `handle`).
pub const MAX_DRAIN: u64 = 64 * 1024;

/// The end of a request head: an empty line.
const END_OF_HEAD: &[u8] = b"\r\n\r\n";

/// Reads the request head from `conn`: every byte up to and including the empty
/// line, however many reads it takes. More than `MAX_HEAD` bytes without an empty
/// line is an `InvalidData` error.
pub fn read_head<R: Read>(conn: &mut R) -> io::Result<Vec<u8>> {
    // TODO: one recv(1024), like the tutorial's browser demo: a head that arrives
    // in pieces is cut, and nothing limits its size. Read until the empty line
    // (END_OF_HEAD), at most MAX_HEAD bytes.
    let _ = (END_OF_HEAD, MAX_HEAD);
    let mut buf = [0u8; 1024];
    let n = conn.read(&mut buf)?; // Python: data = conn.recv(1024)
    Ok(buf[..n].to_vec())
}

/// A whole HTTP/1.1 response: status line, headers, an empty line, the body.
/// Every line ends with `\r\n`; `Content-Length` counts the body's bytes.
pub fn response(status: &str, extra_headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    // TODO: the tutorial's answer, `b'HTTP/1.1 200 OK\r\n\r\n' + body`: no
    // Content-Type, no Content-Length (the client cannot know where the body
    // ends), and the status and extra headers are ignored.
    let _ = (status, extra_headers);
    let mut bytes = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
    bytes.extend_from_slice(body);
    bytes
}

/// The response to a request head: 200 and the greeting for `GET`, 405 for
/// another method, 400 for a request line that is not `METHOD TARGET HTTP/1.x`.
pub fn respond(head: &[u8]) -> Vec<u8> {
    // (Already written: it works once `response` does.)
    let request_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let request_line = request_line.strip_suffix(b"\r").unwrap_or(request_line);
    let parts: Vec<&[u8]> = request_line.split(|&b| b == b' ').collect();
    match parts.as_slice() {
        [method, target, version] if !target.is_empty() && version.starts_with(b"HTTP/1.") => {
            if *method == b"GET" {
                response("200 OK", &[], GREETING.as_bytes())
            } else {
                response("405 Method Not Allowed", &[("Allow", "GET")], b"only GET\n")
            }
        }
        _ => response("400 Bad Request", &[], b"not an HTTP request\n"),
    }
}

/// One client (already written): read its request head, answer, close.
pub fn handle(mut conn: TcpStream) -> io::Result<()> {
    conn.set_read_timeout(Some(HEAD_TIMEOUT))?;
    let reply = match read_head(&mut conn) {
        Ok(head) => respond(&head),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => response(
            "431 Request Header Fields Too Large",
            &[],
            b"request head too large\n",
        ),
        Err(e) => return Err(e),
    };
    conn.write_all(&reply)?;
    conn.shutdown(Shutdown::Write)?;
    // Closing a socket with unread bytes makes the system send a reset, and the
    // client may lose our answer with it: read (a bounded amount of) what it still
    // sends first. Web servers call this a lingering close.
    let _ = io::copy(&mut (&conn).take(MAX_DRAIN), &mut io::sink());
    Ok(())
}

/// The accept loop (already written): one client after another; a client's error
/// is logged and the server goes on.
pub fn serve(listener: &TcpListener) {
    loop {
        match listener.accept() {
            Ok((conn, peer)) => {
                if let Err(e) = handle(conn) {
                    eprintln!("{peer}: {e}");
                }
            }
            Err(e) => eprintln!("accept: {e}"),
        }
    }
}
