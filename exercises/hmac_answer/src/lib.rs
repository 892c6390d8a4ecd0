//! Exercise: compute and verify the HMAC answer. Read README.md first.

use std::io::{self, Read, Write};

#[allow(unused_imports)]
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The challenge and the answer are both 32 bytes.
pub const CHALLENGE_LEN: usize = 32;
pub const DIGEST_LEN: usize = 32;

/// The client's answer: HMAC-SHA256(key, challenge).
pub fn answer(key: &[u8], challenge: &[u8]) -> [u8; DIGEST_LEN] {
    // TODO: this is SHA-256(key + challenge), not an HMAC: Python's
    // hmac.new(key, challenge, 'sha256').digest() gives other bytes.
    let mut hasher = Sha256::new();
    hasher.update(key);
    hasher.update(challenge);
    hasher.finalize().into()
}

/// Whether `answer` is the right answer to `challenge`, in constant time.
pub fn verify(key: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    // TODO: `starts_with` accepts a short (even empty) answer, and a byte-by-byte
    // comparison leaks timing. Use the Mac's verify_slice.
    self::answer(key, challenge).starts_with(answer)
}

/// Answers the server's challenge on `conn` (a `TcpStream`, or anything that
/// reads and writes); true if the server said welcome.
pub fn client_handshake<S: Read + Write>(conn: &mut S, key: &[u8]) -> io::Result<bool> {
    // TODO: one read may return fewer than 32 bytes.
    let mut challenge = [0u8; CHALLENGE_LEN];
    let n = conn.read(&mut challenge)?;
    conn.write_all(&answer(key, &challenge[..n]))?;
    let mut verdict = [0u8; 8];
    conn.read_exact(&mut verdict)?;
    Ok(&verdict == b"welcome\n")
}
