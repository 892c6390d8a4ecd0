//! Buggy submission: one `read` for the 32-byte challenge (Python: one `conn.recv(32)`).
//!
//! A stream may deliver the challenge in pieces: one read can return 10 of its 32
//! bytes, and the answer is then computed over the wrong bytes.
//!
//! Caught by: handshake_with_the_right_key_is_welcomed

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
    // Python: hmac.new(key, challenge, 'sha256').digest()
    mac(key, challenge).finalize().into_bytes().into()
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
    let _ = conn.read(&mut challenge)?; // Python: conn.recv(32), once
    conn.write_all(&answer(key, &challenge))?;
    let mut verdict = [0u8; 8];
    conn.read_exact(&mut verdict)?;
    Ok(&verdict == b"welcome\n")
}
