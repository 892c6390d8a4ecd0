//! The tour's chapter-4 demo: the time server, then one SNTP exchange.
//!
//! Both servers run inside this process on 127.0.0.1, any free port. Times differ
//! on every run, so the transcript shows the *shape* of each time (every digit
//! replaced by `#`) and facts that hold on every run, never the time itself.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::Duration;

use netlab_common::{DemoResult, Narrator};

use crate::format_client::{AskError, ask};
use crate::sntp_client::{self, client_socket};
use crate::sntp_server::{self, ServerConfig};
use crate::{format_server, packet};

/// How long the demo waits for any reply: generous, yet the tour never hangs.
const DEMO_TIMEOUT: Duration = Duration::from_secs(2);

/// `2026-11-25 10:57:39` → `####-##-## ##:##:##`.
pub fn mask_digits(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

fn ask_and_narrate(narrator: &Narrator, socket: &UdpSocket, format: &str) -> DemoResult {
    narrator.send("client", "time server", format.as_bytes());
    let reply = match ask(socket, format, DEMO_TIMEOUT) {
        Ok(reply) => reply,
        Err(AskError::Timeout) => return Err("no reply from the time server".into()),
        Err(AskError::Io(e)) => return Err(e.into()),
    };
    let text = String::from_utf8_lossy(&reply);
    if text.starts_with(crate::format::ERROR_PREFIX) {
        narrator.receive("client", "time server", &reply);
    } else {
        narrator.event(
            "client",
            &format!(
                "← time server: {} bytes shaped {:?} (digits shown as #: the time varies)",
                reply.len(),
                mask_digits(&text)
            ),
        );
    }
    Ok(())
}

// ANCHOR: demo
/// The chapter's demo, run by the tour.
pub fn demo(narrator: &Narrator) -> DemoResult {
    let any = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

    narrator.section("The tutorial's time server (时间服务器), over UDP");
    let server = format_server::spawn(any)?;
    narrator.event("time server", "listening on 127.0.0.1 (port varies)");
    let socket = client_socket(server)?;
    narrator.say("A datagram carries a strftime format; the reply is the time in it.");
    ask_and_narrate(narrator, &socket, "%Y-%m-%d %H:%M:%S")?;
    narrator.say("The teacher's version: an empty datagram means '%Y-%m-%d %X'.");
    ask_and_narrate(narrator, &socket, "")?;
    narrator.say("A format chrono cannot render gets an error reply, and the server lives on.");
    ask_and_narrate(narrator, &socket, "%Q")?;

    narrator.section("Real clock synchronisation: one SNTP exchange");
    let ntp = sntp_server::spawn(any, ServerConfig::default())?;
    narrator.event("sntp-server", "listening on 127.0.0.1 (port varies)");
    let socket = client_socket(ntp)?;
    narrator.event(
        "client",
        &format!(
            "→ sntp-server: {}-byte request, mode 3 (client), T1 in its transmit field",
            packet::HEADER_LEN
        ),
    );
    let outcome = sntp_client::query(&socket, DEMO_TIMEOUT, 1).map_err(|e| e.to_string())?;
    let reply = outcome.reply;
    narrator.event(
        "client",
        &format!(
            "← sntp-server: {}-byte reply, mode 4 (server), stratum {}, reference id {}",
            packet::HEADER_LEN,
            reply.stratum,
            reply.reference_id.describe(reply.stratum)
        ),
    );
    let e = outcome.exchange;
    let shape = |t: crate::timestamp::Timestamp| mask_digits(&t.to_utc_string());
    narrator.show("T1", &format!("{}  client sent the request", shape(e.t1)));
    narrator.show("T2", &format!("{}  server received it", shape(e.t2)));
    narrator.show("T3", &format!("{}  server sent the reply", shape(e.t3)));
    narrator.show("T4", &format!("{}  client received it", shape(e.t4)));
    narrator.show(
        "origin",
        "the reply's origin timestamp is our T1: it answers our request",
    );
    narrator.show("offset θ", "((T2 − T1) + (T3 − T4)) / 2");
    narrator.show("delay δ", "(T4 − T1) − (T3 − T2)");
    let consistent = e.delay() >= 0.0 && e.offset().abs() <= e.delay() / 2.0 + 1e-6;
    narrator.say(&format!(
        "Both ends read the same clock here, so |θ| ≤ δ/2 must hold: {}.",
        if consistent {
            "it does"
        } else {
            "it does NOT (a clock step during the exchange?)"
        }
    ));
    narrator.say("(θ and δ are a few microseconds on loopback; they vary from run to run.)");
    Ok(())
}
// ANCHOR_END: demo

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_transcript_has_the_key_lines() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        assert!(
            text.contains("[client] → time server: b'%Y-%m-%d %H:%M:%S' (17 bytes)"),
            "{text}"
        );
        assert!(
            text.contains("19 bytes shaped \"####-##-## ##:##:##\""),
            "{text}"
        );
        assert!(
            text.contains("[client] → time server: b'' (0 bytes)"),
            "{text}"
        );
        assert!(
            text.contains("[client] ← time server: b\"error: unknown format specifier '%Q'\""),
            "{text}"
        );
        assert!(
            text.contains("####-##-## ##:##:##.######### UTC  client sent the request"),
            "{text}"
        );
        assert!(text.contains("|θ| ≤ δ/2 must hold: it does."), "{text}");
    }

    #[test]
    fn demo_transcript_is_the_same_every_run() {
        let run = || {
            let (narrator, captured) = Narrator::capture();
            demo(&narrator).unwrap();
            captured.text()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn digits_are_masked() {
        assert_eq!(mask_digits("2026-11-25 10:57"), "####-##-## ##:##");
    }
}
