//! # auth — 七.验证客户端链接的合法性 (authenticating the client), chapter 7
//!
//! Anybody who can reach a server's port can connect to it. Without a login
//! system, the tutorial lets client and server share a secret key and proves that
//! the client knows it without ever sending it. These are the course's bytes,
//! and the default of `auth server` and `auth client`:
//!
//! ```text
//! server                                   client
//!   | ---- 32 random bytes (challenge) ---->  |   os.urandom(32)
//!   | <--- HMAC(key, challenge) ------------  |   32 bytes (SHA-256) or 16 (MD5)
//!   | <--- b'hello' ------------------------  |   then the course's data_handler:
//!   | ---- b'HELLO' ----------------------->  |   every recv(1024) comes back upper-cased
//! ```
//!
//! A wrong answer gets no word at all: the server closes the connection, and the
//! client finds out when its first line meets the closed connection.
//!
//! HMAC (hash-based message authentication code) mixes the key into a hash of the
//! challenge; only someone with the key can compute it, and the key itself never
//! crosses the wire. Because every connection gets a fresh random challenge, an
//! answer recorded from one connection is useless on the next (no replay). The
//! server compares in constant time (`hmac.compare_digest` in Python,
//! `verify_slice` here).
//!
//! The hash is named ([`Digest`]): SHA-256 by default, `hmac.new(key, msg, 'sha256')`,
//! what modern Python needs; MD5 is what the course's `hmac.new(key, msg)` meant
//! before Python 3.8. [`Verdict::Announced`] (`--verdict`, and the framed
//! protocols of chapters 5 and 8) adds one line after the answer, `welcome\n` or
//! `refused\n`: the course's programs send none, and its client would find that
//! line glued to its first reply (chapter 5's sticky packets).
//!
//! The listings `examples/auth_server.rs` and `examples/auth_client.rs` are the
//! course's two programs line by line; this library and the `auth` binary are the
//! lab: they add a deadline for the answer, limits, explained errors and those
//! two choices. Two terminals:
//!
//! ```text
//! $ echo 'alex-sb' > key
//! $ cargo run -q -p auth -- server --secret-file key     # terminal 1
//! $ cargo run -q -p auth -- client --secret-file key     # terminal 2, then type lines
//! ```
//!
//! - [`answer`], [`verify`], [`Digest`]: the HMAC itself.
//! - [`Handshake`]: the digest and the [`Verdict`] policy, [`Handshake::COURSE`] or
//!   [`Handshake::WITH_VERDICT`].
//! - [`server_handshake`], [`client_handshake`]: the blocking protocol;
//!   [`server_handshake_within`] puts one deadline on a TCP client's whole answer.
//! - [`asynchronous`]: the same for tokio (the chat server of chapter 8 uses it).
//! - [`Secret`]: the key, loaded from a file or an environment variable
//!   ([`SecretError`] says why not).
//! - [`cli`]: the `auth server` and `auth client` programs, and the options that
//!   load a secret.
//! - [`gated`]: chapter 5's command server and file transfer behind this
//!   handshake (`auth cmd-server`, `cmd-client`, `receive`, `send`), through
//!   chapter 5's [`Gate`](framing::Gate).
//! - `failure.rs`: how the binaries report this library's errors.

use std::fmt;
use std::io;
use std::time::Duration;

use hmac::Mac;

pub mod asynchronous;
pub mod cli;
mod demo;
mod failure;
pub mod gated;
mod handshake;
mod secret;

pub use demo::demo;
pub use handshake::{client_handshake, server_handshake, server_handshake_within};
pub use secret::{MAX_SECRET_FILE_LEN, SECRET_ENV, Secret, SecretError};

// ANCHOR: constants
/// The challenge: 32 random bytes from the operating system, like Python's
/// `os.urandom(32)`. Long enough that the same challenge never comes twice.
pub const CHALLENGE_LEN: usize = 32;

/// The longest answer: an HMAC-SHA256 digest is 32 bytes (HMAC-MD5 is 16; see
/// [`Digest::answer_len`]).
pub const DIGEST_LEN: usize = 32;

/// How long either side waits for the other during the handshake. A client that
/// connects and sends nothing must not hold a server's connection forever.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
// ANCHOR_END: constants

/// The line the server sends after a correct answer, with [`Verdict::Announced`].
pub const WELCOME: &[u8] = b"welcome\n";
/// The line the server sends after a wrong answer, before it closes, with
/// [`Verdict::Announced`].
pub const REFUSED: &[u8] = b"refused\n";
/// Both status lines have the same length, so the client reads exactly this many.
pub const STATUS_LEN: usize = 8;

/// The hash inside the HMAC: Python's `digestmod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Digest {
    /// HMAC-SHA256, a 32-byte answer: `hmac.new(key, msg, 'sha256')`. Python 3.8
    /// and later require a digest to be named; this is the one to name.
    #[default]
    Sha256,
    /// HMAC-MD5, a 16-byte answer: what the course's `hmac.new(key, msg)` meant
    /// before Python 3.8. MD5 is broken as a hash, but HMAC-MD5 is not yet
    /// forgeable in practice; new designs still use SHA-256.
    Md5,
}

/// Whether the server tells the client how its answer went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verdict {
    /// The course's programs: not a word. A right answer is followed by the
    /// service, a wrong one by a closed connection.
    #[default]
    Silent,
    /// One line after the answer, [`WELCOME`] or [`REFUSED`], so that the client
    /// knows where it stands before it sends anything. Only for clients that
    /// expect it: a client that does not would read the line as the start of the
    /// service's first reply.
    Announced,
}

/// How a handshake goes: which digest answers the challenge, and whether the
/// server announces its verdict. Both sides must agree on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Handshake {
    /// The hash inside the HMAC.
    pub digest: Digest,
    /// Whether the server sends `welcome\n` / `refused\n` after the answer.
    pub verdict: Verdict,
}

impl Handshake {
    /// The course's bytes, with modern Python's digest: 32 random bytes, a
    /// 32-byte HMAC-SHA256 answer, nothing else. What `auth server` and
    /// `auth client` speak by default, and the tutorial's Python programs too.
    pub const COURSE: Handshake = Handshake {
        digest: Digest::Sha256,
        verdict: Verdict::Silent,
    };

    /// The course's challenge and answer, then `welcome\n` or `refused\n`: for
    /// netlab's own framed protocols (`framing`, `chat`), whose clients must
    /// know the verdict before their first frame.
    pub const WITH_VERDICT: Handshake = Handshake {
        digest: Digest::Sha256,
        verdict: Verdict::Announced,
    };
}

/// Why a handshake failed.
#[derive(Debug)]
pub enum AuthError {
    /// The answer was wrong (server side), or the server said `refused` (client
    /// side, with [`Verdict::Announced`]).
    Refused,
    /// The client closed the connection before sending a whole answer.
    ShortAnswer,
    /// The server closed the connection before sending a whole challenge.
    ShortChallenge,
    /// The server replied something other than `welcome` or `refused` (client
    /// side, with [`Verdict::Announced`]).
    UnexpectedReply(Vec<u8>),
    /// The peer did not finish its part in time ([`HANDSHAKE_TIMEOUT`] by default).
    Timeout,
    /// The operating system reported an error.
    Io(io::Error),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Refused => write!(f, "authentication refused: wrong answer (wrong key?)"),
            AuthError::ShortAnswer => write!(
                f,
                "the client closed the connection before sending a whole answer"
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
            AuthError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AuthError::Io(error) => Some(error),
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

/// `mac` (an HMAC the [`Secret`] keyed when it was made) fed with `challenge`,
/// ready to finalize or verify.
fn keyed<M: Mac>(mut mac: M, challenge: &[u8]) -> M {
    // Python: h.update(msg)
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
    keyed(secret.hmac_sha256(), challenge)
        .finalize()
        .into_bytes()
        .into()
}

/// Whether `answer` is the right HMAC-SHA256 answer to `challenge`, compared in
/// constant time.
///
/// A plain `==` stops at the first differing byte, so how long it takes tells
/// an attacker how many leading bytes were right; `verify_slice` always looks at
/// every byte (Python: `hmac.compare_digest`).
pub fn verify(secret: &Secret, challenge: &[u8], answer: &[u8]) -> bool {
    Digest::Sha256.verify(secret, challenge, answer)
}
// ANCHOR_END: answer

impl Digest {
    /// How many bytes the answer has: 32 for SHA-256, 16 for MD5 (Python:
    /// `len(digest)`, which the course's server passes to `recv`).
    pub const fn answer_len(self) -> usize {
        match self {
            Digest::Sha256 => 32,
            Digest::Md5 => 16,
        }
    }

    /// The name Python's `hmac.new` takes as `digestmod`.
    pub const fn python_name(self) -> &'static str {
        match self {
            Digest::Sha256 => "sha256",
            Digest::Md5 => "md5",
        }
    }

    /// The answer to `challenge` with this digest.
    ///
    /// ```
    /// use auth::{Digest, Secret};
    /// let secret = Secret::new(b"alex-sb".to_vec()).unwrap();
    /// let md5 = Digest::Md5.answer(&secret, &[7u8; 32]);
    /// assert_eq!(md5.len(), 16);
    /// assert!(Digest::Md5.verify(&secret, &[7u8; 32], &md5));
    /// assert!(!Digest::Sha256.verify(&secret, &[7u8; 32], &md5));
    /// ```
    pub fn answer(self, secret: &Secret, challenge: &[u8]) -> Vec<u8> {
        match self {
            Digest::Sha256 => answer(secret, challenge).to_vec(),
            Digest::Md5 => keyed(secret.hmac_md5(), challenge)
                .finalize()
                .into_bytes()
                .to_vec(),
        }
    }

    /// Whether `answer` is the right answer to `challenge` with this digest,
    /// compared in constant time (`verify_slice`; Python: `hmac.compare_digest`).
    /// An answer of the wrong length is wrong.
    pub fn verify(self, secret: &Secret, challenge: &[u8], answer: &[u8]) -> bool {
        match self {
            Digest::Sha256 => keyed(secret.hmac_sha256(), challenge)
                .verify_slice(answer)
                .is_ok(),
            Digest::Md5 => keyed(secret.hmac_md5(), challenge)
                .verify_slice(answer)
                .is_ok(),
        }
    }
}

/// A fresh challenge: [`CHALLENGE_LEN`] bytes from the operating system's random
/// number generator (Python: `os.urandom(32)`). Never from a seeded, predictable
/// generator: a guessable challenge lets an attacker replay an old answer.
pub fn new_challenge() -> Result<[u8; CHALLENGE_LEN], AuthError> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    getrandom::fill(&mut challenge).map_err(|error| AuthError::Io(error.into()))?;
    Ok(challenge)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Computed with Python:
    /// `hmac.new(b'alex-sb', bytes(range(32)), 'sha256').hexdigest()`
    #[test]
    fn answer_matches_python_hmac() {
        let secret = Secret::new(b"alex-sb".to_vec()).unwrap();
        let challenge: Vec<u8> = (0..32).collect();
        assert_eq!(hex(&answer(&secret, &challenge)), PYTHON_DIGEST);
        assert_eq!(
            hex(&Digest::Sha256.answer(&secret, &challenge)),
            PYTHON_DIGEST
        );
    }

    const PYTHON_DIGEST: &str = "061c16dbd91393218781e01635e5971e52c3ba61d7bd4c18b587fb156dc125ea";

    /// Computed with Python:
    /// `hmac.new(b'alex-sb', bytes(range(32)), 'md5').hexdigest()`
    #[test]
    fn md5_answer_matches_python_hmac() {
        let secret = Secret::new(b"alex-sb".to_vec()).unwrap();
        let challenge: Vec<u8> = (0..32).collect();
        assert_eq!(hex(&Digest::Md5.answer(&secret, &challenge)), PYTHON_MD5);
    }

    const PYTHON_MD5: &str = "5aac586416058d53641e855f6cfd4f59";

    #[test]
    fn answer_lengths_are_the_digests() {
        let secret = Secret::new(b"k".to_vec()).unwrap();
        for digest in [Digest::Sha256, Digest::Md5] {
            assert_eq!(
                digest.answer(&secret, b"x").len(),
                digest.answer_len(),
                "{digest:?}"
            );
        }
    }

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
    fn an_md5_answer_is_not_a_sha256_answer_and_vice_versa() {
        let secret = Secret::new(b"k".to_vec()).unwrap();
        let challenge = [1u8; CHALLENGE_LEN];
        let md5 = Digest::Md5.answer(&secret, &challenge);
        let sha = Digest::Sha256.answer(&secret, &challenge);
        assert!(!Digest::Sha256.verify(&secret, &challenge, &md5));
        assert!(!Digest::Md5.verify(&secret, &challenge, &sha));
        // Nor is the first half of the SHA-256 answer.
        assert!(!Digest::Md5.verify(&secret, &challenge, &sha[..16]));
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
