//! The shared secret: the only thing that tells a legitimate client from anybody
//! else. It never appears on a command line (where `ps` shows it to every user of
//! the machine), in a log, or in a `Debug` print.

use std::fmt;
use std::path::Path;

use netlab_common::files::{ReadCappedError, read_capped};

use crate::AuthError;

/// The environment variable the `auth` binary (and the Python twins) read the
/// secret from when no `--secret-file` is given.
pub const SECRET_ENV: &str = "NETLAB_SECRET";

/// A secret file longer than this is surely the wrong file (a key is a few dozen
/// bytes); refusing it keeps a typo from loading a whole disk image into memory.
pub const MAX_SECRET_FILE_LEN: u64 = 64 * 1024;

/// A non-empty shared secret (the HMAC key). `Debug` shows only its length.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// The secret `key`; an empty key is refused, since HMAC with an empty key
    /// proves nothing.
    ///
    /// ```
    /// use auth::Secret;
    /// assert!(Secret::new(b"alex".to_vec()).is_ok());
    /// assert!(Secret::new(Vec::new()).is_err());
    /// ```
    pub fn new(key: Vec<u8>) -> Result<Secret, AuthError> {
        if key.is_empty() {
            return Err(AuthError::EmptySecret);
        }
        Ok(Secret(key))
    }

    /// The secret stored in the file at `path`: its bytes, without one trailing
    /// newline (`\n` or `\r\n`), because `echo secret > key` writes one.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Secret, AuthError> {
        let path = path.as_ref();
        let file_error = |error| AuthError::SecretFile {
            path: path.to_path_buf(),
            error,
        };
        let mut key = read_capped(path, MAX_SECRET_FILE_LEN).map_err(|error| match error {
            ReadCappedError::Io { error, .. } => file_error(error),
            ReadCappedError::TooLarge { max, .. } => file_error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
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
    pub fn from_env(var: &str) -> Result<Secret, AuthError> {
        match std::env::var_os(var) {
            Some(value) => Secret::new(value.into_encoded_bytes()),
            None => Err(AuthError::MissingEnv(var.to_string())),
        }
    }

    /// The key bytes, for the HMAC.
    pub(crate) fn key(&self) -> &[u8] {
        &self.0
    }

    /// How many bytes the key has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a `Secret` is never empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes, hidden>)", self.0.len())
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
        assert_eq!(secret.key(), b"alex");
    }

    #[test]
    fn empty_file_is_refused() {
        let path =
            std::env::temp_dir().join(format!("netlab-auth-{}-empty.key", std::process::id()));
        std::fs::write(&path, b"\n").unwrap();
        let result = Secret::from_file(&path);
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(result, Err(AuthError::EmptySecret)));
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
