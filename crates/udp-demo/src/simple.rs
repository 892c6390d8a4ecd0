//! 四.套接字初使用 — the tutorial's first UDP server and client (基于UDP协议的socket).
//!
//! UDP has no connection: the server binds and waits for a datagram, from
//! anyone; `recvfrom` returns the message *and* the sender's address, and the
//! reply goes back with `sendto(b'hi', addr)`. The client needs no `connect`: it
//! sends a datagram to the server's address and waits for one back.
//!
//! ```text
//! terminal 1: udp-demo server            (or: python3 tests/python/udp_server.py)
//! terminal 2: udp-demo client            (or: python3 tests/python/udp_client.py)
//! ```
//!
//! UDP may lose a datagram, and then the client's `recvfrom` waits forever: the
//! tutorial's client has no way out. Ours waits `--timeout` and says so.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::Duration;

use netlab_common::bytes::python_repr;

use crate::boundaries::{Datagram, RECV_BUFFER, recv_from_reporting};

/// The tutorial's address: `udp_sk.bind(('127.0.0.1',9000))`.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9000);

/// What the client sends: `udp_sk.sendto(b'hello',ip_port)`.
pub const CLIENT_MESSAGE: &[u8] = b"hello";
/// What the server answers: `udp_sk.sendto(b'hi',addr)`.
pub const SERVER_REPLY: &[u8] = b"hi";

// The amplification rule (RFC 9000 §8.1, `netlab_common::amplification`): a
// reply, counted with its 28 bytes of IPv4 and UDP headers, is at most 3 times
// its request counted the same way. `b'hi'` (30 bytes on the wire) answers any
// datagram, even an empty one (28, which may get 84): the compiler checks it.
const _: () = assert!(netlab_common::amplification::allows(0, SERVER_REPLY.len()));

/// The largest payload one UDP datagram can carry over IPv4: 65535 (the IP
/// length field) minus 20 bytes of IP header and 8 of UDP header. A longer
/// `--message` cannot be sent at all (`Message too long`), so the client refuses it
/// up front. (Anything over [`RECV_BUFFER`] is sent, and the server reports that it
/// was truncated: that is a lesson, not an error.)
pub const MAX_DATAGRAM: usize = 65_507;

/// The client's default `--timeout`: on loopback a reply takes microseconds, so
/// a few seconds without one means no server (or a lost datagram).
pub const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(3);

/// Binds the server socket.
pub fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
    // Python: udp_sk = socket.socket(type=socket.SOCK_DGRAM); udp_sk.bind(addr)
    UdpSocket::bind(addr)
}

/// Serves one datagram: receive it, reply `b'hi'` to its sender. Returns what
/// arrived, for the caller to print (`print(msg)`).
// ANCHOR: serve
pub fn serve_one(socket: &UdpSocket) -> io::Result<Datagram> {
    // Python: msg,addr = udp_sk.recvfrom(1024)
    let datagram = recv_from_reporting(socket, RECV_BUFFER)?;
    socket.send_to(SERVER_REPLY, datagram.from)?; // Python: udp_sk.sendto(b'hi',addr)
    Ok(datagram)
}
// ANCHOR_END: serve

/// The server of `udp-demo server`: answers a datagram and prints it, as
/// Python's `print(msg)` does, with who sent it (to teach UDP) on `out`; then
/// exits, or with `forever` answers the next. A datagram cut to the buffer is
/// reported on stderr.
///
/// Returns only when `out` cannot be written to (or, without `forever`, after
/// the first datagram answered).
pub fn serve(socket: &UdpSocket, forever: bool, out: &mut impl Write) -> io::Result<()> {
    loop {
        match serve_one(socket) {
            Ok(datagram) => {
                // Python: print(msg) — and, to teach UDP, who sent it.
                writeln!(
                    out,
                    "{} from {}",
                    python_repr(&datagram.data),
                    datagram.from
                )?;
                out.flush()?;
                if let Some(full) = datagram.truncated_from {
                    eprintln!(
                        "(the datagram had {full} bytes; only the first {} fitted the buffer)",
                        datagram.data.len()
                    );
                }
                if !forever {
                    return Ok(());
                }
            }
            // A failed reply concerns one client; the server carries on.
            Err(e) => eprintln!("(receive or reply failed: {e})"),
        }
    }
}

/// The address a client binds to: loopback when talking to loopback (so nothing
/// is exposed to the network), the unspecified address otherwise, as Python's
/// first `sendto` does implicitly.
pub fn client_bind_addr(server: SocketAddr) -> SocketAddr {
    let ip = match server.ip() {
        IpAddr::V4(ip) if ip.is_loopback() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(ip) if ip.is_loopback() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    SocketAddr::new(ip, 0)
}

/// The client: send `message`, wait at most `timeout` for the reply. Returns the
/// reply and the address it came from.
// ANCHOR: client
pub fn run_client(
    server: SocketAddr,
    message: &[u8],
    timeout: Duration,
) -> io::Result<(Vec<u8>, SocketAddr)> {
    // Python: udp_sk=socket.socket(type=socket.SOCK_DGRAM)
    let socket = UdpSocket::bind(client_bind_addr(server))?;
    // The tutorial has no timeout: a lost datagram would hang it forever.
    socket.set_read_timeout(Some(timeout))?;
    socket.send_to(message, server)?; // Python: udp_sk.sendto(b'hello',ip_port)
    let mut buf = [0u8; RECV_BUFFER];
    let (n, addr) = socket.recv_from(&mut buf)?; // Python: back_msg,addr=udp_sk.recvfrom(1024)
    Ok((buf[..n].to_vec(), addr))
}
// ANCHOR_END: client

/// An address the way Python prints the tuple `addr`: `('127.0.0.1', 9000)`.
pub fn python_addr(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("('{}', {})", a.ip(), a.port()),
        SocketAddr::V6(a) => format!(
            "('{}', {}, {}, {})",
            a.ip(),
            a.port(),
            a.flowinfo(),
            a.scope_id()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn hello_and_hi_over_loopback() {
        let server = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.local_addr().unwrap();
        let handle = thread::spawn(move || serve_one(&server).unwrap());
        let (reply, from) = run_client(addr, CLIENT_MESSAGE, Duration::from_secs(2)).unwrap();
        assert_eq!(reply, b"hi");
        assert_eq!(from, addr);
        assert_eq!(handle.join().unwrap().data, b"hello");
    }

    #[test]
    fn no_server_means_a_timeout_not_a_hang() {
        // A bound socket that never answers.
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let error = run_client(
            silent.local_addr().unwrap(),
            b"hello",
            Duration::from_millis(100),
        )
        .unwrap_err();
        assert!(matches!(
            error.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ));
    }

    #[test]
    fn the_server_prints_what_arrived_and_who_sent_it() {
        let server = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.local_addr().unwrap();
        let client = thread::spawn(move || run_client(addr, b"hello", Duration::from_secs(2)));
        let mut out = Vec::new();
        serve(&server, false, &mut out).unwrap();
        let (reply, _) = client.join().unwrap().unwrap();
        assert_eq!(reply, b"hi");
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("b'hello' from 127.0.0.1:"), "{out}");
    }

    #[test]
    fn addresses_print_like_python_tuples() {
        assert_eq!(
            python_addr("127.0.0.1:9000".parse().unwrap()),
            "('127.0.0.1', 9000)"
        );
    }

    #[test]
    fn clients_of_loopback_stay_on_loopback() {
        assert!(
            client_bind_addr("127.0.0.1:9000".parse().unwrap())
                .ip()
                .is_loopback()
        );
        assert!(
            client_bind_addr("[::1]:9000".parse().unwrap())
                .ip()
                .is_loopback()
        );
    }
}
