//! Reading back the capture files the chaos proxies write (`framing proxy
//! --pcap`, `udp-demo proxy --pcap`) with tshark, Wireshark's command-line
//! reader: what a student would open.

// Each test file uses the part it needs.
#![allow(dead_code)]

use std::path::Path;

use netlab_testkit::{run, stderr_text, stdout_text};

/// `tshark -r FILE ARGS...`, its stdout; the test fails if tshark does.
pub fn tshark(file: &Path, args: &[&str]) -> String {
    let mut all = vec!["-r".to_string(), file.display().to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    let output = run("tshark", &all, b"");
    assert!(
        output.status.success(),
        "tshark {all:?}: {}",
        stderr_text(&output)
    );
    stdout_text(&output)
}

/// The bytes of TCP stream `stream` as `tshark -qz follow,tcp,raw,N` gives them
/// back: (what the first node sent, what the second node sent).
pub fn follow_tcp(file: &Path, stream: u32) -> (Vec<u8>, Vec<u8>) {
    let text = tshark(file, &["-qz", &format!("follow,tcp,raw,{stream}")]);
    let mut first = Vec::new();
    let mut second = Vec::new();
    // After the header lines, each line is one segment's data in hex; the second
    // node's lines start with a tab.
    for line in text.lines() {
        let (to, hex) = match line.strip_prefix('\t') {
            Some(hex) => (&mut second, hex),
            None => (&mut first, line),
        };
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        to.extend(
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()),
        );
    }
    (first, second)
}

/// `tshark -r FILE -T fields -e FIELD...` with the IP and TCP/UDP checksums
/// checked: one line per frame, the fields separated by tabs.
pub fn fields(file: &Path, fields: &[&str]) -> Vec<String> {
    let mut args = vec![
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "tcp.check_checksum:TRUE",
        "-o",
        "udp.check_checksum:TRUE",
        "-T",
        "fields",
    ];
    for field in fields {
        args.extend(["-e", field]);
    }
    tshark(file, &args).lines().map(str::to_string).collect()
}
