//! Encapsulation (封装): the bytes of an Ethernet II frame carrying an IPv4 packet
//! carrying a UDP datagram carrying your text.
//!
//! 三.网络基础: each layer puts its own header in front of what the layer above
//! handed it. The application's bytes get a UDP header (ports: which program), then
//! an IPv4 header (addresses: which machine), then an Ethernet header (MACs: which
//! card on this LAN). The receiver peels them off in the opposite order.
//!
//! Every header field is a named byte range (`field::TTL`), as smoltcp writes it,
//! and every multi-byte number is written big-endian ("network byte order").
//!
//! ```text
//! $ net-basics encap --payload hello
//! ```

use std::fmt;
use std::net::Ipv4Addr;

use netlab_common::bytes::python_repr;
use pnet_base::MacAddr;

use crate::checksum::{finish, ones_complement_sum, verify};
use crate::dump::{Layer, LayerBuilder};

/// A byte range inside a header.
pub type Field = std::ops::Range<usize>;

// ANCHOR: fields
/// Ethernet II header.
pub mod ethernet {
    pub mod field {
        use super::super::Field;
        pub const DESTINATION: Field = 0..6;
        pub const SOURCE: Field = 6..12;
        pub const ETHERTYPE: Field = 12..14;
    }
    /// 14 bytes: the header ends where its last field ends.
    pub const HEADER_LEN: usize = field::ETHERTYPE.end;
    /// EtherType of an IPv4 payload.
    pub const ETHERTYPE_IPV4: u16 = 0x0800;
    /// EtherType of an ARP payload.
    pub const ETHERTYPE_ARP: u16 = 0x0806;
    /// The smallest frame a card sends, without the 4-byte FCS: shorter frames are
    /// padded with zeros so that collisions could be detected on old shared cables.
    pub const MIN_FRAME_LEN: usize = 60;
}

/// IPv4 header without options.
pub mod ipv4 {
    pub mod field {
        use super::super::Field;
        pub const VER_IHL: usize = 0;
        pub const DSCP_ECN: usize = 1;
        pub const LENGTH: Field = 2..4;
        pub const IDENT: Field = 4..6;
        pub const FLG_OFF: Field = 6..8;
        pub const TTL: usize = 8;
        pub const PROTOCOL: usize = 9;
        pub const CHECKSUM: Field = 10..12;
        pub const SRC_ADDR: Field = 12..16;
        pub const DST_ADDR: Field = 16..20;
    }
    /// 20 bytes.
    pub const HEADER_LEN: usize = field::DST_ADDR.end;
    /// Version 4, header length 5 words of 32 bits (20 bytes, no options).
    pub const VER_IHL_NO_OPTIONS: u8 = 0x45;
    /// "Don't fragment": the sender would rather get an error than have routers
    /// cut the packet in pieces (how path-MTU discovery works).
    pub const FLAG_DONT_FRAGMENT: u16 = 0x4000;
    /// Protocol number of UDP in the IPv4 header (ICMP is 1).
    pub const PROTOCOL_UDP: u8 = 17;
    /// Protocol number of TCP in the IPv4 header.
    pub const PROTOCOL_TCP: u8 = 6;
    /// The default TTL of Linux, macOS and Windows' IPv4 packets (hops left).
    pub const DEFAULT_TTL: u8 = 64;
}

/// UDP header.
pub mod udp {
    pub mod field {
        use super::super::Field;
        pub const SRC_PORT: Field = 0..2;
        pub const DST_PORT: Field = 2..4;
        pub const LENGTH: Field = 4..6;
        pub const CHECKSUM: Field = 6..8;
    }
    /// 8 bytes.
    pub const HEADER_LEN: usize = field::CHECKSUM.end;
}
// ANCHOR_END: fields

/// Standard Ethernet MTU: the largest IPv4 packet one frame carries.
pub const MTU: usize = 1500;
/// The largest payload that fits one frame without fragmentation: 1472 bytes.
pub const MAX_PAYLOAD: usize = MTU - ipv4::HEADER_LEN - udp::HEADER_LEN;

/// Where each layer starts in the frame.
const IP_START: usize = ethernet::HEADER_LEN;
const UDP_START: usize = IP_START + ipv4::HEADER_LEN;
const PAYLOAD_START: usize = UDP_START + udp::HEADER_LEN;

/// An Ethernet/IPv4/UDP frame, parsed: what `encap` takes as options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpFrame {
    pub src_mac: MacAddr,
    pub dst_mac: MacAddr,
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub src_port: u16,
    pub dst_port: u16,
    pub ttl: u8,
    pub ident: u16,
    pub payload: Vec<u8>,
}

/// Why bytes are not a frame we can decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Truncated { needed: usize, got: usize },
    NotIpv4 { ethertype: u16 },
    IpOptions { ver_ihl: u8 },
    NotUdp { protocol: u8 },
    NotTcp { protocol: u8 },
    BadLength,
    IpChecksum,
    UdpChecksum,
    TcpChecksum,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated { needed, got } => {
                write!(f, "frame too short: {got} bytes, need {needed}")
            }
            DecodeError::NotIpv4 { ethertype } => {
                write!(f, "EtherType 0x{ethertype:04x} is not IPv4")
            }
            DecodeError::IpOptions { ver_ihl } => {
                write!(
                    f,
                    "version/IHL byte 0x{ver_ihl:02x}: only IPv4 without options is decoded"
                )
            }
            DecodeError::NotUdp { protocol } => write!(f, "IP protocol {protocol} is not UDP (17)"),
            DecodeError::NotTcp { protocol } => write!(f, "IP protocol {protocol} is not TCP (6)"),
            DecodeError::BadLength => f.write_str("length fields disagree with the frame"),
            DecodeError::IpChecksum => f.write_str("IPv4 header checksum does not verify"),
            DecodeError::UdpChecksum => f.write_str("UDP checksum does not verify"),
            DecodeError::TcpChecksum => f.write_str("TCP checksum does not verify"),
        }
    }
}

impl std::error::Error for DecodeError {}

fn mac_bytes(mac: MacAddr) -> [u8; 6] {
    mac.octets()
}

/// The big-endian 16-bit number in `bytes[at]`, or `None` past the end.
pub(crate) fn be16(bytes: &[u8], at: Field) -> Option<u16> {
    let b = bytes.get(at)?;
    Some(u16::from_be_bytes(b.try_into().ok()?))
}

/// The big-endian 32-bit number in `bytes[at]`, or `None` past the end.
pub(crate) fn be32(bytes: &[u8], at: Field) -> Option<u32> {
    let b = bytes.get(at)?;
    Some(u32::from_be_bytes(b.try_into().ok()?))
}

/// The IPv4 address in `bytes[at]`, or `None` past the end.
pub(crate) fn ipv4_at(bytes: &[u8], at: Field) -> Option<Ipv4Addr> {
    let b: [u8; 4] = bytes.get(at)?.try_into().ok()?;
    Some(Ipv4Addr::from(b))
}

/// The MAC address in `bytes[at]`, or `None` past the end.
pub(crate) fn mac_at(bytes: &[u8], at: Field) -> Option<MacAddr> {
    let b: [u8; 6] = bytes.get(at)?.try_into().ok()?;
    Some(MacAddr::from(b))
}

// ANCHOR: udp_checksum
/// The ones' complement sum of the "pseudo-header" that UDP's and TCP's
/// checksums cover besides their own bytes: source and destination address,
/// protocol number and the segment's length (RFC 768, RFC 793).
pub fn pseudo_header_sum(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, length: usize) -> u32 {
    let mut sum = ones_complement_sum(&src.octets(), 0);
    sum = ones_complement_sum(&dst.octets(), sum);
    sum + u32::from(protocol) + length as u32
}

/// The UDP checksum covers a "pseudo-header" (source and destination IP, protocol,
/// UDP length) as well as the UDP header and payload, so a datagram delivered to the
/// wrong address fails the check even if its own bytes are intact.
pub fn udp_checksum(src: Ipv4Addr, dst: Ipv4Addr, udp_segment: &[u8]) -> u16 {
    let sum = pseudo_header_sum(src, dst, ipv4::PROTOCOL_UDP, udp_segment.len());
    let checksum = finish(ones_complement_sum(udp_segment, sum));
    // 0 means "no checksum" in UDP over IPv4, so a computed 0 is sent as 0xffff
    // (the same number in ones' complement arithmetic).
    if checksum == 0 { 0xffff } else { checksum }
}
// ANCHOR_END: udp_checksum

// ANCHOR: headers
/// Writes the Ethernet II header at the start of `frame` (at least 14 bytes):
/// to whom on this LAN, from whom, and what the payload is.
pub(crate) fn emit_ethernet(frame: &mut [u8], dst: MacAddr, src: MacAddr, ethertype: u16) {
    let eth = &mut frame[..ethernet::HEADER_LEN];
    eth[ethernet::field::DESTINATION].copy_from_slice(&mac_bytes(dst));
    eth[ethernet::field::SOURCE].copy_from_slice(&mac_bytes(src));
    eth[ethernet::field::ETHERTYPE].copy_from_slice(&ethertype.to_be_bytes());
}

/// The IPv4 header fields that differ from packet to packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ipv4Fields {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub protocol: u8,
    pub ttl: u8,
    pub ident: u16,
    /// Header, transport header and data: at most 65,535 bytes.
    pub total_len: usize,
}

/// Writes an IPv4 header without options into `ip` (20 bytes), its checksum
/// included.
pub(crate) fn emit_ipv4(ip: &mut [u8], fields: &Ipv4Fields) {
    let ip = &mut ip[..ipv4::HEADER_LEN];
    ip[ipv4::field::VER_IHL] = ipv4::VER_IHL_NO_OPTIONS;
    ip[ipv4::field::DSCP_ECN] = 0; // best effort
    ip[ipv4::field::LENGTH].copy_from_slice(&(fields.total_len as u16).to_be_bytes());
    ip[ipv4::field::IDENT].copy_from_slice(&fields.ident.to_be_bytes());
    ip[ipv4::field::FLG_OFF].copy_from_slice(&ipv4::FLAG_DONT_FRAGMENT.to_be_bytes());
    ip[ipv4::field::TTL] = fields.ttl;
    ip[ipv4::field::PROTOCOL] = fields.protocol;
    ip[ipv4::field::CHECKSUM].copy_from_slice(&[0, 0]);
    ip[ipv4::field::SRC_ADDR].copy_from_slice(&fields.src.octets());
    ip[ipv4::field::DST_ADDR].copy_from_slice(&fields.dst.octets());
    // The checksum is computed with its own field still zero, then filled in.
    let checksum = finish(ones_complement_sum(ip, 0));
    ip[ipv4::field::CHECKSUM].copy_from_slice(&checksum.to_be_bytes());
}
// ANCHOR_END: headers

impl UdpFrame {
    /// The IPv4 total length: IP header + UDP header + payload.
    pub fn ip_len(&self) -> usize {
        ipv4::HEADER_LEN + udp::HEADER_LEN + self.payload.len()
    }

    /// The frame length, padding included.
    pub fn buffer_len(&self) -> usize {
        (ethernet::HEADER_LEN + self.ip_len()).max(ethernet::MIN_FRAME_LEN)
    }

    // ANCHOR: emit
    /// The bytes on the wire (without the FCS, which the card adds).
    /// The payload must be at most [`MAX_PAYLOAD`] bytes; longer payloads are cut
    /// there (the command line refuses them before).
    pub fn emit(&self) -> Vec<u8> {
        let payload = self.payload.get(..MAX_PAYLOAD).unwrap_or(&self.payload);
        let ip_len = ipv4::HEADER_LEN + udp::HEADER_LEN + payload.len();
        let udp_len = udp::HEADER_LEN + payload.len();
        let mut frame = vec![0u8; (ethernet::HEADER_LEN + ip_len).max(ethernet::MIN_FRAME_LEN)];

        emit_ethernet(
            &mut frame,
            self.dst_mac,
            self.src_mac,
            ethernet::ETHERTYPE_IPV4,
        );
        emit_ipv4(
            &mut frame[IP_START..UDP_START],
            &Ipv4Fields {
                src: self.src_ip,
                dst: self.dst_ip,
                protocol: ipv4::PROTOCOL_UDP,
                ttl: self.ttl,
                ident: self.ident,
                total_len: ip_len,
            },
        );

        let segment = &mut frame[UDP_START..UDP_START + udp_len];
        segment[udp::field::SRC_PORT].copy_from_slice(&self.src_port.to_be_bytes());
        segment[udp::field::DST_PORT].copy_from_slice(&self.dst_port.to_be_bytes());
        segment[udp::field::LENGTH].copy_from_slice(&(udp_len as u16).to_be_bytes());
        segment[udp::HEADER_LEN..].copy_from_slice(payload);
        let udp_sum = udp_checksum(self.src_ip, self.dst_ip, segment);
        segment[udp::field::CHECKSUM].copy_from_slice(&udp_sum.to_be_bytes());
        frame
    }
    // ANCHOR_END: emit

    /// Decodes a frame, checking every length and both checksums. Never panics,
    /// whatever the bytes.
    pub fn parse(frame: &[u8]) -> Result<UdpFrame, DecodeError> {
        let truncated = |needed| DecodeError::Truncated {
            needed,
            got: frame.len(),
        };
        if frame.len() < PAYLOAD_START {
            return Err(truncated(PAYLOAD_START));
        }
        let ethertype = be16(frame, ethernet::field::ETHERTYPE).ok_or(truncated(PAYLOAD_START))?;
        if ethertype != ethernet::ETHERTYPE_IPV4 {
            return Err(DecodeError::NotIpv4 { ethertype });
        }
        let ip = frame.get(IP_START..).unwrap_or_default();
        let ver_ihl = ip.get(ipv4::field::VER_IHL).copied().unwrap_or_default();
        if ver_ihl != ipv4::VER_IHL_NO_OPTIONS {
            return Err(DecodeError::IpOptions { ver_ihl });
        }
        let protocol = ip.get(ipv4::field::PROTOCOL).copied().unwrap_or_default();
        if protocol != ipv4::PROTOCOL_UDP {
            return Err(DecodeError::NotUdp { protocol });
        }
        // The IP total length says where the packet ends; Ethernet padding after it
        // is not part of the packet.
        let ip_len = usize::from(be16(ip, ipv4::field::LENGTH).unwrap_or_default());
        let packet = ip.get(..ip_len).ok_or(DecodeError::BadLength)?;
        if ip_len < ipv4::HEADER_LEN + udp::HEADER_LEN {
            return Err(DecodeError::BadLength);
        }
        if !verify(packet.get(..ipv4::HEADER_LEN).unwrap_or_default()) {
            return Err(DecodeError::IpChecksum);
        }
        let segment = packet.get(ipv4::HEADER_LEN..).unwrap_or_default();
        let udp_len = usize::from(be16(segment, udp::field::LENGTH).unwrap_or_default());
        if udp_len != segment.len() {
            return Err(DecodeError::BadLength);
        }
        let src_ip = ipv4_at(packet, ipv4::field::SRC_ADDR).ok_or(DecodeError::BadLength)?;
        let dst_ip = ipv4_at(packet, ipv4::field::DST_ADDR).ok_or(DecodeError::BadLength)?;
        // Verifying: the checksum over pseudo-header + segment, field included,
        // must come out as zero. A field of 0 means the sender computed none
        // (allowed for UDP over IPv4, RFC 768): nothing to verify then.
        let sent_checksum = be16(segment, udp::field::CHECKSUM).unwrap_or_default();
        let sum = pseudo_header_sum(src_ip, dst_ip, ipv4::PROTOCOL_UDP, segment.len());
        if sent_checksum != 0 && finish(ones_complement_sum(segment, sum)) != 0 {
            return Err(DecodeError::UdpChecksum);
        }
        Ok(UdpFrame {
            dst_mac: mac_at(frame, ethernet::field::DESTINATION).ok_or(truncated(PAYLOAD_START))?,
            src_mac: mac_at(frame, ethernet::field::SOURCE).ok_or(truncated(PAYLOAD_START))?,
            src_ip,
            dst_ip,
            src_port: be16(segment, udp::field::SRC_PORT).unwrap_or_default(),
            dst_port: be16(segment, udp::field::DST_PORT).unwrap_or_default(),
            ttl: ip.get(ipv4::field::TTL).copied().unwrap_or_default(),
            ident: be16(ip, ipv4::field::IDENT).unwrap_or_default(),
            payload: segment.get(udp::HEADER_LEN..).unwrap_or_default().to_vec(),
        })
    }

    /// Every header field of `frame` (as emitted for this repr), named, for the
    /// annotated dump.
    pub fn annotate(&self, frame: &[u8]) -> Vec<Layer> {
        let ip_len = self.ip_len();
        let udp_len = udp::HEADER_LEN + self.payload.len();
        let field_u16 = |start: usize, range: Field| {
            be16(frame, start + range.start..start + range.end).unwrap_or_default()
        };
        let mut layers = vec![
            LayerBuilder::new(frame, "Ethernet II header (link layer: which card)", 0)
                .field(
                    "destination MAC",
                    ethernet::field::DESTINATION,
                    self.dst_mac.to_string(),
                )
                .field(
                    "source MAC",
                    ethernet::field::SOURCE,
                    self.src_mac.to_string(),
                )
                .field("EtherType", ethernet::field::ETHERTYPE, "0x0800 (IPv4)")
                .build(),
            LayerBuilder::new(
                frame,
                "IPv4 header (network layer: which machine)",
                IP_START,
            )
            .field(
                "version, IHL",
                ipv4::field::VER_IHL..ipv4::field::VER_IHL + 1,
                "4, 5 words (20 bytes, no options)",
            )
            .field(
                "DSCP, ECN",
                ipv4::field::DSCP_ECN..ipv4::field::DSCP_ECN + 1,
                "0 (best effort)",
            )
            .field("total length", ipv4::field::LENGTH, format!("{ip_len}"))
            .field(
                "identification",
                ipv4::field::IDENT,
                format!("{}", self.ident),
            )
            .field(
                "flags, fragment",
                ipv4::field::FLG_OFF,
                "DF (don't fragment), offset 0",
            )
            .field(
                "TTL",
                ipv4::field::TTL..ipv4::field::TTL + 1,
                format!("{} (hops left)", self.ttl),
            )
            .field(
                "protocol",
                ipv4::field::PROTOCOL..ipv4::field::PROTOCOL + 1,
                "17 (UDP)",
            )
            .field(
                "header checksum",
                ipv4::field::CHECKSUM,
                format!(
                    "0x{:04x} (verifies)",
                    field_u16(IP_START, ipv4::field::CHECKSUM)
                ),
            )
            .field("source IP", ipv4::field::SRC_ADDR, self.src_ip.to_string())
            .field(
                "destination IP",
                ipv4::field::DST_ADDR,
                self.dst_ip.to_string(),
            )
            .build(),
            LayerBuilder::new(
                frame,
                "UDP header (transport layer: which program)",
                UDP_START,
            )
            .field(
                "source port",
                udp::field::SRC_PORT,
                format!("{}", self.src_port),
            )
            .field(
                "destination port",
                udp::field::DST_PORT,
                format!("{}", self.dst_port),
            )
            .field(
                "length",
                udp::field::LENGTH,
                format!("{udp_len} (header 8 + data {})", self.payload.len()),
            )
            .field(
                "checksum",
                udp::field::CHECKSUM,
                format!(
                    "0x{:04x} (with pseudo-header; verifies)",
                    field_u16(UDP_START, udp::field::CHECKSUM)
                ),
            )
            .build(),
            LayerBuilder::new(
                frame,
                "Payload (application layer: your bytes)",
                PAYLOAD_START,
            )
            .field("data", 0..self.payload.len(), python_repr(&self.payload))
            .build(),
        ];
        let end = PAYLOAD_START + self.payload.len();
        if frame.len() > end {
            layers.push(
                LayerBuilder::new(frame, "Ethernet padding (to the 60-byte minimum)", end)
                    .field("zeros", 0..frame.len() - end, "not part of the IP packet")
                    .build(),
            );
        }
        layers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn example() -> UdpFrame {
        UdpFrame {
            src_mac: MacAddr::new(0x02, 0, 0, 0, 0, 0x01),
            dst_mac: MacAddr::new(0x02, 0, 0, 0, 0, 0x02),
            src_ip: Ipv4Addr::new(172, 16, 10, 1),
            dst_ip: Ipv4Addr::new(172, 16, 10, 2),
            src_port: 50000,
            dst_port: 9000,
            ttl: 64,
            ident: 0,
            payload: b"hello".to_vec(),
        }
    }

    /// The frame of `example()`, checked byte by byte against Python's own
    /// computation (struct.pack and a separate RFC 1071 sum) when this test was
    /// written.
    const EXAMPLE_FRAME: [u8; 60] = [
        // Ethernet: destination, source, EtherType
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
        // IPv4: 45 00, length 33, ident 0, DF, TTL 64, UDP, checksum, addresses
        0x45, 0x00, 0x00, 0x21, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xce, 0xa8, 0xac, 0x10, 0x0a,
        0x01, 0xac, 0x10, 0x0a, 0x02, // UDP: 50000 → 9000, length 13, checksum
        0xc3, 0x50, 0x23, 0x28, 0x00, 0x0d, 0x69, 0x65, // "hello"
        b'h', b'e', b'l', b'l', b'o', // padding to 60 bytes
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn emits_the_known_frame() {
        assert_eq!(example().emit(), EXAMPLE_FRAME);
    }

    #[test]
    fn decodes_the_known_frame_field_by_field() {
        let frame = UdpFrame::parse(&EXAMPLE_FRAME).unwrap();
        assert_eq!(frame.dst_mac, MacAddr::new(0x02, 0, 0, 0, 0, 0x02));
        assert_eq!(frame.src_ip, Ipv4Addr::new(172, 16, 10, 1));
        assert_eq!(frame.dst_port, 9000);
        assert_eq!(frame.ttl, 64);
        assert_eq!(frame.payload, b"hello");
        assert_eq!(frame, example());
    }

    #[test]
    fn header_lengths_follow_from_the_fields() {
        assert_eq!(ethernet::HEADER_LEN, 14);
        assert_eq!(ipv4::HEADER_LEN, 20);
        assert_eq!(udp::HEADER_LEN, 8);
        assert_eq!(MAX_PAYLOAD, 1472);
    }

    #[test]
    fn a_flipped_bit_fails_the_checksums() {
        let mut frame = EXAMPLE_FRAME;
        frame[IP_START + ipv4::field::TTL] = 63;
        assert_eq!(UdpFrame::parse(&frame), Err(DecodeError::IpChecksum));
        let mut frame = EXAMPLE_FRAME;
        frame[PAYLOAD_START] = b'j';
        assert_eq!(UdpFrame::parse(&frame), Err(DecodeError::UdpChecksum));
    }

    #[test]
    fn a_udp_checksum_of_zero_means_none_was_computed() {
        let mut frame = EXAMPLE_FRAME;
        let field = UDP_START + udp::field::CHECKSUM.start..UDP_START + udp::field::CHECKSUM.end;
        frame[field].copy_from_slice(&[0, 0]);
        assert_eq!(UdpFrame::parse(&frame), Ok(example()));
    }

    #[test]
    fn long_payloads_need_no_padding() {
        let mut repr = example();
        repr.payload = vec![b'x'; 100];
        let frame = repr.emit();
        assert_eq!(frame.len(), 14 + 20 + 8 + 100);
        assert_eq!(UdpFrame::parse(&frame), Ok(repr));
    }

    #[test]
    fn annotation_names_every_field_and_brackets_each_layer() {
        let repr = example();
        let frame = repr.emit();
        let layers = repr.annotate(&frame);
        let names: Vec<&str> = layers
            .iter()
            .flat_map(|l| l.fields.iter().map(|f| f.name))
            .collect();
        for name in [
            "destination MAC",
            "EtherType",
            "TTL",
            "header checksum",
            "source port",
            "checksum",
            "data",
        ] {
            assert!(names.contains(&name), "{name}");
        }
        let covered: usize = layers.iter().map(|l| l.length).sum();
        assert_eq!(covered, frame.len());
        assert_eq!(layers[1].fields[7].hex, "cea8");
    }

    proptest! {
        #[test]
        fn emitted_frames_decode_back_to_their_inputs(
            src_mac in any::<[u8; 6]>(), dst_mac in any::<[u8; 6]>(),
            src_ip in any::<u32>(), dst_ip in any::<u32>(),
            src_port in any::<u16>(), dst_port in any::<u16>(),
            ttl in any::<u8>(), ident in any::<u16>(),
            payload in proptest::collection::vec(any::<u8>(), 0..=MAX_PAYLOAD),
        ) {
            let repr = UdpFrame {
                src_mac: MacAddr::from(src_mac), dst_mac: MacAddr::from(dst_mac),
                src_ip: Ipv4Addr::from(src_ip), dst_ip: Ipv4Addr::from(dst_ip),
                src_port, dst_port, ttl, ident, payload,
            };
            let frame = repr.emit();
            prop_assert_eq!(frame.len(), repr.buffer_len());
            prop_assert_eq!(UdpFrame::parse(&frame), Ok(repr));
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = UdpFrame::parse(&bytes);
        }
    }
}
