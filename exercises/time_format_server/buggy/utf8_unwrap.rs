//! Buggy submission: `from_utf8(...).unwrap()`: one datagram that is not UTF-8 kills the server.
//!
//! Python's `msg.decode('utf-8')` raises on bad bytes; so does `unwrap` here, as a
//! panic. A server never panics on what a peer sends.
//!
//! Caught by: invalid_utf8_is_an_error, never_panics_on_any_two_bytes

use std::fmt::{self, Write as _};
use std::io;
use std::net::UdpSocket;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, FixedOffset, Local};

/// The teacher's default: an empty datagram means this format.
pub const DEFAULT_FORMAT: &str = "%Y-%m-%d %X";

/// The bytes of IPv4 (20) and UDP (8) headers around every datagram.
pub const IPV4_UDP_HEADERS: usize = 28;

/// A reply may be at most this many times its request, both counted with their
/// headers: QUIC's rule against amplification (RFC 9000 §8.1).
pub const MAX_AMPLIFICATION: usize = 3;

/// The longest reply allowed for a request of `request_len` bytes:
/// `(request_len + 28) × 3 − 28`. An empty request may get 56 bytes, `%c` × 21
/// (42 bytes) 182.
pub const fn max_reply_len(request_len: usize) -> usize {
    (request_len + IPV4_UDP_HEADERS) * MAX_AMPLIFICATION - IPV4_UDP_HEADERS
}

/// The longest chrono specifier, in characters (`%:::z`).
const LONGEST_SPECIFIER: usize = 5;

/// A `fmt::Write` that refuses to grow past `limit` bytes.
struct Bounded {
    text: String,
    limit: usize,
    overflowed: bool,
}

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.text.len() + s.len() > self.limit {
            self.overflowed = true;
            return Err(fmt::Error);
        }
        self.text.push_str(s);
        Ok(())
    }
}

/// The first `%…` that chrono cannot parse.
fn bad_specifier(format: &str) -> String {
    let mut rest = format;
    while let Some(at) = rest.find('%') {
        let spec = &rest[at..];
        let ends = spec.char_indices().map(|(i, c)| i + c.len_utf8()).skip(1);
        let valid = ends
            .take(LONGEST_SPECIFIER - 1)
            .find(|&end| StrftimeItems::new(&spec[..end]).all(|item| item != Item::Error));
        match valid {
            Some(end) => rest = &spec[end..],
            None => return spec.chars().take(2).collect(),
        }
    }
    "%".to_string()
}

fn render(request: &[u8], now: &DateTime<FixedOffset>) -> Result<String, String> {
    // Every error sentence is short: the reply to an empty datagram (56 bytes at
    // most) must have room for it.
    let format = std::str::from_utf8(request).unwrap();
    let format = if format.is_empty() {
        DEFAULT_FORMAT
    } else {
        format
    };
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.contains(&Item::Error) {
        return Err(format!("unknown specifier '{}'", bad_specifier(format)));
    }
    let mut out = Bounded {
        text: String::new(),
        limit: max_reply_len(request.len()),
        overflowed: false,
    };
    match write!(out, "{}", now.format_with_items(items.iter())) {
        Ok(()) => Ok(out.text),
        Err(_) if out.overflowed => Err("reply too long".to_string()),
        Err(_) => Err("cannot render".to_string()),
    }
}

/// The answer to one datagram: the time in its format, or `error: …`; never
/// longer than `max_reply_len(request.len())`.
pub fn reply(request: &[u8], now: &DateTime<FixedOffset>) -> Vec<u8> {
    match render(request, now) {
        Ok(text) => text.into_bytes(),
        Err(why) => format!("error: {why}").into_bytes(),
    }
}

/// The server loop (already written): answers every datagram with `reply`.
pub fn serve(socket: &UdpSocket) -> io::Result<()> {
    let mut buffer = [0u8; 1024];
    loop {
        // Python: msg, addr = sk.recvfrom(1024)
        let (len, peer) = socket.recv_from(&mut buffer)?;
        let now = Local::now().fixed_offset();
        let answer = reply(&buffer[..len], &now);
        // Python: sk.sendto(time_str.encode('utf-8'), addr)
        socket.send_to(&answer, peer)?;
    }
}
