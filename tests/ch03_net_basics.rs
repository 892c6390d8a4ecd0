//! End-to-end tests of `net-basics` (chapter 3, 三.网络基础): every subcommand run
//! as a student runs it, its text and its `--json`, and a table of malformed input
//! that must give one error line and exit code 2.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use netlab_testkit::{on_path, run, stderr_text, stdout_text, workspace_bin};
use serde_json::Value;

fn net_basics(args: &[&str]) -> Output {
    run(workspace_bin("net-basics"), args, b"")
}

/// Runs a command that must succeed and returns its stdout.
fn ok(args: &[&str]) -> String {
    let output = net_basics(args);
    assert!(
        output.status.success(),
        "net-basics {args:?} failed: {}",
        stderr_text(&output)
    );
    stdout_text(&output)
}

/// Runs a `--json` command and parses its stdout, which must be one JSON document.
fn json(args: &[&str]) -> Value {
    let text = ok(args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {text}"))
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

#[test]
fn help_names_the_chapter() {
    let help = ok(&["--help"]);
    assert!(help.contains("三.网络基础"), "{help}");
    for command in [
        "ip",
        "subnet",
        "same-subnet",
        "split",
        "aggregate",
        "mac",
        "arp",
        "ports",
        "layers",
        "handshake",
        "encap",
    ] {
        assert!(help.contains(command), "{command} missing from --help");
        // Every level of --help says which chapter it belongs to (CONVENTIONS.md).
        let own = ok(&[command, "--help"]);
        assert!(own.contains("三.网络基础"), "{command} --help: {own}");
    }
}

#[test]
fn ip_shows_the_tutorials_binary() {
    let text = ok(&["ip", "100.4.5.6"]);
    assert!(
        text.contains("01100100.00000100.00000101.00000110"),
        "{text}"
    );
    let v = json(&["ip", "100.4.5.6", "--json"]);
    assert_eq!(v["address"], "100.4.5.6");
    assert_eq!(v["binary"], "01100100.00000100.00000101.00000110");
    assert_eq!(v["integer"], 1_677_985_030u64);
    assert_eq!(v["hex"], "0x64040506");
    assert_eq!(v["scope"], "public");
    assert_eq!(v["class"], "A");
}

#[test]
fn ip_accepts_ipv6_in_both_forms() {
    for form in ["2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001"] {
        let v = json(&["ip", form, "--json"]);
        assert_eq!(v["compressed"], "2001:db8::1");
        assert_eq!(v["expanded"], "2001:0db8:0000:0000:0000:0000:0000:0001");
        assert_eq!(v["scope"], "documentation");
        assert_eq!(v["class"], Value::Null);
        // 128 bits do not fit the 64-bit floats most JSON readers use: a string.
        assert_eq!(v["integer"], "42540766411282592856903984951653826561");
    }
}

#[test]
fn subnet_json_has_exactly_the_contract_keys() {
    let v = json(&["subnet", "172.16.10.1/24", "--json"]);
    assert_eq!(
        keys(&v),
        [
            "address",
            "broadcast",
            "first_host",
            "hosts",
            "last_host",
            "netmask",
            "network",
            "prefix",
            "wildcard"
        ]
    );
    assert_eq!(v["address"], "172.16.10.1");
    assert_eq!(v["prefix"], 24);
    assert_eq!(v["netmask"], "255.255.255.0");
    assert_eq!(v["wildcard"], "0.0.0.255");
    assert_eq!(v["network"], "172.16.10.0");
    assert_eq!(v["broadcast"], "172.16.10.255");
    assert_eq!(v["first_host"], "172.16.10.1");
    assert_eq!(v["last_host"], "172.16.10.254");
    assert_eq!(v["hosts"], 254);
}

#[test]
fn subnet_mask_can_be_dotted_or_a_length() {
    let dotted = json(&["subnet", "172.16.10.1", "255.255.255.0", "--json"]);
    let slash = json(&["subnet", "172.16.10.1", "/24", "--json"]);
    let cidr = json(&["subnet", "172.16.10.1/24", "--json"]);
    assert_eq!(dotted, cidr);
    assert_eq!(slash, cidr);
}

#[test]
fn subnet_edge_prefixes_agree_with_standard_calculators() {
    let p2p = json(&["subnet", "10.0.0.0/31", "--json"]);
    assert_eq!(p2p["hosts"], 2);
    assert_eq!(p2p["broadcast"], Value::Null);
    assert_eq!(
        (p2p["first_host"].as_str(), p2p["last_host"].as_str()),
        (Some("10.0.0.0"), Some("10.0.0.1"))
    );
    let host = json(&["subnet", "10.0.0.7/32", "--json"]);
    assert_eq!(host["hosts"], 1);
    assert_eq!(host["broadcast"], Value::Null);
    assert_eq!(host["first_host"], "10.0.0.7");
    assert_eq!(host["last_host"], "10.0.0.7");
    let all = json(&["subnet", "0.0.0.0/0", "--json"]);
    assert_eq!(all["hosts"], 4_294_967_294u64);
}

#[test]
fn subnet_explain_is_the_tutorials_and_done_right() {
    let text = ok(&["subnet", "172.16.10.1", "255.255.255.0", "--explain"]);
    assert!(
        text.contains("address  172.16.10.1    10101100.00010000.00001010.00000001"),
        "{text}"
    );
    assert!(
        text.contains("mask     255.255.255.0  11111111.11111111.11111111.00000000"),
        "{text}"
    );
    assert!(
        text.contains("AND      172.16.10.0    10101100.00010000.00001010.00000000"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colour in a pipe");
}

#[test]
fn ipv6_prefix_says_there_is_no_broadcast() {
    let text = ok(&["subnet", "2001:db8::1/64"]);
    assert!(text.contains("IPv6 has no broadcast"), "{text}");
    let v = json(&["subnet", "2001:db8::/64", "--json"]);
    assert_eq!(v["broadcast"], Value::Null);
    assert_eq!(v["hosts"], "18446744073709551616");
}

#[test]
fn same_subnet_the_tutorials_example() {
    let v = json(&[
        "same-subnet",
        "172.16.10.1",
        "172.16.10.2",
        "--mask",
        "255.255.255.0",
        "--json",
    ]);
    assert_eq!(v["same"], true);
    assert_eq!(v["network_a"], "172.16.10.0");
    assert_eq!(v["network_b"], "172.16.10.0");
    let text = ok(&["same-subnet", "172.16.10.1/24", "172.16.10.2"]);
    assert!(
        text.contains("same subnet: both give 172.16.10.0"),
        "{text}"
    );
    let different = json(&["same-subnet", "172.16.10.1/25", "172.16.10.200", "--json"]);
    assert_eq!(different["same"], false);
    assert_eq!(different["network_b"], "172.16.10.128");
}

#[test]
fn split_and_aggregate() {
    let v = json(&["split", "172.16.10.0/24", "--prefix", "26", "--json"]);
    assert_eq!(
        v["subnets"],
        serde_json::json!([
            "172.16.10.0/26",
            "172.16.10.64/26",
            "172.16.10.128/26",
            "172.16.10.192/26"
        ])
    );
    assert_eq!(v["count"], "4");
    let by_count = json(&["split", "172.16.10.0/24", "--count", "3", "--json"]);
    assert_eq!(by_count["new_prefix"], 26);
    let agg = json(&["aggregate", "172.16.10.0/25", "172.16.10.128/25", "--json"]);
    assert_eq!(agg["aggregated"], serde_json::json!(["172.16.10.0/24"]));
}

#[test]
fn mac_in_every_spelling() {
    for spelling in [
        "00:1a:2b:3c:4d:5e",
        "00-1A-2B-3C-4D-5E",
        "001a.2b3c.4d5e",
        "001a2b3c4d5e",
    ] {
        let v = json(&["mac", spelling, "--json"]);
        assert_eq!(v["canonical"], "00:1a:2b:3c:4d:5e");
        assert_eq!(v["oui"], "00:1a:2b");
        assert_eq!(v["multicast"], false);
        assert_eq!(v["local"], false);
        assert_eq!(v["broadcast"], false);
        assert!(v.get("vendor").is_some(), "vendor key (maybe null)");
    }
    let broadcast = json(&["mac", "ff:ff:ff:ff:ff:ff", "--json"]);
    assert_eq!(broadcast["broadcast"], true);
    assert_eq!(broadcast["multicast"], true);
    let docker = json(&["mac", "02:42:ac:11:00:02", "--json"]);
    assert_eq!(docker["local"], true);
    assert_eq!(docker["vendor"], Value::Null);
}

#[test]
fn mac_vendor_from_a_given_registry() {
    let dir = std::env::temp_dir().join(format!("netlab-ch03-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let registry = dir.join("oui.txt");
    std::fs::write(
        &registry,
        "00-1A-2B   (hex)\t\tAyecom Technology Co., Ltd.\n",
    )
    .unwrap();
    let output = Command::new(workspace_bin("net-basics"))
        .args(["mac", "00:1a:2b:3c:4d:5e", "--json"])
        .env("NETLAB_OUI_FILE", &registry)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(v["vendor"], "Ayecom Technology Co., Ltd.");
    let missing = Command::new(workspace_bin("net-basics"))
        .args(["mac", "00:1a:2b:3c:4d:5e"])
        .env("NETLAB_OUI_FILE", dir.join("absent.txt"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stdout).contains("no OUI registry"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn mac_vendor_from_the_systems_ieee_registry() {
    if !Path::new("/usr/share/ieee-data/oui.txt").is_file() {
        assert!(
            std::env::var_os("NETLAB_REQUIRE_PEERS").is_none_or(|v| v != "1"),
            "NETLAB_REQUIRE_PEERS=1 but ieee-data is not installed (.ci/setup.d/10-ieee-data.sh)"
        );
        eprintln!("note: ieee-data not installed, skipping the system registry test");
        return;
    }
    let v = json(&["mac", "00:00:0c:12:34:56", "--json"]);
    assert_eq!(v["vendor"], "Cisco Systems, Inc");
}

#[test]
fn arp_table_and_request_packet() {
    let table = json(&["arp", "--json"]);
    assert_eq!(table["source"], "/proc/net/arp");
    assert!(table["entries"].is_array());
    let text = ok(&["arp"]);
    assert!(text.contains("ARP maps an IPv4 address"), "{text}");
    let packet = json(&["arp", "--packet", "172.16.10.2", "--json"]);
    assert_eq!(packet["length"], 60);
    let hex = packet["frame_hex"].as_str().unwrap();
    assert!(hex.starts_with(
        "ffffffffffff020000000001" /* broadcast, then the sender */
    ));
    assert!(hex.contains("0806" /* EtherType ARP */));
    assert!(hex.contains("0001080006040001" /* Ethernet, IPv4, 6, 4, request */));
    let text = ok(&["arp", "--packet", "172.16.10.2"]);
    assert!(text.contains("who has 172.16.10.2?"), "{text}");
    assert!(text.contains("target IP"), "{text}");
}

#[test]
fn ports_the_tutorial_names() {
    let text = ok(&["ports"]);
    for (port, transport) in [
        ("21", "tcp"),
        ("23", "tcp"),
        ("25", "tcp"),
        ("53", "udp"),
        ("80", "tcp"),
        ("110", "tcp"),
        ("161", "udp"),
        ("8000", "udp"),
        ("4000", "udp"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(port) && l.contains(transport)),
            "{port}/{transport}: {text}"
        );
    }
    let http = json(&["ports", "http", "--json"]);
    assert_eq!(http[0]["port"], 80);
    assert_eq!(http[0]["transport"], "tcp");
    let by_number = json(&["ports", "443", "--json"]);
    assert_eq!(by_number[0]["name"], "https");
}

#[test]
fn ports_searches_the_systems_services_database_when_there_is_one() {
    // `domain` is DNS's name in /etc/services; netlab's own table calls it `dns`.
    if Path::new("/etc/services").is_file() {
        let v = json(&["ports", "domain", "--json"]);
        let entries = v.as_array().expect("a list");
        assert!(
            entries
                .iter()
                .any(|e| e["port"] == 53 && e["source"] == "/etc/services"),
            "{v}"
        );
    } else {
        let text = ok(&["ports", "domain"]);
        assert!(text.contains("no /etc/services on this machine"), "{text}");
    }
}

#[test]
fn layers_side_by_side() {
    let v = json(&["layers", "--json"]);
    assert_eq!(v.as_array().unwrap().len(), 7);
    assert_eq!(v[0]["osi"], "application");
    assert_eq!(v[4]["tcp_ip_4"], "internet");
    let text = ok(&["layers"]);
    assert!(
        text.contains("传输层") && text.contains("routers"),
        "{text}"
    );
}

#[test]
fn handshake_with_fixed_isns() {
    let v = json(&[
        "handshake",
        "--isn-client",
        "1000",
        "--isn-server",
        "5000",
        "--json",
    ]);
    let segments: Vec<&Value> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["segment"].is_null())
        .collect();
    assert_eq!(segments[0]["segment"]["seq"], 1000);
    assert_eq!(segments[0]["server_state"], "SYN_RCVD");
    assert_eq!(segments[1]["segment"]["ack_num"], 1001);
    assert_eq!(segments[1]["client_state"], "ESTABLISHED");
    assert_eq!(segments[2]["segment"]["ack_num"], 5001);
    assert_eq!(segments[2]["server_state"], "ESTABLISHED");
    let text = ok(&["handshake", "--isn-client", "1000", "--isn-server", "5000"]);
    assert!(text.contains("◀── SYN+ACK seq=5000 ack=1001"), "{text}");
    for state in ["TIME_WAIT", "LAST_ACK", "CLOSE_WAIT", "FIN_WAIT_2"] {
        assert!(text.contains(state), "{state}");
    }
}

#[test]
fn handshake_close_variants() {
    let simultaneous = ok(&["handshake", "--close", "simultaneous"]);
    assert!(simultaneous.contains("CLOSING"), "{simultaneous}");
    let half = ok(&["handshake", "--close", "half"]);
    assert!(half.contains("server still sends"), "{half}");
}

#[test]
fn handshake_isns_are_random_by_default() {
    let first = json(&["handshake", "--json"]);
    let second = json(&["handshake", "--json"]);
    // Two 32-bit random numbers in a row are equal once in four billion runs.
    assert_ne!(
        (&first["isn_client"], &first["isn_server"]),
        (&second["isn_client"], &second["isn_server"])
    );
}

/// The frame of `encap --payload hello` with the default options: Ethernet,
/// IPv4, UDP, "hello", and 13 bytes of padding to the 60-byte minimum.
const HELLO_FRAME: &str = concat!(
    "020000000002",
    "020000000001",
    "0800",
    "4500",
    "0021",
    "0000",
    "4000",
    "40",
    "11",
    "cea8",
    "ac100a01",
    "ac100a02",
    "c350",
    "2328",
    "000d",
    "6965",
    "68656c6c6f",
    "00000000000000000000000000",
);

#[test]
fn encap_hex_is_the_known_frame() {
    assert_eq!(
        ok(&["encap", "--payload", "hello", "--hex"]),
        format!("{HELLO_FRAME}\n")
    );
}

#[test]
fn encap_json_names_every_field() {
    let v = json(&["encap", "--payload", "hello", "--json"]);
    assert_eq!(v["length"], 60);
    let names: Vec<&str> = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| {
            l["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["name"].as_str().unwrap())
        })
        .collect();
    for name in [
        "destination MAC",
        "source MAC",
        "EtherType",
        "TTL",
        "protocol",
        "header checksum",
        "source IP",
        "destination port",
        "checksum",
        "data",
    ] {
        assert!(names.contains(&name), "{name}: {names:?}");
    }
    let text = ok(&["encap", "--payload", "hello"]);
    assert!(text.contains("┌─ IPv4 header"), "{text}");
    assert!(text.contains("header checksum    0xcea8"), "{text}");
}

/// Python decodes our frame with `struct` and checks both checksums with its own
/// RFC 1071 sum: an independent implementation agreeing with ours.
const PYTHON_DECODER: &str = r#"
import struct, sys
frame = bytes.fromhex(sys.argv[1])
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s > 0xffff: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
dst, src, ethertype = struct.unpack('!6s6sH', frame[:14])
ip = frame[14:34]
ver_ihl, _, total, _, _, ttl, proto, _, sip, dip = struct.unpack('!BBHHHBBH4s4s', ip)
assert ethertype == 0x0800 and ver_ihl == 0x45 and proto == 17
assert csum(ip) == 0, 'ip checksum'
udp = frame[34:14 + total]
sport, dport, ulen, _ = struct.unpack('!HHHH', udp[:8])
pseudo = sip + dip + struct.pack('!BBH', 0, 17, ulen)
assert csum(pseudo + udp) == 0, 'udp checksum'
print(src.hex(':'), dst.hex(':'), '.'.join(map(str, sip)), '.'.join(map(str, dip)), sport, dport, ttl, udp[8:].decode())
"#;

#[test]
fn python_decodes_our_frames() {
    if !on_path("python3") {
        assert!(
            std::env::var_os("NETLAB_REQUIRE_PEERS").is_none_or(|v| v != "1"),
            "NETLAB_REQUIRE_PEERS=1 but python3 is not on PATH"
        );
        eprintln!("note: python3 not found, skipping");
        return;
    }
    let hex = ok(&[
        "encap",
        "--payload",
        "你好, netlab",
        "--src-ip",
        "10.0.0.1",
        "--dst-ip",
        "10.0.0.2",
        "--src-port",
        "40000",
        "--dst-port",
        "8898",
        "--ttl",
        "7",
        "--src-mac",
        "00:1a:2b:3c:4d:5e",
        "--hex",
    ]);
    let output = run("python3", &["-c", PYTHON_DECODER, hex.trim()], b"");
    assert!(output.status.success(), "python: {}", stderr_text(&output));
    assert_eq!(
        stdout_text(&output),
        "00:1a:2b:3c:4d:5e 02:00:00:00:00:02 10.0.0.1 10.0.0.2 40000 8898 7 你好, netlab\n"
    );
}

/// Malformed input for every subcommand: exit code 2, one line on stderr naming
/// the value, nothing on stdout, no panic.
#[test]
fn malformed_input_is_one_line_and_exit_code_2() {
    let long_payload = "x".repeat(1473);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["ip", "300.1.1.1"], "300.1.1.1"),
        (vec!["ip", "1.2.3"], "1.2.3"),
        (vec!["ip", "1.2.3.4.5"], "1.2.3.4.5"),
        (vec!["ip", "::g"], "::g"),
        (vec!["subnet", "300.1.1.1/24"], "300.1.1.1"),
        (vec!["subnet", "1.2.3.4/33"], "/33"),
        (vec!["subnet", "1.2.3.4", "255.0.255.0"], "255.0.255.0"),
        (vec!["subnet", "1.2.3"], "1.2.3"),
        (vec!["subnet", "1.2.3.4/"], "1.2.3.4"),
        (vec!["subnet", "1.2.3.4", "mask"], "mask"),
        (vec!["subnet", "1.2.3.4/24", "/16"], "/16"),
        (vec!["same-subnet", "172.16.10.1", "172.16.10.2"], "--mask"),
        (
            vec![
                "same-subnet",
                "172.16.10.1",
                "172.16.10.2",
                "--mask",
                "255.255.0.255",
            ],
            "255.255.0.255",
        ),
        (
            vec!["same-subnet", "1.2.3", "1.2.3.4", "--mask", "/24"],
            "1.2.3",
        ),
        (vec!["split", "172.16.10.0/24", "--prefix", "16"], "/16"),
        (vec!["split", "172.16.10.0/24", "--prefix", "33"], "33"),
        (vec!["split", "172.16.10.0/24", "--count", "1000"], "1000"),
        (vec!["split", "172.16.10.0/33", "--count", "2"], "/33"),
        (vec!["aggregate", "10.0.0.0/24", "bogus"], "bogus"),
        (vec!["mac", "aa:bb:cc:dd:ee"], "aa:bb:cc:dd:ee"),
        (vec!["mac", "aa:bb:cc:dd:ee:gg"], "aa:bb:cc:dd:ee:gg"),
        (vec!["mac", "aabb.ccdd"], "aabb.ccdd"),
        (vec!["mac", "xyz"], "xyz"),
        (vec!["arp", "--packet", "300.1.1.1"], "300.1.1.1"),
        (
            vec!["arp", "--packet", "10.0.0.1", "--sender-ip", "1.2.3"],
            "1.2.3",
        ),
        (vec!["ports", "65536"], "65536"),
        (
            vec!["handshake", "--isn-server", "4294967296"],
            "4294967296",
        ),
        (vec!["handshake", "--close", "never"], "never"),
        (
            vec!["encap", "--payload", "hi", "--dst-ip", "300.1.1.1"],
            "300.1.1.1",
        ),
        (
            vec!["encap", "--payload", "hi", "--dst-mac", "aa:bb:cc"],
            "aa:bb:cc",
        ),
        (
            vec!["encap", "--payload", "hi", "--src-port", "port"],
            "port",
        ),
        (vec!["encap", "--payload", "hi", "--ttl", "300"], "300"),
        (vec!["encap", "--payload", &long_payload], "1473"),
    ];
    for (args, needle) in &cases {
        let output = net_basics(args);
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{args:?}: one line, got {stderr:?}"
        );
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{args:?} should name {needle:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}
