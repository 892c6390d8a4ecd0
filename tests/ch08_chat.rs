//! Chapter 8 (八.socketserver模块): the chat room end to end — the built `chat
//! server`, raw clients speaking length-prefixed frames byte by byte, and the
//! `chat client` program fed from a pipe.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, Terminal, check_session_output, connect_from, interrupt, run,
    stderr_text, stdout_text, workspace_bin,
};

/// A chat client written against the wire format only: a 4-byte big-endian
/// length, then that many bytes of UTF-8.
struct Peer {
    stream: TcpStream,
}

impl Peer {
    fn connect(addr: SocketAddr) -> Peer {
        let stream = TcpStream::connect_timeout(&addr, TEST_TIMEOUT).expect("connect");
        stream.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TEST_TIMEOUT)).unwrap();
        Peer { stream }
    }

    /// Connects from the loopback address 127.0.0.N (one "host" of several).
    fn connect_from(n: u8, addr: SocketAddr) -> Peer {
        let stream = connect_from(n, addr);
        stream.set_write_timeout(Some(TEST_TIMEOUT)).unwrap();
        Peer { stream }
    }

    /// Connects and joins as `nick`; returns after the welcome.
    fn join(addr: SocketAddr, nick: &str) -> Peer {
        Peer::welcomed(Peer::connect(addr), nick)
    }

    /// Joins as `nick` from 127.0.0.N.
    fn join_from(n: u8, addr: SocketAddr, nick: &str) -> Peer {
        Peer::welcomed(Peer::connect_from(n, addr), nick)
    }

    fn welcomed(peer: Peer, nick: &str) -> Peer {
        let mut peer = peer;
        peer.send(nick);
        let welcome = peer.recv().expect("a welcome");
        assert!(
            welcome.starts_with(&format!("= welcome, {nick}!")),
            "{welcome}"
        );
        peer
    }

    fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes());
    }

    fn send_bytes(&mut self, payload: &[u8]) {
        let mut frame = (payload.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(payload);
        self.stream.write_all(&frame).expect("send a frame");
    }

    /// The next frame as text; `None` when the server closed the connection.
    fn recv(&mut self) -> Option<String> {
        let mut header = [0u8; 4];
        match self.stream.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return None,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
            Err(e) => panic!("reading a frame header: {e}"),
        }
        let mut payload = vec![0u8; u32::from_be_bytes(header) as usize];
        self.stream.read_exact(&mut payload).expect("frame payload");
        Some(String::from_utf8(payload).expect("UTF-8 from the server"))
    }

    /// Reads until a line equal to `line` arrives; returns the lines before it.
    fn expect(&mut self, line: &str) -> Vec<String> {
        let mut before = Vec::new();
        loop {
            match self.recv() {
                Some(got) if got == line => return before,
                Some(got) => before.push(got),
                None => panic!(
                    "closed before {line:?}; got {} lines, the last {:?}",
                    before.len(),
                    before
                        .last()
                        .map(|l| l.chars().take(80).collect::<String>())
                ),
            }
        }
    }

    /// Reads until the server closes; returns everything that came.
    fn until_closed(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Some(line) = self.recv() {
            lines.push(line);
        }
        lines
    }
}

fn start(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["server", "--addr", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    ServerProcess::start(workspace_bin("chat"), &args)
}

#[test]
fn clients_join_talk_whisper_clash_and_quit() {
    let server = start(&[]);
    let mut alice = Peer::join(server.addr, "alice");
    let mut bob = Peer::join(server.addr, "bob");
    alice.expect("* bob joined");
    let mut carol = Peer::join(server.addr, "carol");
    alice.expect("* carol joined");
    bob.expect("* carol joined");

    // Everyone, the sender included, gets each room message once, in order.
    alice.send("hello room");
    alice.expect("alice: hello room");
    bob.send("hi alice");
    assert_eq!(alice.recv().unwrap(), "bob: hi alice");
    for peer in [&mut bob, &mut carol] {
        assert_eq!(peer.recv().unwrap(), "alice: hello room");
        assert_eq!(peer.recv().unwrap(), "bob: hi alice");
    }

    // A private message reaches only its target (and comes back to the sender).
    bob.send("/msg carol psst");
    assert_eq!(carol.recv().unwrap(), "[private] bob: psst");
    assert_eq!(bob.recv().unwrap(), "[private to carol] bob: psst");

    // A nickname clash is refused, and the newcomer may try another.
    let mut late = Peer::connect(server.addr);
    late.send("alice");
    assert_eq!(
        late.recv().unwrap(),
        "! the nickname alice is taken; choose another"
    );
    late.send("/nick dave");
    assert!(late.recv().unwrap().starts_with("= welcome, dave!"));

    // /quit: a goodbye, the connection closes, the others are told.
    bob.send("/quit");
    assert_eq!(bob.until_closed(), ["* dave joined", "= goodbye, bob"]);
    // Alice never saw carol's private message: the next lines are the join and
    // the leave.
    assert_eq!(alice.expect("* bob left"), ["* dave joined"]);
    carol.send("/list");
    assert_eq!(
        carol.expect("= 3 in the room: alice, carol, dave"),
        ["* dave joined", "* bob left"]
    );
}

/// Reads until `count` lines of the form `sNAME: SEQ` came; returns them as
/// (sender, seq) in the order they arrived (other lines are skipped).
fn receive_numbered(peer: &mut Peer, count: usize) -> Vec<(usize, usize)> {
    let mut got = Vec::with_capacity(count);
    while got.len() < count {
        let line = peer
            .recv()
            .unwrap_or_else(|| panic!("closed after {} of {count} messages", got.len()));
        let parsed = line.split_once(": ").and_then(|(name, seq)| {
            Some((name.strip_prefix('s')?.parse().ok()?, seq.parse().ok()?))
        });
        if let Some(pair) = parsed {
            got.push(pair);
        }
    }
    got
}

#[test]
fn with_several_senders_at_once_everyone_gets_every_message_once_in_sender_order() {
    const SENDERS: usize = 4;
    const MESSAGES: usize = 100;
    // No rate limit: the senders send as fast as they can, all at once.
    let server = start(&["--rate-limit", "1000000", "--rate-burst", "1000000"]);
    let mut peers: Vec<Peer> = Vec::new();
    for i in 0..SENDERS {
        let newcomer = Peer::join(server.addr, &format!("s{i}"));
        for peer in &mut peers {
            peer.expect(&format!("* s{i} joined"));
        }
        peers.push(newcomer);
    }
    // One more client that only listens.
    let mut listener = Peer::join(server.addr, "listener");
    for peer in &mut peers {
        peer.expect("* listener joined");
    }
    let start_line = Arc::new(Barrier::new(SENDERS));
    let mut clients: Vec<_> = peers
        .into_iter()
        .map(|mut peer| {
            let start_line = Arc::clone(&start_line);
            thread::spawn(move || {
                start_line.wait();
                for seq in 0..MESSAGES {
                    peer.send(&seq.to_string());
                }
                receive_numbered(&mut peer, SENDERS * MESSAGES)
            })
        })
        .collect();
    clients.push(thread::spawn(move || {
        receive_numbered(&mut listener, SENDERS * MESSAGES)
    }));
    let heard: Vec<Vec<(usize, usize)>> = clients
        .into_iter()
        .map(|client| client.join().expect("client thread"))
        .collect();
    for (client, lines) in heard.iter().enumerate() {
        // Exactly once each, and each sender's messages in the order it sent them.
        for sender in 0..SENDERS {
            let seqs: Vec<usize> = lines
                .iter()
                .filter(|(from, _)| *from == sender)
                .map(|&(_, seq)| seq)
                .collect();
            assert_eq!(
                seqs,
                (0..MESSAGES).collect::<Vec<_>>(),
                "client {client}, sender s{sender}"
            );
        }
        // The room has one order, and every member sees that same order.
        assert_eq!(lines, &heard[0], "client {client} saw another order");
    }
}

#[test]
fn the_chat_client_sends_a_pipe_and_leaves_after_the_server_took_it() {
    let server = start(&[]);
    let mut watcher = Peer::join(server.addr, "watcher");
    // HOST:PORT: a name works as well as an address.
    let addr = format!("localhost:{}", server.addr.port());
    let output = run(
        workspace_bin("chat"),
        &["client", "--addr", &addr, "--nick", "piper"],
        "first line\n/me waves\nlast line\n".as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let stdout = stdout_text(&output);
    assert!(stdout.starts_with("= welcome, piper!"), "{stdout}");
    assert!(
        stdout.contains("piper: first line\n* piper waves\npiper: last line\n= goodbye, piper\n"),
        "{stdout}"
    );
    assert_eq!(
        watcher.expect("* piper left"),
        [
            "* piper joined",
            "piper: first line",
            "* piper waves",
            "piper: last line"
        ]
    );
}

#[test]
fn the_chat_client_skips_a_line_that_is_not_utf8_and_goes_on() {
    let server = start(&[]);
    let addr = server.addr.to_string();
    let output = run(
        workspace_bin("chat"),
        &["client", "--addr", &addr, "--nick", "piper"],
        b"before\n\xc4\xe3\xba\xc3\nafter\n", // the middle line: GBK bytes of 你好
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let stdout = stdout_text(&output);
    assert!(
        stdout.contains("piper: before\npiper: after\n= goodbye, piper\n"),
        "{stdout}"
    );
    assert!(
        stderr_text(&output).contains("not UTF-8"),
        "{}",
        stderr_text(&output)
    );
}

#[test]
fn the_chat_client_refuses_an_overlong_line_whole_and_goes_on() {
    let server = start(&[]);
    let addr = server.addr.to_string();
    // One byte over the server's limit, then a line of exactly the limit.
    let over = "x".repeat(chat::policy::MAX_MESSAGE_LEN + 1);
    let exact = "y".repeat(chat::policy::MAX_MESSAGE_LEN);
    let input = format!("before\n{over}\n{exact}\nafter\n");
    let output = run(
        workspace_bin("chat"),
        &["client", "--addr", &addr, "--nick", "piper"],
        input.as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let stdout = stdout_text(&output);
    assert!(
        stdout.contains(&format!("piper: before\npiper: {exact}\npiper: after\n")),
        "{stdout}"
    );
    assert!(!stdout.contains("xxx"), "no part of the long line is sent");
    assert!(
        stderr_text(&output).contains("longer than"),
        "{}",
        stderr_text(&output)
    );
}

#[test]
fn the_chat_client_refuses_a_bad_nickname_before_connecting() {
    // Nothing listens on port 1: exit code 2 shows the client never tried.
    let output = run(
        workspace_bin("chat"),
        &["client", "--addr", "127.0.0.1:1", "--nick", "al ice"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr_text(&output));
    assert!(
        stderr_text(&output).contains("--nick \"al ice\""),
        "{}",
        stderr_text(&output)
    );
}

#[test]
fn the_chat_client_gives_up_when_the_server_never_closes_after_quit() {
    // A server that welcomes the client, takes its /quit, and then neither
    // answers nor closes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mute_server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        let mut peer = Peer { stream };
        assert_eq!(peer.recv().as_deref(), Some("mute"));
        peer.send("= welcome, mute! in the room: mute (/help for commands)");
        assert_eq!(peer.recv().as_deref(), Some("/quit"));
        // Whatever comes next: the client's close (None) is what we expect.
        peer.recv()
    });
    let output = run(
        workspace_bin("chat"),
        &[
            "client",
            "--addr",
            &addr.to_string(),
            "--nick",
            "mute",
            "--timeout",
            "500ms",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr_text(&output));
    assert!(
        stderr_text(&output).contains("did not close the connection within 500ms of our /quit"),
        "{}",
        stderr_text(&output)
    );
    assert_eq!(mute_server.join().unwrap(), None);
}

#[test]
fn the_chat_client_explains_a_taken_nickname() {
    let server = start(&[]);
    let _alice = Peer::join(server.addr, "alice");
    let addr = server.addr.to_string();
    let output = run(
        workspace_bin("chat"),
        &["client", "--addr", &addr, "--nick", "alice"],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_text(&output).contains("taken"),
        "{}",
        stderr_text(&output)
    );
}

/// Reads `peer` in a thread and passes every line on, until the server closes.
fn forward_lines(mut peer: Peer) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        while let Some(line) = peer.recv() {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line starting with `prefix`; returns whether `notice` came before.
fn wait_for(lines: &mpsc::Receiver<String>, prefix: &str, notice: &str) -> bool {
    let mut saw_notice = false;
    loop {
        let line = lines
            .recv_timeout(TEST_TIMEOUT)
            .unwrap_or_else(|e| panic!("no line starting with {prefix:?}: {e}"));
        saw_notice |= line == notice;
        if line.starts_with(prefix) {
            return saw_notice;
        }
    }
}

#[test]
fn a_slow_consumer_is_dropped_while_the_others_keep_receiving() {
    // A short queue and no rate limit, so that the test fills it quickly.
    let server = start(&[
        "--queue",
        "64",
        "--rate-limit",
        "1000000",
        "--rate-burst",
        "1000000",
    ]);
    let mut slow = Peer::join(server.addr, "slow");
    let mut watcher = Peer::join(server.addr, "watcher");
    let mut talker = Peer::join(server.addr, "talker");
    slow.expect("* talker joined");
    watcher.expect("* talker joined");
    let talker_lines = forward_lines(Peer {
        stream: talker.stream.try_clone().unwrap(),
    });
    let watcher_lines = forward_lines(watcher);

    // Big messages fill the slow client's socket buffers, then its queue. The
    // talker sends in batches and waits until the batch came back to it and to
    // the watcher: the clients that read keep up, only `slow` falls behind.
    const DROPPED: &str = "* slow was dropped (too slow to keep up)";
    let padding = "x".repeat(3000);
    let mut dropped = false;
    let mut sent = 0;
    while !dropped {
        assert!(sent < 20_000, "the slow client was never dropped");
        for _ in 0..16 {
            talker.send(&format!("{sent} {padding}"));
            sent += 1;
        }
        let last = format!("talker: {} ", sent - 1);
        wait_for(&talker_lines, &last, DROPPED);
        dropped = wait_for(&watcher_lines, &last, DROPPED);
    }
    // The others go on receiving after the drop.
    talker.send("the end");
    wait_for(&talker_lines, "talker: the end", DROPPED);
    wait_for(&watcher_lines, "talker: the end", DROPPED);
    // The slow client's connection was closed by the server: reading what is
    // left of it ends.
    let mut rest = Vec::new();
    match slow.stream.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the slow client's connection was not closed: {e}"),
    }
}

#[test]
fn an_abrupt_disconnect_mid_frame_is_cleaned_up() {
    let server = start(&[]);
    let mut watcher = Peer::join(server.addr, "watcher");
    let mut broken = Peer::join(server.addr, "broken");
    watcher.expect("* broken joined");
    // A header announcing 100 bytes, 10 of them, then the connection closes.
    let mut partial = 100u32.to_be_bytes().to_vec();
    partial.extend_from_slice(b"0123456789");
    broken.stream.write_all(&partial).unwrap();
    drop(broken);
    watcher.expect("* broken left (connection lost)");
    // The room goes on.
    let _after = Peer::join(server.addr, "broken");
    watcher.expect("* broken joined");
}

#[test]
fn an_oversized_frame_is_refused_with_a_message() {
    let server = start(&[]);
    let mut watcher = Peer::join(server.addr, "watcher");
    let mut big = Peer::join(server.addr, "big");
    watcher.expect("* big joined");
    big.send(&"y".repeat(5000));
    assert_eq!(
        big.until_closed(),
        ["! refused: a frame of 5000 bytes is larger than the limit of 4096; closing"]
    );
    watcher.expect("* big left (broke a limit)");
}

#[test]
fn a_4_gib_header_before_the_nickname_is_refused_without_reading_it() {
    let server = start(&[]);
    let mut liar = Peer::connect(server.addr);
    liar.stream.write_all(&u32::MAX.to_be_bytes()).unwrap();
    assert_eq!(
        liar.until_closed(),
        ["! refused: a frame of 4294967295 bytes is larger than the limit of 4096; closing"]
    );
    // The server is fine.
    let _alice = Peer::join(server.addr, "alice");
}

#[test]
fn invalid_utf8_is_refused_and_the_client_stays() {
    let server = start(&[]);
    let mut alice = Peer::join(server.addr, "alice");
    alice.send_bytes(b"caf\xe9");
    alice.send("café");
    assert_eq!(
        alice.recv().unwrap(),
        "! refused: messages must be UTF-8 text; that frame was not"
    );
    assert_eq!(alice.recv().unwrap(), "alice: café");
}

#[test]
fn a_flood_is_refused_and_the_flooder_stays_connected() {
    let server = start(&["--rate-limit", "5", "--rate-burst", "10"]);
    let mut flooder = Peer::join(server.addr, "flooder");
    let mut other = Peer::join(server.addr, "other");
    flooder.expect("* other joined");
    for i in 0..100 {
        flooder.send(&format!("spam {i}"));
    }
    // The burst passes, then one warning; the rest are dropped.
    let passed =
        flooder.expect("! slow down: at most 5 messages per second; messages are being dropped");
    assert!(passed.len() >= 10 && passed.len() < 100, "{passed:?}");
    // Still connected: the room's messages still reach the flooder.
    other.send("are you still there?");
    flooder.expect("other: are you still there?");
}

#[test]
fn the_connection_limit_refuses_politely() {
    let server = start(&["--max-clients", "2"]);
    // Three hosts (one address may hold only a quarter of the slots, here 1).
    let _one = Peer::join_from(2, server.addr, "one");
    let _two = Peer::join_from(3, server.addr, "two");
    let mut three = Peer::connect_from(4, server.addr);
    // Like a real client, it sends its nickname before reading anything.
    three.send("three");
    assert_eq!(
        three.until_closed(),
        ["! server full (2 clients); try again later"]
    );
}

/// One address holds at most its share (--max-per-address); the others are
/// welcome meanwhile.
#[test]
fn one_address_gets_only_its_share_and_is_told_so() {
    let server = start(&["--max-per-address", "2"]);
    let _a = Peer::join_from(2, server.addr, "a");
    let _b = Peer::join_from(2, server.addr, "b");
    let mut c = Peer::connect_from(2, server.addr);
    c.send("c");
    assert_eq!(
        c.until_closed(),
        ["! refused: 127.0.0.2 already holds 2 connections, its share; try again later"]
    );
    let _d = Peer::join_from(3, server.addr, "d");
}

/// Newcomers that never send a nickname hold only "joining" slots: a room full of
/// them still welcomes a member, and their one deadline (the handshake and the
/// nickname together) sends them away.
#[test]
fn silent_newcomers_cannot_take_the_members_slots() {
    // --idle-timeout 2s makes the joining deadline 2 s too (it is at most 10 s).
    let server = start(&[
        "--max-clients",
        "4",
        "--max-per-address",
        "4",
        "--idle-timeout",
        "2s",
    ]);
    // Four silent connections fill every joining slot (as many as members)...
    let silent: Vec<Peer> = (0..4).map(|_| Peer::connect_from(2, server.addr)).collect();
    // ...a fifth newcomer is refused while they wait...
    let mut fifth = Peer::connect_from(3, server.addr);
    fifth.send("fifth");
    let refusal = fifth.until_closed();
    assert_eq!(refusal.len(), 1, "{refusal:?}");
    assert!(
        refusal[0].contains("waiting to finish their handshake"),
        "{refusal:?}"
    );
    // ...and each silent one is sent away when its deadline passes, freeing its slot.
    for mut peer in silent {
        assert_eq!(
            peer.until_closed(),
            ["! no nickname received in time; goodbye"]
        );
    }
    let _member = Peer::join_from(3, server.addr, "member");
}

/// A line with control characters could clear the others' screens or forge a
/// line from someone else: refused, and nobody receives it.
#[test]
fn lines_with_control_characters_are_refused() {
    let server = start(&[]);
    let mut alice = Peer::join(server.addr, "alice");
    let mut bob = Peer::join(server.addr, "bob");
    let _ = alice.recv(); // "* bob joined"
    for attack in [
        "hi\n admin: trust mallory",
        "\u{1b}]0;pwned\u{7}",
        "\u{1b}[2J",
        "abc\rdef",
    ] {
        bob.send(attack);
        let answer = bob.recv().expect("a refusal");
        assert!(
            answer.starts_with("! refused: control characters"),
            "{answer}"
        );
    }
    bob.send("tab\tis fine");
    assert_eq!(bob.recv().as_deref(), Some("bob: tab\tis fine"));
    assert_eq!(alice.recv().as_deref(), Some("bob: tab\tis fine"));
}

/// Another server (or a room that relayed it) may send escape sequences and line
/// breaks: `chat client` shows them as escapes, and every message stays one line.
#[test]
fn the_client_shows_control_characters_as_escapes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hostile_server = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        let mut nickname = [0u8; 4 + 3];
        conn.read_exact(&mut nickname).unwrap(); // "eve"
        for line in [
            "= welcome, eve!",
            "mallory: \u{1b}]0;pwned\u{7}hi\n admin: trust mallory",
        ] {
            let mut frame = (line.len() as u32).to_be_bytes().to_vec();
            frame.extend_from_slice(line.as_bytes());
            conn.write_all(&frame).unwrap();
        }
        // Then close: the client ends.
    });
    let output = run(
        workspace_bin("chat"),
        &["client", "--addr", &addr.to_string(), "--nick", "eve"],
        b"",
    );
    hostile_server.join().unwrap();
    let shown = stdout_text(&output);
    assert_eq!(
        shown,
        "= welcome, eve!\nmallory: \\u{1b}]0;pwned\\u{7}hi\\n admin: trust mallory\n"
    );
}

/// A room on the network without a secret is readable by anyone who can reach
/// it: `chat server` says so before it binds. (192.0.2.1 is a documentation
/// address, not this machine's, so nothing is ever bound or reached.)
#[test]
fn a_server_for_the_network_without_a_secret_warns() {
    let output = run(
        workspace_bin("chat"),
        &["server", "--addr", "192.0.2.1:9090"],
        b"",
    );
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("warning: listening on 192.0.2.1:9090 without a secret"),
        "{stderr}"
    );
}

#[test]
fn an_idle_client_is_disconnected_with_a_notice() {
    let server = start(&["--idle-timeout", "300ms"]);
    let mut sleepy = Peer::join(server.addr, "sleepy");
    assert_eq!(sleepy.until_closed(), ["! idle for 300ms; disconnected"]);
}

#[test]
fn a_connection_that_never_sends_its_nickname_is_closed_too() {
    // Like a half-open connection: connected, and then nothing at all.
    let server = start(&["--idle-timeout", "300ms"]);
    let mut silent = Peer::connect(server.addr);
    assert_eq!(
        silent.until_closed(),
        ["! no nickname received in time; goodbye"]
    );
    let _alice = Peer::join(server.addr, "alice");
}

/// A file holding `key`, removed when dropped.
struct SecretFile(PathBuf);

impl SecretFile {
    fn new(name: &str, key: &str) -> SecretFile {
        let path = std::env::temp_dir().join(format!("ch08-{name}-{}.key", std::process::id()));
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
fn with_a_secret_only_clients_that_know_it_get_in() {
    let right = SecretFile::new("right", "alex-sb\n");
    let wrong = SecretFile::new("wrong", "guess\n");
    let server = start(&["--secret-file", &right.arg()]);
    let addr = server.addr.to_string();

    let welcomed = run(
        workspace_bin("chat"),
        &[
            "client",
            "--addr",
            &addr,
            "--nick",
            "insider",
            "--secret-file",
            &right.arg(),
        ],
        b"hello\n",
    );
    assert!(welcomed.status.success(), "{}", stderr_text(&welcomed));
    assert!(stdout_text(&welcomed).contains("insider: hello"));

    let refused = run(
        workspace_bin("chat"),
        &[
            "client",
            "--addr",
            &addr,
            "--nick",
            "outsider",
            "--secret-file",
            &wrong.arg(),
        ],
        b"hello\n",
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr_text(&refused).contains("refused"),
        "{}",
        stderr_text(&refused)
    );

    // The benchmark authenticates each of its clients when given the secret.
    let bench = run(
        workspace_bin("chat"),
        &[
            "bench",
            "--addr",
            &addr,
            "--clients",
            "3",
            "--messages",
            "2",
            "--rate",
            "50",
            "--secret-file",
            &right.arg(),
            "--json",
        ],
        b"",
    );
    assert!(bench.status.success(), "{}", stderr_text(&bench));
    let report: serde_json::Value = serde_json::from_str(&stdout_text(&bench)).unwrap();
    assert_eq!(
        (report["delivered"].as_u64(), report["lost"].as_u64()),
        (Some(18), Some(0))
    );

    // A client that skips the handshake and sends its nickname frame: those
    // bytes are taken as a (wrong) answer to the 32-byte challenge.
    let mut raw = Peer::connect(server.addr);
    raw.send("/nick someone-who-skipped-auth-entirely");
    let mut everything = Vec::new();
    raw.stream.read_to_end(&mut everything).unwrap();
    assert_eq!(everything.len(), 32 + b"refused\n".len());
    assert!(everything.ends_with(b"refused\n"));
}

#[test]
fn ctrl_c_tells_every_client_and_exits_0() {
    let server = start(&[]);
    let mut alice = Peer::join(server.addr, "alice");
    let mut bob = Peer::join(server.addr, "bob");
    alice.expect("* bob joined");
    let status = Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for peer in [&mut alice, &mut bob] {
        assert_eq!(peer.until_closed(), ["! server shutting down; goodbye"]);
    }
    server.expect_line("shutting down");
    assert_eq!(server.wait_exit(), Some(0));
}

#[test]
fn ctrl_c_first_delivers_what_is_queued_then_says_goodbye() {
    const COUNT: usize = 2000;
    let server = start(&[
        "--rate-limit",
        "1000000",
        "--rate-burst",
        "1000000",
        "--queue",
        "4096",
    ]);
    let mut talker = Peer::join(server.addr, "talker");
    let mut sleeper = Peer::join(server.addr, "sleeper");
    talker.expect("* sleeper joined");
    // The sleeper reads nothing until the end: 8 MB for it pile up, more than
    // the socket buffers hold (Linux's tcp_wmem allows about 4 MB), so about half
    // of it is still in the server's outbox when Ctrl-C comes.
    let padding = "z".repeat(4000);
    let lines: Vec<String> = (0..COUNT)
        .map(|i| format!("talker: {i} {padding}"))
        .collect();
    for i in 0..COUNT {
        talker.send(&format!("{i} {padding}"));
    }
    // When the talker's own copy of the last one is back, the room has queued
    // every one of them for the sleeper too.
    talker.expect(&lines[COUNT - 1]);
    let status = Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut expected = lines;
    expected.push("! server shutting down; goodbye".to_string());
    let got = sleeper.until_closed();
    assert_eq!(got.len(), expected.len(), "the last line: {:?}", got.last());
    assert!(got == expected, "the sleeper's lines differ");
    assert_eq!(talker.until_closed(), ["! server shutting down; goodbye"]);
    assert_eq!(server.wait_exit(), Some(0));
}

#[test]
fn the_bench_checks_every_delivery_and_reports_json() {
    let server = start(&[]);
    let addr = server.addr.to_string();
    let output = run(
        workspace_bin("chat"),
        &[
            "bench",
            "--addr",
            &addr,
            "--clients",
            "6",
            "--messages",
            "3",
            "--rate",
            "100",
            "--json",
        ],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let report: serde_json::Value =
        serde_json::from_str(&stdout_text(&output)).expect("one JSON document on stdout");
    assert_eq!(report["clients"], 6);
    assert_eq!(report["sent"], 18);
    assert_eq!(report["delivered"], 6 * 18);
    assert_eq!(report["lost"], 0);
    assert_eq!(report["duplicated"], 0);
    assert_eq!(report["gaps"], 0);
    for key in ["deliveries_per_sec", "p50_ms", "p99_ms", "max_ms"] {
        assert!(report[key].is_number(), "{key} missing in {report}");
    }
}

#[test]
fn the_floor_delivers_every_line_to_every_member_and_reports_json() {
    let output = run(
        workspace_bin("chat"),
        &["floor", "--members", "20", "--lines", "3", "--json"],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    let report: serde_json::Value =
        serde_json::from_str(&stdout_text(&output)).expect("one JSON document on stdout");
    assert_eq!(report["members"], 20);
    assert_eq!(report["lines"], 3);
    assert_eq!(
        report["deliveries"], 60,
        "every line to every member: {report}"
    );
    assert!(report["writers"].as_u64().unwrap() >= 1, "{report}");
    let ms = |key: &str| {
        report[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key} in {report}"))
    };
    assert!(
        ms("p50_ms") <= ms("p99_ms") && ms("p99_ms") <= ms("max_ms"),
        "{report}"
    );
    assert!(
        ms("write_us") > 0.0 && ms("writes_done_ms") > 0.0,
        "{report}"
    );
}

#[test]
fn the_floors_members_process_refuses_an_address_off_loopback() {
    // Refused on the command line, before any connection is tried.
    let output = run(
        workspace_bin("chat"),
        &["floor", "--members-of", "192.0.2.1:9", "--members", "1"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_text(&output).contains("loopback only"),
        "{}",
        stderr_text(&output)
    );
}

#[test]
fn the_floor_names_the_open_file_limit_a_run_needs() {
    let output = run("sh", &with_512_files(&["floor", "--members", "1000"]), b"");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("--members 1000: this process may open 512 files (ulimit -n)")
            && stderr.contains("raise it to 1064"),
        "{stderr}"
    );
}

/// `sh -c 'ulimit -n 512; exec chat ARGS...'`: the chat program with an
/// open-file limit of 512, soft and hard, as on a system that allows no more.
fn with_512_files(args: &[&str]) -> Vec<String> {
    let chat = workspace_bin("chat").display().to_string();
    let mut all = vec![
        "-c".to_string(),
        "ulimit -n 512 && exec \"$0\" \"$@\"".to_string(),
        chat,
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    all
}

#[test]
fn the_bench_names_the_open_file_limit_a_run_needs() {
    let output = run("sh", &with_512_files(&["bench", "--clients", "1000"]), b"");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("--clients 1000: this process may open 512 files (ulimit -n)")
            && stderr.contains("raise it to 1064 (ulimit -n 1064"),
        "{stderr}"
    );
}

#[test]
fn the_server_warns_when_the_open_file_limit_is_below_max_clients() {
    let args = with_512_files(&["server", "--addr", "127.0.0.1:0", "--max-clients", "1000"]);
    let server = ServerProcess::start_as_in_a_terminal("sh", &args);
    let warning = server.expect_line("warning: --max-clients 1000");
    assert!(
        warning.contains("may open 512 files") && warning.contains("ulimit -n 1064"),
        "{warning}"
    );
    // It serves anyway.
    Peer::join(server.addr, "alice");
}

/// The session the book shows (docs/src/output/ch08-chat-terminal-*.session.txt):
/// `chat server` and three `chat client`s typing in turn — room messages, a
/// private message, a late joiner, `/me` and `/list` — then each leaving with
/// Ctrl-D, and Ctrl-C on the server.
#[test]
fn the_books_chat_room_session_is_what_the_programs_print() {
    let server = start(&[]);
    let addr = server.addr.to_string();
    let client = |nick: &str| {
        Terminal::open(
            &format!("cargo run -q -p chat -- client --nick {nick}"),
            workspace_bin("chat"),
            &["client", "--addr", &addr, "--nick", nick],
        )
    };
    let mut alice = client("alice");
    alice.expect("= welcome, alice! in the room: alice (/help for commands)\n");
    let mut bob = client("bob");
    bob.expect("= welcome, bob! in the room: alice, bob (/help for commands)\n");
    alice.expect("* bob joined\n");

    alice.type_line("hello");
    for member in [&mut alice, &mut bob] {
        member.expect("alice: hello\n");
    }
    bob.type_line("hi alice");
    for member in [&mut alice, &mut bob] {
        member.expect("bob: hi alice\n");
    }
    alice.type_line("/msg bob lunch?");
    bob.expect("[private] alice: lunch?\n");
    alice.expect("[private to bob] alice: lunch?\n");

    let mut carol = client("carol");
    carol.expect("= welcome, carol! in the room: alice, bob, carol (/help for commands)\n");
    for member in [&mut alice, &mut bob] {
        member.expect("* carol joined\n");
    }
    carol.type_line("/me waves");
    for member in [&mut alice, &mut bob, &mut carol] {
        member.expect("* carol waves\n");
    }
    carol.type_line("/list");
    carol.expect("= 3 in the room: alice, bob, carol\n");

    // Ctrl-D, one after the other: each client says /quit and gets a goodbye.
    let mut screens = Vec::new();
    let (code, screen, stderr) = bob.close();
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    screens.push(("ch08-chat-terminal-3.session.txt", screen));
    for member in [&mut alice, &mut carol] {
        member.expect("* bob left\n");
    }
    let (code, screen, stderr) = carol.close();
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    screens.push(("ch08-chat-terminal-4.session.txt", screen));
    alice.expect("* carol left\n");
    let (code, screen, stderr) = alice.close();
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    screens.push(("ch08-chat-terminal-2.session.txt", screen));

    let shown = chat::server::DEFAULT_ADDR;
    let (code, screen) = interrupt("cargo run -q -p chat -- server", server, shown);
    assert_eq!(code, Some(0));
    assert!(
        screen.ends_with("^C\nshutting down: telling every client\nbye\n"),
        "{screen}"
    );
    screens.push(("ch08-chat-terminal-1.session.txt", screen));
    for (file, screen) in screens {
        check_session_output(file, &screen);
    }
}
