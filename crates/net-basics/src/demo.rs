//! The tour's chapter 3: a few of the calculations on the tutorial's own values.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use netlab_common::{DemoResult, Narrator};

use crate::handshake::{self, CloseMode};
use crate::ip::binary_octets;
use crate::subnet::{explain_and, facts, same_subnet};

/// Fixed initial sequence numbers, so the transcript is the same on every run
/// (`net-basics handshake` picks random ones, as real stacks do).
const DEMO_ISN_CLIENT: u32 = 1000;
const DEMO_ISN_SERVER: u32 = 5000;

/// The tutorial's two hosts on their /24 (checked when the crate compiles).
const HOST_A: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 10, 1), 24);
const HOST_B: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 10, 2), 24);

/// Runs chapter 3's calculations on the tutorial's values and narrates them.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("IP addresses: 32 bits in dotted decimal (net-basics ip)");
    let addr = Ipv4Addr::new(100, 4, 5, 6);
    narrator.show("100.4.5.6", &binary_octets(addr));
    narrator.say("each of the four numbers is one octet: eight bits, 0 to 255");

    narrator.section("Subnet mask: same subnet? (net-basics same-subnet)");
    for host in [HOST_A, HOST_B] {
        for row in explain_and(IpNet::V4(host)) {
            narrator.show(row.label, &format!("{:<15} {}", row.value, row.bits));
        }
    }
    let (a, b) = (IpAddr::V4(HOST_A.addr()), IpAddr::V4(HOST_B.addr()));
    let answer = same_subnet(a, b, HOST_A.prefix_len())?;
    narrator.say(&if answer.same {
        format!(
            "mask {}: both AND to {}, so they are in the same subnet",
            answer.mask, answer.network_a
        )
    } else {
        format!(
            "mask {}: {} and {} differ, so different subnets",
            answer.mask, answer.network_a, answer.network_b
        )
    });

    narrator.section("A /24's facts (net-basics subnet 172.16.10.1/24)");
    let f = facts(IpNet::V4(HOST_A));
    narrator.show("network", &f.network);
    narrator.show("broadcast", f.broadcast.as_deref().unwrap_or("none"));
    narrator.show(
        "hosts",
        &format!("{} .. {} ({} usable)", f.first_host, f.last_host, f.hosts),
    );

    narrator.section("TCP three-way handshake (net-basics handshake)");
    let rows = handshake::simulate(DEMO_ISN_CLIENT, DEMO_ISN_SERVER, 0, CloseMode::Normal)?;
    for row in rows.iter().filter(|r| r.segment.is_some()).take(3) {
        if let (Some(from), Some(segment)) = (row.from, row.segment) {
            let (who, to) = match from {
                handshake::Side::Client => ("client", "server"),
                handshake::Side::Server => ("server", "client"),
            };
            narrator.event(
                who,
                &format!(
                    "→ {to}: {segment}   (client {}, server {})",
                    row.client_state, row.server_state
                ),
            );
        }
    }
    narrator.say("SYN uses one sequence number: ack = ISN + 1 means \"got your SYN\"");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_narrates_the_tutorials_values_deterministically() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        assert!(
            text.contains("01100100.00000100.00000101.00000110"),
            "{text}"
        );
        assert!(
            text.contains("AND          172.16.10.0     10101100.00010000.00001010.00000000"),
            "{text}"
        );
        assert!(
            text.contains("both AND to 172.16.10.0, so they are in the same subnet"),
            "{text}"
        );
        assert!(text.contains("254 usable"), "{text}");
        assert!(
            text.contains("[client] → server: SYN seq=1000   (client SYN_SENT, server SYN_RCVD)"),
            "{text}"
        );
        assert!(text.contains("SYN+ACK seq=5000 ack=1001"), "{text}");
        let (again, captured_again) = Narrator::capture();
        demo(&again).unwrap();
        assert_eq!(text, captured_again.text());
    }
}
