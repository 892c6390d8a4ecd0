//! Buggy submission: SHA-256 of key + challenge instead of an HMAC.
//!
//! `sha256(key + challenge)` is not what Python's `hmac.new(key, challenge,
//! 'sha256')` computes (HMAC hashes twice, with padded keys), and it is open to
//! length extension: the server and the client would never agree.
//!
//! Caught by: answer_matches_python_hmac, answer_with_a_long_key_matches_python

use std::io::{self, Read, Write};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The challenge and the answer are both 32 bytes.
pub const CHALLENGE_LEN: usize = 32;
pub const DIGEST_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], challenge: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any size");
    mac.update(challenge);
    mac
}

/// The client's answer: HMAC-SHA256(key, challenge).
pub fn answer(key: &[u8], challenge: &[u8]) -> [u8; DIGEST_LEN] {
    use sha2::Digest;
    let mut hasher = Sha256::new();
    hasher.update(key);
    hasher.update(challenge);
    hasher.finalize().into()
}

/// Whether `answer` is the right answer to `challenge`, in constant time.
pub fn verify(key: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    // Python: hmac.compare_digest(answer, expected)
    mac(key, challenge).verify_slice(answer).is_ok()
}

/// Answers the server's challenge on `conn` (a `TcpStream`, or anything that
/// reads and writes); true if the server said welcome.
pub fn client_handshake<S: Read + Write>(conn: &mut S, key: &[u8]) -> io::Result<bool> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    conn.read_exact(&mut challenge)?; // Python: conn.recv(32), until 32 arrived
    conn.write_all(&answer(key, &challenge))?;
    let mut verdict = [0u8; 8];
    conn.read_exact(&mut verdict)?;
    Ok(&verdict == b"welcome\n")
}
