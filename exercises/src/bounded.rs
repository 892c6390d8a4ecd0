//! Running a program with a time limit and output limits.
//!
//! The grader runs code it did not write: a student's `loop {}`, a test that waits
//! forever for a reply that never comes, or a `println!` in a loop. Each of those
//! must become a result ("timed out", "output cut") and never a hung or
//! memory-hungry grader. So every program the runner starts (cargo, and each test
//! binary) goes through [`run`]:
//!
//! - it runs in a process group of its own, and the whole group is killed when the
//!   time limit passes (a test binary's children go with it);
//! - its stdout and stderr are read by two threads that keep at most `max_output`
//!   bytes of each and drain the rest, so a chatty program never blocks on a full
//!   pipe and never fills the grader's memory.
//!
//! `Command::output()` would do neither: it waits without limit and keeps
//! everything.

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long the output threads may take to finish after the program ended (or was
/// killed). Both pipes close when the last process holding them ends; this only
/// guards against a grandchild that escaped the process group.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// The read size of the output threads.
const CHUNK: usize = 8192;

/// What a bounded run produced.
#[derive(Debug, Clone, Default)]
pub struct Bounded {
    /// `None` when the program was killed at its time limit.
    pub status: Option<ExitStatus>,
    /// The first `max_output` bytes of stdout, as text.
    pub stdout: String,
    /// The first `max_output` bytes of stderr, as text.
    pub stderr: String,
    /// The time limit passed and the program was killed.
    pub timed_out: bool,
    /// One of the two outputs was longer than `max_output` and was cut.
    pub output_cut: bool,
}

impl Bounded {
    pub fn success(&self) -> bool {
        self.status.is_some_and(|status| status.success())
    }
}

/// Runs `command` with piped output, for at most `time_limit`, keeping at most
/// `max_output` bytes of each output stream.
pub fn run(mut command: Command, time_limit: Duration, max_output: usize) -> io::Result<Bounded> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    own_process_group(&mut command);
    let mut child = command.spawn()?;
    let stdout = capture(child.stdout.take(), max_output);
    let stderr = capture(child.stderr.take(), max_output);
    let deadline = Instant::now() + time_limit;
    let (status, timed_out) = wait_until(&mut child, deadline)?;
    let (stdout, stdout_cut) = stdout.recv_timeout(DRAIN_GRACE).unwrap_or_default();
    let (stderr, stderr_cut) = stderr.recv_timeout(DRAIN_GRACE).unwrap_or_default();
    Ok(Bounded {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        timed_out,
        output_cut: stdout_cut || stderr_cut,
    })
}

/// Waits for `child` until `deadline`; past it, kills its process group.
///
/// Polling `try_wait` every few milliseconds is how std lets a program wait for a
/// child with a limit (there is no `wait_timeout`); the poll is a waiting loop,
/// not a synchronisation by sleeping.
fn wait_until(child: &mut Child, deadline: Instant) -> io::Result<(Option<ExitStatus>, bool)> {
    const POLL: Duration = Duration::from_millis(10);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((Some(status), false));
        }
        if Instant::now() >= deadline {
            // Killed while the child is not yet reaped, so its pid still names
            // its group and no other.
            kill_group(child);
            let _ = child.kill();
            let _ = child.wait();
            return Ok((None, true));
        }
        thread::sleep(POLL);
    }
}

/// Reads `stream` on a thread, keeping the first `max` bytes and draining the
/// rest; sends (kept bytes, whether some were cut) when the stream closes.
fn capture<R: Read + Send + 'static>(
    stream: Option<R>,
    max: usize,
) -> mpsc::Receiver<(Vec<u8>, bool)> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut cut = false;
        if let Some(mut stream) = stream {
            let mut chunk = [0u8; CHUNK];
            loop {
                match stream.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        let room = max.saturating_sub(kept.len());
                        let take = n.min(room);
                        kept.extend_from_slice(chunk.get(..take).unwrap_or_default());
                        cut |= take < n;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        }
        let _ = tx.send((kept, cut));
    });
    rx
}

#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_command: &mut Command) {}

/// Kills the process group that `child` leads (it was started as the leader of a
/// new group, so the group's id is its pid).
#[cfg(unix)]
fn kill_group(child: &Child) {
    let _ = Command::new("kill")
        .arg("-KILL")
        .arg("--")
        .arg(format!("-{}", child.id()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Windows has no process groups of this kind: `taskkill /T` ends the tree.
#[cfg(not(unix))]
fn kill_group(child: &Child) {
    let _ = Command::new("taskkill")
        .args(["/F", "/T", "/PID"])
        .arg(child.id().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        command
    }

    #[test]
    fn a_program_that_never_ends_is_killed_and_reported_as_timed_out() {
        let ran = run(sh("while :; do :; done"), Duration::from_millis(300), 1024).unwrap();
        assert!(ran.timed_out);
        assert!(ran.status.is_none());
    }

    #[test]
    fn output_past_the_limit_is_cut_and_drained() {
        // 1 MB of output with a 1 KiB limit: kept 1 KiB, and the program still
        // finishes (its pipe was drained).
        let ran = run(
            sh("head -c 1000000 /dev/zero | tr '\\0' x"),
            Duration::from_secs(30),
            1024,
        )
        .unwrap();
        assert!(ran.success(), "{ran:?}");
        assert_eq!(ran.stdout.len(), 1024);
        assert!(ran.output_cut);
    }

    #[test]
    fn a_finished_programs_output_and_status_are_kept() {
        let ran = run(
            sh("echo out; echo err >&2; exit 3"),
            Duration::from_secs(30),
            1024,
        )
        .unwrap();
        assert_eq!(ran.stdout, "out\n");
        assert_eq!(ran.stderr, "err\n");
        assert_eq!(ran.status.and_then(|s| s.code()), Some(3));
        assert!(!ran.timed_out && !ran.output_cut);
    }

    #[test]
    fn a_child_left_behind_by_a_timed_out_program_is_killed_too() {
        // The shell starts a sleeper that holds stdout open; killing only the
        // shell would leave the pipe open and the reader waiting.
        let ran = run(sh("sleep 1000 & wait"), Duration::from_millis(300), 1024).unwrap();
        assert!(ran.timed_out);
    }
}
