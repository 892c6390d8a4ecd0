//! Printing `encap` and `arp --packet`: annotated hex dumps.

use std::fmt::Write;

use serde::Serialize;

use super::{ShowError, to_json};
use crate::arp;
use crate::dump::{self, Layer};
use crate::encap::UdpFrame;

/// The JSON document of `encap` and `arp --packet`.
#[derive(Debug, Serialize)]
struct Dump {
    frame_hex: String,
    length: usize,
    layers: Vec<Layer>,
}

fn print(frame: &[u8], layers: Vec<Layer>, json: bool, summary: &str) -> Result<String, ShowError> {
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

/// `net-basics encap`: the bytes of `repr`'s frame, every header field named,
/// or with `hex` only the frame as hex.
pub fn encap(repr: &UdpFrame, hex: bool, json: bool) -> Result<String, ShowError> {
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

/// `net-basics arp --packet`: the bytes of `request`'s Ethernet frame, every
/// field named.
pub fn arp_packet(request: &arp::Request, json: bool) -> Result<String, ShowError> {
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
    use crate::encap::MAX_PAYLOAD;

    fn frame(payload: &[u8]) -> UdpFrame {
        UdpFrame {
            src_mac: "02:00:00:00:00:01".parse().unwrap(),
            dst_mac: "02:00:00:00:00:02".parse().unwrap(),
            src_ip: "172.16.10.1".parse().unwrap(),
            dst_ip: "172.16.10.2".parse().unwrap(),
            src_port: 50000,
            dst_port: 9000,
            ttl: 64,
            ident: 0,
            payload: payload.to_vec(),
        }
    }

    #[test]
    fn hex_is_the_frame_and_decodes_back_to_the_options() {
        let hex = encap(&frame(b"hello"), true, false).unwrap();
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
    fn the_largest_payload_fills_a_1514_byte_frame() {
        let json = encap(&frame(&[b'x'; MAX_PAYLOAD]), false, true).unwrap();
        assert!(json.contains("\"length\": 1514"), "{json}");
    }

    #[test]
    fn an_arp_request_says_who_asks_for_whom() {
        let request = arp::Request {
            sender_mac: "02:00:00:00:00:01".parse().unwrap(),
            sender_ip: "172.16.10.1".parse().unwrap(),
            target_ip: "172.16.10.2".parse().unwrap(),
        };
        let text = arp_packet(&request, false).unwrap();
        assert!(
            text.starts_with("ARP request: who has 172.16.10.2? Tell 172.16.10.1"),
            "{text}"
        );
        assert!(text.contains("60 bytes on the wire"), "{text}");
    }
}
