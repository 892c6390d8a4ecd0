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

use std::net::Ipv4Addr;

use pnet_base::MacAddr;
use serde::Serialize;

use crate::dump::{Layer, LayerBuilder};
use crate::encap::ethernet;

/// Where Linux shows its ARP table.
pub const PROC_NET_ARP: &str = "/proc/net/arp";

/// The table is small; refuse to read more than this (a guard, not a limit anyone
/// meets: /proc/net/arp of a big router is a few hundred kilobytes).
pub const MAX_TABLE_BYTES: u64 = 4 * 1024 * 1024;

// ANCHOR: fields
/// The ARP packet for IPv4 over Ethernet (RFC 826), 28 bytes.
pub mod field {
    use crate::encap::Field;
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
/// Operation 1: request ("who has?"). 2 is a reply ("is at").
pub const OPER_REQUEST: u16 = 1;
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

impl Request {
    // ANCHOR: emit
    /// The Ethernet frame carrying the request, padded to the 60-byte minimum.
    pub fn emit(&self) -> Vec<u8> {
        let mut frame = vec![0u8; (ethernet::HEADER_LEN + PACKET_LEN).max(ethernet::MIN_FRAME_LEN)];
        let eth = &mut frame[..ethernet::HEADER_LEN];
        // To everybody: the asker does not know the MAC yet, that is the question.
        eth[ethernet::field::DESTINATION].copy_from_slice(&MacAddr::broadcast().octets());
        eth[ethernet::field::SOURCE].copy_from_slice(&self.sender_mac.octets());
        eth[ethernet::field::ETHERTYPE].copy_from_slice(&ethernet::ETHERTYPE_ARP.to_be_bytes());

        let arp = &mut frame[ethernet::HEADER_LEN..ethernet::HEADER_LEN + PACKET_LEN];
        arp[field::HTYPE].copy_from_slice(&HTYPE_ETHERNET.to_be_bytes());
        arp[field::PTYPE].copy_from_slice(&PTYPE_IPV4.to_be_bytes());
        arp[field::HLEN] = 6; // a MAC is 6 bytes
        arp[field::PLEN] = 4; // an IPv4 address is 4 bytes
        arp[field::OPER].copy_from_slice(&OPER_REQUEST.to_be_bytes());
        arp[field::SHA].copy_from_slice(&self.sender_mac.octets());
        arp[field::SPA].copy_from_slice(&self.sender_ip.octets());
        // THA stays zero: the unknown the request asks for.
        arp[field::TPA].copy_from_slice(&self.target_ip.octets());
        frame
    }
    // ANCHOR_END: emit

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
}
