//! Chapter 7's demo for the tour: one server, three clients — one with the right
//! key, one with a wrong key, one replaying an answer it recorded earlier. The
//! bytes are the course's: the server never says whether an answer was right; it
//! serves the client, or closes the connection.
//!
//! The challenge is random, so its bytes are never printed (the transcript must
//! be the same on every run); the narration says what they are instead. All lines
//! are written by the client side, in the order of the events on the wire; the
//! server thread reports its verdicts through a channel.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use netlab_common::{DemoResult, Narrator};

use crate::{
    AuthError, CHALLENGE_LEN, HANDSHAKE_TIMEOUT, Handshake, Secret, answer, server_handshake,
};

/// The demo's key. A real deployment reads its key from a file or the
/// environment (`--secret-file`, `NETLAB_SECRET`), never from the source code.
const DEMO_KEY: &[u8] = b"alex-sb";

/// How long the demo waits for anything before giving up (it normally takes a
/// few milliseconds).
const DEMO_TIMEOUT: Duration = Duration::from_secs(5);

/// How many connections the demo's server accepts before it ends.
const DEMO_CLIENTS: usize = 3;

type ServerVerdict = Result<String, Box<dyn std::error::Error + Send + Sync>>;

/// Chapter 7's demo, run by the tour.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("七. HMAC challenge-response: proving a client knows the key");
    let secret = Secret::new(DEMO_KEY.to_vec())?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    narrator.event(
        "server",
        "listening on 127.0.0.1 (port varies), key b'alex-sb'",
    );

    let (verdicts_tx, verdicts) = mpsc::channel::<Result<(), AuthError>>();
    let server_secret = secret.clone();
    let server = thread::spawn(move || {
        for _ in 0..DEMO_CLIENTS {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            let _ = conn.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
            let result = server_handshake(&mut conn, &server_secret, Handshake::COURSE);
            if result.is_ok() {
                // The tutorial's data_handler: upper-case echo (one round here).
                let mut buf = [0u8; 1024];
                if let Ok(n) = conn.read(&mut buf) {
                    let _ = conn.write_all(&buf[..n].to_ascii_uppercase());
                }
            }
            // Dropping `conn` closes the connection: after a wrong answer, that
            // is all the client gets.
            drop(conn);
            if verdicts_tx.send(result).is_err() {
                return;
            }
        }
    });
    let server_verdict = || -> ServerVerdict {
        Ok(match verdicts.recv_timeout(DEMO_TIMEOUT)? {
            Ok(()) => "the answer was right: served the client, until it closed".to_string(),
            Err(error) => format!("closed the connection: {error}"),
        })
    };

    // 1. The right key.
    narrator.say("client 1 knows the key:");
    let mut conn = connect(addr)?;
    let first_challenge = read_challenge(&mut conn, narrator)?;
    let recorded = answer(&secret, &first_challenge);
    narrator.event(
        "client",
        "→ server: HMAC-SHA256(key, challenge), 32 bytes (Python: hmac.new(key, msg, 'sha256').digest())",
    );
    conn.write_all(&recorded)?;
    narrator.send("client", "server", b"hello");
    conn.write_all(b"hello")?;
    let mut reply = [0u8; 5];
    conn.read_exact(&mut reply)?;
    narrator.receive("client", "server", &reply);
    drop(conn);
    narrator.event("server", &server_verdict()?);

    // 2. A wrong key.
    narrator.say("client 2 guesses the key:");
    let mut conn = connect(addr)?;
    let challenge = read_challenge(&mut conn, narrator)?;
    let wrong = Secret::new(b"guess".to_vec())?;
    narrator.event(
        "client",
        "→ server: HMAC-SHA256(b'guess', challenge), 32 bytes",
    );
    conn.write_all(&answer(&wrong, &challenge))?;
    read_close(&mut conn, narrator)?;
    narrator.event("server", &server_verdict()?);

    // 3. A replay of client 1's answer.
    narrator.say("client 3 has no key, but recorded client 1's answer and replays it:");
    let mut conn = connect(addr)?;
    let fresh = read_challenge(&mut conn, narrator)?;
    narrator.show(
        "same challenge as client 1?",
        &narrator.tr(if fresh == first_challenge {
            "yes"
        } else {
            "no: a fresh random challenge, so the old answer is worthless"
        }),
    );
    narrator.event("client", "→ server: client 1's recorded answer, 32 bytes");
    conn.write_all(&recorded)?;
    read_close(&mut conn, narrator)?;
    narrator.event("server", &server_verdict()?);

    server.join().map_err(|_| "the demo server panicked")?;
    narrator.say(
        "the key never crossed the wire; a wrong key or a replayed answer gets a closed \
         connection and not one byte more.",
    );
    Ok(())
}

fn connect(addr: std::net::SocketAddr) -> std::io::Result<TcpStream> {
    let conn = TcpStream::connect_timeout(&addr, DEMO_TIMEOUT)?;
    conn.set_read_timeout(Some(DEMO_TIMEOUT))?;
    Ok(conn)
}

fn read_challenge(
    conn: &mut TcpStream,
    narrator: &Narrator,
) -> std::io::Result<[u8; CHALLENGE_LEN]> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    conn.read_exact(&mut challenge)?;
    narrator.event(
        "client",
        "← server: a challenge of 32 random bytes (os.urandom(32); different every time)",
    );
    Ok(challenge)
}

/// After a wrong answer: the server sends nothing and closes; the client's
/// next read finds the end of the stream.
fn read_close(conn: &mut TcpStream, narrator: &Narrator) -> std::io::Result<()> {
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest)?;
    if rest.is_empty() {
        narrator.event(
            "client",
            "← server: nothing, the connection is closed (recv returns b'')",
        );
    } else {
        narrator.receive("client", "server", &rest);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::demo;
    use netlab_common::Narrator;

    #[test]
    fn demo_serves_the_key_and_shuts_out_guess_and_replay() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        assert!(!text.contains("welcome\\n"), "no verdict line: {text}");
        assert_eq!(
            text.matches("the connection is closed").count(),
            2,
            "{text}"
        );
        assert_eq!(
            text.matches("closed the connection: authentication refused")
                .count(),
            2,
            "{text}"
        );
        assert!(text.contains("[client] ← server: b'HELLO'"), "{text}");
        assert!(text.contains("a fresh random challenge"), "{text}");
        assert!(text.contains("[server] the answer was right"), "{text}");
    }

    #[test]
    fn demo_transcript_is_the_same_every_run() {
        let (first, one) = Narrator::capture();
        demo(&first).unwrap();
        let (second, two) = Narrator::capture();
        demo(&second).unwrap();
        assert_eq!(one.text(), two.text());
    }
}
