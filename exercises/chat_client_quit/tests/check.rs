use std::io::{Cursor, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use ex_chat_client_quit::{Ending, chat};

/// How long the scripted server waits for each expected message.
const STEP: Duration = Duration::from_secs(2);
/// How long a test waits for `chat` to return.
const LIMIT: Duration = Duration::from_secs(10);

/// What the scripted server does, in order.
enum Step {
    Send(&'static str),
    Expect(&'static str),
}

/// A server on 127.0.0.1:0 that follows `script`, then closes. It returns an error
/// describing the first surprise.
fn scripted_server(script: Vec<Step>) -> (SocketAddr, JoinHandle<Result<(), String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (mut conn, _) = listener.accept().map_err(|e| e.to_string())?;
        conn.set_read_timeout(Some(STEP)).unwrap();
        for step in script {
            match step {
                Step::Send(text) => conn.write_all(text.as_bytes()).map_err(|e| e.to_string())?,
                Step::Expect(text) => {
                    let expected = text.as_bytes();
                    let mut got = vec![0u8; expected.len()];
                    conn.read_exact(&mut got).map_err(|e| {
                        format!(
                            "what the client sent: expected {} bytes {} ({text:?}), \
                             did not get them all within 2 s ({e})",
                            expected.len(),
                            show(expected)
                        )
                    })?;
                    if got != expected {
                        return Err(format!(
                            "what the client sent: expected {} bytes {} ({text:?}), \
                             got {} bytes {} ({:?})",
                            expected.len(),
                            show(expected),
                            got.len(),
                            show(&got),
                            String::from_utf8_lossy(&got)
                        ));
                    }
                }
            }
        }
        Ok(())
    });
    (addr, handle)
}

/// Runs `chat` against `script` with `input`; returns its ending, what it showed,
/// and the server's verdict.
fn run(script: Vec<Step>, input: &str) -> (Ending, Vec<String>, Result<(), String>) {
    let (addr, server) = scripted_server(script);
    let input = input.as_bytes().to_vec();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut conn = TcpStream::connect(addr).unwrap();
        conn.set_read_timeout(Some(LIMIT)).unwrap();
        let mut shown = Vec::new();
        let ending = chat(&mut conn, &mut Cursor::new(input), &mut shown);
        let _ = tx.send((ending.map_err(|e| e.to_string()), shown));
    });
    let (ending, shown) = rx.recv_timeout(LIMIT).expect("chat() must not hang");
    let verdict = server.join().unwrap();
    (ending.expect("chat() returned an error"), shown, verdict)
}

#[test]
fn one_turn_each_then_we_quit() {
    let (ending, shown, server) = run(
        vec![
            Step::Send("你好"),
            Step::Expect("再见"),
            Step::Send("慢走"),
            Step::Expect("q"),
        ],
        "再见\nq\n",
    );
    assert_no_surprise(server);
    assert_eq!(ending, Ending::WeQuit);
    assert_eq!(shown, vec!["你好", "慢走"]);
}

#[test]
fn the_server_says_q() {
    let (ending, shown, server) = run(
        vec![Step::Send("你好"), Step::Expect("嗯"), Step::Send("q")],
        "嗯\nmore\n",
    );
    assert_no_surprise(server);
    assert_eq!(ending, Ending::TheyQuit);
    assert_eq!(shown, vec!["你好"], "q is not a message to show");
}

#[test]
fn the_server_leaves_without_q() {
    let (ending, shown, server) = run(vec![Step::Send("bye"), Step::Expect("ok")], "ok\nmore\n");
    assert_no_surprise(server);
    assert_eq!(ending, Ending::TheyLeft);
    assert_eq!(shown, vec!["bye"]);
}

#[test]
fn the_end_of_input_counts_as_q() {
    let (ending, _, server) = run(vec![Step::Send("你好"), Step::Expect("q")], "");
    assert_no_surprise(server);
    assert_eq!(ending, Ending::WeQuit);
}

#[test]
fn empty_lines_are_not_sent() {
    let (ending, _, server) = run(
        vec![
            Step::Send("hi"),
            Step::Expect("ok"),
            Step::Send("again"),
            Step::Expect("q"),
        ],
        "\n\r\nok\nq\n",
    );
    assert_no_surprise(server);
    assert_eq!(ending, Ending::WeQuit);
}

/// Fails with the scripted server's first surprise, as it said it.
#[track_caller]
fn assert_no_surprise(server: Result<(), String>) {
    if let Err(surprise) = server {
        panic!("{surprise}");
    }
}

/// Bytes as Python shows them: `b'hello!'`; past 60 bytes, the start and the length.
fn show(bytes: &[u8]) -> String {
    const SHOWN: usize = 60;
    let mut text = String::from("b'");
    for &byte in bytes.iter().take(SHOWN) {
        match byte {
            b'\\' => text.push_str("\\\\"),
            b'\'' => text.push_str("\\'"),
            b'\n' => text.push_str("\\n"),
            b'\r' => text.push_str("\\r"),
            b'\t' => text.push_str("\\t"),
            0x20..=0x7e => text.push(byte as char),
            _ => text.push_str(&format!("\\x{byte:02x}")),
        }
    }
    text.push('\'');
    if bytes.len() > SHOWN {
        text.push_str("...");
    }
    text
}
