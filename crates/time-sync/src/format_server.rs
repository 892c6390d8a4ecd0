//! `time-sync server`: the tutorial's time server (时间服务器), over UDP.
//!
//! Terminal 1: `cargo run -p time-sync -- server` (listens on 127.0.0.1:9000)
//! Terminal 2: `cargo run -p time-sync -- client --format '%Y-%m-%d %H:%M:%S'`
//!
//! Each datagram carries a strftime format; the reply is this machine's local
//! time in that format. UDP has no connection: the server does not know or care
//! whether the client is still there, it just answers each datagram to the
//! address it came from. One loop serves everyone, and a bad datagram costs
//! the sender an `error:` reply and nothing more. No reply is more than 3 times
//! its request (counted with their 28 bytes of headers): see [`format`].

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use netlab_common::bytes::python_repr;

use crate::droplog::{DropLog, is_peer_error};
use crate::format::{self, ERROR_PREFIX, MAX_FORMAT_LEN};

/// The tutorial's address: `sk.bind(('127.0.0.1',9000))`.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9000);

/// Our receive buffer: one byte more than the longest format we accept, so a
/// longer datagram shows up as "too long" instead of being cut silently to a
/// format we would then render. (Python's `recvfrom(1024)` would cut it.)
pub const RECV_BUFFER_LEN: usize = MAX_FORMAT_LEN + 1;

/// What the server prints while it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// Each request on stdout (`===> b'...'`, like the teacher's), bad ones on stderr.
    Print,
    /// Only the (rate-limited) lines about bad requests, on stderr.
    Quiet,
    /// Nothing at all: for a server inside another program (the tour's demo).
    Silent,
}

/// Binds the server's socket (the binary then prints `listening on ADDR`).
pub fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
    // Python: sk = socket.socket(type=socket.SOCK_DGRAM); sk.bind(('127.0.0.1',9000))
    UdpSocket::bind(addr)
}

// ANCHOR: serve
/// Answers datagrams on `socket` forever (until an I/O error that is not some
/// peer's fault).
pub fn serve(socket: &UdpSocket, echo: Echo) -> io::Result<()> {
    let mut buffer = [0u8; RECV_BUFFER_LEN];
    let mut drops = DropLog::new("time server");
    loop {
        // Python: msg, addr = tcp_server.recvfrom(bufsize)
        let (len, peer) = match socket.recv_from(&mut buffer) {
            Ok(received) => received,
            Err(e) if is_peer_error(&e) => continue,
            Err(e) => return Err(e),
        };
        let request = buffer.get(..len).unwrap_or_default();
        if echo == Echo::Print {
            // Python: print('===>', msg)
            let mut stdout = io::stdout().lock();
            let _ = writeln!(stdout, "===> {}", python_repr(request));
            let _ = stdout.flush();
        }
        // Python: back_msg = strftime(time_fmt) — validated, and bounded.
        let answer = format::answer(request, &chrono::Local::now());
        if echo != Echo::Silent
            && let Err(error) = &answer
        {
            drops.note(peer, &format!("{ERROR_PREFIX} {error}"));
        }
        // Never more than 3 times the request (counted with 28 bytes of headers):
        // a reply bigger than that would make us an amplifier for forged requests.
        let Some(reply) = format::reply_to(len, &answer) else {
            continue;
        };
        // Python: tcp_server.sendto(back_msg.encode('utf-8'), addr)
        if let Err(e) = socket.send_to(&reply, peer)
            && !is_peer_error(&e)
        {
            return Err(e);
        }
    }
}
// ANCHOR_END: serve

/// Starts the server in a background thread (for the demo and tests).
pub fn spawn(addr: SocketAddr) -> io::Result<SocketAddr> {
    let socket = bind(addr)?;
    let local = socket.local_addr()?;
    std::thread::spawn(move || serve(&socket, Echo::Silent));
    Ok(local)
}
