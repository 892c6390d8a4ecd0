//! Chapter 6 (六.socket的更多方法): `tcp-demo sockinfo` tries every method of the
//! tutorial's table on a real loopback connection, and shows send versus sendall.

use std::path::PathBuf;

use netlab_testkit::{
    check_session_output, mask_ports, run, stderr_text, stdout_text, workspace_bin,
};

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

/// The terminal of the book's "Run it" (docs/src/output/ch06-sockinfo.session.txt).
/// What differs from run to run and machine to machine is shown as a placeholder:
/// ports as `<port>`, buffer sizes as `<bytes>`, the descriptor as `<fd>` and the
/// bytes one non-blocking write accepted as `<n>`.
#[test]
fn the_books_sockinfo_terminal() {
    let output = run(tcp_demo(), &["sockinfo"], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    let printed: Vec<String> = stdout_text(&output)
        .lines()
        .map(normalise_sockinfo_line)
        .collect();
    let text = format!(
        "$ cargo run -q -p tcp-demo -- sockinfo\n{}\n",
        printed.join("\n")
    );
    check_session_output("ch06-sockinfo.session.txt", &mask_ports(&text, &[]));
}

fn normalise_sockinfo_line(line: &str) -> String {
    let last_word_as = |placeholder: &str| match line.rsplit_once(' ') {
        Some((head, _)) => format!("{head} {placeholder}"),
        None => line.to_string(),
    };
    if line.starts_with("s.getsockopt(SOL_SOCKET, SO_RCVBUF)")
        || line.starts_with("s.getsockopt(SOL_SOCKET, SO_SNDBUF)")
    {
        return last_word_as("<bytes>");
    }
    if line.starts_with("s.fileno()") {
        return last_word_as("<fd>");
    }
    // "send versus sendall: one non-blocking write() accepted 3919467 of 33554432 bytes; ..."
    if let Some((before, after)) = line.split_once(" accepted ")
        && let Some((_, rest)) = after.split_once(" of ")
    {
        return format!("{before} accepted <n> of {rest}");
    }
    line.to_string()
}
