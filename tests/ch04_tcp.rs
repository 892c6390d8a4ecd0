//! Chapter 4 (四.套接字初使用), TCP: `tcp-demo server`/`client`, `reuse-demo` and
//! `--no-reuse-addr`, end to end on loopback, and against the tutorial's Python
//! programs in both directions (tests/python/tcp_*.py).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, check_session_output, mask_ports, peer_available, run,
    show_port_as, stderr_text, stdout_text, tutorial_python, workspace_bin,
};
use tcp_demo::first;

fn tcp_demo() -> PathBuf {
    workspace_bin("tcp-demo")
}

/// One of the tutorial's Python programs (tests/python/), as an argument.
fn python_program(name: &str) -> String {
    tutorial_python(name).to_string_lossy().into_owned()
}

/// Starts one of the tutorial's Python servers on 127.0.0.1:0.
fn python_server(name: &str) -> ServerProcess {
    ServerProcess::start("python3", &["-u", &python_program(name), "127.0.0.1:0"])
}

fn rust_server(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["server", "--addr", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    ServerProcess::start(tcp_demo(), &args)
}

#[test]
fn rust_client_and_rust_server_exchange_hello_and_hi() {
    let server = rust_server(&[]);
    let addr = server.addr.to_string();
    let output = run(tcp_demo(), &["client", "--addr", &addr], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), "b'hi'\n");
    server.expect_line("b'hello!'");
    assert_eq!(server.wait_exit(), Some(0));
}

/// The two terminals the book shows (docs/src/output/ch04-tcp-terminal-*.session.txt).
#[test]
fn the_books_two_terminal_session_is_what_the_programs_print() {
    let server = rust_server(&[]);
    let addr = server.addr;
    let client = run(tcp_demo(), &["client", "--addr", &addr.to_string()], b"");
    assert!(client.status.success(), "{}", stderr_text(&client));
    let (code, printed) = server.wait_output();
    assert_eq!(code, Some(0));
    let shown = &first::DEFAULT_ADDR.to_string();
    let terminal_1 = format!(
        "$ cargo run -q -p tcp-demo -- server\n{}\n",
        printed.join("\n")
    );
    let terminal_1 = mask_ports(&show_port_as(&terminal_1, addr, shown), &[shown]);
    check_session_output("ch04-tcp-terminal-1.session.txt", &terminal_1);
    let terminal_2 = format!(
        "$ cargo run -q -p tcp-demo -- client\n{}",
        stdout_text(&client)
    );
    check_session_output("ch04-tcp-terminal-2.session.txt", &terminal_2);
}

#[test]
fn python_client_talks_to_rust_server() {
    if !peer_available("python3") {
        return;
    }
    let server = rust_server(&[]);
    let addr = server.addr.to_string();
    let output = run("python3", &[&python_program("tcp_client.py"), &addr], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), "b'hi'\n");
    assert_eq!(server.expect_line("b'"), "b'hello!'");
}

#[test]
fn rust_client_talks_to_python_server() {
    if !peer_available("python3") {
        return;
    }
    let server = python_server("tcp_server.py");
    let addr = server.addr.to_string();
    let output = run(tcp_demo(), &["client", "--addr", &addr], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), "b'hi'\n");
    assert_eq!(server.expect_line("b'"), "b'hello!'");
}

#[test]
fn classroom_variant_both_ways_with_python() {
    if !peer_available("python3") {
        return;
    }
    // Our server greets first; the tutorial's classroom client answers.
    let server = rust_server(&["--greet-first"]);
    let addr = server.addr.to_string();
    let output = run(
        "python3",
        &[&python_program("tcp_classroom_client.py"), &addr],
        b"",
    );
    assert_eq!(
        stdout_text(&output),
        "b'hello'\n",
        "{}",
        stderr_text(&output)
    );
    assert_eq!(server.expect_line("b'"), "b'byebye!'");

    // The tutorial's classroom server greets first; our client answers.
    let server = python_server("tcp_classroom_server.py");
    let addr = server.addr.to_string();
    let output = run(
        tcp_demo(),
        &["client", "--greet-first", "--addr", &addr],
        b"",
    );
    assert_eq!(
        stdout_text(&output),
        "b'hello'\n",
        "{}",
        stderr_text(&output)
    );
    assert_eq!(server.expect_line("b'byebye"), "b'byebye!'");
}

/// Plays the first client by hand and waits for the server's end of stream
/// before closing: then the server has certainly closed first, and its end of the
/// connection (not the client's) goes through TIME_WAIT. (`tcp-demo client` reads
/// once and exits; on a busy machine its close could overtake the server's.)
fn serve_one_client_server_closing_first(server: ServerProcess) {
    let mut conn = TcpStream::connect(server.addr).unwrap();
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    conn.write_all(b"hello!").unwrap();
    let mut reply = Vec::new();
    conn.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"hi");
    server.expect_line("b'hello!'");
    assert_eq!(server.wait_exit(), Some(0));
}

fn explains_address_in_use(output: &std::process::Output) {
    assert_eq!(output.status.code(), Some(1), "{}", stderr_text(output));
    let stderr = stderr_text(output);
    assert!(stderr.contains("Address already in use"), "{stderr}");
    assert!(stderr.contains("see chapter 4: SO_REUSEADDR"), "{stderr}");
    assert_eq!(
        stderr.lines().count(),
        2,
        "one error line, one explanation: {stderr}"
    );
}

#[test]
fn restart_without_reuse_addr_fails_with_the_explained_error() {
    // The tutorial's problem as a student meets it: no SO_REUSEADDR, one client,
    // restart at once.
    let server = rust_server(&["--no-reuse-addr"]);
    let addr = server.addr.to_string();
    serve_one_client_server_closing_first(server);
    let again = run(
        tcp_demo(),
        &["server", "--no-reuse-addr", "--addr", &addr],
        b"",
    );
    explains_address_in_use(&again);
}

#[test]
fn by_default_the_server_sets_so_reuseaddr_and_restarts_fine() {
    let server = rust_server(&[]);
    let addr = server.addr.to_string();
    serve_one_client_server_closing_first(server);
    // The old connection is in TIME_WAIT: without the option the port is refused...
    let again = run(
        tcp_demo(),
        &["server", "--no-reuse-addr", "--addr", &addr],
        b"",
    );
    explains_address_in_use(&again);
    // ...with SO_REUSEADDR (the default, as the tutorial recommends) it binds.
    let restarted = ServerProcess::start(tcp_demo(), &["server", "--addr", &addr]);
    assert_eq!(restarted.addr.to_string(), addr);
}

#[test]
fn reuse_demo_shows_both_outcomes() {
    let output = run(tcp_demo(), &["reuse-demo"], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    assert!(
        text.contains("SO_REUSEADDR=0: Address already in use"),
        "{text}"
    );
    assert!(text.contains("SO_REUSEADDR=1: bound fine"), "{text}");
    assert_eq!(text, stdout_text(&run(tcp_demo(), &["reuse-demo"], b"")));
}

#[test]
fn a_silent_client_does_not_block_the_next_one() {
    let server = rust_server(&["--forever", "--timeout", "300ms"]);
    let _silent = TcpStream::connect(server.addr).unwrap();
    // The server gives up on the silent client after 300ms and serves us.
    let addr = server.addr.to_string();
    let output = run(tcp_demo(), &["client", "--addr", &addr], b"");
    assert_eq!(stdout_text(&output), "b'hi'\n", "{}", stderr_text(&output));
    assert_eq!(server.expect_line("b'"), "b'hello!'");
}

/// The server's exchange is a single recv: a client that trickles its message
/// cannot hold the server longer than its first bytes take. They are the whole
/// message, the server answers, and the next client is served.
#[test]
fn a_trickling_client_cannot_stretch_its_turn() {
    let server = rust_server(&["--forever"]);
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    slow.write_all(b"h").unwrap();
    // The rest ("ello!") would follow a byte at a time; the server is done already.
    let mut reply = Vec::new();
    slow.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"hi");
    assert_eq!(server.expect_line("b'"), "b'h'");
    let addr = server.addr.to_string();
    let output = run(tcp_demo(), &["client", "--addr", &addr], b"");
    assert_eq!(stdout_text(&output), "b'hi'\n", "{}", stderr_text(&output));
}

#[test]
fn invalid_utf8_and_vanishing_clients_are_survived() {
    let server = rust_server(&["--forever"]);
    // Bytes that are not UTF-8 are printed the way Python prints them.
    let mut raw = TcpStream::connect(server.addr).unwrap();
    raw.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    raw.write_all(b"\xff\xfe").unwrap();
    let mut reply = Vec::new();
    raw.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"hi");
    assert_eq!(server.expect_line("b'"), r"b'\xff\xfe'");
    // A client that connects and closes at once: Python prints b'' too.
    drop(TcpStream::connect(server.addr).unwrap());
    assert_eq!(server.expect_line("b'"), "b''");
    // And the server still serves the next one.
    let addr = server.addr.to_string();
    let output = run(tcp_demo(), &["client", "--addr", &addr], b"");
    assert_eq!(stdout_text(&output), "b'hi'\n");
}

/// Control characters from a peer never reach the terminal raw: the server and
/// the client print what they receive as Python's repr does (b'\x1b...').
#[test]
fn control_characters_from_a_peer_are_printed_as_python_escapes() {
    let hostile = b"\x1b]0;pwned\x07\r\nforged\x1b[2J";
    let shown = r"b'\x1b]0;pwned\x07\r\nforged\x1b[2J'";
    let server = rust_server(&[]);
    let mut conn = TcpStream::connect(server.addr).unwrap();
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    conn.write_all(hostile).unwrap();
    let mut reply = Vec::new();
    conn.read_to_end(&mut reply).unwrap();
    assert_eq!(server.expect_line("b'"), shown);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let peer = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        let mut buf = [0u8; 1024];
        let _ = conn.read(&mut buf).unwrap();
        conn.write_all(hostile).unwrap();
    });
    let output = run(tcp_demo(), &["client", "--addr", &addr], b"");
    peer.join().unwrap();
    assert_eq!(stdout_text(&output), format!("{shown}\n"));
}

fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[test]
fn client_explains_a_refused_connection() {
    let addr = closed_port().to_string();
    let output = run(tcp_demo(), &["client", "--addr", &addr], b"");
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_text(&output);
    assert!(stderr.contains("nothing is listening"), "{stderr}");
}

#[test]
fn client_times_out_when_the_server_says_nothing() {
    // A listener that accepts (the kernel does) but never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let output = run(
        tcp_demo(),
        &["client", "--addr", &addr, "--timeout", "200ms"],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_text(&output).contains("no answer from"),
        "{}",
        stderr_text(&output)
    );
}

#[test]
fn bad_command_line_values_exit_2_naming_the_value() {
    for (args, needle) in [
        (vec!["client", "--addr", "localhost"], "localhost"),
        (
            vec!["server", "--addr", "127.0.0.1:99999"],
            "127.0.0.1:99999",
        ),
        (vec!["client", "--timeout", "soon"], "soon"),
        // send(b'') sends nothing: the server would wait for bytes that never come.
        (vec!["client", "--message", ""], "--message is empty"),
    ] {
        let output = run(tcp_demo(), &args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = stderr_text(&output);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn a_port_in_use_is_explained() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    for subcommand in ["server", "chat-server", "http"] {
        let output = run(tcp_demo(), &[subcommand, "--addr", &addr], b"");
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
fn demo_subcommand_is_deterministic() {
    let first = stdout_text(&run(tcp_demo(), &["demo"], b""));
    assert!(
        first.contains("[client] ← server: b'hi' (2 bytes)"),
        "{first}"
    );
    assert_eq!(first, stdout_text(&run(tcp_demo(), &["demo"], b"")));
}

#[test]
fn an_address_that_is_not_this_machines_is_explained() {
    // TEST-NET-3 (RFC 5737): documentation only, never a real machine's address.
    // Binding sends nothing anywhere; it fails at once.
    let nonlocal_bind = std::fs::read_to_string("/proc/sys/net/ipv4/ip_nonlocal_bind");
    if nonlocal_bind.is_ok_and(|v| v.trim() != "0") {
        eprintln!("note: this machine lets programs bind any address; skipping");
        return;
    }
    for subcommand in ["server", "chat-server", "http"] {
        let output = run(tcp_demo(), &[subcommand, "--addr", "203.0.113.7:8898"], b"");
        assert_eq!(output.status.code(), Some(1), "{subcommand}");
        let stderr = stderr_text(&output);
        assert!(
            stderr.contains("203.0.113.7 is not an address of this machine"),
            "{subcommand}: {stderr}"
        );
    }
}

/// The book's "Address already in use": a second server on the address a first
/// one still listens on (the error a restart during TIME_WAIT gives too).
#[test]
fn the_books_address_in_use_error_is_what_a_second_server_prints() {
    let first_server = rust_server(&[]);
    let addr = first_server.addr;
    let second = run(tcp_demo(), &["server", "--addr", &addr.to_string()], b"");
    assert_eq!(second.status.code(), Some(1), "{}", stderr_text(&second));
    // A terminal shows both streams; stdout is empty, as the server never listened.
    let terminal = format!(
        "$ cargo run -q -p tcp-demo -- server\n{}{}",
        stdout_text(&second),
        stderr_text(&second)
    );
    let shown = &first::DEFAULT_ADDR.to_string();
    check_session_output(
        "ch04-tcp-addr-in-use.session.txt",
        &show_port_as(&terminal, addr, shown),
    );
    drop(first_server);
}

/// `socket-params`: one line per case of socket.socket(family, type, proto,
/// fileno), the same on every run and for every user (the book shows it); which
/// raw-socket outcome happened here is a note on stderr.
#[test]
fn socket_params_tries_every_case_and_prints_the_same_every_run() {
    let output = run(tcp_demo(), &["socket-params"], b"");
    assert!(output.status.success(), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    assert_eq!(text, stdout_text(&run(tcp_demo(), &["socket-params"], b"")));
    for needle in [
        "socket.socket()",
        "AF_INET6, SOCK_STREAM, IPPROTO_TCP",
        "AF_UNIX, SOCK_DGRAM, 0",
        "refused: Protocol not supported",
        "needs root or CAP_NET_RAW",
        "the same socket, not a duplicate",
        "a new descriptor number for the same socket",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let note = stderr_text(&output);
    assert!(
        note.contains("SOCK_RAW") && note.contains("this run:"),
        "{note}"
    );

    let json = run(tcp_demo(), &["socket-params", "--json"], b"");
    assert!(json.status.success(), "{}", stderr_text(&json));
    let document: serde_json::Value = serde_json::from_str(&stdout_text(&json)).unwrap();
    let cases = document["cases"].as_array().unwrap();
    assert_eq!(
        cases.len() + 1,
        text.lines().count(),
        "a title, then one line per case"
    );
    assert!(cases.iter().any(|case| case["this_run"].is_string()));
}
