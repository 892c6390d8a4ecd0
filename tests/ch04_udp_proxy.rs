//! Chapter 4 (四.套接字初使用): `udp-demo proxy`, end to end on 127.0.0.1:0: the
//! book's time client behind 30% loss (the tutorial's Python hangs, ours gives
//! up after --timeout and a retry gets through), the same seed losing the same
//! datagrams twice, copies and hold-backs, and the capture read back by tshark.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, check_session_output, mask_ports, peer_available, run,
    show_port_as, stderr_text, stdout_text, tutorial_python, workspace_bin,
};

#[path = "support/proxy_capture.rs"]
mod proxy_capture;

/// `udp-demo proxy --listen 127.0.0.1:0 --to TO OPTIONS...`, past its second
/// line.
fn proxy(to: SocketAddr, options: &[&str]) -> ServerProcess {
    let to = to.to_string();
    let mut args = vec!["proxy", "--listen", "127.0.0.1:0", "--to", to.as_str()];
    args.extend_from_slice(options);
    let proxy = ServerProcess::start(workspace_bin("udp-demo"), &args);
    let replay = proxy.expect_line("forwarding to");
    assert!(replay.contains("--seed "), "{replay}");
    proxy
}

/// The tutorial's time server (`time-sync server`) on 127.0.0.1:0.
fn time_server() -> ServerProcess {
    ServerProcess::start(
        workspace_bin("time-sync"),
        &["server", "--addr", "127.0.0.1:0", "--quiet"],
    )
}

/// A socket of this test's own, playing a client or a server.
fn socket() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    socket
}

/// A trace line with its time written `#.###s` (it varies), and the digits of
/// the time in a reply written `#`, in the text and in the hex (`32` → `3#`).
fn masked(line: &str) -> String {
    let line = match line.split_once("s  #") {
        Some((time, rest)) if time.trim().parse::<f64>().is_ok() => format!("   #.###s  #{rest}"),
        _ => return line.to_string(),
    };
    let Some((head, text)) = line.split_once("  |") else {
        return line;
    };
    let Some((before_hex, hex)) = head.split_once(" B  ") else {
        return line;
    };
    let hex: String = hex
        .split(' ')
        .map(|byte| match byte.strip_prefix('3') {
            Some(digit) if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                "3#".to_string()
            }
            _ => byte.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    // Only the bytes between the bars came from the network.
    let (shown, after) = text.split_once('|').unwrap_or((text, ""));
    let shown: String = shown
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect();
    format!("{before_hex} B  {hex}  |{shown}|{after}")
}

/// The book's experiment (docs/src/ch04-time-sync.md): the time server, the
/// proxy losing 30% with seed 22, the tutorial's Python client (its request
/// is lost: it would wait for ever, our copy gives up after 10 s), then our
/// client in a retry loop (the first reply is lost, the second try works).
#[test]
fn the_books_lossy_time_session_is_what_the_programs_print() {
    if !peer_available("python3") {
        return;
    }
    let server = time_server();
    let proxy = proxy(server.addr, &["--drop", "30", "--seed", "22", "--trace"]);
    let shown = |text: &str| {
        let text = show_port_as(text, proxy.addr, "127.0.0.1:9999");
        let text = show_port_as(&text, server.addr, "127.0.0.1:9000");
        mask_ports(&text, &["127.0.0.1:9999", "127.0.0.1:9000"])
    };

    let python = format!(
        "python3 {} {} 2>&1 | tail -1",
        tutorial_python("time_client.py").display(),
        proxy.addr
    );
    let output = run("sh", &["-c", &python], b"");
    let mut terminal_2 = format!(
        "$ python3 tests/python/time_client.py 127.0.0.1:9999 2>&1 | tail -1\n{}",
        stdout_text(&output)
    );
    let retry = format!(
        "for try in 1 2 3; do \"$0\" client --addr {} --timeout 1s 2>&1 && break; done",
        proxy.addr
    );
    let time_sync = workspace_bin("time-sync").display().to_string();
    let output = run("sh", &["-c", &retry, &time_sync], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    terminal_2.push_str(
        "$ for try in 1 2 3; do cargo run -q -p time-sync -- client --addr 127.0.0.1:9999 \
         --timeout 1s && break; done\n",
    );
    // The time (a line that starts with a digit) varies: its digits are `#`.
    for line in stdout_text(&output).lines() {
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            let masked: String = line
                .chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect();
            terminal_2.push_str(&masked);
        } else {
            terminal_2.push_str(line);
        }
        terminal_2.push('\n');
    }
    let terminal_2 = shown(&terminal_2);

    // Everything the proxy printed up to the last reply it delivered.
    let mut lines = vec![proxy.first_line.clone()];
    lines.push(format!(
        "forwarding to {} with --drop 30 --seed 22 (the same options and seed replay this run)",
        server.addr
    ));
    lines.extend(proxy.lines_until("#3  server → client"));
    let lines: Vec<String> = lines.iter().map(|line| masked(line)).collect();
    let terminal_1 = shown(&format!(
        "$ cargo run -q -p udp-demo -- proxy --drop 30 --seed 22 --trace\n{}\n",
        lines.join("\n")
    ));
    check_session_output("ch04-udp-proxy-terminal-1.session.txt", &terminal_1);
    check_session_output("ch04-udp-proxy-terminal-2.session.txt", &terminal_2);
    assert!(terminal_2.contains("timed out"), "{terminal_2}");
}

#[test]
fn without_loss_the_tutorials_python_client_gets_its_time_through_the_proxy() {
    if !peer_available("python3") {
        return;
    }
    let server = time_server();
    let proxy = proxy(server.addr, &["--delay", "20"]);
    let script = tutorial_python("time_client.py").display().to_string();
    let output = run(
        "python3",
        &[script, proxy.addr.to_string(), "%%".into()],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), "%\n");
}

/// Sends `count` numbered datagrams through a fresh proxy with `options` to a
/// server that answers each, and returns the proxy's trace, one list per
/// direction (the two directions interleave differently from run to run; each
/// one alone is the same).
fn traced_run(options: &[&str], count: usize) -> (Vec<String>, Vec<String>) {
    let server = ServerProcess::start(
        workspace_bin("udp-demo"),
        &["server", "--addr", "127.0.0.1:0", "--forever"],
    );
    let mut options = options.to_vec();
    options.push("--trace");
    let proxy = proxy(server.addr, &options);
    let client = socket();
    client.connect(proxy.addr).unwrap();
    for i in 0..count {
        client.send(format!("datagram {i:02}").as_bytes()).unwrap();
    }
    // Every request is traced once (delivered or dropped); every delivered one
    // gets a reply, traced once too.
    let (mut up, mut down): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    while up.len() < count || down.len() < up.iter().filter(|l| !l.ends_with("dropped")).count() {
        let line = proxy
            .next_line(TEST_TIMEOUT)
            .unwrap_or_else(|| panic!("the trace stopped: {up:#?} {down:#?}"));
        let line = masked(&line);
        if line.contains("client → server") {
            up.push(line);
        } else if line.contains("server → client") {
            down.push(line);
        }
    }
    (up, down)
}

#[test]
fn the_same_seed_loses_the_same_datagrams_twice() {
    let options = ["--drop", "30", "--seed", "5"];
    let first = traced_run(&options, 30);
    assert_eq!(first, traced_run(&options, 30));
    let lost = first
        .0
        .iter()
        .filter(|line| line.ends_with("dropped"))
        .count();
    assert!((3..=20).contains(&lost), "{lost} of 30: {first:#?}");
    assert_ne!(first, traced_run(&["--drop", "30", "--seed", "6"], 30));
}

#[test]
fn duplicate_100_delivers_everything_twice_each_way() {
    let server = ServerProcess::start(
        workspace_bin("udp-demo"),
        &["server", "--addr", "127.0.0.1:0", "--forever"],
    );
    let proxy = proxy(server.addr, &["--duplicate", "100"]);
    let client = socket();
    client.send_to(b"hello", proxy.addr).unwrap();
    // Two requests reach the server, each answer comes twice: four b'hi'.
    let mut buf = [0u8; 64];
    for _ in 0..4 {
        let (n, from) = client.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&b"hi"[..], proxy.addr));
    }
}

#[test]
fn reorder_holds_some_datagrams_back_and_loses_none() {
    let server = socket();
    let proxy = proxy(
        server.local_addr().unwrap(),
        &["--reorder", "--seed", "3", "--trace"],
    );
    let client = socket();
    for i in 0..40u8 {
        client.send_to(&[i], proxy.addr).unwrap();
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 16];
    while got.len() < 40 {
        let n = server.recv(&mut buf).unwrap();
        got.extend_from_slice(&buf[..n]);
    }
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, (0..40).collect::<Vec<u8>>(), "every datagram, once");
    let held = (0..40)
        .map(|_| proxy.expect_line("client → server"))
        .filter(|line| line.ends_with("held back"))
        .count();
    assert!(held > 0 && held < 40, "{held} of 40 held back");
}

#[test]
fn the_capture_holds_every_delivered_datagram() {
    if !peer_available("tshark") {
        return;
    }
    let server = ServerProcess::start(
        workspace_bin("udp-demo"),
        &["server", "--addr", "127.0.0.1:0", "--forever"],
    );
    let dir = std::env::temp_dir().join(format!("netlab-udp-proxy-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap: PathBuf = dir.join("lossy.pcap");
    let pcap_arg = pcap.display().to_string();
    let proxy = proxy(
        server.addr,
        &[
            "--drop", "20", "--seed", "9", "--trace", "--pcap", &pcap_arg,
        ],
    );
    let client = socket();
    client.connect(proxy.addr).unwrap();
    let (up, down) = traced(&proxy, &client, 12);
    let frames = proxy_capture::fields(
        &pcap,
        &["udp.srcport", "ip.checksum.status", "udp.checksum.status"],
    );
    assert_eq!(frames.len(), up + down, "{frames:#?}");
    assert!(frames.iter().all(|f| f.ends_with("\t1\t1")), "{frames:#?}");
    let server_port = format!("{}\t", server.addr.port());
    let replies = frames
        .iter()
        .filter(|f| f.starts_with(&server_port))
        .count();
    assert_eq!((frames.len() - replies, replies), (up, down));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Sends `count` datagrams from `client` and waits until the proxy has traced
/// each one and each reply: how many were delivered each way.
fn traced(proxy: &ServerProcess, client: &UdpSocket, count: usize) -> (usize, usize) {
    for i in 0..count {
        client.send(format!("ping {i:02}").as_bytes()).unwrap();
    }
    // Each request is traced once, delivered or dropped; so is the server's
    // answer to each delivered one.
    let (mut requests, mut up, mut answers, mut down) = (0, 0, 0, 0);
    while requests < count || answers < up {
        let line = proxy.next_line(TEST_TIMEOUT).expect("a trace line");
        let delivered = usize::from(!line.ends_with("dropped"));
        if line.contains("client → server") {
            (requests, up) = (requests + 1, up + delivered);
        } else if line.contains("server → client") {
            (answers, down) = (answers + 1, down + delivered);
        }
    }
    (up, down)
}

#[test]
fn a_proxy_on_the_network_in_front_of_a_loopback_server_is_refused() {
    let output = run(
        workspace_bin("udp-demo"),
        &["proxy", "--listen", "0.0.0.0:0", "--to", "127.0.0.1:9000"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("listens on loopback to be private"));
}

/// The book's QQ chat behind the proxy (docs/src/ch04-first-sockets.md): the
/// lab's server and client, 30% lost with seed 7. The second reply is lost, not
/// the second message: the server answered (its terminal shows all three
/// messages), the client waited --timeout, and the next question got the reply
/// typed for the one after — UDP has no acknowledgements.
#[test]
fn the_books_lossy_qq_session_is_what_the_programs_print() {
    let mut server = ServerProcess::start_as_in_a_terminal(
        workspace_bin("udp-demo"),
        &["qq-server", "--addr", "127.0.0.1:0"],
    );
    server.type_text("在\n好的\n收到\n");
    let proxy = proxy(server.addr, &["--drop", "30", "--seed", "7"]);
    let client = format!(
        "printf '金老板\\n在吗?\\n今天上课吗?\\n几点?\\nq\\n' | \"$0\" qq-client --addr {} --timeout 1s 2>&1",
        proxy.addr
    );
    let udp_demo = workspace_bin("udp-demo").display().to_string();
    let output = run("sh", &["-c", &client, &udp_demo], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    let printed = server.lines_until("几点?");
    let shown = |text: &str| {
        let text = show_port_as(text, proxy.addr, "127.0.0.1:9999");
        let text = show_port_as(&text, server.addr, "127.0.0.1:8081");
        mask_ports(&text, &["127.0.0.1:9999", "127.0.0.1:8081"])
    };
    let terminal_1 = shown(&format!(
        "$ printf '在\\n好的\\n收到\\n' | cargo run -q -p udp-demo -- qq-server\n{}\n{}\n",
        server.first_line,
        printed.join("\n")
    ));
    let terminal_3 = shown(&format!(
        "$ printf '金老板\\n在吗?\\n今天上课吗?\\n几点?\\nq\\n' | cargo run -q -p udp-demo -- qq-client --addr 127.0.0.1:9999 --timeout 1s 2>&1\n{}",
        stdout_text(&output)
    ));
    assert!(
        terminal_1.contains("今天上课吗?"),
        "the second message arrived: {terminal_1}"
    );
    assert!(terminal_3.contains("no reply"), "{terminal_3}");
    assert!(terminal_3.contains("收到"), "{terminal_3}");
    check_session_output("ch04-udp-proxy-qq-server.session.txt", &terminal_1);
    check_session_output("ch04-udp-proxy-qq-client.session.txt", &terminal_3);
}
