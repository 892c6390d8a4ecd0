//! The shared secret: the only thing that tells a legitimate client from anybody
//! else. It never appears on a command line (where `ps` shows it to every user of
//! the machine), in a log, or in a `Debug` print.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use hmac::Hmac;
use hmac::digest::{InvalidLength, KeyInit};
use md5::Md5;
use netlab_common::files::{ReadCappedError, read_capped};
use sha2::Sha256;

/// The environment variable the `auth` binary (and the Python twins) read the
/// secret from when no `--secret-file` is given.
pub const SECRET_ENV: &str = "NETLAB_SECRET";

/// A secret file longer than this is surely the wrong file (a key is a few dozen
/// bytes); refusing it keeps a typo from loading a whole disk image into memory.
pub const MAX_SECRET_FILE_LEN: u64 = 64 * 1024;

/// A non-empty shared secret (the HMAC key). `Debug` shows only its length.
///
/// The key is handed to the HMAC once, when the secret is made: a `Secret` holds
/// an HMAC already keyed with it for each [`Digest`](crate::Digest), so computing
/// an answer later cannot fail, and the key's bytes are not kept anywhere else.
#[derive(Clone)]
pub struct Secret {
    len: usize,
    sha256: Hmac<Sha256>,
    md5: Hmac<Md5>,
}

/// Why a secret could not be had.
#[derive(Debug)]
pub enum SecretError {
    /// The key is empty: an HMAC keyed with nothing proves nothing.
    Empty,
    /// The secret file could not be read (or is too long to be a key).
    File { path: PathBuf, error: io::Error },
    /// The environment variable holding the secret is not set.
    MissingEnv(String),
    /// No secret was given, to a program that has no default one on purpose.
    NotGiven,
    /// The HMAC refused the key. HMAC takes keys of any length (a long one is
    /// hashed first), so `hmac` never returns this; if a future version did, the
    /// program stops with this error instead of keying the HMAC with something else.
    Refused(InvalidLength),
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::Empty => write!(f, "the secret is empty"),
            SecretError::File { path, error } => {
                write!(f, "cannot read the secret file {}: {error}", path.display())
            }
            SecretError::MissingEnv(var) => {
                write!(f, "no secret: the environment variable {var} is not set")
            }
            SecretError::NotGiven => write!(
                f,
                "no secret given: use --secret-file FILE or set {SECRET_ENV} \
                 (there is no default secret)"
            ),
            SecretError::Refused(error) => write!(f, "the HMAC refused the key: {error}"),
        }
    }
}

impl std::error::Error for SecretError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SecretError::File { error, .. } => Some(error),
            SecretError::Refused(error) => Some(error),
            _ => None,
        }
    }
}

impl Secret {
    /// The secret `key`; an empty key is refused, since HMAC with an empty key
    /// proves nothing.
    ///
    /// ```
    /// use auth::Secret;
    /// assert!(Secret::new(b"alex".to_vec()).is_ok());
    /// assert!(Secret::new(Vec::new()).is_err());
    /// ```
    pub fn new(key: Vec<u8>) -> Result<Secret, SecretError> {
        if key.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Secret {
            len: key.len(),
            // Python: hmac.new(secret_key, ...), once per digest.
            sha256: <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
                .map_err(SecretError::Refused)?,
            md5: <Hmac<Md5> as KeyInit>::new_from_slice(&key).map_err(SecretError::Refused)?,
        })
    }

    /// The secret stored in the file at `path`: its bytes, without one trailing
    /// newline (`\n` or `\r\n`), because `echo secret > key` writes one.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Secret, SecretError> {
        let path = path.as_ref();
        let file_error = |error| SecretError::File {
            path: path.to_path_buf(),
            error,
        };
        let mut key = read_capped(path, MAX_SECRET_FILE_LEN).map_err(|error| match error {
            ReadCappedError::Io { error, .. } => file_error(error),
            ReadCappedError::TooLarge { max, .. } => file_error(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("longer than {max} bytes; is it really a key?"),
            )),
        })?;
        if key.ends_with(b"\n") {
            key.pop();
            if key.ends_with(b"\r") {
                key.pop();
            }
        }
        Secret::new(key)
    }

    /// The secret in the environment variable `var`: its bytes, whatever they are.
    /// A key is bytes, not text: a value that is not UTF-8 is still the key the
    /// user set (Python's `os.environb` reads it the same way). Ignoring it would
    /// run a server meant to authenticate without a secret, open to everyone.
    pub fn from_env(var: &str) -> Result<Secret, SecretError> {
        match std::env::var_os(var) {
            Some(value) => Secret::new(value.into_encoded_bytes()),
            None => Err(SecretError::MissingEnv(var.to_string())),
        }
    }

    /// A fresh HMAC-SHA256 keyed with the secret, ready for a challenge.
    pub(crate) fn hmac_sha256(&self) -> Hmac<Sha256> {
        self.sha256.clone()
    }

    /// A fresh HMAC-MD5 keyed with the secret, ready for a challenge.
    pub(crate) fn hmac_md5(&self) -> Hmac<Md5> {
        self.md5.clone()
    }

    /// How many bytes the key has.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a `Secret` is never empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes, hidden>)", self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_show_the_key() {
        let secret = Secret::new(b"alex-sb".to_vec()).unwrap();
        let shown = format!("{secret:?}");
        assert_eq!(shown, "Secret(<7 bytes, hidden>)");
        assert!(!shown.contains("alex"));
    }

    #[test]
    fn file_loses_one_trailing_newline() {
        let path = std::env::temp_dir().join(format!("netlab-auth-{}.key", std::process::id()));
        std::fs::write(&path, b"alex\r\n").unwrap();
        let secret = Secret::from_file(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let alex = Secret::new(b"alex".to_vec()).unwrap();
        assert_eq!(crate::answer(&secret, b"x"), crate::answer(&alex, b"x"));
    }

    #[test]
    fn empty_file_is_refused() {
        let path =
            std::env::temp_dir().join(format!("netlab-auth-{}-empty.key", std::process::id()));
        std::fs::write(&path, b"\n").unwrap();
        let result = Secret::from_file(&path);
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(result, Err(SecretError::Empty)));
    }

    #[test]
    fn missing_file_names_the_path() {
        let error = Secret::from_file("/nonexistent/netlab.key").unwrap_err();
        assert!(error.to_string().contains("/nonexistent/netlab.key"));
    }

    #[test]
    fn missing_variable_is_named() {
        let error = Secret::from_env("NETLAB_TEST_SURELY_UNSET_VARIABLE").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("NETLAB_TEST_SURELY_UNSET_VARIABLE")
        );
    }
}
