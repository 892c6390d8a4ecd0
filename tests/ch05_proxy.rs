//! Chapter 5 (五.黏包): `framing proxy`, end to end, with real programs on
//! 127.0.0.1:0: the tutorial's raw command client behind `--split 7` mixes its
//! answers the same way on every run; the length prefix survives `--split 1`,
//! `--merge 50` and every seed, with our programs and the tutorial's Python; the
//! same seed gives the same trace twice; merging, delays and closes do what
//! they say.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread;

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, check_session_output, mask_ports, peer_available, run,
    show_port_as, stderr_text, stdout_text, tutorial_python, workspace_bin, workspace_example,
};

fn framing() -> PathBuf {
    workspace_bin("framing")
}

/// `framing proxy --listen 127.0.0.1:0 --to TO OPTIONS...`, past its two first
/// lines.
fn proxy(to: SocketAddr, options: &[&str]) -> ServerProcess {
    let to = to.to_string();
    let mut args = vec!["proxy", "--listen", "127.0.0.1:0", "--to", to.as_str()];
    args.extend_from_slice(options);
    let proxy = ServerProcess::start(framing(), &args);
    let replay = proxy.expect_line("forwarding to");
    assert!(replay.contains("--seed "), "{replay}");
    proxy
}

/// `framing cmd-server --protocol PROTOCOL` on 127.0.0.1:0.
fn cmd_server(protocol: &str) -> ServerProcess {
    ServerProcess::start(
        framing(),
        &[
            "cmd-server",
            "--addr",
            "127.0.0.1:0",
            "--protocol",
            protocol,
        ],
    )
}

/// Runs the tutorial's Python `name`.py with `args`, `stdin` as its input.
fn python(name: &str, args: &[&str], stdin: &[u8]) -> String {
    let script = tutorial_python(&format!("{name}.py"));
    let mut all = vec![script.display().to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    let output = run("python3", &all, stdin);
    assert!(output.status.success(), "{}", stderr_text(&output));
    stdout_text(&output)
}

/// The trace lines of conversation #1 up to its `closed` line, with the times
/// (which vary) written `#.###s` and the client's port masked.
fn trace_of_first_conversation(proxy: &ServerProcess) -> Vec<String> {
    times_masked(proxy)
        .iter()
        .map(|line| mask_ports(line, &[]))
        .collect()
}

/// The lines of conversation #1 up to its `closed` line, times masked.
fn times_masked(proxy: &ServerProcess) -> Vec<String> {
    proxy
        .lines_until("#1 closed")
        .iter()
        .map(|line| mask_time(line))
        .collect()
}

/// `   0.012s  #1 ...` → `#.###s  #1 ...`.
fn mask_time(line: &str) -> String {
    match line.split_once("s  #") {
        Some((time, rest)) if time.trim().parse::<f64>().is_ok() => {
            format!("   #.###s  #{rest}")
        }
        _ => line.to_string(),
    }
}

/// What the raw client prints behind `--split 7`: `seq 10` answers 21 bytes, and
/// each `recv(1024)` takes one 7-byte piece, so every later command is shown the
/// rest of an earlier answer.
const RAW_SPLIT_7: &str =
    "[7 bytes]\n1\n2\n3\n4[7 bytes]\n\n5\n6\n7\n[7 bytes]\n8\n9\n10\n[3 bytes]\nhi\n";

#[test]
fn the_raw_client_behind_split_7_mixes_the_answers_the_same_way_every_run() {
    let server = cmd_server("raw");
    let proxy = proxy(server.addr, &["--split", "7"]);
    let addr = proxy.addr.to_string();
    let input = b"seq 10\necho hi\necho hi\necho hi\n";
    let mut clients = vec![("listing", workspace_example("framing", "cmd_client"))];
    if peer_available("python3") {
        clients.push(("python", PathBuf::from("python3")));
    }
    for round in 0..2 {
        for (name, program) in &clients {
            let mut args = Vec::new();
            if *name == "python" {
                args.push(tutorial_python("cmd_client.py").display().to_string());
            }
            args.push(addr.clone());
            let output = run(program, &args, input);
            assert!(output.status.success(), "{}", stderr_text(&output));
            assert_eq!(stdout_text(&output), RAW_SPLIT_7, "{name}, round {round}");
        }
    }
}

#[test]
fn without_the_proxy_the_same_commands_look_fine() {
    // The lesson's contrast: on a kind loopback the bug hides.
    let server = cmd_server("raw");
    let output = run(
        workspace_example("framing", "cmd_client"),
        &[server.addr.to_string()],
        b"seq 10\necho hi\n",
    );
    assert_eq!(
        stdout_text(&output),
        "[21 bytes]\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n[3 bytes]\nhi\n"
    );
}

/// Commands for the prefix protocol, and the whole answers it must give.
const PREFIX_INPUT: &str = "echo hello world\nseq 1 200\necho out; echo err >&2\n";

fn prefix_expected() -> String {
    let seq: String = (1..=200).map(|i| format!("{i}\n")).collect();
    format!(
        "[12 bytes]\nhello world\n[{} bytes]\n{seq}[8 bytes]\nerr\nout\n",
        seq.len()
    )
}

/// The options the prefix protocol must survive.
const HOSTILE: &[&[&str]] = &[
    &["--split", "1"],
    &["--merge", "50"],
    &["--split", "1..9", "--seed", "1"],
    &["--split", "1..9", "--seed", "2"],
    &["--split", "1..9", "--seed", "3"],
    &["--split", "2..5", "--merge", "20", "--seed", "4"],
    &[
        "--split", "1..64", "--delay", "5", "--jitter", "10", "--seed", "5",
    ],
];

#[test]
fn the_prefix_protocol_survives_split_merge_and_every_seed_with_the_tutorials_python() {
    if !peer_available("python3") {
        return;
    }
    let expected = prefix_expected();
    // The tutorial's Python client, our server.
    let server = cmd_server("prefix");
    for options in HOSTILE {
        let proxy = proxy(server.addr, options);
        let output = python(
            "prefix_cmd_client",
            &[&proxy.addr.to_string()],
            PREFIX_INPUT.as_bytes(),
        );
        assert_eq!(output, expected, "python client behind {options:?}");
    }
    // Our listing client, the tutorial's Python server (which sends its header,
    // stderr and stdout in three sends).
    let server = ServerProcess::start(
        "python3",
        &[
            tutorial_python("prefix_cmd_server.py")
                .display()
                .to_string(),
            "127.0.0.1:0".to_string(),
        ],
    );
    for options in HOSTILE {
        let proxy = proxy(server.addr, options);
        let output = run(
            workspace_example("framing", "prefix_cmd_client"),
            &[proxy.addr.to_string()],
            PREFIX_INPUT.as_bytes(),
        );
        assert_eq!(
            stdout_text(&output),
            expected,
            "listing client, python server behind {options:?}: {}",
            stderr_text(&output)
        );
    }
}

#[test]
fn the_lab_client_and_server_survive_too() {
    let server = cmd_server("prefix");
    let proxy = proxy(
        server.addr,
        &["--split", "1..3", "--merge", "10", "--seed", "8"],
    );
    let output = run(
        framing(),
        &[
            "cmd-client",
            "--protocol",
            "prefix",
            "--addr",
            &proxy.addr.to_string(),
            "--json",
        ],
        b"echo hello world\nseq 1 50\n",
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout_text(&output)).unwrap();
    assert_eq!(doc["exchanges"][0]["reply"], "hello world\n");
    assert_eq!(doc["exchanges"][1]["reply_len"], 141);
}

/// Runs the lab's prefix client through a fresh proxy with `options` and
/// returns the proxy's trace of the conversation.
fn traced_run(server: SocketAddr, options: &[&str]) -> Vec<String> {
    let mut options = options.to_vec();
    options.push("--trace");
    let proxy = proxy(server, &options);
    let output = run(
        framing(),
        &[
            "cmd-client",
            "--protocol",
            "prefix",
            "--addr",
            &proxy.addr.to_string(),
        ],
        b"echo hello world\nseq 1 20\n",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    trace_of_first_conversation(&proxy)
}

#[test]
fn the_same_seed_gives_the_same_trace_twice() {
    let server = cmd_server("prefix");
    let options = ["--split", "1..9", "--jitter", "3", "--seed", "42"];
    let first = traced_run(server.addr, &options);
    let second = traced_run(server.addr, &options);
    assert_eq!(first, second);
    // Every piece is between 1 and 9 bytes, and there are many of them.
    let pieces: Vec<&String> = first.iter().filter(|l| l.contains(" B  ")).collect();
    assert!(pieces.len() > 10, "{first:#?}");
    let other = traced_run(
        server.addr,
        &["--split", "1..9", "--jitter", "3", "--seed", "43"],
    );
    assert_ne!(first, other, "another seed, other pieces");
}

/// A server in this test: accepts one connection and hands it to `serve`.
fn one_connection_server(
    serve: impl FnOnce(TcpStream) + Send + 'static,
) -> (SocketAddr, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        serve(conn);
    });
    (addr, handle)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect_timeout(&addr, TEST_TIMEOUT).unwrap();
    conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    conn.set_nodelay(true).unwrap();
    conn
}

#[test]
fn merge_delivers_two_sends_in_one_write() {
    let (addr, server) = one_connection_server(|mut conn| {
        let mut buf = [0u8; 1024];
        let n = conn.read(&mut buf).unwrap();
        // One recv, both sends: 黏包.
        assert_eq!(&buf[..n], b"helloworld");
    });
    // A window far longer than the two sends take.
    let proxy = proxy(addr, &["--merge", "1000", "--trace"]);
    let mut client = connect(proxy.addr);
    client.write_all(b"hello").unwrap();
    client.write_all(b"world").unwrap();
    server.join().unwrap();
    let trace = proxy.expect_line("client → server");
    assert!(
        trace.contains("10 B") && trace.contains("|helloworld|"),
        "{trace}"
    );
}

#[test]
fn delays_jitter_and_random_pieces_keep_every_byte_in_order() {
    let sent: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let expected = sent.clone();
    let (addr, server) = one_connection_server(move |mut conn| {
        let mut got = Vec::new();
        conn.read_to_end(&mut got).unwrap();
        assert!(
            got == expected,
            "{} bytes, not the {} sent",
            got.len(),
            expected.len()
        );
        conn.write_all(b"bye").unwrap();
    });
    let proxy = proxy(
        addr,
        &[
            "--split",
            "100..4000",
            "--delay",
            "5",
            "--jitter",
            "20",
            "--seed",
            "3",
        ],
    );
    let mut client = connect(proxy.addr);
    for block in sent.chunks(3000) {
        client.write_all(block).unwrap();
    }
    // Our close reaches the server (its read_to_end ends), its answer and
    // close come back.
    client.shutdown(Shutdown::Write).unwrap();
    let mut answer = Vec::new();
    client.read_to_end(&mut answer).unwrap();
    assert_eq!(answer, b"bye");
    server.join().unwrap();
    let closed = proxy.expect_line("#1 closed");
    assert!(
        closed.contains("client → server 20000 B") && closed.contains("server → client 3 B"),
        "{closed}"
    );
}

#[test]
fn a_server_that_closes_closes_the_client_cleanly() {
    let (addr, server) = one_connection_server(|mut conn| {
        conn.write_all(b"last words").unwrap();
        // Dropping the connection closes it.
    });
    let proxy = proxy(addr, &["--split", "3"]);
    let mut client = connect(proxy.addr);
    server.join().unwrap();
    let mut got = Vec::new();
    // Every byte, then the end of the stream: no reset, no hang.
    client.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"last words");
}

#[test]
fn a_server_that_is_not_there_closes_the_client() {
    let gone = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let proxy = proxy(gone, &[]);
    let mut client = connect(proxy.addr);
    let mut got = Vec::new();
    let end = client.read_to_end(&mut got);
    assert!(got.is_empty() && end.is_ok(), "{end:?}");
}

#[test]
fn a_proxy_on_the_network_in_front_of_a_loopback_server_is_refused() {
    let output = run(
        framing(),
        &["proxy", "--listen", "0.0.0.0:0", "--to", "127.0.0.1:8888"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("listens on loopback to be private"),
        "{stderr}"
    );
    assert!(stdout_text(&output).is_empty());
}

#[path = "support/proxy_capture.rs"]
mod proxy_capture;

/// A file in a fresh directory of this test's own.
fn temp_file(test: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netlab-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn the_capture_gives_back_exactly_the_bytes_that_went_through() {
    if !peer_available("tshark") {
        return;
    }
    let question: Vec<u8> = b"hello, proxy\n"
        .iter()
        .copied()
        .chain((0..300u32).map(|i| (i % 256) as u8))
        .collect();
    let answer = b"every byte, in order, in pieces of 1 to 9\n".repeat(5);
    let (expected_question, reply) = (question.clone(), answer.clone());
    let (addr, server) = one_connection_server(move |mut conn| {
        let mut got = Vec::new();
        conn.read_to_end(&mut got).unwrap();
        assert_eq!(got, expected_question);
        conn.write_all(&reply).unwrap();
    });
    let pcap = temp_file("proxy-pcap", "split.pcap");
    let pcap_arg = pcap.display().to_string();
    let proxy = proxy(
        addr,
        &[
            "--split", "1..9", "--seed", "11", "--trace", "--pcap", &pcap_arg,
        ],
    );
    let mut client = connect(proxy.addr);
    client.write_all(&question).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut got = Vec::new();
    client.read_to_end(&mut got).unwrap();
    assert_eq!(got, answer);
    server.join().unwrap();
    let trace = trace_of_first_conversation(&proxy);
    let pieces = trace.iter().filter(|line| line.contains(" B  ")).count();

    let (sent, received) = proxy_capture::follow_tcp(&pcap, 0);
    assert_eq!(sent, question, "client → server");
    assert_eq!(received, answer, "server → client");
    // The handshake, one segment per piece, then FIN, FIN, ACK; every checksum
    // good (1 in tshark's status).
    let frames = proxy_capture::fields(
        &pcap,
        &[
            "tcp.flags.str",
            "tcp.len",
            "ip.checksum.status",
            "tcp.checksum.status",
        ],
    );
    assert_eq!(frames.len(), 3 + pieces + 3, "{frames:#?}");
    assert!(frames[0].contains("S") && frames[1].contains("A") && frames[1].contains("S"));
    assert!(frames.iter().all(|f| f.ends_with("1\t1")), "{frames:#?}");
    let data: Vec<&String> = frames.iter().filter(|f| f.contains("P")).collect();
    assert_eq!(data.len(), pieces);
    std::fs::remove_dir_all(pcap.parent().unwrap()).unwrap();
}

/// The book's address for the proxy, the command server's, and the text a
/// terminal shows once the ports the OS chose are replaced by them.
fn as_in_the_book(text: &str, proxy: SocketAddr, server: SocketAddr) -> String {
    let text = show_port_as(text, proxy, "127.0.0.1:9888");
    let text = show_port_as(&text, server, "127.0.0.1:8888");
    mask_ports(&text, &["127.0.0.1:9888", "127.0.0.1:8888"])
}

/// Runs `printf INPUT | python3 tests/python/NAME.py PROXY` as the book shows it.
fn piped_python(name: &str, input: &str, proxy: SocketAddr) -> String {
    let shown_input = input.replace('\n', "\\n");
    let output = python(name, &[&proxy.to_string()], input.as_bytes());
    format!("$ printf '{shown_input}' | python3 tests/python/{name}.py 127.0.0.1:9888\n{output}")
}

/// docs/src/ch05-sticky-packets.md, 动手试一试: the raw client behind `--split
/// 7`, then the prefix client behind `--split 7 --trace` and the proxy's trace.
#[test]
fn the_books_proxy_sessions_are_what_the_programs_print() {
    if !peer_available("python3") {
        return;
    }
    let server = cmd_server("raw");
    let raw_proxy = proxy(server.addr, &["--split", "7"]);
    let raw = piped_python(
        "cmd_client",
        "seq 10\necho hi\necho hi\necho hi\n",
        raw_proxy.addr,
    );
    assert!(raw.ends_with(RAW_SPLIT_7), "{raw}");
    check_session_output(
        "ch05-proxy-raw.session.txt",
        &as_in_the_book(&raw, raw_proxy.addr, server.addr),
    );

    let server = cmd_server("prefix");
    let options = ["--split", "7", "--trace", "--seed", "1"];
    let traced = proxy(server.addr, &options);
    let client = piped_python(
        "prefix_cmd_client",
        "echo hello world\nseq 3\n",
        traced.addr,
    );
    check_session_output(
        "ch05-proxy-prefix.session.txt",
        &as_in_the_book(&client, traced.addr, server.addr),
    );
    let mut terminal = vec![
        format!("$ cargo run -q -p framing -- proxy {}", options.join(" ")),
        traced.first_line.clone(),
        format!(
            "forwarding to {} with --split 7 --seed 1 (the same options and seed replay this run)",
            server.addr
        ),
    ];
    terminal.extend(times_masked(&traced));
    let terminal = format!("{}\n", terminal.join("\n"));
    check_session_output(
        "ch05-proxy-trace.session.txt",
        &as_in_the_book(&terminal, traced.addr, server.addr),
    );
}
