//! A TCP segment on the wire (TCP报文段): the header that carries the handshake's
//! flags and numbers, inside an Ethernet/IPv4 frame.
//!
//! 三.网络基础: `handshake` simulates what SYN, ACK, FIN, seq and ack mean; this
//! module puts them into real bytes, and reads them back out of frames that
//! `net-basics capture` takes off the loopback interface. The chaos proxies of
//! chapters 4 and 5 use it to write the conversations they relay as capture files.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! |          source port          |       destination port        |
//! |                        sequence number                        |
//! |                     acknowledgment number                     |
//! | offset| reserved  |C|E|U|A|P|R|S|F|            window         |
//! |           checksum            |        urgent pointer         |
//! |                    options (if offset > 5)                    |
//! ```
//!
//! As in `encap.rs`, every field is a named byte range and every number is
//! written big-endian. A [`TcpFrame`] is the parsed form (the "repr", in
//! smoltcp's words); [`TcpFrame::emit`] writes it into a buffer and
//! [`TcpFrame::parse`] reads one back, checking every length.

use std::fmt;
use std::net::SocketAddrV4;
use std::ops::BitOr;

use pnet_base::MacAddr;

use crate::checksum::{finish, ones_complement_sum, verify};
use crate::encap::{
    DecodeError, Ipv4Fields, be16, be32, emit_ethernet, emit_ipv4, ethernet, ipv4, ipv4_at, mac_at,
    pseudo_header_sum,
};

// ANCHOR: fields
/// The TCP header without options (RFC 793, section 3.1).
pub mod field {
    use crate::encap::Field;
    pub const SRC_PORT: Field = 0..2;
    pub const DST_PORT: Field = 2..4;
    pub const SEQ_NUM: Field = 4..8;
    pub const ACK_NUM: Field = 8..12;
    /// The header length in 32-bit words (high 4 bits), then reserved bits.
    pub const DATA_OFFSET: usize = 12;
    /// CWR, ECE, URG, ACK, PSH, RST, SYN, FIN: one bit each.
    pub const FLAGS: usize = 13;
    pub const WIN_SIZE: Field = 14..16;
    pub const CHECKSUM: Field = 16..18;
    pub const URGENT: Field = 18..20;
}
/// 20 bytes: the header ends where its last field ends.
pub const HEADER_LEN: usize = field::URGENT.end;
// ANCHOR_END: fields

/// The most data one segment of ours carries: what fits in an IPv4 packet, whose
/// total length is a 16-bit number (65,535 bytes), after the IPv4 and TCP
/// headers. Real stacks send far less per segment: 1460 bytes on Ethernet (the
/// MSS, maximum segment size), about 64 KiB on the loopback interface.
pub const MAX_PAYLOAD: usize = u16::MAX as usize - ipv4::HEADER_LEN - HEADER_LEN;

/// The receive window our segments announce when nobody chose one: 64 KiB - 1,
/// the most a window says without the window-scale option.
pub const DEFAULT_WINDOW: u16 = u16::MAX;

/// Where each layer starts in the frame.
const IP_START: usize = ethernet::HEADER_LEN;
const TCP_START: usize = IP_START + ipv4::HEADER_LEN;
/// 5 words of 32 bits: a header without options, in the high 4 bits.
const DATA_OFFSET_NO_OPTIONS: u8 = ((HEADER_LEN / 4) as u8) << 4;

/// The flag bits of a TCP header: `Flags::SYN | Flags::ACK`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u8);

impl Flags {
    /// "I have no more data": the sender closes its direction (四次挥手).
    pub const FIN: Flags = Flags(0x01);
    /// "Synchronize sequence numbers": the first segment of each side (三次握手).
    pub const SYN: Flags = Flags(0x02);
    /// "Reset": the connection is refused or aborted, no goodbye.
    pub const RST: Flags = Flags(0x04);
    /// "Push": hand the data to the application now (set on the last segment of
    /// a write).
    pub const PSH: Flags = Flags(0x08);
    /// The acknowledgement number is valid: set on every segment after the first.
    pub const ACK: Flags = Flags(0x10);
    /// The urgent pointer is valid (hardly used today).
    pub const URG: Flags = Flags(0x20);
    /// ECN-echo: congestion was seen on the way (RFC 3168).
    pub const ECE: Flags = Flags(0x40);
    /// Congestion window reduced: the answer to ECE.
    pub const CWR: Flags = Flags(0x80);

    /// The names in the order people write them: `SYN+ACK`, `PSH+ACK`, `FIN+ACK`.
    const NAMES: [(Flags, &'static str); 8] = [
        (Flags::SYN, "SYN"),
        (Flags::FIN, "FIN"),
        (Flags::RST, "RST"),
        (Flags::PSH, "PSH"),
        (Flags::ACK, "ACK"),
        (Flags::URG, "URG"),
        (Flags::ECE, "ECE"),
        (Flags::CWR, "CWR"),
    ];

    /// The flags of the header byte `bits`.
    pub const fn from_bits(bits: u8) -> Flags {
        Flags(bits)
    }

    /// The header byte.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The names of the flags that are set: `["SYN", "ACK"]`.
    pub fn names(self) -> Vec<&'static str> {
        Flags::NAMES
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .map(|(_, name)| *name)
            .collect()
    }
}

impl BitOr for Flags {
    type Output = Flags;
    fn bitor(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

impl fmt::Display for Flags {
    /// `SYN+ACK`, or `none` for a header without flags.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.names().join("+") {
            names if names.is_empty() => f.write_str("none"),
            names => f.write_str(&names),
        }
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Whether [`TcpFrame::parse`] checks the TCP checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// Check it, like a receiver does.
    Verify,
    /// Leave it: frames captured on the machine that sent them. Linux leaves
    /// the TCP checksum to the network card ("checksum offload") and a capture
    /// sees the frame before the card; on the loopback interface there is no
    /// card and nothing to protect, so the field never gets its final value.
    /// (The IPv4 header checksum is always computed by the kernel, and still
    /// checked.)
    Ignore,
}

/// Why a [`TcpFrame`] cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmitError {
    /// More data than one IPv4 packet carries ([`MAX_PAYLOAD`]).
    PayloadTooLong { len: usize },
    /// The buffer is shorter than [`TcpFrame::buffer_len`].
    BufferTooShort { needed: usize, got: usize },
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::PayloadTooLong { len } => write!(
                f,
                "{len} bytes of data do not fit one segment (at most {MAX_PAYLOAD})"
            ),
            EmitError::BufferTooShort { needed, got } => {
                write!(f, "buffer of {got} bytes, the frame needs {needed}")
            }
        }
    }
}

impl std::error::Error for EmitError {}

/// An Ethernet/IPv4/TCP frame, parsed: one TCP segment with the headers that
/// carry it.
///
/// Build one with [`TcpFrame::new`] and change what differs:
///
/// ```
/// use net_basics::tcp::{Flags, TcpFrame};
/// let client = "127.0.0.1:50000".parse().unwrap();
/// let server = "127.0.0.1:8898".parse().unwrap();
/// let data = TcpFrame {
///     seq: 1001,
///     ack: 5001,
///     payload: b"hello".to_vec(),
///     ..TcpFrame::new(client, server, Flags::PSH | Flags::ACK)
/// };
/// let bytes = data.to_bytes().unwrap();
/// assert_eq!(bytes.len(), 60); // 14 + 20 + 20 + 5 = 59, padded to Ethernet's minimum
/// assert_eq!(TcpFrame::parse(&bytes, net_basics::tcp::Checksum::Verify), Ok(data));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpFrame {
    pub src_mac: MacAddr,
    pub dst_mac: MacAddr,
    /// The sender's address and port.
    pub src: SocketAddrV4,
    /// The receiver's address and port.
    pub dst: SocketAddrV4,
    pub ttl: u8,
    /// The IPv4 identification (only used to reassemble fragments).
    pub ident: u16,
    /// The number of the first byte of data (or of the SYN or FIN).
    pub seq: u32,
    /// The next number expected from the peer (when `flags` has ACK).
    pub ack: u32,
    pub flags: Flags,
    /// How many more bytes the sender can receive.
    pub window: u16,
    pub payload: Vec<u8>,
}

impl TcpFrame {
    /// A segment from `src` to `dst` with these flags, no data, numbers 0, the
    /// default TTL and window, and the MAC addresses the loopback interface
    /// writes (all zeros: there is no other card to address).
    pub fn new(src: SocketAddrV4, dst: SocketAddrV4, flags: Flags) -> TcpFrame {
        TcpFrame {
            src_mac: MacAddr::zero(),
            dst_mac: MacAddr::zero(),
            src,
            dst,
            ttl: ipv4::DEFAULT_TTL,
            ident: 0,
            seq: 0,
            ack: 0,
            flags,
            window: DEFAULT_WINDOW,
            payload: Vec::new(),
        }
    }

    /// The IPv4 total length: IPv4 header + TCP header + data.
    pub fn ip_len(&self) -> usize {
        ipv4::HEADER_LEN + HEADER_LEN + self.payload.len()
    }

    /// The frame's length: the headers and data, padded to Ethernet's minimum
    /// of 60 bytes as a card pads it.
    pub fn buffer_len(&self) -> usize {
        (ethernet::HEADER_LEN + self.ip_len()).max(ethernet::MIN_FRAME_LEN)
    }

    // ANCHOR: emit
    /// Writes the frame into the first [`TcpFrame::buffer_len`] bytes of `frame`
    /// (whatever they held), both checksums included.
    pub fn emit(&self, frame: &mut [u8]) -> Result<(), EmitError> {
        if self.payload.len() > MAX_PAYLOAD {
            return Err(EmitError::PayloadTooLong {
                len: self.payload.len(),
            });
        }
        let frame_len = self.buffer_len();
        let Some(frame) = frame.get_mut(..frame_len) else {
            return Err(EmitError::BufferTooShort {
                needed: frame_len,
                got: frame.len(),
            });
        };
        emit_ethernet(frame, self.dst_mac, self.src_mac, ethernet::ETHERTYPE_IPV4);
        emit_ipv4(
            &mut frame[IP_START..TCP_START],
            &Ipv4Fields {
                src: *self.src.ip(),
                dst: *self.dst.ip(),
                protocol: ipv4::PROTOCOL_TCP,
                ttl: self.ttl,
                ident: self.ident,
                total_len: self.ip_len(),
            },
        );
        let (segment, padding) = frame[TCP_START..].split_at_mut(HEADER_LEN + self.payload.len());
        padding.fill(0);
        segment[field::SRC_PORT].copy_from_slice(&self.src.port().to_be_bytes());
        segment[field::DST_PORT].copy_from_slice(&self.dst.port().to_be_bytes());
        segment[field::SEQ_NUM].copy_from_slice(&self.seq.to_be_bytes());
        segment[field::ACK_NUM].copy_from_slice(&self.ack.to_be_bytes());
        segment[field::DATA_OFFSET] = DATA_OFFSET_NO_OPTIONS;
        segment[field::FLAGS] = self.flags.bits();
        segment[field::WIN_SIZE].copy_from_slice(&self.window.to_be_bytes());
        segment[field::CHECKSUM].copy_from_slice(&[0, 0]);
        segment[field::URGENT].copy_from_slice(&[0, 0]);
        segment[HEADER_LEN..].copy_from_slice(&self.payload);
        // Like UDP's, TCP's checksum covers the addresses (the pseudo-header) too.
        let sum = pseudo_header_sum(
            *self.src.ip(),
            *self.dst.ip(),
            ipv4::PROTOCOL_TCP,
            segment.len(),
        );
        let checksum = finish(ones_complement_sum(segment, sum));
        segment[field::CHECKSUM].copy_from_slice(&checksum.to_be_bytes());
        Ok(())
    }
    // ANCHOR_END: emit

    /// The frame as a new buffer: [`TcpFrame::emit`] into zeros.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EmitError> {
        let mut frame = vec![0; self.buffer_len()];
        self.emit(&mut frame)?;
        Ok(frame)
    }

    /// Decodes an Ethernet frame carrying IPv4 without options and a TCP
    /// segment, checking every length and the IPv4 checksum, and the TCP
    /// checksum as `checksum` says. TCP options (MSS, timestamps, SACK...) are
    /// skipped: the data starts where the header's data offset says. Never
    /// panics, whatever the bytes.
    pub fn parse(frame: &[u8], checksum: Checksum) -> Result<TcpFrame, DecodeError> {
        let headers = TCP_START + HEADER_LEN;
        let truncated = || DecodeError::Truncated {
            needed: headers,
            got: frame.len(),
        };
        if frame.len() < headers {
            return Err(truncated());
        }
        let ethertype = be16(frame, ethernet::field::ETHERTYPE).ok_or_else(truncated)?;
        if ethertype != ethernet::ETHERTYPE_IPV4 {
            return Err(DecodeError::NotIpv4 { ethertype });
        }
        let ip = frame.get(IP_START..).ok_or_else(truncated)?;
        let ver_ihl = ip
            .get(ipv4::field::VER_IHL)
            .copied()
            .ok_or_else(truncated)?;
        if ver_ihl != ipv4::VER_IHL_NO_OPTIONS {
            return Err(DecodeError::IpOptions { ver_ihl });
        }
        let protocol = ip
            .get(ipv4::field::PROTOCOL)
            .copied()
            .ok_or_else(truncated)?;
        if protocol != ipv4::PROTOCOL_TCP {
            return Err(DecodeError::NotTcp { protocol });
        }
        // The IPv4 total length says where the packet ends; Ethernet padding
        // after it is not part of it.
        let ip_len = usize::from(be16(ip, ipv4::field::LENGTH).ok_or_else(truncated)?);
        if ip_len < ipv4::HEADER_LEN + HEADER_LEN {
            return Err(DecodeError::BadLength);
        }
        let packet = ip.get(..ip_len).ok_or(DecodeError::BadLength)?;
        let ip_header = packet
            .get(..ipv4::HEADER_LEN)
            .ok_or(DecodeError::BadLength)?;
        if !verify(ip_header) {
            return Err(DecodeError::IpChecksum);
        }
        let segment = packet
            .get(ipv4::HEADER_LEN..)
            .ok_or(DecodeError::BadLength)?;
        let offset_byte = segment
            .get(field::DATA_OFFSET)
            .copied()
            .ok_or(DecodeError::BadLength)?;
        let header_len = usize::from(offset_byte >> 4) * 4;
        if header_len < HEADER_LEN || header_len > segment.len() {
            return Err(DecodeError::BadLength);
        }
        let src_ip = ipv4_at(packet, ipv4::field::SRC_ADDR).ok_or(DecodeError::BadLength)?;
        let dst_ip = ipv4_at(packet, ipv4::field::DST_ADDR).ok_or(DecodeError::BadLength)?;
        if checksum == Checksum::Verify {
            // Summing everything, the checksum field included, must give zero.
            let sum = pseudo_header_sum(src_ip, dst_ip, ipv4::PROTOCOL_TCP, segment.len());
            if finish(ones_complement_sum(segment, sum)) != 0 {
                return Err(DecodeError::TcpChecksum);
            }
        }
        let bad = || DecodeError::BadLength;
        Ok(TcpFrame {
            dst_mac: mac_at(frame, ethernet::field::DESTINATION).ok_or_else(truncated)?,
            src_mac: mac_at(frame, ethernet::field::SOURCE).ok_or_else(truncated)?,
            src: SocketAddrV4::new(src_ip, be16(segment, field::SRC_PORT).ok_or_else(bad)?),
            dst: SocketAddrV4::new(dst_ip, be16(segment, field::DST_PORT).ok_or_else(bad)?),
            ttl: ip.get(ipv4::field::TTL).copied().ok_or_else(bad)?,
            ident: be16(ip, ipv4::field::IDENT).ok_or_else(bad)?,
            seq: be32(segment, field::SEQ_NUM).ok_or_else(bad)?,
            ack: be32(segment, field::ACK_NUM).ok_or_else(bad)?,
            flags: Flags::from_bits(segment.get(field::FLAGS).copied().ok_or_else(bad)?),
            window: be16(segment, field::WIN_SIZE).ok_or_else(bad)?,
            payload: segment.get(header_len..).ok_or_else(bad)?.to_vec(),
        })
    }
}

impl fmt::Display for TcpFrame {
    /// `127.0.0.1:50000 > 127.0.0.1:8898 SYN seq=1000 win=65535 len=0`, the
    /// way tcpdump writes a segment.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} > {} {} seq={}",
            self.src, self.dst, self.flags, self.seq
        )?;
        if self.flags.contains(Flags::ACK) {
            write!(f, " ack={}", self.ack)?;
        }
        write!(f, " win={} len={}", self.window, self.payload.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The data segment of the book's handshake: `hello` from the client's
    /// 172.16.10.1:50000 to the tutorial's TCP server on 172.16.10.2:8898.
    fn example() -> TcpFrame {
        TcpFrame {
            src_mac: MacAddr::new(0x02, 0, 0, 0, 0, 0x01),
            dst_mac: MacAddr::new(0x02, 0, 0, 0, 0, 0x02),
            seq: 1001,
            ack: 5001,
            window: 502,
            payload: b"hello".to_vec(),
            ..TcpFrame::new(
                "172.16.10.1:50000".parse().unwrap(),
                "172.16.10.2:8898".parse().unwrap(),
                Flags::PSH | Flags::ACK,
            )
        }
    }

    /// `example()` on the wire, computed with Python's struct.pack and a
    /// separate RFC 1071 sum when this test was written (the TCP checksum is
    /// 0x0057).
    const EXAMPLE_FRAME: [u8; 60] = [
        // Ethernet: destination, source, EtherType
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
        // IPv4: 45 00, length 45, ident 0, DF, TTL 64, TCP, checksum, addresses
        0x45, 0x00, 0x00, 0x2d, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0xce, 0xa7, 0xac, 0x10, 0x0a,
        0x01, 0xac, 0x10, 0x0a, 0x02,
        // TCP: 50000 → 8898, seq 1001, ack 5001, offset 5, PSH+ACK, window 502,
        // checksum, urgent pointer 0
        0xc3, 0x50, 0x22, 0xc2, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x13, 0x89, 0x50, 0x18, 0x01,
        0xf6, 0x00, 0x57, 0x00, 0x00, // "hello", one byte of padding to 60
        b'h', b'e', b'l', b'l', b'o', 0,
    ];

    #[test]
    fn decodes_the_known_frame_field_by_field() {
        let frame = TcpFrame::parse(&EXAMPLE_FRAME, Checksum::Verify).unwrap();
        assert_eq!(frame.dst_mac, MacAddr::new(0x02, 0, 0, 0, 0, 0x02));
        assert_eq!(frame.src_mac, MacAddr::new(0x02, 0, 0, 0, 0, 0x01));
        assert_eq!(frame.src, "172.16.10.1:50000".parse().unwrap());
        assert_eq!(frame.dst, "172.16.10.2:8898".parse().unwrap());
        assert_eq!(frame.ttl, 64);
        assert_eq!(frame.ident, 0);
        assert_eq!(frame.seq, 1001);
        assert_eq!(frame.ack, 5001);
        assert_eq!(frame.flags, Flags::PSH | Flags::ACK);
        assert_eq!(frame.window, 502);
        assert_eq!(frame.payload, b"hello");
        assert_eq!(frame, example());
    }

    #[test]
    fn encodes_the_known_frame_over_junk() {
        let mut buffer = [0xa5; 80];
        example().emit(&mut buffer).unwrap();
        assert_eq!(buffer[..60], EXAMPLE_FRAME);
        assert_eq!(buffer[60..], [0xa5; 20], "nothing written past the frame");
        assert_eq!(example().to_bytes().unwrap(), EXAMPLE_FRAME);
    }

    #[test]
    fn header_length_follows_from_the_fields() {
        assert_eq!(HEADER_LEN, 20);
        assert_eq!(DATA_OFFSET_NO_OPTIONS, 0x50);
        assert_eq!(MAX_PAYLOAD, 65_495);
    }

    #[test]
    fn flags_are_named_the_way_people_write_them() {
        assert_eq!((Flags::SYN | Flags::ACK).to_string(), "SYN+ACK");
        assert_eq!((Flags::ACK | Flags::PSH).to_string(), "PSH+ACK");
        assert_eq!((Flags::FIN | Flags::ACK).to_string(), "FIN+ACK");
        assert_eq!((Flags::RST | Flags::ACK).names(), ["RST", "ACK"]);
        assert_eq!(Flags::default().to_string(), "none");
        assert_eq!(Flags::from_bits(0x12), Flags::SYN | Flags::ACK);
    }

    #[test]
    fn a_flipped_bit_fails_the_checksums_unless_told_to_ignore_tcps() {
        let mut frame = EXAMPLE_FRAME;
        frame[IP_START + ipv4::field::TTL] = 63;
        assert_eq!(
            TcpFrame::parse(&frame, Checksum::Ignore),
            Err(DecodeError::IpChecksum)
        );
        let mut frame = EXAMPLE_FRAME;
        frame[TCP_START + HEADER_LEN] = b'j';
        assert_eq!(
            TcpFrame::parse(&frame, Checksum::Verify),
            Err(DecodeError::TcpChecksum)
        );
        let parsed = TcpFrame::parse(&frame, Checksum::Ignore).unwrap();
        assert_eq!(parsed.payload, b"jello");
    }

    #[test]
    fn options_are_skipped_by_the_data_offset() {
        // A SYN as Linux sends it on loopback: MSS 65495, SACK permitted,
        // timestamps, window scale 7 (20 bytes of options, offset 10 words).
        let options = [
            0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0, 0x01, 0x03,
            0x03, 0x07,
        ];
        let mut frame = TcpFrame::new(
            "127.0.0.1:50000".parse().unwrap(),
            "127.0.0.1:8898".parse().unwrap(),
            Flags::SYN,
        );
        frame.payload = options.to_vec();
        let mut bytes = frame.to_bytes().unwrap();
        bytes[TCP_START + field::DATA_OFFSET] = 0xa0;
        let parsed = TcpFrame::parse(&bytes, Checksum::Ignore).unwrap();
        assert!(parsed.payload.is_empty(), "the options are not data");
        assert_eq!(parsed.flags, Flags::SYN);
    }

    #[test]
    fn lengths_that_disagree_are_refused() {
        let mut frame = EXAMPLE_FRAME;
        frame[TCP_START + field::DATA_OFFSET] = 0x40; // 16 bytes: shorter than a header
        assert_eq!(
            TcpFrame::parse(&frame, Checksum::Ignore),
            Err(DecodeError::BadLength)
        );
        let udp = crate::encap::UdpFrame {
            src_mac: MacAddr::zero(),
            dst_mac: MacAddr::zero(),
            src_ip: "127.0.0.1".parse().unwrap(),
            dst_ip: "127.0.0.1".parse().unwrap(),
            src_port: 1,
            dst_port: 2,
            ttl: 64,
            ident: 0,
            payload: vec![0; 40],
        };
        assert_eq!(
            TcpFrame::parse(&udp.emit(), Checksum::Verify),
            Err(DecodeError::NotTcp { protocol: 17 })
        );
        assert!(matches!(
            TcpFrame::parse(&EXAMPLE_FRAME[..40], Checksum::Verify),
            Err(DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn too_much_data_or_too_little_room_is_an_error() {
        let mut frame = example();
        frame.payload = vec![0; MAX_PAYLOAD + 1];
        assert_eq!(
            frame.to_bytes(),
            Err(EmitError::PayloadTooLong {
                len: MAX_PAYLOAD + 1
            })
        );
        let mut short = [0; 59];
        assert_eq!(
            example().emit(&mut short),
            Err(EmitError::BufferTooShort {
                needed: 60,
                got: 59
            })
        );
    }

    #[test]
    fn display_reads_like_tcpdump() {
        assert_eq!(
            example().to_string(),
            "172.16.10.1:50000 > 172.16.10.2:8898 PSH+ACK seq=1001 ack=5001 win=502 len=5"
        );
    }

    proptest! {
        #[test]
        fn emitted_frames_decode_back_to_their_inputs(
            src in any::<(u32, u16)>(), dst in any::<(u32, u16)>(),
            seq in any::<u32>(), ack in any::<u32>(), flags in any::<u8>(),
            window in any::<u16>(), ttl in any::<u8>(), ident in any::<u16>(),
            payload in proptest::collection::vec(any::<u8>(), 0..=1500),
        ) {
            let repr = TcpFrame {
                src_mac: MacAddr::new(2, 0, 0, 0, 0, 1),
                dst_mac: MacAddr::broadcast(),
                src: SocketAddrV4::new(src.0.into(), src.1),
                dst: SocketAddrV4::new(dst.0.into(), dst.1),
                ttl, ident, seq, ack, flags: Flags::from_bits(flags), window, payload,
            };
            let frame = repr.to_bytes().unwrap();
            prop_assert_eq!(frame.len(), repr.buffer_len());
            prop_assert_eq!(TcpFrame::parse(&frame, Checksum::Verify), Ok(repr));
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = TcpFrame::parse(&bytes, Checksum::Verify);
            let _ = TcpFrame::parse(&bytes, Checksum::Ignore);
        }
    }
}
