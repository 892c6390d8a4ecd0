//! Chapter 5 (五.黏包): the remote-command server and client with the raw
//! protocol (the sticky effects) and the two fixes, the Python twins of the
//! prefix protocol, and hostile input.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::mpsc;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, peer_available, run, stderr_text, stdout_text, workspace_bin,
};

fn python(name: &str) -> String {
    format!("{}/tests/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn cmd_server(protocol: &str) -> ServerProcess {
    ServerProcess::start(
        workspace_bin("framing"),
        &[
            "cmd-server",
            "--addr",
            "127.0.0.1:0",
            "--protocol",
            protocol,
        ],
    )
}

/// Runs `framing cmd-client --json` with `commands` on stdin and returns the
/// replies it took for each command.
fn cmd_client(addr: SocketAddr, protocol: &str, commands: &str) -> Vec<String> {
    let output = run(
        workspace_bin("framing"),
        &[
            "cmd-client",
            "--addr",
            &addr.to_string(),
            "--protocol",
            protocol,
            "--json",
        ],
        commands.as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    doc["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reply"].as_str().unwrap().to_string())
        .collect()
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TEST_TIMEOUT).unwrap();
    stream.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut wire = (payload.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(payload);
    wire
}

fn read_frame(stream: &mut TcpStream) -> Vec<u8> {
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).unwrap();
    let mut payload = vec![0u8; u32::from_be_bytes(header) as usize];
    stream.read_exact(&mut payload).unwrap();
    payload
}

/// `seq 1 2000` prints 8893 bytes: far more than one recv(1024).
const LONG: &str = "seq 1 2000";
const LONG_LEN: usize = 8893;

#[test]
fn raw_protocol_long_answer_leaks_into_the_next_one() {
    let server = cmd_server("raw");
    let replies = cmd_client(server.addr, "raw", &format!("{LONG}\necho hi\n"));
    assert!(replies[0].len() <= 1024, "one recv(1024) at most");
    assert!(replies[0].starts_with("1\n2\n3\n"));
    // The second reply starts where the first stopped, inside seq's output.
    assert_ne!(replies[1], "hi\n");
    assert!(
        replies[1].starts_with(|c: char| c.is_ascii_digit() || c == '\n'),
        "{:?}",
        replies[1]
    );
}

#[test]
fn raw_protocol_two_quick_commands_merge_into_one() {
    // The server is kept busy by a first command that waits on a named pipe;
    // meanwhile two small commands are sent. Only then is the pipe released, so
    // the server's next recv(1024) finds both commands in its buffer. (Sending
    // all three at once would not do: they could merge into the first recv.)
    let dir = std::env::temp_dir().join(format!("netlab-ch05-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("gate");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let server = cmd_server("raw");
    let mut conn = connect(server.addr);
    conn.write_all(format!("cat {}", fifo.display()).as_bytes())
        .unwrap();
    // Opening a FIFO for writing waits for its reader: once the open returns,
    // the server is running `cat` and not reading its socket. The open runs in a
    // thread, under the test timeout.
    let (opened_tx, opened) = mpsc::channel();
    let gate = fifo.clone();
    std::thread::spawn(move || {
        let _ = opened_tx.send(std::fs::OpenOptions::new().write(true).open(&gate));
    });
    let mut gate = opened.recv_timeout(TEST_TIMEOUT).unwrap().unwrap();
    conn.write_all(b"echo a").unwrap();
    conn.write_all(b"echo b").unwrap();
    gate.write_all(b"go\n").unwrap();
    drop(gate);
    let mut first = [0u8; 3];
    conn.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"go\n");
    let mut second = [0u8; 1024];
    let n = conn.read(&mut second).unwrap();
    // Two sends became one command: `echo aecho b`.
    assert_eq!(&second[..n], b"aecho b\n");
    server.expect_line("ran b'echo aecho b'");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn ack_and_prefix_protocols_give_whole_answers() {
    for protocol in ["ack", "prefix"] {
        let server = cmd_server(protocol);
        let replies = cmd_client(server.addr, protocol, &format!("{LONG}\necho hi\n"));
        assert_eq!(replies[0].len(), LONG_LEN, "{protocol}");
        assert_eq!(replies[1], "hi\n", "{protocol}");
    }
}

#[test]
fn output_that_is_not_utf8_is_shown_with_replacement_characters() {
    let server = cmd_server("prefix");
    let replies = cmd_client(server.addr, "prefix", "printf '\\377abc'\n");
    assert_eq!(replies[0], "\u{fffd}abc");
}

#[test]
fn stderr_comes_before_stdout_in_one_answer() {
    let server = cmd_server("prefix");
    let replies = cmd_client(server.addr, "prefix", "echo out; echo err >&2\n");
    assert_eq!(replies[0], "err\nout\n");
}

/// Chapter 5's server has no gate: whoever connects runs commands, so it
/// listens on loopback only (chapter 7's `auth cmd-server` asks for a secret).
#[test]
fn a_non_loopback_address_without_a_secret_is_refused() {
    let output = run(
        workspace_bin("framing"),
        &["cmd-server", "--addr", "0.0.0.0:0"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("0.0.0.0:0") && stderr.contains("secret"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "it must not even listen");
}

#[test]
fn hostile_frames_cost_nothing_and_the_server_keeps_serving() {
    let server = cmd_server("prefix");
    // A 4 GiB length: refused at once, connection closed.
    let mut huge = connect(server.addr);
    huge.write_all(&[0xff, 0xff, 0xff, 0xff]).unwrap();
    let mut rest = Vec::new();
    let _ = huge.read_to_end(&mut rest);
    assert!(rest.is_empty());
    // A frame cut off mid-way, then the client leaves.
    let mut cut = connect(server.addr);
    cut.write_all(&[0, 0, 0, 100, b'e', b'c']).unwrap();
    drop(cut);
    // Half a header.
    let mut half = connect(server.addr);
    half.write_all(&[0, 0]).unwrap();
    drop(half);
    // Meanwhile a normal client is served.
    let mut good = connect(server.addr);
    good.write_all(&frame(b"echo fine")).unwrap();
    assert_eq!(read_frame(&mut good), b"fine\n");
}

#[test]
fn python_prefix_client_talks_to_the_rust_server() {
    if !peer_available("python3") {
        return;
    }
    let server = cmd_server("prefix");
    let output = run(
        "python3",
        &[&python("prefix_cmd_client.py"), &server.addr.to_string()],
        format!("{LONG}\necho hi\n").as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let stdout = stdout_text(&output);
    assert!(
        stdout.starts_with(&format!("[{LONG_LEN} bytes]\n1\n2\n")),
        "{stdout}"
    );
    assert!(stdout.ends_with("2000\n[3 bytes]\nhi\n"), "{stdout}");
}

#[test]
fn rust_prefix_client_talks_to_the_python_server() {
    if !peer_available("python3") {
        return;
    }
    let server = ServerProcess::start("python3", &[&python("prefix_cmd_server.py"), "127.0.0.1:0"]);
    let replies = cmd_client(server.addr, "prefix", &format!("{LONG}\necho hi\n"));
    assert_eq!(replies[0].len(), LONG_LEN);
    assert_eq!(replies[1], "hi\n");
}

#[test]
fn sticky_demo_is_deterministic() {
    let first = run(workspace_bin("framing"), &["sticky-demo"], b"");
    let second = run(workspace_bin("framing"), &["sticky-demo"], b"");
    assert!(first.status.success(), "{}", stderr_text(&first));
    assert_eq!(first.stdout, second.stdout);
    let text = stdout_text(&first);
    assert!(text.contains("b'helloworld' (10 bytes)"), "{text}");
}

#[test]
fn python_raw_client_sees_the_same_leak_with_the_rust_server() {
    if !peer_available("python3") {
        return;
    }
    let server = cmd_server("raw");
    let output = run(
        "python3",
        &[&python("cmd_client.py"), &server.addr.to_string()],
        format!("{LONG}\necho hi\n").as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let stdout = stdout_text(&output);
    // Two answers of at most 1024 bytes each, the second one still seq's output.
    let answers: Vec<&str> = stdout.split("bytes]\n").skip(1).collect();
    assert_eq!(answers.len(), 2, "{stdout}");
    assert!(
        answers[1].starts_with(|c: char| c.is_ascii_digit()),
        "{stdout}"
    );
    assert!(!answers[1].starts_with("hi"), "{stdout}");
}

#[test]
fn rust_raw_client_sees_the_same_leak_with_the_python_server() {
    if !peer_available("python3") {
        return;
    }
    let server = ServerProcess::start("python3", &[&python("cmd_server.py"), "127.0.0.1:0"]);
    let replies = cmd_client(server.addr, "raw", &format!("{LONG}\necho hi\n"));
    assert!(replies[0].len() <= 1024);
    assert_ne!(replies[1], "hi\n");
}

#[test]
fn ack_protocol_twins_talk_both_ways() {
    if !peer_available("python3") {
        return;
    }
    let python_server =
        ServerProcess::start("python3", &[&python("cmd_ack_server.py"), "127.0.0.1:0"]);
    let replies = cmd_client(python_server.addr, "ack", &format!("{LONG}\necho hi\n"));
    assert_eq!(replies[0].len(), LONG_LEN);
    assert_eq!(replies[1], "hi\n");

    let rust_server = cmd_server("ack");
    let output = run(
        "python3",
        &[&python("cmd_ack_client.py"), &rust_server.addr.to_string()],
        format!("{LONG}\necho hi\n").as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let stdout = stdout_text(&output);
    assert!(
        stdout.starts_with(&format!("[{LONG_LEN} bytes]\n1\n")),
        "{stdout}"
    );
    assert!(stdout.ends_with("2000\n[3 bytes]\nhi\n"), "{stdout}");
}

#[test]
fn a_zero_timeout_is_a_usage_error_naming_the_value() {
    for args in [
        &["cmd-client", "--timeout", "0s"][..],
        &["send", "--timeout", "0", "file"][..],
        &["receive", "--dir", ".", "--timeout", "0ms"][..],
    ] {
        let output = run(workspace_bin("framing"), args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = stderr_text(&output);
        assert!(stderr.contains("at least 1ms"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing may listen");
    }
}

/// A connection from loopback address 127.0.0.`n` (Linux answers on all of
/// 127.0.0.0/8): each plays a different host.
fn connect_from(n: u8, addr: SocketAddr) -> TcpStream {
    let stream = netlab_testkit::connect_from(n, addr);
    stream.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    stream
}

/// A connection the server closed: the next read is the end of the stream
/// (or a reset), not a timeout.
fn assert_closed_by_the_server(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "unexpected bytes {rest:?}"),
        Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset, "{error}"),
    }
}

#[test]
fn one_address_gets_only_its_share_of_the_command_server() {
    // Seen from its log (stderr joined to stdout, as in a terminal).
    let server = ServerProcess::start_as_in_a_terminal(
        workspace_bin("framing"),
        &[
            "cmd-server",
            "--addr",
            "127.0.0.1:0",
            "--protocol",
            "prefix",
        ],
    );
    // 127.0.0.2 holds its share (a quarter of 16), each connection served.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut conn = connect_from(2, server.addr);
        conn.write_all(&frame(b"echo mine")).unwrap();
        assert_eq!(read_frame(&mut conn), b"mine\n");
        held.push(conn);
    }
    // A fifth from the same host is refused at once, and the log says why.
    let mut fifth = connect_from(2, server.addr);
    assert_closed_by_the_server(&mut fifth);
    server.expect_line("127.0.0.2 already holds 4");
    // Another host is served as before.
    let mut other = connect_from(3, server.addr);
    other.write_all(&frame(b"echo theirs")).unwrap();
    assert_eq!(read_frame(&mut other), b"theirs\n");
}

#[test]
fn a_client_that_trickles_its_first_command_is_closed_at_the_deadline() {
    let server = ServerProcess::start_as_in_a_terminal(
        workspace_bin("framing"),
        &[
            "cmd-server",
            "--addr",
            "127.0.0.1:0",
            "--protocol",
            "prefix",
            "--first-command-timeout",
            "300ms",
        ],
    );
    // One byte of the command every 100 ms: each read waits far less than
    // 300 ms, so per-read timeouts would never fire; the deadline for the
    // whole first command does. (The pace is the attack, not a wait.)
    let mut trickler = connect_from(2, server.addr);
    let mut sender = trickler.try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        for byte in frame(b"echo too slow") {
            if sender.write_all(&[byte]).is_err() {
                break; // closed by the server
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    });
    assert_closed_by_the_server(&mut trickler);
    trickle.join().unwrap();
    server.expect_line("no command within 300ms; closed (--first-command-timeout)");
    // A silent connection meets the same deadline.
    let mut silent = connect_from(3, server.addr);
    assert_closed_by_the_server(&mut silent);
    // A client that sends its command in time is served.
    let mut prompt = connect_from(4, server.addr);
    prompt.write_all(&frame(b"echo in time")).unwrap();
    assert_eq!(read_frame(&mut prompt), b"in time\n");
}

#[test]
fn the_raw_server_also_waits_only_so_long_for_a_first_command() {
    let server = ServerProcess::start_as_in_a_terminal(
        workspace_bin("framing"),
        &[
            "cmd-server",
            "--addr",
            "127.0.0.1:0",
            "--first-command-timeout",
            "300ms",
        ],
    );
    let mut silent = connect_from(2, server.addr);
    assert_closed_by_the_server(&mut silent);
    server.expect_line("no command within 300ms");
}

#[test]
fn the_client_explains_a_server_that_closed_without_answering() {
    for protocol in ["raw", "ack", "prefix"] {
        // A server that accepts and closes at once, as the lab's does past its
        // first-command deadline or when it is full.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let closer = std::thread::spawn(move || {
            let (conn, _) = listener.accept().unwrap();
            drop(conn);
        });
        let output = run(
            workspace_bin("framing"),
            &[
                "cmd-client",
                "--addr",
                &addr.to_string(),
                "--protocol",
                protocol,
            ],
            b"echo hi\n",
        );
        closer.join().unwrap();
        assert_eq!(output.status.code(), Some(1), "{protocol}");
        let stderr = stderr_text(&output);
        assert!(
            stderr.contains("closed the connection without answering")
                && stderr.contains("--first-command-timeout"),
            "{protocol}: {stderr}"
        );
    }
}
