//! Running a received command with a shell, the way the tutorial's remote-command
//! server does:
//!
//! ```python
//! res = subprocess.Popen(cmd.decode('utf-8'), shell=True,
//!                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
//! stderr = res.stderr.read(); stdout = res.stdout.read()
//! conn.send(stderr); conn.send(stdout)
//! ```
//!
//! Unlike the tutorial, every resource is bounded: a command that prints forever
//! (`yes`) is cut off after [`MAX_OUTPUT`] bytes, and one that never ends
//! (`sleep 1000`) is killed after [`COMMAND_TIMEOUT`]. The output is bytes, not
//! text: commands may print anything, and the client decides how to show it.

use std::io::{self, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// At most this many bytes of output are kept per stream (stdout, stderr); the
/// rest is dropped and a note says so. It keeps one reply well below the frame
/// maximum and a runaway command from filling the server's memory.
pub const MAX_OUTPUT: usize = 1024 * 1024;

/// A command still running after this long is killed.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// What a command printed: its standard error, then its standard output, as the
/// tutorial sends them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    pub stderr: Vec<u8>,
    pub stdout: Vec<u8>,
}

impl Output {
    /// stderr followed by stdout: the bytes the server sends back.
    pub fn combined(&self) -> Vec<u8> {
        let mut all = Vec::with_capacity(self.stderr.len() + self.stdout.len());
        all.extend_from_slice(&self.stderr);
        all.extend_from_slice(&self.stdout);
        all
    }
}

/// Runs `command` with `sh -c` and collects what it prints, within the bounds
/// above. A command that could not be decoded or started is reported in
/// `stderr`, like a shell would, rather than as an error of the server.
pub fn run(command: &[u8]) -> Output {
    // Python: cmd.decode('utf-8'). A command that isn't UTF-8 cannot be passed
    // to the shell as text; we say so instead of guessing.
    let Ok(command) = std::str::from_utf8(command) else {
        return Output {
            stderr: b"framing: the command is not valid UTF-8\n".to_vec(),
            stdout: Vec::new(),
        };
    };
    match spawn(command) {
        Ok(child) => collect(child),
        Err(error) => Output {
            stderr: format!("framing: cannot start a shell: {error}\n").into_bytes(),
            stdout: Vec::new(),
        },
    }
}

/// The system's shell and its "run this command line" flag, like Python's
/// `subprocess.Popen(cmd, shell=True)`: `sh -c` on Unix, `cmd /C` on Windows.
#[cfg(not(windows))]
const SHELL: [&str; 2] = ["sh", "-c"];
#[cfg(windows)]
const SHELL: [&str; 2] = ["cmd", "/C"];

fn spawn(command: &str) -> io::Result<Child> {
    let [program, run_flag] = SHELL;
    let mut shell = Command::new(program);
    shell
        .arg(run_flag)
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so that on a timeout we can kill the shell *and*
    // whatever it started (`sleep 100 | cat` is two processes).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut shell, 0);
    shell.spawn()
}

/// Which pipe a reader thread read.
enum Stream {
    Out(Vec<u8>),
    Err(Vec<u8>),
}

fn collect(mut child: Child) -> Output {
    let (tx, rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        let tx = tx.clone();
        thread::spawn(move || {
            let _ = tx.send(Stream::Out(read_bounded(stdout)));
        });
    }
    if let Some(stderr) = child.stderr.take() {
        let tx = tx.clone();
        thread::spawn(move || {
            let _ = tx.send(Stream::Err(read_bounded(stderr)));
        });
    }
    drop(tx);
    let mut output = Output::default();
    // Both pipes must be read *while* the command runs: a command that fills one
    // pipe's 64 KiB kernel buffer blocks until somebody reads it.
    let deadline = std::time::Instant::now() + COMMAND_TIMEOUT;
    let mut timed_out = false;
    for _ in 0..2 {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(Stream::Out(bytes)) => output.stdout = bytes,
            Ok(Stream::Err(bytes)) => output.stderr = bytes,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                timed_out = true;
                break;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    if timed_out {
        kill_group(&mut child);
        output.stderr.extend_from_slice(
            format!(
                "framing: the command ran longer than {}s and was killed\n",
                COMMAND_TIMEOUT.as_secs()
            )
            .as_bytes(),
        );
    }
    // Reaps the process (no zombie). After the pipes closed, or after the kill,
    // this returns at once.
    let _ = child.wait();
    for bytes in [&mut output.stdout, &mut output.stderr] {
        if bytes.len() > MAX_OUTPUT {
            bytes.truncate(MAX_OUTPUT);
            bytes.extend_from_slice(
                format!("\nframing: output cut off after {MAX_OUTPUT} bytes\n").as_bytes(),
            );
        }
    }
    output
}

/// Reads a pipe until it closes or until more than [`MAX_OUTPUT`] bytes came;
/// then stops reading, which closes the pipe, and a command that keeps writing
/// gets SIGPIPE and ends.
fn read_bounded(pipe: impl Read) -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = pipe.take(MAX_OUTPUT as u64 + 1).read_to_end(&mut bytes);
    bytes
}

#[cfg(unix)]
fn kill_group(child: &mut Child) {
    // `kill -KILL -- -PGID` kills the whole group. std offers no safe call for
    // that, and unsafe code is not allowed in this workspace, so we ask `kill`.
    let group = format!("-{}", child.id());
    let killed = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !killed.is_ok_and(|status| status.success()) {
        let _ = child.kill();
    }
}

#[cfg(not(unix))]
fn kill_group(child: &mut Child) {
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_comes_before_stdout() {
        let output = run(b"echo out; echo err >&2");
        assert_eq!(output.combined(), b"err\nout\n");
    }

    #[test]
    fn output_that_is_not_utf8_is_kept_as_bytes() {
        let output = run(b"printf '\\377\\376'");
        assert_eq!(output.stdout, [0xff, 0xfe]);
    }

    #[test]
    fn endless_output_is_cut_off() {
        let output = run(b"yes");
        assert!(output.stdout.len() < MAX_OUTPUT + 100);
        assert!(String::from_utf8_lossy(&output.stdout).contains("cut off"));
    }

    #[test]
    fn unknown_command_reports_on_stderr() {
        let output = run(b"surely-no-such-command-netlab");
        assert!(output.stdout.is_empty());
        assert!(!output.stderr.is_empty());
    }

    #[test]
    fn non_utf8_command_is_refused_politely() {
        let output = run(b"echo \xff");
        assert!(String::from_utf8_lossy(&output.stderr).contains("not valid UTF-8"));
    }
}
