//! Buggy submission: the digests are compared with `==`.
//!
//! `==` stops at the first byte that differs: an answer with a right first byte is
//! refused a little later than one without. Measured over many tries, that tells an
//! attacker the answer byte by byte. No test can time it from outside; the test reads
//! the source of `verify`.
//!
//! Caught by: verify_compares_in_constant_time

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
    answer == self::answer(key, challenge).as_slice()
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
