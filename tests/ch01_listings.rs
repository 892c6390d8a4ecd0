//! Chapter 1 (一.楔子): the listings examples/a.rs and examples/b.rs pass a message
//! through a file, as the tutorial's first answer says, and either side can be the
//! Python twin (tests/python/a.py, b.py): same file name, same bytes in it, same
//! lines printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;

use netlab_testkit::{
    TEST_TIMEOUT, check_session_output, peer_available, stderr_text, stdout_text, tutorial_python,
    workspace_example,
};

/// What a writes into the file, and what b prints after reading it.
const MESSAGE: &str = "你好, b! 我是 a.";

#[derive(Debug, Clone, Copy)]
enum Side {
    Rust(&'static str),
    Python(&'static str),
}

/// A fresh, empty directory for one test: the programs' current directory, where
/// they write and read `message.txt`.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netlab-ch01-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `side` in `dir` (no arguments: the default file name) to completion,
/// under the test timeout.
fn run_in(dir: &Path, side: Side) -> Output {
    let mut command = match side {
        Side::Rust(name) => Command::new(workspace_example("netlab", name)),
        Side::Python(name) => {
            let mut python = Command::new("python3");
            python.arg(tutorial_python(&format!("{name}.py")));
            python
        }
    };
    let child = command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {side:?}: {e}"));
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    done_rx
        .recv_timeout(TEST_TIMEOUT)
        .unwrap_or_else(|_| panic!("{side:?} did not finish within {TEST_TIMEOUT:?}"))
        .expect("wait for the program")
}

#[test]
fn a_writes_the_message_and_b_reads_it_with_python_either_side() {
    let mut pairs = vec![(Side::Rust("a"), Side::Rust("b"))];
    if peer_available("python3") {
        pairs.push((Side::Python("a"), Side::Rust("b")));
        pairs.push((Side::Rust("a"), Side::Python("b")));
    }
    for (i, (a, b)) in pairs.into_iter().enumerate() {
        let dir = fresh_dir(&format!("pair-{i}"));
        let wrote = run_in(&dir, a);
        assert!(wrote.status.success(), "{a:?}: {}", stderr_text(&wrote));
        assert_eq!(
            stdout_text(&wrote),
            format!("wrote to message.txt: {MESSAGE}\n")
        );
        // The same bytes in the file, from either side: UTF-8, no newline.
        assert_eq!(
            std::fs::read(dir.join("message.txt")).unwrap(),
            MESSAGE.as_bytes(),
            "{a:?}"
        );
        let read = run_in(&dir, b);
        assert!(read.status.success(), "{b:?}: {}", stderr_text(&read));
        assert_eq!(
            stdout_text(&read),
            format!("read from message.txt: {MESSAGE}\n"),
            "{a:?} then {b:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Nothing tells b that a has written: before a runs, there is no file to read.
#[test]
fn b_before_a_finds_no_file() {
    let mut sides = vec![Side::Rust("b")];
    if peer_available("python3") {
        sides.push(Side::Python("b"));
    }
    for side in sides {
        let dir = fresh_dir(&format!("{side:?}-alone"));
        let output = run_in(&dir, side);
        assert!(!output.status.success(), "{side:?}");
        assert!(
            stderr_text(&output).contains("No such file"),
            "{side:?}: {}",
            stderr_text(&output)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// The book's "Run it": a in terminal 1, then b in terminal 2, in the same
/// directory.
#[test]
fn the_books_terminals_are_what_a_and_b_print() {
    let dir = fresh_dir("book");
    let a = run_in(&dir, Side::Rust("a"));
    let b = run_in(&dir, Side::Rust("b"));
    check_session_output(
        "ch01-listing-a.session.txt",
        &format!("$ cargo run -q --example a\n{}", stdout_text(&a)),
    );
    check_session_output(
        "ch01-listing-b.session.txt",
        &format!("$ cargo run -q --example b\n{}", stdout_text(&b)),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
