//! # net-basics — 三.网络基础 (network basics), calculated and explained
//!
//! The student's calculator and explainer for chapter 3 of the tutorial: IP
//! addresses in dotted decimal and binary, subnet masks and the AND that decides
//! "same subnet", MAC addresses and their vendor, ARP, ports, the layer models,
//! the TCP handshake as a real state machine, and the bytes of a frame.
//!
//! One module per concept, in the order of the book's chapter 3 page. Chapter 3
//! is the theory the sockets of chapter 4 stand on, so the calculations open no
//! socket; two commands watch real traffic on the student's own machine, as
//! root on Linux: `capture` (a raw packet socket on `lo`) and `lan --real`
//! (network namespaces that exist only for the run).
//!
//! | file | concept | command |
//! |---|---|---|
//! | [`ip`] | an IP address: dotted decimal, its 32 bits, scope, class; IPv6 | `net-basics ip 100.4.5.6` |
//! | [`subnet`] (`subnet/and.rs`: the AND bit by bit) | the mask, network and broadcast, same subnet? | `net-basics subnet 172.16.10.1/24 --explain`, `net-basics same-subnet 172.16.10.1 172.16.10.2 --mask 255.255.255.0` |
//! | [`split`] | subnetting and supernetting | `net-basics split 172.16.10.0/24 --count 4`, `net-basics aggregate ...` |
//! | [`mac`] | a MAC address, its vendor, the I/G and U/L bits | `net-basics mac 00:1a:2b:3c:4d:5e` |
//! | [`arp`] | ARP: the table, and the bytes of a request | `net-basics arp --packet 172.16.10.2` |
//! | [`ports`] | well-known ports and the services database | `net-basics ports http` |
//! | [`layers`] | the OSI, TCP/IP 5- and 4-layer models | `net-basics layers` |
//! | [`handshake`] (`handshake/simulation.rs`: the two endpoints talking) | TCP's state machine: handshake, data, close | `net-basics handshake --isn-client 1000 --isn-server 5000` |
//! | [`encap`], [`checksum`] | the bytes of one frame: Ethernet, IPv4, UDP, the Internet checksum | `net-basics encap --payload hello` |
//! | [`capture`] (`capture/live.rs`: the raw socket on `lo`) | the real handshake: segments of real connections with their states | `sudo net-basics capture --port 8898` |
//! | [`lan`] (`lan/sim.rs`: the simulation, `lan/real.rs`: namespaces) | a LAN: ARP broadcast, switches learning MACs, a router, simulated or real | `net-basics lan`, `sudo net-basics lan --real` |
//! | [`tcp`] | a TCP segment in bytes: flags, seq, ack, window, checksum | (used by `capture`, and by chapters 4 and 5's proxies) |
//! | [`pcap`] | capture files that Wireshark and tshark open | every `--pcap FILE` |
//!
//! Add `--json` to any command for one JSON document. Apart from the lessons:
//!
//! | file | what |
//! |---|---|
//! | [`show`] | what each command prints: the lessons' results rendered as text or JSON |
//! | [`dump`] | the annotated hex dumps `encap` and `arp --packet` print |
//! | `demo.rs` | the tour's narrated chapter 3 ([`demo`]) |
//! | `main.rs` | the command line: reads the typed text into values, calls [`show`], maps errors to exit codes |

pub mod arp;
pub mod capture;
pub mod checksum;
pub mod dump;
pub mod encap;
pub mod handshake;
pub mod ip;
pub mod lan;
pub mod layers;
pub mod mac;
pub mod pcap;
pub mod ports;
pub mod show;
pub mod split;
pub mod subnet;
pub mod tcp;

mod demo;
mod failure;

pub use demo::demo;
