//! Terminals the book shows: programs a test types into and reads from.
//!
//! A two-terminal session in the book (a chat server and its clients, say) is
//! produced by a test that plays each terminal: it types a line into the
//! program's stdin and waits for everything that step prints before typing the
//! next, so the transcript is the same on every run. See
//! [`super::check_session_output`] for comparing the result with the book.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::Instant;

use super::{ServerProcess, TEST_TIMEOUT, mask_ports, show_port_as};

/// Presses Ctrl-C in a server's terminal (SIGINT), waits for it to exit and
/// returns its exit code and its screen: `$ shown_command`, the `listening on`
/// line, `^C` where Ctrl-C was pressed, and what it printed after that, with
/// the port the OS chose shown as `shown_addr`'s. Only for servers that print
/// nothing while they serve: a line printed before the signal would be shown
/// after `^C` (and the session file, which shows it, would be wrong).
pub fn interrupt(
    shown_command: &str,
    server: ServerProcess,
    shown_addr: &str,
) -> (Option<i32>, String) {
    let addr = server.addr;
    let status = Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let (code, printed) = server.wait_output();
    let (first, after) = printed.split_first().expect("the listening line");
    let mut screen = format!("$ {shown_command}\n{first}\n^C\n");
    for line in after {
        screen.push_str(line);
        screen.push('\n');
    }
    let screen = mask_ports(&show_port_as(&screen, addr, shown_addr), &[shown_addr]);
    (code, screen)
}

/// One terminal of a session the book shows: a program whose keyboard the test
/// types on (a stdin pipe) and whose screen it reads as it arrives (a stdout
/// pipe). `screen` is the text a reader would see in that terminal: what the
/// program printed and, where it was typed, what was typed — a terminal echoes
/// your typing, a pipe does not, so the test writes it in itself. The test waits
/// for everything a step prints before typing the next line, so the screen is
/// the same on every run.
pub struct Terminal {
    child: Option<Child>,
    keyboard: Option<ChildStdin>,
    printed: Receiver<Vec<u8>>,
    stderr: Receiver<Vec<u8>>,
    screen: Vec<u8>,
    /// How much of `screen` earlier `expect`s have matched.
    seen: usize,
}

impl Terminal {
    /// Runs `program args...` and shows `$ shown` as its first line.
    pub fn open<S: AsRef<OsStr>>(shown: &str, program: impl AsRef<OsStr>, args: &[S]) -> Terminal {
        let mut child = crate::program_command(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the terminal's program");
        let keyboard = child.stdin.take();
        let printed = forward(child.stdout.take().expect("piped stdout"));
        let stderr = forward(child.stderr.take().expect("piped stderr"));
        Terminal {
            child: Some(child),
            keyboard,
            printed,
            stderr,
            screen: format!("$ {shown}\n").into_bytes(),
            seen: 0,
        }
    }

    /// Waits (at most `TEST_TIMEOUT`) until the program has printed `text` after
    /// what earlier calls matched.
    pub fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + TEST_TIMEOUT;
        loop {
            let unmatched = &self.screen[self.seen..];
            if let Some(at) = unmatched
                .windows(text.len())
                .position(|window| window == text.as_bytes())
            {
                self.seen += at + text.len();
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.printed.recv_timeout(left) {
                Ok(chunk) => self.screen.extend_from_slice(&chunk),
                Err(e) => panic!(
                    "no {text:?} ({e}); the screen so far:\n{}",
                    String::from_utf8_lossy(&self.screen)
                ),
            }
        }
    }

    /// Types `line` and Enter.
    pub fn type_line(&mut self, line: &str) {
        self.screen
            .extend_from_slice(format!("{line}\n").as_bytes());
        let keyboard = self.keyboard.as_mut().expect("keyboard still open");
        keyboard
            .write_all(format!("{line}\n").as_bytes())
            .expect("type into the program");
        keyboard.flush().expect("flush the keyboard");
    }

    /// Ends the input (Ctrl-D), waits for the program to exit and returns its
    /// exit code, its screen and what it wrote on stderr.
    pub fn close(mut self) -> (Option<i32>, String, String) {
        self.keyboard = None;
        let deadline = Instant::now() + TEST_TIMEOUT;
        // The reader threads finish when the program closes its output (exits).
        let rest = drain(&self.printed, deadline);
        self.screen.extend_from_slice(&rest);
        let stderr = drain(&self.stderr, deadline);
        let mut child = self.child.take().expect("the program");
        let pid = child.id();
        let (done_tx, done_rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = done_tx.send(child.wait());
        });
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(Ok(status)) = done_rx.recv_timeout(left) else {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("the program did not exit within {TEST_TIMEOUT:?}");
        };
        (
            status.code(),
            String::from_utf8(std::mem::take(&mut self.screen)).expect("UTF-8 screen"),
            String::from_utf8_lossy(&stderr).into_owned(),
        )
    }
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal")
            .field("screen", &String::from_utf8_lossy(&self.screen))
            .finish()
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Forwards what a pipe delivers, chunk by chunk, to a channel that closes at
/// the end of the output.
fn forward(mut pipe: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut buf) {
            if tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Everything a channel of [`forward`] still delivers until its pipe closes;
/// panics at `deadline`.
fn drain(chunks: &Receiver<Vec<u8>>, deadline: Instant) -> Vec<u8> {
    let mut all = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match chunks.recv_timeout(left) {
            Ok(chunk) => all.extend_from_slice(&chunk),
            Err(RecvTimeoutError::Disconnected) => return all,
            Err(RecvTimeoutError::Timeout) => {
                panic!("the program did not exit within {TEST_TIMEOUT:?}")
            }
        }
    }
}
