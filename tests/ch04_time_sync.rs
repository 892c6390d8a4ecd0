//! Chapter 4 (四.套接字初使用): the time server and SNTP, end to end with the
//! built `time-sync` binary, the tutorial's Python programs, and hostile input.

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, check_session_output, mask_ports, peer_available, run,
    show_port_as, stderr_text, stdout_text, workspace_bin,
};

#[path = "support/sntp_output.rs"]
mod sntp_output;
use sntp_output::{digits_as_hashes, mask_sntp_output};

const PYTHON_SERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/time_server.py");
const PYTHON_CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/time_client.py");

fn time_sync(args: &[&str]) -> std::process::Output {
    run(workspace_bin("time-sync"), args, b"")
}

fn format_server() -> ServerProcess {
    ServerProcess::start(
        workspace_bin("time-sync"),
        &["server", "--addr", "127.0.0.1:0"],
    )
}

fn sntp_server() -> ServerProcess {
    ServerProcess::start(
        workspace_bin("time-sync"),
        &["sntp-server", "--addr", "127.0.0.1:0", "--threads", "2"],
    )
}

/// `2026-11-25 10:57:39`: digits where digits belong.
fn looks_like_date_time(text: &str) -> bool {
    let shape: String = text
        .trim_end()
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect();
    shape == "####-##-## ##:##:##"
}

/// One request on a fresh socket, answer under a timeout.
fn ask(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    socket.send_to(request, addr).unwrap();
    let mut buffer = vec![0u8; 65_536];
    let (len, from) = socket.recv_from(&mut buffer).expect("a reply");
    assert_eq!(from, addr);
    buffer.truncate(len);
    buffer
}

/// The command line as the book shows it: arguments with `%` or a space in
/// single quotes, as a reader types them in a shell.
fn shown_command(args: &[&str]) -> String {
    let mut line = String::from("$ cargo run -q -p time-sync --");
    for arg in args {
        line.push(' ');
        if arg.contains(['%', ' ']) {
            line.push_str(&format!("'{arg}'"));
        } else {
            line.push_str(arg);
        }
    }
    line.push('\n');
    line
}

/// Stops a server that would run forever, as Ctrl-C does, and returns
/// everything it printed.
fn stop_and_collect(server: ServerProcess) -> Vec<String> {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    server.wait_output().1
}

/// The "Run it" terminals of docs/src/ch04-time-sync.md: the server in
/// terminal 1, three clients in terminal 2 (times shown as `#`).
#[test]
fn the_books_time_server_session_is_what_the_programs_print() {
    let server = ServerProcess::start_as_in_a_terminal(
        workspace_bin("time-sync"),
        &["server", "--addr", "127.0.0.1:0"],
    );
    let addr = server.addr;
    let mut terminal_2 = String::new();
    for (args, code) in [
        (&["client", "--format", "%Y-%m-%d %H:%M:%S"][..], 0),
        (
            &[
                "client",
                "--format",
                "%H:%M:%S",
                "--interval",
                "1s",
                "--count",
                "3",
            ],
            0,
        ),
        (&["client", "--format", "%Q"], 1),
    ] {
        let addr = addr.to_string();
        let output = time_sync(&[args, &["--addr", &addr]].concat());
        assert_eq!(output.status.code(), Some(code), "{args:?}: {output:?}");
        terminal_2.push_str(&shown_command(args));
        // The client prints the server's reply on stdout, then (for an error
        // reply) its own complaint on stderr.
        terminal_2.push_str(&digits_as_hashes(&stdout_text(&output)));
        terminal_2.push_str(&digits_as_hashes(&stderr_text(&output)));
    }
    let shown = "127.0.0.1:9000";
    let terminal_1 = format!(
        "$ cargo run -q -p time-sync -- server\n{}\n",
        stop_and_collect(server).join("\n")
    );
    let terminal_1 = mask_ports(&show_port_as(&terminal_1, addr, shown), &[shown]);
    check_session_output("ch04-time-server-terminal-1.session.txt", &terminal_1);
    check_session_output("ch04-time-server-terminal-2.session.txt", &terminal_2);
}

/// The book's client against a server suspended with Ctrl-Z: its socket
/// exists, nobody reads it, so only the timeout tells.
#[test]
fn the_books_timeout_against_a_suspended_server_is_what_the_client_prints() {
    let server = format_server();
    let signal = |name: &str| {
        let status = std::process::Command::new("kill")
            .args([name, &server.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill {name}");
    };
    signal("-STOP");
    let args = ["client", "--addr", "127.0.0.1:9000", "--timeout", "500ms"];
    let addr = server.addr.to_string();
    let output = time_sync(&["client", "--addr", &addr, "--timeout", "500ms"]);
    signal("-CONT");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let terminal = format!(
        "{}{}{}",
        shown_command(&args),
        stdout_text(&output),
        stderr_text(&output)
    );
    let terminal = show_port_as(&terminal, server.addr, "127.0.0.1:9000");
    check_session_output("ch04-time-no-reply.session.txt", &terminal);
}

/// The book's SNTP exchange: `time-sync sntp-server` in terminal 1, one
/// `time-sync sntp` in terminal 2 (times, offset and delay masked).
#[test]
fn the_books_sntp_session_is_what_the_programs_print() {
    let server = ServerProcess::start_as_in_a_terminal(
        workspace_bin("time-sync"),
        &["sntp-server", "--addr", "127.0.0.1:0"],
    );
    let addr = server.addr;
    let shown = "127.0.0.1:12300";
    let output = time_sync(&["sntp", "--addr", &addr.to_string()]);
    assert!(output.status.success(), "{output:?}");
    let terminal_2 = format!(
        "$ cargo run -q -p time-sync -- sntp --addr {shown}\n{}",
        mask_sntp_output(&stdout_text(&output))
    );
    check_session_output("ch04-time-sntp-terminal-2.session.txt", &terminal_2);
    let terminal_1 = format!(
        "$ cargo run -q -p time-sync -- sntp-server\n{}\n",
        stop_and_collect(server).join("\n")
    );
    let terminal_1 = show_port_as(&terminal_1, addr, shown);
    check_session_output("ch04-time-sntp-terminal-1.session.txt", &terminal_1);
}

#[test]
fn our_client_gets_the_time_from_our_server() {
    let server = format_server();
    let output = time_sync(&["client", "--addr", &server.addr.to_string()]);
    assert!(output.status.success(), "{output:?}");
    assert!(looks_like_date_time(&stdout_text(&output)), "{output:?}");
    // The teacher's server prints what it received, like Python's print('===>', msg).
    assert_eq!(server.expect_line("===>"), "===> b'%Y-%m-%d %H:%M:%S'");
}

#[test]
fn the_tutorial_python_client_talks_to_our_server() {
    if !peer_available("python3") {
        return;
    }
    let server = format_server();
    let output = run("python3", &[PYTHON_CLIENT, &server.addr.to_string()], b"");
    assert!(output.status.success(), "{output:?}");
    assert!(looks_like_date_time(&stdout_text(&output)), "{output:?}");
    let output = run(
        "python3",
        &[PYTHON_CLIENT, &server.addr.to_string(), "%Y年%m月"],
        b"",
    );
    let year_month = stdout_text(&output);
    assert!(
        year_month.contains('年') && year_month.trim_end().ends_with('月'),
        "{year_month}"
    );
}

#[test]
fn our_client_talks_to_the_tutorial_python_server() {
    if !peer_available("python3") {
        return;
    }
    let server = ServerProcess::start("python3", &[PYTHON_SERVER, "127.0.0.1:0"]);
    let addr = server.addr.to_string();
    let output = time_sync(&["client", "--addr", &addr, "--format", "%Y-%m-%d %H:%M:%S"]);
    assert!(output.status.success(), "{output:?}");
    assert!(looks_like_date_time(&stdout_text(&output)), "{output:?}");
    // The teacher's empty datagram: '%Y-%m-%d %X' on both sides.
    let output = time_sync(&["client", "--addr", &addr, "--format", ""]);
    assert!(looks_like_date_time(&stdout_text(&output)), "{output:?}");
    assert_eq!(server.expect_line("===>"), "===> b'%Y-%m-%d %H:%M:%S'");
    assert_eq!(server.expect_line("===>"), "===> b''");
}

#[test]
fn python_and_rust_render_the_same_specifiers_alike() {
    if !peer_available("python3") {
        return;
    }
    // Formats whose rendering does not change within a minute (unless the minute
    // turns over between the two requests: then the test tries again).
    let ours = format_server();
    let theirs = ServerProcess::start("python3", &[PYTHON_SERVER, "127.0.0.1:0"]);
    let format = b"%Y-%m-%d %H:%M %a %b %j %U %W %y %p %%";
    for _attempt in 0..3 {
        let a = ask(ours.addr, format);
        let b = ask(theirs.addr, format);
        if a == b {
            return;
        }
    }
    panic!("Rust and Python render {format:?} differently");
}

#[test]
fn an_empty_datagram_means_the_teachers_default() {
    let server = format_server();
    let reply = String::from_utf8(ask(server.addr, b"")).unwrap();
    assert!(looks_like_date_time(&reply), "{reply}");
}

#[test]
fn bad_formats_get_error_replies_and_the_server_lives_on() {
    let server = format_server();
    assert_eq!(
        ask(server.addr, b"%Q"),
        b"error: unknown format specifier '%Q'"
    );
    // One byte may get 59 back: the error comes in brief.
    assert_eq!(ask(server.addr, b"%"), b"error: lone '%'");
    assert!(ask(server.addr, b"%Y-%m-%d %").starts_with(b"error: a lone '%'"));
    assert!(ask(server.addr, b"\xff\xfe").starts_with(b"error: the format is not valid UTF-8"));
    // Amplification: 100 × "%c" (200 bytes) would expand to 2400 bytes; at most
    // 3 × (200 + 28) − 28 = 656 are allowed.
    let amplifier = "%c".repeat(100);
    let reply = ask(server.addr, amplifier.as_bytes());
    assert!(reply.starts_with(b"error: the reply would be longer than 656 bytes"));
    assert!(looks_like_date_time(
        &String::from_utf8(ask(server.addr, b"")).unwrap()
    ));
}

#[test]
fn client_reports_error_replies_with_exit_code_1() {
    let server = format_server();
    let output = time_sync(&[
        "client",
        "--addr",
        &server.addr.to_string(),
        "--format",
        "%Q",
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stdout_text(&output).starts_with("error: unknown format specifier '%Q'"));
}

#[test]
fn client_with_interval_and_count_asks_several_times() {
    let server = format_server();
    let addr = server.addr.to_string();
    let output = time_sync(&[
        "client",
        "--addr",
        &addr,
        "--interval",
        "10ms",
        "--count",
        "3",
    ]);
    assert!(output.status.success(), "{output:?}");
    let stdout = stdout_text(&output);
    assert_eq!(
        stdout.lines().filter(|l| looks_like_date_time(l)).count(),
        3,
        "{stdout}"
    );
}

#[test]
fn client_without_a_server_times_out_with_a_clear_message() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap(); // bound, never answers
    let addr = silent.local_addr().unwrap().to_string();
    let output = time_sync(&["client", "--addr", &addr, "--timeout", "200ms"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains(&format!("no reply from {addr} within 200ms")),
        "{stderr}"
    );
}

#[test]
fn bad_command_line_values_are_exit_code_2() {
    for args in [
        &["client", "--addr", "nowhere"][..],
        &["client", "--timeout", "soon"],
        &["sntp", "--count", "0"],
        &["sntp-server", "--reference-id", "TOOLONG"],
        &["bench", "--in-flight", "0"],
    ] {
        let output = time_sync(args);
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn sntp_client_against_our_sntp_server_prints_json() {
    let server = sntp_server();
    let output = time_sync(&["sntp", "--addr", &server.addr.to_string(), "--json"]);
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let offset = json["offset"].as_f64().unwrap();
    let delay = json["delay"].as_f64().unwrap();
    // The same clock on both ends: |θ| ≤ δ/2.
    assert!(delay >= 0.0 && offset.abs() <= delay / 2.0 + 1e-6, "{json}");
    assert_eq!(json["stratum"], 8);
    for key in ["t1", "t2", "t3", "t4"] {
        assert!(json[key].as_str().unwrap().ends_with(" UTC"), "{json}");
    }
}

#[test]
fn clients_accept_a_host_name() {
    let server = sntp_server();
    let addr = format!("localhost:{}", server.addr.port());
    let output = time_sync(&["sntp", "--addr", &addr, "--json"]);
    assert!(output.status.success(), "{output:?}");
    // The spelling, `sntp --server HOST:PORT`, is an alias of --addr.
    let output = time_sync(&["sntp", "--server", &addr, "--json"]);
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn sntp_client_prints_the_four_timestamps() {
    let server = sntp_server();
    let output = time_sync(&["sntp", "--addr", &server.addr.to_string(), "--count", "3"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = stdout_text(&output);
    for needle in [
        "T1 (client sent)",
        "T4 (client received)",
        "offset θ",
        "delay  δ",
        "stratum 8, reference id 127.127.1.1, leap indicator: no warning",
    ] {
        assert!(stdout.contains(needle), "{stdout}");
    }
}

#[test]
fn sntp_server_announces_the_stratum_and_reference_id_it_is_given() {
    let server = ServerProcess::start(
        workspace_bin("time-sync"),
        &[
            "sntp-server",
            "--addr",
            "127.0.0.1:0",
            "--stratum",
            "1",
            "--reference-id",
            "GPS",
        ],
    );
    let output = time_sync(&["sntp", "--addr", &server.addr.to_string(), "--json"]);
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["stratum"], 1, "{json}");
    // At stratum 1 the reference id is the name of a reference clock.
    assert_eq!(json["reference_id"], "\"GPS\"", "{json}");
    assert_eq!(json["leap"], "no warning", "{json}");
}

#[test]
fn sntp_client_without_a_server_times_out() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let output = time_sync(&[
        "sntp",
        "--addr",
        &addr,
        "--timeout",
        "100ms",
        "--retries",
        "1",
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stderr_text(&output).contains("no valid NTP reply after 2 tries"),
        "{output:?}"
    );
}

#[test]
fn explain_example_is_deterministic() {
    let output = time_sync(&["explain", "--example"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = stdout_text(&output);
    assert!(
        stdout.contains("offset θ = ((T2 − T1) + (T3 − T4)) / 2"),
        "{stdout}"
    );
    assert!(stdout.contains("= +1.000000000 s"), "{stdout}");
    assert_eq!(stdout, stdout_text(&time_sync(&["explain", "--example"])));
}

#[test]
fn explain_runs_one_real_exchange() {
    let output = time_sync(&["explain"]);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout_text(&output).contains("delay δ = (T4 − T1) − (T3 − T2)"));
}

#[test]
fn bench_against_our_server_reports_figures_as_json() {
    let server = sntp_server();
    let output = time_sync(&[
        "bench",
        "--addr",
        &server.addr.to_string(),
        "--duration",
        "300ms",
        "--json",
    ]);
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(json["answered"].as_u64().unwrap() > 0, "{json}");
    assert!(
        json["requests_per_second"].as_f64().unwrap() > 0.0,
        "{json}"
    );
    assert_eq!(json["in_flight"], 64);
    assert!(json["latency_us"]["p99"].as_f64().is_some(), "{json}");
}

/// A tiny deterministic generator (xorshift64*): reproducible junk, no dependency.
struct Junk(u64);

impl Junk {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Thousands of hostile datagrams of every kind the issue lists.
fn hostile_datagrams() -> Vec<Vec<u8>> {
    let mut junk = Junk(0x5eed_1234_abcd_ef01);
    let valid = {
        let mut request = vec![0u8; 48];
        request[0] = 0x23; // NTPv4, client
        request[40..48].copy_from_slice(&0xed0c_2a1b_1f9a_dd37u64.to_be_bytes());
        request
    };
    let mut datagrams = Vec::new();
    for i in 0..3000usize {
        let datagram = match i % 10 {
            0 => {
                let len = (junk.next() % 2000) as usize;
                junk.bytes(len)
            }
            1 => valid[..(i / 10) % 48].to_vec(), // truncated NTP
            2 => {
                let mut v = valid.clone(); // oversized NTP
                v.extend(junk.bytes(1000 + i % 4000));
                v
            }
            3 => {
                let mut v = valid.clone(); // wrong mode (anything but 3)
                v[0] = (4 << 3) | [0u8, 1, 2, 4, 5, 6, 7][i % 7];
                v
            }
            4 => {
                let mut v = valid.clone(); // wrong version
                v[0] = ([0u8, 5, 6, 7][i % 4] << 3) | 3;
                v
            }
            5 if i % 100 == 5 => vec![0x41; 65_507], // the largest UDP datagram
            6 => {
                let mut v = b"%Y".to_vec(); // invalid UTF-8
                v.extend(junk.bytes(8).into_iter().map(|b| b | 0x80));
                v
            }
            7 => "%".repeat(1 + i % 1100).into_bytes(), // formats full of %
            8 => "%c".repeat(1 + i % 600).into_bytes(), // amplifiers
            _ => Vec::new(),                            // empty datagrams
        };
        datagrams.push(datagram);
    }
    datagrams
}

fn flood(addr: SocketAddr) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    for datagram in hostile_datagrams() {
        // A full buffer may refuse a datagram: UDP is allowed to lose it.
        let _ = socket.send_to(&datagram, addr);
    }
}

/// Like [`ask`], but resends every 200 ms: right after a flood the server's receive
/// buffer may still be full, and the kernel then drops our request, as UDP may.
fn ask_until_answered(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = std::time::Instant::now() + TEST_TIMEOUT;
    let mut buffer = vec![0u8; 65_536];
    while std::time::Instant::now() < deadline {
        socket.send_to(request, addr).unwrap();
        if let Ok((len, _)) = socket.recv_from(&mut buffer) {
            buffer.truncate(len);
            return buffer;
        }
    }
    panic!("no reply from {addr} within {TEST_TIMEOUT:?}");
}

#[test]
fn no_reply_is_more_than_three_times_the_request() {
    let server = format_server();
    // One at a time, reading each reply: every seventh hostile datagram (7 and
    // 10 are coprime, so every kind of datagram is among them). Counted with
    // the 28 bytes of IPv4 and UDP headers, as RFC 9000 §8.1 counts.
    for datagram in hostile_datagrams().iter().step_by(7) {
        let reply = ask_until_answered(server.addr, datagram);
        assert!(
            reply.len() + 28 <= 3 * (datagram.len() + 28),
            "{} bytes answered with {}",
            datagram.len(),
            reply.len()
        );
    }
}

#[test]
fn the_format_server_survives_thousands_of_hostile_datagrams() {
    let server = format_server();
    flood(server.addr);
    let reply = String::from_utf8(ask_until_answered(server.addr, b"%Y-%m-%d %H:%M:%S")).unwrap();
    assert!(looks_like_date_time(&reply), "{reply}");
}

#[test]
fn the_sntp_server_survives_thousands_of_hostile_datagrams() {
    sntp_server_survives(sntp_server());
}

#[test]
fn the_plain_sntp_server_survives_thousands_of_hostile_datagrams() {
    sntp_server_survives(ServerProcess::start(
        workspace_bin("time-sync"),
        &["sntp-server", "--addr", "127.0.0.1:0", "--plain"],
    ));
}

/// Hostile datagrams sent between two probes: few enough that the server's
/// receive buffer holds them all (at most one 64 KiB datagram among them), so
/// the server really reads and judges each one instead of the kernel dropping it.
const HOSTILE_PER_PROBE: usize = 10;

/// Floods `server` with every kind of hostile datagram, paced by valid requests
/// from the *same* socket. With SO_REUSEPORT the kernel hands one client flow to
/// one server thread, so the probes reach exactly the thread that read the junk:
/// a probe answered after a batch proves that thread survived it (and, because
/// one socket's datagrams stay in order, that it has read the whole batch). Any
/// datagram that comes back must answer a probe or one of the few random
/// datagrams that happen to be valid client requests: junk is never answered.
fn sntp_server_survives(server: ServerProcess) {
    use time_sync::packet::{Mode, Repr};
    use time_sync::timestamp::Timestamp;

    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let hostile = hostile_datagrams();
    // Random bytes are now and then a valid request (48 to 1024 bytes, version
    // 1 to 4, mode 3, a transmit timestamp): those deserve an answer.
    let valid_by_chance: std::collections::HashSet<Timestamp> = hostile
        .iter()
        .filter(|d| (48..=1024).contains(&d.len()))
        .filter(|d| (1..=4).contains(&((d[0] >> 3) & 7)) && d[0] & 7 == 3)
        .map(|d| Timestamp::from_bits(u64::from_be_bytes(d[40..48].try_into().unwrap())))
        .filter(|t| !t.is_zero())
        .collect();
    let mut buffer = vec![0u8; 65_536];
    for (round, batch) in hostile.chunks(HOSTILE_PER_PROBE).enumerate() {
        for datagram in batch {
            // A full buffer may refuse a datagram: UDP is allowed to lose it.
            let _ = socket.send_to(datagram, server.addr);
        }
        // A T1 of our own per probe, so each reply says which probe it answers.
        let round = u32::try_from(round).unwrap();
        let t1 = Timestamp::new(0xed0c_0000 + round, 0x1234_5678);
        let probe = Repr::client_request(t1).to_bytes();
        let deadline = std::time::Instant::now() + TEST_TIMEOUT;
        'probe: loop {
            assert!(
                std::time::Instant::now() < deadline,
                "the SNTP server stopped answering after {} hostile datagrams",
                round as usize * HOSTILE_PER_PROBE
            );
            // Sent again after 200 ms of silence: the kernel may drop it too.
            socket.send_to(&probe, server.addr).unwrap();
            while let Ok((len, _)) = socket.recv_from(&mut buffer) {
                let reply = Repr::parse_bytes(&buffer[..len])
                    .unwrap_or_else(|e| panic!("the SNTP server answered junk: {e}"));
                assert_eq!(reply.mode, Mode::Server, "{reply:?}");
                let answered = reply.origin_timestamp;
                // Earlier probes sent twice may still be answered late.
                let earlier = answered.seconds().wrapping_sub(0xed0c_0000) <= round
                    && answered.fraction() == 0x1234_5678;
                assert!(
                    earlier || valid_by_chance.contains(&answered),
                    "the SNTP server answered junk: {reply:?}"
                );
                if answered == t1 {
                    break 'probe;
                }
            }
        }
    }
    // And our own client still gets a correct exchange.
    let output = time_sync(&["sntp", "--addr", &server.addr.to_string(), "--json"]);
    assert!(output.status.success(), "{output:?}");
}
