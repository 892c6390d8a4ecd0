//! Chapter 4 (四.套接字初使用), the TCP chat tool: `tcp-demo chat-server` and
//! `chat-client` with piped input, against the tutorial's Python chat programs in
//! both directions (tests/python/chat_*.py), and against misbehaving clients.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, check_session_output, mask_ports, peer_available, run,
    show_port_as, stderr_text, stdout_text, tutorial_python, workspace_bin,
};
use tcp_demo::chat;

fn tcp_demo() -> PathBuf {
    workspace_bin("tcp-demo")
}

/// One of the tutorial's Python programs (tests/python/), as an argument.
fn python_program(name: &str) -> String {
    tutorial_python(name).to_string_lossy().into_owned()
}

fn rust_chat_server(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["chat-server", "--addr", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    ServerProcess::start(tcp_demo(), &args)
}

/// Reads one turn of the server (one read, as the protocol has no framing).
fn read_turn(conn: &mut TcpStream) -> Vec<u8> {
    let mut buf = [0u8; 1024];
    let n = conn.read(&mut buf).unwrap();
    buf[..n].to_vec()
}

fn raw_client(server: &ServerProcess) -> TcpStream {
    let conn = TcpStream::connect(server.addr).unwrap();
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    conn
}

#[test]
fn rust_client_and_rust_server_take_turns_until_q() {
    let mut server = rust_chat_server(&[]);
    server.type_text("你好\nq\n");
    let addr = server.addr.to_string();
    let output = run(
        tcp_demo(),
        &["chat-client", "--addr", &addr],
        "再见\n".as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    // The client shows the server's line, then the q that ended it.
    assert_eq!(stdout_text(&output), "你好\nq\n");
    assert_eq!(server.expect_line("再见"), "再见");
}

#[test]
fn python_client_chats_with_rust_server() {
    if !peer_available("python3") {
        return;
    }
    let mut server = rust_chat_server(&[]);
    server.type_text("你好\nq\n");
    let addr = server.addr.to_string();
    let output = run(
        "python3",
        &[&python_program("chat_client.py"), &addr],
        "再见\n".as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    // Python's input('>>>') writes its prompt to stdout even from a pipe.
    assert_eq!(text, "你好\n>>>q\n", "{text}");
    assert_eq!(server.expect_line("再见"), "再见");
}

#[test]
fn rust_client_chats_with_python_server() {
    if !peer_available("python3") {
        return;
    }
    let mut server = ServerProcess::start(
        "python3",
        &["-u", &python_program("chat_server.py"), "127.0.0.1:0"],
    );
    server.type_text("你好\nq\n");
    let addr = server.addr.to_string();
    let output = run(
        tcp_demo(),
        &["chat-client", "--addr", &addr],
        "再见\n".as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), "你好\nq\n");
    assert!(server.expect_line("再见").ends_with("再见"));
}

#[test]
fn client_q_ends_the_conversation_and_the_server_takes_the_next_client() {
    let mut server = rust_chat_server(&[]);
    server.type_text("first\nsecond\nq\n");
    let addr = server.addr.to_string();
    let output = run(tcp_demo(), &["chat-client", "--addr", &addr], b"q\n");
    assert_eq!(stdout_text(&output), "first\n");
    let output = run(tcp_demo(), &["chat-client", "--addr", &addr], b"ok\n");
    assert_eq!(stdout_text(&output), "second\nq\n");
    assert_eq!(server.expect_line("ok"), "ok");
}

#[test]
fn end_of_server_input_says_q_and_stops_the_server() {
    let mut server = rust_chat_server(&[]);
    server.type_text("bye\n");
    server.close_stdin();
    let mut conn = raw_client(&server);
    assert_eq!(read_turn(&mut conn), "bye".as_bytes());
    conn.write_all("好".as_bytes()).unwrap();
    assert_eq!(read_turn(&mut conn), b"q");
    assert_eq!(server.expect_line("好"), "好");
    assert_eq!(server.wait_exit(), Some(0));
}

#[test]
fn silent_vanishing_and_garbage_clients_never_stop_the_server() {
    let mut server = rust_chat_server(&["--idle-timeout", "300ms"]);
    server.type_text("one\ntwo\nthree\nq\n");

    // A: connects, hears "one", says nothing: dropped after the idle timeout.
    let mut silent = raw_client(&server);
    assert_eq!(read_turn(&mut silent), b"one");

    // B: hears "two", sends half of 你 and vanishes mid-character.
    let mut vanishing = raw_client(&server);
    assert_eq!(read_turn(&mut vanishing), b"two");
    vanishing.write_all(&"你".as_bytes()[..2]).unwrap();
    drop(vanishing);

    // C: hears "three", sends bytes that are not UTF-8: shown as �, no crash.
    let mut garbage = raw_client(&server);
    assert_eq!(read_turn(&mut garbage), b"three");
    garbage.write_all(b"\xff\xfe").unwrap();
    assert_eq!(server.expect_line("\u{fffd}"), "\u{fffd}\u{fffd}");
    assert_eq!(read_turn(&mut garbage), b"q");
    drop(silent);
}

#[test]
fn a_turn_ending_inside_a_character_is_shown_at_once_not_after_the_idle_timeout() {
    // The default idle timeout (300 s): the server must not spend it waiting for
    // the rest of a character that the client never sends.
    let mut server = rust_chat_server(&[]);
    server.type_text("one\nq\n");
    let mut conn = raw_client(&server);
    assert_eq!(read_turn(&mut conn), b"one");
    // "ok" and the first byte of 你: invalid UTF-8, and the client's turn is over.
    conn.write_all(b"ok\xe4").unwrap();
    assert_eq!(server.expect_line("ok"), "ok\u{fffd}");
    assert_eq!(read_turn(&mut conn), b"q");
}

/// What a hostile peer sends to take over the other side's terminal: an escape
/// sequence that retitles the window, a bell, and a carriage return and newline
/// followed by a line that looks like someone else's.
const HOSTILE_TURN: &str = "hi\u{1b}]0;pwned\u{7}\r\n admin: trust mallory";

/// The same as chat-server and chat-client show it: one line, every control
/// character written as an escape.
const HOSTILE_TURN_SHOWN: &str = r"hi\u{1b}]0;pwned\u{7}\r\n admin: trust mallory";

#[test]
fn the_server_shows_a_hostile_clients_control_characters_as_escapes() {
    let mut server = rust_chat_server(&[]);
    server.type_text("hello\nq\n");
    let mut conn = raw_client(&server);
    assert_eq!(read_turn(&mut conn), b"hello");
    conn.write_all(HOSTILE_TURN.as_bytes()).unwrap();
    // One line, no raw ESC, BEL, CR or LF: the forged second line is not a line.
    assert_eq!(server.expect_line("hi"), HOSTILE_TURN_SHOWN);
    assert_eq!(read_turn(&mut conn), b"q");
}

#[test]
fn the_client_shows_a_hostile_servers_control_characters_as_escapes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let hostile = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        conn.write_all(HOSTILE_TURN.as_bytes()).unwrap();
        // The client answers q (its input) and we are done.
        read_turn(&mut conn)
    });
    let output = run(tcp_demo(), &["chat-client", "--addr", &addr], b"q\n");
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), format!("{HOSTILE_TURN_SHOWN}\n"));
    assert_eq!(hostile.join().unwrap(), b"q");
}

#[test]
fn chat_client_explains_a_refused_connection() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let output = run(tcp_demo(), &["chat-client", "--addr", &addr], b"");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_text(&output).contains("nothing is listening"));
}

/// The book's chat, typed through pipes: the server says 你好, the client answers
/// 在吗?, the server ends it with q.
#[test]
fn the_books_chat_session_is_what_the_programs_print() {
    let mut server = ServerProcess::start_as_in_a_terminal(
        tcp_demo(),
        &["chat-server", "--addr", "127.0.0.1:0"],
    );
    server.type_text("你好\nq\n");
    let addr = server.addr;
    let client = run(
        tcp_demo(),
        &["chat-client", "--addr", &addr.to_string()],
        "在吗?\n".as_bytes(),
    );
    assert!(client.status.success(), "{}", stderr_text(&client));
    assert_eq!(
        stderr_text(&client),
        "",
        "the client's terminal shows stdout only"
    );
    // The server's last words come after it sent q, so the client may be gone
    // before they are printed: wait for them. Then the server waits for the next
    // client, printing nothing, until Ctrl-C (here: dropped, killed).
    let mut printed = vec![server.first_line.clone()];
    loop {
        let line = server
            .next_line(TEST_TIMEOUT)
            .unwrap_or_else(|| panic!("no end of the conversation; saw {printed:#?}"));
        let last = line.starts_with("(you ended the conversation");
        printed.push(line);
        if last {
            break;
        }
    }
    let shown = &chat::DEFAULT_ADDR.to_string();
    let terminal_1 = format!(
        "$ printf '你好\\nq\\n' | cargo run -q -p tcp-demo -- chat-server\n{}\n",
        printed.join("\n")
    );
    let terminal_1 = mask_ports(&show_port_as(&terminal_1, addr, shown), &[shown]);
    check_session_output("ch04-tcp-chat-server.session.txt", &terminal_1);
    let terminal_2 = format!(
        "$ printf '在吗?\\n' | cargo run -q -p tcp-demo -- chat-client\n{}",
        stdout_text(&client)
    );
    check_session_output("ch04-tcp-chat-client.session.txt", &terminal_2);
}
