//! Chapter 8 (八.socketserver模块): the tutorial's socketserver echo in Rust,
//! threaded and async, against the tutorial's Python client and a crowd of 64
//! clients connecting at the same moment.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use netlab_common::testing::{
    ServerProcess, TEST_TIMEOUT, check_session_output, mask_ports, on_path, run, show_port_as,
    stdout_text, workspace_bin,
};

const PYTHON_CLIENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/python/socketserver_client.py"
);

fn python_available() -> bool {
    if on_path("python3") {
        return true;
    }
    assert!(
        std::env::var_os("NETLAB_REQUIRE_PEERS").is_none(),
        "python3 is required (NETLAB_REQUIRE_PEERS is set)"
    );
    eprintln!("note: python3 not found, skipping the Python interop test");
    false
}

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
    if !python_available() {
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
    if !python_available() {
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

/// The session the book shows (docs/src/output/ch08-threaded-echo-terminal-*.session.txt):
/// `chat threaded-echo` and two copies of the tutorial's Python client, the second
/// one served while the first is still connected.
#[test]
fn the_books_threaded_echo_session_is_what_the_programs_print() {
    if !python_available() {
        return;
    }
    let server = start("threaded-echo");
    let addr = server.addr.to_string();
    let shown = chat::echo::DEFAULT_ADDR;
    let python_client = || {
        Terminal::open(
            &format!("python3 tests/python/socketserver_client.py {shown}"),
            "python3",
            &[PYTHON_CLIENT, &addr],
        )
    };
    let mut terminal_2 = python_client();
    terminal_2.expect(">>: ");
    terminal_2.type_line("hello");
    terminal_2.expect("HELLO\n>>: ");
    let mut terminal_3 = python_client();
    terminal_3.expect(">>: ");
    terminal_3.type_line("你好 abc");
    terminal_3.expect("你好 ABC\n>>: ");
    // Terminal 2 is still served: one thread per client.
    terminal_2.type_line("still here");
    terminal_2.expect("STILL HERE\n>>: ");
    for (file, mut terminal) in [
        ("ch08-threaded-echo-terminal-2.session.txt", terminal_2),
        ("ch08-threaded-echo-terminal-3.session.txt", terminal_3),
    ] {
        terminal.type_line("q");
        let (code, screen, stderr) = terminal.close();
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(stderr, "");
        check_session_output(file, &screen);
    }
    // No signal handler: Ctrl-C ends `serve_forever` the hard way, as in Python.
    let (code, terminal_1) = interrupt("chat threaded-echo", server, shown);
    assert_eq!(code, None, "killed by SIGINT");
    check_session_output("ch08-threaded-echo-terminal-1.session.txt", &terminal_1);
}

/// Presses Ctrl-C in a server's terminal (SIGINT), waits for it to exit and
/// returns its exit code and its screen: `$ shown_command`, the `listening on`
/// line, `^C` where Ctrl-C was pressed, and what it printed after that, with
/// the port the OS chose shown as `shown_addr`'s. Only for servers that print
/// nothing while they serve: a line printed before the signal would be shown
/// after `^C` (and the session file, which shows it, would be wrong).
fn interrupt(
    shown_command: &str,
    server: ServerProcess,
    shown_addr: &str,
) -> (Option<i32>, String) {
    let addr = server.addr;
    let status = Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let (code, printed) = server.wait_output();
    let (first, after) = printed.split_first().expect("the listening line");
    let mut screen = format!("$ {shown_command}\n{first}\n^C\n");
    for line in after {
        screen.push_str(line);
        screen.push('\n');
    }
    let screen = mask_ports(&show_port_as(&screen, addr, shown_addr), &[shown_addr]);
    (code, screen)
}

/// One terminal of a session the book shows: a program whose keyboard the test
/// types on (a stdin pipe) and whose screen it reads as it arrives (a stdout
/// pipe). `screen` is the text a reader would see in that terminal: what the
/// program printed and, where it was typed, what was typed — a terminal echoes
/// your typing, a pipe does not, so the test writes it in itself. The test waits
/// for everything a step prints before typing the next line, so the screen is
/// the same on every run.
struct Terminal {
    child: Option<Child>,
    keyboard: Option<ChildStdin>,
    printed: Receiver<Vec<u8>>,
    stderr: Receiver<Vec<u8>>,
    screen: Vec<u8>,
    /// How much of `screen` earlier `expect`s have matched.
    seen: usize,
}

impl Terminal {
    /// Runs `program args...` and shows `$ shown` as its first line.
    fn open<S: AsRef<OsStr>>(shown: &str, program: impl AsRef<OsStr>, args: &[S]) -> Terminal {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("NO_COLOR", "1")
            .spawn()
            .expect("start the terminal's program");
        let keyboard = child.stdin.take();
        let printed = forward(child.stdout.take().expect("piped stdout"));
        let stderr = forward(child.stderr.take().expect("piped stderr"));
        Terminal {
            child: Some(child),
            keyboard,
            printed,
            stderr,
            screen: format!("$ {shown}\n").into_bytes(),
            seen: 0,
        }
    }

    /// Waits (at most `TEST_TIMEOUT`) until the program has printed `text` after
    /// what earlier calls matched.
    fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + TEST_TIMEOUT;
        loop {
            let unmatched = &self.screen[self.seen..];
            if let Some(at) = unmatched
                .windows(text.len())
                .position(|window| window == text.as_bytes())
            {
                self.seen += at + text.len();
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.printed.recv_timeout(left) {
                Ok(chunk) => self.screen.extend_from_slice(&chunk),
                Err(e) => panic!(
                    "no {text:?} ({e}); the screen so far:\n{}",
                    String::from_utf8_lossy(&self.screen)
                ),
            }
        }
    }

    /// Types `line` and Enter.
    fn type_line(&mut self, line: &str) {
        self.screen
            .extend_from_slice(format!("{line}\n").as_bytes());
        let keyboard = self.keyboard.as_mut().expect("keyboard still open");
        keyboard
            .write_all(format!("{line}\n").as_bytes())
            .expect("type into the program");
        keyboard.flush().expect("flush the keyboard");
    }

    /// Ends the input (Ctrl-D), waits for the program to exit and returns its
    /// exit code, its screen and what it wrote on stderr.
    fn close(mut self) -> (Option<i32>, String, String) {
        self.keyboard = None;
        let deadline = Instant::now() + TEST_TIMEOUT;
        // The reader threads finish when the program closes its output (exits).
        let rest = drain(&self.printed, deadline);
        self.screen.extend_from_slice(&rest);
        let stderr = drain(&self.stderr, deadline);
        let mut child = self.child.take().expect("the program");
        let pid = child.id();
        let (done_tx, done_rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = done_tx.send(child.wait());
        });
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(Ok(status)) = done_rx.recv_timeout(left) else {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("the program did not exit within {TEST_TIMEOUT:?}");
        };
        (
            status.code(),
            String::from_utf8(std::mem::take(&mut self.screen)).expect("UTF-8 screen"),
            String::from_utf8_lossy(&stderr).into_owned(),
        )
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Forwards what a pipe delivers, chunk by chunk, to a channel that closes at
/// the end of the output.
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

/// Everything a channel of [`forward`] still delivers until its pipe closes;
/// panics at `deadline`.
fn drain(chunks: &Receiver<Vec<u8>>, deadline: Instant) -> Vec<u8> {
    let mut all = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match chunks.recv_timeout(left) {
            Ok(chunk) => all.extend_from_slice(&chunk),
            Err(RecvTimeoutError::Disconnected) => return all,
            Err(RecvTimeoutError::Timeout) => {
                panic!("the program did not exit within {TEST_TIMEOUT:?}")
            }
        }
    }
}
