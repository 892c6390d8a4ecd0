//! Exercise: a time server that survives bad formats. Read README.md first.

use std::io;
use std::net::UdpSocket;

use chrono::{DateTime, FixedOffset, Local};

/// The teacher's default: an empty datagram means this format.
pub const DEFAULT_FORMAT: &str = "%Y-%m-%d %X";

/// A reply is never larger than max(this, the request's size).
pub const MIN_REPLY_LIMIT: usize = 512;

/// The answer to one datagram: the time in its format, or `error: …`.
pub fn reply(request: &[u8], now: &DateTime<FixedOffset>) -> Vec<u8> {
    // TODO: this is the naive translation of the Python line
    //     time_str = time.strftime(msg.decode('utf-8'))
    // It panics on invalid UTF-8 and on bad specifiers, ignores the empty
    // datagram, and may answer a small request with a huge reply. Fix it.
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
