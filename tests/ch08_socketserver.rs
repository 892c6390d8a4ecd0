//! Chapter 8 (八.socketserver模块): the tutorial's socketserver echo in Rust,
//! threaded and async, against the tutorial's Python client and a crowd of 64
//! clients connecting at the same moment.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, connect_from, peer_available, run, stdout_text, workspace_bin,
};

const PYTHON_CLIENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/python/socketserver_client.py"
);

fn start(kind: &str) -> ServerProcess {
    ServerProcess::start(workspace_bin("chat"), &[kind, "--addr", "127.0.0.1:0"])
}

/// Sends `text` and reads back exactly as many bytes.
fn echo_once(addr: SocketAddr, text: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect_timeout(&addr, TEST_TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    stream.write_all(text.as_bytes()).unwrap();
    let mut reply = vec![0u8; text.len()];
    stream.read_exact(&mut reply).expect("the upper-cased echo");
    reply
}

#[test]
fn threaded_echo_upper_cases_like_python_bytes_upper() {
    let server = start("threaded-echo");
    assert_eq!(echo_once(server.addr, "hello, World!"), b"HELLO, WORLD!");
    // Only ASCII letters change: bytes.upper() does not know UTF-8.
    assert_eq!(
        echo_once(server.addr, "straße 你好 ok"),
        "STRAßE 你好 OK".as_bytes()
    );
}

#[test]
fn the_tutorial_python_client_talks_to_threaded_echo() {
    if !peer_available("python3") {
        return;
    }
    let server = start("threaded-echo");
    let output = run(
        "python3",
        &[PYTHON_CLIENT, &server.addr.to_string()],
        "hello\n你好 abc\nq\n".as_bytes(),
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = stdout_text(&output);
    assert!(stdout.contains("HELLO"), "{stdout}");
    assert!(stdout.contains("你好 ABC"), "{stdout}");
}

/// 64 clients connect at the same moment (a barrier releases them together), and
/// every one of them is served.
fn sixty_four_clients_at_once(addr: SocketAddr) {
    const CLIENTS: usize = 64;
    let start_line = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let start_line = Arc::clone(&start_line);
            thread::spawn(move || {
                start_line.wait();
                echo_once(addr, &format!("client number {i}"))
            })
        })
        .collect();
    for (i, client) in clients.into_iter().enumerate() {
        let reply = client.join().expect("client thread");
        assert_eq!(reply, format!("CLIENT NUMBER {i}").into_bytes());
    }
}

#[test]
fn threaded_echo_serves_64_simultaneous_clients() {
    let server = start("threaded-echo");
    sixty_four_clients_at_once(server.addr);
}

#[test]
fn async_echo_serves_64_simultaneous_clients() {
    let server = start("async-echo");
    sixty_four_clients_at_once(server.addr);
}

#[test]
fn bad_address_is_a_usage_error() {
    let output = run(
        workspace_bin("chat"),
        &["threaded-echo", "--addr", "nowhere"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
}

/// Runs `chat echo-bench --json` against `addr` and returns the parsed report.
fn echo_bench(addr: SocketAddr, clients: &str) -> serde_json::Value {
    let output = run(
        workspace_bin("chat"),
        &[
            "echo-bench",
            "--addr",
            &addr.to_string(),
            "--clients",
            clients,
            "--messages",
            "50",
            "--json",
        ],
        b"",
    );
    assert!(output.status.success(), "{output:?}");
    serde_json::from_str(&stdout_text(&output)).expect("one JSON document on stdout")
}

#[test]
fn echo_bench_reports_json_against_threaded_echo() {
    let server = start("threaded-echo");
    let report = echo_bench(server.addr, "8");
    assert_eq!(report["clients"], 8);
    assert_eq!(report["round_trips"], 400);
    assert_eq!(report["failed_clients"], 0);
    for key in [
        "round_trips_per_sec",
        "connect_max_ms",
        "p50_ms",
        "p99_ms",
        "max_ms",
    ] {
        assert!(report[key].is_number(), "{key} missing in {report}");
    }
}

#[test]
fn our_echo_bench_talks_to_the_tutorial_python_server() {
    if !peer_available("python3") {
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/socketserver_server.py"
    );
    let server = ServerProcess::start("python3", &[script, "127.0.0.1:0"]);
    // Two clients: within Python's backlog of 5, so nobody waits for a SYN
    // retransmission.
    let report = echo_bench(server.addr, "2");
    assert_eq!(report["round_trips"], 100);
    assert_eq!(report["failed_clients"], 0);
}

/// Both echo servers let one address hold only its share of the connections;
/// another address is served meanwhile.
#[test]
fn one_address_gets_only_its_share_of_an_echo_server() {
    for kind in ["threaded-echo", "async-echo"] {
        let server = ServerProcess::start(
            workspace_bin("chat"),
            &[kind, "--addr", "127.0.0.1:0", "--max-per-address", "2"],
        );
        let mut held: Vec<TcpStream> = (0..2).map(|_| connect_from(2, server.addr)).collect();
        for conn in &mut held {
            conn.write_all(b"hi").unwrap();
            let mut reply = [0u8; 2];
            conn.read_exact(&mut reply).unwrap();
            assert_eq!(&reply, b"HI", "{kind}");
        }
        let mut third = connect_from(2, server.addr);
        let mut byte = [0u8; 1];
        assert!(
            matches!(third.read(&mut byte), Ok(0) | Err(_)),
            "{kind}: a third connection from 127.0.0.2 was served"
        );
        let mut other = connect_from(3, server.addr);
        other.write_all(b"ok").unwrap();
        let mut reply = [0u8; 2];
        other.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"OK", "{kind}");
    }
}

/// A connection that says nothing holds a waiting slot only until the first
/// message's deadline, on both echo servers; a client that speaks is served.
#[test]
fn a_silent_echo_client_is_closed_at_the_first_message_deadline() {
    for kind in ["threaded-echo", "async-echo"] {
        let server = ServerProcess::start_as_in_a_terminal(
            workspace_bin("chat"),
            &[
                kind,
                "--addr",
                "127.0.0.1:0",
                "--first-message-timeout",
                "300ms",
            ],
        );
        let mut silent = connect_from(2, server.addr);
        silent.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        // Closed by the server: the end of the stream (or a reset), not our
        // read timeout.
        let mut rest = Vec::new();
        let read = silent.read_to_end(&mut rest);
        assert!(
            matches!(&read, Ok(0))
                || matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset),
            "{kind}: {read:?} {rest:?}"
        );
        server.expect_line("nothing received within 300ms; closed (--first-message-timeout)");
        let mut prompt = connect_from(3, server.addr);
        prompt.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        prompt.write_all(b"quick").unwrap();
        let mut reply = [0u8; 5];
        prompt.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"QUICK", "{kind}");
    }
}

/// When a client fails, echo-bench still prints its figures, then exits 1.
#[test]
fn echo_bench_exits_1_when_a_client_failed() {
    // One address may hold one connection, and this test holds it (served:
    // its echo came back), so both of the bench's clients from the same
    // address are refused. (Letting two bench clients race for the one slot
    // was flaky: the first could finish before the second was even accepted.)
    let server = ServerProcess::start(
        workspace_bin("chat"),
        &[
            "threaded-echo",
            "--addr",
            "127.0.0.1:0",
            "--max-per-address",
            "1",
        ],
    );
    let mut holder = TcpStream::connect(server.addr).unwrap();
    holder.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    holder.write_all(b"hold").unwrap();
    let mut echo = [0u8; 4];
    holder.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"HOLD");
    let output = run(
        workspace_bin("chat"),
        &[
            "echo-bench",
            "--addr",
            &server.addr.to_string(),
            "--clients",
            "2",
            "--messages",
            "3",
            "--timeout",
            "5s",
            "--json",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout_text(&output)).unwrap();
    assert_eq!(report["failed_clients"], 2, "{report}");
    drop(holder);
}
