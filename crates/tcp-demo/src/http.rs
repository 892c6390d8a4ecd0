//! 二.客户端/服务端架构 — B/S: a browser is just another client.
//!
//! In the C/S architecture you install a client (QQ, WeChat); in B/S the client is
//! the browser, and it talks to the server over TCP with HTTP, a protocol of text
//! lines. This tiny HTTP/1.1 server answers every browser with a small page and
//! prints the raw request the browser sent, so a student sees that a browser is a
//! program that connects and sends bytes, like our `tcp-demo client`.
//!
//! ```text
//! terminal 1: tcp-demo http                    (listening on 127.0.0.1:8080)
//! browser:    http://127.0.0.1:8080/           (or: curl -v http://127.0.0.1:8080/)
//! ```
//!
//! What a production web server does differently: it keeps connections open for
//! several requests (keep-alive), parses headers fully (chunked bodies, folding,
//! many limits), serves many clients from a pool or an event loop, speaks TLS
//! (https) and HTTP/2 or 3. Ours reads one request head, answers, and closes.
//!
//! Against a hostile client it keeps what every netlab server keeps
//! ([`netlab_common::admission`], [`netlab_common::deadline`]): one deadline for
//! the whole request head, connections still sending their head counted apart
//! from those being answered, and a share of the slots per source address.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use netlab_common::admission::{Limits, Refused, Ticket, WhenFull};
use netlab_common::cli::humanize_duration;
use netlab_common::deadline::Deadline;
use netlab_common::serve::{AcceptLoop, Accepted};
use netlab_common::{DemoResult, Narrator};

/// The classroom port of chapter 4's first example, also the usual "development
/// web server" port.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// The longest request head (request line + headers) we accept. Browsers send well
/// under 2 KiB; without a bound a peer could make us buffer without end.
pub const MAX_REQUEST_HEAD: usize = 8 * 1024;

/// How long a client may take to send its whole request head (the default of
/// `--header-timeout`): one deadline from the moment it is accepted, not a
/// timeout per read, so a client that sends one byte every few seconds is cut
/// off as surely as a silent one. Browsers open spare connections in advance and
/// may send nothing on them for a while; this bounds how long one is kept.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections are answered at once, and (counted apart) how many may
/// still be sending their request head. One thread each; over a limit a client
/// is told `503 Service Unavailable` and closed, so a flood of idle connections
/// cannot exhaust the machine's threads, and silent newcomers can never take the
/// place of a client whose request has arrived.
pub const MAX_CONNECTIONS: usize = 64;

/// The limits `tcp-demo http` runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The whole request head must arrive within this time.
    pub header_timeout: Duration,
    /// Served, pending and per-address slots.
    pub limits: Limits,
}

impl Default for Config {
    /// [`REQUEST_TIMEOUT`], and [`MAX_CONNECTIONS`] slots of each kind with a
    /// quarter of them (16) for one source address: one host cannot take them all.
    fn default() -> Config {
        Config {
            header_timeout: REQUEST_TIMEOUT,
            limits: Limits::for_slots(MAX_CONNECTIONS),
        }
    }
}

/// How much one read takes from the connection; the head is collected read by
/// read until it is complete or over [`MAX_REQUEST_HEAD`].
const READ_CHUNK: usize = 1024;

/// The end of an HTTP head: an empty line.
const HEAD_END: &[u8] = b"\r\n\r\n";

/// The same with bare newlines, as a student typing into `nc` sends them. HTTP
/// asks for `\r\n`, but servers accept `\n` to be kind to such clients.
const HEAD_END_BARE: &[u8] = b"\n\n";

/// Why a request head could not be read.
#[derive(Debug)]
pub enum HeadError {
    /// More than [`MAX_REQUEST_HEAD`] bytes without an empty line.
    TooLarge,
    /// The client closed the connection before the head was complete (or sent
    /// nothing at all: browsers do this with spare connections).
    Incomplete(Vec<u8>),
    /// The head was not complete when its deadline passed.
    TimedOut(Duration),
    /// The head arrived, but every slot for answering was taken.
    Busy(Refused),
    /// Another socket error.
    Io(io::Error),
}

impl std::fmt::Display for HeadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeadError::TooLarge => write!(f, "request head over {MAX_REQUEST_HEAD} bytes"),
            HeadError::Incomplete(bytes) if bytes.is_empty() => {
                write!(f, "connection closed without a request")
            }
            HeadError::Incomplete(bytes) => {
                write!(
                    f,
                    "connection closed after {} bytes of a request",
                    bytes.len()
                )
            }
            HeadError::TimedOut(limit) => write!(
                f,
                "no complete request within {}; closed",
                humanize_duration(*limit)
            ),
            HeadError::Busy(refused) => write!(f, "{refused}"),
            HeadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for HeadError {}

/// Reads the request head: everything up to and including the empty line, all
/// of it within `limit`.
// ANCHOR: read_head
pub fn read_request_head(conn: &TcpStream, limit: Duration) -> Result<Vec<u8>, HeadError> {
    // One deadline for the whole head, not one per read: a client that sends one
    // byte every few seconds would meet no read timeout, and could keep its
    // thread and its slot for as long as it liked.
    let mut reader = Deadline::after(conn, limit).map_err(HeadError::Io)?;
    let mut head = Vec::new();
    let mut buf = [0u8; READ_CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                return Err(HeadError::TimedOut(limit));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(HeadError::Io(e)),
        };
        if n == 0 {
            return Err(HeadError::Incomplete(head));
        }
        head.extend_from_slice(&buf[..n]);
        let end = find(&head, HEAD_END)
            .map(|at| at + HEAD_END.len())
            .or_else(|| find(&head, HEAD_END_BARE).map(|at| at + HEAD_END_BARE.len()));
        if let Some(end) = end {
            // A GET has no body; anything after the empty line is ignored.
            head.truncate(end);
            return Ok(head);
        }
        if head.len() > MAX_REQUEST_HEAD {
            return Err(HeadError::TooLarge);
        }
    }
}
// ANCHOR_END: read_head

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The request's lines, made safe to print on a terminal: control characters
/// (other than tab) are shown as `\xNN`, so a peer cannot send escape codes to
/// the student's terminal.
pub fn printable_lines(head: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(head)
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.chars()
                .map(|c| {
                    if c.is_control() && c != '\t' {
                        format!("\\x{:02x}", u32::from(c))
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect()
}

/// `<`, `>`, `&` and quotes as HTML entities, to show the request inside the page.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The path of the request line `GET /path HTTP/1.1`, if it is one.
fn request_path(head: &[u8]) -> Option<&str> {
    let line = head.split(|b| *b == b'\n').next()?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.split(' ');
    let _method = words.next()?;
    words.next()
}

/// The first line of the page; the browser test looks for it.
pub const PAGE_GREETING: &str = "你好, browser! You are the client of a netlab TCP server.";

/// The whole HTTP response to `head`: status line, headers, empty line, body.
// ANCHOR: respond
pub fn response(head: &[u8]) -> Vec<u8> {
    let (status, body) = match request_path(head) {
        Some("/") => {
            let request = printable_lines(head).join("\n");
            let body = format!(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
                 <title>netlab: B/S</title></head>\n<body>\n<h1>{PAGE_GREETING}</h1>\n\
                 <p>Chapter 2 (二.客户端/服务端架构): this page came from tcp-demo http. \
                 Your browser connected over TCP and sent these bytes:</p>\n\
                 <pre>{}</pre>\n</body></html>\n",
                html_escape(&request)
            );
            ("200 OK", body)
        }
        // Browsers also ask for /favicon.ico; everything else is "not found".
        Some(_) => ("404 Not Found", "not found\n".to_string()),
        None => ("400 Bad Request", "bad request\n".to_string()),
    };
    let content_type = if status == "200 OK" {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}
// ANCHOR_END: respond

/// Serves one connection; returns the request head it answered. The client holds
/// a pending slot (`ticket`) while its head arrives, and a served one once it has.
pub fn serve_connection(
    conn: &mut TcpStream,
    header_timeout: Duration,
    ticket: &mut Ticket,
) -> Result<Vec<u8>, HeadError> {
    let head = match read_request_head(conn, header_timeout) {
        Ok(head) => head,
        Err(HeadError::TooLarge) => {
            let _ = conn.write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return Err(HeadError::TooLarge);
        }
        Err(e) => return Err(e),
    };
    conn.set_write_timeout(Some(REQUEST_TIMEOUT))
        .map_err(HeadError::Io)?;
    // A complete request: from a pending slot to a served one, or 503 when every
    // served slot is taken (the head is read, so closing sends no reset).
    if let Err(refused) = ticket.promote() {
        let _ = conn.write_all(&busy_answer(&refused));
        return Err(HeadError::Busy(refused));
    }
    conn.write_all(&response(&head)).map_err(HeadError::Io)?;
    Ok(head)
}

/// Serves browsers until the process is stopped: one thread per connection,
/// within `config`'s limits. Each request is printed on stdout; a client that
/// took too long, was refused or failed gets one line on stderr.
pub fn run(listener: TcpListener, config: Config) -> io::Result<()> {
    // A client over a limit gets 503 at once, on the accepting thread.
    AcceptLoop::new(config.limits, WhenFull::Refuse)
        .on_refused(refuse_busy)
        .run(&listener, move |client| {
            let Accepted {
                mut conn,
                peer,
                mut ticket,
                ..
            } = client;
            match serve_connection(&mut conn, config.header_timeout, &mut ticket) {
                Ok(head) => print_request(peer, &head),
                // Spare connections a browser never used are normal: no noise.
                Err(HeadError::Incomplete(bytes)) if bytes.is_empty() => {}
                Err(e) => eprintln!("{peer}: {e}"),
            }
            // Dropping the ticket (here) gives its slot back.
        });
    Ok(())
}

/// `503 Service Unavailable`, with the reason as its body (curl and nc show it).
fn busy_answer(refused: &Refused) -> Vec<u8> {
    let body = format!("{refused}\n");
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Answers `503 Service Unavailable` on the accepting thread, without waiting for
/// the client. What the client already sent is read first (without blocking, at
/// most [`MAX_REQUEST_HEAD`] bytes): closing a socket with unread bytes makes the
/// OS reset the connection, and a reset can destroy the answer before the client
/// reads it.
fn refuse_busy(conn: &mut TcpStream, refused: &Refused) {
    if conn.set_nonblocking(true).is_ok() {
        let mut scrap = [0u8; READ_CHUNK];
        let mut drained = 0;
        while drained < MAX_REQUEST_HEAD {
            match conn.read(&mut scrap) {
                Ok(n) if n > 0 => drained += n,
                _ => break, // WouldBlock (nothing more yet), end of stream, or an error
            }
        }
    }
    // A hundred bytes always fit in the socket's send buffer: the write does
    // not wait, and the timeout is only a bound.
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_write_timeout(Some(REQUEST_TIMEOUT));
    let _ = conn.write_all(&busy_answer(refused));
}

/// Prints one request as a block, so that two threads never mix their lines.
fn print_request(peer: SocketAddr, head: &[u8]) {
    let mut text = format!("── request from {peer} ({} bytes):\n", head.len());
    for line in printable_lines(head) {
        text.push_str(&format!("   {line}\n"));
    }
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

// ANCHOR: browser_request
/// What our demo client sends: the request a browser sends, shortened.
fn browser_like_request(addr: SocketAddr) -> String {
    format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\n\
         User-Agent: Mozilla/5.0 (netlab demo; a real browser names itself here)\r\n\
         Accept: text/html,application/xhtml+xml\r\nAccept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\n\
         Connection: close\r\n\r\n"
    )
}
// ANCHOR_END: browser_request

/// Chapter 2's demo: a tiny HTTP server on 127.0.0.1:0, a client that sends what a
/// browser sends, the raw request and the response.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("B/S: a browser is just another client (HTTP over TCP)");
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    narrator.event(
        "server",
        "listening on 127.0.0.1:<port> (port varies), like tcp-demo http",
    );
    let server_narrator = narrator.clone();
    let server = thread::spawn(move || -> Result<(), HeadError> {
        let (mut conn, _) = listener.accept().map_err(HeadError::Io)?;
        let head = read_request_head(&conn, REQUEST_TIMEOUT)?;
        server_narrator.event("server", "received this request head:");
        let port = format!(":{}", addr.port());
        for line in printable_lines(&head) {
            server_narrator.line(&format!("     | {}", line.replace(&port, ":<port>")));
        }
        server_narrator.event(
            "server",
            "answers 200 OK with a small HTML page, then closes",
        );
        conn.set_write_timeout(Some(REQUEST_TIMEOUT))
            .map_err(HeadError::Io)?;
        conn.write_all(&response(&head)).map_err(HeadError::Io)
    });

    let mut client = TcpStream::connect_timeout(&addr, REQUEST_TIMEOUT)?;
    client.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    narrator.event(
        "browser",
        "connects and sends GET / (the same lines Chrome or Firefox send, shortened)",
    );
    client.write_all(browser_like_request(addr).as_bytes())?;
    let mut reply = Vec::new();
    // The server closes after its answer (Connection: close), so read to the end.
    client.read_to_end(&mut reply)?;
    server
        .join()
        .map_err(|_| io::Error::other("server thread panicked"))??;

    let text = String::from_utf8_lossy(&reply);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    narrator.event("browser", "received the response head:");
    for line in head.split("\r\n") {
        // Content-Length depends on the request, which holds the port.
        let line = if line.starts_with("Content-Length:") {
            "Content-Length: <n>"
        } else {
            line
        };
        narrator.line(&format!("     | {line}"));
    }
    narrator.event(
        "browser",
        "and an HTML body; a browser would now draw the page:",
    );
    if body.contains(PAGE_GREETING) {
        narrator.line(&format!("     | {PAGE_GREETING}"));
    }
    narrator.say("HTTP is text lines over a TCP connection: request line, headers, an empty line");
    narrator.say("try it: `tcp-demo http`, then open http://127.0.0.1:8080/ in your browser");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlab_common::admission::Admission;

    /// A pending slot of a one-client server, for a test that serves by hand.
    fn one_slot(peer: SocketAddr) -> Ticket {
        Admission::new(Limits::for_slots(1))
            .admit(peer.ip())
            .unwrap()
    }

    #[test]
    fn response_to_root_shows_the_request() {
        let head = b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: <b>\r\n\r\n";
        let reply = String::from_utf8(response(head)).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(reply.contains("User-Agent: &lt;b&gt;"));
        assert!(reply.contains(PAGE_GREETING));
        let (headers, body) = reply.split_once("\r\n\r\n").unwrap();
        assert!(headers.contains(&format!("Content-Length: {}", body.len())));
    }

    #[test]
    fn other_paths_are_not_found_and_garbage_is_bad() {
        assert!(response(b"GET /favicon.ico HTTP/1.1\r\n\r\n").starts_with(b"HTTP/1.1 404"));
        assert!(response(b"\r\n\r\n").starts_with(b"HTTP/1.1 400"));
    }

    #[test]
    fn bare_newlines_from_nc_are_accepted() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = thread::spawn(move || {
            let mut c = TcpStream::connect(addr).unwrap();
            c.write_all(b"GET / HTTP/1.0\nHost: x\n\n").unwrap();
            let mut reply = Vec::new();
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            c.read_to_end(&mut reply).unwrap();
            reply
        });
        let (mut conn, peer) = listener.accept().unwrap();
        let mut ticket = one_slot(peer);
        let head = serve_connection(&mut conn, REQUEST_TIMEOUT, &mut ticket).unwrap();
        assert_eq!(printable_lines(&head), vec!["GET / HTTP/1.0", "Host: x"]);
        drop(conn);
        assert!(client.join().unwrap().starts_with(b"HTTP/1.1 200 OK"));
    }

    #[test]
    fn control_characters_are_not_printed_raw() {
        assert_eq!(
            printable_lines(b"GET /\x1b[31m\r\n\r\n"),
            vec!["GET /\\x1b[31m"]
        );
    }

    #[test]
    fn too_large_head_is_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = thread::spawn(move || {
            let mut c = TcpStream::connect(addr).unwrap();
            // One byte over the limit: the server reads it all, so closing sends no RST.
            let _ = c.write_all(&vec![b'a'; MAX_REQUEST_HEAD + 1]);
            let mut reply = Vec::new();
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let _ = c.read_to_end(&mut reply);
            reply
        });
        let (mut conn, peer) = listener.accept().unwrap();
        let mut ticket = one_slot(peer);
        assert!(matches!(
            serve_connection(&mut conn, REQUEST_TIMEOUT, &mut ticket),
            Err(HeadError::TooLarge)
        ));
        drop(conn);
        assert!(client.join().unwrap().starts_with(b"HTTP/1.1 431"));
    }

    #[test]
    fn demo_shows_request_and_response() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        assert!(text.contains("| GET / HTTP/1.1"), "{text}");
        assert!(text.contains("| Host: 127.0.0.1:<port>"), "{text}");
        assert!(text.contains("| HTTP/1.1 200 OK"), "{text}");
        assert!(text.contains(PAGE_GREETING), "{text}");
    }
}
