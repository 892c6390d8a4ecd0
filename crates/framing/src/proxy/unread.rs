//! How the proxy knows that the program it writes to has read a piece.
//!
//! `--split` writes each piece with its own `write`. That alone is not enough
//! for the reader to *see* the pieces: if the second piece reaches the reader's
//! kernel buffer before the reader calls `recv`, one `recv` returns both, glued
//! back together (黏包 again, this time on purpose undone). So before it writes
//! the next piece, the proxy waits until the reader has taken every byte written
//! so far. Then a reader waiting in `recv(1024)` gets exactly one piece, on
//! every run, however busy the machine is.
//!
//! A sender cannot normally know that: TCP acknowledges bytes when they reach
//! the receiving *kernel*, not when the program reads them. But when the reader
//! is on this machine, its kernel is ours, and Linux answers the question for
//! any socket: `ss -tni` shows it (`Recv-Q`, the bytes that arrived and wait
//! unread, and `bytes_received`). We ask the same way `ss` does, with one
//! `sock_diag` netlink request for the reader's socket, named by its four
//! addresses. Elsewhere (macOS, Windows, or a reader on another machine) the
//! proxy falls back on a pause of [`FALLBACK_PAUSE`] between pieces: a reader that
//! is quick enough sees them apart, a slow one may see them glued.
//!
//! A production proxy never does this: it writes as fast as the reader's window
//! allows. This is a teaching device, to make one reader's view repeatable.

use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Where the reader's kernel cannot be asked, the pause between two pieces.
pub const FALLBACK_PAUSE: Duration = Duration::from_millis(20);

/// The first wait between two questions; each later wait doubles, up to
/// [`LONGEST_NAP`]. A reader blocked in `recv` takes a piece within
/// microseconds, so the first answers usually come at once.
const FIRST_NAP: Duration = Duration::from_micros(50);

/// The longest wait between two questions, while a reader is busy elsewhere.
const LONGEST_NAP: Duration = Duration::from_millis(2);

/// Watches what the program at the other end of one connection has read.
#[derive(Debug)]
pub struct Unread {
    /// Every byte written on the connection so far.
    written: u64,
    /// How to ask the reader's kernel; `None` where that is impossible.
    #[cfg(target_os = "linux")]
    probe: Option<linux::Probe>,
}

impl Unread {
    /// Watches the reader at the other end of `conn`.
    pub fn new(conn: &TcpStream) -> Unread {
        #[cfg(not(target_os = "linux"))]
        let _ = conn;
        Unread {
            written: 0,
            #[cfg(target_os = "linux")]
            probe: linux::Probe::new(conn),
        }
    }

    /// Counts `n` more bytes written on the connection.
    pub fn wrote(&mut self, n: usize) {
        self.written += n as u64;
    }

    /// How many of the bytes written so far the reader has not read yet, if its
    /// kernel can be asked.
    pub fn count(&mut self) -> Option<u64> {
        #[cfg(target_os = "linux")]
        if let Some(probe) = &self.probe {
            if let Some(read) = probe.bytes_read() {
                return Some(self.written.saturating_sub(read));
            }
            // The reader is not on this machine, or its socket is gone: stop asking.
            self.probe = None;
        }
        None
    }

    /// Waits until the reader has read every byte written so far, or until
    /// `limit` has passed (a reader busy with something else must not stop the
    /// proxy for ever; its pieces then arrive glued, as on a real network).
    pub fn wait_until_read(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let mut nap = FIRST_NAP;
        loop {
            match self.count() {
                Some(0) => return,
                Some(_) => {}
                None => {
                    std::thread::sleep(FALLBACK_PAUSE.min(limit));
                    return;
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            std::thread::sleep(nap.min(deadline - now));
            nap = (nap * 2).min(LONGEST_NAP);
        }
    }
}

/// The `sock_diag` request (Linux's `linux/inet_diag.h`), built by hand: a
/// netlink header, then which socket we ask about; the answer carries its
/// `Recv-Q` and its `tcp_info`.
#[cfg(target_os = "linux")]
mod linux {
    use std::io::Read;
    use std::net::{IpAddr, SocketAddr, TcpStream};
    use std::time::Duration;

    use socket2::{Domain, Protocol, Socket, Type};

    type Field = std::ops::Range<usize>;

    /// `AF_NETLINK`, the family of sockets that talk to the kernel itself.
    const AF_NETLINK: i32 = 16;
    /// `NETLINK_SOCK_DIAG`: the kernel's socket-monitoring service.
    const NETLINK_SOCK_DIAG: i32 = 4;
    /// `SOCK_DIAG_BY_FAMILY`: a request about inet sockets.
    const SOCK_DIAG_BY_FAMILY: u16 = 20;
    /// `NLM_F_REQUEST`: one socket, no dump of them all.
    const NLM_F_REQUEST: u16 = 1;
    const AF_INET: u8 = 2;
    const AF_INET6: u8 = 10;
    const IPPROTO_TCP: u8 = 6;
    /// `INET_DIAG_INFO`: the attribute that carries `struct tcp_info`.
    const INET_DIAG_INFO: u16 = 2;
    /// `INET_DIAG_NOCOOKIE`: find the socket by its addresses alone.
    const NO_COOKIE: [u8; 8] = [0xff; 8];
    /// Every TCP state: the reader may already have closed its side.
    const ALL_STATES: u32 = u32::MAX;
    /// The answer is a few hundred bytes.
    const ANSWER_BUFFER: usize = 8 * 1024;
    /// The kernel answers at once; this only bounds a surprise.
    const ANSWER_TIMEOUT: Duration = Duration::from_secs(1);

    /// `struct nlmsghdr`, in the machine's own byte order.
    mod header {
        use super::Field;
        pub const LEN: Field = 0..4;
        pub const TYPE: Field = 4..6;
        pub const FLAGS: Field = 6..8;
        pub const SEQ: Field = 8..12;
        pub const PID: Field = 12..16;
        pub const END: usize = PID.end;
    }

    /// `struct inet_diag_req_v2` after the header. Ports and addresses are in
    /// network byte order, the rest in the machine's.
    mod request {
        use super::Field;
        pub const FAMILY: usize = super::header::END;
        pub const PROTOCOL: usize = FAMILY + 1;
        pub const EXTENSIONS: usize = PROTOCOL + 1;
        pub const STATES: Field = 20..24;
        /// The socket's own port and address (the reader's side)...
        pub const SPORT: Field = 24..26;
        /// ...and its peer's (ours).
        pub const DPORT: Field = 26..28;
        pub const SRC: Field = 28..44;
        pub const DST: Field = 44..60;
        pub const INTERFACE: Field = 60..64;
        pub const COOKIE: Field = 64..72;
        pub const END: usize = COOKIE.end;
    }

    /// `struct inet_diag_msg` after the header, then attributes.
    mod answer {
        use super::Field;
        /// Bytes that arrived and wait unread (what `ss` shows as Recv-Q).
        pub const RQUEUE: Field = 72..76;
        pub const ATTRIBUTES: usize = 88;
        /// Each attribute: `struct rtattr` (length, type), then its value,
        /// padded to 4 bytes.
        pub const ATTR_LEN: Field = 0..2;
        pub const ATTR_TYPE: Field = 2..4;
        pub const ATTR_HEADER: usize = 4;
    }

    /// `tcpi_bytes_received` in `struct tcp_info` (Linux 4.1 and later): every
    /// byte that arrived in order, read or not.
    const BYTES_RECEIVED: Field = 128..136;

    #[derive(Debug)]
    pub struct Probe {
        socket: Socket,
        request: Vec<u8>,
    }

    impl Probe {
        /// Prepares the question about the socket at the other end of `conn`;
        /// `None` if netlink is not available here.
        pub fn new(conn: &TcpStream) -> Option<Probe> {
            // The reader's socket has our peer address as its own, and ours as its peer.
            let reader = conn.peer_addr().ok()?;
            let us = conn.local_addr().ok()?;
            let socket = Socket::new(
                Domain::from(AF_NETLINK),
                Type::DGRAM,
                Some(Protocol::from(NETLINK_SOCK_DIAG)),
            )
            .ok()?;
            socket.set_read_timeout(Some(ANSWER_TIMEOUT)).ok()?;
            Some(Probe {
                socket,
                request: build_request(reader, us),
            })
        }

        /// How many bytes the reader has read so far; `None` when the kernel
        /// does not know its socket.
        pub fn bytes_read(&self) -> Option<u64> {
            self.socket.send(&self.request).ok()?;
            let mut answer = vec![0u8; ANSWER_BUFFER];
            let n = (&self.socket).read(&mut answer).ok()?;
            parse_bytes_read(answer.get(..n)?)
        }
    }

    fn put(message: &mut [u8], field: Field, bytes: &[u8]) {
        if let Some(place) = message.get_mut(field) {
            place.copy_from_slice(bytes);
        }
    }

    fn ip_bytes(ip: IpAddr) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        match ip {
            IpAddr::V4(v4) => bytes[..4].copy_from_slice(&v4.octets()),
            IpAddr::V6(v6) => bytes = v6.octets(),
        }
        bytes
    }

    pub(super) fn build_request(socket: SocketAddr, peer: SocketAddr) -> Vec<u8> {
        let mut message = vec![0u8; request::END];
        put(
            &mut message,
            header::LEN,
            &(request::END as u32).to_ne_bytes(),
        );
        put(
            &mut message,
            header::TYPE,
            &SOCK_DIAG_BY_FAMILY.to_ne_bytes(),
        );
        put(&mut message, header::FLAGS, &NLM_F_REQUEST.to_ne_bytes());
        put(&mut message, header::SEQ, &1u32.to_ne_bytes());
        put(&mut message, header::PID, &0u32.to_ne_bytes());
        message[request::FAMILY] = if socket.is_ipv4() { AF_INET } else { AF_INET6 };
        message[request::PROTOCOL] = IPPROTO_TCP;
        // Ask for attribute INET_DIAG_INFO: bit (INET_DIAG_INFO - 1).
        message[request::EXTENSIONS] = 1 << (INET_DIAG_INFO - 1);
        put(&mut message, request::STATES, &ALL_STATES.to_ne_bytes());
        put(&mut message, request::SPORT, &socket.port().to_be_bytes());
        put(&mut message, request::DPORT, &peer.port().to_be_bytes());
        put(&mut message, request::SRC, &ip_bytes(socket.ip()));
        put(&mut message, request::DST, &ip_bytes(peer.ip()));
        put(&mut message, request::INTERFACE, &0u32.to_ne_bytes());
        put(&mut message, request::COOKIE, &NO_COOKIE);
        message
    }

    fn read_u16(bytes: &[u8], field: Field) -> Option<u16> {
        Some(u16::from_ne_bytes(bytes.get(field)?.try_into().ok()?))
    }

    /// Read = arrived − still waiting. `None` for an error answer (the socket is
    /// unknown) or an answer without `tcp_info`.
    pub(super) fn parse_bytes_read(answer: &[u8]) -> Option<u64> {
        if read_u16(answer, header::TYPE)? != SOCK_DIAG_BY_FAMILY {
            return None;
        }
        let waiting = u32::from_ne_bytes(answer.get(answer::RQUEUE)?.try_into().ok()?);
        let mut rest = answer.get(answer::ATTRIBUTES..)?;
        while rest.len() >= answer::ATTR_HEADER {
            let len = usize::from(read_u16(rest, answer::ATTR_LEN)?);
            let kind = read_u16(rest, answer::ATTR_TYPE)?;
            if len < answer::ATTR_HEADER {
                return None;
            }
            if kind == INET_DIAG_INFO {
                let info = rest.get(answer::ATTR_HEADER..len)?;
                let arrived = u64::from_ne_bytes(info.get(BYTES_RECEIVED)?.try_into().ok()?);
                return Some(arrived.saturating_sub(u64::from(waiting)));
            }
            rest = rest.get(len.next_multiple_of(4)..)?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        (writer, reader)
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_count_falls_to_zero_only_when_the_reader_has_read_everything() {
        use std::io::Read;
        let (mut writer, mut reader) = pair();
        let mut unread = Unread::new(&writer);
        assert_eq!(unread.count(), Some(0));
        writer.write_all(b"echo hi").unwrap();
        unread.wrote(7);
        // Written but not read: whether or not it has reached the reader's kernel yet.
        assert_eq!(unread.count(), Some(7));
        let mut first = [0u8; 4];
        reader.read_exact(&mut first).unwrap();
        assert_eq!(unread.count(), Some(3));
        let mut rest = [0u8; 3];
        reader.read_exact(&mut rest).unwrap();
        assert_eq!(unread.count(), Some(0));
        unread.wait_until_read(Duration::from_secs(30));
    }

    #[test]
    fn waiting_is_bounded_when_nobody_reads() {
        let (mut writer, _reader) = pair();
        let mut unread = Unread::new(&writer);
        writer.write_all(b"x").unwrap();
        unread.wrote(1);
        // Returns (after at most the limit) although the byte is never read.
        unread.wait_until_read(Duration::from_millis(1));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_request_names_the_readers_socket_from_its_side() {
        let reader: std::net::SocketAddr = "127.0.0.1:50000".parse().unwrap();
        let us: std::net::SocketAddr = "127.0.0.1:9888".parse().unwrap();
        let request = linux::build_request(reader, us);
        assert_eq!(request.len(), 72);
        assert_eq!(&request[24..26], &50000u16.to_be_bytes());
        assert_eq!(&request[26..28], &9888u16.to_be_bytes());
        assert_eq!(&request[28..32], &[127, 0, 0, 1]);
        assert_eq!(linux::parse_bytes_read(&[0u8; 16]), None);
    }
}
