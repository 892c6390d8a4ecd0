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

#[cfg(target_os = "linux")]
mod real {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use netlab_testkit::{
        TEST_TIMEOUT, check_session_output, peer_available, run, stderr_text, stdout_text,
        workspace_bin,
    };

    use super::{net_basics, ok};

    fn is_root() -> bool {
        let uid = Command::new("id").arg("-u").output().expect("run id -u");
        String::from_utf8_lossy(&uid.stdout).trim() == "0"
    }

    /// What `lan --real` could leave behind: namespaces and links named netlab.
    fn leftovers() -> String {
        let namespaces = run("ip", &["netns", "list"], b"");
        let links = run("ip", &["-o", "link"], b"");
        let text = format!("{}{}", stdout_text(&namespaces), stdout_text(&links));
        text.lines()
            .filter(|line| line.contains("netlab"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The "MAC address tables" and "ARP tables" block after the last talk.
    fn last_tables(text: &str) -> String {
        let at = text.rfind("  MAC address tables").expect("tables");
        text[at..]
            .lines()
            .take_while(|line| line.starts_with("  "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// One test, so that nothing else builds or removes netlab-lan-*
    /// namespaces at the same time: the real run, Ctrl-C, --cleanup.
    #[test]
    fn the_real_lan_shows_the_simulations_tables_and_leaves_nothing_behind() {
        if !is_root() || !peer_available("ip") {
            eprintln!("note: lan --real needs root; skipping (CI runs it as root)");
            return;
        }
        assert_eq!(
            leftovers(),
            "",
            "netlab namespaces or links before the test"
        );
        // tcp-demo is found next to net-basics, where cargo builds both.
        workspace_bin("tcp-demo");

        let text = ok(&["lan", "--real"]);
        for expected in [
            "A talks to B: tcp-demo server on B at 172.16.10.2:8898, tcp-demo client on A, which printed b'hi'",
            "    02:00:00:00:00:0a → ff:ff:ff:ff:ff:ff  who has 172.16.10.2? tell 172.16.10.1",
            "    02:00:00:00:00:0b → 02:00:00:00:00:0a  172.16.10.2 is at 02:00:00:00:00:0b",
            "  D's card saw no frame",
            "  TTL: the SYN left A with 64 and reached D with 63 (1 router on the way)",
            "removed every netlab-lan-* namespace again",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        // C, on A's switch, saw the broadcast and nothing of the connection.
        let c = text.split("  C's card saw:\n").nth(1).expect("C's frames");
        assert!(
            c.starts_with("    02:00:00:00:00:0a → ff:ff:ff:ff:ff:ff  who has 172.16.10.2?"),
            "{text}"
        );
        assert!(
            c.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("  B's card")),
            "{text}"
        );
        // The same tables as the simulation: the kernel's bridges and ARP.
        assert_eq!(last_tables(&text), last_tables(&ok(&["lan"])));
        assert_eq!(leftovers(), "", "left behind after the run");

        // The book's terminal: ephemeral ports and the length of the close vary.
        let mut terminal = format!("$ sudo target/debug/net-basics lan --real\n{text}");
        for port in text
            .split("172.16.10.1:")
            .skip(1)
            .filter_map(|rest| rest.split(' ').next())
            .filter(|port| port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
        {
            terminal = terminal.replace(&format!("172.16.10.1:{port} "), "172.16.10.1:<port> ");
        }
        for n in 5..=12 {
            terminal = terminal.replace(&format!("and {n} more TCP"), "and <n> more TCP");
        }
        check_session_output("ch03-lan-real.session.txt", &terminal);

        // Ctrl-C while it builds: it stops, says so, and removes everything.
        let mut child = Command::new(workspace_bin("net-basics"))
            .args(["lan", "--real"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while !leftovers().contains("netlab-lan-") && started.elapsed() < TEST_TIMEOUT {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let output = child.wait_with_output().unwrap();
        if output.status.code() == Some(1) {
            assert!(
                stderr_text(&output).contains("interrupted"),
                "{}",
                stderr_text(&output)
            );
        }
        assert_eq!(leftovers(), "", "left behind after Ctrl-C");

        // --cleanup removes what a killed run left (kill -9 runs no cleanup).
        let made = run("ip", &["netns", "add", "netlab-lan-host-Z"], b"");
        assert!(made.status.success(), "{}", stderr_text(&made));
        assert_eq!(ok(&["lan", "--cleanup"]), "removed netlab-lan-host-Z\n");
        assert_eq!(leftovers(), "");
        assert!(ok(&["lan", "--cleanup"]).starts_with("nothing to remove"));

        // A scenario outside 172.16.0.0/12 is refused before anything is built.
        let path = super::temp_file("outside.toml");
        let outside = ok(&["lan", "--show-scenario"]).replace("172.16.20.", "192.168.20.");
        std::fs::write(&path, outside).unwrap();
        let output = net_basics(&["lan", "--real", "--scenario", &path.to_string_lossy()]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr_text(&output));
        assert!(stderr_text(&output).contains("172.16.0.0/12"));
        let _ = std::fs::remove_file(&path);
        assert_eq!(leftovers(), "");
    }

    /// Without root: what is missing, and exactly what to run; nothing built.
    #[test]
    fn without_root_the_error_says_what_to_run() {
        if !is_root() {
            let output = net_basics(&["lan", "--real"]);
            assert_eq!(output.status.code(), Some(1));
            assert!(
                stderr_text(&output).contains("sudo"),
                "{}",
                stderr_text(&output)
            );
            return;
        }
        if !peer_available("setpriv") {
            return;
        }
        let dir = super::temp_file("unprivileged-lan");
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join("net-basics");
        std::fs::copy(workspace_bin("net-basics"), &copy).unwrap();
        use std::os::unix::fs::PermissionsExt;
        for path in [&dir, &copy] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let output = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&copy)
            .args(["lan", "--real"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        if stderr_text(&output).contains("setpriv: failed to execute") {
            return;
        }
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{stderr}");
        assert!(lines[0].contains("needs root"), "{stderr}");
        assert!(
            lines[1].contains("sudo ") && lines[1].contains(" lan --real"),
            "{stderr}"
        );
        assert!(stdout_text(&output).is_empty());
    }
}
