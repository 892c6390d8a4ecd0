//! Chapter 5's advanced lesson: `framing send` / `framing receive` (JSON header,
//! sha256, temporary file then rename), with the Python twins in both directions,
//! hostile uploads, and the benchmark.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, TempDir, check_session_output, mask_ports, on_path,
    peer_available, run, show_port_as, stderr_text, stdout_text, workspace_bin,
};

fn python(name: &str) -> String {
    format!("{}/tests/python/{name}", env!("CARGO_MANIFEST_DIR"))
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

fn receiver(dir: &TempDir) -> ServerProcess {
    receiver_in(dir.path(), &["--timeout", "5s"])
}

/// `framing receive` on 127.0.0.1:0 into `inbox`, with `extra` options.
fn receiver_in(inbox: &Path, extra: &[&str]) -> ServerProcess {
    let inbox = inbox.display().to_string();
    let mut args = vec!["receive", "--addr", "127.0.0.1:0", "--dir", &inbox];
    args.extend_from_slice(extra);
    ServerProcess::start(workspace_bin("framing"), &args)
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

/// Sends `wire`, closes our sending half, and returns the receiver's verdict.
fn upload_raw(addr: SocketAddr, wire: &[u8]) -> serde_json::Value {
    let mut conn = connect(addr);
    conn.write_all(wire).unwrap();
    conn.shutdown(std::net::Shutdown::Write).unwrap();
    // Exactly one frame: the length, then the JSON.
    let mut header = [0u8; 4];
    conn.read_exact(&mut header).unwrap();
    let mut reply = vec![0u8; u32::from_be_bytes(header) as usize];
    conn.read_exact(&mut reply).unwrap();
    serde_json::from_slice(&reply).unwrap()
}

fn sha256_hex(data: &[u8]) -> String {
    framing::transfer::sha256_hex(data)
}

fn header(name: &str, size: usize, sha: &str) -> Vec<u8> {
    serde_json::json!({"filename": name, "filesize": size, "sha256": sha})
        .to_string()
        .into_bytes()
}

#[test]
fn send_and_receive_a_file_of_several_chunks() {
    let inbox = TempDir::new("inbox");
    let outbox = TempDir::new("outbox");
    let data = content(3 * 1024 * 1024 + 17);
    let source = outbox.path().join("data.bin");
    fs::write(&source, &data).unwrap();
    let server = receiver(&inbox);
    let output = run(
        workspace_bin("framing"),
        &[
            "send",
            "--addr",
            &server.addr.to_string(),
            "--json",
            &source.display().to_string(),
        ],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["filesize"], data.len());
    assert_eq!(report["sha256"], sha256_hex(&data));
    assert_eq!(fs::read(inbox.path().join("data.bin")).unwrap(), data);
    assert_eq!(inbox.entries(), ["data.bin"], "no temporary file left");
    server.expect_line("saved");
}

#[test]
fn python_sender_uploads_to_the_rust_receiver() {
    if !peer_available("python3") {
        return;
    }
    let inbox = TempDir::new("py-inbox");
    let outbox = TempDir::new("py-outbox");
    let data = content(2 * 1024 * 1024 + 3);
    let source = outbox.path().join("报告.pdf");
    fs::write(&source, &data).unwrap();
    let server = receiver(&inbox);
    let output = run(
        "python3",
        &[
            &python("file_send.py"),
            &server.addr.to_string(),
            &source.display().to_string(),
        ],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output).trim(), r#"{"ok": true}"#);
    assert_eq!(fs::read(inbox.path().join("报告.pdf")).unwrap(), data);
}

#[test]
fn rust_sender_uploads_to_the_python_receiver() {
    if !peer_available("python3") {
        return;
    }
    let inbox = TempDir::new("pyrecv-inbox");
    let outbox = TempDir::new("pyrecv-outbox");
    let data = content(1024 * 1024 + 99);
    let source = outbox.path().join("photo.jpg");
    fs::write(&source, &data).unwrap();
    let server = ServerProcess::start(
        "python3",
        &[
            &python("file_receive.py"),
            "127.0.0.1:0",
            &inbox.path().display().to_string(),
        ],
    );
    let output = run(
        workspace_bin("framing"),
        &[
            "send",
            "--addr",
            &server.addr.to_string(),
            &source.display().to_string(),
        ],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(fs::read(inbox.path().join("photo.jpg")).unwrap(), data);
}

#[test]
fn path_traversal_names_are_refused_and_nothing_escapes() {
    let parent = TempDir::new("traversal");
    let inbox = parent.path().join("inbox");
    fs::create_dir(&inbox).unwrap();
    let server = receiver_in(&inbox, &[]);
    let body = b"owned";
    let sha = sha256_hex(body);
    for name in [
        "../escape.txt",
        "/tmp/escape.txt",
        "..",
        "a/../../b",
        "",
        "nul\u{0}byte",
    ] {
        let mut wire = frame(&header(name, body.len(), &sha));
        wire.extend_from_slice(body);
        let verdict = upload_raw(server.addr, &wire);
        assert_eq!(verdict["ok"], false, "{name:?}");
        assert!(
            verdict["error"].as_str().unwrap().contains("refused"),
            "{verdict}"
        );
    }
    assert_eq!(fs::read_dir(&inbox).unwrap().count(), 0);
    let left: Vec<_> = fs::read_dir(parent.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the inbox: {left:?}");
    assert!(!Path::new("/tmp/escape.txt").exists());

    // And the receiver still serves the next, honest sender.
    let mut wire = frame(&header("fine.txt", body.len(), &sha));
    wire.extend_from_slice(body);
    assert_eq!(upload_raw(server.addr, &wire)["ok"], true);
    assert_eq!(fs::read(inbox.join("fine.txt")).unwrap(), body);
}

#[test]
fn truncated_bad_hash_and_garbage_uploads_leave_no_file() {
    // The inbox sits inside a directory of its own, so that the test can also
    // check that nothing was written next to it.
    let parent = TempDir::new("hostile");
    let inbox = parent.path().join("inbox");
    fs::create_dir(&inbox).unwrap();
    let server = receiver_in(&inbox, &["--timeout", "5s"]);
    let entries = || {
        let mut names: Vec<String> = fs::read_dir(&inbox)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let data = content(300_000);

    // Truncated: the header promises 300000 bytes, 1000 come.
    let mut wire = frame(&header("cut.bin", data.len(), &sha256_hex(&data)));
    wire.extend_from_slice(&data[..1000]);
    let verdict = upload_raw(server.addr, &wire);
    assert_eq!(verdict["ok"], false);
    assert!(
        verdict["error"]
            .as_str()
            .unwrap()
            .contains("stopped after 1000")
    );

    // Wrong hash.
    let mut wire = frame(&header("bad.bin", data.len(), &sha256_hex(b"other")));
    wire.extend_from_slice(&data);
    let verdict = upload_raw(server.addr, &wire);
    assert_eq!(verdict["ok"], false);
    assert!(
        verdict["error"]
            .as_str()
            .unwrap()
            .contains("sha256 mismatch")
    );

    // A size that does not match: more bytes than announced. The receiver reads
    // exactly `filesize` bytes, so the hash (of the whole file) cannot match.
    let mut wire = frame(&header("long.bin", 1000, &sha256_hex(&data)));
    wire.extend_from_slice(&data);
    let verdict = upload_raw(server.addr, &wire);
    assert_eq!(verdict["ok"], false);
    assert!(
        verdict["error"]
            .as_str()
            .unwrap()
            .contains("sha256 mismatch")
    );

    // Garbage JSON, a header of 4 GiB, a size above the maximum.
    let verdict = upload_raw(server.addr, &frame(b"{not json"));
    assert!(verdict["error"].as_str().unwrap().contains("bad header"));
    let verdict = upload_raw(server.addr, &[0xff, 0xff, 0xff, 0xff]);
    assert!(verdict["error"].as_str().unwrap().contains("maximum"));
    let verdict = upload_raw(
        server.addr,
        &frame(&header("huge", usize::MAX, &sha256_hex(b""))),
    );
    assert!(verdict["error"].as_str().unwrap().contains("more than"));

    // Random bytes where the header should be.
    let verdict = upload_raw(server.addr, &content(5000));
    assert_eq!(verdict["ok"], false);

    assert!(entries().is_empty(), "{:?}", entries());
    assert_eq!(parent.entries(), ["inbox"], "nothing outside the inbox");

    // And the receiver still serves an honest sender.
    let mut wire = frame(&header("fine.bin", data.len(), &sha256_hex(&data)));
    wire.extend_from_slice(&data);
    assert_eq!(upload_raw(server.addr, &wire)["ok"], true);
    assert_eq!(entries(), ["fine.bin"]);
    assert_eq!(fs::read(inbox.join("fine.bin")).unwrap(), data);
}

#[test]
fn missing_directory_is_a_usage_error() {
    let output = run(
        workspace_bin("framing"),
        &[
            "receive",
            "--addr",
            "127.0.0.1:0",
            "--dir",
            "/nonexistent/netlab",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("/nonexistent/netlab"));
}

#[test]
fn bench_prints_figures_next_to_the_loopback_limit_and_socat() {
    let socat = on_path("socat");
    if !socat {
        assert!(
            std::env::var_os("NETLAB_REQUIRE_PEERS").is_none(),
            "socat is required (NETLAB_REQUIRE_PEERS is set; see .ci/setup.d/40-socat.sh)"
        );
        eprintln!("note: socat not found, the bench runs without it");
    }
    let output = run(
        workspace_bin("framing"),
        &["bench", "--size", "4MiB", "--runs", "1", "--json"],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = doc["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.iter().any(|n| n.starts_with("raw copy")));
    assert!(names.iter().any(|n| n.starts_with("framing send →")));
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("framing send --hash trailer"))
    );
    assert_eq!(names.iter().any(|n| n.starts_with("socat")), socat);
    // The machine and its load go with the figures.
    assert!(doc["machine"]["cpus"].as_u64().unwrap() >= 1, "{doc}");
}

/// Without --json: one table, the trailer's speed beside socat's, and the
/// machine it ran on.
#[test]
fn bench_prints_the_trailers_figure_beside_socats() {
    let output = run(
        workspace_bin("framing"),
        &["bench", "--size", "2MiB", "--runs", "1"],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    let trailer = text
        .lines()
        .find(|line| line.starts_with("framing send --hash trailer"))
        .unwrap_or_else(|| panic!("no trailer row: {text}"));
    assert!(
        trailer.contains("GiB/s") && trailer.contains('×'),
        "{trailer}"
    );
    if on_path("socat") {
        assert!(text.contains("vs socat"), "{text}");
        assert!(text.lines().any(|line| line.starts_with("socat")), "{text}");
    }
    assert!(
        text.lines().last().unwrap_or("").starts_with("on "),
        "{text}"
    );
}

#[test]
fn send_accepts_a_host_name() {
    let inbox = TempDir::new("byname-inbox");
    let outbox = TempDir::new("byname-outbox");
    let source = outbox.path().join("note.txt");
    fs::write(&source, b"by name\n").unwrap();
    let server = receiver(&inbox);
    let output = run(
        workspace_bin("framing"),
        &[
            "send",
            "--addr",
            &format!("localhost:{}", server.addr.port()),
            &source.display().to_string(),
        ],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(
        fs::read(inbox.path().join("note.txt")).unwrap(),
        b"by name\n"
    );
}

#[test]
fn a_non_loopback_receiver_without_a_secret_is_refused() {
    let inbox = TempDir::new("exposed");
    let output = run(
        workspace_bin("framing"),
        &[
            "receive",
            "--addr",
            "0.0.0.0:0",
            "--dir",
            &inbox.path().display().to_string(),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("0.0.0.0:0") && stderr.contains("secret"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "it must not even listen");
}

/// A receiver that refuses a file from its header alone (too large) answers and
/// closes while the sender is still writing: the sender reports the refusal,
/// not a "broken pipe".
#[test]
fn sender_reports_an_early_refusal_in_the_receivers_words() {
    let inbox = TempDir::new("small-inbox");
    let outbox = TempDir::new("big-outbox");
    let source = outbox.path().join("big.bin");
    fs::write(&source, content(20 * 1024 * 1024)).unwrap();
    let server = receiver_in(inbox.path(), &["--max-size", "1MiB"]);
    let output = run(
        workspace_bin("framing"),
        &[
            "send",
            "--addr",
            &server.addr.to_string(),
            &source.display().to_string(),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("refused the file") && stderr.contains("more than this receiver accepts"),
        "{stderr}"
    );
    assert!(inbox.entries().is_empty());
}

#[test]
fn only_regular_files_can_be_sent() {
    for path in ["/dev/zero", "/tmp"] {
        let output = run(
            workspace_bin("framing"),
            &["send", "--addr", "127.0.0.1:1", path],
            b"",
        );
        assert_eq!(output.status.code(), Some(2), "{path}");
        assert!(
            stderr_text(&output).contains("not a regular file"),
            "{path}"
        );
    }
}

/// The file the book sends: fixed content, so its size and hash never change.
const BOOK_FILE: &str = "notes.txt";
const BOOK_CONTENT: &str = "hello from netlab\n";

/// `sent ... in 0.004s: ...` → `in #.###s`: the time varies from run to run.
fn mask_seconds(text: &str) -> String {
    let Some(at) = text.find(") in ") else {
        return text.to_string();
    };
    let (head, rest) = text.split_at(at + ") in ".len());
    let end = rest.find("s:").unwrap_or(0);
    let (time, tail) = rest.split_at(end);
    let time: String = time
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect();
    format!("{head}{time}{tail}")
}

/// The two terminals of "The lab's file transfer" (chapter 5, Going further)
/// (docs/src/output/ch05-transfer-terminal-*.session.txt).
#[test]
fn the_books_transfer_session_is_what_the_programs_print() {
    let inbox = TempDir::new("book-inbox");
    let outbox = TempDir::new("book-outbox");
    let source = outbox.path().join(BOOK_FILE);
    fs::write(&source, BOOK_CONTENT).unwrap();
    // Stderr in the same pipe, as a terminal shows it: a failed upload would
    // show in the book's terminal 1 too.
    let dir = inbox.path().display().to_string();
    let server = ServerProcess::start_as_in_a_terminal(
        workspace_bin("framing"),
        &["receive", "--addr", "127.0.0.1:0", "--dir", &dir],
    );
    let addr = server.addr;
    let sender = run(
        workspace_bin("framing"),
        &[
            "send",
            "--addr",
            &addr.to_string(),
            &source.display().to_string(),
        ],
        b"",
    );
    assert!(sender.status.success(), "{}", stderr_text(&sender));
    let terminal_2 = format!(
        "$ cargo run -q -p framing -- send {BOOK_FILE}\n{}{}",
        stdout_text(&sender),
        stderr_text(&sender)
    );
    check_session_output(
        "ch05-transfer-terminal-2.session.txt",
        &mask_seconds(&terminal_2),
    );

    // Every line up to the `saved` one, none skipped.
    let mut printed = vec![server.first_line.clone()];
    while !printed.last().is_some_and(|line| line.contains("saved")) {
        let line = server.next_line(TEST_TIMEOUT);
        printed.push(line.unwrap_or_else(|| panic!("no `saved` line; saw {printed:#?}")));
    }
    let terminal_1 = format!(
        "$ cargo run -q -p framing -- receive --dir /tmp/inbox\n{}\n",
        printed.join("\n")
    )
    .replace(&dir, "/tmp/inbox");
    let shown = "127.0.0.1:8889";
    let terminal_1 = mask_ports(&show_port_as(&terminal_1, addr, shown), &[shown]);
    check_session_output("ch05-transfer-terminal-1.session.txt", &terminal_1);
    assert_eq!(inbox.entries(), [BOOK_FILE]);
}

/// The one-pass send of "One pass: the hash after the data" (chapter 5, Going
/// further), to the receiver of the session above
/// (docs/src/output/ch05-trailer-terminal-2.session.txt).
#[test]
fn the_books_trailer_send_is_what_the_program_prints() {
    const FILE: &str = "report.txt";
    let inbox = TempDir::new("book-trailer-inbox");
    let outbox = TempDir::new("book-trailer-outbox");
    let source = outbox.path().join(FILE);
    fs::write(&source, "one pass, hashed while it is sent\n").unwrap();
    let server = receiver(&inbox);
    let sender = run(
        workspace_bin("framing"),
        &[
            "send",
            "--hash",
            "trailer",
            "--addr",
            &server.addr.to_string(),
            &source.display().to_string(),
        ],
        b"",
    );
    assert!(sender.status.success(), "{}", stderr_text(&sender));
    let terminal_2 = format!(
        "$ cargo run -q -p framing -- send --hash trailer {FILE}\n{}{}",
        stdout_text(&sender),
        stderr_text(&sender)
    );
    check_session_output(
        "ch05-trailer-terminal-2.session.txt",
        &mask_seconds(&terminal_2),
    );
    server.expect_line("saved");
    assert_eq!(inbox.entries(), [FILE]);
}
