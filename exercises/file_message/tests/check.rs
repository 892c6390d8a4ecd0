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
    assert_eq!(
        receive_via_file(&dir).unwrap().as_deref(),
        Some(&b"hello from a.py"[..])
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn no_message_yet_is_none() {
    let dir = mailbox("none");
    let got = receive_via_file(&dir).expect("no message yet is not an error: Ok(None)");
    assert_eq!(got, None);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_message_is_received_once() {
    let dir = mailbox("once");
    send_via_file(&dir, b"only once").unwrap();
    assert!(receive_via_file(&dir).unwrap().is_some());
    assert_eq!(
        receive_via_file(&dir).unwrap(),
        None,
        "the same message was received twice: take it (move or remove the file)"
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_message_is_bytes_not_text() {
    let dir = mailbox("bytes");
    let message = [&b"\x00\xff\r\n"[..], "你好".as_bytes()].concat();
    send_via_file(&dir, &message).unwrap();
    assert_eq!(receive_via_file(&dir).unwrap(), Some(message));
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_message_over_the_limit_is_refused() {
    let dir = mailbox("limit");
    // Written by someone else than send_via_file: a sparse file, no disk used.
    let file = fs::File::create(dir.join(MESSAGE_FILE)).unwrap();
    file.set_len(MAX_MESSAGE + 1).unwrap();
    drop(file);
    let error = receive_via_file(&dir).expect_err("a message over MAX_MESSAGE bytes");
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
            let uniform = message.iter().all(|&b| b == message[0]);
            assert!(
                message.len() == SIZE && uniform,
                "b found a message of {} bytes (a sent {SIZE} bytes, all the same): \
                 it read the file while a was still writing it. Write elsewhere, then \
                 rename (Python: os.replace)",
                message.len()
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
