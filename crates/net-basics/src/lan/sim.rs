//! The simulated LAN: hosts, switches and routers passing real frames.
//!
//! Every frame is real bytes, built by the crate's encapsulation code
//! ([`ArpFrame`], [`TcpFrame`]) and read back by each device that receives it,
//! the way a network card and a kernel would. Each device does what its
//! layer does:
//! - a **switch** (layer 2) reads MAC addresses only: it learns which port
//!   leads to each source MAC, forwards a frame for a known MAC out of that
//!   port alone, and floods a broadcast (or a MAC it does not know yet) out of
//!   every other port;
//! - a **host** (all layers) takes frames for its MAC or for everyone, answers
//!   the ARP requests that ask for its address, and decides where its own
//!   packets go: the AND with its mask says whether the destination is on its
//!   network (send straight there) or not (send to the gateway);
//! - a **router** (layer 3) answers ARP for its own interfaces, passes no
//!   broadcast on, and forwards a packet for another network: TTL minus one,
//!   out of the interface whose network holds the destination, with new MAC
//!   addresses.
//!
//! The run is deterministic: frames are delivered one at a time, in the order
//! they were sent (a FIFO), and no clock is involved. Real switches work in
//! parallel and forget MAC addresses after a few minutes (Linux bridges: 300
//! s); real hosts forget ARP answers too, and retransmit what is lost.

use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddrV4};

use pnet_base::MacAddr;
use serde::Serialize;

use super::{Card, Peer, PortRef, TCP_PORT, Topology};
use crate::arp::{ArpFrame, Request};
use crate::encap::ipv4;
use crate::tcp::{Checksum, Flags, TcpFrame};

/// The client's port in every talk: one from Linux's ephemeral range, fixed so
/// that the run is the same every time.
pub const CLIENT_PORT: u16 = 50000;
/// The client's initial sequence number (real stacks choose a random one).
pub const CLIENT_ISN: u32 = 1000;
/// The most frames one talk may put on the cables: a guard against a loop the
/// scenario check missed (a talk of the built-in LAN sends about ten).
pub const MAX_DELIVERIES: usize = 1000;

/// One thing a device did. The field names are the `--json` keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The device: `A`, `sw1`, `R`.
    pub device: String,
    /// What it did and why, in a sentence.
    pub text: String,
    /// The frame it sent, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<Sent>,
}

/// A frame a host or router put on its cable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub src_mac: String,
    pub dst_mac: String,
    /// `ARP request`, `ARP reply`, `TCP`.
    pub kind: &'static str,
    /// `who has 172.16.10.2? tell 172.16.10.1`, `172.16.10.1:50000 > 172.16.10.2:8898 SYN TTL 64`.
    pub summary: String,
    /// The frame's bytes, in hex.
    pub hex: String,
    /// Its number in the `--pcap` file (from 1).
    pub number: usize,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// One line of a switch's MAC address table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MacEntry {
    pub mac: String,
    pub port: usize,
    /// What is plugged into that port: the host, router or switch the frames
    /// for this MAC go to first.
    pub towards: String,
}

/// One line of a host's or router's ARP table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArpEntry {
    pub ip: String,
    pub mac: String,
}

/// A talk and what it made every device do, with the tables after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TalkRun {
    pub from: String,
    pub to: String,
    /// Where the SYN goes: `172.16.10.2:8898`.
    pub destination: String,
    pub steps: Vec<Step>,
    /// Each switch's learned MAC addresses, by switch name.
    pub mac_tables: BTreeMap<String, Vec<MacEntry>>,
    /// Each host's and router's ARP table, by device name.
    pub arp_tables: BTreeMap<String, Vec<ArpEntry>>,
    /// Whether the SYN reached its host.
    pub delivered: bool,
}

/// Who is handling a frame.
#[derive(Debug, Clone, Copy)]
enum At {
    Switch(PortRef),
    Host(usize),
    Router(usize, usize),
}

/// A packet waiting for an ARP answer: the next hop's address and the packet.
#[derive(Debug, Clone)]
struct Waiting {
    next_hop: Ipv4Addr,
    packet: TcpFrame,
}

/// The whole LAN's state: what each device has learned so far.
#[derive(Debug)]
pub struct Lan<'a> {
    topology: &'a Topology,
    /// Per switch: MAC → port, in the order learned.
    mac_tables: Vec<Vec<([u8; 6], usize)>>,
    /// Per host, and per router: IP → MAC.
    host_arp: Vec<BTreeMap<Ipv4Addr, MacAddr>>,
    router_arp: Vec<BTreeMap<Ipv4Addr, MacAddr>>,
    /// Per host, and per router interface: the packet waiting for ARP.
    host_waiting: Vec<Option<Waiting>>,
    router_waiting: Vec<Vec<Option<Waiting>>>,
    /// Frames on the cables, delivered in order.
    cables: VecDeque<(At, Vec<u8>)>,
    steps: Vec<Step>,
    /// Every frame sent so far (the `--pcap` file).
    sent: usize,
    delivered: bool,
}

fn mac_text(mac: MacAddr) -> String {
    mac.to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The AND of an address with its card's mask, written out.
fn and_line(dst: Ipv4Addr, card: &Card) -> String {
    let mask = card.address.netmask();
    let network = Ipv4Addr::from(u32::from(dst) & u32::from(mask));
    format!("{dst} AND {mask} = {network}")
}

impl<'a> Lan<'a> {
    /// A LAN where nobody has learned anything yet.
    pub fn new(topology: &'a Topology) -> Lan<'a> {
        Lan {
            topology,
            mac_tables: vec![Vec::new(); topology.switches.len()],
            host_arp: vec![BTreeMap::new(); topology.hosts.len()],
            router_arp: vec![BTreeMap::new(); topology.routers.len()],
            host_waiting: vec![None; topology.hosts.len()],
            router_waiting: topology
                .routers
                .iter()
                .map(|r| vec![None; r.interfaces.len()])
                .collect(),
            cables: VecDeque::new(),
            steps: Vec::new(),
            sent: 0,
            delivered: false,
        }
    }

    fn step(&mut self, device: &str, text: impl Into<String>) {
        self.steps.push(Step {
            device: device.to_string(),
            text: text.into(),
            frame: None,
        });
    }

    /// `device` puts `frame` on the cable that goes into `plugged`.
    fn send(&mut self, device: &str, plugged: PortRef, frame: Vec<u8>, text: impl Into<String>) {
        self.sent += 1;
        let (kind, summary) = describe(&frame);
        let src = crate::encap::ethernet::field::SOURCE;
        let dst = crate::encap::ethernet::field::DESTINATION;
        let mac = |range: std::ops::Range<usize>| {
            frame
                .get(range)
                .and_then(|b| <[u8; 6]>::try_from(b).ok())
                .map_or(String::new(), |b| MacAddr::from(b).to_string())
        };
        let sent = Sent {
            src_mac: mac(src),
            dst_mac: mac(dst),
            kind,
            summary,
            hex: hex(&frame),
            number: self.sent,
            bytes: frame.clone(),
        };
        self.steps.push(Step {
            device: device.to_string(),
            text: text.into(),
            frame: Some(sent),
        });
        self.cables.push_back((At::Switch(plugged), frame));
    }

    /// Runs one talk: `from` sends the SYN of a connection to `to`, and every
    /// frame that causes is delivered until the cables are quiet.
    pub fn talk(&mut self, from: usize, to: usize) -> TalkRun {
        self.steps.clear();
        self.delivered = false;
        let topology = self.topology;
        let host = &topology.hosts[from];
        let target = &topology.hosts[to];
        let dst = SocketAddrV4::new(target.card.address.addr(), TCP_PORT);
        let syn = TcpFrame {
            src_mac: host.card.mac,
            seq: CLIENT_ISN,
            ident: 1,
            ..TcpFrame::new(
                SocketAddrV4::new(host.card.address.addr(), CLIENT_PORT),
                dst,
                Flags::SYN,
            )
        };
        self.host_sends(from, syn);
        let mut deliveries = 0;
        while let Some((at, frame)) = self.cables.pop_front() {
            deliveries += 1;
            if deliveries > MAX_DELIVERIES {
                self.step("-", format!("more than {MAX_DELIVERIES} frames: stopped"));
                break;
            }
            match at {
                At::Switch(port) => self.switch_receives(port, &frame),
                At::Host(h) => self.host_receives(h, &frame),
                At::Router(r, i) => self.router_receives(r, i, &frame),
            }
        }
        TalkRun {
            from: host.name.clone(),
            to: target.name.clone(),
            destination: dst.to_string(),
            steps: std::mem::take(&mut self.steps),
            mac_tables: self.mac_tables(),
            arp_tables: self.arp_tables(),
            delivered: self.delivered,
        }
    }

    // ANCHOR: host_sends
    /// A host sends an IP packet: to its neighbour directly, or to its gateway.
    fn host_sends(&mut self, h: usize, mut packet: TcpFrame) {
        let host = &self.topology.hosts[h];
        let dst = *packet.dst.ip();
        let mine = host.card.address.trunc();
        // The AND with the mask: is the destination on my network?
        let next_hop = if host.card.address.contains(&dst) {
            self.step(
                &host.name,
                format!(
                    "{}: my network {mine}, send straight to it",
                    and_line(dst, &host.card)
                ),
            );
            dst
        } else if let Some(gateway) = host.gateway {
            self.step(
                &host.name,
                format!(
                    "{}: not my network {mine}, send to the gateway {gateway}",
                    and_line(dst, &host.card)
                ),
            );
            gateway
        } else {
            self.step(
                &host.name,
                format!("{dst} is not on my network {mine} and I have no gateway: no route"),
            );
            return;
        };
        match self.host_arp[h].get(&next_hop) {
            Some(mac) => {
                packet.dst_mac = *mac;
                let text = format!("sends the SYN to {next_hop}'s MAC, from its ARP table");
                self.send(&host.name, host.card.plugged, frame_bytes(&packet), text);
            }
            None => {
                self.host_waiting[h] = Some(Waiting { next_hop, packet });
                let request = Request {
                    sender_mac: host.card.mac,
                    sender_ip: host.card.address.addr(),
                    target_ip: next_hop,
                };
                let text = format!(
                    "{next_hop}'s MAC is not in its ARP table: asks everyone (ARP broadcast)"
                );
                self.send(&host.name, host.card.plugged, request.emit(), text);
            }
        }
    }
    // ANCHOR_END: host_sends

    // ANCHOR: switch
    /// A switch gets a frame on `at.port`: it learns where the source MAC is,
    /// then forwards the frame out of the one port that leads to its
    /// destination, or floods it out of every other port.
    fn switch_receives(&mut self, at: PortRef, frame: &[u8]) {
        let topology = self.topology;
        let switch = &topology.switches[at.switch];
        let (Some(src), Some(dst)) = (mac_in(frame, SOURCE), mac_in(frame, DESTINATION)) else {
            return;
        };
        let towards = |port: usize| {
            topology
                .peer_at(PortRef {
                    switch: at.switch,
                    port,
                })
                .map_or("?", |peer| topology.peer_name(peer))
        };
        let table = &mut self.mac_tables[at.switch];
        match table.iter_mut().find(|(mac, _)| *mac == src) {
            Some((_, port)) if *port == at.port => {}
            Some((_, port)) => {
                *port = at.port;
                let text = format!(
                    "{} moved to port {} ({})",
                    MacAddr::from(src),
                    at.port,
                    towards(at.port)
                );
                self.step(&switch.name, text);
            }
            None => {
                table.push((src, at.port));
                let text = format!(
                    "learns {} is on port {} ({})",
                    MacAddr::from(src),
                    at.port,
                    towards(at.port)
                );
                self.step(&switch.name, text);
            }
        }
        let known = self.mac_tables[at.switch]
            .iter()
            .find(|(mac, _)| *mac == dst)
            .map(|(_, port)| *port);
        let out: Vec<usize> = match known {
            _ if dst == [0xff; 6] => {
                let out: Vec<usize> = (1..=switch.ports.len()).filter(|p| *p != at.port).collect();
                self.step(
                    &switch.name,
                    format!("broadcast: floods it out of {}", port_list(&out, towards)),
                );
                out
            }
            Some(port) if port == at.port => {
                let text = format!(
                    "{} is on port {port}, where the frame came from: drops it",
                    MacAddr::from(dst)
                );
                self.step(&switch.name, text);
                Vec::new()
            }
            Some(port) => {
                let text = format!(
                    "{} is on port {port} ({}): forwards it there only",
                    MacAddr::from(dst),
                    towards(port)
                );
                self.step(&switch.name, text);
                vec![port]
            }
            None => {
                let out: Vec<usize> = (1..=switch.ports.len()).filter(|p| *p != at.port).collect();
                let text = format!(
                    "{} not in its table yet: floods it out of {}",
                    MacAddr::from(dst),
                    port_list(&out, towards)
                );
                self.step(&switch.name, text);
                out
            }
        };
        for port in out {
            let next = match topology.peer_at(PortRef {
                switch: at.switch,
                port,
            }) {
                Some(Peer::Host(h)) => At::Host(h),
                Some(Peer::Router(r, i)) => At::Router(r, i),
                Some(Peer::Switch(other)) => At::Switch(other),
                None => continue,
            };
            self.cables.push_back((next, frame.to_vec()));
        }
    }
    // ANCHOR_END: switch

    /// A host's card gets a frame.
    fn host_receives(&mut self, h: usize, frame: &[u8]) {
        let topology = self.topology;
        let host = &topology.hosts[h];
        let Some(dst) = mac_in(frame, DESTINATION) else {
            return;
        };
        if dst != [0xff; 6] && dst != host.card.mac.octets() {
            let text = format!(
                "the frame is for {}, not my MAC: ignores it",
                MacAddr::from(dst)
            );
            self.step(&host.name, text);
            return;
        }
        if let Some(arp) = ArpFrame::parse(frame) {
            if arp.target_ip != host.card.address.addr() {
                self.step(
                    &host.name,
                    format!("ARP for {}, not me: ignores it", arp.target_ip),
                );
                return;
            }
            // Whoever asks for me or answers me: its MAC is worth keeping.
            self.host_arp[h].insert(arp.sender_ip, arp.sender_mac);
            if arp.is_request() {
                let text = format!(
                    "ARP for me: notes {} is at {}, answers the asker alone (unicast)",
                    arp.sender_ip, arp.sender_mac
                );
                self.send(
                    &host.name,
                    host.card.plugged,
                    arp.reply(host.card.mac).emit(),
                    text,
                );
            } else {
                self.step(
                    &host.name,
                    format!("learns {} is at {}", arp.sender_ip, arp.sender_mac),
                );
                if let Some(waiting) = self.host_waiting[h].take_if(|w| w.next_hop == arp.sender_ip)
                {
                    let mut packet = waiting.packet;
                    packet.dst_mac = arp.sender_mac;
                    let text = format!("sends the SYN to {}, TTL {}", arp.sender_mac, packet.ttl);
                    self.send(&host.name, host.card.plugged, frame_bytes(&packet), text);
                }
            }
            return;
        }
        if let Ok(packet) = TcpFrame::parse(frame, Checksum::Verify) {
            if *packet.dst.ip() == host.card.address.addr() {
                self.delivered = true;
                let text = format!(
                    "receives the {} from {}, TTL {}: for me (the server would answer SYN+ACK)",
                    packet.flags,
                    packet.src.ip(),
                    packet.ttl
                );
                self.step(&host.name, text);
            } else {
                self.step(
                    &host.name,
                    format!(
                        "a packet for {}, not me: drops it (hosts do not forward)",
                        packet.dst.ip()
                    ),
                );
            }
        }
    }

    // ANCHOR: router
    /// A router's interface `i` gets a frame.
    fn router_receives(&mut self, r: usize, i: usize, frame: &[u8]) {
        let topology = self.topology;
        let router = &topology.routers[r];
        let card = &router.interfaces[i];
        let Some(dst) = mac_in(frame, DESTINATION) else {
            return;
        };
        if dst != [0xff; 6] && dst != card.mac.octets() {
            return; // not for this interface; a switch flooded it here
        }
        if let Some(arp) = ArpFrame::parse(frame) {
            if arp.target_ip != card.address.addr() {
                let text = format!(
                    "ARP for {}, not its address: ignores it (a router passes no broadcast on)",
                    arp.target_ip
                );
                self.step(&router.name, text);
                return;
            }
            self.router_arp[r].insert(arp.sender_ip, arp.sender_mac);
            if arp.is_request() {
                let text = format!(
                    "ARP for its interface {}: answers with {}",
                    card.address.addr(),
                    card.mac
                );
                self.send(&router.name, card.plugged, arp.reply(card.mac).emit(), text);
            } else {
                self.step(
                    &router.name,
                    format!("learns {} is at {}", arp.sender_ip, arp.sender_mac),
                );
                if let Some(waiting) =
                    self.router_waiting[r][i].take_if(|w| w.next_hop == arp.sender_ip)
                {
                    let mut packet = waiting.packet;
                    packet.src_mac = card.mac;
                    packet.dst_mac = arp.sender_mac;
                    let text = format!(
                        "sends it on: from {} to {}, TTL {}",
                        card.mac, arp.sender_mac, packet.ttl
                    );
                    self.send(&router.name, card.plugged, frame_bytes(&packet), text);
                }
            }
            return;
        }
        let Ok(mut packet) = TcpFrame::parse(frame, Checksum::Verify) else {
            return;
        };
        let dst_ip = *packet.dst.ip();
        if router.interfaces.iter().any(|c| c.address.addr() == dst_ip) {
            self.step(
                &router.name,
                format!("a packet for its own address {dst_ip}"),
            );
            return;
        }
        // Each router on the way takes one from the TTL; at 0 the packet is
        // dropped (and the sender told with ICMP "time exceeded": traceroute).
        if packet.ttl <= 1 {
            self.step(
                &router.name,
                format!("TTL {} would reach 0: drops the packet", packet.ttl),
            );
            return;
        }
        let Some((out, out_card)) = router
            .interfaces
            .iter()
            .enumerate()
            .find(|(_, c)| c.address.contains(&dst_ip))
        else {
            self.step(
                &router.name,
                format!("no network of its own holds {dst_ip}: no route, drops it"),
            );
            return;
        };
        packet.ttl -= 1;
        let text = format!(
            "{}: its interface {} on {}; TTL {} → {}",
            and_line(dst_ip, out_card),
            out + 1,
            out_card.address.trunc(),
            packet.ttl + 1,
            packet.ttl
        );
        self.step(&router.name, text);
        packet.src_mac = out_card.mac;
        match self.router_arp[r].get(&dst_ip) {
            Some(mac) => {
                packet.dst_mac = *mac;
                let text = format!("sends it on: new MACs, from {} to {mac}", out_card.mac);
                self.send(&router.name, out_card.plugged, frame_bytes(&packet), text);
            }
            None => {
                self.router_waiting[r][out] = Some(Waiting {
                    next_hop: dst_ip,
                    packet,
                });
                let request = Request {
                    sender_mac: out_card.mac,
                    sender_ip: out_card.address.addr(),
                    target_ip: dst_ip,
                };
                let text = format!("{dst_ip}'s MAC is not in its ARP table: asks on that network");
                self.send(&router.name, out_card.plugged, request.emit(), text);
            }
        }
    }
    // ANCHOR_END: router

    fn mac_tables(&self) -> BTreeMap<String, Vec<MacEntry>> {
        let topology = self.topology;
        topology
            .switches
            .iter()
            .enumerate()
            .map(|(s, switch)| {
                // Sorted by port, as `bridge fdb` is read in the real run.
                let mut learned = self.mac_tables[s].clone();
                learned.sort_by_key(|(mac, port)| (*port, *mac));
                let entries = learned
                    .iter()
                    .map(|(mac, port)| MacEntry {
                        mac: MacAddr::from(*mac).to_string(),
                        port: *port,
                        towards: topology
                            .peer_at(PortRef {
                                switch: s,
                                port: *port,
                            })
                            .map_or("?", |peer| topology.peer_name(peer))
                            .to_string(),
                    })
                    .collect();
                (switch.name.clone(), entries)
            })
            .collect()
    }

    fn arp_tables(&self) -> BTreeMap<String, Vec<ArpEntry>> {
        let entries = |table: &BTreeMap<Ipv4Addr, MacAddr>| {
            table
                .iter()
                .map(|(ip, mac)| ArpEntry {
                    ip: ip.to_string(),
                    mac: mac_text(*mac),
                })
                .collect::<Vec<_>>()
        };
        let hosts = self.topology.hosts.iter().zip(&self.host_arp);
        let routers = self.topology.routers.iter().zip(&self.router_arp);
        hosts
            .map(|(h, t)| (h.name.clone(), entries(t)))
            .chain(routers.map(|(r, t)| (r.name.clone(), entries(t))))
            .collect()
    }
}

const SOURCE: std::ops::Range<usize> = crate::encap::ethernet::field::SOURCE;
const DESTINATION: std::ops::Range<usize> = crate::encap::ethernet::field::DESTINATION;

/// The MAC address in `frame[at]`.
fn mac_in(frame: &[u8], at: std::ops::Range<usize>) -> Option<[u8; 6]> {
    frame.get(at)?.try_into().ok()
}

/// `ports 2 (C), 3 (R) and 4 (sw2)`.
fn port_list<'t>(ports: &[usize], towards: impl Fn(usize) -> &'t str) -> String {
    let names: Vec<String> = ports
        .iter()
        .map(|p| format!("{p} ({})", towards(*p)))
        .collect();
    match names.as_slice() {
        [] => "no port".to_string(),
        [one] => format!("port {one}"),
        [rest @ .., last] => format!("ports {} and {last}", rest.join(", ")),
    }
}

/// The bytes of a packet of ours: its payload is empty, it always fits.
fn frame_bytes(packet: &TcpFrame) -> Vec<u8> {
    packet.to_bytes().unwrap_or_default()
}

/// The kind and a one-line summary of a frame, as tcpdump would print it.
pub fn describe(frame: &[u8]) -> (&'static str, String) {
    if let Some(arp) = ArpFrame::parse(frame) {
        let kind = if arp.is_request() {
            "ARP request"
        } else {
            "ARP reply"
        };
        return (kind, arp.to_string());
    }
    match TcpFrame::parse(frame, Checksum::Ignore) {
        Ok(packet) => (
            "TCP",
            format!(
                "{} > {} {} TTL {}",
                packet.src, packet.dst, packet.flags, packet.ttl
            ),
        ),
        Err(_) => ("other", format!("{} bytes", frame.len())),
    }
}

/// Every talk of the topology, in order, on one LAN that keeps what it learns.
pub fn run(topology: &Topology) -> Vec<TalkRun> {
    let mut lan = Lan::new(topology);
    topology
        .talks
        .iter()
        .map(|talk| lan.talk(talk.from, talk.to))
        .collect()
}

/// The default TTL the hosts' packets start with.
pub const START_TTL: u8 = ipv4::DEFAULT_TTL;

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(run: &TalkRun) -> Vec<String> {
        run.steps
            .iter()
            .map(|s| format!("{}: {}", s.device, s.text))
            .collect()
    }

    #[test]
    fn a_to_b_broadcast_flooded_learned_reply_unicast_frame_to_b_only() {
        let lan = Topology::builtin();
        let runs = run(&lan);
        let a_to_b = &runs[0];
        let t = texts(a_to_b);
        assert!(
            t[0].starts_with("A: 172.16.10.2 AND 255.255.255.0 = 172.16.10.0: my network"),
            "{t:#?}"
        );
        assert!(t[1].contains("asks everyone (ARP broadcast)"), "{t:#?}");
        let request = a_to_b.steps[1].frame.as_ref().unwrap();
        assert_eq!(request.dst_mac, "ff:ff:ff:ff:ff:ff");
        assert_eq!(request.summary, "who has 172.16.10.2? tell 172.16.10.1");
        assert!(
            t.contains(&"sw1: learns 02:00:00:00:00:0a is on port 1 (A)".to_string()),
            "{t:#?}"
        );
        assert!(
            t.contains(
                &"sw1: broadcast: floods it out of ports 2 (C), 3 (R) and 4 (sw2)".to_string()
            ),
            "{t:#?}"
        );
        assert!(
            t.contains(&"C: ARP for 172.16.10.2, not me: ignores it".to_string()),
            "{t:#?}"
        );
        let reply = a_to_b
            .steps
            .iter()
            .find_map(|s| s.frame.as_ref().filter(|f| f.kind == "ARP reply"))
            .unwrap();
        assert_eq!(reply.dst_mac, "02:00:00:00:00:0a", "unicast, to the asker");
        assert!(
            t.contains(
                &"sw1: 02:00:00:00:00:0b is on port 4 (sw2): forwards it there only".to_string()
            ),
            "{t:#?}"
        );
        assert!(
            t.last()
                .unwrap()
                .starts_with("B: receives the SYN from 172.16.10.1, TTL 64"),
            "{t:#?}"
        );
        assert!(a_to_b.delivered);
        // C saw only the broadcast: nothing else reached its port.
        assert_eq!(
            t.iter().filter(|l| l.starts_with("C:")).count(),
            1,
            "{t:#?}"
        );
        let sw1 = &a_to_b.mac_tables["sw1"];
        assert_eq!(
            sw1[0],
            MacEntry {
                mac: "02:00:00:00:00:0a".into(),
                port: 1,
                towards: "A".into()
            }
        );
        assert_eq!(
            sw1[1],
            MacEntry {
                mac: "02:00:00:00:00:0b".into(),
                port: 4,
                towards: "sw2".into()
            }
        );
        assert_eq!(
            a_to_b.arp_tables["A"],
            [ArpEntry {
                ip: "172.16.10.2".into(),
                mac: "02:00:00:00:00:0b".into()
            }]
        );
        assert_eq!(
            a_to_b.arp_tables["B"][0].ip, "172.16.10.1",
            "B learned from the question"
        );
    }

    #[test]
    fn a_to_d_goes_to_the_gateway_and_the_router_rewrites_ttl_and_macs() {
        let runs = run(&Topology::builtin());
        let a_to_d = &runs[1];
        let t = texts(a_to_d);
        assert!(t[0].contains("172.16.20.2 AND 255.255.255.0 = 172.16.20.0: not my network 172.16.10.0/24, send to the gateway 172.16.10.254"), "{t:#?}");
        let syns: Vec<&Sent> = a_to_d
            .steps
            .iter()
            .filter_map(|s| s.frame.as_ref())
            .filter(|f| f.kind == "TCP")
            .collect();
        assert_eq!(syns.len(), 2, "one SYN on each network");
        assert_eq!(
            (syns[0].src_mac.as_str(), syns[0].dst_mac.as_str()),
            ("02:00:00:00:00:0a", "02:00:00:00:00:f1")
        );
        assert!(
            syns[0].summary.ends_with("SYN TTL 64"),
            "{}",
            syns[0].summary
        );
        assert_eq!(
            (syns[1].src_mac.as_str(), syns[1].dst_mac.as_str()),
            ("02:00:00:00:00:f2", "02:00:00:00:00:0d")
        );
        assert!(
            syns[1].summary.ends_with("SYN TTL 63"),
            "{}",
            syns[1].summary
        );
        assert!(t.iter().any(|l| l.contains("TTL 64 → 63")), "{t:#?}");
        assert!(
            t.last()
                .unwrap()
                .starts_with("D: receives the SYN from 172.16.10.1, TTL 63"),
            "{t:#?}"
        );
        // The router's frames really verify: its new IPv4 checksum is right.
        assert!(TcpFrame::parse(&syns[1].bytes, Checksum::Verify).is_ok());
        // The frame numbers run on across talks, as in the capture file.
        let numbers = |run: &TalkRun| -> Vec<usize> {
            run.steps
                .iter()
                .filter_map(|s| s.frame.as_ref())
                .map(|f| f.number)
                .collect()
        };
        assert_eq!(numbers(&runs[0]), [1, 2, 3]);
        assert_eq!(numbers(a_to_d), [4, 5, 6, 7, 8, 9]);
    }

    #[test]
    fn the_same_scenario_gives_the_same_run() {
        let lan = Topology::builtin();
        assert_eq!(run(&lan), run(&lan));
    }

    #[test]
    fn without_a_gateway_another_network_is_unreachable() {
        let text = crate::lan::DEFAULT_SCENARIO.replace("gateway = \"172.16.10.254\"\n", "");
        let lan = Topology::parse(&text).unwrap();
        let runs = run(&lan);
        assert!(!runs[1].delivered);
        assert!(texts(&runs[1])[0].contains("no gateway: no route"));
    }
}
