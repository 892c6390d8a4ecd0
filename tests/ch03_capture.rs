//! Chapter 3 (三.网络基础), the real handshake: `net-basics capture` watches
//! `tcp-demo client` talk to `tcp-demo server` on the loopback interface, and its
//! capture file is read back by tshark. A raw packet socket needs CAP_NET_RAW:
//! CI runs the tests as root; elsewhere these tests say so and skip, except the
//! one that checks the error a student without the privilege gets.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, check_session_output, mask_ports, peer_available, run,
    show_port_as, stderr_text, stdout_text, workspace_bin,
};
use serde_json::Value;

fn is_root() -> bool {
    let uid = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&uid.stdout).trim() == "0"
}

/// Whether this test can open a raw socket; says why not when it cannot.
fn may_capture() -> bool {
    if is_root() {
        return true;
    }
    eprintln!("note: capturing needs root (CAP_NET_RAW); skipping (CI runs it as root)");
    false
}

/// A running `net-basics capture`, its stdout and stderr read line by line.
struct Capture {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

fn lines_of(stream: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Capture {
    /// Starts the capture and waits for its first line on stderr, which it
    /// prints once the raw socket is open: the connection may start then.
    fn start(args: &[&str]) -> (Capture, String) {
        let mut child = Command::new(workspace_bin("net-basics"))
            .arg("capture")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start net-basics capture");
        let stdout = lines_of(child.stdout.take().expect("piped stdout"));
        let stderr = lines_of(child.stderr.take().expect("piped stderr"));
        let capture = Capture {
            child,
            stdout,
            stderr,
        };
        let ready = capture
            .stderr
            .recv_timeout(TEST_TIMEOUT)
            .expect("capture printed its first line");
        assert!(ready.starts_with("capturing TCP on lo"), "{ready}");
        (capture, ready)
    }

    fn next_line(&self) -> String {
        self.stdout
            .recv_timeout(TEST_TIMEOUT)
            .expect("capture printed a line in time")
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("netlab-{}-{name}", std::process::id()))
}

/// Both sides are done: CLOSED or TIME_WAIT.
fn closed(state: &Value) -> bool {
    matches!(state.as_str(), Some("CLOSED" | "TIME_WAIT"))
}

fn flags(row: &Value) -> Vec<&str> {
    row["flags"]
        .as_array()
        .expect("flags is a list")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// tcp-demo's server and client on 127.0.0.1:0, watched by two captures at
/// once: one with `--json --pcap`, one as the book shows it (`--count 7`: the
/// handshake and the data; how the close goes depends on timing).
#[test]
fn the_handshake_the_data_and_the_close_of_a_real_connection() {
    if !may_capture() {
        return;
    }
    let server = ServerProcess::start(
        workspace_bin("tcp-demo"),
        &["server", "--addr", "127.0.0.1:0"],
    );
    let port = server.addr.port().to_string();
    let pcap = temp_file("capture.pcap");
    let pcap_arg = pcap.to_string_lossy().into_owned();
    let (json, _) = Capture::start(&["--port", &port, "--json", "--pcap", &pcap_arg]);
    let (book, ready) = Capture::start(&["--port", &port, "--count", "7"]);

    let client = run(
        workspace_bin("tcp-demo"),
        &["client", "--addr", &server.addr.to_string()],
        b"",
    );
    assert!(client.status.success(), "{}", stderr_text(&client));

    // Every segment until both sides are done.
    let mut rows: Vec<Value> = Vec::new();
    while rows
        .last()
        .is_none_or(|row| !(closed(&row["client_state"]) && closed(&row["server_state"])))
    {
        let line = json.next_line();
        rows.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")));
    }
    let client_addr = rows[0]["src"].as_str().unwrap().to_string();
    let server_addr = server.addr.to_string();
    let shown: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    let shown = shown.join("\n");

    // The three-way handshake, numbered from each side's ISN.
    assert_eq!(flags(&rows[0]), ["SYN"], "{shown}");
    assert_eq!(
        (rows[0]["src"].as_str(), rows[0]["dst"].as_str()),
        (Some(&client_addr[..]), Some(&server_addr[..]))
    );
    assert_eq!(
        (&rows[0]["seq"], &rows[0]["ack"]),
        (&Value::from(0), &Value::Null)
    );
    assert_eq!(flags(&rows[1]), ["SYN", "ACK"], "{shown}");
    assert_eq!(
        (&rows[1]["seq"], &rows[1]["ack"]),
        (&Value::from(0), &Value::from(1))
    );
    assert_eq!(flags(&rows[2]), ["ACK"], "{shown}");
    assert_eq!(
        (&rows[2]["seq"], &rows[2]["ack"]),
        (&Value::from(1), &Value::from(1))
    );
    assert_eq!(rows[2]["client_state"], "ESTABLISHED");
    assert_eq!(rows[2]["server_state"], "ESTABLISHED");

    // The data: b'hello!' one way, b'hi' the other.
    let hello = rows
        .iter()
        .find(|r| r["len"] == 6)
        .expect("hello! on the wire");
    assert_eq!(
        (hello["from"].as_str(), &hello["seq"]),
        (Some("client"), &Value::from(1))
    );
    let hi = rows.iter().find(|r| r["len"] == 2).expect("hi on the wire");
    assert_eq!(hi["from"], "server");
    assert_eq!(hi["ack"], 7, "the server has got the client's 6 bytes");

    // The close: a FIN from each side and the ACK of the last one. Three
    // segments when the second FIN carries the ACK of the first, four when the
    // ACK comes first or the FINs cross.
    let first_fin = rows
        .iter()
        .position(|r| flags(r).contains(&"FIN"))
        .expect("a FIN");
    let close = &rows[first_fin..];
    assert!(
        (3..=4).contains(&close.len()),
        "the close is 3 or 4 segments: {shown}"
    );
    let fins: Vec<&str> = close
        .iter()
        .filter(|r| flags(r).contains(&"FIN"))
        .filter_map(|r| r["from"].as_str())
        .collect();
    assert_eq!(fins.len(), 2, "one FIN each: {shown}");
    assert_ne!(fins[0], fins[1], "one FIN each: {shown}");
    assert_eq!(flags(close.last().unwrap()), ["ACK"], "{shown}");
    assert!(
        rows.iter().all(|r| !r["client_state"].is_null()),
        "the state machine followed every segment: {shown}"
    );

    // The book's terminal: the capture's own lines, ports as the book shows them.
    let mut terminal =
        format!("$ sudo target/debug/net-basics capture --port 8898 --count 7\n{ready}\n");
    for _ in 0..9 {
        terminal.push_str(&book.next_line());
        terminal.push('\n');
    }
    let terminal = terminal.replace(&format!("port {port}"), "port 8898");
    let terminal = show_port_as(&terminal, server.addr, "127.0.0.1:8898");
    let terminal = mask_ports(&terminal, &["127.0.0.1:8898"]);
    check_session_output("ch03-capture.session.txt", &terminal);

    // The capture file, read back by Wireshark's tshark: the same segments, and
    // the bytes of the conversation in order.
    drop(json);
    if peer_available("tshark") {
        let listed = run("tshark", &["-r", &pcap_arg], b"");
        assert!(listed.status.success(), "{}", stderr_text(&listed));
        let listed = stdout_text(&listed);
        assert_eq!(listed.lines().count(), rows.len(), "{listed}");
        assert!(listed.lines().next().unwrap().contains("[SYN]"), "{listed}");
        let follow = run("tshark", &["-r", &pcap_arg, "-qz", "follow,tcp,raw,0"], b"");
        let follow = stdout_text(&follow);
        assert!(follow.contains(&hex(b"hello!")), "{follow}");
        assert!(follow.contains(&hex(b"hi")), "{follow}");
    }
    let _ = std::fs::remove_file(&pcap);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Without CAP_NET_RAW: one line saying what is missing, one saying exactly
/// what to run, exit code 1. Run as `nobody` when the tests run as root.
#[test]
fn without_the_privilege_the_error_says_what_to_run() {
    let program = workspace_bin("net-basics");
    let output = if is_root() {
        if !peer_available("setpriv") {
            return;
        }
        // nobody may not be able to reach target/ (a checkout under /root): a
        // copy in a fresh temporary directory.
        let dir = temp_file("unprivileged");
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join("net-basics");
        std::fs::copy(&program, &copy).unwrap();
        use std::os::unix::fs::PermissionsExt;
        for path in [&dir, &copy] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let output = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&copy)
            .args(["capture", "--port", "8898"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        if stderr_text(&output).contains("setpriv: failed to execute") {
            eprintln!(
                "note: setpriv cannot run the copy here: {}",
                stderr_text(&output)
            );
            return;
        }
        output
    } else {
        run(&program, &["capture", "--port", "8898"], b"")
    };
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stdout_text(&output).is_empty());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("error: cannot open a raw packet socket"),
        "{stderr}"
    );
    assert!(lines[0].contains("CAP_NET_RAW"), "{stderr}");
    assert!(lines[1].contains("sudo "), "{stderr}");
    assert!(lines[1].contains("setcap cap_net_raw+ep "), "{stderr}");
}
