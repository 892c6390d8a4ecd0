//! Chapter 3 (三.网络基础), a LAN to watch: `net-basics lan`, simulated (every
//! system, deterministic) with its scenario file, `--json` and `--pcap` (read
//! back by tshark), and `--real` (Linux, root: CI runs it), which must leave no
//! namespace or link behind.

use std::path::PathBuf;

use netlab_testkit::{peer_available, run, stderr_text, stdout_text, workspace_bin};
use serde_json::Value;

fn net_basics(args: &[&str]) -> std::process::Output {
    run(workspace_bin("net-basics"), args, b"")
}

fn ok(args: &[&str]) -> String {
    let output = net_basics(args);
    assert!(
        output.status.success(),
        "net-basics {args:?}: {}",
        stderr_text(&output)
    );
    stdout_text(&output)
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("netlab-{}-{name}", std::process::id()))
}

#[test]
fn the_simulation_shows_broadcast_learning_unicast_and_the_router() {
    let text = ok(&["lan"]);
    for expected in [
        "A    172.16.10.2 AND 255.255.255.0 = 172.16.10.0: my network 172.16.10.0/24, send straight to it",
        "#1 02:00:00:00:00:0a → ff:ff:ff:ff:ff:ff  who has 172.16.10.2? tell 172.16.10.1",
        "sw1  broadcast: floods it out of ports 2 (C), 3 (R) and 4 (sw2)",
        "sw1  learns 02:00:00:00:00:0a is on port 1 (A)",
        "#2 02:00:00:00:00:0b → 02:00:00:00:00:0a  172.16.10.2 is at 02:00:00:00:00:0b",
        "sw1  02:00:00:00:00:0b is on port 4 (sw2): forwards it there only",
        "B    receives the SYN from 172.16.10.1, TTL 64",
        "not my network 172.16.10.0/24, send to the gateway 172.16.10.254",
        "#6 02:00:00:00:00:0a → 02:00:00:00:00:f1  172.16.10.1:50000 > 172.16.20.2:8898 SYN TTL 64",
        "TTL 64 → 63",
        "#9 02:00:00:00:00:f2 → 02:00:00:00:00:0d  172.16.10.1:50000 > 172.16.20.2:8898 SYN TTL 63",
        "sw1  02:00:00:00:00:0a port 1 (A), 02:00:00:00:00:0b port 4 (sw2)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(text, ok(&["lan"]), "the same run every time");
}

#[test]
fn json_gives_every_step_and_the_tables() {
    let value: Value = serde_json::from_str(&ok(&["lan", "--json"])).unwrap();
    let talks = value["talks"].as_array().unwrap();
    assert_eq!(talks.len(), 2);
    assert_eq!(
        (talks[0]["from"].as_str(), talks[0]["to"].as_str()),
        (Some("A"), Some("B"))
    );
    let first = &talks[0]["steps"][1];
    assert_eq!(first["device"], "A");
    assert_eq!(first["frame"]["kind"], "ARP request");
    assert_eq!(first["frame"]["dst_mac"], "ff:ff:ff:ff:ff:ff");
    assert_eq!(talks[1]["delivered"], true);
    assert_eq!(talks[1]["mac_tables"]["sw3"][0]["towards"], "D");
    assert_eq!(talks[1]["arp_tables"]["R"][1]["ip"], "172.16.20.2");
}

#[test]
fn a_scenario_file_changes_the_topology() {
    let builtin = ok(&["lan", "--show-scenario"]);
    // B moves to sw1: the SYN no longer crosses the cable between switches.
    let moved = builtin.replace(
        "mac = \"02:00:00:00:00:0b\"\nswitch = \"sw2\"",
        "mac = \"02:00:00:00:00:0b\"\nswitch = \"sw1\"",
    );
    assert_ne!(moved, builtin);
    let path = temp_file("scenario.toml");
    std::fs::write(&path, &moved).unwrap();
    let text = ok(&["lan", "--scenario", &path.to_string_lossy()]);
    assert!(
        text.contains("host   B      172.16.10.2/24     02:00:00:00:00:0b  sw1 port 3"),
        "{text}"
    );
    assert!(
        text.contains("02:00:00:00:00:0b is on port 3 (B): forwards it there only"),
        "{text}"
    );

    std::fs::write(&path, builtin.replace("172.16.10.254\"", "10.0.0.1\"")).unwrap();
    let output = net_basics(&["lan", "--scenario", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr_text(&output));
    assert!(
        stderr_text(&output).contains("gateway 10.0.0.1"),
        "{}",
        stderr_text(&output)
    );
    assert_eq!(stderr_text(&output).lines().count(), 1);
    let _ = std::fs::remove_file(&path);

    let output = net_basics(&["lan", "--scenario", "/nonexistent/lan.toml"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_frames_open_in_tshark_with_good_checksums() {
    let path = temp_file("lan.pcap");
    let path_arg = path.to_string_lossy().into_owned();
    ok(&["lan", "--pcap", &path_arg]);
    if peer_available("tshark") {
        let output = run(
            "tshark",
            &[
                "-r",
                &path_arg,
                "-o",
                "ip.check_checksum:TRUE",
                "-o",
                "tcp.check_checksum:TRUE",
                "-T",
                "fields",
                "-e",
                "eth.dst",
                "-e",
                "ip.ttl",
                "-e",
                "ip.checksum.status",
                "-e",
                "tcp.checksum.status",
                "-e",
                "_ws.col.Info",
            ],
            b"",
        );
        assert!(output.status.success(), "{}", stderr_text(&output));
        let lines: Vec<String> = stdout_text(&output).lines().map(str::to_string).collect();
        assert_eq!(lines.len(), 9, "{lines:#?}");
        assert!(lines[0].starts_with("ff:ff:ff:ff:ff:ff"), "{lines:#?}");
        assert!(
            lines[0].contains("Who has 172.16.10.2? Tell 172.16.10.1"),
            "{lines:#?}"
        );
        // The SYN on each network: TTL 64 before the router, 63 after; both
        // checksums good (status 1) after the router rewrote the headers.
        assert!(
            lines[5].starts_with("02:00:00:00:00:f1\t64\t1\t1\t"),
            "{lines:#?}"
        );
        assert!(
            lines[8].starts_with("02:00:00:00:00:0d\t63\t1\t1\t"),
            "{lines:#?}"
        );
    }
    let _ = std::fs::remove_file(&path);
}
