//! Chapter 1, 一.楔子 (Prologue): why network programming at all?
//!
//! The tutorial starts with two Python files, a.py and b.py, that want to pass data
//! to each other. On one machine a file does the job: a.py writes it, b.py reads it.
//! When a.py and b.py run on different computers there is no shared file, and they
//! need a network connection instead. This demo does both, with two threads playing
//! the two programs: first through a file, then through a TCP socket on loopback
//! (127.0.0.1, "this machine", which behaves like a real network for our programs).

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use netlab_common::{DemoResult, Narrator};

/// The message a.py wants to hand to b.py.
const MESSAGE: &[u8] = "hello from a.py, 你好".as_bytes();

/// How long b.py waits for a.py before giving up: the demo must never hang.
const WAIT_FOR_PEER: Duration = Duration::from_secs(5);

/// Runs the prologue: a file between two programs, then a socket.
pub fn demo(narrator: &Narrator) -> DemoResult {
    through_a_file(narrator)?;
    through_a_socket(narrator)?;
    narrator.say(
        "Same message, same two programs: the socket works across machines too, \
         which is what the rest of the tour is about.",
    );
    Ok(())
}

/// a.py writes a file, b.py reads it: fine while both run on the same machine.
// ANCHOR: file
fn through_a_file(narrator: &Narrator) -> DemoResult {
    narrator.section("Two programs on one machine: a shared file");
    // A name no other run (or other test in this process) uses at the same time.
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let path =
        std::env::temp_dir().join(format!("netlab-prologue-{}-{run}.txt", std::process::id()));

    let a_path = path.clone();
    let a_narrator = narrator.clone();
    let program_a = thread::spawn(move || -> std::io::Result<()> {
        a_narrator.send("a.py", "message.txt", MESSAGE);
        fs::write(&a_path, MESSAGE)
    });
    program_a.join().map_err(|_| "program a panicked")??;

    // b.py starts after a.py has finished writing: with a file, the two programs
    // must agree on *when* to look, and nothing tells b.py that data has arrived.
    let read_back = fs::read(&path);
    let _ = fs::remove_file(&path);
    let read_back = read_back?;
    narrator.receive("b.py", "message.txt", &read_back);
    narrator.say("A file works only where both programs can see the same disk.");
    Ok(())
}
// ANCHOR_END: file

/// b.py listens on a loopback port, a.py connects and sends: no shared disk needed.
fn through_a_socket(narrator: &Narrator) -> DemoResult {
    narrator.section("Two programs, possibly on two machines: a socket");
    // Port 0: the operating system picks a free port, so the demo never collides
    // with another program.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    narrator.event("b.py", "listens on 127.0.0.1 (port chosen by the OS)");

    let (received_tx, received_rx) = mpsc::channel();
    let b_narrator = narrator.clone();
    thread::spawn(move || {
        let result = (|| -> std::io::Result<Vec<u8>> {
            let (mut connection, _peer) = listener.accept()?;
            connection.set_read_timeout(Some(WAIT_FOR_PEER))?;
            let mut received = Vec::new();
            // a.py closes its end after sending, so reading to the end collects
            // the whole message however the network split it.
            connection.read_to_end(&mut received)?;
            Ok(received)
        })();
        if let Ok(bytes) = &result {
            b_narrator.receive("b.py", "a.py", bytes);
        }
        let _ = received_tx.send(result);
    });

    // ANCHOR: socket_client
    let mut connection = TcpStream::connect(addr)?;
    narrator.event("a.py", "connected to b.py");
    narrator.send("a.py", "b.py", MESSAGE);
    connection.write_all(MESSAGE)?;
    drop(connection);
    // ANCHOR_END: socket_client

    let received = received_rx
        .recv_timeout(WAIT_FOR_PEER)
        .map_err(|_| "b.py received nothing in time")??;
    if received != MESSAGE {
        return Err("b.py received different bytes than a.py sent".into());
    }
    narrator.say("The bytes crossed a TCP connection, exactly as sent.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prologue_passes_the_message_both_ways() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        assert!(
            text.contains(
                "[b.py] ← message.txt: b'hello from a.py, \\xe4\\xbd\\xa0\\xe5\\xa5\\xbd'"
            )
        );
        assert!(text.contains("[b.py] ← a.py: b'hello from a.py"));
    }

    #[test]
    fn prologue_transcript_is_the_same_every_run() {
        let first = {
            let (narrator, captured) = Narrator::capture();
            demo(&narrator).unwrap();
            captured.text()
        };
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        assert_eq!(first, captured.text());
    }
}
