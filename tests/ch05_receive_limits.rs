//! Chapter 5, `framing receive` against hostile senders: one deadline for the whole
//! header, a minimum rate for the body, a share of the slots per source address
//! (clients on 127.0.0.2, 127.0.0.3... play different hosts), pending slots counted
//! apart from served ones, and a file that is already there is kept.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use netlab_testkit::{
    ServerProcess, TempDir, connect_from, run, stderr_text, stdout_text, workspace_bin,
};

fn receiver(inbox: &TempDir, extra: &[&str]) -> ServerProcess {
    let dir = inbox.arg();
    let mut args = vec!["receive", "--addr", "127.0.0.1:0", "--dir", &dir];
    args.extend_from_slice(extra);
    ServerProcess::start(workspace_bin("framing"), &args)
}

/// The header frame of an upload of `body` named `name`.
fn header_frame(name: &str, body: &[u8]) -> Vec<u8> {
    let header = serde_json::json!({
        "filename": name,
        "filesize": body.len(),
        "sha256": framing::transfer::sha256_hex(body),
    })
    .to_string();
    let mut wire = (header.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(header.as_bytes());
    wire
}

/// Reads the receiver's verdict frame.
fn verdict(conn: &mut TcpStream) -> serde_json::Value {
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).expect("a verdict frame");
    let mut json = vec![0u8; u32::from_be_bytes(len) as usize];
    conn.read_exact(&mut json).expect("the verdict's JSON");
    serde_json::from_slice(&json).unwrap()
}

/// Whether the server closed `conn` without a word (a refused connection).
fn closed_at_once(conn: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(conn.read(&mut byte), Ok(0) | Err(_))
}

/// A whole, honest upload from 127.0.0.N; returns the verdict.
fn upload_from(n: u8, addr: SocketAddr, name: &str, body: &[u8]) -> serde_json::Value {
    let mut conn = connect_from(n, addr);
    conn.write_all(&header_frame(name, body)).unwrap();
    conn.write_all(body).unwrap();
    verdict(&mut conn)
}

/// A sender that drips its header one byte every 200 ms would meet no per-read
/// timeout (30 s here) for minutes; the 1-second deadline for the whole header
/// drops it, and it is told why.
#[test]
fn a_trickling_header_is_dropped_at_its_deadline() {
    let inbox = TempDir::new("trickle");
    let server = receiver(&inbox, &["--timeout", "30s", "--header-timeout", "1s"]);
    let conn = connect_from(2, server.addr);
    let mut writer = conn.try_clone().unwrap();
    let wire = header_frame("slow.txt", b"data");
    let drip = thread::spawn(move || {
        for byte in wire {
            // Slow on purpose: the trickle is the behaviour under test.
            thread::sleep(Duration::from_millis(200));
            if writer.write_all(&[byte]).is_err() {
                break;
            }
        }
    });
    let mut conn = conn;
    let answer = verdict(&mut conn);
    assert_eq!(answer["ok"], false);
    let error = answer["error"].as_str().unwrap();
    assert!(error.contains("timed out"), "{error}");
    drop(conn);
    drop(server);
    drip.join().unwrap();
    assert!(!inbox.path().join("slow.txt").exists());
}

/// An upload whose body arrives slower than --min-rate is cut and leaves no file.
#[test]
fn a_body_slower_than_the_minimum_rate_is_cut() {
    let inbox = TempDir::new("slowbody");
    let server = receiver(&inbox, &["--min-rate", "100000", "--rate-window", "300ms"]);
    let body = vec![b'x'; 1_000_000];
    let mut conn = connect_from(2, server.addr);
    conn.write_all(&header_frame("big.bin", &body)).unwrap();
    conn.write_all(&body[..10]).unwrap();
    // ...and nothing more: 10 bytes in 300 ms is far below 100 000 bytes/s.
    let answer = verdict(&mut conn);
    assert_eq!(answer["ok"], false);
    let error = answer["error"].as_str().unwrap();
    assert!(error.contains("too slow"), "{error}");
    drop(server);
    let left: Vec<_> = fs::read_dir(inbox.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// One address holds at most --max-per-address connections; another address is
/// still served.
#[test]
fn one_address_gets_only_its_share_of_the_slots() {
    let inbox = TempDir::new("share");
    let server = receiver(&inbox, &["--max-per-address", "2"]);
    // Two silent connections from 127.0.0.2 take its share...
    let _first = connect_from(2, server.addr);
    let _second = connect_from(2, server.addr);
    // ...so a third from the same address is closed at once.
    let mut third = connect_from(2, server.addr);
    assert!(closed_at_once(&mut third));
    // Another host uploads as if nothing happened.
    let answer = upload_from(3, server.addr, "fine.txt", b"hello");
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(fs::read(inbox.path().join("fine.txt")).unwrap(), b"hello");
}

/// Newcomers that never finish their header fill only the pending slots: an
/// upload already sending its bytes finishes, a new sender is turned away only
/// until the newcomers' deadline frees their slots.
#[test]
fn silent_newcomers_cannot_take_a_served_uploads_slot() {
    let inbox = TempDir::new("pending");
    let server = receiver(&inbox, &["--header-timeout", "2s"]);
    // An upload in progress: header done, most of the body sent. 24 MiB is more
    // than the two sockets' buffers hold, so this write returns only once the
    // receiver reads the body — after it read the header and promoted the upload.
    let body = vec![b'y'; 32 << 20];
    let sent_first = 24 << 20;
    let mut running = connect_from(2, server.addr);
    running
        .write_all(&header_frame("running.bin", &body))
        .unwrap();
    running.write_all(&body[..sent_first]).unwrap();
    // Eight silent newcomers from four hosts (two each, their share) fill every
    // pending slot.
    let silent: Vec<TcpStream> = (3..7)
        .flat_map(|n| [connect_from(n, server.addr), connect_from(n, server.addr)])
        .collect();
    // A ninth newcomer is refused while they wait...
    let mut ninth = connect_from(7, server.addr);
    assert!(closed_at_once(&mut ninth));
    // ...but the upload in progress finishes.
    running.write_all(&body[sent_first..]).unwrap();
    assert_eq!(verdict(&mut running)["ok"], true);
    assert_eq!(fs::read(inbox.path().join("running.bin")).unwrap(), body);
    // Their deadline passes: each one is told, and its slot comes back.
    for mut conn in silent {
        assert_eq!(verdict(&mut conn)["ok"], false);
    }
    let answer = upload_from(7, server.addr, "after.txt", b"later");
    assert_eq!(answer["ok"], true, "{answer}");
}

/// A file that is already in the directory is kept, and the sender learns why;
/// with --overwrite it is replaced.
#[test]
fn an_existing_file_is_kept_unless_the_receiver_overwrites() {
    let inbox = TempDir::new("keep");
    let outbox = TempDir::new("keep-out");
    fs::write(inbox.path().join("notes.txt"), "mine\n").unwrap();
    let source = outbox.path().join("notes.txt");
    fs::write(&source, "theirs\n").unwrap();
    let send = |addr: SocketAddr| {
        run(
            workspace_bin("framing"),
            &[
                "send",
                "--addr",
                &addr.to_string(),
                &source.display().to_string(),
            ],
            b"",
        )
    };
    let server = receiver(&inbox, &[]);
    let output = send(server.addr);
    assert_eq!(output.status.code(), Some(1), "{}", stdout_text(&output));
    assert!(
        stderr_text(&output).contains("already there"),
        "{}",
        stderr_text(&output)
    );
    assert_eq!(
        fs::read_to_string(inbox.path().join("notes.txt")).unwrap(),
        "mine\n"
    );
    drop(server);

    let server = receiver(&inbox, &["--overwrite"]);
    let output = send(server.addr);
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(
        fs::read_to_string(inbox.path().join("notes.txt")).unwrap(),
        "theirs\n"
    );
}

/// A name that a text-direction override makes read differently is refused like
/// a control character.
#[test]
fn a_name_with_a_direction_override_is_refused() {
    let inbox = TempDir::new("bidi");
    let server = receiver(&inbox, &[]);
    let answer = upload_from(2, server.addr, "invoice\u{202e}fdp.exe", b"x");
    assert_eq!(answer["ok"], false);
    assert!(
        answer["error"].as_str().unwrap().contains("direction"),
        "{answer}"
    );
    assert_eq!(fs::read_dir(inbox.path()).unwrap().count(), 0);
}

#[test]
fn bench_refuses_a_directory_that_does_not_exist() {
    let missing = std::env::temp_dir().join(format!("netlab-no-such-dir-{}", std::process::id()));
    let output = run(
        workspace_bin("framing"),
        &[
            "bench",
            "--size",
            "1MiB",
            "--dir",
            &missing.display().to_string(),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr_text(&output));
    assert!(stderr_text(&output).contains("not a directory"));
    assert!(!missing.exists(), "the bench created {missing:?}");
}
