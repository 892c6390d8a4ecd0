//! Exercise: a time server that survives bad formats. Read README.md first.

use std::io;
use std::net::UdpSocket;

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

/// The answer to one datagram: the time in its format, or `error: …`; never
/// longer than `max_reply_len(request.len())`.
pub fn reply(request: &[u8], now: &DateTime<FixedOffset>) -> Vec<u8> {
    // TODO: this is the naive translation of the Python line
    //     time_str = time.strftime(msg.decode('utf-8'))
    // It panics on invalid UTF-8 and on bad specifiers, ignores the empty
    // datagram, and may answer a small request with a reply many times its size. Fix it.
    let format = std::str::from_utf8(request).unwrap();
    now.format(format).to_string().into_bytes()
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
