//! # auth — 七.验证客户端链接的合法性 (authenticating the client), chapter 7
//!
//! Anybody who can reach a server's port can connect to it. Without a login
//! system, the tutorial lets client and server share a secret key and proves that
//! the client knows it without ever sending it:
//!
//! ```text
//! server                                   client
//!   | ---- 32 random bytes (challenge) ---->  |
//!   | <--- HMAC-SHA256(key, challenge) -----  |   32 bytes
//!   | ---- "welcome\n" or "refused\n" ----->  |
//! ```
//!
//! HMAC (hash-based message authentication code) mixes the key into a hash of the
//! challenge; only someone with the key can compute it, and the key itself never
//! crosses the wire. Because every connection gets a fresh random challenge, an
//! answer recorded from one connection is useless on the next (no replay).
//!
//! The wire format is the Python tutorial's, with SHA-256:
//! `hmac.new(key, challenge, 'sha256').digest()`; the server compares in
//! constant time (`hmac.compare_digest` in Python, `verify_slice` here).
//! Our server adds one status line so that a client learns the verdict.
//!
//! Two terminals:
//!
//! ```text
//! $ echo 'alex-sb' > key
//! $ auth server --secret-file key            # terminal 1
//! $ auth client --secret-file key            # terminal 2, then type lines
//! ```
//!
//! - [`answer`], [`verify`]: the HMAC itself.
//! - [`server_handshake`], [`client_handshake`]: the blocking protocol;
//!   [`server_handshake_within`] puts one deadline on a TCP client's whole answer.
//! - [`asynchronous`]: the same for tokio (the chat server of chapter 8 uses it).
//! - [`Secret`]: the key, loaded from a file or an environment variable.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub mod asynchronous;
pub mod cli;
mod demo;
mod handshake;
mod secret;

pub use demo::demo;
pub use handshake::{client_handshake, server_handshake, server_handshake_within};
pub use secret::{MAX_SECRET_FILE_LEN, SECRET_ENV, Secret};

// ANCHOR: constants
/// The challenge: 32 random bytes from the operating system, like Python's
/// `os.urandom(32)`. Long enough that the same challenge never comes twice.
pub const CHALLENGE_LEN: usize = 32;

/// The answer: an HMAC-SHA256 digest is 32 bytes.
pub const DIGEST_LEN: usize = 32;

/// How long either side waits for the other during the handshake. A client that
/// connects and sends nothing must not hold a server's connection forever.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
// ANCHOR_END: constants

/// The line the server sends after a correct answer.
pub const WELCOME: &[u8] = b"welcome\n";
/// The line the server sends after a wrong answer, before it closes.
pub const REFUSED: &[u8] = b"refused\n";
/// Both status lines have the same length, so the client reads exactly this many.
pub const STATUS_LEN: usize = 8;

/// Why a handshake (or loading a secret) failed.
#[derive(Debug)]
pub enum AuthError {
    /// The answer was wrong (server side), or the server said `refused` (client side).
    Refused,
    /// The client closed the connection before sending a whole answer.
    ShortAnswer,
    /// The server closed the connection before sending a whole challenge.
    ShortChallenge,
    /// The server replied something other than `welcome` or `refused`.
    UnexpectedReply(Vec<u8>),
    /// The peer did not finish its part in time ([`HANDSHAKE_TIMEOUT`] by default).
    Timeout,
    /// An empty secret was given.
    EmptySecret,
    /// The secret file could not be read.
    SecretFile { path: PathBuf, error: io::Error },
    /// The environment variable holding the secret is not set (or not UTF-8).
    MissingEnv(String),
    /// The operating system reported an error.
    Io(io::Error),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Refused => write!(f, "authentication refused: wrong answer (wrong key?)"),
            AuthError::ShortAnswer => write!(
                f,
                "the client closed the connection before sending a whole {DIGEST_LEN}-byte answer"
            ),
            AuthError::ShortChallenge => write!(
                f,
                "the server closed the connection before sending a whole \
                 {CHALLENGE_LEN}-byte challenge (is it an auth server?)"
            ),
            AuthError::UnexpectedReply(reply) => write!(
                f,
                "the server answered {} instead of welcome or refused",
                netlab_common::bytes::python_repr(reply)
            ),
            AuthError::Timeout => write!(
                f,
                "the peer did not complete the handshake in time (silent, or too slow)"
            ),
            AuthError::EmptySecret => write!(f, "the secret is empty"),
            AuthError::SecretFile { path, error } => {
                write!(f, "cannot read the secret file {}: {error}", path.display())
            }
            AuthError::MissingEnv(var) => write!(
                f,
                "no secret: the environment variable {var} is not set (or not UTF-8)"
            ),
            AuthError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AuthError::Io(error) | AuthError::SecretFile { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for AuthError {
    /// A read timeout becomes [`AuthError::Timeout`]; everything else stays I/O.
    fn from(error: io::Error) -> AuthError {
        match error.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => AuthError::Timeout,
            _ => AuthError::Io(error),
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &Secret, challenge: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here; the
    // fallback is never taken but keeps this function free of `expect`.
    let mut mac = HmacSha256::new_from_slice(secret.key())
        .unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()));
    mac.update(challenge);
    mac
}

// ANCHOR: answer
/// The client's answer to `challenge`: HMAC-SHA256 keyed with the secret.
///
/// Python: `hmac.new(secret_key, challenge, 'sha256').digest()`
///
/// ```
/// use auth::{answer, verify, Secret};
/// let secret = Secret::new(b"alex-sb".to_vec()).unwrap();
/// let challenge = [7u8; 32];
/// let digest = answer(&secret, &challenge);
/// assert!(verify(&secret, &challenge, &digest));
/// assert!(!verify(&secret, &[8u8; 32], &digest));
/// ```
pub fn answer(secret: &Secret, challenge: &[u8]) -> [u8; DIGEST_LEN] {
    mac(secret, challenge).finalize().into_bytes().into()
}

/// Whether `answer` is the right answer to `challenge`, compared in constant time.
///
/// A plain `==` stops at the first differing byte, so how long it takes tells
/// an attacker how many leading bytes were right; `verify_slice` always looks at
/// every byte (Python: `hmac.compare_digest`).
pub fn verify(secret: &Secret, challenge: &[u8], answer: &[u8]) -> bool {
    mac(secret, challenge).verify_slice(answer).is_ok()
}
// ANCHOR_END: answer

/// A fresh challenge: [`CHALLENGE_LEN`] bytes from the operating system's random
/// number generator (Python: `os.urandom(32)`). Never from a seeded, predictable
/// generator: a guessable challenge lets an attacker replay an old answer.
pub fn new_challenge() -> Result<[u8; CHALLENGE_LEN], AuthError> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    getrandom::fill(&mut challenge)
        .map_err(|error| AuthError::Io(io::Error::other(error.to_string())))?;
    Ok(challenge)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed with Python:
    /// `hmac.new(b'alex-sb', bytes(range(32)), 'sha256').hexdigest()`
    #[test]
    fn answer_matches_python_hmac() {
        let secret = Secret::new(b"alex-sb".to_vec()).unwrap();
        let challenge: Vec<u8> = (0..32).collect();
        let hex: String = answer(&secret, &challenge)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, PYTHON_DIGEST);
    }

    const PYTHON_DIGEST: &str = "061c16dbd91393218781e01635e5971e52c3ba61d7bd4c18b587fb156dc125ea";

    #[test]
    fn verify_refuses_a_short_or_altered_answer() {
        let secret = Secret::new(b"k".to_vec()).unwrap();
        let challenge = [1u8; CHALLENGE_LEN];
        let mut good = answer(&secret, &challenge);
        assert!(verify(&secret, &challenge, &good));
        assert!(!verify(&secret, &challenge, &good[..31]));
        assert!(!verify(&secret, &challenge, b""));
        good[31] ^= 1;
        assert!(!verify(&secret, &challenge, &good));
    }

    #[test]
    fn another_key_gives_another_answer() {
        let challenge = [9u8; CHALLENGE_LEN];
        let a = answer(&Secret::new(b"a".to_vec()).unwrap(), &challenge);
        let b = answer(&Secret::new(b"b".to_vec()).unwrap(), &challenge);
        assert_ne!(a, b);
    }

    #[test]
    fn challenges_are_fresh() {
        assert_ne!(new_challenge().unwrap(), new_challenge().unwrap());
    }
}
