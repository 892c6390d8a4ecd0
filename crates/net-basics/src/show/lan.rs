//! Printing `lan`: the topology, each talk step by step, and the tables the
//! devices learned, for the simulation and for the real run alike.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::{ShowError, to_json};
use crate::lan::real::{self, RealTalk};
use crate::lan::sim::{self, ArpEntry, MacEntry, TalkRun};
use crate::lan::{Peer, Topology};

/// Width of the device column.
const DEVICE_WIDTH: usize = 4;

/// The JSON document of `lan`.
#[derive(Debug, Serialize)]
struct Simulation<'a> {
    scenario: &'a str,
    talks: &'a [TalkRun],
}

/// The topology: every host and router with its address, MAC and switch port,
/// and the cables between switches.
pub fn topology(lan: &Topology) -> String {
    let mut out = String::new();
    let port =
        |at: crate::lan::PortRef| format!("{} port {}", lan.switches[at.switch].name, at.port);
    for host in &lan.hosts {
        let gateway = host
            .gateway
            .map_or(String::new(), |g| format!("  gateway {g}"));
        let _ = writeln!(
            out,
            "  host   {:<6} {:<18} {}  {}{gateway}",
            host.name,
            host.card.address.to_string(),
            host.card.mac,
            port(host.card.plugged)
        );
    }
    for router in &lan.routers {
        for (i, card) in router.interfaces.iter().enumerate() {
            let (kind, name) = if i == 0 {
                ("router", router.name.as_str())
            } else {
                ("", "")
            };
            let _ = writeln!(
                out,
                "  {kind:<6} {name:<6} {:<18} {}  {}",
                card.address.to_string(),
                card.mac,
                port(card.plugged)
            );
        }
    }
    for (s, switch) in lan.switches.iter().enumerate() {
        for (p, peer) in switch.ports.iter().enumerate() {
            if let Peer::Switch(other) = peer
                && (other.switch, other.port) > (s, p + 1)
            {
                let _ = writeln!(
                    out,
                    "  cable         {} port {} ── {}",
                    switch.name,
                    p + 1,
                    port(*other)
                );
            }
        }
    }
    out
}

/// The tables after a talk: each switch's learned MACs, each ARP table.
pub fn tables(
    mac_tables: &BTreeMap<String, Vec<MacEntry>>,
    arp_tables: &BTreeMap<String, Vec<ArpEntry>>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  MAC address tables (what each switch learned):");
    for (switch, entries) in mac_tables {
        let shown: Vec<String> = entries
            .iter()
            .map(|e| format!("{} port {} ({})", e.mac, e.port, e.towards))
            .collect();
        let shown = if shown.is_empty() {
            "(empty)".to_string()
        } else {
            shown.join(", ")
        };
        let _ = writeln!(out, "    {switch:<DEVICE_WIDTH$} {shown}");
    }
    let _ = writeln!(out, "  ARP tables (IP address → MAC address):");
    for (device, entries) in arp_tables {
        let shown: Vec<String> = entries
            .iter()
            .map(|e| format!("{} at {}", e.ip, e.mac))
            .collect();
        let shown = if shown.is_empty() {
            "(empty)".to_string()
        } else {
            shown.join(", ")
        };
        let _ = writeln!(out, "    {device:<DEVICE_WIDTH$} {shown}");
    }
    out
}

/// One talk, step by step: each device's action, and each frame sent with
/// its number in the `--pcap` file.
pub fn talk(run: &TalkRun) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} talks to {}: the SYN of a TCP connection to {}",
        run.from, run.to, run.destination
    );
    for step in &run.steps {
        let _ = writeln!(out, "  {:<DEVICE_WIDTH$} {}", step.device, step.text);
        if let Some(frame) = &step.frame {
            let _ = writeln!(
                out,
                "  {:<DEVICE_WIDTH$}   #{} {} → {}  {}",
                "", frame.number, frame.src_mac, frame.dst_mac, frame.summary
            );
        }
    }
    out
}

/// `net-basics lan`: the simulation of `lan`'s talks.
pub fn simulation(lan: &Topology, scenario: &str, json: bool) -> Result<String, ShowError> {
    let runs = sim::run(lan);
    if json {
        return to_json(&Simulation {
            scenario,
            talks: &runs,
        });
    }
    let mut out = String::new();
    let _ = writeln!(out, "The LAN ({scenario}):");
    out.push_str(&topology(lan));
    for run in &runs {
        out.push('\n');
        out.push_str(&talk(run));
        out.push_str(&tables(&run.mac_tables, &run.arp_tables));
    }
    Ok(out)
}

/// How many TCP segments of a connection each card's list shows: the SYN and
/// the SYN+ACK; the rest are counted.
const TCP_SHOWN: usize = 2;

/// The JSON document of `lan --real`.
#[derive(Debug, Serialize)]
struct Real<'a> {
    scenario: &'a str,
    talks: &'a [RealTalk],
}

/// `net-basics lan --real`: what each card saw, the tables, the TTLs.
pub fn real(
    lan: &Topology,
    scenario: &str,
    talks: &[RealTalk],
    json: bool,
) -> Result<String, ShowError> {
    if json {
        return to_json(&Real { scenario, talks });
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "The LAN ({scenario}), built for real: network namespaces {}*, addresses in {}",
        real::PREFIX,
        real::RANGE
    );
    out.push_str(&topology(lan));
    for talk in talks {
        out.push('\n');
        let _ = writeln!(
            out,
            "{} talks to {}: tcp-demo server on {} at {}, tcp-demo client on {}, which printed {}",
            talk.from, talk.to, talk.to, talk.destination, talk.from, talk.client_printed
        );
        for card in &talk.cards {
            if card.frames.is_empty() {
                let _ = writeln!(out, "  {}'s card saw no frame", card.device);
                continue;
            }
            let _ = writeln!(out, "  {}'s card saw:", card.device);
            let mut tcp = 0;
            for frame in &card.frames {
                if frame.kind == "TCP" {
                    tcp += 1;
                    if tcp > TCP_SHOWN {
                        continue;
                    }
                }
                let _ = writeln!(
                    out,
                    "    {} → {}  {}",
                    frame.src_mac, frame.dst_mac, frame.summary
                );
            }
            if tcp > TCP_SHOWN {
                let _ = writeln!(
                    out,
                    "    and {} more TCP segments of the connection",
                    tcp - TCP_SHOWN
                );
            }
        }
        let first_ttl = |device: &str| {
            talk.cards
                .iter()
                .find(|c| c.device == device)
                .and_then(|c| c.frames.iter().find_map(|f| f.ttl))
        };
        if let (Some(sent), Some(got)) = (first_ttl(&talk.from), first_ttl(&talk.to)) {
            let _ = writeln!(
                out,
                "  TTL: the SYN left {} with {sent} and reached {} with {got} ({} router{} on the way)",
                talk.from,
                talk.to,
                sent.saturating_sub(got),
                if sent.saturating_sub(got) == 1 {
                    ""
                } else {
                    "s"
                }
            );
        }
        out.push_str(&tables(&talk.mac_tables, &talk.arp_tables));
    }
    let _ = writeln!(out, "\nremoved every {}* namespace again", real::PREFIX);
    Ok(out)
}

/// Every frame the simulation sent, in order: what `lan --pcap` writes.
pub fn frames(lan: &Topology) -> Vec<Vec<u8>> {
    sim::run(lan)
        .iter()
        .flat_map(|run| run.steps.iter())
        .filter_map(|step| step.frame.as_ref())
        .map(|frame| frame.bytes.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_shows_the_topology_the_steps_and_the_tables() {
        let text = simulation(&Topology::builtin(), "built in", false).unwrap();
        assert!(
            text.contains("  host   A      172.16.10.1/24     02:00:00:00:00:0a  sw1 port 1  gateway 172.16.10.254"),
            "{text}"
        );
        assert!(
            text.contains("  cable         sw1 port 4 ── sw2 port 2"),
            "{text}"
        );
        assert!(
            text.contains("A talks to B: the SYN of a TCP connection to 172.16.10.2:8898"),
            "{text}"
        );
        assert!(
            text.contains(
                "#1 02:00:00:00:00:0a → ff:ff:ff:ff:ff:ff  who has 172.16.10.2? tell 172.16.10.1"
            ),
            "{text}"
        );
        assert!(
            text.contains("    sw1  02:00:00:00:00:0a port 1 (A), 02:00:00:00:00:0b port 4 (sw2)"),
            "{text}"
        );
        assert!(text.contains("    sw3  (empty)"), "{text}");
    }

    #[test]
    fn json_is_one_document_with_the_steps() {
        let text = simulation(&Topology::builtin(), "built in", true).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["talks"][0]["from"], "A");
        assert_eq!(
            value["talks"][0]["steps"][1]["frame"]["kind"],
            "ARP request"
        );
        assert_eq!(value["talks"][1]["delivered"], true);
        assert_eq!(frames(&Topology::builtin()).len(), 9);
    }
}
