//! Chapter 5's one-pass transfer, `framing send --hash trailer`: the header
//! says `"sha256": null, "trailer": "sha256"`, the data follows, then the
//! trailer frame `{"sha256": "..."}`. End to end with the real binaries, bytes
//! changed on the way, wrong, cut and missing trailers (nothing may appear
//! under the final name), the receiver's rules, the receivers that predate
//! trailers (they must refuse, not accept), and `auth send`'s twin.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, TempDir, peer_available, run, stderr_text, stdout_text,
    workspace_bin, workspace_example,
};

/// Bytes that do not repeat, so that a misplaced chunk cannot go unnoticed.
fn content(len: usize) -> Vec<u8> {
    let mut state: u32 = 2024;
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

/// `framing receive` on 127.0.0.1:0 into `inbox`, with `extra` options.
fn receiver(inbox: &TempDir, extra: &[&str]) -> ServerProcess {
    let dir = inbox.arg();
    let mut args = vec!["receive", "--addr", "127.0.0.1:0", "--dir", &dir];
    args.extend_from_slice(extra);
    ServerProcess::start(workspace_bin("framing"), &args)
}

/// `framing send --hash trailer FILE` to `addr`, with `--json`.
fn send_with_trailer(addr: SocketAddr, file: &Path) -> std::process::Output {
    run(
        workspace_bin("framing"),
        &[
            "send",
            "--hash",
            "trailer",
            "--json",
            "--addr",
            &addr.to_string(),
            &file.display().to_string(),
        ],
        b"",
    )
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut wire = (payload.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(payload);
    wire
}

/// The trailer header for `size` bytes called `name`, as the sender writes it.
fn trailer_header(name: &str, size: usize) -> Vec<u8> {
    frame(
        format!(r#"{{"filename":"{name}","filesize":{size},"sha256":null,"trailer":"sha256"}}"#)
            .as_bytes(),
    )
}

fn trailer(sha256: &str) -> Vec<u8> {
    frame(format!(r#"{{"sha256":"{sha256}"}}"#).as_bytes())
}

/// Sends `wire`, closes our sending half, and returns the receiver's verdict.
fn upload_raw(addr: SocketAddr, wire: &[u8]) -> serde_json::Value {
    let mut conn = TcpStream::connect_timeout(&addr, TEST_TIMEOUT).unwrap();
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    conn.write_all(wire).unwrap();
    conn.shutdown(std::net::Shutdown::Write).unwrap();
    read_verdict(&mut conn)
}

fn read_verdict(conn: &mut TcpStream) -> serde_json::Value {
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).unwrap();
    let mut reply = vec![0u8; u32::from_be_bytes(len) as usize];
    conn.read_exact(&mut reply).unwrap();
    serde_json::from_slice(&reply).unwrap()
}

fn error_of(verdict: &serde_json::Value) -> &str {
    verdict["error"].as_str().unwrap_or_default()
}

#[test]
fn send_hash_trailer_delivers_a_file_of_several_chunks() {
    let inbox = TempDir::new("inbox");
    let outbox = TempDir::new("outbox");
    let data = content(3 * 1024 * 1024 + 17);
    let source = outbox.path().join("data.bin");
    fs::write(&source, &data).unwrap();
    let server = receiver(&inbox, &["--timeout", "5s"]);
    let output = send_with_trailer(server.addr, &source);
    assert!(output.status.success(), "{}", stderr_text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["hash"], "trailer");
    assert_eq!(report["filesize"], data.len());
    assert_eq!(report["sha256"], sha256_hex(&data));
    let saved = server.expect_line("saved");
    assert!(saved.contains(&sha256_hex(&data)), "{saved}");
    assert_eq!(fs::read(inbox.path().join("data.bin")).unwrap(), data);
    assert_eq!(inbox.entries(), ["data.bin"], "no temporary file left");
}

#[test]
fn an_empty_file_has_a_trailer_too() {
    let inbox = TempDir::new("empty-inbox");
    let outbox = TempDir::new("empty-outbox");
    let source = outbox.path().join("empty");
    fs::write(&source, b"").unwrap();
    let server = receiver(&inbox, &[]);
    let output = send_with_trailer(server.addr, &source);
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(fs::read(inbox.path().join("empty")).unwrap(), b"");
}

/// One byte changed between the sender and the receiver, a wrong trailer, a
/// trailer cut short, no trailer at all, a trailer that is not JSON: the
/// receiver refuses each, says why, and nothing appears under the final name —
/// no temporary file either. Then it still serves an honest sender.
#[test]
fn changed_bytes_and_bad_trailers_leave_nothing_under_the_final_name() {
    let inbox = TempDir::new("hostile");
    let server = receiver(&inbox, &["--timeout", "5s"]);
    let data = content(300_000);
    let good_trailer = trailer(&sha256_hex(&data));
    let mut changed = data.clone();
    changed[150_000] ^= 0x20;

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a byte changed",
            [&changed[..], &good_trailer].concat(),
            "sha256 mismatch",
        ),
        (
            "a wrong trailer",
            [&data[..], &trailer(&sha256_hex(b"other"))].concat(),
            "sha256 mismatch",
        ),
        (
            "a trailer cut short",
            [&data[..], &good_trailer[..good_trailer.len() - 20]].concat(),
            "no trailer",
        ),
        ("no trailer", data.clone(), "no trailer"),
        (
            "garbage",
            [&data[..], &frame(b"{not json")].concat(),
            "bad trailer",
        ),
        (
            "a short hash",
            [&data[..], &trailer("abc123")].concat(),
            "bad trailer",
        ),
    ];
    for (what, body_and_trailer, why) in cases {
        let wire = [trailer_header("x.bin", data.len()), body_and_trailer].concat();
        let verdict = upload_raw(server.addr, &wire);
        assert_eq!(verdict["ok"], false, "{what}");
        assert!(error_of(&verdict).contains(why), "{what}: {verdict}");
        assert!(
            error_of(&verdict).contains("nothing was saved"),
            "{what}: {verdict}"
        );
        assert!(inbox.entries().is_empty(), "{what}: {:?}", inbox.entries());
    }

    let wire = [
        trailer_header("x.bin", data.len()),
        data.clone(),
        good_trailer,
    ]
    .concat();
    assert_eq!(upload_raw(server.addr, &wire)["ok"], true);
    assert_eq!(inbox.entries(), ["x.bin"]);
    assert_eq!(fs::read(inbox.path().join("x.bin")).unwrap(), data);
}

/// A sender that sends the data and then holds the connection without its
/// trailer is dropped at the header's deadline (here 1 s), not at the
/// connection's 30 s timeout.
#[test]
fn a_trailer_that_never_comes_meets_the_headers_deadline() {
    let inbox = TempDir::new("late");
    let server = receiver(&inbox, &["--header-timeout", "1s"]);
    let data = content(10_000);
    let mut conn = TcpStream::connect_timeout(&server.addr, TEST_TIMEOUT).unwrap();
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    conn.write_all(&[trailer_header("late.bin", data.len()), data].concat())
        .unwrap();
    // The connection stays open: the receiver must give up by itself.
    let verdict = read_verdict(&mut conn);
    assert_eq!(verdict["ok"], false);
    assert!(error_of(&verdict).contains("no trailer"), "{verdict}");
    assert!(inbox.entries().is_empty(), "{:?}", inbox.entries());
}

/// The rules checked at the header hold for a trailer header: a file above
/// `--max-size` is refused before its data, in the receiver's words.
#[test]
fn a_trailer_header_is_refused_early_above_the_size_limit() {
    let inbox = TempDir::new("small");
    let outbox = TempDir::new("big");
    let source = outbox.path().join("big.bin");
    fs::write(&source, content(20 * 1024 * 1024)).unwrap();
    let server = receiver(&inbox, &["--max-size", "1MiB"]);
    let output = send_with_trailer(server.addr, &source);
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("refused the file") && stderr.contains("more than this receiver accepts"),
        "{stderr}"
    );
    assert!(inbox.entries().is_empty());
}

/// A receiver older than trailers answers a trailer header the way
/// `framing receive` used to: `bad header: invalid type: null, expected a
/// string`. The sender says what that means and what to do.
#[test]
fn the_sender_explains_a_refusal_by_a_receiver_older_than_trailers() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let old_receiver = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        let mut len = [0u8; 4];
        conn.read_exact(&mut len).unwrap();
        let mut header = vec![0u8; u32::from_be_bytes(len) as usize];
        conn.read_exact(&mut header).unwrap();
        // What the course's header type (a required string) says about null.
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct CoursesHeader {
            filename: String,
            filesize: u64,
            sha256: String,
        }
        let why = serde_json::from_slice::<CoursesHeader>(&header).unwrap_err();
        let reply = serde_json::json!({"ok": false, "error": format!("bad header: {why}")});
        conn.write_all(&frame(reply.to_string().as_bytes()))
            .unwrap();
        // Like `framing receive`: read what still comes, then close.
        let _ = std::io::copy(&mut conn, &mut std::io::sink());
    });
    let outbox = TempDir::new("old");
    let source = outbox.path().join("a.txt");
    fs::write(&source, b"one pass\n").unwrap();
    let output = send_with_trailer(addr, &source);
    old_receiver.join().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("invalid type: null") && stderr.contains("send with --hash header"),
        "{stderr}"
    );
}

/// The tutorial's `file_receive.py` knows no trailer: its hash of the data
/// cannot equal `None`, so it refuses, and removes its temporary file.
#[test]
fn the_python_receiver_refuses_a_trailer_header_and_keeps_nothing() {
    if !peer_available("python3") {
        return;
    }
    let inbox = TempDir::new("py");
    let outbox = TempDir::new("py-out");
    let source = outbox.path().join("photo.jpg");
    fs::write(&source, content(1024 * 1024 + 5)).unwrap();
    let python = format!(
        "{}/tests/python/file_receive.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let server = ServerProcess::start("python3", &[python.as_str(), "127.0.0.1:0", &inbox.arg()]);
    let output = send_with_trailer(server.addr, &source);
    assert_eq!(output.status.code(), Some(1), "{}", stdout_text(&output));
    assert_eq!(server.wait_exit(), Some(0));
    assert!(inbox.entries().is_empty(), "{:?}", inbox.entries());
}

/// The Rust listing `examples/file_receive.rs` reads the header into the
/// course's type: `null` is refused before any file is created.
#[test]
fn the_listing_receiver_refuses_a_trailer_header_and_keeps_nothing() {
    let inbox = TempDir::new("listing");
    let outbox = TempDir::new("listing-out");
    let source = outbox.path().join("notes.txt");
    fs::write(&source, b"hello from netlab\n").unwrap();
    let server = ServerProcess::start(
        workspace_example("framing", "file_receive"),
        &["127.0.0.1:0", &inbox.arg()],
    );
    let output = send_with_trailer(server.addr, &source);
    assert_eq!(output.status.code(), Some(1), "{}", stdout_text(&output));
    assert_ne!(
        server.wait_exit(),
        Some(0),
        "the listing stops with an error"
    );
    assert!(inbox.entries().is_empty(), "{:?}", inbox.entries());
}

/// Chapter 7's twins share chapter 5's options: `auth send --hash trailer`
/// answers the challenge, then sends with a trailer.
#[test]
fn auth_send_with_a_trailer_is_received_by_auth_receive() {
    let inbox = TempDir::new("auth");
    let outbox = TempDir::new("auth-out");
    let key = outbox.path().join("key");
    fs::write(&key, "alex-sb\n").unwrap();
    let source = outbox.path().join("report.pdf");
    let data = content(2 * 1024 * 1024 + 1);
    fs::write(&source, &data).unwrap();
    let key = key.display().to_string();
    let dir = inbox.arg();
    let server = ServerProcess::start(
        workspace_bin("auth"),
        &[
            "receive",
            "--addr",
            "127.0.0.1:0",
            "--dir",
            &dir,
            "--secret-file",
            &key,
        ],
    );
    let output = run(
        workspace_bin("auth"),
        &[
            "send",
            "--hash",
            "trailer",
            "--addr",
            &server.addr.to_string(),
            "--secret-file",
            &key,
            &source.display().to_string(),
        ],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert!(
        stdout_text(&output).contains("in a trailer"),
        "{}",
        stdout_text(&output)
    );
    server.expect_line("saved");
    assert_eq!(fs::read(inbox.path().join("report.pdf")).unwrap(), data);
}
