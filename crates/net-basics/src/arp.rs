//! ARP (地址解析协议): finding the MAC address that belongs to an IP address on
//! the same LAN.
//!
//! 三.网络基础: to send a packet to 172.16.10.2 on its own LAN, a machine needs
//! that host's MAC address for the Ethernet header. It broadcasts an ARP request
//! ("who has 172.16.10.2? tell 172.16.10.1") to `ff:ff:ff:ff:ff:ff`; every card
//! receives it, only the owner answers with its MAC, and the asker keeps the answer
//! in its ARP table (cache) for a while. For an address on another network, the
//! machine ARPs for its *gateway's* MAC instead: the router forwards from there.
//!
//! ```text
//! $ net-basics arp
//! $ net-basics arp --packet 172.16.10.2
//! ```

use std::fmt;
use std::net::Ipv4Addr;

use pnet_base::MacAddr;
use serde::Serialize;

use crate::dump::{Layer, LayerBuilder};
use crate::encap::{Field, ethernet};

/// Where Linux shows its ARP table.
pub const PROC_NET_ARP: &str = "/proc/net/arp";

/// The table is small; refuse to read more than this (a guard, not a limit anyone
/// meets: /proc/net/arp of a big router is a few hundred kilobytes).
pub const MAX_TABLE_BYTES: u64 = 4 * 1024 * 1024;

// ANCHOR: fields
/// The ARP packet for IPv4 over Ethernet (RFC 826), 28 bytes.
pub mod field {
    use super::Field;
    pub const HTYPE: Field = 0..2;
    pub const PTYPE: Field = 2..4;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: Field = 6..8;
    pub const SHA: Field = 8..14;
    pub const SPA: Field = 14..18;
    pub const THA: Field = 18..24;
    pub const TPA: Field = 24..28;
}
/// 28 bytes.
pub const PACKET_LEN: usize = field::TPA.end;
/// Hardware type 1: Ethernet.
pub const HTYPE_ETHERNET: u16 = 1;
/// Protocol type: IPv4 (the same number as the EtherType).
pub const PTYPE_IPV4: u16 = ethernet::ETHERTYPE_IPV4;
/// Operation 1: request ("who has?").
pub const OPER_REQUEST: u16 = 1;
/// Operation 2: reply ("is at").
pub const OPER_REPLY: u16 = 2;
// ANCHOR_END: fields

/// One line of the ARP table. Field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub ip: String,
    /// Lower case with colons; `00:00:00:00:00:00` while unresolved.
    pub mac: String,
    pub interface: String,
    /// The raw flags, e.g. `0x2`.
    pub flags: String,
    /// `complete` (0x2), `permanent` (0x4, set by hand), `incomplete` (0x0: asked,
    /// no answer yet).
    pub state: String,
}

fn state_of(flags: u32) -> &'static str {
    const ATF_COM: u32 = 0x2; // completed entry: the MAC is known
    const ATF_PERM: u32 = 0x4; // permanent entry, added with `arp -s`
    if flags & ATF_PERM != 0 {
        "permanent"
    } else if flags & ATF_COM != 0 {
        "complete"
    } else {
        "incomplete"
    }
}

/// Parses the text of `/proc/net/arp`:
///
/// ```text
/// IP address       HW type     Flags       HW address            Mask     Device
/// 192.168.1.1      0x1         0x2         52:54:00:12:35:02     *        eth0
/// ```
///
/// Lines that do not have six columns are skipped.
pub fn parse_proc_net_arp(text: &str) -> Vec<Entry> {
    text.lines()
        .skip(1) // the header line
        .filter_map(|line| {
            let columns: Vec<&str> = line.split_whitespace().collect();
            let [ip, _hw_type, flags, mac, _mask, device] = columns.as_slice() else {
                return None;
            };
            let flag_bits = u32::from_str_radix(flags.trim_start_matches("0x"), 16).unwrap_or(0);
            Some(Entry {
                ip: ip.to_string(),
                mac: mac.to_lowercase(),
                interface: device.to_string(),
                flags: flags.to_string(),
                state: state_of(flag_bits).to_string(),
            })
        })
        .collect()
}

/// Reads this machine's ARP table. `None` where there is no `/proc/net/arp`
/// (macOS, Windows: there, run `arp -a`).
pub fn read_table() -> Option<Vec<Entry>> {
    use std::io::Read;
    let file = std::fs::File::open(PROC_NET_ARP).ok()?;
    let mut text = String::new();
    file.take(MAX_TABLE_BYTES).read_to_string(&mut text).ok()?;
    Some(parse_proc_net_arp(&text))
}

/// An ARP request from `sender` asking who has `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub sender_mac: MacAddr,
    pub sender_ip: Ipv4Addr,
    pub target_ip: Ipv4Addr,
}

/// An ARP packet in its Ethernet frame: a request or a reply, as sent or as
/// read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArpFrame {
    /// Broadcast for a request, the asker's MAC for a reply.
    pub dst_mac: MacAddr,
    pub src_mac: MacAddr,
    /// [`OPER_REQUEST`] or [`OPER_REPLY`] (others are kept, not refused).
    pub operation: u16,
    pub sender_mac: MacAddr,
    pub sender_ip: Ipv4Addr,
    /// All zeros in a request: the unknown the request asks for.
    pub target_mac: MacAddr,
    pub target_ip: Ipv4Addr,
}

impl From<&Request> for ArpFrame {
    fn from(request: &Request) -> ArpFrame {
        ArpFrame {
            // To everybody: the asker does not know the MAC yet, that is the question.
            dst_mac: MacAddr::broadcast(),
            src_mac: request.sender_mac,
            operation: OPER_REQUEST,
            sender_mac: request.sender_mac,
            sender_ip: request.sender_ip,
            target_mac: MacAddr::zero(),
            target_ip: request.target_ip,
        }
    }
}

impl ArpFrame {
    /// The answer of the owner of the asked-for address, whose MAC is `mac`:
    /// sent only to the asker (unicast), who learns the answer.
    pub fn reply(&self, mac: MacAddr) -> ArpFrame {
        ArpFrame {
            dst_mac: self.sender_mac,
            src_mac: mac,
            operation: OPER_REPLY,
            sender_mac: mac,
            sender_ip: self.target_ip,
            target_mac: self.sender_mac,
            target_ip: self.sender_ip,
        }
    }

    pub fn is_request(&self) -> bool {
        self.operation == OPER_REQUEST
    }

    // ANCHOR: emit
    /// The Ethernet frame carrying the packet, padded to the 60-byte minimum.
    pub fn emit(&self) -> Vec<u8> {
        let mut frame = vec![0u8; (ethernet::HEADER_LEN + PACKET_LEN).max(ethernet::MIN_FRAME_LEN)];
        let eth = &mut frame[..ethernet::HEADER_LEN];
        eth[ethernet::field::DESTINATION].copy_from_slice(&self.dst_mac.octets());
        eth[ethernet::field::SOURCE].copy_from_slice(&self.src_mac.octets());
        eth[ethernet::field::ETHERTYPE].copy_from_slice(&ethernet::ETHERTYPE_ARP.to_be_bytes());

        let arp = &mut frame[ethernet::HEADER_LEN..ethernet::HEADER_LEN + PACKET_LEN];
        arp[field::HTYPE].copy_from_slice(&HTYPE_ETHERNET.to_be_bytes());
        arp[field::PTYPE].copy_from_slice(&PTYPE_IPV4.to_be_bytes());
        arp[field::HLEN] = 6; // a MAC is 6 bytes
        arp[field::PLEN] = 4; // an IPv4 address is 4 bytes
        arp[field::OPER].copy_from_slice(&self.operation.to_be_bytes());
        arp[field::SHA].copy_from_slice(&self.sender_mac.octets());
        arp[field::SPA].copy_from_slice(&self.sender_ip.octets());
        arp[field::THA].copy_from_slice(&self.target_mac.octets());
        arp[field::TPA].copy_from_slice(&self.target_ip.octets());
        frame
    }
    // ANCHOR_END: emit

    /// Reads an ARP packet for IPv4 over Ethernet out of a frame; `None` for
    /// any other frame. Never panics, whatever the bytes.
    pub fn parse(frame: &[u8]) -> Option<ArpFrame> {
        let ethertype = frame.get(ethernet::field::ETHERTYPE)?;
        if ethertype != ethernet::ETHERTYPE_ARP.to_be_bytes() {
            return None;
        }
        let arp = frame.get(ethernet::HEADER_LEN..ethernet::HEADER_LEN + PACKET_LEN)?;
        let be16 = |at: Field| {
            arp.get(at)
                .and_then(|b| b.try_into().ok())
                .map(u16::from_be_bytes)
        };
        if be16(field::HTYPE)? != HTYPE_ETHERNET
            || be16(field::PTYPE)? != PTYPE_IPV4
            || arp.get(field::HLEN) != Some(&6)
            || arp.get(field::PLEN) != Some(&4)
        {
            return None;
        }
        let mac = |bytes: &[u8], at: Field| -> Option<MacAddr> {
            let b: [u8; 6] = bytes.get(at)?.try_into().ok()?;
            Some(MacAddr::from(b))
        };
        let ip = |at: Field| -> Option<Ipv4Addr> {
            let b: [u8; 4] = arp.get(at)?.try_into().ok()?;
            Some(Ipv4Addr::from(b))
        };
        Some(ArpFrame {
            dst_mac: mac(frame, ethernet::field::DESTINATION)?,
            src_mac: mac(frame, ethernet::field::SOURCE)?,
            operation: be16(field::OPER)?,
            sender_mac: mac(arp, field::SHA)?,
            sender_ip: ip(field::SPA)?,
            target_mac: mac(arp, field::THA)?,
            target_ip: ip(field::TPA)?,
        })
    }
}

impl fmt::Display for ArpFrame {
    /// `who has 172.16.10.2? tell 172.16.10.1`, or `172.16.10.2 is at 02:00:00:00:00:0b`,
    /// the way tcpdump writes them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operation {
            OPER_REQUEST => write!(f, "who has {}? tell {}", self.target_ip, self.sender_ip),
            OPER_REPLY => write!(f, "{} is at {}", self.sender_ip, self.sender_mac),
            other => write!(f, "operation {other}"),
        }
    }
}

impl Request {
    /// The Ethernet frame carrying the request ([`ArpFrame::emit`]).
    pub fn emit(&self) -> Vec<u8> {
        ArpFrame::from(self).emit()
    }

    /// Every field of the frame, named, for the annotated dump.
    pub fn annotate(&self, frame: &[u8]) -> Vec<Layer> {
        let start = ethernet::HEADER_LEN;
        let mut layers = vec![
            LayerBuilder::new(frame, "Ethernet II header", 0)
                .field(
                    "destination MAC",
                    ethernet::field::DESTINATION,
                    "ff:ff:ff:ff:ff:ff (broadcast: everyone on the LAN)",
                )
                .field(
                    "source MAC",
                    ethernet::field::SOURCE,
                    self.sender_mac.to_string(),
                )
                .field("EtherType", ethernet::field::ETHERTYPE, "0x0806 (ARP)")
                .build(),
            LayerBuilder::new(frame, "ARP request", start)
                .field("hardware type", field::HTYPE, "1 (Ethernet)")
                .field("protocol type", field::PTYPE, "0x0800 (IPv4)")
                .field(
                    "hardware size",
                    field::HLEN..field::HLEN + 1,
                    "6 (bytes in a MAC)",
                )
                .field(
                    "protocol size",
                    field::PLEN..field::PLEN + 1,
                    "4 (bytes in an IPv4 address)",
                )
                .field("operation", field::OPER, "1 (request: who has?)")
                .field("sender MAC", field::SHA, self.sender_mac.to_string())
                .field("sender IP", field::SPA, self.sender_ip.to_string())
                .field(
                    "target MAC",
                    field::THA,
                    "00:00:00:00:00:00 (unknown: the question)",
                )
                .field("target IP", field::TPA, self.target_ip.to_string())
                .build(),
        ];
        let end = start + PACKET_LEN;
        if frame.len() > end {
            layers.push(
                LayerBuilder::new(frame, "Ethernet padding (to the 60-byte minimum)", end)
                    .field("zeros", 0..frame.len() - end, "")
                    .build(),
            );
        }
        layers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_linux_table() {
        let text = "IP address       HW type     Flags       HW address            Mask     Device\n\
                    192.168.1.1      0x1         0x2         52:54:00:12:35:02     *        eth0\n\
                    192.168.1.9      0x1         0x0         00:00:00:00:00:00     *        eth0\n\
                    10.0.0.1         0x1         0x6         AA:BB:CC:DD:EE:FF     *        wlan0\n\
                    garbage\n";
        let entries = parse_proc_net_arp(text);
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].ip, "192.168.1.1");
        assert_eq!(entries[0].mac, "52:54:00:12:35:02");
        assert_eq!(entries[0].state, "complete");
        assert_eq!(entries[1].state, "incomplete");
        assert_eq!(entries[2].state, "permanent");
        assert_eq!(entries[2].mac, "aa:bb:cc:dd:ee:ff");
        assert_eq!(entries[2].interface, "wlan0");
    }

    #[test]
    fn an_empty_table_has_no_entries() {
        assert!(parse_proc_net_arp("").is_empty());
    }

    #[test]
    fn request_frame_field_by_field() {
        let request = Request {
            sender_mac: MacAddr::new(0x02, 0, 0, 0, 0, 0x01),
            sender_ip: Ipv4Addr::new(172, 16, 10, 1),
            target_ip: Ipv4Addr::new(172, 16, 10, 2),
        };
        let frame = request.emit();
        assert_eq!(frame.len(), ethernet::MIN_FRAME_LEN);
        assert_eq!(&frame[ethernet::field::DESTINATION], &[0xff; 6]);
        assert_eq!(&frame[ethernet::field::ETHERTYPE], &[0x08, 0x06]);
        let arp = &frame[ethernet::HEADER_LEN..];
        assert_eq!(&arp[field::HTYPE], &[0, 1]);
        assert_eq!(&arp[field::PTYPE], &[0x08, 0x00]);
        assert_eq!(arp[field::HLEN], 6);
        assert_eq!(arp[field::PLEN], 4);
        assert_eq!(&arp[field::OPER], &[0, 1]);
        assert_eq!(&arp[field::SPA], &[172, 16, 10, 1]);
        assert_eq!(&arp[field::THA], &[0; 6]);
        assert_eq!(&arp[field::TPA], &[172, 16, 10, 2]);
        let layers = request.annotate(&frame);
        assert_eq!(layers[1].length, PACKET_LEN);
    }

    /// B's answer to A's question, written out by hand from RFC 826's layout:
    /// "172.16.10.2 is at 02:00:00:00:00:0b".
    const REPLY_FRAME: [u8; 60] = [
        // Ethernet: to A only, from B, ARP
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x08, 0x06,
        // Ethernet, IPv4, 6, 4, reply
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, // sender: B's MAC and IP
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 172, 16, 10, 2, // target: A's MAC and IP
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 172, 16, 10, 1, // padding to 60 bytes
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    fn question() -> ArpFrame {
        ArpFrame::from(&Request {
            sender_mac: MacAddr::new(2, 0, 0, 0, 0, 0x0a),
            sender_ip: Ipv4Addr::new(172, 16, 10, 1),
            target_ip: Ipv4Addr::new(172, 16, 10, 2),
        })
    }

    #[test]
    fn decodes_a_reply_field_by_field() {
        let reply = ArpFrame::parse(&REPLY_FRAME).unwrap();
        assert_eq!(reply.dst_mac, MacAddr::new(2, 0, 0, 0, 0, 0x0a));
        assert_eq!(reply.src_mac, MacAddr::new(2, 0, 0, 0, 0, 0x0b));
        assert_eq!(reply.operation, OPER_REPLY);
        assert_eq!(reply.sender_mac, MacAddr::new(2, 0, 0, 0, 0, 0x0b));
        assert_eq!(reply.sender_ip, Ipv4Addr::new(172, 16, 10, 2));
        assert_eq!(reply.target_mac, MacAddr::new(2, 0, 0, 0, 0, 0x0a));
        assert_eq!(reply.target_ip, Ipv4Addr::new(172, 16, 10, 1));
        assert_eq!(reply.to_string(), "172.16.10.2 is at 02:00:00:00:00:0b");
    }

    #[test]
    fn the_owner_answers_the_asker_alone() {
        let reply = question().reply(MacAddr::new(2, 0, 0, 0, 0, 0x0b));
        assert_eq!(reply.emit(), REPLY_FRAME);
        assert_eq!(
            question().to_string(),
            "who has 172.16.10.2? tell 172.16.10.1"
        );
        assert_eq!(ArpFrame::parse(&question().emit()), Some(question()));
    }

    #[test]
    fn other_frames_are_not_arp() {
        assert_eq!(ArpFrame::parse(&REPLY_FRAME[..40]), None);
        let mut ipv4 = REPLY_FRAME;
        ipv4[13] = 0x00;
        assert_eq!(ArpFrame::parse(&ipv4), None);
        assert_eq!(ArpFrame::parse(&[]), None);
    }
}
