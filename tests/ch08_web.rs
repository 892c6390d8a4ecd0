//! Chapter 8 with chapter 2's B/S: `chat server --web` lets browsers into the
//! room. A plain WebSocket client (tungstenite's, blocking) checks the protocol
//! and its limits byte by byte; a real headless chromium, driven through its
//! DevTools protocol, chats with a terminal `chat client` in one room.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, Terminal, check_session_output, connect_from, peer_available,
    show_port_as, workspace_bin,
};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::{self, Message, WebSocket};

/// A browser's first start on a slow CI machine can take a while.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// `chat server --web 127.0.0.1:0` (and `extra`); returns the server and its
/// web address, read from its second line, `web on http://ADDR/`.
fn start(extra: &[&str]) -> (ServerProcess, SocketAddr) {
    let mut args = vec!["server", "--addr", "127.0.0.1:0", "--web", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    web_address(ServerProcess::start(workspace_bin("chat"), &args))
}

/// [`start`], with the server's stderr (its log) joined to its stdout.
fn start_showing_stderr(extra: &[&str]) -> (ServerProcess, SocketAddr) {
    let mut args = vec!["server", "--addr", "127.0.0.1:0", "--web", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    web_address(ServerProcess::start_as_in_a_terminal(
        workspace_bin("chat"),
        &args,
    ))
}

fn web_address(server: ServerProcess) -> (ServerProcess, SocketAddr) {
    let line = server.expect_line("web on http://");
    let web = line
        .trim_end()
        .strip_prefix("web on http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("the second line is {line:?}"));
    (server, web)
}

/// A browser's side of the room, written against RFC 6455 only.
struct Ws(WebSocket<TcpStream>);

impl Ws {
    /// Connects from 127.0.0.N and upgrades `GET /ws`.
    fn connect_from(n: u8, web: SocketAddr) -> Ws {
        let stream = connect_from(n, web);
        let (ws, response) =
            tungstenite::client(format!("ws://{web}/ws"), stream).expect("the upgrade");
        assert_eq!(response.status(), 101);
        Ws(ws)
    }

    /// Connects and sends `nick` (the room has no secret); returns after the welcome.
    fn join(n: u8, web: SocketAddr, nick: &str) -> Ws {
        let mut ws = Ws::connect_from(n, web);
        ws.send(nick);
        let welcome = ws.recv().expect("a welcome");
        assert!(
            welcome.starts_with(&format!("= welcome, {nick}!")),
            "{welcome}"
        );
        ws
    }

    fn send(&mut self, line: &str) {
        self.0
            .send(Message::text(line))
            .expect("send a text message");
    }

    fn send_binary(&mut self, bytes: &[u8]) {
        self.0
            .send(Message::binary(bytes.to_vec()))
            .expect("send a binary message");
    }

    /// The next message: text as `Ok`, binary as `Err`; `None` when the server
    /// closed the connection.
    fn next(&mut self) -> Option<Result<String, Vec<u8>>> {
        loop {
            match self.0.read() {
                Ok(Message::Text(text)) => return Some(Ok(text.to_string())),
                Ok(Message::Binary(bytes)) => return Some(Err(bytes.to_vec())),
                Ok(Message::Close(_)) => continue, // tungstenite answers it; EOF follows
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
                Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    return None;
                }
                Err(tungstenite::Error::Io(e))
                    if e.kind() == std::io::ErrorKind::ConnectionReset =>
                {
                    return None;
                }
                Err(e) => panic!("reading a message: {e}"),
            }
        }
    }

    /// The next text message; `None` when the server closed.
    fn recv(&mut self) -> Option<String> {
        self.next()
            .map(|m| m.unwrap_or_else(|b| panic!("binary {b:?}")))
    }

    /// Reads until `line` arrives; returns the lines before it.
    fn expect(&mut self, line: &str) -> Vec<String> {
        let mut before = Vec::new();
        loop {
            match self.recv() {
                Some(got) if got == line => return before,
                Some(got) => before.push(got),
                None => panic!("closed before {line:?}; got {before:?}"),
            }
        }
    }

    /// Everything until the server closes.
    fn until_closed(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Some(line) = self.recv() {
            lines.push(line);
        }
        lines
    }
}

/// A terminal client's side, raw: a 4-byte big-endian length, then UTF-8.
struct Framed(TcpStream);

impl Framed {
    fn join(n: u8, addr: SocketAddr, nick: &str) -> Framed {
        let mut peer = Framed(connect_from(n, addr));
        peer.send(nick);
        let welcome = peer.recv().expect("a welcome");
        assert!(
            welcome.starts_with(&format!("= welcome, {nick}!")),
            "{welcome}"
        );
        peer
    }

    fn send(&mut self, line: &str) {
        let mut frame = (line.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(line.as_bytes());
        self.0.write_all(&frame).expect("send a frame");
    }

    fn recv(&mut self) -> Option<String> {
        let mut header = [0u8; 4];
        self.0.read_exact(&mut header).ok()?;
        let mut payload = vec![0u8; u32::from_be_bytes(header) as usize];
        self.0.read_exact(&mut payload).expect("a frame's payload");
        Some(String::from_utf8(payload).expect("UTF-8"))
    }

    fn expect(&mut self, line: &str) -> Vec<String> {
        let mut before = Vec::new();
        loop {
            match self.recv() {
                Some(got) if got == line => return before,
                Some(got) => before.push(got),
                None => panic!("closed before {line:?}; got {before:?}"),
            }
        }
    }
}

/// One plain HTTP request; the whole answer (the server closes after it).
fn http(web: SocketAddr, request: &str) -> String {
    let mut conn = connect_from(2, web);
    conn.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn the_server_serves_the_page_its_style_and_script_and_nothing_else() {
    let (_server, web) = start(&[]);
    let page = http(web, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
    assert!(page.contains("Content-Type: text/html; charset=utf-8\r\n"));
    assert!(page.ends_with(chat::server::web::PAGE), "{page}");
    let script = http(web, "GET /chat.js HTTP/1.1\r\n\r\n");
    assert!(script.contains("Content-Type: text/javascript; charset=utf-8\r\n"));
    assert!(script.ends_with(chat::server::web::SCRIPT));
    let style = http(web, "GET /chat.css HTTP/1.1\r\n\r\n");
    assert!(style.ends_with(chat::server::web::STYLE));
    assert!(http(web, "GET /favicon.ico HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 "));
    assert!(http(web, "POST / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 "));
    assert!(http(web, "hello\r\n\r\n").starts_with("HTTP/1.1 400 "));
    let huge = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(9000));
    assert!(http(web, &huge).starts_with("HTTP/1.1 431 "));
    // /ws without the upgrade headers is not a WebSocket.
    let plain = http(web, "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(plain.starts_with("HTTP/1.1 400 "), "{plain}");
}

#[test]
fn the_upgrade_answers_101_with_the_accept_key_of_rfc_6455() {
    let (_server, web) = start(&[]);
    let mut conn = connect_from(2, web);
    // The example key of RFC 6455, section 1.3.
    conn.write_all(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
          Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .unwrap();
    let mut answer = [0u8; 512];
    let n = conn.read(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(
        answer.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{answer}"
    );
    assert!(answer.contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
}

#[test]
fn a_browser_and_a_terminal_client_share_one_room() {
    let (server, web) = start(&[]);
    let mut alice = Framed::join(2, server.addr, "alice");
    let mut web_user = Ws::join(3, web, "哪吒");
    alice.expect("* 哪吒 joined");
    web_user.send("hello from the browser");
    alice.expect("哪吒: hello from the browser");
    alice.send("hello from the terminal");
    let before = web_user.expect("alice: hello from the terminal");
    assert_eq!(before, ["哪吒: hello from the browser"]);
    // The same commands as the terminal client.
    web_user.send("/msg alice psst");
    alice.expect("[private] 哪吒: psst");
    web_user.send("/quit");
    assert_eq!(
        web_user.until_closed(),
        ["[private to alice] 哪吒: psst", "= goodbye, 哪吒"]
    );
    alice.expect("* 哪吒 left");
}

#[test]
fn an_oversized_message_is_refused_before_it_is_read() {
    let (_server, web) = start(&[]);
    let mut big = Ws::join(2, web, "big");
    big.send(&"x".repeat(5000));
    assert_eq!(
        big.until_closed(),
        ["! refused: a frame of 5000 bytes is larger than the limit of 4096; closing"]
    );
    // The room goes on.
    Ws::join(2, web, "next");
}

/// A browser that stops reading is a slow consumer like any other: its
/// socket buffers fill, then its outbox, and the room drops it and goes on.
#[test]
fn a_browser_that_stops_reading_is_dropped_and_the_room_goes_on() {
    let (server, web) = start(&[
        "--queue",
        "64",
        "--rate-limit",
        "1000000",
        "--rate-burst",
        "1000000",
    ]);
    let mut talker = Framed::join(2, server.addr, "talker");
    let _slow = Ws::join(3, web, "slow"); // never reads again
    talker.expect("* slow joined");
    const DROPPED: &str = "* slow was dropped (too slow to keep up)";
    let padding = "x".repeat(3000);
    let mut sent = 0;
    loop {
        assert!(sent < 20_000, "the browser was never dropped");
        for _ in 0..16 {
            talker.send(&format!("{sent} {padding}"));
            sent += 1;
        }
        let before = talker.expect(&format!("talker: {} {padding}", sent - 1));
        if before.iter().any(|line| line == DROPPED) {
            break;
        }
    }
    talker.send("the end");
    talker.expect("talker: the end");
}

#[test]
fn a_binary_message_where_a_line_is_expected_is_refused_and_the_browser_stays() {
    let (_server, web) = start(&[]);
    let mut ws = Ws::join(2, web, "bin");
    ws.send_binary(b"\x00\x01");
    assert_eq!(
        ws.recv().as_deref(),
        Some("! refused: chat lines are text messages; that one was binary")
    );
    ws.send("still here");
    ws.expect("bin: still here");
    // Before the nickname, a binary message is not a nickname: refused, closed.
    let mut early = Ws::connect_from(3, web);
    early.send_binary(b"nick");
    assert_eq!(
        early.until_closed(),
        ["! refused: the first message is your nickname, as text; goodbye"]
    );
}

#[test]
fn a_flood_from_a_browser_is_refused_with_one_warning() {
    let (_server, web) = start(&["--rate-limit", "5", "--rate-burst", "5"]);
    let mut ws = Ws::join(2, web, "flood");
    for i in 0..20 {
        ws.send(&format!("m{i}"));
    }
    ws.send("/quit");
    let lines = ws.until_closed();
    let passed = lines.iter().filter(|l| l.starts_with("flood: m")).count();
    let warnings = lines
        .iter()
        .filter(|l| l.starts_with("! slow down"))
        .count();
    assert!((5..20).contains(&passed), "{lines:?}");
    assert_eq!(warnings, 1, "{lines:?}");
}

#[test]
fn bad_and_taken_nicknames_get_an_error_line_and_the_browser_may_try_again() {
    let (_server, web) = start(&[]);
    let _alice = Ws::join(2, web, "alice");
    let mut ws = Ws::connect_from(3, web);
    ws.send("alice");
    assert_eq!(
        ws.recv().as_deref(),
        Some("! the nickname alice is taken; choose another")
    );
    ws.send("<b>bob</b>");
    assert!(ws.recv().unwrap().starts_with("! a nickname may hold"));
    ws.send("bob");
    assert!(ws.recv().unwrap().starts_with("= welcome, bob!"));
}

struct SecretFile(PathBuf);

impl SecretFile {
    fn new(name: &str, key: &str) -> SecretFile {
        let path = std::env::temp_dir().join(format!("ch08-web-{name}-{}.key", std::process::id()));
        std::fs::write(&path, key).unwrap();
        SecretFile(path)
    }

    fn arg(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn with_a_secret_the_browser_answers_the_challenge_and_the_key_stays_home() {
    let key = SecretFile::new("right", "alex-sb\n");
    let (server, web) = start_showing_stderr(&["--secret-file", &key.arg()]);
    let secret = auth::Secret::new(b"alex-sb".to_vec()).unwrap();

    // The nickname first; then the challenge, one binary message of 32 bytes.
    let mut right = Ws::connect_from(2, web);
    right.send("insider");
    let challenge = right.next().unwrap().expect_err("a binary challenge");
    assert_eq!(challenge.len(), auth::CHALLENGE_LEN);
    right.send_binary(&auth::answer(&secret, &challenge));
    assert!(right.recv().unwrap().starts_with("= welcome, insider!"));

    let wrong_key = auth::Secret::new(b"guess".to_vec()).unwrap();
    let mut wrong = Ws::connect_from(3, web);
    wrong.send("outsider");
    let challenge = wrong.next().unwrap().expect_err("a binary challenge");
    wrong.send_binary(&auth::answer(&wrong_key, &challenge));
    assert_eq!(
        wrong.until_closed(),
        ["! refused: wrong answer to the challenge (is the key right?); goodbye"]
    );
    server.expect_line("refused: wrong answer to the challenge");

    // A text message instead of the answer is no answer.
    let mut skipper = Ws::connect_from(4, web);
    skipper.send("skipper");
    skipper.next().unwrap().expect_err("a binary challenge");
    skipper.send("hello?");
    assert_eq!(
        skipper.until_closed(),
        ["! refused: wrong answer to the challenge (is the key right?); goodbye"]
    );
    // Nobody but the insider joined.
    right.send("/list");
    right.expect("= 1 in the room: insider");
}

#[test]
fn the_connection_limit_counts_browsers_and_terminals_together() {
    let (server, web) = start(&["--max-clients", "2", "--max-per-address", "1"]);
    let _alice = Framed::join(2, server.addr, "alice");
    let _bob = Ws::join(3, web, "bob");
    // The third member, a browser, is told the room is full.
    let mut carol = Ws::connect_from(4, web);
    carol.send("carol");
    assert_eq!(
        carol.until_closed(),
        ["! server full (2 clients); try again later"]
    );
    // One address, one share: 127.0.0.2 holds alice, so a page for it is
    // refused at once.
    let refused = http(web, "GET / HTTP/1.1\r\n\r\n");
    assert!(
        refused.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{refused}"
    );
    assert!(
        refused.contains("127.0.0.2 already holds 1 connections"),
        "{refused}"
    );
}

#[test]
fn a_page_from_another_origin_may_not_open_the_websocket() {
    let (_server, web) = start(&[]);
    let mut request =
        tungstenite::client::IntoClientRequest::into_client_request(format!("ws://{web}/ws"))
            .unwrap();
    request
        .headers_mut()
        .insert("Origin", "http://evil.example".parse().unwrap());
    let refused = tungstenite::client(request, connect_from(2, web));
    match refused {
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected 403, got {other:?}"),
    }
    // The page's own origin is welcome.
    let mut request =
        tungstenite::client::IntoClientRequest::into_client_request(format!("ws://{web}/ws"))
            .unwrap();
    request
        .headers_mut()
        .insert("Origin", format!("http://{web}").parse().unwrap());
    let (mut ws, _) = tungstenite::client(request, connect_from(2, web)).unwrap();
    ws.send(Message::text("same-origin")).unwrap();
    assert!(matches!(ws.read(), Ok(Message::Text(t)) if t.starts_with("= welcome")));
}

/// The joining deadline starts at accept: a browser that trickles its upgrade
/// request, or never sends a nickname after it, is closed when it passes.
#[test]
fn the_joining_deadline_covers_the_http_upgrade() {
    let (_server, web) = start(&["--idle-timeout", "1s"]);
    let started = Instant::now();
    let mut trickle = connect_from(2, web);
    trickle
        .write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut rest = Vec::new();
    let _ = trickle.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{rest:?}");
    assert!(started.elapsed() < TEST_TIMEOUT);

    let mut silent = Ws::connect_from(3, web);
    assert_eq!(
        silent.until_closed(),
        ["! no nickname received in time; goodbye"]
    );
}

// ---------------------------------------------------------------------------
// A real browser: headless chromium, driven through its DevTools protocol.

/// Headless chromium with a fresh profile, and a DevTools connection to the
/// page it opened. The test drives the page as a person would — fills in a
/// field, submits a form, reads the list of lines — by evaluating JavaScript
/// in it (CDP's `Runtime.evaluate`), over a WebSocket like the chat's own.
struct Browser {
    child: Child,
    profile: PathBuf,
    devtools: WebSocket<TcpStream>,
    next_id: u64,
    /// Events that arrived while waiting for an answer.
    events: Vec<serde_json::Value>,
}

impl Browser {
    fn open(url: &str) -> Browser {
        static OPENED: AtomicUsize = AtomicUsize::new(0);
        let profile = std::env::temp_dir().join(format!(
            "netlab-chromium-ch08-{}-{}",
            std::process::id(),
            OPENED.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let mut child = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-proxy-server",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // The DevTools endpoint, on a port the system picks; chromium
                // says which on stderr.
                "--remote-debugging-port=0",
                &format!("--user-data-dir={}", profile.display()),
                "about:blank",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(endpoint) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(endpoint.to_string());
                }
            }
        });
        let endpoint = rx
            .recv_timeout(BROWSER_TIMEOUT)
            .expect("chromium's DevTools endpoint");
        // ws://127.0.0.1:PORT/devtools/browser/ID
        let port = endpoint
            .strip_prefix("ws://127.0.0.1:")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("endpoint {endpoint}"))
            .to_string();
        let page = Browser::page_endpoint(&port);
        let stream = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
        stream.set_read_timeout(Some(BROWSER_TIMEOUT)).unwrap();
        let (devtools, _) = tungstenite::client(page, stream).expect("DevTools connection");
        let mut browser = Browser {
            child,
            profile,
            devtools,
            next_id: 0,
            events: Vec::new(),
        };
        // Open the page and wait for its load event (the script has run).
        browser.call("Page.enable", serde_json::json!({}));
        browser.call("Page.navigate", serde_json::json!({ "url": url }));
        browser.wait_event("Page.loadEventFired");
        browser
    }

    /// Sends one DevTools command and returns its result.
    fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.next_id += 1;
        let id = self.next_id;
        let call = serde_json::json!({ "id": id, "method": method, "params": params });
        self.devtools.send(Message::text(call.to_string())).unwrap();
        loop {
            let message = self.read();
            if message["id"] == id {
                assert!(message["error"].is_null(), "{method}: {message}");
                return message["result"].clone();
            }
            self.events.push(message);
        }
    }

    /// Waits for the event `method` (it may have come already).
    fn wait_event(&mut self, method: &str) {
        if let Some(at) = self.events.iter().position(|e| e["method"] == method) {
            self.events.remove(at);
            return;
        }
        while self.read()["method"] != method {}
    }

    /// The next DevTools message.
    fn read(&mut self) -> serde_json::Value {
        loop {
            if let Message::Text(text) = self.devtools.read().expect("a DevTools message") {
                return serde_json::from_str(&text).unwrap();
            }
        }
    }

    /// The DevTools WebSocket of the browser's first page, from `/json/list`.
    fn page_endpoint(port: &str) -> String {
        let deadline = Instant::now() + BROWSER_TIMEOUT;
        loop {
            let body = devtools_get(port, "/json/list");
            let targets: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let found = targets.as_array().and_then(|targets| {
                targets.iter().find_map(|t| {
                    (t["type"] == "page")
                        .then(|| t["webSocketDebuggerUrl"].as_str().map(str::to_string))
                        .flatten()
                })
            });
            if let Some(found) = found {
                return found;
            }
            assert!(Instant::now() < deadline, "no page in {body}");
            // Chromium lists the page once it has started loading it.
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Evaluates `expression` in the page (awaiting it if it is a promise)
    /// and returns its value.
    fn eval(&mut self, expression: &str) -> serde_json::Value {
        let params = serde_json::json!({
            "expression": expression, "returnByValue": true, "awaitPromise": true,
        });
        let result = self.call("Runtime.evaluate", params);
        assert!(
            result["exceptionDetails"].is_null(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    /// Waits until `condition` (JavaScript) holds in the page: the page checks
    /// it after each change to the document, so no polling from here.
    fn wait_for(&mut self, condition: &str) {
        let ms = TEST_TIMEOUT.as_millis();
        let expression = format!(
            "new Promise((resolve) => {{
               const check = () => {{ try {{ return {condition}; }} catch (e) {{ return false; }} }};
               if (check()) return resolve(true);
               const observer = new MutationObserver(() => {{
                 if (check()) {{ observer.disconnect(); resolve(true); }}
               }});
               observer.observe(document, {{ childList: true, subtree: true, attributes: true }});
               document.addEventListener('readystatechange', () => {{ if (check()) resolve(true); }});
               setTimeout(() => {{ observer.disconnect(); resolve(check()); }}, {ms});
             }})"
        );
        assert_eq!(self.eval(&expression), true, "never true: {condition}");
    }

    /// The lines the page shows, in order.
    fn lines(&mut self) -> Vec<String> {
        let lines =
            self.eval("[...document.querySelectorAll('#log li')].map((li) => li.textContent)");
        serde_json::from_value(lines).unwrap()
    }

    /// Waits until the page shows `line`.
    fn expect(&mut self, line: &str) {
        let quoted = serde_json::to_string(line).unwrap();
        self.wait_for(&format!(
            "[...document.querySelectorAll('#log li')].some((li) => li.textContent === {quoted})"
        ));
    }

    /// Types `text` into the field `id`.
    fn type_into(&mut self, id: &str, text: &str) {
        let quoted = serde_json::to_string(text).unwrap();
        self.eval(&format!("document.getElementById('{id}').value = {quoted}"));
    }

    /// Types `text` into the field `id` and submits its form, as Enter does.
    fn type_and_submit(&mut self, id: &str, text: &str) {
        self.type_into(id, text);
        self.eval(&format!(
            "document.getElementById('{id}').form.requestSubmit()"
        ));
    }
}

/// `GET path` from chromium's DevTools HTTP endpoint; its body. (It keeps the
/// connection open after answering: the body ends by its Content-Length.)
fn devtools_get(port: &str, path: &str) -> String {
    let conn = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    conn.set_read_timeout(Some(BROWSER_TIMEOUT)).unwrap();
    (&conn)
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .unwrap();
    let mut reader = BufReader::new(&conn);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A TCP relay that keeps a copy of every byte of each connection, both ways:
/// what a packet capture (Wireshark) would show of the browser's WebSocket.
struct Recorder {
    addr: SocketAddr,
    connections: Arc<Mutex<Vec<Record>>>,
}

/// One relayed connection: the bytes from the browser, the bytes to it.
type Record = Arc<Mutex<(Vec<u8>, Vec<u8>)>>;

impl Recorder {
    fn start(to: SocketAddr) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let connections: Arc<Mutex<Vec<Record>>> = Arc::default();
        let all = Arc::clone(&connections);
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { break };
                let Ok(server) = TcpStream::connect(to) else {
                    break;
                };
                let record = Arc::new(Mutex::new((Vec::new(), Vec::new())));
                all.lock().unwrap().push(Arc::clone(&record));
                for (from, into, up) in [
                    (
                        client.try_clone().unwrap(),
                        server.try_clone().unwrap(),
                        true,
                    ),
                    (server, client, false),
                ] {
                    let record = Arc::clone(&record);
                    thread::spawn(move || relay(from, into, &record, up));
                }
            }
        });
        Recorder { addr, connections }
    }

    /// The two directions of the first connection that asked for `/ws`.
    fn websocket(&self) -> (Vec<u8>, Vec<u8>) {
        let connections = self.connections.lock().unwrap();
        connections
            .iter()
            .map(|c| c.lock().unwrap().clone())
            .find(|(up, _)| up.starts_with(b"GET /ws "))
            .expect("a recorded WebSocket connection")
    }
}

fn relay(mut from: TcpStream, mut into: TcpStream, record: &Mutex<(Vec<u8>, Vec<u8>)>, up: bool) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 || into.write_all(&buf[..n]).is_err() {
            break;
        }
        let mut record = record.lock().unwrap();
        let side = if up { &mut record.0 } else { &mut record.1 };
        side.extend_from_slice(&buf[..n]);
    }
    let _ = into.shutdown(std::net::Shutdown::Write);
}

/// The head of an HTTP message and what follows it.
fn split_head(bytes: &[u8]) -> (String, &[u8]) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head")
        + 4;
    (
        String::from_utf8_lossy(&bytes[..end]).into_owned(),
        &bytes[end..],
    )
}

/// One WebSocket frame at the start of `bytes`, explained; and the rest.
fn explain_frame(bytes: &[u8]) -> (String, &[u8]) {
    let (first, second) = (bytes[0], bytes[1]);
    let masked = second & 0x80 != 0;
    let len = usize::from(second & 0x7f);
    assert!(len < 126, "a short frame");
    let opcode = match first & 0x0f {
        1 => "text",
        2 => "binary",
        8 => "close",
        other => panic!("opcode {other}"),
    };
    let fin = if first & 0x80 != 0 {
        "FIN (last fragment)"
    } else {
        "more fragments follow"
    };
    let mut header = format!("{first:02x} {second:02x}");
    let mut at = 2;
    let mut payload = bytes[at..].to_vec();
    if masked {
        let mask = &bytes[2..6];
        at = 6;
        payload = bytes[at..at + len]
            .iter()
            .zip(mask.iter().cycle())
            .map(|(b, m)| b ^ m)
            .collect();
        header.push_str(" <mask: 4 random bytes> <payload XOR mask>");
    } else {
        payload.truncate(len);
        header.push_str(" <payload>");
    }
    let text = String::from_utf8(payload).expect("a text frame");
    let explained = format!(
        "{header}\n   {fin}, opcode {} ({opcode}), {}masked, length {len}: {text:?}\n",
        first & 0x0f,
        if masked { "" } else { "not " }
    );
    (explained, &bytes[at + len..])
}

/// The browser's WebSocket connection as the book shows it: the upgrade
/// request and its answer (HTTP), then the first frame each way. What changes
/// from run to run is masked: the random key and its accept value, the mask,
/// chromium's version, the port (shown as 8080).
fn capture_text(up: &[u8], down: &[u8], recorder: SocketAddr) -> String {
    let (request, frames_up) = split_head(up);
    let (answer, frames_down) = split_head(down);
    let key = request
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .expect("a Sec-WebSocket-Key");
    let accept = derive_accept_key(key.as_bytes());
    assert!(
        answer.contains(&format!("sec-websocket-accept: {accept}\r\n")),
        "{answer}"
    );
    let mut text = String::from("── browser → server: the upgrade request (HTTP)\n");
    for line in request.lines().take_while(|l| !l.is_empty()) {
        let line = match line.split_once(": ") {
            Some(("Sec-WebSocket-Key", _)) => {
                "Sec-WebSocket-Key: <16 random bytes, base64>".to_string()
            }
            Some(("User-Agent", agent)) => match agent.split_once("Chrome/") {
                Some((before, after)) => {
                    let rest = after.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
                    format!("User-Agent: {before}Chrome/<version>{rest}")
                }
                None => line.to_string(),
            },
            _ => line.to_string(),
        };
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str("── server → browser: the answer (the last HTTP on this connection)\n");
    for line in answer.lines().take_while(|l| !l.is_empty()) {
        let line = match line.split_once(": ") {
            Some(("sec-websocket-accept", _)) => {
                "sec-websocket-accept: <base64 of SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)>"
                    .to_string()
            }
            _ => line.to_string(),
        };
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str("── browser → server: its first WebSocket frame\n");
    text.push_str(&explain_frame(frames_up).0);
    text.push_str("── server → browser: its first WebSocket frame\n");
    text.push_str(&explain_frame(frames_down).0);
    show_port_as(&text, recorder, "127.0.0.1:8080")
}

/// A terminal `chat client` and a real browser in one room: each sees the
/// other's line exactly once — without a secret, then with one (the page
/// answers the challenge with Web Crypto), and with a wrong key.
#[test]
fn a_real_browser_and_a_terminal_client_chat_in_one_room() {
    // Debian's chromium, installed by .ci/setup.d/20-chromium.sh.
    if !peer_available("chromium") {
        return;
    }
    let (server, web) = start(&[]);
    // The browser reaches the server through a recorder, for the book.
    let recorder = Recorder::start(web);
    let url = format!("http://{}/", recorder.addr);
    let addr = server.addr.to_string();
    let mut alice = Terminal::open(
        "cargo run -q -p chat -- client --nick alice",
        workspace_bin("chat"),
        &["client", "--addr", &addr, "--nick", "alice"],
    );
    alice.expect("= welcome, alice! in the room: alice (/help for commands)\n");

    let mut browser = Browser::open(&url);
    browser.type_and_submit("nick", "web");
    browser.expect("= welcome, web! in the room: alice, web (/help for commands)");
    alice.expect("* web joined\n");
    browser.type_and_submit("line", "hello from the browser");
    alice.expect("web: hello from the browser\n");
    alice.type_line("hello from the terminal");
    browser.expect("alice: hello from the terminal");
    // A last line both see: whatever came before it has arrived everywhere.
    browser.type_and_submit("line", "/me is done");
    alice.expect("* web is done\n");
    browser.expect("* web is done");
    let seen = browser.lines();
    let (code, screen, _) = alice.close();
    assert_eq!(code, Some(0));
    for line in [
        "web: hello from the browser",
        "alice: hello from the terminal",
    ] {
        let in_browser = seen.iter().filter(|l| *l == line).count();
        let in_terminal = screen.lines().filter(|l| *l == line).count();
        assert_eq!(
            (in_browser, in_terminal),
            (1, 1),
            "{line:?}: {seen:?}\n{screen}"
        );
    }
    let (up, down) = recorder.websocket();
    let capture = capture_text(&up, &down, recorder.addr);
    assert!(capture.contains("\"web\""), "{capture}");
    check_session_output("ch08-websocket-capture.session.txt", &capture);
    drop(browser);

    // With a secret: the page computes the answer with Web Crypto.
    let key = SecretFile::new("browser", "alex-sb\n");
    let (server, web) = start(&["--secret-file", &key.arg()]);
    let addr = server.addr.to_string();
    let mut bob = Terminal::open(
        "cargo run -q -p chat -- client --nick bob",
        workspace_bin("chat"),
        &[
            "client",
            "--addr",
            &addr,
            "--nick",
            "bob",
            "--secret-file",
            &key.arg(),
        ],
    );
    bob.expect("= welcome, bob!");
    let mut browser = Browser::open(&format!("http://{web}/"));
    browser.type_into("key", "guess");
    browser.type_and_submit("nick", "mallory");
    browser.expect("! refused: wrong answer to the challenge (is the key right?); goodbye");
    browser.wait_for("document.getElementById('status').textContent === 'Disconnected.'");
    browser.type_into("key", "alex-sb");
    browser.type_and_submit("nick", "web");
    browser.expect("= welcome, web! in the room: bob, web (/help for commands)");
    bob.expect("* web joined\n");
    browser.type_and_submit("line", "<img src=x onerror=alert(1)> is text here");
    bob.expect("web: <img src=x onerror=alert(1)> is text here\n");
    bob.type_line("hi web");
    browser.expect("bob: hi web");
    // Shown as text, never parsed as markup.
    assert_eq!(
        browser.eval("document.querySelectorAll('#log img').length"),
        0
    );
    let (code, screen, _) = bob.close();
    assert_eq!(code, Some(0));
    assert!(!screen.contains("mallory"), "{screen}");
}
