use std::fs;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use ex_file_message::{MAX_MESSAGE, MESSAGE_FILE, receive_via_file, send_via_file};

/// An empty directory of its own for each test.
fn mailbox(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ex-file-message-{label}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_message_arrives() {
    let dir = mailbox("arrives");
    send_via_file(&dir, b"hello from a.py").unwrap();
    assert_message(
        "the message b took",
        b"hello from a.py",
        receive_via_file(&dir).unwrap(),
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn no_message_yet_is_none() {
    let dir = mailbox("none");
    let got = receive_via_file(&dir).expect("no message yet is not an error: Ok(None)");
    if let Some(message) = got {
        panic!(
            "nobody sent a message: expected None, got a message of {} bytes {}",
            message.len(),
            show(&message)
        );
    }
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_message_is_received_once() {
    let dir = mailbox("once");
    send_via_file(&dir, b"only once").unwrap();
    assert!(receive_via_file(&dir).unwrap().is_some());
    if let Some(message) = receive_via_file(&dir).unwrap() {
        panic!(
            "the same message was received twice: take it (move or remove the file); \
             expected None, got {} bytes {}",
            message.len(),
            show(&message)
        );
    }
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_message_is_bytes_not_text() {
    let dir = mailbox("bytes");
    let message = [&b"\x00\xff\r\n"[..], "你好".as_bytes()].concat();
    send_via_file(&dir, &message).unwrap();
    assert_message(
        "the message b took",
        &message,
        receive_via_file(&dir).unwrap(),
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_message_over_the_limit_is_refused() {
    let dir = mailbox("limit");
    // Written by someone else than send_via_file: a sparse file, no disk used.
    let file = fs::File::create(dir.join(MESSAGE_FILE)).unwrap();
    file.set_len(MAX_MESSAGE + 1).unwrap();
    drop(file);
    let error = match receive_via_file(&dir) {
        Ok(Some(message)) => panic!(
            "a message over MAX_MESSAGE bytes: expected an error, got {} bytes {}",
            message.len(),
            show(&message)
        ),
        Ok(None) => panic!("a message over MAX_MESSAGE bytes: expected an error, got None"),
        Err(error) => error,
    };
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{error}");
    fs::remove_dir_all(dir).unwrap();
}

/// Program a sends 300 messages of 64 KiB as fast as it can, each all `a` or all
/// `b`, while program b takes whatever it finds. b must never find an empty or a
/// half-written message: only whole ones.
#[test]
fn a_reader_never_sees_half_a_message() {
    const SIZE: usize = 64 * 1024;
    let dir = mailbox("half");
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (dir, done) = (dir.clone(), Arc::clone(&done));
        thread::spawn(move || {
            for i in 0..300 {
                let byte = if i % 2 == 0 { b'a' } else { b'b' };
                send_via_file(&dir, &vec![byte; SIZE]).unwrap();
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let mut whole = 0;
    loop {
        let finished = done.load(Ordering::SeqCst);
        if let Ok(Some(message)) = receive_via_file(&dir) {
            let odd_one = message.iter().position(|&b| b != message[0]);
            assert!(
                message.len() == SIZE && odd_one.is_none(),
                "b found a message of {} bytes {}{} (a sent {SIZE} bytes, all the same): \
                 it read the file while a was still writing it. Write elsewhere, then \
                 rename (Python: os.replace)",
                message.len(),
                show(&message),
                odd_one
                    .map(|i| format!(", byte {i} is {}", show(&message[i..=i])))
                    .unwrap_or_default()
            );
            whole += 1;
        }
        if finished {
            break;
        }
    }
    writer.join().unwrap();
    assert!(whole > 0, "b never received a message");
    fs::remove_dir_all(dir).unwrap();
}

/// `assert_bytes` for what `receive_via_file` returned: a message, or None.
#[track_caller]
fn assert_message(what: &str, expected: &[u8], got: Option<Vec<u8>>) {
    match got {
        Some(message) => assert_bytes(what, expected, &message),
        None => panic!(
            "{what}: expected {} bytes {}, got None (no message)",
            expected.len(),
            show(expected)
        ),
    }
}

/// Bytes as Python shows them: `b'hello!'`; past 60 bytes, the start and the length.
fn show(bytes: &[u8]) -> String {
    const SHOWN: usize = 60;
    let mut text = String::from("b'");
    for &byte in bytes.iter().take(SHOWN) {
        match byte {
            b'\\' => text.push_str("\\\\"),
            b'\'' => text.push_str("\\'"),
            b'\n' => text.push_str("\\n"),
            b'\r' => text.push_str("\\r"),
            b'\t' => text.push_str("\\t"),
            0x20..=0x7e => text.push(byte as char),
            _ => text.push_str(&format!("\\x{byte:02x}")),
        }
    }
    text.push('\'');
    if bytes.len() > SHOWN {
        text.push_str("...");
    }
    text
}

/// Fails with a message a beginner can act on: what was expected, what came
/// back, both with their byte counts, and where they first differ. A failure
/// points at the line that called it.
#[track_caller]
fn assert_bytes(what: &str, expected: &[u8], got: &[u8]) {
    if expected == got {
        return;
    }
    let first_difference = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    panic!(
        "{what}: expected {} bytes {}, got {} bytes {} (they differ from byte {first_difference} on)",
        expected.len(),
        show(expected),
        got.len(),
        show(got)
    );
}
