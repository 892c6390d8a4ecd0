//! Chapter 5 (五.黏包): the listings (crates/framing/examples/) against their Python
//! twins in tests/python/, in both directions, with exact outputs: the raw pair
//! shows a long answer leaking into the next one, the ack and prefix pairs give
//! whole answers, the file transfer keeps exactly the bytes it was sent; and the
//! two-terminal sessions the book shows.

use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, TempDir, Terminal, check_session_output, interrupt, mask_ports,
    peer_available, run, show_port_as, stderr_text, stdout_text, tutorial_python,
    workspace_example,
};

/// Which twin of a pair plays a side.
#[derive(Clone, Copy, Debug)]
enum Twin {
    Rust,
    Python,
}

use Twin::{Python, Rust};

/// The program `name` (a listing, or tests/python/NAME.py) and its arguments.
fn command(twin: Twin, name: &str, args: &[&str]) -> (PathBuf, Vec<String>) {
    let args = args.iter().map(|a| a.to_string());
    match twin {
        Rust => (workspace_example("framing", name), args.collect()),
        Python => {
            let script = tutorial_python(&format!("{name}.py"));
            let all = std::iter::once(script.display().to_string()).chain(args);
            (PathBuf::from("python3"), all.collect())
        }
    }
}

/// Starts the server `name` of `twin` on 127.0.0.1:0, with `extra` arguments after
/// the address.
fn server(twin: Twin, name: &str, extra: &[&str]) -> ServerProcess {
    let mut args = vec!["127.0.0.1:0"];
    args.extend_from_slice(extra);
    let (program, args) = command(twin, name, &args);
    ServerProcess::start(program, &args)
}

/// Runs the client `name` of `twin` against `addr` to its end, `stdin` as its input.
fn client(twin: Twin, name: &str, addr: SocketAddr, more: &[&str], stdin: &[u8]) -> Output {
    let addr = addr.to_string();
    let mut args = vec![addr.as_str()];
    args.extend_from_slice(more);
    let (program, args) = command(twin, name, &args);
    run(program, &args, stdin)
}

/// The server/client pairs that cross the languages.
const BOTH_WAYS: [(Twin, Twin); 2] = [(Rust, Python), (Python, Rust)];

/// The book's long command: 40 lines of exactly 64 bytes (2560 bytes), so that one
/// recv(1024) takes exactly 16 whole lines.
const BOOK_LONG: &str =
    r"printf 'line %02d of 40, each 64 bytes long, 2560 bytes in all: ---------\n' $(seq 40)";

/// Lines `from..=to` of what BOOK_LONG prints.
fn book_lines(from: u32, to: u32) -> String {
    (from..=to)
        .map(|i| format!("line {i:02} of 40, each 64 bytes long, 2560 bytes in all: ---------\n"))
        .collect()
}

/// `seq 1 2000`: 8893 bytes, several reads of recv_exact's 4096-byte chunk.
const SEQ: &str = "seq 1 2000";

fn seq_output() -> String {
    (1..=2000).map(|i| format!("{i}\n")).collect()
}

#[test]
fn the_raw_pair_lets_a_long_answer_leak_into_the_next_one_both_ways() {
    if !peer_available("python3") {
        return;
    }
    // One recv(1024) per command: the answer to `echo hi` is lines 17 to 32 of the
    // long output, and `hi` still waits behind lines 33 to 40.
    let leaked = format!(
        "[1024 bytes]\n{}[1024 bytes]\n{}",
        book_lines(1, 16),
        book_lines(17, 32)
    );
    for (server_twin, client_twin) in BOTH_WAYS {
        let server = server(server_twin, "cmd_server", &[]);
        let input = format!("{BOOK_LONG}\necho hi\n");
        let output = client(
            client_twin,
            "cmd_client",
            server.addr,
            &[],
            input.as_bytes(),
        );
        assert!(output.status.success(), "{}", stderr_text(&output));
        assert_eq!(
            stdout_text(&output),
            leaked,
            "{server_twin:?} server, {client_twin:?} client"
        );
    }
}

#[test]
fn the_raw_server_answers_a_silent_command_with_a_note_both_ways() {
    if !peer_available("python3") {
        return;
    }
    // An empty answer would leave the client waiting in recv forever.
    let expected = "[30 bytes]\n(the command printed nothing)\n[3 bytes]\nhi\n";
    for (server_twin, client_twin) in BOTH_WAYS {
        let server = server(server_twin, "cmd_server", &[]);
        let output = client(
            client_twin,
            "cmd_client",
            server.addr,
            &[],
            b"true\necho hi\n",
        );
        assert_eq!(stdout_text(&output), expected, "{server_twin:?} server");
    }
}

#[test]
fn the_ack_and_prefix_pairs_give_whole_answers_both_ways() {
    if !peer_available("python3") {
        return;
    }
    let input =
        format!("{BOOK_LONG}\n{SEQ}\necho out; echo err >&2\n\necho hi\nquit\necho never\n");
    // Whole answers, in order; stderr before stdout; the empty line skipped, and
    // nothing after `quit`.
    let expected = format!(
        "[2560 bytes]\n{}[8893 bytes]\n{}[8 bytes]\nerr\nout\n[3 bytes]\nhi\n",
        book_lines(1, 40),
        seq_output()
    );
    for pair in ["cmd_ack", "prefix_cmd"] {
        for (server_twin, client_twin) in BOTH_WAYS {
            let server = server(server_twin, &format!("{pair}_server"), &[]);
            let name = format!("{pair}_client");
            let output = client(client_twin, &name, server.addr, &[], input.as_bytes());
            assert!(output.status.success(), "{}", stderr_text(&output));
            assert_eq!(
                stdout_text(&output),
                expected,
                "{pair}: {server_twin:?} server, {client_twin:?} client"
            );
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TEST_TIMEOUT).unwrap();
    stream.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    stream
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut wire = (payload.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(payload);
    wire
}

/// Reads one length-prefixed frame.
fn read_frame(stream: &mut TcpStream) -> Vec<u8> {
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).unwrap();
    let mut payload = vec![0u8; u32::from_be_bytes(header) as usize];
    stream.read_exact(&mut payload).unwrap();
    payload
}

#[test]
fn the_prefix_servers_refuse_a_command_over_64_kib_and_serve_the_next_client() {
    let twins: &[Twin] = if peer_available("python3") {
        &[Rust, Python]
    } else {
        &[Rust]
    };
    for &twin in twins {
        let server = server(twin, "prefix_cmd_server", &[]);
        // Only the header: the server closes without reading (or allocating) more.
        let mut greedy = connect(server.addr);
        greedy.write_all(&(64 * 1024 + 1u32).to_be_bytes()).unwrap();
        let mut rest = Vec::new();
        greedy.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "{twin:?}");
        // A header that arrives in two pieces is still one header.
        let mut good = connect(server.addr);
        let wire = frame(b"echo fine");
        good.write_all(&wire[..2]).unwrap();
        good.write_all(&wire[2..]).unwrap();
        assert_eq!(read_frame(&mut good), b"fine\n", "{twin:?}");
    }
}

#[test]
fn the_rust_servers_take_bytes_that_are_not_utf8_and_keep_serving() {
    // `echo \xff\xfe` arrives as `echo ��` (String::from_utf8_lossy): the server
    // neither panics nor hangs up.
    let raw = server(Rust, "cmd_server", &[]);
    let mut conn = connect(raw.addr);
    conn.write_all(b"echo \xff\xfe").unwrap();
    let mut answer = [0u8; 7];
    conn.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, "\u{fffd}\u{fffd}\n".as_bytes());
    conn.write_all(b"echo again").unwrap();
    let mut again = [0u8; 6];
    conn.read_exact(&mut again).unwrap();
    assert_eq!(&again, b"again\n");

    let prefix = server(Rust, "prefix_cmd_server", &[]);
    let mut conn = connect(prefix.addr);
    conn.write_all(&frame(b"echo \xff")).unwrap();
    assert_eq!(read_frame(&mut conn), "\u{fffd}\n".as_bytes());
    conn.write_all(&frame(b"echo again")).unwrap();
    assert_eq!(read_frame(&mut conn), b"again\n");
}

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Bytes that do not repeat, so that a misplaced chunk cannot go unnoticed.
fn content(len: usize) -> Vec<u8> {
    let mut state: u32 = 12345;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) as u8
        })
        .collect()
}

fn sha256_hex(data: &[u8]) -> String {
    framing::transfer::sha256_hex(data)
}

#[test]
fn a_file_crosses_both_ways_byte_for_byte() {
    if !peer_available("python3") {
        return;
    }
    // Several of the receivers' 1 MiB chunks, a name that is not ASCII (Python's
    // json.dumps writes it as \u escapes, serde_json as UTF-8: both are JSON).
    let data = content(3 * 1024 * 1024 + 17);
    for (receiver_twin, sender_twin, name, verdict) in [
        (Rust, Python, "报告.pdf", "{\"ok\": true}\n"),
        (Python, Rust, "照片.jpg", "{\"ok\":true}\n"),
        (Rust, Rust, "data.bin", "{\"ok\":true}\n"),
    ] {
        let inbox = TempDir::new("inbox");
        let outbox = TempDir::new("outbox");
        let source = outbox.path().join(name);
        fs::write(&source, &data).unwrap();
        let receiver = server(receiver_twin, "file_receive", &[&inbox.arg()]);
        let source = source.display().to_string();
        let sent = client(sender_twin, "file_send", receiver.addr, &[&source], b"");
        let pair = format!("{receiver_twin:?} receiver, {sender_twin:?} sender");
        assert!(sent.status.success(), "{pair}: {}", stderr_text(&sent));
        assert_eq!(stdout_text(&sent), verdict, "{pair}");
        let (code, printed) = receiver.wait_output();
        assert_eq!(code, Some(0), "{pair}");
        assert_eq!(
            printed[1..],
            [format!("saved {name} ({} bytes)", data.len())]
        );
        let saved = fs::read(inbox.path().join(name)).unwrap();
        assert_eq!(sha256_hex(&saved), sha256_hex(&data), "{pair}");
        assert!(saved == data, "{pair}: the bytes differ");
        assert_eq!(
            entries(inbox.path()),
            [name],
            "{pair}: no temporary file left"
        );
    }
}

/// The JSON header the senders write.
fn header(name: &str, size: usize, sha: &str) -> Vec<u8> {
    serde_json::json!({"filename": name, "filesize": size, "sha256": sha})
        .to_string()
        .into_bytes()
}

/// Sends `wire` to the receiver, closes our sending half, and returns the
/// receiver's verdict and exit code.
fn upload(receiver: ServerProcess, wire: &[u8]) -> (serde_json::Value, Option<i32>) {
    let mut conn = connect(receiver.addr);
    conn.write_all(wire).unwrap();
    conn.shutdown(Shutdown::Write).unwrap();
    let verdict = serde_json::from_slice(&read_frame(&mut conn)).unwrap();
    (verdict, receiver.wait_exit())
}

#[test]
fn a_file_name_that_would_leave_the_directory_is_refused_by_both_receivers() {
    let twins: &[Twin] = if peer_available("python3") {
        &[Rust, Python]
    } else {
        &[Rust]
    };
    let parent = TempDir::new("traversal");
    let inbox = parent.path().join("inbox");
    fs::create_dir(&inbox).unwrap();
    let inbox_arg = inbox.display().to_string();
    let escape = parent.path().join("escape.txt").display().to_string();
    for &twin in twins {
        for name in ["../escape.txt", escape.as_str(), "a/b.txt", "..", ".", ""] {
            let receiver = server(twin, "file_receive", &[&inbox_arg]);
            // The header only: the verdict comes before any byte of the file.
            let (verdict, code) = upload(receiver, &frame(&header(name, 5, &sha256_hex(b"owned"))));
            let refused = serde_json::json!({"ok": false, "error": "bad file name"});
            assert_eq!(verdict, refused, "{twin:?}: {name:?}");
            assert_eq!(code, Some(1), "{twin:?}: {name:?}");
        }
    }
    assert_eq!(
        entries(parent.path()),
        ["inbox"],
        "nothing outside the inbox"
    );
    assert!(entries(&inbox).is_empty());
}

#[test]
fn a_cut_off_or_altered_file_is_not_kept_by_either_receiver() {
    let twins: &[Twin] = if peer_available("python3") {
        &[Rust, Python]
    } else {
        &[Rust]
    };
    let data = content(300_000);
    let failed = serde_json::json!({"ok": false, "error": "truncated or sha256 mismatch"});
    for &twin in twins {
        let inbox = TempDir::new("altered");
        // A wrong hash: every byte arrives, but the file is not kept.
        let receiver = server(twin, "file_receive", &[&inbox.arg()]);
        let mut wire = frame(&header("bad.bin", data.len(), &sha256_hex(b"other")));
        wire.extend_from_slice(&data);
        assert_eq!(
            upload(receiver, &wire),
            (failed.clone(), Some(0)),
            "{twin:?}"
        );
        // Cut off: the header promises 300000 bytes, 1000 come, then the end.
        let receiver = server(twin, "file_receive", &[&inbox.arg()]);
        let mut wire = frame(&header("cut.bin", data.len(), &sha256_hex(&data)));
        wire.extend_from_slice(&data[..1000]);
        assert_eq!(
            upload(receiver, &wire),
            (failed.clone(), Some(0)),
            "{twin:?}"
        );
        assert!(
            entries(inbox.path()).is_empty(),
            "{twin:?}: no file, no temporary file"
        );
    }
}

#[test]
fn the_rust_receiver_refuses_a_header_over_its_cap_without_reading_it() {
    // 4 GiB announced: answered at once, nothing allocated, nothing waited for.
    let inbox = TempDir::new("cap");
    let receiver = server(Rust, "file_receive", &[&inbox.arg()]);
    let (verdict, code) = upload(receiver, &[0xff, 0xff, 0xff, 0xff]);
    assert_eq!(
        verdict,
        serde_json::json!({"ok": false, "error": "header too large"})
    );
    assert_eq!(code, Some(1));
    assert!(entries(inbox.path()).is_empty());
}

/// The two terminals of the book's "Run it" for one pair, checked against the
/// files `server_file` and `client_file`: the server (stopped with Ctrl-C at the
/// end) and the client, which types each of `typed` after the answer to the one
/// before (`until`: the end of that answer).
fn book_session(pair: &str, server_file: &str, client_file: &str, typed: &[(&str, &str)]) {
    let server = server(Rust, &format!("{pair}_server"), &[]);
    let addr = server.addr.to_string();
    let shown_client = format!("cargo run -q -p framing --example {pair}_client");
    let program = workspace_example("framing", &format!("{pair}_client"));
    let mut terminal_2 = Terminal::open(&shown_client, program, &[&addr]);
    for (line, until) in typed {
        terminal_2.type_line(line);
        terminal_2.expect(until);
    }
    let (code, screen, stderr) = terminal_2.close();
    assert_eq!(code, Some(0), "{stderr}");
    check_session_output(client_file, &screen);
    let shown_server = format!("cargo run -q -p framing --example {pair}_server");
    let (code, screen) = interrupt(&shown_server, server, "127.0.0.1:8888");
    assert_eq!(code, None, "no signal handler: Ctrl-C ends it");
    check_session_output(server_file, &screen);
}

/// docs/src/output/ch05-listing-cmd-{server,client}.session.txt: the leak.
#[test]
fn the_books_raw_listing_session_is_what_the_programs_print() {
    let line_16 = book_lines(16, 16);
    let line_32 = book_lines(32, 32);
    book_session(
        "cmd",
        "ch05-listing-cmd-server.session.txt",
        "ch05-listing-cmd-client.session.txt",
        &[(BOOK_LONG, &line_16), ("echo hi", &line_32)],
    );
}

/// docs/src/output/ch05-listing-prefix-cmd-{server,client}.session.txt: the fix.
#[test]
fn the_books_prefix_listing_session_is_what_the_programs_print() {
    let line_40 = book_lines(40, 40);
    book_session(
        "prefix_cmd",
        "ch05-listing-prefix-cmd-server.session.txt",
        "ch05-listing-prefix-cmd-client.session.txt",
        &[(BOOK_LONG, &line_40), ("echo hi", "[3 bytes]\nhi\n")],
    );
}

/// docs/src/output/ch05-listing-file-{receive,send}.session.txt.
#[test]
fn the_books_file_transfer_session_is_what_the_programs_print() {
    let inbox = TempDir::new("book-inbox");
    let outbox = TempDir::new("book-outbox");
    let source = outbox.path().join("notes.txt");
    fs::write(&source, "hello from netlab\n").unwrap();
    let receiver = ServerProcess::start_as_in_a_terminal(
        workspace_example("framing", "file_receive"),
        &["127.0.0.1:0", &inbox.arg()],
    );
    let addr = receiver.addr;
    let sent = run(
        workspace_example("framing", "file_send"),
        &[&addr.to_string(), &source.display().to_string()],
        b"",
    );
    assert!(sent.status.success(), "{}", stderr_text(&sent));
    let terminal_2 = format!(
        "$ cargo run -q -p framing --example file_send notes.txt\n{}{}",
        stdout_text(&sent),
        stderr_text(&sent)
    );
    check_session_output("ch05-listing-file-send.session.txt", &terminal_2);
    let (code, printed) = receiver.wait_output();
    assert_eq!(code, Some(0));
    let terminal_1 = format!(
        "$ cargo run -q -p framing --example file_receive /tmp/inbox\n{}\n",
        printed.join("\n")
    );
    let shown = "127.0.0.1:8889";
    let terminal_1 = mask_ports(&show_port_as(&terminal_1, addr, shown), &[shown]);
    check_session_output("ch05-listing-file-receive.session.txt", &terminal_1);
    assert_eq!(
        fs::read(inbox.path().join("notes.txt")).unwrap(),
        b"hello from netlab\n"
    );
}
