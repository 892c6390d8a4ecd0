//! Chapter 8 (八.socketserver模块): the listings (crates/chat/examples/) against the
//! tutorial's Python socketserver programs in tests/python/, in both directions and
//! with several clients connected at once; and the three terminals the book shows.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::thread;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, Terminal, check_session_output, interrupt, peer_available, run,
    stderr_text, stdout_text, tutorial_python, workspace_example,
};

/// Which twin of the pair plays a side.
#[derive(Clone, Copy, Debug)]
enum Twin {
    Rust,
    Python,
}

use Twin::{Python, Rust};

/// The program `name` (a listing, or tests/python/NAME.py) and its arguments.
fn command(twin: Twin, name: &str, arg: &str) -> (PathBuf, Vec<String>) {
    match twin {
        Rust => (workspace_example("chat", name), vec![arg.to_string()]),
        Python => {
            let script = tutorial_python(&format!("{name}.py")).display().to_string();
            (PathBuf::from("python3"), vec![script, arg.to_string()])
        }
    }
}

fn server(twin: Twin) -> ServerProcess {
    let (program, args) = command(twin, "socketserver_server", "127.0.0.1:0");
    ServerProcess::start(program, &args)
}

/// A client in a terminal: `>>: `, then what the test types, then the answer.
fn client_terminal(twin: Twin, addr: SocketAddr) -> Terminal {
    let (program, args) = command(twin, "socketserver_client", &addr.to_string());
    let mut terminal = Terminal::open("client", program, &args);
    terminal.expect(">>: ");
    terminal
}

/// Sends `bytes` on a fresh connection and reads back exactly as many.
fn echo_once(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect_timeout(&addr, TEST_TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    stream.write_all(bytes).unwrap();
    let mut reply = vec![0u8; bytes.len()];
    stream.read_exact(&mut reply).expect("the upper-cased echo");
    reply
}

#[test]
fn both_servers_upper_case_only_ascii_letters_like_bytes_upper() {
    let twins: &[Twin] = if peer_available("python3") {
        &[Rust, Python]
    } else {
        &[Rust]
    };
    // ß and 你好 stay as they are, and so do bytes that are not UTF-8 at all.
    let sent = b"hello, World! stra\xc3\x9fe \xe4\xbd\xa0\xe5\xa5\xbd \xff\xfe ok";
    let upper = b"HELLO, WORLD! STRA\xc3\x9fE \xe4\xbd\xa0\xe5\xa5\xbd \xff\xfe OK";
    for &twin in twins {
        let server = server(twin);
        assert_eq!(echo_once(server.addr, sent), upper, "{twin:?}");
    }
}

#[test]
fn several_clients_are_served_at_once_both_ways() {
    if !peer_available("python3") {
        return;
    }
    for (server_twin, client_twin) in [(Rust, Python), (Python, Rust)] {
        let server = server(server_twin);
        // Three clients connect and each is answered while the others stay
        // connected: a server that served one client at a time would leave the
        // second one waiting (and this test would time out).
        let mut clients: Vec<Terminal> = (1..=3)
            .map(|i| {
                let mut terminal = client_terminal(client_twin, server.addr);
                terminal.type_line(&format!("hello from client {i}"));
                terminal.expect(&format!("HELLO FROM CLIENT {i}\n>>: "));
                terminal
            })
            .collect();
        for (i, terminal) in clients.iter_mut().enumerate().rev() {
            terminal.type_line(&format!("  still here, {} ", i + 1));
            terminal.expect(&format!("STILL HERE, {}\n>>: ", i + 1));
            terminal.type_line("");
            terminal.expect(">>: ");
        }
        for (i, mut terminal) in clients.into_iter().enumerate() {
            terminal.type_line("q");
            let (code, screen, stderr) = terminal.close();
            let pair = format!("{server_twin:?} server, {client_twin:?} client {}", i + 1);
            assert_eq!(code, Some(0), "{pair}: {stderr}");
            assert_eq!(stderr, "", "{pair}");
            let n = i + 1;
            assert_eq!(
                screen,
                format!(
                    "$ client\n>>: hello from client {n}\nHELLO FROM CLIENT {n}\n\
                     >>:   still here, {n} \nSTILL HERE, {n}\n>>: \n>>: q\n"
                ),
                "{pair}"
            );
        }
    }
}

#[test]
fn both_clients_print_the_same_for_the_same_input() {
    if !peer_available("python3") {
        return;
    }
    let server = server(Rust);
    let expected = ">>: HELLO\n>>: >>: 你好 ABC\n>>: ";
    for twin in [Rust, Python] {
        let (program, args) = command(twin, "socketserver_client", &server.addr.to_string());
        let output = run(
            program,
            &args,
            "hello\n\n  你好 abc \nq\nnever sent\n".as_bytes(),
        );
        assert!(
            output.status.success(),
            "{twin:?}: {}",
            stderr_text(&output)
        );
        assert_eq!(stdout_text(&output), expected, "{twin:?}");
    }
}

#[test]
fn the_rust_server_serves_64_clients_that_connect_at_the_same_moment() {
    const CLIENTS: usize = 64;
    let server = server(Rust);
    let addr = server.addr;
    let start_line = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let start_line = Arc::clone(&start_line);
            thread::spawn(move || {
                start_line.wait();
                echo_once(addr, format!("client number {i}").as_bytes())
            })
        })
        .collect();
    for (i, client) in clients.into_iter().enumerate() {
        let reply = client.join().expect("client thread");
        assert_eq!(reply, format!("CLIENT NUMBER {i}").into_bytes());
    }
}

/// The three terminals of the book's "Run it"
/// (docs/src/output/ch08-listing-socketserver-*.session.txt): the server and two
/// clients, the second one served while the first is still connected.
#[test]
fn the_books_socketserver_session_is_what_the_programs_print() {
    let server = server(Rust);
    let addr = server.addr.to_string();
    let shown = "127.0.0.1:9999";
    let client = || {
        let program = workspace_example("chat", "socketserver_client");
        let shown = "cargo run -q -p chat --example socketserver_client";
        let mut terminal = Terminal::open(shown, program, &[&addr]);
        terminal.expect(">>: ");
        terminal
    };
    let mut terminal_2 = client();
    terminal_2.type_line("hello");
    terminal_2.expect("HELLO\n>>: ");
    let mut terminal_3 = client();
    terminal_3.type_line("你好 abc");
    terminal_3.expect("你好 ABC\n>>: ");
    // Terminal 2 is still served: one thread per client.
    terminal_2.type_line("still here");
    terminal_2.expect("STILL HERE\n>>: ");
    for (file, mut terminal) in [
        ("ch08-listing-socketserver-client-1.session.txt", terminal_2),
        ("ch08-listing-socketserver-client-2.session.txt", terminal_3),
    ] {
        terminal.type_line("q");
        let (code, screen, stderr) = terminal.close();
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(stderr, "");
        check_session_output(file, &screen);
    }
    // No signal handler: Ctrl-C ends the server the hard way, as in Python.
    let shown_server = "cargo run -q -p chat --example socketserver_server";
    let (code, terminal_1) = interrupt(shown_server, server, shown);
    assert_eq!(code, None, "killed by SIGINT");
    check_session_output("ch08-listing-socketserver-server.session.txt", &terminal_1);
}
