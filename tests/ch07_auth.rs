//! Chapter 7 (七.验证客户端链接的合法性): `auth server` / `auth client` and the
//! tutorial's Python programs, in both directions; wrong keys, replayed answers,
//! silent and half-answering clients.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Output;

use netlab_common::testing::{
    ServerProcess, TEST_TIMEOUT, check_session_output, mask_ports, peer_available, run,
    run_with_env, show_port_as, stderr_text, stdout_text, workspace_bin,
};

const KEY: &str = "alex-sb";

fn python(name: &str) -> String {
    format!("{}/tests/python/{name}", env!("CARGO_MANIFEST_DIR"))
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

fn start_server(key: &KeyFile, extra: &[&str]) -> ServerProcess {
    let mut args = vec!["server", "--addr", "127.0.0.1:0", "--secret-file"];
    let key = key.arg();
    args.push(&key);
    args.extend_from_slice(extra);
    ServerProcess::start(workspace_bin("auth"), &args)
}

fn rust_client(addr: SocketAddr, key: &KeyFile, input: &str) -> Output {
    run(
        workspace_bin("auth"),
        &[
            "client",
            "--addr",
            &addr.to_string(),
            "--secret-file",
            &key.arg(),
        ],
        input.as_bytes(),
    )
}

/// Runs a Python program with NETLAB_SECRET set to `key`.
fn python_with_key(args: &[&str], key: &str, input: &str) -> Output {
    run_with_env(
        "python3",
        args,
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

fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    rest
}

#[test]
fn rust_client_with_the_key_is_welcomed_and_served() {
    let key = KeyFile::new("good", KEY);
    let server = start_server(&key, &[]);
    let output = rust_client(server.addr, &key, "hello\nquit\n");
    assert!(output.status.success(), "{}", stderr_text(&output));
    let stdout = stdout_text(&output);
    assert!(stdout.starts_with("welcome"), "{stdout}");
    assert!(stdout.contains("HELLO"), "{stdout}");
    server.expect_line("welcomed");
}

#[test]
fn rust_client_with_a_wrong_key_is_refused() {
    let key = KeyFile::new("server", KEY);
    let wrong = KeyFile::new("wrong", "guess");
    let server = start_server(&key, &[]);
    let output = rust_client(server.addr, &wrong, "hello\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_text(&output).contains("refused"),
        "{}",
        stderr_text(&output)
    );
    // The server keeps serving the next client.
    let output = rust_client(server.addr, &key, "again\n");
    assert!(stdout_text(&output).contains("AGAIN"));
}

#[test]
fn python_client_is_welcomed_with_the_key_and_refused_without() {
    if !peer_available("python3") {
        return;
    }
    let key = KeyFile::new("py", KEY);
    let server = start_server(&key, &[]);
    let addr = server.addr.to_string();
    let good = python_with_key(
        &[&python("auth_client.py"), &addr],
        KEY,
        "hello\n你好 abc\n",
    );
    assert!(good.status.success(), "{}", stderr_text(&good));
    let stdout = stdout_text(&good);
    assert!(stdout.starts_with("welcome"), "{stdout}");
    assert!(stdout.contains("HELLO"), "{stdout}");
    assert!(stdout.contains("你好 ABC"), "{stdout}");

    let bad = python_with_key(&[&python("auth_client.py"), &addr], "guess", "hello\n");
    assert_eq!(bad.status.code(), Some(1), "{}", stderr_text(&bad));
    assert!(stdout_text(&bad).starts_with("refused"));
}

#[test]
fn rust_client_talks_to_the_python_server() {
    if !peer_available("python3") {
        return;
    }
    let server = ServerProcess::start_with_env(
        "python3",
        &[&python("auth_server.py"), "127.0.0.1:0"],
        &[("NETLAB_SECRET", KEY)],
    );
    let addr = server.addr;
    let key = KeyFile::new("pyserver", KEY);
    let wrong = KeyFile::new("pyserver-wrong", "guess");
    let good = rust_client(addr, &key, "hello\n");
    let bad = rust_client(addr, &wrong, "hello\n");
    drop(server); // kills the Python server
    assert!(good.status.success(), "{}", stderr_text(&good));
    assert!(stdout_text(&good).contains("HELLO"));
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr_text(&bad).contains("refused"));
}

/// The twins among themselves: the tutorial's protocol (with SHA-256) is the
/// reference the Rust programs are tested against, so it must work on its own.
#[test]
fn python_client_talks_to_the_python_server() {
    if !peer_available("python3") {
        return;
    }
    let server = ServerProcess::start_with_env(
        "python3",
        &[&python("auth_server.py"), "127.0.0.1:0"],
        &[("NETLAB_SECRET", KEY)],
    );
    let addr = server.addr.to_string();
    let good = python_with_key(&[&python("auth_client.py"), &addr], KEY, "hello\n");
    let bad = python_with_key(&[&python("auth_client.py"), &addr], "guess", "hello\n");
    drop(server); // kills the Python server
    assert!(good.status.success(), "{}", stderr_text(&good));
    assert_eq!(stdout_text(&good), "welcome\nHELLO\n");
    assert_eq!(bad.status.code(), Some(1), "{}", stderr_text(&bad));
    assert!(stdout_text(&bad).starts_with("refused"));
}

#[test]
fn a_replayed_answer_is_refused() {
    let key = KeyFile::new("replay", KEY);
    let server = start_server(&key, &[]);
    let secret = auth::Secret::new(KEY.as_bytes().to_vec()).unwrap();

    // A legitimate client, recorded by an eavesdropper.
    let mut first = connect(server.addr);
    let mut challenge = [0u8; auth::CHALLENGE_LEN];
    first.read_exact(&mut challenge).unwrap();
    let recorded = auth::answer(&secret, &challenge);
    first.write_all(&recorded).unwrap();
    let mut status = [0u8; auth::STATUS_LEN];
    first.read_exact(&mut status).unwrap();
    assert_eq!(&status, b"welcome\n");

    // The eavesdropper replays the recorded answer on a new connection.
    let mut replay = connect(server.addr);
    let mut fresh = [0u8; auth::CHALLENGE_LEN];
    replay.read_exact(&mut fresh).unwrap();
    assert_ne!(fresh, challenge, "every connection gets a fresh challenge");
    replay.write_all(&recorded).unwrap();
    assert_eq!(read_to_end(&mut replay), b"refused\n");
}

#[test]
fn silent_and_half_answering_clients_are_dropped_and_others_served() {
    let key = KeyFile::new("silent", KEY);
    let server = start_server(&key, &["--handshake-timeout", "300ms"]);

    let mut silent = connect(server.addr);
    let mut half = connect(server.addr);
    let mut challenge = [0u8; auth::CHALLENGE_LEN];
    half.read_exact(&mut challenge).unwrap();
    half.write_all(&[0u8; 10]).unwrap();

    // Both get their challenge, then `refused`, then the connection closes.
    let silent_bytes = read_to_end(&mut silent);
    assert_eq!(silent_bytes.len(), auth::CHALLENGE_LEN + auth::STATUS_LEN);
    assert!(silent_bytes.ends_with(b"refused\n"));
    assert_eq!(read_to_end(&mut half), b"refused\n");

    // A short answer followed by a close is refused at once.
    let mut short = connect(server.addr);
    short.read_exact(&mut challenge).unwrap();
    short.write_all(&[1u8; 31]).unwrap();
    short.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_to_end(&mut short), b"refused\n");

    let output = rust_client(server.addr, &key, "still here\n");
    assert!(stdout_text(&output).contains("STILL HERE"));
}

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

    let key = KeyFile::new("warn", KEY);
    let server = start_server(&key, &[]);
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
fn a_zero_timeout_is_a_usage_error_naming_the_value() {
    for args in [
        &["client", "--timeout", "0s"][..],
        &["server", "--handshake-timeout", "0"][..],
    ] {
        let output = run(workspace_bin("auth"), args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr_text(&output).contains("at least 1ms"), "{args:?}");
    }
}

#[test]
fn client_accepts_a_host_name() {
    let key = KeyFile::new("byname", KEY);
    let server = start_server(&key, &[]);
    let output = run(
        workspace_bin("auth"),
        &[
            "client",
            "--addr",
            &format!("localhost:{}", server.addr.port()),
            "--secret-file",
            &key.arg(),
        ],
        b"named\n",
    );
    assert!(output.status.success(), "{}", stderr_text(&output));
    assert!(stdout_text(&output).contains("NAMED"));
}

/// The terminals of "Trying it" (docs/src/output/ch07-auth-*.session.txt): the
/// server, a client with the key, and a client with a wrong key.
#[test]
fn the_books_sessions_are_what_the_programs_print() {
    let key = KeyFile::new("book", KEY);
    // The server's stderr in the same pipe as its stdout, in the order printed,
    // as a terminal shows them: the refusal of the second client is on stderr.
    let key_arg = key.arg();
    let server = ServerProcess::start_as_in_a_terminal(
        workspace_bin("auth"),
        &["server", "--addr", "127.0.0.1:0", "--secret-file", &key_arg],
    );
    let addr = server.addr;
    let shown = "127.0.0.1:9999";
    let for_the_book = |text: &str| mask_ports(&show_port_as(text, addr, shown), &[shown]);
    let mut printed = vec![server.first_line.clone()];

    // Terminal 2: the client with the key; the user types `hello`.
    let typed = ["hello"];
    let client = rust_client(addr, &key, &format!("{}\n", typed.join("\n")));
    assert!(client.status.success(), "{}", stderr_text(&client));
    let stdout = stdout_text(&client);
    let mut replies = stdout.lines();
    let welcome = replies.next().unwrap_or_default();
    // A terminal shows each typed line (the terminal echoes it) before its reply.
    let mut terminal_2 = format!("$ cargo run -q -p auth -- client --secret-file key\n{welcome}\n");
    for line in typed {
        let reply = replies.next().expect("one reply per line");
        terminal_2.push_str(&format!("{line}\n{reply}\n"));
    }
    assert_eq!(replies.next(), None, "{stdout}");
    check_session_output(
        "ch07-auth-terminal-2.session.txt",
        &for_the_book(&terminal_2),
    );
    printed.extend(server.lines_until("closed"));

    // Still terminal 2: a guessed key, from the environment.
    let guess = run_with_env(
        workspace_bin("auth"),
        &["client", "--addr", &addr.to_string()],
        &[("NETLAB_SECRET", "guess")],
        b"",
        TEST_TIMEOUT,
    );
    assert_eq!(guess.status.code(), Some(1));
    let wrong_key = format!(
        "$ NETLAB_SECRET=guess cargo run -q -p auth -- client\n{}{}",
        stdout_text(&guess),
        stderr_text(&guess)
    );
    check_session_output("ch07-auth-wrong-key.session.txt", &for_the_book(&wrong_key));
    printed.extend(server.lines_until("refused"));

    // Terminal 1, after both clients.
    let terminal_1 = format!(
        "$ cargo run -q -p auth -- server --secret-file key\n{}\n",
        printed.join("\n")
    );
    check_session_output(
        "ch07-auth-terminal-1.session.txt",
        &for_the_book(&terminal_1),
    );
}
