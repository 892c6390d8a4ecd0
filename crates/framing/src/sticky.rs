//! 黏包, reproduced deterministically: `framing sticky-demo` and the tour's
//! chapter 5.
//!
//! On a real network, whether two messages merge or one splits depends on
//! timing: a demo that merely sends quickly would show the effect on some runs
//! and not on others. Here the reading side waits, explicitly, until every byte
//! it expects is sitting in its kernel receive buffer (it peeks without
//! consuming) and only then calls `recv(1024)`. That is exactly the situation a
//! slow or busy receiver is in, and the outcome is the same on every run.
//!
//! The demo's server pretends to run `ipconfig /all` and `dir` (fixed text), so
//! that the transcript is the same on every machine.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use netlab_common::bytes::python_repr;
use netlab_common::{DemoResult, Narrator};

use crate::frame::{MAX_FRAME_LEN, read_frame, write_frame};

/// The tutorial's `recv(1024)`.
const BUFSIZE: usize = 1024;

/// How long any step of the demo may take before it gives up (normally
/// microseconds; everything is on loopback).
const DEMO_TIMEOUT: Duration = Duration::from_secs(5);

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The demo's stand-in for running a command: the same bytes on every machine.
pub fn pretend_to_run(command: &[u8]) -> Vec<u8> {
    match command {
        b"ipconfig /all" => {
            let mut out = String::from("Windows IP Configuration\n");
            for i in 1..=32 {
                out.push_str(&format!("   Adapter {i:02} IPv4 . . . : 172.16.10.{i}\n"));
            }
            out.into_bytes()
        }
        b"dir" => b"a.txt  b.txt  notes.md\n".to_vec(),
        _ => b"unknown command\n".to_vec(),
    }
}

/// Waits until at least `n` bytes can be read from `conn` without blocking, by
/// peeking (reading without consuming). This is the demo's explicit
/// synchronisation: the receiver is "slow" on purpose, by exactly this much.
fn wait_for_bytes(conn: &TcpStream, n: usize) -> io::Result<()> {
    let deadline = Instant::now() + DEMO_TIMEOUT;
    let mut buf = vec![0u8; n];
    loop {
        // Blocks (under the read timeout) while nothing is there; returns at
        // once with what is there otherwise.
        let there = conn.peek(&mut buf)?;
        if there >= n {
            return Ok(());
        }
        if there == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if Instant::now() > deadline {
            return Err(io::ErrorKind::TimedOut.into());
        }
        thread::yield_now();
    }
}

/// `b'Windows IP'…b'172.16.10.8\n'` — the two ends of a long piece of bytes.
fn ends(bytes: &[u8]) -> String {
    const SHOWN: usize = 14;
    if bytes.len() <= 2 * SHOWN {
        return python_repr(bytes);
    }
    let head = bytes.get(..SHOWN).unwrap_or_default();
    let tail = bytes.get(bytes.len() - SHOWN..).unwrap_or_default();
    format!("{}…{}", python_repr(head), python_repr(tail))
}

fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let client = TcpStream::connect_timeout(&listener.local_addr()?, DEMO_TIMEOUT)?;
    let (server, _) = listener.accept()?;
    for conn in [&client, &server] {
        conn.set_read_timeout(Some(DEMO_TIMEOUT))?;
        // Each write goes out at once as its own segment: any merging the
        // reader sees happened on the receiving side, not in Nagle's algorithm.
        conn.set_nodelay(true)?;
    }
    Ok((client, server))
}

/// The whole chapter-5 story: the problem twice over TCP, UDP for contrast, the fix.
pub fn demo(narrator: &Narrator) -> DemoResult {
    long_answer_leaks(narrator)?;
    quick_sends_merge(narrator)?;
    udp_keeps_boundaries(narrator)?;
    prefix_fixes_both(narrator)?;
    Ok(())
}

// ANCHOR: long_answer_leaks
/// (a) An answer longer than 1024 bytes: the client's `recv(1024)` takes only
/// its beginning, and the rest comes out of the *next* `recv`, in front of the
/// next answer.
fn long_answer_leaks(narrator: &Narrator) -> Result<(), Error> {
    narrator.section("五.黏包 (a): a long answer leaks into the next one (raw TCP, recv(1024))");
    let (mut client, mut server) = connected_pair()?;
    let server_side = thread::spawn(move || -> Result<(), Error> {
        let mut buf = [0u8; BUFSIZE];
        for _ in 0..2 {
            let n = server.read(&mut buf)?; // Python: cmd = conn.recv(1024)
            let command = buf.get(..n).unwrap_or_default();
            let output = pretend_to_run(command);
            server.write_all(&output)?; // Python: conn.send(res)
        }
        Ok(())
    });
    let first = b"ipconfig /all";
    let first_len = pretend_to_run(first).len();
    let second = b"dir";
    let second_len = pretend_to_run(second).len();

    narrator.send("client", "server", first);
    client.write_all(first)?;
    wait_for_bytes(&client, first_len)?;
    narrator.say(&format!("the server answers with {first_len} bytes; all of them are now in the client's kernel buffer"));
    let mut buf = [0u8; BUFSIZE];
    let n = client.read(&mut buf)?; // Python: data = phone.recv(1024)
    narrator.event(
        "client",
        &format!("recv(1024) → {n} bytes: {}", ends(&buf[..n])),
    );

    narrator.send("client", "server", second);
    client.write_all(second)?;
    let left = first_len - n;
    wait_for_bytes(&client, left + second_len)?;
    let m = client.read(&mut buf)?;
    narrator.event(
        "client",
        &format!("recv(1024) → {m} bytes: {}", ends(&buf[..m])),
    );
    narrator.say(&format!(
        "the answer to b'dir' starts with the last {left} bytes of ipconfig's output: \
         the client shows the wrong answer, and every later one is shifted too"
    ));
    server_side.join().map_err(|_| "demo server panicked")??;
    Ok(())
}
// ANCHOR_END: long_answer_leaks

// ANCHOR: quick_sends_merge
/// (b) Two quick small sends, one `recv`: the receiver gets them merged.
fn quick_sends_merge(narrator: &Narrator) -> Result<(), Error> {
    narrator.section("五.黏包 (b): two quick sends arrive as one (raw TCP)");
    let (mut client, mut server) = connected_pair()?;
    let (sent_tx, sent) = mpsc::channel::<()>();
    let server_side = thread::spawn(move || -> Result<Vec<u8>, Error> {
        // The server is busy with something else until both sends are done.
        sent.recv_timeout(DEMO_TIMEOUT)?;
        wait_for_bytes(&server, 10)?;
        let mut buf = [0u8; BUFSIZE];
        let n = server.read(&mut buf)?; // Python: data = conn.recv(1024)
        Ok(buf[..n].to_vec())
    });
    narrator.send("client", "server", b"hello");
    client.write_all(b"hello")?; // Python: client.send(b'hello')
    narrator.send("client", "server", b"world");
    client.write_all(b"world")?; // Python: client.send(b'world')
    sent_tx.send(())?;
    let received = server_side.join().map_err(|_| "demo server panicked")??;
    narrator.receive("server", "client", &received);
    narrator.say("two send() calls, one recv(): TCP is a byte stream, it keeps no boundaries.");
    narrator.say("send() only copies into the kernel's buffer; recv() takes whatever is there.");
    narrator.say(
        "(with Nagle's algorithm on, the sender's kernel may even merge them into one segment)",
    );
    Ok(())
}
// ANCHOR_END: quick_sends_merge

/// For contrast: UDP keeps each datagram whole — and silently cuts a datagram
/// longer than the buffer.
fn udp_keeps_boundaries(narrator: &Narrator) -> Result<(), Error> {
    narrator.section("UDP for contrast: every datagram keeps its boundaries");
    let server = UdpSocket::bind("127.0.0.1:0")?;
    server.set_read_timeout(Some(DEMO_TIMEOUT))?;
    let client = UdpSocket::bind("127.0.0.1:0")?;
    client.connect(server.local_addr()?)?;
    let long = pretend_to_run(b"ipconfig /all");
    narrator.send("client", "server", b"hello");
    client.send(b"hello")?;
    narrator.send("client", "server", b"world");
    client.send(b"world")?;
    narrator.event(
        "client",
        &format!("→ server: {} bytes in one datagram", long.len()),
    );
    client.send(&long)?;
    let mut buf = [0u8; BUFSIZE];
    for _ in 0..2 {
        let (n, _) = server.recv_from(&mut buf)?; // Python: server.recvfrom(1024)
        narrator.receive("server", "client", &buf[..n]);
    }
    let (n, _) = server.recv_from(&mut buf)?;
    narrator.event(
        "server",
        &format!(
            "recvfrom(1024) → {n} bytes; the other {} are lost",
            long.len() - n
        ),
    );
    narrator.say(
        "two sendto(), two recvfrom(): no merging. But a datagram larger than the buffer is cut.",
    );
    Ok(())
}

// ANCHOR: prefix_fixes_both
/// The fix: a 4-byte big-endian length before every message.
fn prefix_fixes_both(narrator: &Narrator) -> Result<(), Error> {
    narrator.section("The fix: a 4-byte length prefix, struct.pack('!I', n)");
    let (mut client, mut server) = connected_pair()?;
    let (sent_tx, sent) = mpsc::channel::<()>();
    let server_side = thread::spawn(move || -> Result<Vec<Vec<u8>>, Error> {
        for _ in 0..2 {
            let command = read_frame(&mut server, MAX_FRAME_LEN)?;
            write_frame(&mut server, &pretend_to_run(&command))?;
        }
        sent.recv_timeout(DEMO_TIMEOUT)?;
        // Both frames are in the buffer, merged, as in (b) — and still come out
        // one by one.
        wait_for_bytes(&server, 2 * (4 + 5))?;
        Ok(vec![
            read_frame(&mut server, MAX_FRAME_LEN)?,
            read_frame(&mut server, MAX_FRAME_LEN)?,
        ])
    });
    for command in [&b"ipconfig /all"[..], b"dir"] {
        let mut frame = Vec::new();
        write_frame(&mut frame, command)?;
        narrator.send("client", "server", &frame);
        client.write_all(&frame)?;
        let answer = read_frame(&mut client, MAX_FRAME_LEN)?;
        narrator.event(
            "client",
            &format!(
                "← server: header {} then {} bytes: {}",
                python_repr(&(answer.len() as u32).to_be_bytes()),
                answer.len(),
                ends(&answer)
            ),
        );
    }
    let mut both = Vec::new();
    write_frame(&mut both, b"hello")?;
    write_frame(&mut both, b"world")?;
    // Two frames, written in two pieces cut in the middle of the first frame.
    let (piece1, piece2) = both.split_at(7);
    narrator.send("client", "server", piece1);
    client.write_all(piece1)?;
    narrator.send("client", "server", piece2);
    client.write_all(piece2)?;
    sent_tx.send(())?;
    let messages = server_side.join().map_err(|_| "demo server panicked")??;
    for message in &messages {
        narrator.receive("server", "client", message);
    }
    narrator
        .say("the reader takes exactly 4 bytes, learns the length, then takes exactly that many:");
    narrator.say("whole answers, in order, however the bytes were split or merged on the way.");
    Ok(())
}
// ANCHOR_END: prefix_fixes_both

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_answer_is_longer_than_one_recv() {
        let long = pretend_to_run(b"ipconfig /all").len();
        assert!(long > BUFSIZE && long < 2 * BUFSIZE, "{long}");
    }

    #[test]
    fn demo_shows_leak_merge_and_fix() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        assert!(text.contains("[client] recv(1024) → 1024 bytes"), "{text}");
        assert!(
            text.contains("[server] ← client: b'helloworld' (10 bytes)"),
            "{text}"
        );
        assert!(
            text.contains(
                "[server] ← client: b'hello' (5 bytes)\n[server] ← client: b'world' (5 bytes)"
            ),
            "{text}"
        );
        assert!(text.contains("the other"), "{text}");
        assert!(
            text.contains("then 23 bytes: b'a.txt  b.txt  notes.md\\n'"),
            "{text}"
        );
    }

    #[test]
    fn demo_is_the_same_every_run() {
        let (first, one) = Narrator::capture();
        demo(&first).unwrap();
        let (second, two) = Narrator::capture();
        demo(&second).unwrap();
        assert_eq!(one.text(), two.text());
    }
}
