//! 六.socket的更多方法 — the tutorial's table of socket methods, tried one by one.
//!
//! `tcp-demo sockinfo` opens a TCP connection to itself on loopback and, for each
//! method of the tutorial's table, shows the Python call, the Rust call that does
//! the same, and what it returned on this machine. `tcp-demo sockinfo --json`
//! prints the same rows as JSON.
//!
//! The lessons hidden in the table:
//! - blocking versus non-blocking: a read with nothing to read either waits
//!   (blocking), fails at once with `WouldBlock` (`setblocking(False)`), or waits
//!   at most a timeout (`settimeout`);
//! - `connect_ex` returns an error *number* where `connect` raises; Rust has only
//!   one style, `Result`, and the number is still there (`raw_os_error`);
//! - `send` may accept fewer bytes than asked, `sendall` loops until all are sent
//!   ([`sendall_lesson`]): in Rust, `write` versus `write_all`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
#[cfg(unix)]
use std::os::fd::AsRawFd;
#[cfg(windows)]
use std::os::windows::io::AsRawSocket;
use std::thread;
use std::time::{Duration, Instant};

use netlab_common::narrate::beside;
use netlab_common::{DemoResult, Narrator};
use socket2::SockRef;

/// How long the `settimeout` row waits for data that never comes.
pub const DEMO_READ_TIMEOUT: Duration = Duration::from_millis(100);

/// The operating system's number for a socket: a file descriptor on Unix, a
/// `SOCKET` handle on Windows (Python's `fileno()` returns either).
#[cfg(unix)]
fn raw_handle(stream: &TcpStream) -> String {
    stream.as_raw_fd().to_string()
}
#[cfg(unix)]
const RAW_HANDLE_CALL: &str = "stream.as_raw_fd()";
#[cfg(windows)]
fn raw_handle(stream: &TcpStream) -> String {
    stream.as_raw_socket().to_string()
}
#[cfg(windows)]
const RAW_HANDLE_CALL: &str = "stream.as_raw_socket()";

/// How long any other step may wait before the lesson counts as failed.
const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// How much the sendall lesson writes at once: far more than the kernel's send
/// and receive buffers together hold on loopback (a few MiB at most), so that a
/// single non-blocking `write` cannot take it all.
pub const SENDALL_BYTES: usize = 32 * 1024 * 1024;

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The Python method, as in the tutorial: `s.getsockname()`.
    pub python: &'static str,
    /// The Rust call that does the same.
    pub rust: &'static str,
    /// What it returned here, as the program shows it (`Err(WouldBlock)`, `true`).
    pub result: String,
    /// Our words about the result, e.g. `(std sets it on Unix listeners)`: the
    /// tour translates them (src/tour.zh.toml), never the result.
    pub note: Option<String>,
    /// Whether `result` changes from run to run or machine to machine (ports,
    /// descriptors, buffer sizes): the tour hides those values.
    pub varies: bool,
}

impl Row {
    fn new(python: &'static str, rust: &'static str, result: String, varies: bool) -> Row {
        Row {
            python,
            rust,
            result,
            note: None,
            varies,
        }
    }

    /// This row with `note` after its result.
    fn noting(mut self, note: impl Into<String>) -> Row {
        self.note = Some(note.into());
        self
    }

    /// The result and the note after it, as `tcp-demo sockinfo` prints them:
    /// `true (std sets it on Unix listeners)`.
    pub fn shown(&self) -> String {
        match &self.note {
            Some(note) => beside(&self.result, note),
            None => self.result.clone(),
        }
    }
}

/// A connected pair on loopback: our client end and the server's end.
fn connected_pair() -> io::Result<(TcpListener, TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?; // Python: s.bind(); s.listen()
    let client = TcpStream::connect_timeout(&listener.local_addr()?, STEP_TIMEOUT)?;
    let (server, _) = listener.accept()?; // Python: s.accept()
    Ok((listener, client, server))
}

/// The result of a read that cannot succeed, as text.
fn read_outcome(result: io::Result<usize>) -> String {
    match result {
        Ok(n) => format!("Ok({n})"),
        Err(e) => format!("Err({:?})", e.kind()),
    }
}

/// An address the OS just gave up, so that connecting to it is refused.
fn refused_addr() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.local_addr()
}

/// Runs every method of the tutorial's table and collects the rows.
// ANCHOR: table
pub fn table() -> io::Result<Vec<Row>> {
    let (listener, mut client, mut server) = connected_pair()?;
    let mut rows = Vec::new();
    let mut buf = [0u8; 16];

    rows.push(Row::new(
        "s.getsockname()",
        "stream.local_addr()",
        client.local_addr()?.to_string(),
        true,
    ));
    rows.push(Row::new(
        "s.getpeername()",
        "stream.peer_addr()",
        client.peer_addr()?.to_string(),
        true,
    ));

    // Non-blocking: nothing has been sent, so the read cannot wait and fails.
    client.set_nonblocking(true)?; // Python: s.setblocking(False)
    rows.push(Row::new(
        "s.setblocking(False); s.recv(16)",
        "set_nonblocking(true); read()",
        read_outcome(client.read(&mut buf)), // Python: BlockingIOError
        false,
    ));
    client.set_nonblocking(false)?;

    // A timeout: the read waits, but not forever.
    client.set_read_timeout(Some(DEMO_READ_TIMEOUT))?; // Python: s.settimeout(0.1)
    let started = Instant::now();
    let outcome = read_outcome(client.read(&mut buf)); // Python: socket.timeout
    let waited = started.elapsed() >= DEMO_READ_TIMEOUT;
    rows.push(
        Row::new(
            "s.settimeout(0.1); s.recv(16)",
            "set_read_timeout(Some(100ms)); read()",
            outcome,
            false,
        )
        .noting(format!("after waiting the timeout: {waited}")),
    );
    rows.push(Row::new(
        "s.gettimeout()",
        "stream.read_timeout()",
        format!("{:?}", client.read_timeout()?),
        false,
    ));

    // ANCHOR: options
    client.set_nodelay(true)?; // Python: s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)
    rows.push(Row::new(
        "s.getsockopt(IPPROTO_TCP, TCP_NODELAY)",
        "set_nodelay(true); nodelay()",
        client.nodelay()?.to_string(),
        false,
    ));
    let sock = SockRef::from(&client);
    rows.push(Row::new(
        "s.getsockopt(SOL_SOCKET, SO_RCVBUF)",
        "SockRef::from(&s).recv_buffer_size()",
        sock.recv_buffer_size()?.to_string(),
        true,
    ));
    rows.push(Row::new(
        "s.getsockopt(SOL_SOCKET, SO_SNDBUF)",
        "SockRef::from(&s).send_buffer_size()",
        sock.send_buffer_size()?.to_string(),
        true,
    ));
    rows.push(
        Row::new(
            "s.getsockopt(SOL_SOCKET, SO_REUSEADDR)",
            "SockRef::from(&listener).reuse_address()",
            SockRef::from(&listener).reuse_address()?.to_string(),
            false,
        )
        .noting("(std sets it on Unix listeners)"),
    );
    // ANCHOR_END: options
    rows.push(Row::new(
        "s.fileno()",
        RAW_HANDLE_CALL,
        raw_handle(&client),
        true,
    ));

    // send / recv / sendall / makefile on the connected pair.
    let sent = client.write(b"ping\n")?; // Python: s.send(b'ping\n')
    rows.push(
        Row::new(
            "s.send(b'ping\\n')",
            "stream.write(b\"ping\\n\")",
            format!("Ok({sent})"),
            false,
        )
        .noting("(bytes accepted; may be fewer than asked)"),
    );
    client.write_all(b"pong\n")?; // Python: s.sendall(b'pong\n')
    rows.push(
        Row::new(
            "s.sendall(b'pong\\n')",
            "stream.write_all(b\"pong\\n\")",
            "Ok(())".to_string(),
            false,
        )
        .noting("(loops until every byte is accepted)"),
    );
    server.set_read_timeout(Some(STEP_TIMEOUT))?;
    let mut lines = BufReader::new(&mut server); // Python: f = conn.makefile('rb')
    let mut first = String::new();
    lines.read_line(&mut first)?; // Python: f.readline()
    rows.push(Row::new(
        "conn.makefile().readline()",
        "BufReader::new(&conn).read_line()",
        format!("{first:?}"),
        false,
    ));
    let mut second = String::new();
    lines.read_line(&mut second)?;
    rows.push(Row::new(
        "f.readline()  # again",
        "reader.read_line() again",
        format!("{second:?}"),
        false,
    ));

    // connect_ex: an error code instead of an exception.
    let nowhere = refused_addr()?;
    let row = |code: String| {
        Row::new(
            "s.connect_ex(closed_port)  # returns 111",
            "TcpStream::connect(closed_port)",
            code,
            false,
        )
    };
    rows.push(match TcpStream::connect_timeout(&nowhere, STEP_TIMEOUT) {
        Ok(_) => row("0".to_string()).noting("(something answered)"),
        Err(e) => row(format!(
            "Err({:?}), raw_os_error() = {}",
            e.kind(),
            e.raw_os_error().unwrap_or(0)
        )),
    });

    drop(client); // Python: s.close()
    rows.push(
        Row::new("s.close()", "drop(stream)", String::new(), false)
            .noting("closed (the peer's next read returns 0 bytes)"),
    );
    Ok(rows)
}
// ANCHOR_END: table

/// What the sendall lesson measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendallOutcome {
    /// How many bytes we asked one `write` to send.
    pub asked: usize,
    /// How many one non-blocking `write` accepted.
    pub first_write: usize,
    /// How many the peer received after `write_all` finished the job.
    pub received: usize,
}

/// `send` versus `sendall`: one `write` on a non-blocking socket whose peer is
/// not reading accepts only what fits in the kernel's buffers; `write_all` loops
/// until the rest is sent (here, once the peer starts reading).
// ANCHOR: sendall
pub fn sendall_lesson() -> io::Result<SendallOutcome> {
    let (_listener, mut client, server) = connected_pair()?;
    let data = vec![b'x'; SENDALL_BYTES];

    // Python: s.setblocking(False); n = s.send(data)
    client.set_nonblocking(true)?;
    let first_write = client.write(&data)?;
    client.set_nonblocking(false)?;
    client.set_write_timeout(Some(STEP_TIMEOUT))?;

    // The peer starts reading now, so the rest can flow.
    let reader = thread::spawn(move || -> io::Result<usize> {
        let mut server = server;
        server.set_read_timeout(Some(STEP_TIMEOUT))?;
        let mut total = 0;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match server.read(&mut buf)? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    });
    // Python: s.sendall(data[n:])
    client.write_all(&data[first_write..])?;
    drop(client); // the reader sees EOF after the last byte
    let received = reader
        .join()
        .map_err(|_| io::Error::other("the reading thread panicked"))??;
    Ok(SendallOutcome {
        asked: data.len(),
        first_write,
        received,
    })
}
// ANCHOR_END: sendall

/// The rows as JSON (`--json`).
pub fn to_json(rows: &[Row], sendall: &SendallOutcome) -> serde_json::Value {
    serde_json::json!({
        "methods": rows.iter().map(|row| serde_json::json!({
            "python": row.python,
            "rust": row.rust,
            "result": row.shown(),
            "varies": row.varies,
        })).collect::<Vec<_>>(),
        "sendall": {
            "asked": sendall.asked,
            "first_write": sendall.first_write,
            "received": sendall.received,
        },
    })
}

/// The table as text, one line per method.
pub fn render(rows: &[Row], sendall: &SendallOutcome) -> String {
    let mut out = String::new();
    for row in rows {
        out.push_str(&format!(
            "{:<42} {:<42} {}\n",
            row.python,
            row.rust,
            row.shown()
        ));
    }
    out.push_str(&format!(
        "\nsend versus sendall: one non-blocking write() accepted {} of {} bytes; \
         write_all() sent the rest, the peer received {}\n",
        sendall.first_write, sendall.asked, sendall.received
    ));
    out
}

/// Chapter 6's demo, run by the tour: the table (values that vary are hidden)
/// and the sendall lesson.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("The socket methods of the tutorial's table, tried on a real connection");
    for row in table()? {
        let result = if row.varies {
            narrator.tr("(varies by run and machine)")
        } else if let Some(note) = &row.note {
            beside(&row.result, &narrator.tr(note))
        } else {
            row.result
        };
        narrator.line(&format!("   {:<42} {:<42} {result}", row.python, row.rust));
    }
    narrator.section("send versus sendall (write versus write_all)");
    let outcome = sendall_lesson()?;
    narrator.say(&format!(
        "asked one non-blocking write() to send {} MiB to a peer that was not reading",
        outcome.asked / (1024 * 1024)
    ));
    let partial = outcome.first_write < outcome.asked;
    narrator.say(&format!(
        "it accepted fewer bytes than asked: {partial} (the kernel's buffers were full)"
    ));
    narrator.say(&format!(
        "write_all() sent the rest; the peer received all {} MiB: {}",
        outcome.asked / (1024 * 1024),
        outcome.received == outcome.asked
    ));
    narrator.say("so always use write_all (Python: sendall) unless you handle partial writes");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_covers_the_tutorials_methods() {
        let rows = table().unwrap();
        let python: Vec<&str> = rows.iter().map(|r| r.python).collect();
        for method in [
            "getsockname",
            "getpeername",
            "setblocking",
            "settimeout",
            "gettimeout",
            "TCP_NODELAY",
            "SO_RCVBUF",
            "SO_SNDBUF",
            "SO_REUSEADDR",
            "fileno",
            "sendall",
            "makefile",
            "connect_ex",
            "close",
        ] {
            assert!(
                python.iter().any(|p| p.contains(method)),
                "{method} missing"
            );
        }
    }

    #[test]
    fn non_blocking_read_would_block_and_timeout_expires() {
        let rows = table().unwrap();
        let find = |needle: &str| rows.iter().find(|r| r.python.contains(needle)).unwrap();
        assert_eq!(find("setblocking").result, "Err(WouldBlock)");
        assert_eq!(find("settimeout").result, "Err(WouldBlock)");
        assert!(find("settimeout").shown().ends_with("timeout: true"));
        assert_eq!(find("TCP_NODELAY").result, "true");
        assert!(find("connect_ex").result.contains("ConnectionRefused"));
        assert_eq!(find("readline").result, "\"ping\\n\"");
    }

    #[test]
    fn one_write_is_partial_and_write_all_finishes() {
        let outcome = sendall_lesson().unwrap();
        assert!(outcome.first_write < outcome.asked);
        assert_eq!(outcome.received, outcome.asked);
    }

    #[test]
    fn demo_is_deterministic() {
        let run = || {
            let (narrator, captured) = Narrator::capture();
            demo(&narrator).unwrap();
            captured.text()
        };
        let first = run();
        assert_eq!(first, run());
        assert!(first.contains("fewer bytes than asked: true"));
        assert!(first.contains("Err(WouldBlock)"));
    }
}
