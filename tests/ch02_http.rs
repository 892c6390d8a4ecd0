//! Chapter 2 (二.客户端/服务端架构, B/S): `tcp-demo http` answers a plain HTTP
//! client and a real headless browser (Debian's chromium, installed by
//! .ci/setup.d/20-chromium.sh), and prints the raw request each one sent.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, check_session_output, connect_from, mask_ports, peer_available,
    run, run_with_timeout, show_port_as, stderr_text, stdout_text, workspace_bin,
};
use tcp_demo::http;

/// The first line of the page (tcp_demo::http::PAGE_GREETING).
const GREETING: &str = "你好, browser! You are the client of a netlab TCP server.";

/// A browser's first start on a slow CI machine can take a while.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

fn tcp_demo() -> PathBuf {
    workspace_bin("tcp-demo")
}

fn http_server() -> ServerProcess {
    ServerProcess::start(tcp_demo(), &["http", "--addr", "127.0.0.1:0"])
}

/// Sends `request` and reads the whole response (the server closes after it).
fn exchange(server: &ServerProcess, request: &[u8]) -> String {
    let mut conn = TcpStream::connect(server.addr).unwrap();
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    conn.write_all(request).unwrap();
    let mut reply = Vec::new();
    conn.read_to_end(&mut reply).unwrap();
    String::from_utf8(reply).unwrap()
}

#[test]
fn a_plain_http_client_gets_the_page_and_the_server_prints_its_request() {
    let server = http_server();
    let reply = exchange(
        &server,
        b"GET / HTTP/1.1\r\nHost: test\r\nUser-Agent: plain-test-client\r\n\r\n",
    );
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.contains("Content-Type: text/html; charset=utf-8\r\n"));
    assert!(reply.contains(GREETING));
    assert!(reply.contains("User-Agent: plain-test-client"));
    server.expect_line("── request from 127.0.0.1:");
    assert_eq!(server.expect_line("GET /").trim(), "GET / HTTP/1.1");
    assert_eq!(
        server.expect_line("User-Agent").trim(),
        "User-Agent: plain-test-client"
    );
}

#[test]
fn pythons_http_client_gets_the_page() {
    // A real HTTP client library (python3 is on every CI machine), not bytes we
    // wrote by hand: urllib parses our status line, headers and Content-Length.
    // (Directly: an http_proxy in the environment must not take the request.)
    if !peer_available("python3") {
        return;
    }
    let server = http_server();
    let url = format!("http://{}/", server.addr);
    let output = run(
        "python3",
        &[
            "-c",
            "import sys, urllib.request\n\
             direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n\
             with direct.open(sys.argv[1], timeout=30) as r:\n\
             \x20   print(r.status, r.headers['Content-Type'])\n\
             \x20   sys.stdout.buffer.write(r.read())",
            &url,
        ],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    assert!(text.starts_with("200 text/html; charset=utf-8\n"), "{text}");
    assert!(text.contains(GREETING), "{text}");
    assert!(server.expect_line("User-Agent:").contains("Python-urllib"));
}

#[test]
fn other_paths_are_404_and_garbage_is_400() {
    let server = http_server();
    let reply = exchange(&server, b"GET /favicon.ico HTTP/1.1\r\n\r\n");
    assert!(reply.starts_with("HTTP/1.1 404 Not Found\r\n"), "{reply}");
    let reply = exchange(&server, b"\r\n\r\n");
    assert!(reply.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{reply}");
}

#[test]
fn a_silent_connection_does_not_block_other_clients() {
    let server = http_server();
    let _silent = TcpStream::connect(server.addr).unwrap();
    let reply = exchange(&server, b"GET / HTTP/1.1\r\n\r\n");
    assert!(reply.starts_with("HTTP/1.1 200 OK"));
}

#[test]
fn a_client_vanishing_mid_request_does_not_stop_the_server() {
    let server = http_server();
    let mut conn = TcpStream::connect(server.addr).unwrap();
    conn.write_all(b"GET / HT").unwrap();
    drop(conn);
    // Invalid UTF-8 in the request is shown, not trusted.
    let reply = exchange(&server, b"GET / HTTP/1.1\r\nX-Bytes: \xff\xfe\r\n\r\n");
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert_eq!(
        server.expect_line("X-Bytes").trim(),
        "X-Bytes: \u{fffd}\u{fffd}"
    );
}

/// `tcp-demo http` with its stderr joined to stdout, as a terminal shows both:
/// the lines that explain a dropped or refused client are on stderr.
fn http_server_showing_stderr(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["http", "--addr", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    ServerProcess::start_as_in_a_terminal(tcp_demo(), &args)
}

/// Reads everything until the server closes (or resets) the connection.
fn read_until_closed(conn: &mut TcpStream) -> String {
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    let mut reply = Vec::new();
    let _ = conn.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply).into_owned()
}

/// A client that drips its request one byte every 200 ms meets no read timeout;
/// the deadline for the whole head (1 s here) closes it, and stderr says why.
#[test]
fn a_trickling_request_head_is_dropped_at_its_deadline() {
    let server = http_server_showing_stderr(&["--header-timeout", "1s"]);
    let mut conn = connect_from(2, server.addr);
    let mut writer = conn.try_clone().unwrap();
    let drip = thread::spawn(move || {
        // 60 bytes at 5 bytes a second would take 12 s: far past the deadline.
        for byte in b"GET / HTTP/1.1\r\nX-Slow: ".iter().chain(&[b'x'; 60]) {
            // Slow on purpose: the trickle is the behaviour under test.
            thread::sleep(Duration::from_millis(200));
            if writer.write_all(&[*byte]).is_err() {
                return false;
            }
        }
        true
    });
    // Closed without an answer...
    assert_eq!(read_until_closed(&mut conn), "");
    let line = server.expect_line("no complete request");
    assert!(
        line.starts_with("127.0.0.2:") && line.ends_with(": no complete request within 1s; closed"),
        "{line}"
    );
    // ...while the client was still dripping: its next writes fail.
    drop(conn);
    assert!(!drip.join().unwrap(), "the whole trickle was accepted");
}

/// One address holds at most --max-per-address connections; the next one from it
/// is told 503 and why, and another address is served as if nothing happened.
#[test]
fn one_address_gets_only_its_share_of_the_connections() {
    let server = http_server_showing_stderr(&["--max-per-address", "2"]);
    let _first = connect_from(2, server.addr);
    let _second = connect_from(2, server.addr);
    // Accepted after the two (accept takes connections in order). It sends
    // nothing: the refusal does not wait for a request.
    let mut third = connect_from(2, server.addr);
    let reply = read_until_closed(&mut third);
    assert!(
        reply.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{reply}"
    );
    assert!(
        reply.ends_with("refused: 127.0.0.2 already holds 2 connections, its share\n"),
        "{reply}"
    );
    server.expect_line("127.0.0.2 already holds 2 connections");
    let mut other = connect_from(3, server.addr);
    other.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert!(read_until_closed(&mut other).starts_with("HTTP/1.1 200 OK"));
}

/// Newcomers that send nothing fill only the pending slots (64): the next
/// newcomer is told 503, but a client admitted before them whose request arrives
/// is answered (a served slot is never theirs), and once their deadline passes
/// each is closed with a line on stderr and newcomers are served again.
#[test]
fn silent_newcomers_fill_only_the_pending_slots() {
    // tcp_demo::http::MAX_CONNECTIONS pending slots.
    const PENDING: usize = 64;
    let server = http_server_showing_stderr(&["--header-timeout", "5s"]);
    let mut early = connect_from(2, server.addr);
    // 63 silent newcomers from four hosts, 16 at most from each (their share):
    // with `early`, every pending slot is taken.
    let silent: Vec<TcpStream> = (0..PENDING - 1)
        .map(|i| connect_from(3 + (i / 16) as u8, server.addr))
        .collect();
    let mut refused = connect_from(7, server.addr);
    let reply = read_until_closed(&mut refused);
    assert!(
        reply.starts_with("HTTP/1.1 503 Service Unavailable\r\n")
            && reply.contains("64 connections are already waiting"),
        "{reply}"
    );
    early.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert!(read_until_closed(&mut early).starts_with("HTTP/1.1 200 OK"));
    // The deadline closes every silent one, without an answer.
    for mut conn in silent {
        assert_eq!(read_until_closed(&mut conn), "");
    }
    server.expect_line("no complete request within 5s; closed");
    let mut later = connect_from(7, server.addr);
    later.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert!(read_until_closed(&mut later).starts_with("HTTP/1.1 200 OK"));
}

#[test]
fn an_oversized_request_head_is_refused() {
    let server = http_server();
    // One byte over the 8 KiB limit, without an end of head.
    let reply = exchange(&server, &vec![b'a'; 8 * 1024 + 1]);
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply}");
    // And the server still serves.
    assert!(exchange(&server, b"GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200"));
}

#[test]
fn escape_codes_in_a_request_are_not_printed_raw() {
    let server = http_server();
    exchange(&server, b"GET / HTTP/1.1\r\nX-Evil: \x1b[2J\r\n\r\n");
    assert_eq!(server.expect_line("X-Evil").trim(), r"X-Evil: \x1b[2J");
}

/// A headless chromium, with a fresh profile in a temporary directory, prints
/// the page it loaded (`--dump-dom`).
#[test]
fn a_real_browser_is_just_another_client() {
    // Debian's chromium, installed by .ci/setup.d/20-chromium.sh.
    if !peer_available("chromium") {
        return;
    }
    let server = http_server();
    let profile = std::env::temp_dir().join(format!("netlab-chromium-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).unwrap();
    let url = format!("http://{}/", server.addr);
    let user_data_dir = format!("--user-data-dir={}", profile.display());
    let output = run_with_timeout(
        "chromium",
        &[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            // CI containers often have a tiny /dev/shm; use /tmp instead.
            "--disable-dev-shm-usage",
            // Straight to loopback, whatever proxy the environment names.
            "--no-proxy-server",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &user_data_dir,
            "--dump-dom",
            &url,
        ],
        b"",
        BROWSER_TIMEOUT,
    );
    let _ = std::fs::remove_dir_all(&profile);
    let page = stdout_text(&output);
    assert!(
        page.contains(GREETING),
        "page: {page}\nstderr: {}",
        stderr_text(&output)
    );
    // The page shows the request the browser sent, and so does the server.
    assert!(page.contains("HeadlessChrome"), "{page}");
    let terminal = browser_session_terminal(server);
    assert!(terminal.contains("HeadlessChrome"), "{terminal}");
    check_session_output("ch02-http-browser.session.txt", &terminal);
}

/// The server's terminal as the book shows it: its first lines and the first
/// request it printed (the page). The server prints a request after answering
/// it, in one write, so once its first line has arrived the rest of the block is
/// in the pipe: stopping the server then (as Ctrl-C does) loses none of it.
/// What follows — chromium's request for /favicon.ico, if it came in time — is
/// left out, so the text does not depend on that race.
///
/// Normalised, as the page says: the port the OS chose is shown as the
/// tutorial's 8080 and the browser's as `<port>`, the request's size as `<n>`
/// (it depends on both), chromium's version in the User-Agent as `<version>`,
/// and the value of `sec-ch-ua` (brand names and versions that change with
/// every chromium version) as `<brands>`.
fn browser_session_terminal(server: ServerProcess) -> String {
    let addr = server.addr;
    let mut printed = vec![server.first_line.clone()];
    loop {
        let line = server
            .next_line(TEST_TIMEOUT)
            .unwrap_or_else(|| panic!("the server printed no request; saw {printed:#?}"));
        let request = line.starts_with("── request from");
        printed.push(line);
        if request {
            break;
        }
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (_, rest) = server.wait_output();
    // wait_output starts with the first line, already taken above.
    let rest = rest.into_iter().skip(1);
    printed.extend(rest.take_while(|line| !line.starts_with("── request from")));
    let shown = &http::DEFAULT_ADDR.to_string();
    let text: Vec<String> = printed
        .iter()
        .map(|line| normalise_request_line(line))
        .collect();
    let text = format!("$ cargo run -q -p tcp-demo -- http\n{}\n", text.join("\n"));
    mask_ports(&show_port_as(&text, addr, shown), &[shown])
}

fn normalise_request_line(line: &str) -> String {
    if let Some(rest) = line.strip_prefix("── request from ") {
        // "127.0.0.1:PORT (645 bytes):"
        if let Some((peer, _)) = rest.split_once(" (") {
            return format!("── request from {peer} (<n> bytes):");
        }
    }
    if let Some((name, _)) = line.split_once(": ") {
        if name.trim() == "sec-ch-ua" {
            return format!("{name}: <brands>");
        }
        if name.trim() == "User-Agent" {
            // "HeadlessChrome/156.0.0.0 Safari": the version is the part that moves.
            if let Some((before, after)) = line.split_once("Chrome/") {
                let rest = after.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
                return format!("{before}Chrome/<version>{rest}");
            }
        }
    }
    line.to_string()
}

#[test]
fn the_chapter_2_demo_is_deterministic() {
    let first = stdout_text(&run(tcp_demo(), &["demo", "--chapter", "2"], b""));
    assert!(first.contains("| GET / HTTP/1.1"), "{first}");
    assert!(first.contains("| HTTP/1.1 200 OK"), "{first}");
    assert_eq!(
        first,
        stdout_text(&run(tcp_demo(), &["demo", "--chapter", "2"], b""))
    );
}
