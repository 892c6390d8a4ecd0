//! # net-basics — 三.网络基础 (network basics), calculated and explained
//!
//! The student's calculator and explainer for chapter 3 of the tutorial: IP
//! addresses in dotted decimal and binary, subnet masks and the AND that decides
//! "same subnet", MAC addresses and their vendor, ARP, ports, the layer models,
//! the TCP handshake as a real state machine, and the bytes of a frame.
//!
//! One module per concept; the `net-basics` binary prints them. Nothing here opens
//! a socket: chapter 3 is the theory the sockets of chapter 4 stand on.
//!
//! ```text
//! $ net-basics ip 100.4.5.6
//! $ net-basics subnet 172.16.10.1/24 --explain
//! $ net-basics same-subnet 172.16.10.1 172.16.10.2 --mask 255.255.255.0
//! $ net-basics split 172.16.10.0/24 --count 4
//! $ net-basics mac 00:1a:2b:3c:4d:5e
//! $ net-basics arp --packet 172.16.10.2
//! $ net-basics ports http
//! $ net-basics layers
//! $ net-basics handshake --isn-client 1000 --isn-server 5000
//! $ net-basics encap --payload hello
//! ```
//! Add `--json` to any of them for one JSON document.

pub mod arp;
pub mod checksum;
pub mod cli;
pub mod dump;
pub mod encap;
pub mod handshake;
pub mod ip;
pub mod layers;
pub mod mac;
pub mod ports;
pub mod split;
pub mod subnet;

mod demo;

pub use demo::demo;
