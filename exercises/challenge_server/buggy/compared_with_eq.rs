//! Buggy submission: the answer compared with `==`.
//!
//! `==` stops at the first wrong byte, so a wrong answer with a right first byte is
//! refused a little later: measured over many tries, the timing gives the answer away
//! byte by byte. No test can time it; the test reads `verify`.
//!
//! Caught by: verify_compares_in_constant_time

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The challenge and the answer are both 32 bytes.
pub const CHALLENGE_LEN: usize = 32;
pub const ANSWER_LEN: usize = 32;

/// The verdicts the server sends.
pub const WELCOME: &[u8] = b"welcome\n";
pub const REFUSED: &[u8] = b"refused\n";

type HmacSha256 = Hmac<Sha256>;

/// A fresh challenge: 32 random bytes from the operating system (Python:
/// `os.urandom(32)`). Never the same twice, so a recorded answer is worth nothing.
pub fn new_challenge() -> io::Result<[u8; CHALLENGE_LEN]> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    getrandom::fill(&mut challenge).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(challenge)
}

/// Whether `answer` is HMAC-SHA256(key, challenge), compared in constant time.
pub fn verify(key: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return false;
    };
    mac.update(challenge);
    mac.finalize().into_bytes().as_slice() == answer
}

/// Reads exactly `ANSWER_LEN` bytes, all of them before `deadline`.
fn read_answer(conn: &mut TcpStream, deadline: Instant) -> io::Result<[u8; ANSWER_LEN]> {
    let mut answer = [0u8; ANSWER_LEN];
    let mut filled = 0;
    while filled < ANSWER_LEN {
        // What is left of one deadline: a client that trickles its answer a byte
        // at a time must not restart the clock at each byte.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        conn.set_read_timeout(Some(left))?;
        match conn.read(&mut answer[filled..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(answer)
}

/// The server's side of the handshake: sends a fresh challenge, reads the answer
/// within `limit`, verifies it, says `welcome` or `refused`. True when the client
/// is in. A client that does not answer in time is refused.
pub fn authenticate(conn: &mut TcpStream, key: &[u8], limit: Duration) -> io::Result<bool> {
    let deadline = Instant::now() + limit;
    let challenge = new_challenge()?;
    conn.write_all(&challenge)?; // Python: conn.sendall(os.urandom(32))
    let accepted = match read_answer(conn, deadline) {
        Ok(answer) => verify(key, &challenge, &answer),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            false
        }
        Err(e) => return Err(e),
    };
    conn.write_all(if accepted { WELCOME } else { REFUSED })?;
    Ok(accepted)
}
