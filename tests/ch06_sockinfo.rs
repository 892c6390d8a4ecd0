//! Chapter 6 (六.socket的更多方法): `tcp-demo sockinfo` tries every method of the
//! tutorial's table on a real loopback connection, and shows send versus sendall.

use std::path::PathBuf;

use netlab_common::testing::{run, stderr_text, stdout_text, workspace_bin};

fn tcp_demo() -> PathBuf {
    workspace_bin("tcp-demo")
}

#[test]
fn the_table_has_one_line_per_method_with_real_results() {
    let output = run(tcp_demo(), &["sockinfo"], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("no line for {needle}:\n{text}"))
            .to_string()
    };
    assert!(line("s.getsockname()").contains("127.0.0.1:"));
    assert!(line("s.setblocking(False)").ends_with("Err(WouldBlock)"));
    assert!(line("s.settimeout(0.1)").contains("after waiting the timeout: true"));
    assert!(line("s.getsockopt(IPPROTO_TCP, TCP_NODELAY)").ends_with("true"));
    assert!(line("s.connect_ex").contains("raw_os_error() = 111"));
    assert!(text.contains("write_all() sent the rest"));
}

#[test]
fn json_has_every_method_and_a_partial_write() {
    let output = run(tcp_demo(), &["sockinfo", "--json"], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let methods = doc["methods"].as_array().unwrap();
    assert!(methods.len() >= 14);
    assert!(
        methods
            .iter()
            .all(|m| m["python"].is_string() && m["rust"].is_string())
    );
    let asked = doc["sendall"]["asked"].as_u64().unwrap();
    assert!(doc["sendall"]["first_write"].as_u64().unwrap() < asked);
    assert_eq!(doc["sendall"]["received"].as_u64().unwrap(), asked);
}

#[test]
fn the_chapter_6_demo_is_deterministic() {
    let first = stdout_text(&run(tcp_demo(), &["demo", "--chapter", "6"], b""));
    assert!(first.contains("fewer bytes than asked: true"), "{first}");
    assert_eq!(
        first,
        stdout_text(&run(tcp_demo(), &["demo", "--chapter", "6"], b""))
    );
}
