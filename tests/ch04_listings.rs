//! Chapter 4 (四.套接字初使用): the listings (crates/*/examples/NAME.rs) against
//! their Python twins (tests/python/NAME.py), in both directions, on 127.0.0.1:0.
//!
//! A listing is the tutorial's program in plain Rust, so it must put the same bytes
//! on the wire and print the same lines as the Python copy. Each pair is run Rust
//! server + Python client, Python server + Rust client, and Rust + Rust (the run the
//! book shows in its "Run it" terminals), and a raw socket of the test checks the
//! bytes each listing sends. Interactive programs get their keyboard through a pipe,
//! as the Python copies do; the prompts `input()` prints go to stdout on both sides.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Instant;

use netlab_common::listen::parse_line;
use netlab_testkit::{
    TEST_TIMEOUT, check_session_output, mask_ports, peer_available, run, stderr_text, stdout_text,
    tutorial_python, workspace_example,
};

/// One side of a conversation: a listing or its Python twin.
#[derive(Debug, Clone, Copy)]
enum Side {
    /// `crates/PACKAGE/examples/NAME.rs`.
    Rust(&'static str, &'static str),
    /// `tests/python/NAME.py`.
    Python(&'static str),
}

impl Side {
    /// The program and the arguments before the address.
    fn command(self) -> (OsString, Vec<OsString>) {
        match self {
            Side::Rust(package, name) => (workspace_example(package, name).into(), vec![]),
            Side::Python(name) => (
                "python3".into(),
                vec!["-u".into(), tutorial_python(&format!("{name}.py")).into()],
            ),
        }
    }
}

/// The pairs a test runs: Rust + Rust always, and both mixed pairs when python3 is
/// there.
fn pairs(
    rust_server: Side,
    rust_client: Side,
    py_server: Side,
    py_client: Side,
) -> Vec<(Side, Side)> {
    let mut pairs = vec![(rust_server, rust_client)];
    if peer_available("python3") {
        pairs.push((rust_server, py_client));
        pairs.push((py_server, rust_client));
    }
    pairs
}

/// Runs a client to completion with `stdin` as its keyboard.
fn run_client(side: Side, addr: SocketAddr, stdin: &str, extra: &[&str]) -> Output {
    let (program, mut args) = side.command();
    args.push(addr.to_string().into());
    args.extend(extra.iter().map(OsString::from));
    let output = run(program, &args, stdin.as_bytes());
    assert!(
        output.status.success(),
        "{side:?} failed: {}",
        stderr_text(&output)
    );
    output
}

/// A server started for a test: its address from the `listening on` line, and
/// every byte it prints on stdout (not split into lines: prompts end without a
/// newline). Killed when dropped.
struct Server {
    side: Side,
    child: Child,
    addr: SocketAddr,
    keyboard: Option<ChildStdin>,
    chunks: Receiver<Vec<u8>>,
    printed: Vec<u8>,
    stderr: Receiver<Vec<u8>>,
}

/// Forwards what a pipe delivers, chunk by chunk; the channel closes at its end.
fn forward(mut pipe: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut buf) {
            if tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

impl Server {
    /// Starts `side` on 127.0.0.1:0 and waits for its `listening on ADDR` line.
    fn start(side: Side) -> Server {
        let (program, mut args) = side.command();
        args.push("127.0.0.1:0".into());
        let mut child = Command::new(&program)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program:?}: {e}"));
        let keyboard = child.stdin.take();
        let chunks = forward(child.stdout.take().expect("piped stdout"));
        let stderr = forward(child.stderr.take().expect("piped stderr"));
        let mut server = Server {
            side,
            child,
            // Unknown until the `listening on` line arrives, just below.
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            keyboard,
            chunks,
            printed: Vec::new(),
            stderr,
        };
        server.wait_for("\n");
        let text = String::from_utf8_lossy(&server.printed).into_owned();
        let first = text.lines().next().unwrap_or_default();
        server.addr = parse_line(first)
            .unwrap_or_else(|| panic!("{side:?}: first line {first:?}, not `listening on ADDR`"));
        assert_eq!(first, format!("listening on {}", server.addr));
        server
    }

    /// Types `text` on the server's keyboard (a pipe).
    fn type_text(&mut self, text: &str) {
        let keyboard = self.keyboard.as_mut().expect("keyboard still open");
        keyboard.write_all(text.as_bytes()).expect("type");
        keyboard.flush().expect("flush the keyboard");
    }

    /// Waits (at most the test timeout) until the server has printed `needle`.
    fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + TEST_TIMEOUT;
        while !String::from_utf8_lossy(&self.printed).contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.printed.extend_from_slice(&chunk),
                Err(e) => panic!(
                    "{:?} printed no {needle:?} ({e}); so far: {:?}; stderr: {}",
                    self.side,
                    String::from_utf8_lossy(&self.printed),
                    self.stderr_so_far()
                ),
            }
        }
    }

    fn stderr_so_far(&self) -> String {
        let bytes: Vec<u8> = self.stderr.try_iter().flatten().collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Waits for the server to exit by itself; its exit code and everything it
    /// printed on stdout.
    fn finish(mut self) -> (Option<i32>, String) {
        self.keyboard = None;
        let printed = self.drain();
        (self.exit_code(), printed)
    }

    /// Presses Ctrl-C (SIGINT), as a reader stops a server that serves forever,
    /// and returns everything it printed on stdout.
    fn interrupt(mut self) -> String {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let printed = self.drain();
        self.exit_code();
        printed
    }

    /// The rest of stdout, up to its end: the process closes it as it exits.
    fn drain(&mut self) -> String {
        let deadline = Instant::now() + TEST_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.printed.extend_from_slice(&chunk),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(e) => panic!(
                    "{:?} did not exit ({e}); it printed {:?}",
                    self.side,
                    String::from_utf8_lossy(&self.printed)
                ),
            }
        }
        String::from_utf8(std::mem::take(&mut self.printed)).expect("UTF-8 output")
    }

    /// The exit code of a server whose stdout has ended (it has exited).
    fn exit_code(&mut self) -> Option<i32> {
        self.child.wait().expect("wait for the server").code()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a terminal shows: `$ command`, then the program's output with each line
/// typed on its keyboard echoed after the prompt that asked for it (a terminal
/// echoes typing; a pipe does not), then `end` (`^C`, `^D` or nothing). The
/// server's real address appears as the tutorial's `shown`, other ports as
/// `<port>`.
fn screen(
    command: &str,
    output: &str,
    prompts: &[&str],
    typed: &[&str],
    end: &str,
    actual: SocketAddr,
    shown: &str,
) -> String {
    let mut screen = format!("$ {command}\n");
    let mut rest = output;
    for line in typed {
        let (at, prompt) = prompts
            .iter()
            .filter_map(|p| rest.find(p).map(|at| (at, *p)))
            .min()
            .unwrap_or_else(|| panic!("no prompt for {line:?} in {rest:?}"));
        screen.push_str(&rest[..at + prompt.len()]);
        screen.push_str(line);
        screen.push('\n');
        rest = &rest[at + prompt.len()..];
    }
    screen.push_str(rest);
    screen.push_str(end);
    shown_as(&screen, actual, shown)
}

/// `text` with the server's real address written as the tutorial's `shown`
/// (also in Python's tuple spelling), and every other loopback port as `<port>`.
fn shown_as(text: &str, actual: SocketAddr, shown: &str) -> String {
    let shown_port = shown.rsplit(':').next().unwrap_or_default();
    let text = text.replace(&actual.to_string(), shown).replace(
        &format!("('127.0.0.1', {})", actual.port()),
        &format!("('127.0.0.1', {shown_port})"),
    );
    mask_ports(&text, &[shown])
}

/// The 1B;44 (bold, blue background) colour of the QQ programs, taken out: the
/// book shows the words, a terminal shows them on blue.
fn without_colour(text: &str) -> String {
    text.replace("\x1b[1;44m", "").replace("\x1b[0m", "")
}

fn digits_as_hashes(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// A TCP connection from the test, every read under the test timeout.
fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect_timeout(&addr, TEST_TIMEOUT).expect("connect");
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    conn
}

/// Reads exactly `len` bytes (failing if the peer closes first) and returns them.
fn read_n(conn: &mut TcpStream, len: usize) -> Vec<u8> {
    let mut got = vec![0u8; len];
    conn.read_exact(&mut got).expect("the expected bytes");
    got
}

fn read_to_end(conn: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).expect("read to the end");
    rest
}

/// A UDP socket of the test, every read under the test timeout.
fn udp_peer() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    socket
}

fn recv_from(socket: &UdpSocket) -> (Vec<u8>, SocketAddr) {
    let mut buf = [0u8; 65_536];
    let (n, from) = socket.recv_from(&mut buf).expect("a datagram");
    (buf[..n].to_vec(), from)
}

// ---------------------------------------------------------------------------
// TCP: the first server and client (8898).

const TCP_SERVER: Side = Side::Rust("tcp-demo", "tcp_server");
const TCP_CLIENT: Side = Side::Rust("tcp-demo", "tcp_client");

#[test]
fn tcp_server_and_client_exchange_hello_and_hi_with_python_either_side() {
    for (server_side, client_side) in pairs(
        TCP_SERVER,
        TCP_CLIENT,
        Side::Python("tcp_server"),
        Side::Python("tcp_client"),
    ) {
        let server = Server::start(server_side);
        let addr = server.addr;
        let client = run_client(client_side, addr, "", &[]);
        assert_eq!(stdout_text(&client), "b'hi'\n", "{client_side:?}");
        let (code, printed) = server.finish();
        assert_eq!(code, Some(0), "{server_side:?}");
        assert_eq!(
            printed,
            format!("listening on {addr}\nb'hello!'\n"),
            "{server_side:?} with {client_side:?}"
        );
    }
}

#[test]
fn tcp_client_listing_sends_exactly_hello() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = thread::spawn(move || run_client(TCP_CLIENT, addr, "", &[]));
    let (mut conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    assert_eq!(read_n(&mut conn, 6), b"hello!");
    conn.write_all(b"hi").unwrap();
    assert_eq!(read_to_end(&mut conn), b"", "nothing after b'hello!'");
    assert_eq!(stdout_text(&client.join().unwrap()), "b'hi'\n");
}

#[test]
fn tcp_server_listing_answers_exactly_hi_and_prints_bytes_as_python_does() {
    let server = Server::start(TCP_SERVER);
    let mut conn = connect(server.addr);
    // Not UTF-8, and a quote: Python prints b'\xff\'' — escape_ascii prints it alike.
    conn.write_all(b"\xff'").unwrap();
    assert_eq!(read_to_end(&mut conn), b"hi");
    let (code, printed) = server.finish();
    assert_eq!(code, Some(0));
    assert!(printed.ends_with("\nb'\\xff\\''\n"), "{printed:?}");
}

/// The book's "Run it": the first server in terminal 1, its client in terminal 2.
#[test]
fn the_books_tcp_terminals_are_what_the_listings_print() {
    let server = Server::start(TCP_SERVER);
    let addr = server.addr;
    let client = run_client(TCP_CLIENT, addr, "", &[]);
    let (_, printed) = server.finish();
    let shown = "127.0.0.1:8898";
    check_session_output(
        "ch04-listing-tcp-server.session.txt",
        &screen(
            "cargo run -q -p tcp-demo --example tcp_server",
            &printed,
            &[],
            &[],
            "",
            addr,
            shown,
        ),
    );
    check_session_output(
        "ch04-listing-tcp-client.session.txt",
        &screen(
            "cargo run -q -p tcp-demo --example tcp_client",
            &stdout_text(&client),
            &[],
            &[],
            "",
            addr,
            shown,
        ),
    );
}

// ---------------------------------------------------------------------------
// TCP: the classroom variant (8080), the server speaks first.

#[test]
fn classroom_server_greets_first_and_prints_the_answer_with_python_either_side() {
    for (server_side, client_side) in pairs(
        Side::Rust("tcp-demo", "tcp_classroom_server"),
        Side::Rust("tcp-demo", "tcp_classroom_client"),
        Side::Python("tcp_classroom_server"),
        Side::Python("tcp_classroom_client"),
    ) {
        let server = Server::start(server_side);
        let addr = server.addr;
        let client = run_client(client_side, addr, "", &[]);
        assert_eq!(stdout_text(&client), "b'hello'\n", "{client_side:?}");
        let (code, printed) = server.finish();
        assert_eq!(code, Some(0), "{server_side:?}");
        let lines: Vec<&str> = printed.lines().collect();
        let [listening, conn, peer, answer] = lines[..] else {
            panic!("{server_side:?} printed {printed:?}");
        };
        assert_eq!(listening, format!("listening on {addr}"));
        // print(conn): each language describes the socket its own way, but both
        // name the server's port.
        let port = addr.port().to_string();
        assert!(conn.contains(&port), "{conn}");
        // print(addr): the client's address as a Python tuple, on both sides.
        let peer_port = peer
            .strip_prefix("('127.0.0.1', ")
            .and_then(|rest| rest.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{server_side:?}: print(addr) gave {peer:?}"));
        assert!(peer_port.parse::<u16>().is_ok(), "{peer}");
        assert_eq!(answer, "b'byebye!'");
    }
}

#[test]
fn classroom_listings_send_exactly_hello_and_byebye() {
    let server = Server::start(Side::Rust("tcp-demo", "tcp_classroom_server"));
    let mut conn = connect(server.addr);
    assert_eq!(read_n(&mut conn, 5), b"hello");
    conn.write_all(b"byebye!").unwrap();
    assert_eq!(read_to_end(&mut conn), b"");

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client_side = Side::Rust("tcp-demo", "tcp_classroom_client");
    let client = thread::spawn(move || run_client(client_side, addr, "", &[]));
    let (mut conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    conn.write_all(b"hello").unwrap();
    assert_eq!(read_to_end(&mut conn), b"byebye!");
    assert_eq!(stdout_text(&client.join().unwrap()), "b'hello'\n");
}

// ---------------------------------------------------------------------------
// TCP: the chat tool (9000), turns typed on two keyboards.

const CHAT_SERVER: Side = Side::Rust("tcp-demo", "chat_server");
const CHAT_CLIENT: Side = Side::Rust("tcp-demo", "chat_client");

/// One conversation: the server says 你好, the client 在吗?, the server ends it with
/// q. Returns the server (waiting for its next client) and the client's output.
fn chat(server_side: Side, client_side: Side) -> (Server, Output) {
    let mut server = Server::start(server_side);
    server.type_text("你好\nq\n");
    let client = run_client(client_side, server.addr, "在吗?\n", &[]);
    (server, client)
}

#[test]
fn chat_programs_take_turns_with_python_either_side() {
    for (server_side, client_side) in pairs(
        CHAT_SERVER,
        CHAT_CLIENT,
        Side::Python("chat_server"),
        Side::Python("chat_client"),
    ) {
        let (mut server, client) = chat(server_side, client_side);
        assert_eq!(
            stdout_text(&client),
            "你好\n>>>q\n",
            "{client_side:?} with {server_side:?}"
        );
        // After q the server accepts the next client; Ctrl-C stops it.
        let addr = server.addr;
        server.wait_for("在吗?\n>>>");
        assert_eq!(
            server.interrupt(),
            format!("listening on {addr}\n>>>在吗?\n>>>"),
            "{server_side:?} with {client_side:?}"
        );
    }
}

#[test]
fn chat_listings_send_exactly_the_typed_lines_utf8_encoded() {
    let mut server = Server::start(CHAT_SERVER);
    server.type_text("你好\nq\n");
    let mut conn = connect(server.addr);
    assert_eq!(read_n(&mut conn, "你好".len()), "你好".as_bytes());
    conn.write_all("在吗?".as_bytes()).unwrap();
    assert_eq!(read_to_end(&mut conn), b"q", "q, then the server closes");
    server.wait_for("在吗?\n");

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = thread::spawn(move || run_client(CHAT_CLIENT, addr, "在吗?\nq\n", &[]));
    let (mut conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    conn.write_all("你好".as_bytes()).unwrap();
    assert_eq!(read_n(&mut conn, "在吗?".len()), "在吗?".as_bytes());
    conn.write_all(b"ok").unwrap();
    assert_eq!(read_to_end(&mut conn), b"q", "its own q, then it closes");
    assert_eq!(stdout_text(&client.join().unwrap()), "你好\n>>>ok\n>>>");
}

#[test]
fn the_end_of_the_keyboard_stops_both_chat_servers_alike() {
    let mut sides = vec![CHAT_SERVER];
    if peer_available("python3") {
        sides.push(Side::Python("chat_server"));
    }
    for side in sides {
        let mut server = Server::start(side);
        server.type_text("你好\n");
        let mut conn = connect(server.addr);
        assert_eq!(read_n(&mut conn, "你好".len()), "你好".as_bytes());
        conn.write_all(b"bye").unwrap();
        // The next turn finds the end of the input: the server stops, exit code 0.
        let addr = server.addr;
        let (code, printed) = server.finish();
        assert_eq!(code, Some(0), "{side:?}");
        assert_eq!(
            printed,
            format!("listening on {addr}\n>>>bye\n>>>"),
            "{side:?}"
        );
    }
}

/// The book's "Run it" for the chat: typed on both keyboards.
#[test]
fn the_books_chat_terminals_are_what_the_listings_print() {
    let (mut server, client) = chat(CHAT_SERVER, CHAT_CLIENT);
    let addr = server.addr;
    server.wait_for("在吗?\n>>>");
    let shown = "127.0.0.1:9000";
    check_session_output(
        "ch04-listing-chat-server.session.txt",
        &screen(
            "cargo run -q -p tcp-demo --example chat_server",
            &server.interrupt(),
            &[">>>"],
            &["你好", "q"],
            "^C\n",
            addr,
            shown,
        ),
    );
    check_session_output(
        "ch04-listing-chat-client.session.txt",
        &screen(
            "cargo run -q -p tcp-demo --example chat_client",
            &stdout_text(&client),
            &[">>>"],
            &["在吗?"],
            "",
            addr,
            shown,
        ),
    );
}

// ---------------------------------------------------------------------------
// UDP: the first server and client (9000).

const UDP_SERVER: Side = Side::Rust("udp-demo", "udp_server");
const UDP_CLIENT: Side = Side::Rust("udp-demo", "udp_client");

#[test]
fn udp_server_and_client_exchange_hello_and_hi_with_python_either_side() {
    for (server_side, client_side) in pairs(
        UDP_SERVER,
        UDP_CLIENT,
        Side::Python("udp_server"),
        Side::Python("udp_client"),
    ) {
        let server = Server::start(server_side);
        let addr = server.addr;
        let client = run_client(client_side, addr, "", &[]);
        // Python: print(back_msg.decode('utf-8'), addr), the address as a tuple.
        assert_eq!(
            stdout_text(&client),
            format!("hi ('127.0.0.1', {})\n", addr.port()),
            "{client_side:?}"
        );
        let (code, printed) = server.finish();
        assert_eq!(code, Some(0), "{server_side:?}");
        assert_eq!(printed, format!("listening on {addr}\nb'hello'\n"));
    }
}

#[test]
fn udp_listings_send_exactly_hello_and_hi() {
    let server = Server::start(UDP_SERVER);
    let peer = udp_peer();
    peer.send_to(b"hello", server.addr).unwrap();
    assert_eq!(recv_from(&peer), (b"hi".to_vec(), server.addr));
    server.finish();

    let peer = udp_peer();
    let addr = peer.local_addr().unwrap();
    let client = thread::spawn(move || run_client(UDP_CLIENT, addr, "", &[]));
    let (request, from) = recv_from(&peer);
    assert_eq!(request, b"hello");
    peer.send_to(b"hi", from).unwrap();
    assert_eq!(
        stdout_text(&client.join().unwrap()),
        format!("hi ('127.0.0.1', {})\n", addr.port())
    );
}

/// The book's "Run it" for UDP.
#[test]
fn the_books_udp_terminals_are_what_the_listings_print() {
    let server = Server::start(UDP_SERVER);
    let addr = server.addr;
    let client = run_client(UDP_CLIENT, addr, "", &[]);
    let (_, printed) = server.finish();
    let shown = "127.0.0.1:9000";
    check_session_output(
        "ch04-listing-udp-server.session.txt",
        &screen(
            "cargo run -q -p udp-demo --example udp_server",
            &printed,
            &[],
            &[],
            "",
            addr,
            shown,
        ),
    );
    check_session_output(
        "ch04-listing-udp-client.session.txt",
        &screen(
            "cargo run -q -p udp-demo --example udp_client",
            &stdout_text(&client),
            &[],
            &[],
            "",
            addr,
            shown,
        ),
    );
}

// ---------------------------------------------------------------------------
// UDP: the QQ chat (8081).

const QQ_SERVER: Side = Side::Rust("udp-demo", "qq_server");
const QQ_CLIENT: Side = Side::Rust("udp-demo", "qq_client");
const CHOOSE: &str = "请选择聊天对象: ";
const MESSAGE: &str = "请输入消息,回车发送,输入q结束和他的聊天: ";
const REPLY: &str = "回复消息: ";

/// The client picks 金老板 and asks 在吗?, the server answers 在, the client's q
/// goes back to choosing a contact, where its keyboard ends.
fn qq(server_side: Side, client_side: Side) -> (Server, Output) {
    let mut server = Server::start(server_side);
    server.type_text("在\n");
    let client = run_client(client_side, server.addr, "金老板\n在吗?\nq\n", &[]);
    (server, client)
}

#[test]
fn qq_programs_talk_with_python_either_side() {
    for (server_side, client_side) in pairs(
        QQ_SERVER,
        QQ_CLIENT,
        Side::Python("qq_server"),
        Side::Python("qq_client"),
    ) {
        let (mut server, client) = qq(server_side, client_side);
        let addr = server.addr;
        assert_eq!(
            stdout_text(&client),
            format!(
                "{CHOOSE}{MESSAGE}来自[{addr}]的一条消息:\x1b[1;44m在\x1b[0m\n{MESSAGE}{CHOOSE}"
            ),
            "{client_side:?} with {server_side:?}"
        );
        server.wait_for(REPLY);
        let printed = server.interrupt();
        let shown = mask_ports(&printed, &[&addr.to_string()]);
        assert_eq!(
            shown,
            format!(
                "listening on {addr}\n来自[127.0.0.1:<port>]的一条消息:\x1b[1;44m在吗?\x1b[0m\n{REPLY}"
            ),
            "{server_side:?} with {client_side:?}"
        );
    }
}

#[test]
fn qq_listings_send_exactly_the_typed_words_and_skip_unknown_contacts() {
    let mut server = Server::start(QQ_SERVER);
    server.type_text(" 在 \n");
    let peer = udp_peer();
    peer.send_to("在吗?".as_bytes(), server.addr).unwrap();
    // The reply is stripped, as Python's .strip() does.
    assert_eq!(recv_from(&peer), ("在".as_bytes().to_vec(), server.addr));
    let peer_addr = peer.local_addr().unwrap();
    server.wait_for(&format!(
        "来自[{peer_addr}]的一条消息:\x1b[1;44m在吗?\x1b[0m\n"
    ));

    let peer = udp_peer();
    let addr = peer.local_addr().unwrap();
    // An unknown contact and an empty line send nothing; 哪吒 is in the table.
    let typed = "nobody\nhello\nq\n哪吒\n\n 在吗? \nq\n";
    let client = thread::spawn(move || run_client(QQ_CLIENT, addr, typed, &[]));
    let (request, from) = recv_from(&peer);
    assert_eq!(
        request,
        "在吗?".as_bytes(),
        "only the message to 哪吒, stripped"
    );
    peer.send_to("在".as_bytes(), from).unwrap();
    let printed = stdout_text(&client.join().unwrap());
    assert!(
        printed.contains(&format!("来自[{addr}]的一条消息:\x1b[1;44m在\x1b[0m\n")),
        "{printed}"
    );
}

/// The book's "Run it" for the QQ chat (the colour taken out: see [`without_colour`]).
#[test]
fn the_books_qq_terminals_are_what_the_listings_print() {
    let (mut server, client) = qq(QQ_SERVER, QQ_CLIENT);
    let addr = server.addr;
    server.wait_for(REPLY);
    let shown = "127.0.0.1:8081";
    check_session_output(
        "ch04-listing-qq-server.session.txt",
        &without_colour(&screen(
            "cargo run -q -p udp-demo --example qq_server",
            &server.interrupt(),
            &[REPLY],
            &["在"],
            "^C\n",
            addr,
            shown,
        )),
    );
    check_session_output(
        "ch04-listing-qq-client.session.txt",
        &without_colour(&screen(
            "cargo run -q -p udp-demo --example qq_client",
            &stdout_text(&client),
            &[CHOOSE, MESSAGE],
            &["金老板", "在吗?", "q"],
            "^D\n",
            addr,
            shown,
        )),
    );
}

// ---------------------------------------------------------------------------
// UDP: the time server (9000).

const TIME_SERVER: Side = Side::Rust("time-sync", "time_server");
const TIME_CLIENT: Side = Side::Rust("time-sync", "time_client");

/// One request to a time server on a fresh socket.
fn ask_time(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let peer = udp_peer();
    peer.send_to(request, addr).unwrap();
    let (reply, from) = recv_from(&peer);
    assert_eq!(from, addr);
    reply
}

#[test]
fn time_server_and_client_agree_with_python_either_side() {
    for (server_side, client_side) in pairs(
        TIME_SERVER,
        TIME_CLIENT,
        Side::Python("time_server"),
        Side::Python("time_client"),
    ) {
        let mut server = Server::start(server_side);
        let addr = server.addr;
        let client = run_client(client_side, addr, "", &[]);
        assert_eq!(
            digits_as_hashes(&stdout_text(&client)),
            "####-##-## ##:##:##\n",
            "{client_side:?} with {server_side:?}"
        );
        let client = run_client(client_side, addr, "", &["%H:%M"]);
        assert_eq!(digits_as_hashes(&stdout_text(&client)), "##:##\n");
        server.wait_for("%H:%M'\n");
        assert_eq!(
            server.interrupt(),
            format!("listening on {addr}\n===> b'%Y-%m-%d %H:%M:%S'\n===> b'%H:%M'\n"),
            "{server_side:?}"
        );
    }
}

/// The listing's replies are Python's, byte for byte, for the formats a student
/// uses. Each Python reply is taken between two of the listing's: if the clock
/// ticked over in between, it equals one of them.
#[test]
fn time_server_listing_renders_formats_as_python_does() {
    if !peer_available("python3") {
        return;
    }
    let rust = Server::start(TIME_SERVER);
    let python = Server::start(Side::Python("time_server"));
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "",
        "%Y-%m-%d %X",
        "%H:%M",
        "%a %b %d %j %y %p %%",
        "年%Y月%m日",
    ] {
        let before = ask_time(rust.addr, format.as_bytes());
        let theirs = ask_time(python.addr, format.as_bytes());
        let after = ask_time(rust.addr, format.as_bytes());
        assert!(
            theirs == before || theirs == after,
            "{format:?}: Python {:?}, the listing {:?} / {:?}",
            String::from_utf8_lossy(&theirs),
            String::from_utf8_lossy(&before),
            String::from_utf8_lossy(&after),
        );
    }
}

/// chrono's `format(..).to_string()` would panic on %Q; the listing answers and
/// goes on serving, also after bytes that are not UTF-8.
#[test]
fn time_server_listing_survives_a_bad_format_and_bad_bytes() {
    let server = Server::start(TIME_SERVER);
    assert_eq!(ask_time(server.addr, b"%Q"), b"error: cannot format \"%Q\"");
    let year = ask_time(server.addr, b"\xff%Y");
    assert_eq!(
        digits_as_hashes(&String::from_utf8(year).unwrap()),
        "\u{fffd}####"
    );
    assert_eq!(
        digits_as_hashes(&String::from_utf8(ask_time(server.addr, b"%Y")).unwrap()),
        "####"
    );
}

#[test]
fn time_client_listing_sends_exactly_its_format() {
    let peer = udp_peer();
    let addr = peer.local_addr().unwrap();
    let client = thread::spawn(move || run_client(TIME_CLIENT, addr, "", &["%H"]));
    let (request, from) = recv_from(&peer);
    assert_eq!(request, b"%H");
    peer.send_to(b"12", from).unwrap();
    assert_eq!(stdout_text(&client.join().unwrap()), "12\n");
}

/// The book's "Run it" for the time server (times shown as `#`).
#[test]
fn the_books_time_terminals_are_what_the_listings_print() {
    let mut server = Server::start(TIME_SERVER);
    let addr = server.addr;
    let shown = "127.0.0.1:9000";
    let mut terminal_2 = String::new();
    // As the book shows each command, and the arguments after the address.
    for (shown_command, extra) in [
        ("cargo run -q -p time-sync --example time_client", &[][..]),
        (
            "cargo run -q -p time-sync --example time_client 127.0.0.1:9000 '%Q'",
            &["%Q"][..],
        ),
    ] {
        let client = run_client(TIME_CLIENT, addr, "", extra);
        terminal_2.push_str(&screen(
            shown_command,
            &digits_as_hashes(&stdout_text(&client)),
            &[],
            &[],
            "",
            addr,
            shown,
        ));
    }
    server.wait_for("%Q'\n");
    check_session_output(
        "ch04-listing-time-server.session.txt",
        &screen(
            "cargo run -q -p time-sync --example time_server",
            &server.interrupt(),
            &[],
            &[],
            "^C\n",
            addr,
            shown,
        ),
    );
    check_session_output("ch04-listing-time-client.session.txt", &terminal_2);
}
