//! The handshake over a blocking stream (a `std::net::TcpStream`, or anything
//! `Read + Write`).
//!
//! A blocking read waits forever unless the stream has a read timeout: set one
//! before the handshake (`stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))`), and
//! a timed-out read comes back as [`AuthError::Timeout`]. On a TCP server,
//! prefer [`server_handshake_within`]: one deadline for the whole answer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use netlab_common::deadline::Deadline;
use netlab_common::stream::read_full;

use crate::{
    AuthError, CHALLENGE_LEN, DIGEST_LEN, Handshake, REFUSED, STATUS_LEN, Secret, Verdict, WELCOME,
    new_challenge,
};

// ANCHOR: server
/// The server's side: send a fresh challenge, read the whole answer
/// ([`Digest::answer_len`](crate::Digest::answer_len) bytes), and verify it in
/// constant time. `Ok` means the client knows the key; on `Err` the caller
/// closes the connection. With [`Verdict::Announced`] the client is told first:
/// `welcome\n` or `refused\n`.
pub fn server_handshake<S: Read + Write>(
    stream: &mut S,
    secret: &Secret,
    handshake: Handshake,
) -> Result<(), AuthError> {
    // Python: msg = os.urandom(32); conn.sendall(msg)
    let challenge = new_challenge()?;
    stream.write_all(&challenge)?;
    stream.flush()?;
    // Python: respone = conn.recv(len(digest))
    // recv(32) may return fewer bytes even from an honest client, so we read
    // until we have the whole answer (or the client gave up).
    let mut buf = [0u8; DIGEST_LEN];
    let response = buf
        .get_mut(..handshake.digest.answer_len())
        .unwrap_or_default();
    let result = match read_full(stream, response) {
        Err(error) => Err(AuthError::from(error)),
        Ok(got) if got < response.len() => Err(AuthError::ShortAnswer),
        // Python: hmac.compare_digest(respone, digest)
        Ok(_) if handshake.digest.verify(secret, &challenge, response) => Ok(()),
        Ok(_) => Err(AuthError::Refused),
    };
    if handshake.verdict == Verdict::Announced {
        announce(stream, &result)?;
    }
    result
}
// ANCHOR_END: server

/// Sends the verdict line. A refused client may be gone or not reading, so that
/// line is sent on a best-effort basis; the welcome must arrive.
fn announce<S: Write>(stream: &mut S, result: &Result<(), AuthError>) -> Result<(), AuthError> {
    if result.is_ok() {
        stream.write_all(WELCOME)?;
        stream.flush()?;
    } else {
        let _ = stream.write_all(REFUSED);
        let _ = stream.flush();
    }
    Ok(())
}

/// [`server_handshake`] on a TCP connection, with one deadline for the whole
/// exchange: the client has `limit` to send its whole answer.
///
/// A read timeout alone restarts with every byte: a client that trickles one
/// byte every 9 seconds would never hit a 10-second timeout and would hold the
/// connection (and a server thread) for 32 × 9 s. Here each read may wait only
/// for what is left of `limit` (`netlab_common::deadline`). The connection's
/// read timeout is restored afterwards.
pub fn server_handshake_within(
    conn: &TcpStream,
    secret: &Secret,
    limit: Duration,
    handshake: Handshake,
) -> Result<(), AuthError> {
    // The shared deadline restores the connection's read timeout when dropped.
    let mut stream = Deadline::after(conn, limit)?;
    server_handshake(&mut stream, secret, handshake)
}

// ANCHOR: client
/// The client's side: read the [`CHALLENGE_LEN`]-byte challenge and send the
/// HMAC answer. With [`Verdict::Silent`] (the course's) that is all: whether the
/// answer was right shows only when the service answers, or the connection turns
/// out closed. With [`Verdict::Announced`] the server's verdict line is read too.
pub fn client_handshake<S: Read + Write>(
    stream: &mut S,
    secret: &Secret,
    handshake: Handshake,
) -> Result<(), AuthError> {
    // Python: msg = conn.recv(32)
    let mut challenge = [0u8; CHALLENGE_LEN];
    if read_full(stream, &mut challenge)? < CHALLENGE_LEN {
        return Err(AuthError::ShortChallenge);
    }
    // Python: conn.sendall(hmac.new(secret_key, msg, digestmod).digest())
    stream.write_all(&handshake.digest.answer(secret, &challenge))?;
    stream.flush()?;
    match handshake.verdict {
        Verdict::Silent => Ok(()),
        Verdict::Announced => read_verdict(stream),
    }
}
// ANCHOR_END: client

/// Reads the status line and turns it into the result.
fn read_verdict<R: Read>(stream: &mut R) -> Result<(), AuthError> {
    let mut status = [0u8; STATUS_LEN];
    let got = read_full(stream, &mut status)?;
    verdict(status.get(..got).unwrap_or_default())
}

/// `welcome\n` is success, `refused\n` (or a server that just closed, as the
/// course's server does) is a refusal, anything else is unexpected.
pub(crate) fn verdict(status: &[u8]) -> Result<(), AuthError> {
    if status == WELCOME {
        Ok(())
    } else if status == REFUSED || status.is_empty() {
        Err(AuthError::Refused)
    } else {
        Err(AuthError::UnexpectedReply(status.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::thread;

    use crate::{Digest, HANDSHAKE_TIMEOUT, answer};

    const ANNOUNCED_MD5: Handshake = Handshake {
        digest: Digest::Md5,
        verdict: Verdict::Announced,
    };

    fn key(bytes: &[u8]) -> Secret {
        Secret::new(bytes.to_vec()).unwrap()
    }

    /// Runs the server handshake on one accepted connection in a thread and the
    /// given client function against it; returns both results.
    fn pair<T: Send + 'static>(
        server_secret: &[u8],
        handshake: Handshake,
        client: impl FnOnce(TcpStream) -> T + Send + 'static,
    ) -> (Result<(), AuthError>, T) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = thread::spawn(move || {
            let stream = TcpStream::connect(addr).unwrap();
            stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).unwrap();
            client(stream)
        });
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).unwrap();
        let server = server_handshake(&mut conn, &key(server_secret), handshake);
        drop(conn);
        (server, client.join().unwrap())
    }

    /// Everything the client receives until the server closes.
    fn rest(stream: &mut TcpStream) -> Vec<u8> {
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        rest
    }

    #[test]
    fn course_right_key_passes_and_nothing_follows_the_challenge() {
        let (server, (client, after)) = pair(b"alex-sb", Handshake::COURSE, |mut stream| {
            let client = client_handshake(&mut stream, &key(b"alex-sb"), Handshake::COURSE);
            (client, rest(&mut stream))
        });
        assert!(server.is_ok());
        assert!(client.is_ok());
        assert_eq!(after, b"", "the course's server sends no verdict");
    }

    #[test]
    fn course_wrong_key_is_refused_without_a_word() {
        let (server, (client, after)) = pair(b"alex-sb", Handshake::COURSE, |mut stream| {
            let client = client_handshake(&mut stream, &key(b"guess"), Handshake::COURSE);
            (client, rest(&mut stream))
        });
        assert!(matches!(server, Err(AuthError::Refused)));
        assert!(client.is_ok(), "a silent client cannot know yet");
        assert_eq!(after, b"");
    }

    #[test]
    fn announced_right_key_is_welcomed() {
        let (server, client) = pair(b"alex-sb", Handshake::WITH_VERDICT, |mut stream| {
            client_handshake(&mut stream, &key(b"alex-sb"), Handshake::WITH_VERDICT)
        });
        assert!(server.is_ok());
        assert!(client.is_ok());
    }

    #[test]
    fn announced_wrong_key_is_refused_on_both_sides() {
        let (server, client) = pair(b"alex-sb", Handshake::WITH_VERDICT, |mut stream| {
            client_handshake(&mut stream, &key(b"guess"), Handshake::WITH_VERDICT)
        });
        assert!(matches!(server, Err(AuthError::Refused)));
        assert!(matches!(client, Err(AuthError::Refused)));
    }

    #[test]
    fn md5_answers_are_16_bytes_and_work_both_ways() {
        let (server, client) = pair(b"k", ANNOUNCED_MD5, |mut stream| {
            client_handshake(&mut stream, &key(b"k"), ANNOUNCED_MD5)
        });
        assert!(server.is_ok());
        assert!(client.is_ok());
        // An MD5 server reads 16 bytes: the first half of a SHA-256 answer is wrong.
        let (server, client) = pair(b"k", ANNOUNCED_MD5, |mut stream| {
            client_handshake(&mut stream, &key(b"k"), Handshake::WITH_VERDICT)
        });
        assert!(matches!(server, Err(AuthError::Refused)));
        assert!(matches!(client, Err(AuthError::Refused)));
    }

    #[test]
    fn partial_answer_then_close_is_short() {
        let (server, reply) = pair(b"k", Handshake::WITH_VERDICT, |mut stream| {
            let mut challenge = [0u8; CHALLENGE_LEN];
            stream.read_exact(&mut challenge).unwrap();
            stream.write_all(&[0u8; 10]).unwrap();
            stream.shutdown(Shutdown::Write).unwrap();
            rest(&mut stream)
        });
        assert!(matches!(server, Err(AuthError::ShortAnswer)));
        assert_eq!(reply, REFUSED);
    }

    #[test]
    fn answer_for_another_challenge_is_refused() {
        // A replay: the right key, but the answer to an old challenge.
        let (server, _) = pair(b"k", Handshake::COURSE, |mut stream| {
            let mut challenge = [0u8; CHALLENGE_LEN];
            stream.read_exact(&mut challenge).unwrap();
            let old = answer(&key(b"k"), &[0u8; CHALLENGE_LEN]);
            stream.write_all(&old).unwrap();
            rest(&mut stream)
        });
        assert!(matches!(server, Err(AuthError::Refused)));
    }

    #[test]
    fn silent_client_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = TcpStream::connect(addr).unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        // A short timeout keeps the test fast; the real servers use HANDSHAKE_TIMEOUT.
        conn.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let result = server_handshake(&mut conn, &key(b"k"), Handshake::COURSE);
        assert!(matches!(result, Err(AuthError::Timeout)));
    }

    /// The right answer, sent one byte at a time with pauses far shorter than
    /// the limit: a per-read timeout would never fire, the deadline does.
    #[test]
    fn a_trickling_client_hits_the_deadline() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = thread::spawn(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).unwrap();
            let mut challenge = [0u8; CHALLENGE_LEN];
            stream.read_exact(&mut challenge).unwrap();
            let right = answer(&key(b"k"), &challenge);
            for byte in right {
                // Slow on purpose (this is the behaviour under test, not a way
                // to wait for something): 32 × 50 ms is far beyond the limit.
                thread::sleep(Duration::from_millis(50));
                if stream.write_all(&[byte]).is_err() {
                    break;
                }
            }
            rest(&mut stream)
        });
        let (conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).unwrap();
        let limit = Duration::from_millis(300);
        let result = server_handshake_within(&conn, &key(b"k"), limit, Handshake::WITH_VERDICT);
        assert!(matches!(result, Err(AuthError::Timeout)), "{result:?}");
        assert_eq!(
            conn.read_timeout().unwrap(),
            Some(HANDSHAKE_TIMEOUT),
            "restored"
        );
        drop(conn);
        assert!(client.join().unwrap().ends_with(REFUSED));
    }

    #[test]
    fn within_the_deadline_the_right_key_passes() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = thread::spawn(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).unwrap();
            client_handshake(&mut stream, &key(b"k"), Handshake::COURSE)
        });
        let (conn, _) = listener.accept().unwrap();
        let result =
            server_handshake_within(&conn, &key(b"k"), HANDSHAKE_TIMEOUT, Handshake::COURSE);
        assert!(result.is_ok());
        assert!(client.join().unwrap().is_ok());
    }

    #[test]
    fn client_of_a_non_auth_server_gets_short_challenge() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.write_all(b"hi").unwrap();
        });
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).unwrap();
        let result = client_handshake(&mut stream, &key(b"k"), Handshake::COURSE);
        server.join().unwrap();
        assert!(matches!(result, Err(AuthError::ShortChallenge)));
    }

    #[test]
    fn verdicts() {
        assert!(verdict(b"welcome\n").is_ok());
        assert!(matches!(verdict(b"refused\n"), Err(AuthError::Refused)));
        assert!(matches!(verdict(b""), Err(AuthError::Refused)));
        assert!(matches!(
            verdict(b"HTTP/1.1"),
            Err(AuthError::UnexpectedReply(_))
        ));
    }
}
