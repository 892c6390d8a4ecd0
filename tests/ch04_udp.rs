//! Chapter 4 (四.套接字初使用), UDP: `udp-demo server`/`client`, `qq-server`/
//! `qq-client` and `boundaries`, end to end on loopback, and against the
//! tutorial's Python programs in both directions (tests/python/udp_*.py, qq_*.py).

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;

use netlab_testkit::{
    ServerProcess, check_session_output, mask_ports, peer_available, run, show_port_as,
    stderr_text, stdout_text, tutorial_python, workspace_bin,
};
use udp_demo::qq;

fn udp_demo() -> PathBuf {
    workspace_bin("udp-demo")
}

/// One of the tutorial's Python programs (tests/python/), as an argument.
fn python_program(name: &str) -> String {
    tutorial_python(name).to_string_lossy().into_owned()
}

fn python_server(name: &str) -> ServerProcess {
    ServerProcess::start("python3", &["-u", &python_program(name), "127.0.0.1:0"])
}

#[test]
fn rust_client_and_rust_server_exchange_hello_and_hi() {
    let server = ServerProcess::start(udp_demo(), &["server", "--addr", "127.0.0.1:0"]);
    let addr = server.addr.to_string();
    let output = run(udp_demo(), &["client", "--addr", &addr], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    // Python: print(back_msg.decode('utf-8'), addr)
    assert_eq!(
        stdout_text(&output),
        format!("hi ('127.0.0.1', {})\n", server.addr.port())
    );
    let line = server.expect_line("b'");
    assert!(line.starts_with("b'hello' from 127.0.0.1:"), "{line}");
    assert_eq!(server.wait_exit(), Some(0));
}

#[test]
fn python_client_talks_to_rust_server() {
    if !peer_available("python3") {
        return;
    }
    let server = ServerProcess::start(udp_demo(), &["server", "--addr", "127.0.0.1:0"]);
    let addr = server.addr.to_string();
    let output = run("python3", &[&python_program("udp_client.py"), &addr], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(
        stdout_text(&output),
        format!("hi ('127.0.0.1', {})\n", server.addr.port())
    );
    assert!(server.expect_line("b'").starts_with("b'hello' from "));
}

#[test]
fn rust_client_talks_to_python_server() {
    if !peer_available("python3") {
        return;
    }
    let server = python_server("udp_server.py");
    let addr = server.addr.to_string();
    let output = run(udp_demo(), &["client", "--addr", &addr], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(
        stdout_text(&output),
        format!("hi ('127.0.0.1', {})\n", server.addr.port())
    );
    assert_eq!(server.expect_line("b'"), "b'hello'");
}

#[test]
fn client_says_clearly_when_no_reply_came() {
    // A socket that receives but never answers, like a lost reply.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let output = run(
        udp_demo(),
        &["client", "--addr", &addr, "--timeout", "200ms"],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains(&format!("no reply from {addr} within 200ms")),
        "{stderr}"
    );
    assert!(
        stderr.contains("UDP datagrams can also be lost"),
        "{stderr}"
    );
}

#[test]
fn server_reports_a_truncated_datagram_and_keeps_serving() {
    let server = ServerProcess::start(
        udp_demo(),
        &["server", "--addr", "127.0.0.1:0", "--forever"],
    );
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(netlab_testkit::TEST_TIMEOUT))
        .unwrap();
    socket.send_to(&[b'x'; 2000], server.addr).unwrap();
    let mut buf = [0u8; 16];
    let (n, _) = socket.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hi");
    // 1024 bytes were printed; invalid UTF-8 is no problem for bytes either.
    assert!(server.expect_line("b'xxx").len() > 1024);
    socket.send_to(b"\xff", server.addr).unwrap();
    assert!(server.expect_line("b'").starts_with(r"b'\xff' from"));
}

#[test]
fn boundaries_shows_three_receives_and_the_truncation() {
    let output = run(udp_demo(), &["boundaries"], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    assert_eq!(text.matches("[receiver] ← sender:").count(), 4, "{text}");
    assert!(text.contains("MSG_TRUNC was set: the datagram had 2000 bytes, 976 were thrown away"));
    assert_eq!(text, stdout_text(&run(udp_demo(), &["boundaries"], b"")));
}

#[test]
fn bad_command_line_values_exit_2_naming_the_value() {
    // One byte more than a UDP datagram can carry.
    let too_long = "x".repeat(65_508);
    for (args, needle) in [
        (vec!["client", "--addr", "nowhere"], "nowhere"),
        (vec!["client", "--timeout", "soon"], "soon"),
        (vec!["qq-client", "--contact", "egg"], "'egg'"),
        (vec!["qq-client", "--contact", "egg=127.0.0.1"], "127.0.0.1"),
        (vec!["client", "--message", &too_long], "65507"),
    ] {
        let output = run(udp_demo(), &args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr_text(&output).contains(needle),
            "{args:?}: {}",
            stderr_text(&output)
        );
    }
}

#[test]
fn qq_rust_client_and_rust_server_chat() {
    let mut server = ServerProcess::start(udp_demo(), &["qq-server", "--addr", "127.0.0.1:0"]);
    server.type_text("你好呀\n");
    let addr = server.addr.to_string();
    // An unknown contact is skipped (until q), then 金老板 gets a message.
    let output = run(
        udp_demo(),
        &["qq-client", "--addr", &addr],
        "nobody\nhello?\nq\n金老板\n\n在吗\nq\n".as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(
        stdout_text(&output),
        format!("来自[{addr}]的一条消息:你好呀\n")
    );
    assert!(stderr_text(&output).contains("no contact named 'nobody'"));
    let line = server.expect_line("的一条消息:");
    assert!(
        line.starts_with("来自[127.0.0.1:") && line.ends_with("]的一条消息:在吗"),
        "{line}"
    );
}

#[test]
fn qq_python_client_talks_to_rust_server() {
    if !peer_available("python3") {
        return;
    }
    let mut server = ServerProcess::start(udp_demo(), &["qq-server", "--addr", "127.0.0.1:0"]);
    server.type_text("收到\n");
    let addr = server.addr.to_string();
    let output = run(
        "python3",
        &[&python_program("qq_client.py"), &addr],
        "哪吒\n在吗\nq\n".as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert!(
        stdout_text(&output).contains(&format!("来自[{addr}]的一条消息:\x1b[1;44m收到\x1b[0m")),
        "{}",
        stdout_text(&output)
    );
    assert!(
        server
            .expect_line("的一条消息:")
            .ends_with("的一条消息:在吗")
    );
}

#[test]
fn qq_rust_client_talks_to_python_server() {
    if !peer_available("python3") {
        return;
    }
    let mut server = python_server("qq_server.py");
    server.type_text("收到\n");
    let contact = format!("egg={}", server.addr);
    let output = run(
        udp_demo(),
        &["qq-client", "--contact", &contact],
        "egg\n在吗\n".as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(
        stdout_text(&output),
        format!("来自[{}]的一条消息:收到\n", server.addr)
    );
    assert!(server.expect_line("的一条消息:").contains("在吗"));
}

#[test]
fn qq_contacts_file() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let dir = std::env::temp_dir().join(format!("netlab-qq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("contacts.toml");
    std::fs::write(
        &file,
        format!(
            "[contacts]\n\"金老板\" = \"{}\"\n",
            server.local_addr().unwrap()
        ),
    )
    .unwrap();
    let file_arg = file.to_string_lossy().into_owned();
    // Nobody answers: the client says so and ends with its input.
    let output = run(
        udp_demo(),
        &[
            "qq-client",
            "--contacts-file",
            &file_arg,
            "--timeout",
            "100ms",
        ],
        "金老板\nhi\n".as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert!(
        stderr_text(&output).contains("no reply from"),
        "{}",
        stderr_text(&output)
    );
    let mut buf = [0u8; 16];
    server
        .set_read_timeout(Some(netlab_testkit::TEST_TIMEOUT))
        .unwrap();
    let (n, _) = server.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hi");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn server_says_on_stderr_how_long_a_truncated_datagram_was() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    // The tutorial's server answers one datagram and exits; its stderr is kept.
    let mut child = Command::new(udp_demo())
        .args(["server", "--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = stdout.read_line(&mut first);
        let _ = tx.send(first);
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        let _ = tx.send(rest);
    });
    let first = rx.recv_timeout(netlab_testkit::TEST_TIMEOUT).unwrap();
    let addr = netlab_common::listen::parse_line(first.trim_end()).unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(netlab_testkit::TEST_TIMEOUT))
        .unwrap();
    socket.send_to(&[b'x'; 2000], addr).unwrap();
    let mut buf = [0u8; 16];
    let (n, _) = socket.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hi");
    // The server has answered and exits: both pipes end.
    let printed = rx.recv_timeout(netlab_testkit::TEST_TIMEOUT).unwrap();
    let mut logged = String::new();
    stderr.read_to_string(&mut logged).unwrap();
    assert!(child.wait().unwrap().success());
    // Python would print the 1024 bytes and nothing else; we say what was lost.
    assert_eq!(printed.matches('x').count(), 1024, "{printed}");
    assert!(
        logged.contains("the datagram had 2000 bytes; only the first 1024 fitted the buffer"),
        "{logged}"
    );
}

#[test]
fn qq_client_survives_a_contact_it_cannot_send_to() {
    // The client's socket is IPv4 (its first contact is): the OS refuses to
    // send to an IPv6 contact. The client says so and goes on with the next one.
    let other = UdpSocket::bind("127.0.0.1:0").unwrap();
    other
        .set_read_timeout(Some(netlab_testkit::TEST_TIMEOUT))
        .unwrap();
    let good = format!("egg={}", other.local_addr().unwrap());
    let output = run(
        udp_demo(),
        &[
            "qq-client",
            "--contact",
            &good,
            "--contact",
            "v6=[::1]:9",
            "--timeout",
            "100ms",
        ],
        "v6\nhello\nq\negg\n在吗\n".as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let stderr = stderr_text(&output);
    assert!(stderr.contains("cannot reach [::1]:9"), "{stderr}");
    let mut buf = [0u8; 64];
    let (n, _) = other.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], "在吗".as_bytes());
}

#[test]
fn a_port_in_use_is_explained() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    for subcommand in ["server", "qq-server"] {
        let output = run(udp_demo(), &[subcommand, "--addr", &addr], b"");
        assert_eq!(output.status.code(), Some(1), "{subcommand}");
        let stderr = stderr_text(&output);
        assert!(
            stderr.contains(&format!("address {addr} is in use")),
            "{subcommand}: {stderr}"
        );
        assert!(
            stdout_text(&output).is_empty(),
            "{subcommand} never listened"
        );
    }
}

#[test]
fn qq_server_shows_invalid_utf8_and_keeps_serving() {
    let mut server = ServerProcess::start(udp_demo(), &["qq-server", "--addr", "127.0.0.1:0"]);
    server.type_text("收到\n收到\n");
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(netlab_testkit::TEST_TIMEOUT))
        .unwrap();
    let mut buf = [0u8; 64];
    // Python's decode('utf-8') would crash the tutorial's server here.
    socket.send_to(b"ok\xff", server.addr).unwrap();
    assert!(
        server
            .expect_line("的一条消息:")
            .ends_with("的一条消息:ok\u{fffd}")
    );
    let (n, _) = socket.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], "收到".as_bytes());
    // And the next client is served.
    let next = UdpSocket::bind("127.0.0.1:0").unwrap();
    next.set_read_timeout(Some(netlab_testkit::TEST_TIMEOUT))
        .unwrap();
    next.send_to("在吗".as_bytes(), server.addr).unwrap();
    assert!(
        server
            .expect_line("的一条消息:")
            .ends_with("的一条消息:在吗")
    );
    let (n, _) = next.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], "收到".as_bytes());
}

/// Stops a server as Ctrl-C does and returns everything it printed.
fn interrupt(server: ServerProcess) -> Vec<String> {
    let status = std::process::Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    server.wait_output().1
}

/// What a terminal shows for `command` and the lines it printed, with the port
/// the OS chose for `actual` shown as the tutorial's `shown` and every other port
/// as `<port>` (in both spellings, `127.0.0.1:PORT` and Python's tuple).
fn terminal(command: &str, printed: &str, actual: SocketAddr, shown: &str) -> String {
    let text = format!("$ {command}\n{printed}");
    let shown_port = shown.rsplit(':').next().unwrap();
    let text = text.replace(
        &format!("('127.0.0.1', {})", actual.port()),
        &format!("('127.0.0.1', {shown_port})"),
    );
    mask_ports(&show_port_as(&text, actual, shown), &[shown])
}

/// The book's QQ chat, typed through pipes: the client picks 金老板 and asks
/// 在吗?, the server answers 在, the client ends with q.
#[test]
fn the_books_qq_session_is_what_the_programs_print() {
    let mut server =
        ServerProcess::start_as_in_a_terminal(udp_demo(), &["qq-server", "--addr", "127.0.0.1:0"]);
    server.type_text("在\n");
    let addr = server.addr;
    let client = run(
        udp_demo(),
        &["qq-client", "--addr", &addr.to_string()],
        "金老板\n在吗?\nq\n".as_bytes(),
    );
    assert!(client.status.success(), "{}", stderr_text(&client));
    assert_eq!(
        stderr_text(&client),
        "",
        "the client's terminal shows stdout only"
    );
    // The server printed the message before it read the reply the client got;
    // then it waits for the next datagram until Ctrl-C.
    let printed = format!("{}\n", interrupt(server).join("\n"));
    let shown = &qq::DEFAULT_ADDR.to_string();
    check_session_output(
        "ch04-udp-qq-server.session.txt",
        &terminal(
            "printf '在\\n' | cargo run -q -p udp-demo -- qq-server",
            &printed,
            addr,
            shown,
        ),
    );
    check_session_output(
        "ch04-udp-qq-client.session.txt",
        &terminal(
            "printf '金老板\\n在吗?\\nq\\n' | cargo run -q -p udp-demo -- qq-client",
            &stdout_text(&client),
            addr,
            shown,
        ),
    );
}
