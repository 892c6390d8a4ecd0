//! Chapter 4 (四.套接字初使用): every tcp-demo and udp-demo server explains a
//! privileged port (below 1024) in one extra line, exit code 1. CI runs the tests as
//! root, who may bind any port, so the servers run as `nobody` there. Unix only:
//! ports below 1024 are not reserved on Windows.
#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use netlab_testkit::{peer_available, stderr_text, stdout_text, workspace_bin};

/// The tutorial's kind of privileged port: HTTP's 80.
const PRIVILEGED_PORT: u16 = 80;

/// Runs `program args...` without root's privileges and returns its output: as
/// `nobody` via setpriv when the tests run as root (as in CI), directly otherwise.
/// `nobody` may not be able to reach `target/` (a checkout under /root), so it runs
/// a copy in a fresh temporary directory. `None` when there is nothing to explain
/// on this machine (every user may bind port 80: `ip_unprivileged_port_start`).
fn run_unprivileged(program: &Path, args: &[&str]) -> Option<Output> {
    use std::os::unix::fs::PermissionsExt;
    let first_unprivileged: u16 =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(1024);
    if PRIVILEGED_PORT >= first_unprivileged {
        eprintln!("note: every user may bind port {PRIVILEGED_PORT} here; skipping");
        return None;
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        let output = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .output();
        return Some(output.unwrap());
    }
    // setpriv is part of util-linux, on every Debian machine.
    if !peer_available("setpriv") {
        return None;
    }
    let dir = std::env::temp_dir().join(format!(
        "netlab-unprivileged-{}-{}",
        std::process::id(),
        args.join("-").replace(['/', ':'], "_")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join(program.file_name().unwrap());
    std::fs::copy(program, &copy).unwrap();
    for path in [&dir, &copy] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let output = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&copy)
        .args(args)
        .stdin(Stdio::null())
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let output = output.unwrap();
    if stderr_text(&output).contains("setpriv: failed to execute") {
        // e.g. a temporary directory mounted noexec: nothing to learn here.
        eprintln!(
            "note: setpriv cannot run the copy: {}",
            stderr_text(&output)
        );
        return None;
    }
    Some(output)
}

#[test]
fn a_privileged_port_is_explained() {
    let addr = format!("127.0.0.1:{PRIVILEGED_PORT}");
    for (program, subcommand) in [
        ("tcp-demo", "server"),
        ("tcp-demo", "chat-server"),
        ("tcp-demo", "http"),
        ("udp-demo", "server"),
        ("udp-demo", "qq-server"),
    ] {
        let program = workspace_bin(program);
        let Some(output) = run_unprivileged(&program, &[subcommand, "--addr", &addr]) else {
            return;
        };
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), Some(1), "{subcommand}: {stderr}");
        assert!(
            stderr.contains("Permission denied"),
            "{subcommand}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("port {PRIVILEGED_PORT} is below 1024")),
            "{subcommand}: {stderr}"
        );
        assert!(
            stdout_text(&output).is_empty(),
            "{subcommand} never listened"
        );
    }
}
