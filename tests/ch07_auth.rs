//! Chapter 7 (七.验证客户端链接的合法性): `auth server` / `auth client` speak the
//! course's bytes (32 random bytes, the HMAC answer, then the upper-case echo; a
//! wrong answer gets a closed connection and nothing else), with both digests,
//! against each other and against the tutorial's Python programs in both
//! directions; `--verdict` adds the `welcome`/`refused` line; wrong keys,
//! replayed answers, silent and half-answering clients. The listings
//! (crates/auth/examples/auth_server.rs, auth_client.rs) against their Python
//! twins, both ways and with both digests. Chapter 5's command server and file
//! transfer behind the handshake (`auth cmd-server`, `auth receive`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Output;

use auth::{CHALLENGE_LEN, Digest, Secret};
use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, Terminal, check_session_output, mask_ports, peer_available, run,
    run_with_env, show_port_as, stderr_text, stdout_text, tutorial_python, workspace_bin,
    workspace_example,
};

const KEY: &str = "alex-sb";

/// Both digests, as the lab's `--digest` and the Python programs' second argument
/// name them.
const DIGESTS: [Digest; 2] = [Digest::Sha256, Digest::Md5];

fn python(name: &str) -> String {
    tutorial_python(name).display().to_string()
}

/// A key file in the temp directory, removed when dropped.
struct KeyFile(std::path::PathBuf);

impl KeyFile {
    fn new(tag: &str, key: &str) -> KeyFile {
        let path =
            std::env::temp_dir().join(format!("netlab-ch07-{tag}-{}.key", std::process::id()));
        std::fs::write(&path, format!("{key}\n")).unwrap();
        KeyFile(path)
    }

    fn arg(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `auth server` on a free port with the key in NETLAB_SECRET.
fn lab_server(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["server", "--addr", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    ServerProcess::start_with_env(workspace_bin("auth"), &args, &[("NETLAB_SECRET", KEY)])
}

/// `auth client` with `key` in NETLAB_SECRET, `input` as its keyboard.
fn lab_client(addr: SocketAddr, key: &str, extra: &[&str], input: &str) -> Output {
    let addr = addr.to_string();
    let mut args = vec!["client", "--addr", &addr];
    args.extend_from_slice(extra);
    run_with_env(
        workspace_bin("auth"),
        &args,
        &[("NETLAB_SECRET", key)],
        input.as_bytes(),
        TEST_TIMEOUT,
    )
}

/// The lab's `--digest` option for `digest`.
fn digest_args(digest: Digest) -> [&'static str; 2] {
    ["--digest", digest.python_name()]
}

/// The tutorial's Python server on a free port, with `digest`.
fn python_server(digest: Digest) -> ServerProcess {
    ServerProcess::start_with_env(
        "python3",
        &[
            &python("auth_server.py"),
            "127.0.0.1:0",
            digest.python_name(),
        ],
        &[("NETLAB_SECRET", KEY)],
    )
}

/// The tutorial's Python client, with `key` and `digest`.
fn python_client(addr: SocketAddr, key: &str, digest: Digest, input: &str) -> Output {
    run_with_env(
        "python3",
        &[
            &python("auth_client.py"),
            &addr.to_string(),
            digest.python_name(),
        ],
        &[("NETLAB_SECRET", key)],
        input.as_bytes(),
        TEST_TIMEOUT,
    )
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TEST_TIMEOUT).unwrap();
    stream.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    stream
}

fn read_challenge(stream: &mut TcpStream) -> [u8; CHALLENGE_LEN] {
    let mut challenge = [0u8; CHALLENGE_LEN];
    stream.read_exact(&mut challenge).unwrap();
    challenge
}

/// Everything until the server closes (a reset counts as the end too).
fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    rest
}

fn secret() -> Secret {
    Secret::new(KEY.as_bytes().to_vec()).unwrap()
}

// ---- The course's bytes -------------------------------------------------------

#[test]
fn the_lab_server_sends_the_challenge_then_only_the_upper_case_echo() {
    for digest in DIGESTS {
        let server = lab_server(&digest_args(digest));
        let mut stream = connect(server.addr);
        let challenge = read_challenge(&mut stream);
        let answer = digest.answer(&secret(), &challenge);
        assert_eq!(answer.len(), digest.answer_len());
        stream.write_all(&answer).unwrap();
        // No verdict: the next bytes are the reply to our first data.
        stream.write_all(b"hello").unwrap();
        let mut reply = [0u8; 5];
        stream.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"HELLO", "{digest:?}");
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        assert_eq!(read_to_end(&mut stream), b"", "{digest:?}");
        server.expect_line("welcomed");
    }
}

#[test]
fn a_wrong_answer_gets_a_closed_connection_and_not_one_byte() {
    for digest in DIGESTS {
        let server = lab_server(&digest_args(digest));
        let mut stream = connect(server.addr);
        let challenge = read_challenge(&mut stream);
        let wrong = digest.answer(&Secret::new(b"guess".to_vec()).unwrap(), &challenge);
        stream.write_all(&wrong).unwrap();
        assert_eq!(read_to_end(&mut stream), b"", "{digest:?}");
    }
}

#[test]
fn a_replayed_answer_is_closed_too() {
    let server = lab_server(&[]);
    // A legitimate client, recorded by an eavesdropper.
    let mut first = connect(server.addr);
    let challenge = read_challenge(&mut first);
    let recorded = auth::answer(&secret(), &challenge);
    first.write_all(&recorded).unwrap();
    first.write_all(b"ok").unwrap();
    let mut reply = [0u8; 2];
    first.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"OK");

    // The eavesdropper replays the recorded answer on a new connection.
    let mut replay = connect(server.addr);
    let fresh = read_challenge(&mut replay);
    assert_ne!(fresh, challenge, "every connection gets a fresh challenge");
    replay.write_all(&recorded).unwrap();
    assert_eq!(read_to_end(&mut replay), b"");
}

#[test]
fn silent_and_half_answering_clients_are_dropped_and_others_served() {
    let server = lab_server(&["--handshake-timeout", "300ms"]);

    let mut silent = connect(server.addr);
    let mut half = connect(server.addr);
    read_challenge(&mut half);
    half.write_all(&[0u8; 10]).unwrap();

    // Both get their challenge and then a closed connection, at the deadline.
    assert_eq!(read_to_end(&mut silent).len(), CHALLENGE_LEN);
    assert_eq!(read_to_end(&mut half), b"");

    // A short answer followed by a close is dropped at once.
    let mut short = connect(server.addr);
    read_challenge(&mut short);
    short.write_all(&[1u8; 31]).unwrap();
    short.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_to_end(&mut short), b"");

    let output = lab_client(server.addr, KEY, &[], "still here\n");
    assert_eq!(stdout_text(&output), "STILL HERE\n");
}

// ---- The lab client against the lab server --------------------------------------

#[test]
fn the_lab_client_with_the_key_is_served_with_either_digest() {
    for digest in DIGESTS {
        let server = lab_server(&digest_args(digest));
        let output = lab_client(
            server.addr,
            KEY,
            &digest_args(digest),
            "hello\n\n你好 abc\nquit\nnot sent\n",
        );
        assert!(output.status.success(), "{}", stderr_text(&output));
        assert_eq!(stdout_text(&output), "HELLO\n你好 ABC\n", "{digest:?}");
    }
}

#[test]
fn the_lab_client_with_a_wrong_key_learns_it_from_the_closed_connection() {
    let server = lab_server(&[]);
    let output = lab_client(server.addr, "guess", &[], "hello\n");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout_text(&output), "");
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("closed the connection before its first reply: wrong key?"),
        "{stderr}"
    );
    // The server keeps serving the next client.
    let output = lab_client(server.addr, KEY, &[], "again\n");
    assert_eq!(stdout_text(&output), "AGAIN\n");
}

#[test]
fn different_digests_do_not_agree() {
    let server = lab_server(&digest_args(Digest::Md5));
    let output = lab_client(server.addr, KEY, &[], "hello\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_text(&output).contains("wrong key?"));
    assert!(stderr_text(&output).contains("--digest"));
}

// ---- --verdict ----------------------------------------------------------------

#[test]
fn with_verdict_the_server_says_welcome_or_refused() {
    let server = lab_server(&["--verdict"]);
    let mut stream = connect(server.addr);
    let challenge = read_challenge(&mut stream);
    stream
        .write_all(&auth::answer(&secret(), &challenge))
        .unwrap();
    let mut status = [0u8; auth::STATUS_LEN];
    stream.read_exact(&mut status).unwrap();
    assert_eq!(&status, auth::WELCOME);

    let mut wrong = connect(server.addr);
    read_challenge(&mut wrong);
    wrong.write_all(&[0u8; 32]).unwrap();
    assert_eq!(read_to_end(&mut wrong), auth::REFUSED);

    let good = lab_client(server.addr, KEY, &["--verdict"], "hello\n");
    assert!(good.status.success(), "{}", stderr_text(&good));
    assert_eq!(
        stdout_text(&good),
        "welcome: the server accepted our answer\nHELLO\n"
    );
    let bad = lab_client(server.addr, "guess", &["--verdict"], "hello\n");
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr_text(&bad).contains("refused us: wrong secret"));
}

/// Why the default sends no verdict: a client that does not expect the line
/// reads it as the start of its first reply. The lab client reads as many bytes
/// as it sent (5 for `hello`), so the glued bytes show exactly (the verdict's
/// newline as `\n`: a reply's control characters are shown, never obeyed).
#[test]
fn a_verdict_glues_to_the_first_reply_of_a_client_that_does_not_expect_it() {
    let server = lab_server(&["--verdict"]);
    let output = lab_client(server.addr, KEY, &[], "hello\nworld\n");
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), "welco\nme\\nHE\n");
}

#[test]
fn a_verdict_client_against_a_silent_server_explains_its_timeout() {
    let server = lab_server(&[]);
    let output = lab_client(
        server.addr,
        KEY,
        &["--verdict", "--timeout", "300ms"],
        "hello\n",
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_text(&output);
    assert!(stderr.contains("no reply from"), "{stderr}");
    assert!(stderr.contains("--verdict"), "{stderr}");
}

// ---- Against the tutorial's Python programs ---------------------------------------

#[test]
fn the_python_client_is_served_by_the_lab_server_with_either_digest() {
    if !peer_available("python3") {
        return;
    }
    for digest in DIGESTS {
        let server = lab_server(&digest_args(digest));
        let good = python_client(server.addr, KEY, digest, "hello\n你好 abc\nquit\n");
        assert!(good.status.success(), "{}", stderr_text(&good));
        assert_eq!(stdout_text(&good), ">>: HELLO\n>>: 你好 ABC\n>>: ");
        server.expect_line("welcomed");

        // A wrong key: the course's client is not told; its reply is empty (or
        // the connection is reset), never the service.
        let bad = python_client(server.addr, "guess", digest, "hello\nquit\n");
        assert!(!stdout_text(&bad).contains("HELLO"), "{digest:?}");
    }
}

#[test]
fn the_lab_client_is_served_by_the_python_server_with_either_digest() {
    if !peer_available("python3") {
        return;
    }
    for digest in DIGESTS {
        let server = python_server(digest);
        let good = lab_client(server.addr, KEY, &digest_args(digest), "hello\n");
        assert!(good.status.success(), "{}", stderr_text(&good));
        assert_eq!(stdout_text(&good), "HELLO\n", "{digest:?}");
        server.expect_line("链接合法,开始通信");

        let bad = lab_client(server.addr, "guess", &digest_args(digest), "hello\n");
        assert_eq!(bad.status.code(), Some(1), "{digest:?}");
        assert!(stderr_text(&bad).contains("wrong key?"));
        server.expect_line("该链接不合法,关闭");
    }
}

// ---- The listings against their Python twins ----------------------------------------

/// The listing `crates/auth/examples/auth_server.rs` on a free port, with `digest`.
fn listing_server(digest: Digest) -> ServerProcess {
    ServerProcess::start_with_env(
        workspace_example("auth", "auth_server"),
        &["127.0.0.1:0", digest.python_name()],
        &[("NETLAB_SECRET", KEY)],
    )
}

/// The listing `crates/auth/examples/auth_client.rs`, with `key` and `digest`.
fn listing_client(addr: SocketAddr, key: &str, digest: Digest, input: &str) -> Output {
    run_with_env(
        workspace_example("auth", "auth_client"),
        &[&addr.to_string(), digest.python_name()],
        &[("NETLAB_SECRET", key)],
        input.as_bytes(),
        TEST_TIMEOUT,
    )
}

/// What a server of the tutorial prints for one connection, ports masked.
fn printed_for_one_client(server: &ServerProcess, last: &str) -> Vec<String> {
    server
        .lines_until(last)
        .iter()
        .map(|line| mask_ports(line, &[]))
        .collect()
}

#[test]
fn the_listing_server_sends_the_courses_bytes_with_either_digest() {
    for digest in DIGESTS {
        let server = listing_server(digest);
        let mut stream = connect(server.addr);
        let challenge = read_challenge(&mut stream);
        stream
            .write_all(&digest.answer(&secret(), &challenge))
            .unwrap();
        stream.write_all(b"hello").unwrap();
        let mut reply = [0u8; 5];
        stream.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"HELLO", "{digest:?}");
        drop(stream);

        let mut wrong = connect(server.addr);
        let challenge = read_challenge(&mut wrong);
        let guess = Secret::new(b"guess".to_vec()).unwrap();
        wrong.write_all(&digest.answer(&guess, &challenge)).unwrap();
        assert_eq!(read_to_end(&mut wrong), b"", "{digest:?}");
    }
}

#[test]
fn the_listing_server_and_the_python_client_agree_with_either_digest() {
    if !peer_available("python3") {
        return;
    }
    for digest in DIGESTS {
        let server = listing_server(digest);
        let good = python_client(server.addr, KEY, digest, "hello\n你好 abc\nquit\n");
        assert!(good.status.success(), "{}", stderr_text(&good));
        assert_eq!(stdout_text(&good), ">>: HELLO\n>>: 你好 ABC\n>>: ");
        assert_eq!(
            printed_for_one_client(&server, "链接合法"),
            [
                "新连接[127.0.0.1:<port>]",
                "开始验证新链接的合法性",
                "链接合法,开始通信"
            ]
        );
        let bad = python_client(server.addr, "guess", digest, "hello\nquit\n");
        assert!(!stdout_text(&bad).contains("HELLO"), "{digest:?}");
        assert_eq!(
            printed_for_one_client(&server, "不合法"),
            [
                "新连接[127.0.0.1:<port>]",
                "开始验证新链接的合法性",
                "该链接不合法,关闭"
            ]
        );
    }
}

#[test]
fn the_listing_client_and_the_python_server_agree_with_either_digest() {
    if !peer_available("python3") {
        return;
    }
    for digest in DIGESTS {
        let server = python_server(digest);
        let good = listing_client(server.addr, KEY, digest, "hello\n\n你好 abc\nquit\n");
        assert!(good.status.success(), "{}", stderr_text(&good));
        assert_eq!(stdout_text(&good), ">>: HELLO\n>>: >>: 你好 ABC\n>>: ");
        assert_eq!(
            printed_for_one_client(&server, "链接合法"),
            [
                "新连接[127.0.0.1:<port>]",
                "开始验证新链接的合法性",
                "链接合法,开始通信"
            ]
        );
        // A wrong key: the course's client is not told; the reply is empty,
        // or the connection is reset. Never the service.
        let bad = listing_client(server.addr, "guess", digest, "hello\nquit\n");
        assert!(!stdout_text(&bad).contains("HELLO"), "{digest:?}");
        server.expect_line("该链接不合法,关闭");
    }
}

// ---- Command line -------------------------------------------------------------

#[test]
fn no_secret_is_a_usage_error_and_a_command_line_secret_is_warned_about() {
    let output = run(
        workspace_bin("auth"),
        &["server", "--addr", "127.0.0.1:0"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_text(&output).contains("no secret"),
        "{}",
        stderr_text(&output)
    );

    let server = lab_server(&[]);
    let output = run(
        workspace_bin("auth"),
        &[
            "client",
            "--addr",
            &server.addr.to_string(),
            "--secret",
            KEY,
        ],
        b"x\n",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert!(stderr_text(&output).contains("warning: a secret on the command line"));
}

#[test]
fn a_secret_file_works_like_the_variable() {
    let key = KeyFile::new("file", KEY);
    let server = lab_server(&[]);
    let output = run(
        workspace_bin("auth"),
        &[
            "client",
            "--addr",
            &server.addr.to_string(),
            "--secret-file",
            &key.arg(),
        ],
        b"from a file\n",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), "FROM A FILE\n");
}

#[test]
fn a_zero_timeout_or_an_unknown_digest_is_a_usage_error_naming_the_value() {
    for (args, named) in [
        (&["client", "--timeout", "0s"][..], "at least 1ms"),
        (&["server", "--handshake-timeout", "0"][..], "at least 1ms"),
        (&["server", "--digest", "sha1"][..], "sha1"),
    ] {
        let output = run(workspace_bin("auth"), args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr_text(&output).contains(named), "{args:?}");
    }
}

#[test]
fn client_accepts_a_host_name() {
    let server = lab_server(&[]);
    let addr = format!("localhost:{}", server.addr.port());
    let output = run_with_env(
        workspace_bin("auth"),
        &["client", "--addr", &addr],
        &[("NETLAB_SECRET", KEY)],
        b"named\n",
        TEST_TIMEOUT,
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), "NAMED\n");
}

// ---- The book's sessions --------------------------------------------------------

/// The tutorial's address, as the book shows it.
const SHOWN: &str = "127.0.0.1:9999";

fn for_the_book(text: &str, addr: SocketAddr) -> String {
    mask_ports(&show_port_as(text, addr, SHOWN), &[SHOWN])
}

/// "Run it": the listings in two terminals; the user types `hello`, then `quit`.
#[test]
fn the_books_run_it_sessions() {
    let server = ServerProcess::start_with_env(
        workspace_example("auth", "auth_server"),
        &["127.0.0.1:0"],
        &[("NETLAB_SECRET", KEY)],
    );
    let client = workspace_example("auth", "auth_client");
    let mut terminal_2 = Terminal::open(
        "NETLAB_SECRET=alex-sb cargo run -q -p auth --example auth_client",
        "env",
        &[
            &format!("NETLAB_SECRET={KEY}"),
            &client.display().to_string(),
            &server.addr.to_string(),
        ],
    );
    terminal_2.expect(">>: ");
    terminal_2.type_line("hello");
    terminal_2.expect("HELLO\n>>: ");
    terminal_2.type_line("quit");
    let (code, screen, stderr) = terminal_2.close();
    assert_eq!(code, Some(0), "{stderr}");
    check_session_output(
        "ch07-auth-terminal-2.session.txt",
        &for_the_book(&screen, server.addr),
    );

    let mut terminal_1 =
        String::from("$ NETLAB_SECRET=alex-sb cargo run -q -p auth --example auth_server\n");
    for line in [server.first_line.clone()]
        .into_iter()
        .chain(server.lines_until("链接合法"))
    {
        terminal_1.push_str(&line);
        terminal_1.push('\n');
    }
    check_session_output(
        "ch07-auth-terminal-1.session.txt",
        &for_the_book(&terminal_1, server.addr),
    );
}

/// "Try it": with the lab server's `--verdict` and a client that does not expect
/// the line, the verdict is glued to the first reply.
#[test]
fn the_books_glued_verdict_session() {
    let server = lab_server(&["--verdict"]);
    let auth = workspace_bin("auth");
    let addr = server.addr.to_string();
    let mut terminal = Terminal::open(
        "NETLAB_SECRET=alex-sb cargo run -q -p auth -- client",
        "env",
        &[
            &format!("NETLAB_SECRET={KEY}"),
            &auth.display().to_string(),
            "client",
            "--addr",
            &addr,
        ],
    );
    terminal.type_line("hello");
    terminal.expect("welco\n");
    terminal.type_line("world");
    terminal.expect("me\\nHE\n");
    let (code, screen, stderr) = terminal.close();
    assert_eq!(code, Some(0), "{stderr}");
    check_session_output(
        "ch07-auth-glued-verdict.session.txt",
        &for_the_book(&screen, server.addr),
    );
}

/// "Try it": the lab client with a wrong key, against the course's server.
#[test]
fn the_books_wrong_key_session() {
    let server = lab_server(&[]);
    let output = lab_client(server.addr, "guess", &[], "hello\n");
    assert_eq!(output.status.code(), Some(1));
    let screen = format!(
        "$ NETLAB_SECRET=guess cargo run -q -p auth -- client\nhello\n{}{}",
        stdout_text(&output),
        stderr_text(&output)
    );
    check_session_output(
        "ch07-auth-wrong-key.session.txt",
        &for_the_book(&screen, server.addr),
    );
}

/// A key is bytes: a NETLAB_SECRET that is not UTF-8 is the key, not "no key".
/// (Ignoring it would run the chat room or the command server, which use a
/// secret only when one is set, open to everyone.)
#[cfg(unix)]
#[test]
fn a_secret_that_is_not_utf8_is_used_and_never_ignored() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let key = b"k\xffey".to_vec();
    let assignment = OsString::from_vec([b"NETLAB_SECRET=".to_vec(), key.clone()].concat());
    let start = |program: &str, args: &[&str]| {
        let mut all = vec![assignment.clone(), workspace_bin(program).into_os_string()];
        all.extend(args.iter().map(OsString::from));
        ServerProcess::start("env", &all)
    };
    // auth server: the challenge's answer keyed with those bytes is welcomed.
    let server = start("auth", &["server", "--addr", "127.0.0.1:0"]);
    let mut stream = connect(server.addr);
    let challenge = read_challenge(&mut stream);
    let secret = Secret::new(key).unwrap();
    stream
        .write_all(&Digest::Sha256.answer(&secret, &challenge))
        .unwrap();
    stream.write_all(b"hi").unwrap();
    let mut reply = [0u8; 2];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"HI");
    // chat server: it demands the handshake (a 32-byte challenge comes first).
    let chat = start("chat", &["server", "--addr", "127.0.0.1:0"]);
    let mut stream = connect(chat.addr);
    assert_eq!(read_challenge(&mut stream).len(), CHALLENGE_LEN);
}

/// A server that does the handshake's part (a challenge; it ignores the answer)
/// and then replies to the first line with an escape sequence that retitles the
/// terminal, a bell, a carriage return and a newline: `auth client` shows them
/// as escapes, on one line.
#[test]
fn the_lab_client_shows_a_hostile_servers_control_characters_as_escapes() {
    let hostile: &[u8] = b"\x1b]0;x\x07\r\nfake";
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        conn.write_all(&[7u8; CHALLENGE_LEN]).unwrap();
        let mut answer = [0u8; 32];
        conn.read_exact(&mut answer).unwrap();
        // The client sends as many bytes as it expects back (the echo).
        let mut line = vec![0u8; hostile.len()];
        conn.read_exact(&mut line).unwrap();
        conn.write_all(hostile).unwrap();
        read_to_end(&mut conn)
    });
    let output = lab_client(addr, KEY, &[], "abcdefghijkl\n");
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), "\\u{1b}]0;x\\u{7}\\r\\nfake\n");
    server.join().unwrap();
}

// ---- Chapter 5's programs behind the handshake ------------------------------------

/// A length-prefixed frame (chapter 5): 4 bytes big-endian, then the payload.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut wire = (payload.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(payload);
    wire
}

/// `auth cmd-server` runs a command only for a client that answered the
/// challenge: one that skips the handshake, one that gives up halfway and one
/// with the wrong key get `refused` and no shell; the server keeps serving.
#[test]
fn auth_cmd_server_runs_commands_only_for_clients_with_the_secret() {
    let key = KeyFile::new("cmd", KEY);
    let wrong = KeyFile::new("cmd-wrong", "guess");
    let server = ServerProcess::start(
        workspace_bin("auth"),
        &[
            "cmd-server",
            "--addr",
            "127.0.0.1:0",
            "--protocol",
            "prefix",
            "--secret-file",
            &key.arg(),
        ],
    );
    let addr = server.addr.to_string();
    // A client that skips the handshake gets a challenge, not a shell.
    let mut intruder = connect(server.addr);
    intruder.write_all(&frame(b"echo pwned")).unwrap();
    intruder.shutdown(std::net::Shutdown::Write).unwrap();
    let everything = read_to_end(&mut intruder);
    assert!(!String::from_utf8_lossy(&everything).contains("pwned"));
    assert!(everything.ends_with(b"refused\n"));
    // A partial answer (31 of 32 bytes), then the client gives up.
    let mut partial = connect(server.addr);
    let challenge = read_challenge(&mut partial);
    let right = auth::answer(&secret(), &challenge);
    partial.write_all(&right[..31]).unwrap();
    partial.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_to_end(&mut partial), b"refused\n");
    // A client with the wrong key.
    let client = |key: &KeyFile, command: &[u8]| {
        run(
            workspace_bin("auth"),
            &[
                "cmd-client",
                "--addr",
                &addr,
                "--protocol",
                "prefix",
                "--secret-file",
                &key.arg(),
            ],
            command,
        )
    };
    let refused = client(&wrong, b"echo pwned\n");
    assert_eq!(refused.status.code(), Some(1));
    assert!(!stdout_text(&refused).contains("pwned"));
    assert!(
        stderr_text(&refused).contains("authenticating with"),
        "{}",
        stderr_text(&refused)
    );
    // After all of them, the server still serves a client with the key.
    let good = client(&key, b"echo trusted\n");
    assert!(
        stdout_text(&good).contains("trusted"),
        "{}",
        stderr_text(&good)
    );
    server.expect_line("authenticated");
}

/// `auth receive` stores a file only from a sender that answered the
/// challenge; `auth send` with the wrong key is refused and nothing is stored.
#[test]
fn auth_receive_takes_files_only_from_senders_with_the_secret() {
    let key = KeyFile::new("receive", KEY);
    let wrong = KeyFile::new("receive-wrong", "guess");
    let inbox = std::env::temp_dir().join(format!("netlab-ch07-inbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&inbox);
    std::fs::create_dir_all(&inbox).unwrap();
    let outbox = std::env::temp_dir().join(format!("netlab-ch07-outbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outbox);
    std::fs::create_dir_all(&outbox).unwrap();
    let (trusted, untrusted) = (outbox.join("trusted.txt"), outbox.join("untrusted.txt"));
    std::fs::write(&trusted, b"from a friend\n").unwrap();
    std::fs::write(&untrusted, b"from anybody\n").unwrap();
    let server = ServerProcess::start(
        workspace_bin("auth"),
        &[
            "receive",
            "--addr",
            "127.0.0.1:0",
            "--dir",
            &inbox.display().to_string(),
            "--secret-file",
            &key.arg(),
        ],
    );
    let addr = server.addr.to_string();
    let send = |key: &KeyFile, file: &std::path::Path| {
        run(
            workspace_bin("auth"),
            &[
                "send",
                "--addr",
                &addr,
                "--secret-file",
                &key.arg(),
                &file.display().to_string(),
            ],
            b"",
        )
    };
    let refused = send(&wrong, &untrusted);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr_text(&refused));
    assert!(
        stderr_text(&refused).contains("authenticating with"),
        "{}",
        stderr_text(&refused)
    );
    let sent = send(&key, &trusted);
    assert!(sent.status.success(), "{}", stderr_text(&sent));
    assert!(stdout_text(&sent).contains("the receiver verified it"));
    server.expect_line("saved");
    assert_eq!(
        std::fs::read(inbox.join("trusted.txt")).unwrap(),
        b"from a friend\n"
    );
    assert!(!inbox.join("untrusted.txt").exists());
    std::fs::remove_dir_all(&inbox).unwrap();
    std::fs::remove_dir_all(&outbox).unwrap();
}

/// Every server of this chapter lets one address hold only its share of the
/// connections, counting those still in their handshake: silent connections
/// from 127.0.0.2 (one host) cannot take the slots of 127.0.0.3 (another).
#[test]
fn one_address_gets_only_its_share_of_every_authenticating_server() {
    let inbox = netlab_testkit::TempDir::new("auth-share");
    let inbox_dir = inbox.path().display().to_string();
    let servers: [(&str, Vec<&str>, usize); 3] = [
        // auth server: 64 slots, a quarter for one address.
        ("server", vec!["--addr", "127.0.0.1:0"], 16),
        (
            "cmd-server",
            vec!["--addr", "127.0.0.1:0", "--max-per-address", "2"],
            2,
        ),
        (
            "receive",
            vec![
                "--addr",
                "127.0.0.1:0",
                "--dir",
                &inbox_dir,
                "--max-per-address",
                "2",
            ],
            2,
        ),
    ];
    for (kind, args, share) in servers {
        let mut all = vec![kind];
        all.extend(args);
        let server =
            ServerProcess::start_with_env(workspace_bin("auth"), &all, &[("NETLAB_SECRET", KEY)]);
        // The host's share: each connection is challenged, and answers nothing.
        let mut held = Vec::new();
        for _ in 0..share {
            let mut conn = netlab_testkit::connect_from(2, server.addr);
            conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
            read_challenge(&mut conn);
            held.push(conn);
        }
        // One more from the same host is closed without a challenge.
        let mut over = netlab_testkit::connect_from(2, server.addr);
        over.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        assert_eq!(read_to_end(&mut over), b"", "{kind}: one over the share");
        // Another host is challenged as before.
        let mut other = netlab_testkit::connect_from(3, server.addr);
        other.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        read_challenge(&mut other);
    }
}
