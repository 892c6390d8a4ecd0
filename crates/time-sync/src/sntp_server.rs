//! `time-sync sntp-server`: an SNTP server (RFC 4330) that answers NTP clients.
//!
//! Terminal 1: `cargo run -p time-sync -- sntp-server` (listens on 127.0.0.1:12300)
//! Terminal 2: `cargo run -p time-sync -- sntp --addr 127.0.0.1:12300`
//!
//! For every valid client request (mode 3) the server answers with one 48-byte
//! reply (mode 4): the client's transmit timestamp copied into *origin* (so the
//! client can match the reply to its request), the moment the request arrived as
//! *receive* (T2) and the moment the reply leaves as *transmit* (T3). Anything
//! else is dropped without a word: answering junk would make us a reflector, and
//! an NTP client has no use for an error message.
//!
//! This file is the lesson: one socket, one loop ([`serve`]). `time-sync
//! sntp-server` runs the same [`answer`] faster, with one socket per core and
//! batched system calls: that machinery is in [`crate::fast`], apart from the
//! lesson. See the book for the figures.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::thread;

use netlab_common::amplification;

use crate::droplog::{DropLog, is_peer_error};
use crate::packet::{self, HEADER_LEN, Leap, Mode, Packet, ReferenceId, Repr};
use crate::timestamp::Timestamp;

/// The default address: NTP's own port 123 needs root, so we use 12300.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 12300);

/// The largest request we answer: a header plus room for a MAC or extension
/// fields (which we ignore). Larger datagrams are not NTP requests.
pub const MAX_REQUEST_LEN: usize = 1024;

// The amplification rule (RFC 9000 §8.1, `netlab_common::amplification`): a
// reply, counted with its 28 bytes of IPv4 and UDP headers, is at most 3 times
// its request counted the same way. Every reply here is one 48-byte header, and
// only requests of at least 48 bytes are answered (a shorter datagram is not an
// NTP packet: dropped as malformed), so the factor is at most 1. 48 bytes would
// even fit the 56 an empty request may get: the compiler checks it.
const _: () = assert!(amplification::allows(0, HEADER_LEN));

/// Our receive buffer: as large as a UDP datagram can be, so that an oversized
/// datagram is seen whole (and dropped) instead of silently truncated into
/// something that looks valid.
pub const RECV_BUFFER_LEN: usize = 65_536;

/// Our clock's precision as log₂ seconds: −20 ≈ 1 µs (SystemTime has ns
/// resolution, but reading it costs tens of ns and the kernel's clock is not
/// better than that).
pub const PRECISION: i8 = -20;

/// What the server says about its own clock.
#[derive(Debug, Clone, Copy)]
pub struct ServerConfig {
    /// Our distance from a reference clock. 8 mirrors chrony's `local stratum 8`.
    pub stratum: u8,
    /// Reference id sent in replies.
    pub reference_id: ReferenceId,
    /// When we last "synchronised": the server's start time, since it trusts its
    /// own clock.
    pub reference_time: Timestamp,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            stratum: 8,
            reference_id: ReferenceId::LOCAL,
            reference_time: Timestamp::now(),
        }
    }
}

/// Why a datagram got no answer (for the rate-limited log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    TooLong(usize),
    Malformed(packet::Error),
    NotAClientRequest(Mode),
    /// A request without a transmit timestamp could never be matched by its client.
    NoTransmitTimestamp,
}

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dropped::TooLong(len) => write!(f, "dropped a {len}-byte datagram (too long for NTP)"),
            Dropped::Malformed(e) => write!(f, "dropped a datagram: {e}"),
            Dropped::NotAClientRequest(mode) => {
                write!(
                    f,
                    "dropped an NTP packet in mode {mode:?} (we answer only clients, mode 3)"
                )
            }
            Dropped::NoTransmitTimestamp => {
                write!(f, "dropped a client request without a transmit timestamp")
            }
        }
    }
}

// ANCHOR: answer
/// Builds the reply to `request`, received at `received` (T2), into `reply`.
/// Returns `Err` for anything that is not a valid client request. The caller
/// stamps the transmit timestamp (T3) just before sending, with [`stamp_transmit`].
pub fn answer(
    request: &[u8],
    received: Timestamp,
    config: &ServerConfig,
    reply: &mut [u8; HEADER_LEN],
) -> Result<(), Dropped> {
    if request.len() > MAX_REQUEST_LEN {
        return Err(Dropped::TooLong(request.len()));
    }
    let request = Repr::parse_bytes(request).map_err(Dropped::Malformed)?;
    if request.mode != Mode::Client {
        return Err(Dropped::NotAClientRequest(request.mode));
    }
    if request.transmit_timestamp.is_zero() {
        return Err(Dropped::NoTransmitTimestamp);
    }
    let response = Repr {
        leap: Leap::NoWarning,
        // RFC 4330: answer in the version the client asked in.
        version: request.version,
        mode: Mode::Server,
        stratum: config.stratum,
        // RFC 4330: the poll field is copied from the request.
        poll: request.poll,
        precision: PRECISION,
        root_delay: 0,
        root_dispersion: 0,
        reference_id: config.reference_id,
        reference_timestamp: config.reference_time,
        // The heart of NTP: the client's T1 comes back as "origin", so it can
        // tell this reply belongs to its request (and is not a forged or stale one).
        origin_timestamp: request.transmit_timestamp,
        receive_timestamp: received,
        // Filled in by stamp_transmit at the last moment.
        transmit_timestamp: Timestamp::ZERO,
    };
    response.emit(&mut Packet::new_unchecked(&mut reply[..]));
    Ok(())
}

/// Writes T3 into a reply built by [`answer`], as late as possible.
pub fn stamp_transmit(reply: &mut [u8; HEADER_LEN]) {
    Packet::new_unchecked(&mut reply[..]).set_transmit_timestamp(Timestamp::now());
}
// ANCHOR_END: answer

// ANCHOR: serve
/// Serves requests on `socket` until an I/O error that is not the peer's fault.
pub fn serve(socket: &UdpSocket, config: &ServerConfig) -> io::Result<()> {
    let mut request = vec![0u8; RECV_BUFFER_LEN];
    let mut reply = [0u8; HEADER_LEN];
    let mut drops = DropLog::new("sntp-server");
    loop {
        let (len, peer) = match socket.recv_from(&mut request) {
            Ok(received) => received,
            // An ICMP "port unreachable" for an earlier reply (the client went
            // away) can surface as an error on the next call (on Windows as
            // WSAECONNRESET; on Linux only with IP_RECVERR or a connected
            // socket): the peer's problem, not ours. Keep serving.
            Err(e) if is_peer_error(&e) => continue,
            Err(e) => return Err(e),
        };
        // T2 as soon as the datagram is ours.
        let received = Timestamp::now();
        match answer(&request[..len], received, config, &mut reply) {
            Ok(()) => {
                stamp_transmit(&mut reply);
                if let Err(e) = socket.send_to(&reply, peer)
                    && !is_peer_error(&e)
                {
                    return Err(e);
                }
            }
            Err(why) => drops.note(peer, &why),
        }
    }
}
// ANCHOR_END: serve

/// Starts a server on `addr` in a background thread (for the demo, `explain` and
/// tests) and returns its address. The thread ends with the process.
pub fn spawn(addr: SocketAddr, config: ServerConfig) -> io::Result<SocketAddr> {
    let socket = UdpSocket::bind(addr)?;
    let local = socket.local_addr()?;
    thread::spawn(move || serve(&socket, &config));
    Ok(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_bytes() -> [u8; HEADER_LEN] {
        Repr::client_request(Timestamp::new(0xed0c_2a1b, 0x1f9a_dd37)).to_bytes()
    }

    fn config() -> ServerConfig {
        ServerConfig {
            stratum: 8,
            reference_id: ReferenceId::LOCAL,
            reference_time: Timestamp::new(0xed0c_2a00, 0),
        }
    }

    #[test]
    fn a_client_request_gets_a_server_reply_with_t1_as_origin() {
        let mut reply = [0u8; HEADER_LEN];
        let t2 = Timestamp::new(0xed0c_2a1b, 0x2000_0000);
        answer(&request_bytes(), t2, &config(), &mut reply).unwrap();
        let repr = Repr::parse_bytes(&reply).unwrap();
        assert_eq!(repr.mode, Mode::Server);
        assert_eq!(repr.version, 4);
        assert_eq!(repr.stratum, 8);
        assert_eq!(
            repr.origin_timestamp,
            Timestamp::new(0xed0c_2a1b, 0x1f9a_dd37)
        );
        assert_eq!(repr.receive_timestamp, t2);
    }

    #[test]
    fn the_version_of_the_request_is_kept() {
        let mut request = request_bytes();
        request[0] = (3 << 3) | 3; // NTPv3 client
        let mut reply = [0u8; HEADER_LEN];
        answer(&request, Timestamp::now(), &config(), &mut reply).unwrap();
        assert_eq!(reply[0], (3 << 3) | 4);
    }

    #[test]
    fn everything_but_a_client_request_is_dropped() {
        let mut reply = [0u8; HEADER_LEN];
        let now = Timestamp::now();
        let c = config();
        assert_eq!(
            answer(&request_bytes()[..47], now, &c, &mut reply),
            Err(Dropped::Malformed(packet::Error::Truncated))
        );
        let mut server_mode = request_bytes();
        server_mode[0] = (4 << 3) | 4;
        assert_eq!(
            answer(&server_mode, now, &c, &mut reply),
            Err(Dropped::NotAClientRequest(Mode::Server))
        );
        let mut v7 = request_bytes();
        v7[0] = (7 << 3) | 3;
        assert_eq!(
            answer(&v7, now, &c, &mut reply),
            Err(Dropped::Malformed(packet::Error::BadVersion(7)))
        );
        let zero_t1 = Repr::client_request(Timestamp::ZERO).to_bytes();
        assert_eq!(
            answer(&zero_t1, now, &c, &mut reply),
            Err(Dropped::NoTransmitTimestamp)
        );
        assert_eq!(
            answer(&[0x23; 2000], now, &c, &mut reply),
            Err(Dropped::TooLong(2000))
        );
    }
}
