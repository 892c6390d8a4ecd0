//! The handshake over a blocking stream (a `std::net::TcpStream`, or anything
//! `Read + Write`).
//!
//! A blocking read waits forever unless the stream has a read timeout: set one
//! before the handshake (`stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))`), and
//! a timed-out read comes back as [`AuthError::Timeout`].

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use netlab_common::stream::read_full;

use crate::{
    AuthError, CHALLENGE_LEN, DIGEST_LEN, REFUSED, STATUS_LEN, Secret, WELCOME, answer,
    new_challenge, verify,
};

// ANCHOR: server
/// The server's side: send a fresh challenge, read exactly [`DIGEST_LEN`] bytes,
/// verify them, and send `welcome\n` (then return `Ok`) or `refused\n` (then
/// return [`AuthError::Refused`]; the caller closes the connection).
pub fn server_handshake<S: Read + Write>(stream: &mut S, secret: &Secret) -> Result<(), AuthError> {
    // Python: msg = os.urandom(32); conn.sendall(msg)
    let challenge = new_challenge()?;
    stream.write_all(&challenge)?;
    stream.flush()?;
    // Python: response = conn.recv(len(digest))
    // recv(32) may return fewer bytes even from an honest client, so we read
    // until we have all 32 (or the client gave up).
    let mut response = [0u8; DIGEST_LEN];
    let got = match read_full(stream, &mut response) {
        Ok(got) => got,
        Err(error) => {
            // Tell a slow client why it is dropped; it may not be listening.
            let _ = stream.write_all(REFUSED);
            return Err(error.into());
        }
    };
    if got < DIGEST_LEN {
        let _ = stream.write_all(REFUSED);
        return Err(AuthError::ShortAnswer);
    }
    // Python: hmac.compare_digest(response, digest)
    if verify(secret, &challenge, &response) {
        stream.write_all(WELCOME)?;
        stream.flush()?;
        Ok(())
    } else {
        stream.write_all(REFUSED)?;
        stream.flush()?;
        Err(AuthError::Refused)
    }
}
// ANCHOR_END: server

/// [`server_handshake`] on a TCP connection, with one deadline for the whole
/// exchange: the client has `limit` to send its whole answer.
///
/// A read timeout alone restarts with every byte: a client that trickles one
/// byte every 9 seconds would never hit a 10-second timeout and would hold the
/// connection (and a server thread) for 32 × 9 s. Here each read may wait only
/// for what is left of `limit`. The connection's read timeout is restored
/// afterwards.
pub fn server_handshake_within(
    conn: &TcpStream,
    secret: &Secret,
    limit: Duration,
) -> Result<(), AuthError> {
    let before = conn.read_timeout()?;
    let mut stream = Deadline {
        conn,
        until: Instant::now() + limit,
    };
    let result = server_handshake(&mut stream, secret);
    conn.set_read_timeout(before)?;
    result
}

/// A connection whose reads share one deadline (writes are left alone: the
/// handshake writes 32 and 8 bytes, which a fresh socket's buffer always takes).
struct Deadline<'a> {
    conn: &'a TcpStream,
    until: Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.conn.set_read_timeout(Some(left))?;
        let mut conn = self.conn;
        conn.read(buf)
    }
}

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut conn = self.conn;
        conn.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut conn = self.conn;
        conn.flush()
    }
}

// ANCHOR: client
/// The client's side: read the [`CHALLENGE_LEN`]-byte challenge, send the HMAC
/// answer, and read the server's verdict.
pub fn client_handshake<S: Read + Write>(stream: &mut S, secret: &Secret) -> Result<(), AuthError> {
    // Python: msg = conn.recv(32)
    let mut challenge = [0u8; CHALLENGE_LEN];
    if read_full(stream, &mut challenge)? < CHALLENGE_LEN {
        return Err(AuthError::ShortChallenge);
    }
    // Python: conn.sendall(hmac.new(secret_key, msg, 'sha256').digest())
    stream.write_all(&answer(secret, &challenge))?;
    stream.flush()?;
    read_verdict(stream)
}
// ANCHOR_END: client

/// Reads the status line and turns it into the result.
fn read_verdict<R: Read>(stream: &mut R) -> Result<(), AuthError> {
    let mut status = [0u8; STATUS_LEN];
    let got = read_full(stream, &mut status)?;
    verdict(status.get(..got).unwrap_or_default())
}

/// `welcome\n` is success, `refused\n` (or a server that just closed, as the
/// tutorial's Python server does) is a refusal, anything else is unexpected.
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
    use std::net::{TcpListener, TcpStream};
    use std::thread;

    use crate::HANDSHAKE_TIMEOUT;

    /// Runs the server handshake on one accepted connection in a thread and the
    /// given client function against it; returns both results.
    fn pair<T: Send + 'static>(
        server_secret: &[u8],
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
        let secret = Secret::new(server_secret.to_vec()).unwrap();
        let server = server_handshake(&mut conn, &secret);
        drop(conn);
        (server, client.join().unwrap())
    }

    #[test]
    fn right_key_is_welcomed() {
        let (server, client) = pair(b"alex-sb", |mut stream| {
            client_handshake(&mut stream, &Secret::new(b"alex-sb".to_vec()).unwrap())
        });
        assert!(server.is_ok());
        assert!(client.is_ok());
    }

    #[test]
    fn wrong_key_is_refused_on_both_sides() {
        let (server, client) = pair(b"alex-sb", |mut stream| {
            client_handshake(&mut stream, &Secret::new(b"guess".to_vec()).unwrap())
        });
        assert!(matches!(server, Err(AuthError::Refused)));
        assert!(matches!(client, Err(AuthError::Refused)));
    }

    #[test]
    fn partial_answer_then_close_is_short() {
        let (server, reply) = pair(b"k", |mut stream| {
            let mut challenge = [0u8; CHALLENGE_LEN];
            stream.read_exact(&mut challenge).unwrap();
            stream.write_all(&[0u8; 10]).unwrap();
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            let mut reply = Vec::new();
            let _ = stream.read_to_end(&mut reply);
            reply
        });
        assert!(matches!(server, Err(AuthError::ShortAnswer)));
        assert_eq!(reply, REFUSED);
    }

    #[test]
    fn answer_for_another_challenge_is_refused() {
        // A replay: the right key, but the answer to an old challenge.
        let (server, _) = pair(b"k", |mut stream| {
            let mut challenge = [0u8; CHALLENGE_LEN];
            stream.read_exact(&mut challenge).unwrap();
            let old = answer(&Secret::new(b"k".to_vec()).unwrap(), &[0u8; CHALLENGE_LEN]);
            stream.write_all(&old).unwrap();
            read_verdict(&mut stream)
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
        conn.set_read_timeout(Some(std::time::Duration::from_millis(100)))
            .unwrap();
        let result = server_handshake(&mut conn, &Secret::new(b"k".to_vec()).unwrap());
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
            let right = answer(&Secret::new(b"k".to_vec()).unwrap(), &challenge);
            for byte in right {
                // Slow on purpose (this is the behaviour under test, not a way
                // to wait for something): 32 × 50 ms is far beyond the limit.
                thread::sleep(std::time::Duration::from_millis(50));
                if stream.write_all(&[byte]).is_err() {
                    break;
                }
            }
            let mut verdict = Vec::new();
            let _ = stream.read_to_end(&mut verdict);
            verdict
        });
        let (conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).unwrap();
        let limit = std::time::Duration::from_millis(300);
        let result = server_handshake_within(&conn, &Secret::new(b"k".to_vec()).unwrap(), limit);
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
    fn within_the_deadline_the_right_key_is_welcomed() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = thread::spawn(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).unwrap();
            client_handshake(&mut stream, &Secret::new(b"k".to_vec()).unwrap())
        });
        let (conn, _) = listener.accept().unwrap();
        let secret = Secret::new(b"k".to_vec()).unwrap();
        assert!(server_handshake_within(&conn, &secret, HANDSHAKE_TIMEOUT).is_ok());
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
        let result = client_handshake(&mut stream, &Secret::new(b"k".to_vec()).unwrap());
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
