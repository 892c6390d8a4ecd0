//! The `listening on ADDR` line.
//!
//! Every server prints exactly `listening on ADDR` as its first line on stdout, as
//! soon as the socket is bound, and flushes it. With `--addr 127.0.0.1:0` the
//! operating system picks a free port, and this line is the only way for a student,
//! the tour or a test to learn which one: so it must come first and must not wait in
//! a buffer.

use std::io::{self, Write};
use std::net::SocketAddr;

/// The exact text of the line, without the newline.
pub fn line(addr: SocketAddr) -> String {
    format!("listening on {addr}")
}

/// Prints `listening on ADDR` on stdout and flushes it.
pub fn announce(addr: SocketAddr) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", line(addr))?;
    stdout.flush()
}

/// Reads an address back from a `listening on ADDR` line, the way the tests and the
/// tour do. Returns `None` for any other line.
///
/// ```
/// use netlab_common::listen::parse_line;
/// assert_eq!(parse_line("listening on 127.0.0.1:8898\n"), Some("127.0.0.1:8898".parse().unwrap()));
/// assert_eq!(parse_line("hello"), None);
/// ```
pub fn parse_line(line: &str) -> Option<SocketAddr> {
    line.trim_end().strip_prefix("listening on ")?.parse().ok()
}

/// Whether a server may bind `addr` without the student asking for the network:
/// loopback addresses only (127.0.0.0/8 and ::1).
pub fn is_loopback(addr: SocketAddr) -> bool {
    addr.ip().is_loopback()
}
