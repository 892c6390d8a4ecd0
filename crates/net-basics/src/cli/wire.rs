//! Printing `encap` and `arp --packet`: annotated hex dumps.

use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr};

use netlab_common::Failure;
use pnet_base::MacAddr;
use serde::Serialize;

use super::{number, to_json, usage};
use crate::arp;
use crate::dump::{self, Layer};
use crate::encap::{MAX_PAYLOAD, UdpFrame};
use crate::ip::parse_addr;
use crate::mac::parse_mac;

/// The options of `encap`, as typed.
#[derive(Debug)]
pub struct EncapArgs {
    pub payload: String,
    pub src_mac: String,
    pub dst_mac: String,
    pub src_ip: String,
    pub dst_ip: String,
    pub src_port: String,
    pub dst_port: String,
    pub ttl: String,
}

/// The JSON document of `encap` and `arp --packet`.
#[derive(Debug, Serialize)]
struct Dump {
    frame_hex: String,
    length: usize,
    layers: Vec<Layer>,
}

fn ipv4(option: &str, text: &str) -> Result<Ipv4Addr, Failure> {
    match parse_addr(text).map_err(usage)? {
        IpAddr::V4(v4) => Ok(v4),
        IpAddr::V6(_) => Err(Failure::usage(format!(
            "{option} '{text}' is IPv6 (expected an IPv4 address such as 172.16.10.1)"
        ))),
    }
}

fn mac(text: &str) -> Result<MacAddr, Failure> {
    parse_mac(text).map_err(usage)
}

fn print(frame: &[u8], layers: Vec<Layer>, json: bool, summary: &str) -> Result<String, Failure> {
    if json {
        return to_json(&Dump {
            frame_hex: dump::hex(frame),
            length: frame.len(),
            layers,
        });
    }
    let mut out = String::new();
    let _ = writeln!(out, "{summary}");
    out.push('\n');
    for line in dump::render(&layers) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "{} bytes on the wire, plus preamble and a 4-byte CRC (FCS) that the network card adds.",
        frame.len()
    );
    Ok(out)
}

pub fn encap(args: &EncapArgs, hex: bool, json: bool) -> Result<String, Failure> {
    let payload = args.payload.as_bytes().to_vec();
    if payload.len() > MAX_PAYLOAD {
        return Err(Failure::usage(format!(
            "--payload is {} bytes (expected at most {MAX_PAYLOAD}: a 1500-byte MTU minus 20 bytes of IPv4 and 8 of UDP header)",
            payload.len()
        )));
    }
    let repr = UdpFrame {
        src_mac: mac(&args.src_mac)?,
        dst_mac: mac(&args.dst_mac)?,
        src_ip: ipv4("--src-ip", &args.src_ip)?,
        dst_ip: ipv4("--dst-ip", &args.dst_ip)?,
        src_port: number("--src-port", &args.src_port, "a port from 0 to 65535")?,
        dst_port: number("--dst-port", &args.dst_port, "a port from 0 to 65535")?,
        ttl: number("--ttl", &args.ttl, "a number of hops from 0 to 255")?,
        ident: 0,
        payload,
    };
    let frame = repr.emit();
    if hex {
        return Ok(format!("{}\n", dump::hex(&frame)));
    }
    let summary = format!(
        "Ethernet II → IPv4 → UDP → {} bytes of data: {}:{} → {}:{}",
        repr.payload.len(),
        repr.src_ip,
        repr.src_port,
        repr.dst_ip,
        repr.dst_port
    );
    print(&frame, repr.annotate(&frame), json, &summary)
}

pub fn arp_packet(
    target: &str,
    sender_ip: &str,
    sender_mac: &str,
    json: bool,
) -> Result<String, Failure> {
    let request = arp::Request {
        sender_mac: mac(sender_mac)?,
        sender_ip: ipv4("--sender-ip", sender_ip)?,
        target_ip: ipv4("--packet", target)?,
    };
    let frame = request.emit();
    let summary = format!(
        "ARP request: who has {}? Tell {} ({}). Sent to every card on the LAN; only {} answers.",
        request.target_ip, request.sender_ip, request.sender_mac, request.target_ip
    );
    print(&frame, request.annotate(&frame), json, &summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(payload: &str) -> EncapArgs {
        EncapArgs {
            payload: payload.to_string(),
            src_mac: "02:00:00:00:00:01".into(),
            dst_mac: "02:00:00:00:00:02".into(),
            src_ip: "172.16.10.1".into(),
            dst_ip: "172.16.10.2".into(),
            src_port: "50000".into(),
            dst_port: "9000".into(),
            ttl: "64".into(),
        }
    }

    #[test]
    fn hex_is_the_frame_and_decodes_back_to_the_options() {
        let hex = encap(&args("hello"), true, false).unwrap();
        let bytes: Vec<u8> = (0..hex.trim().len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let frame = UdpFrame::parse(&bytes).unwrap();
        assert_eq!(frame.payload, b"hello");
        assert_eq!(frame.dst_port, 9000);
        assert_eq!(frame.ttl, 64);
    }

    #[test]
    fn the_largest_payload_fits_and_one_more_byte_is_refused() {
        let most = "x".repeat(MAX_PAYLOAD);
        let json = encap(&args(&most), false, true).unwrap();
        assert!(json.contains("\"length\": 1514"), "{json}");
        let failure = encap(&args(&format!("{most}x")), false, false).unwrap_err();
        assert_eq!(failure.exit_code(), 2);
    }

    #[test]
    fn an_arp_request_says_who_asks_for_whom() {
        let text = arp_packet("172.16.10.2", "172.16.10.1", "02:00:00:00:00:01", false).unwrap();
        assert!(
            text.starts_with("ARP request: who has 172.16.10.2? Tell 172.16.10.1"),
            "{text}"
        );
        assert!(text.contains("60 bytes on the wire"), "{text}");
    }
}
