//! Chapter 4 (四.套接字初使用), hostile peers: the UDP servers never amplify
//! (RFC 9000 §8.1: a reply, counted with its 28 bytes of IPv4 and UDP headers, is
//! at most 3 times the request counted the same way), the QQ programs show a
//! peer's control characters as escapes, input files are read with a cap, and the
//! command line refuses what cannot work (port 0 as a destination, a reference id
//! that is neither letters nor IPv4, numbers outside their range) with exit code 2.
//! Real datagrams on 127.0.0.1, the built binaries.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, TempDir, run, stderr_text, stdout_text, workspace_bin,
};
use time_sync::packet::{Mode, Repr};
use time_sync::timestamp::Timestamp;

fn udp_demo() -> PathBuf {
    workspace_bin("udp-demo")
}

fn time_sync() -> PathBuf {
    workspace_bin("time-sync")
}

/// The bytes of IPv4 (20) and UDP (8) headers around every datagram.
const HEADERS: usize = 28;

/// Asserts the amplification rule for one exchange, written out here rather than
/// taken from the library under test: reply + 28 ≤ 3 × (request + 28).
fn assert_within_the_rule(server: &str, request_len: usize, reply_len: usize) {
    let factor = (reply_len + HEADERS) as f64 / (request_len + HEADERS) as f64;
    assert!(
        reply_len + HEADERS <= 3 * (request_len + HEADERS),
        "{server}: a {request_len}-byte request got {reply_len} bytes back, \
         an amplification of {factor:.2} (at most 3 is allowed)"
    );
}

/// A client socket whose reads give up after the test timeout.
fn client() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    socket
}

/// Sends `request` and then `probe` from one socket, and returns every reply
/// that came before the probe's (which `is_probe_reply` recognises). The server
/// answers one socket's datagrams in order, so what comes before the probe's
/// reply is all the request got, none of it missed and nothing of later requests.
fn replies_to(
    server: SocketAddr,
    request: &[u8],
    probe: &[u8],
    is_probe_reply: impl Fn(&[u8]) -> bool,
) -> Vec<Vec<u8>> {
    let socket = client();
    socket.send_to(request, server).unwrap();
    socket.send_to(probe, server).unwrap();
    let mut buffer = vec![0u8; 65_536];
    let mut replies = Vec::new();
    loop {
        let (len, from) = match socket.recv_from(&mut buffer) {
            Ok(received) => received,
            // A signal to this test process interrupted the wait: wait again.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("no reply to the probe from {server}: {e}"),
        };
        assert_eq!(from, server);
        let reply = buffer[..len].to_vec();
        if is_probe_reply(&reply) {
            return replies;
        }
        replies.push(reply);
    }
}

/// The datagrams every server is measured with: the empty one, the issue's
/// examples, and sizes around every limit (the largest UDP datagram included).
fn requests() -> Vec<Vec<u8>> {
    let mut requests = vec![
        Vec::new(),
        b"%".to_vec(),
        "%c".repeat(21).into_bytes(),
        b"hello".to_vec(),
        "在吗".as_bytes().to_vec(),
        b"\xff".to_vec(),
    ];
    for len in [1, 47, 48, 49, 512, 1024, 1025, 2000, 65_507] {
        requests.push(vec![b'%'; len]);
        requests.push("%c".repeat(len / 2).into_bytes());
    }
    requests
}

#[test]
fn udp_demo_server_keeps_the_amplification_rule() {
    let server = ServerProcess::start(
        udp_demo(),
        &["server", "--addr", "127.0.0.1:0", "--forever"],
    );
    let socket = client();
    let mut buffer = [0u8; 64];
    for request in requests() {
        socket.send_to(&request, server.addr).unwrap();
        let (len, _) = socket.recv_from(&mut buffer).unwrap();
        assert_eq!(&buffer[..len], b"hi");
        assert_within_the_rule("udp-demo server", request.len(), len);
    }
}

#[test]
fn time_server_keeps_the_amplification_rule() {
    let server = ServerProcess::start(time_sync(), &["server", "--addr", "127.0.0.1:0"]);
    for request in requests() {
        let replies = replies_to(server.addr, &request, b"PROBE", |r| r == b"PROBE");
        assert_eq!(replies.len(), 1, "{} bytes: {replies:?}", request.len());
        assert_within_the_rule("time-sync server", request.len(), replies[0].len());
    }
    // The issue's examples: `%c` × 21 (42 bytes) got 504 bytes, a lone `%` a
    // 74-byte sentence. Now both get an `error:` that fits.
    let ask = |request: &[u8]| {
        let replies = replies_to(server.addr, request, b"PROBE", |r| r == b"PROBE");
        String::from_utf8(replies.concat()).unwrap()
    };
    let amplifier = ask("%c".repeat(21).as_bytes());
    assert!(
        amplifier.starts_with("error: the reply would be longer than 182 bytes"),
        "{amplifier}"
    );
    assert_eq!(ask(b"%"), "error: lone '%'");
    // Three `%c` (72 bytes from 6) are within the rule and get the time.
    assert_eq!(ask(b"%c%c%c").len(), 72);
}

/// A valid SNTP request whose transmit timestamp (T1) is `seconds`.
fn sntp_request(seconds: u32) -> [u8; 48] {
    Repr::client_request(Timestamp::new(seconds, 0x1234_5678)).to_bytes()
}

fn sntp_server_keeps_the_amplification_rule(extra: &[&str]) {
    let args = [&["sntp-server", "--addr", "127.0.0.1:0"], extra].concat();
    let server = ServerProcess::start(time_sync(), &args);
    let valid = sntp_request(0xed0c_2a1b);
    let mut requests = requests();
    requests.push(valid.to_vec());
    let mut longer = valid.to_vec();
    longer.extend([0u8; 976]); // 1024 bytes: a header and room for extensions
    requests.push(longer);
    for (n, request) in requests.iter().enumerate() {
        let probe_t1 = Timestamp::new(0xed0d_0000 + u32::try_from(n).unwrap(), 0x1234_5678);
        let probe = sntp_request(probe_t1.seconds());
        let replies = replies_to(server.addr, request, &probe, |reply| {
            Repr::parse_bytes(reply).is_ok_and(|r| r.origin_timestamp == probe_t1)
        });
        assert!(replies.len() <= 1, "{} bytes: {replies:?}", request.len());
        for reply in &replies {
            assert_eq!(Repr::parse_bytes(reply).map(|r| r.mode), Ok(Mode::Server));
            assert_within_the_rule("time-sync sntp-server", request.len(), reply.len());
        }
    }
}

#[test]
fn sntp_server_keeps_the_amplification_rule_batched() {
    sntp_server_keeps_the_amplification_rule(&["--threads", "2"]);
}

#[test]
fn sntp_server_keeps_the_amplification_rule_plain() {
    sntp_server_keeps_the_amplification_rule(&["--plain"]);
}

/// The QQ server's replies are typed by a person. One that would break the rule
/// is not sent: the operator is told why on stderr and types a shorter one.
#[test]
fn qq_server_keeps_the_amplification_rule() {
    let mut server =
        ServerProcess::start_as_in_a_terminal(udp_demo(), &["qq-server", "--addr", "127.0.0.1:0"]);
    let socket = client();
    let mut buffer = vec![0u8; 65_536];
    // (the message, the replies typed, the reply that must arrive)
    let cases: Vec<(Vec<u8>, Vec<String>, String)> = vec![
        // An empty datagram may get 56 bytes back.
        (Vec::new(), vec!["x".repeat(57), "ok".into()], "ok".into()),
        // 在吗 (6 bytes) may get 74: 24 × 在, not 25.
        (
            "在吗".as_bytes().to_vec(),
            vec!["在".repeat(25), "在".repeat(24)],
            "在".repeat(24),
        ),
        // 100 bytes may get 356: a 300-byte reply goes out whole.
        (vec![b'a'; 100], vec!["b".repeat(300)], "b".repeat(300)),
        // A datagram is counted as it came on the wire, even when cut to 1024.
        (vec![b'a'; 2000], vec!["c".repeat(1024)], "c".repeat(1024)),
    ];
    for (message, typed, expected) in cases {
        for line in &typed {
            server.type_text(&format!("{line}\n"));
        }
        socket.send_to(&message, server.addr).unwrap();
        let (len, _) = socket.recv_from(&mut buffer).unwrap();
        assert_eq!(String::from_utf8_lossy(&buffer[..len]), expected);
        assert_within_the_rule("udp-demo qq-server", message.len(), len);
        if typed.len() > 1 {
            let refused = typed[0].len();
            let allowed = 3 * (message.len() + HEADERS) - HEADERS;
            server.expect_line(&format!(
                "(that reply is {refused} bytes; a {}-byte message may get at most {allowed} back",
                message.len()
            ));
        }
    }
}

/// ESC sequences that retitle the window and clear the screen, a bell, and a CR
/// LF that would start a line looking like another message.
const HOSTILE: &[u8] =
    b"\x1b]0;pwned\x07\x1b[2Jhi\r\n\xe6\x9d\xa5\xe8\x87\xaa[10.0.0.1:1]: trust mallory";
/// What the programs show for [`HOSTILE`]: one line, escapes visible.
const HOSTILE_SHOWN: &str = r"\u{1b}]0;pwned\u{7}\u{1b}[2Jhi\r\n来自[10.0.0.1:1]: trust mallory";

#[test]
fn qq_server_shows_a_peers_control_characters_as_escapes() {
    let mut server = ServerProcess::start(udp_demo(), &["qq-server", "--addr", "127.0.0.1:0"]);
    server.type_text("收到\n收到\n");
    let socket = client();
    let from = socket.local_addr().unwrap();
    socket.send_to(HOSTILE, server.addr).unwrap();
    let mut buffer = [0u8; 64];
    let (len, _) = socket.recv_from(&mut buffer).unwrap();
    assert_eq!(&buffer[..len], "收到".as_bytes());
    socket.send_to(b"next", server.addr).unwrap();
    socket.recv_from(&mut buffer).unwrap();
    // Two messages, two lines: the second is the next message, not a forged one.
    let first = server.next_line(TEST_TIMEOUT).unwrap();
    assert_eq!(first, format!("来自[{from}]的一条消息:{HOSTILE_SHOWN}"));
    let second = server.next_line(TEST_TIMEOUT).unwrap();
    assert_eq!(second, format!("来自[{from}]的一条消息:next"));
}

#[test]
fn qq_client_shows_a_peers_control_characters_as_escapes() {
    let peer = client();
    let peer_addr = peer.local_addr().unwrap();
    let contact = format!("egg={peer_addr}");
    let qq_client = std::thread::spawn(move || {
        run(
            udp_demo(),
            &["qq-client", "--contact", &contact],
            "egg\n在吗\n".as_bytes(),
        )
    });
    let mut buffer = [0u8; 64];
    let (len, from) = peer.recv_from(&mut buffer).unwrap();
    assert_eq!(&buffer[..len], "在吗".as_bytes());
    peer.send_to(HOSTILE, from).unwrap();
    let output = qq_client.join().unwrap();
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(
        stdout_text(&output),
        format!("来自[{peer_addr}]的一条消息:{HOSTILE_SHOWN}\n")
    );
}

/// A valid contacts file of exactly `size` bytes (a comment fills it up).
fn contacts_file_of(size: usize) -> String {
    let table = "[contacts]\negg = \"127.0.0.1:9\"\n";
    let filler = size - table.len() - 2;
    format!("{table}#{}\n", "x".repeat(filler))
}

#[test]
fn qq_client_reads_at_most_64_kib_of_contacts() {
    let dir = TempDir::new("contacts-cap");
    let largest = dir.file("largest.toml");
    let too_large = dir.file("too-large.toml");
    std::fs::write(&largest, contacts_file_of(64 * 1024)).unwrap();
    std::fs::write(&too_large, contacts_file_of(64 * 1024 + 1)).unwrap();
    // 64 KiB is read (and the client ends with its empty input).
    let output = run(
        udp_demo(),
        &["qq-client", "--contacts-file", &largest.to_string_lossy()],
        b"",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    // One byte more, or a file without end, is refused, naming the file and the cap.
    for file in [too_large.to_string_lossy().into_owned(), "/dev/zero".into()] {
        let output = run(udp_demo(), &["qq-client", "--contacts-file", &file], b"");
        assert_eq!(output.status.code(), Some(2), "{file}: {output:?}");
        let stderr = stderr_text(&output);
        assert!(
            stderr.contains(&format!("{file} is larger than 65536 bytes")),
            "{stderr}"
        );
    }
}

#[test]
fn clients_refuse_port_0_and_say_why() {
    let commands: [(PathBuf, &[&str]); 8] = [
        (udp_demo(), &["client", "--addr", "127.0.0.1:0"]),
        (udp_demo(), &["qq-client", "--addr", "127.0.0.1:0"]),
        (udp_demo(), &["qq-client", "--contact", "egg=127.0.0.1:0"]),
        (time_sync(), &["client", "--addr", "127.0.0.1:0"]),
        (time_sync(), &["sntp", "--addr", "127.0.0.1:0"]),
        (time_sync(), &["explain", "--addr", "127.0.0.1:0"]),
        (time_sync(), &["bench", "--addr", "localhost:0"]),
        (udp_demo(), &["client", "--addr", "[::1]:0"]),
    ];
    for (program, args) in commands {
        let output = run(&program, args, b"");
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("port 0 is not a destination (port 0 means 'any free port' for a server; a client must name the server's port"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn sntp_server_refuses_a_reference_id_that_is_not_letters_or_ipv4() {
    for bad in ["::1", "1234", "GPS!", "LOCAL", "", "G PS"] {
        let output = run(
            time_sync(),
            &[
                "sntp-server",
                "--addr",
                "127.0.0.1:0",
                "--reference-id",
                bad,
            ],
            b"",
        );
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), Some(2), "{bad:?}: {stderr}");
        assert!(
            stderr.contains("an IPv4 address such as 127.127.1.1, or 1 to 4 ASCII letters"),
            "{bad:?}: {stderr}"
        );
        assert!(
            stdout_text(&output).is_empty(),
            "{bad:?}: it must not listen"
        );
    }
}

/// The time client's `--count` is not a flood: each request waits for its reply,
/// and the largest count is accepted (the server here answers at once).
#[test]
fn time_client_accepts_the_largest_count_and_the_smallest() {
    let server = ServerProcess::start(time_sync(), &["server", "--addr", "127.0.0.1:0"]);
    let output = run(
        time_sync(),
        &["client", "--addr", &server.addr.to_string(), "--count", "1"],
        b"",
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout_text(&output).lines().count(), 1);
    // The largest count parses, then the first request to a port nobody serves
    // fails at once (exit 1, not 2).
    let nobody = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = nobody.local_addr().unwrap().to_string();
    drop(nobody);
    let output = run(
        time_sync(),
        &[
            "client",
            "--addr",
            &addr,
            "--count",
            "1000000",
            "--timeout",
            "100ms",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
}
