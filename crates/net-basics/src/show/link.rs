//! Printing `mac` and `arp` (the table).

use std::fmt::Write;

use pnet_base::MacAddr;
use serde::Serialize;

use super::{ShowError, to_json};
use crate::arp;
use crate::mac;

/// `net-basics mac`: the 48 bits, the vendor and device halves, the I/G and U/L
/// bits.
pub fn mac(mac: MacAddr, json: bool) -> Result<String, ShowError> {
    let vendor = mac::vendor(mac);
    let info = mac::describe(mac, &vendor);
    if json {
        return to_json(&info);
    }
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut out = String::new();
    let _ = writeln!(out, "canonical    {}", info.canonical);
    let _ = writeln!(out, "bits         {}  (48 bits)", info.bits);
    let _ = writeln!(
        out,
        "OUI          {}  (first 24 bits: the vendor, assigned by the IEEE)",
        info.oui
    );
    let _ = writeln!(
        out,
        "device       {}  (last 24 bits: the vendor's serial number)",
        info.device
    );
    let _ = writeln!(
        out,
        "I/G bit      {}  ({})",
        u8::from(info.multicast),
        if info.multicast {
            "group: multicast"
        } else {
            "individual: unicast, one card"
        }
    );
    let _ = writeln!(
        out,
        "U/L bit      {}  ({})",
        u8::from(info.local),
        if info.local {
            "locally administered: set by software"
        } else {
            "universally administered: burned in by the vendor"
        }
    );
    let _ = writeln!(out, "broadcast    {}", yes_no(info.broadcast));
    let _ = writeln!(out, "vendor       {}", info.vendor_note);
    Ok(out)
}

/// The JSON document of `arp`.
#[derive(Debug, Serialize)]
struct Table {
    source: &'static str,
    entries: Vec<arp::Entry>,
}

/// `net-basics arp`: this machine's ARP table, explained.
pub fn arp_table(json: bool) -> Result<String, ShowError> {
    let Some(entries) = arp::read_table() else {
        return Err(ShowError::NoArpTable);
    };
    if json {
        return to_json(&Table {
            source: arp::PROC_NET_ARP,
            entries,
        });
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ARP maps an IPv4 address on this LAN to the MAC address that frames must carry."
    );
    let _ = writeln!(
        out,
        "A host broadcasts \"who has IP? tell me\" to ff:ff:ff:ff:ff:ff; the owner replies with its MAC;"
    );
    let _ = writeln!(
        out,
        "the answer is cached here for a while. (from {})",
        arp::PROC_NET_ARP
    );
    out.push('\n');
    if entries.is_empty() {
        let _ = writeln!(
            out,
            "(the table is empty: this machine has not talked to a neighbour recently)"
        );
        return Ok(out);
    }
    let _ = writeln!(
        out,
        "{:<16} {:<18} {:<10} {:<6} state",
        "IP", "MAC", "interface", "flags"
    );
    for e in &entries {
        let _ = writeln!(
            out,
            "{:<16} {:<18} {:<10} {:<6} {}",
            e.ip, e.mac, e.interface, e.flags, e.state
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mac::parse_mac;

    #[test]
    fn a_docker_mac_is_explained_bit_by_bit() {
        let text = mac(parse_mac("02:42:ac:11:00:02").unwrap(), false).unwrap();
        assert!(
            text.contains("I/G bit      0  (individual: unicast, one card)"),
            "{text}"
        );
        assert!(
            text.contains("U/L bit      1  (locally administered: set by software)"),
            "{text}"
        );
        assert!(
            text.contains("vendor       none: locally administered"),
            "{text}"
        );
    }

    #[test]
    fn a_multicast_mac_has_its_group_bit_set() {
        let text = mac(parse_mac("01-00-5E-00-00-FB").unwrap(), false).unwrap();
        assert!(text.contains("canonical    01:00:5e:00:00:fb"), "{text}");
        assert!(
            text.contains("I/G bit      1  (group: multicast)"),
            "{text}"
        );
        assert!(text.contains("broadcast    no"), "{text}");
    }
}
