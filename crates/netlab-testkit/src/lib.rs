//! # netlab-testkit — the test machinery, apart from the lessons
//!
//! Helpers for the end-to-end tests in the workspace's `tests/`: start a built
//! program, learn its address from its `listening on` line, never wait without a
//! timeout, and check the book's command outputs against what the programs print.
//! It knows the repository's layout (`docs/src/output`, `tests/python`), so it is a
//! dev-dependency only: no lesson crate depends on it.
//!
//! These follow the test conventions: servers bind `127.0.0.1:0`, the test reads the
//! first line to learn the port (no fixed ports, no sleeps to wait for readiness),
//! and every wait has a deadline so that a bug fails a test instead of hanging CI.
//! They panic on failure, as test helpers do.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use netlab_common::listen::parse_line;
pub use netlab_common::programs::on_path;

mod terminal;
pub use terminal::{Terminal, interrupt};

/// How long a test waits for anything (a line, a reply, a process) before failing.
/// Generous, because CI machines are slow; a passing test never waits this long.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The path of a workspace binary, built and up to date.
///
/// Integration tests of the root package only get `CARGO_BIN_EXE_*` for their own
/// binaries, so the end-to-end tests find the lesson binaries next to the test
/// executable (`target/debug/`), after asking cargo to build them once per test
/// process. After `cargo test` at the root that build is a quick no-op.
pub fn workspace_bin(name: &str) -> PathBuf {
    let profile_dir = cargo_build_once(&["--bin", name]);
    profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The path of a listing — the example `name` of the workspace package `package`
/// (`crates/PACKAGE/examples/NAME.rs`) — built and up to date, like
/// [`workspace_bin`]: what `cargo run -p PACKAGE --example NAME` runs.
pub fn workspace_example(package: &str, name: &str) -> PathBuf {
    let profile_dir = cargo_build_once(&["-p", package, "--example", name]);
    profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Runs `cargo build --quiet WHAT...` into this test's own target directory, once
/// per test process for each `what`, and returns `target/<profile>`.
fn cargo_build_once(what: &[&str]) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashSet<Vec<String>>>> = OnceLock::new();
    let test_exe = std::env::current_exe().expect("path of the test executable");
    // target/<profile>/deps/<test> → target/<profile>
    let profile_dir = test_exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps")
        .to_path_buf();
    let built = BUILT.get_or_init(|| Mutex::new(HashSet::new()));
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if built.insert(what.iter().map(|s| s.to_string()).collect()) {
        let target_dir = profile_dir.parent().expect("target directory");
        let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cargo
            .args(["build", "--quiet"])
            .args(what)
            .arg("--target-dir")
            .arg(target_dir);
        if profile_dir.file_name() == Some(OsStr::new("release")) {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("run cargo build");
        assert!(status.success(), "cargo build {} failed", what.join(" "));
    }
    profile_dir
}

/// A server process started for a test; killed when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// The address from its `listening on` line.
    pub addr: SocketAddr,
    /// That first line itself.
    pub first_line: String,
    lines: Receiver<String>,
    stdin: Option<ChildStdin>,
}

impl ServerProcess {
    /// Starts `program args...` with a piped stdin and waits (with a timeout) for its
    /// first line, which must be `listening on ADDR`.
    pub fn start<S: AsRef<OsStr>>(program: impl AsRef<OsStr>, args: &[S]) -> ServerProcess {
        ServerProcess::start_with_env(program, args, &[])
    }

    /// [`ServerProcess::start`] with extra environment variables (a secret in
    /// `NETLAB_SECRET`, say).
    pub fn start_with_env<S: AsRef<OsStr>>(
        program: impl AsRef<OsStr>,
        args: &[S],
        env: &[(&str, &str)],
    ) -> ServerProcess {
        let program = program.as_ref();
        let mut child = program_command(program)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program:?}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let stdin = child.stdin.take();
        let lines = spawn_line_reader(stdout);
        let first = lines.recv_timeout(TEST_TIMEOUT).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("{program:?} printed no first line within {TEST_TIMEOUT:?}: {e}")
        });
        let addr = parse_line(&first).unwrap_or_else(|| {
            let _ = child.kill();
            panic!("first line of {program:?} is {first:?}, expected `listening on ADDR`")
        });
        ServerProcess {
            child,
            addr,
            first_line: first,
            lines,
            stdin,
        }
    }

    /// Starts `program args...` like [`ServerProcess::start`], but with its stderr
    /// joined to its stdout in the order it writes them, as a reader's terminal
    /// shows both: for the book's sessions, where a server's log lines (on stderr)
    /// belong to what its terminal shows.
    pub fn start_as_in_a_terminal<S: AsRef<OsStr>>(
        program: impl AsRef<OsStr>,
        args: &[S],
    ) -> ServerProcess {
        let mut sh_args: Vec<&OsStr> = vec![
            OsStr::new("-c"),
            OsStr::new("exec \"$0\" \"$@\" 2>&1"),
            program.as_ref(),
        ];
        sh_args.extend(args.iter().map(AsRef::as_ref));
        ServerProcess::start("sh", &sh_args)
    }

    /// The lines the server prints from now until (and including) one that
    /// contains `needle`; panics after the test timeout.
    pub fn lines_until(&self, needle: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self
                .next_line(TEST_TIMEOUT)
                .unwrap_or_else(|| panic!("no line containing {needle:?}; saw {lines:#?}"));
            let done = line.contains(needle);
            lines.push(line);
            if done {
                return lines;
            }
        }
    }

    /// The next line the server prints on stdout, or `None` after the timeout or at
    /// the end of its output.
    pub fn next_line(&self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Waits for a line that contains `needle` and returns it; panics after the
    /// test timeout.
    pub fn expect_line(&self, needle: &str) -> String {
        let mut seen = Vec::new();
        loop {
            match self.lines.recv_timeout(TEST_TIMEOUT) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(e) => panic!("no line containing {needle:?} ({e}); saw {seen:#?}"),
            }
        }
    }

    /// Writes `text` to the server's stdin (for servers that read a keyboard).
    pub fn type_text(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin
            .write_all(text.as_bytes())
            .expect("write to server stdin");
        stdin.flush().expect("flush server stdin");
    }

    /// Closes the server's stdin (end of keyboard input).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the server to exit by itself and returns its exit code.
    pub fn wait_exit(mut self) -> Option<i32> {
        self.stdin = None;
        let pid = self.child.id();
        let (done_tx, done_rx) = mpsc::channel();
        let mut child = std::mem::replace(&mut self.child, dummy_child());
        std::thread::spawn(move || {
            let _ = done_tx.send(child.wait());
        });
        match done_rx.recv_timeout(TEST_TIMEOUT) {
            Ok(Ok(status)) => status.code(),
            _ => {
                kill_pid(pid);
                panic!("server did not exit within {TEST_TIMEOUT:?}")
            }
        }
    }

    /// Waits for the server to exit by itself, and returns its exit code and
    /// everything it printed on stdout: the `listening on` line, then every line
    /// not yet read with [`ServerProcess::next_line`] or
    /// [`ServerProcess::expect_line`].
    pub fn wait_output(mut self) -> (Option<i32>, Vec<String>) {
        let mut printed = vec![std::mem::take(&mut self.first_line)];
        let (_, unused) = mpsc::channel();
        let lines = std::mem::replace(&mut self.lines, unused);
        let code = self.wait_exit();
        // The process has exited: its stdout is closed, so the reader thread
        // delivers what is left and then disconnects.
        while let Ok(line) = lines.recv_timeout(TEST_TIMEOUT) {
            printed.push(line);
        }
        (code, printed)
    }

    /// The process id, e.g. to send it a signal.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A stand-in left behind by [`ServerProcess::wait_exit`]: an already finished
/// `true` process, so that `Drop` has something harmless to kill.
fn dummy_child() -> Child {
    Command::new("true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn true")
}

fn spawn_line_reader(stdout: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn kill_pid(pid: u32) {
    let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
}

/// A TCP connection to `server` from the loopback address `127.0.0.N`: Linux
/// answers on all of 127.0.0.0/8, so a test can play several hosts (each with its
/// own source address) on one machine. Reads time out after [`TEST_TIMEOUT`].
pub fn connect_from(n: u8, server: SocketAddr) -> std::net::TcpStream {
    use socket2::{Domain, Socket, Type};
    let source = SocketAddr::from(([127, 0, 0, n], 0));
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a TCP socket");
    socket
        .bind(&source.into())
        .unwrap_or_else(|e| panic!("bind {source}: {e}"));
    socket
        .connect_timeout(&server.into(), TEST_TIMEOUT)
        .unwrap_or_else(|e| panic!("connect {server} from {source}: {e}"));
    let stream: std::net::TcpStream = socket.into();
    stream
        .set_read_timeout(Some(TEST_TIMEOUT))
        .expect("read timeout");
    stream
}

/// The command every helper starts a program with: no colour (`NO_COLOR`), and
/// the English the book shows — the locale variables that would switch a program
/// to Chinese (`LC_ALL`, `LC_MESSAGES`, `LANG`) are removed; a test that wants
/// Chinese sets them again through the `env` it passes.
pub fn program_command(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    command
        .env("NO_COLOR", "1")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    command
}

/// Runs `program args...` to completion with `stdin` as its input and returns its
/// output; kills it and panics if it runs longer than [`TEST_TIMEOUT`].
pub fn run<S: AsRef<OsStr>>(program: impl AsRef<OsStr>, args: &[S], stdin: &[u8]) -> Output {
    run_with_timeout(program, args, stdin, TEST_TIMEOUT)
}

/// [`run`] with an explicit deadline.
pub fn run_with_timeout<S: AsRef<OsStr>>(
    program: impl AsRef<OsStr>,
    args: &[S],
    stdin: &[u8],
    timeout: Duration,
) -> Output {
    run_with_env(program, args, &[], stdin, timeout)
}

/// [`run_with_timeout`] with extra environment variables, e.g. a secret passed
/// the way a student would (`NETLAB_SECRET=... auth client`).
pub fn run_with_env<S: AsRef<OsStr>>(
    program: impl AsRef<OsStr>,
    args: &[S],
    env: &[(&str, &str)],
    stdin: &[u8],
    timeout: Duration,
) -> Output {
    let program = program.as_ref();
    let mut child = program_command(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program:?}: {e}"));
    let pid = child.id();
    let mut child_stdin = child.stdin.take().expect("piped stdin");
    let input = stdin.to_vec();
    // Feed stdin from a thread: a program that does not read its input must not
    // block the test on a full pipe.
    std::thread::spawn(move || {
        let _ = child_stdin.write_all(&input);
    });
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    match done_rx.recv_timeout(timeout) {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => panic!("waiting for {program:?} failed: {e}"),
        Err(_) => {
            kill_pid(pid);
            let partial = done_rx.recv_timeout(Duration::from_secs(5));
            panic!("{program:?} did not finish within {timeout:?}; output so far: {partial:?}")
        }
    }
}

/// Stdout of a finished program as text.
pub fn stdout_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Stderr of a finished program as text.
pub fn stderr_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Whether a test may use the peer program `program` (python3, chronyd, chromium,
/// socat...). When it is missing, the test prints a note and the caller returns —
/// except under `NETLAB_REQUIRE_PEERS=1` (set by .ci/run, which installs them), where
/// a missing peer fails the test instead of silently skipping it.
pub fn peer_available(program: &str) -> bool {
    if on_path(program) {
        return true;
    }
    assert!(
        std::env::var_os("NETLAB_REQUIRE_PEERS").is_none(),
        "{program} is required (NETLAB_REQUIRE_PEERS is set) but is not on the PATH"
    );
    eprintln!("note: {program} not found, skipping this interop test");
    false
}

/// The path of one of the tutorial's Python programs in `tests/python/`.
pub fn tutorial_python(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/python")
        .join(name)
}

/// Checks a two-terminal session that the book shows against what the programs
/// print today.
///
/// Most outputs in the book come from one command, and `tests/docs.rs` reruns it.
/// A server and its client in two terminals need a test to run them together: that
/// test builds the text a reader would see — a first line `$ COMMAND`, exactly as
/// the book shows it, then what that terminal printed — and calls this function
/// with the name of the file, `docs/src/output/NAME.session.txt`. With
/// `NETLAB_BLESS=1` the file is rewritten instead.
///
/// Ports the OS chose vary from run to run; pass the text through [`show_port_as`]
/// and [`mask_ports`] first, so the book shows the tutorial's port and `<port>`.
pub fn check_session_output(name: &str, terminal: &str) {
    assert!(
        name.ends_with(".session.txt"),
        "session outputs are named NAME.session.txt, not {name}"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/src/output")
        .join(name);
    if std::env::var_os("NETLAB_BLESS").is_some() {
        std::fs::write(&path, terminal).expect("write the session output");
        return;
    }
    let shown = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        shown, terminal,
        "docs/src/output/{name} is stale (left: the file, right: today's programs); \
         rerun this test with NETLAB_BLESS=1"
    );
}

/// Replaces the address a test's server really got (`127.0.0.1:40123`) with the
/// one the book shows (the tutorial's, e.g. `127.0.0.1:8898`).
pub fn show_port_as(text: &str, actual: SocketAddr, shown: &str) -> String {
    text.replace(&actual.to_string(), shown)
}

/// Replaces every other port on 127.0.0.1 (a client's ephemeral port), written
/// `127.0.0.1:PORT` or Python's `('127.0.0.1', PORT)`, with `<port>`, except the
/// ports of the addresses in `keep` (e.g. the tutorial's `127.0.0.1:8898`). Call it
/// after [`show_port_as`].
///
/// ```
/// use netlab_testkit::mask_ports;
/// assert_eq!(
///     mask_ports("from 127.0.0.1:51234 to 127.0.0.1:8898, ('127.0.0.1', 9000)", &["127.0.0.1:8898"]),
///     "from 127.0.0.1:<port> to 127.0.0.1:8898, ('127.0.0.1', <port>)"
/// );
/// ```
pub fn mask_ports(text: &str, keep: &[&str]) -> String {
    let kept_ports: Vec<&str> = keep
        .iter()
        .filter_map(|addr| addr.strip_prefix("127.0.0.1:"))
        .collect();
    let text = mask_port_after(text, "127.0.0.1:", &kept_ports);
    mask_port_after(&text, "('127.0.0.1', ", &kept_ports)
}

/// Replaces the digits after each `prefix` with `<port>` unless they are kept.
fn mask_port_after(text: &str, prefix: &str, kept_ports: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let port = &after[..digits];
        out.push_str(&rest[..at]);
        out.push_str(prefix);
        out.push_str(if digits == 0 || kept_ports.contains(&port) {
            port
        } else {
            "<port>"
        });
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// A fresh directory under the system's temporary directory, removed (with
/// everything in it) when dropped: an inbox for uploads, a place for key or
/// contacts files. Its name carries `tag`, the process id and a counter, so
/// tests running at once never share one.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("netlab-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {dir:?}: {e}"));
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The path as a command-line argument.
    pub fn arg(&self) -> String {
        self.0.display().to_string()
    }

    /// The path of `name` inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Every name in the directory, hidden ones (temporary files) included, sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap_or_else(|e| panic!("read {:?}: {e}", self.0))
            .map(|entry| {
                entry
                    .expect("a directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
