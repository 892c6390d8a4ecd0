//! Reading a file named on the command line, with a cap.
//!
//! `--contacts-file /dev/zero` (or a huge log by mistake) must not make a program
//! read until memory runs out: every file a lesson reads whole is read through
//! [`read_capped`], which stops one byte past the cap and says so.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Why [`read_capped`] failed.
#[derive(Debug)]
pub enum ReadCappedError {
    /// The file could not be opened or read.
    Io { path: PathBuf, error: io::Error },
    /// The file is longer than the cap.
    TooLarge { path: PathBuf, max: u64 },
}

impl fmt::Display for ReadCappedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadCappedError::Io { path, error } => {
                write!(f, "cannot read {}: {error}", path.display())
            }
            ReadCappedError::TooLarge { path, max } => write!(
                f,
                "{} is larger than {max} bytes, the most this file may hold",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ReadCappedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadCappedError::Io { error, .. } => Some(error),
            ReadCappedError::TooLarge { .. } => None,
        }
    }
}

/// The whole of `path`, if it holds at most `max` bytes.
///
/// ```
/// use netlab_common::files::{read_capped, ReadCappedError};
/// # #[cfg(unix)] {
/// let error = read_capped("/dev/zero".as_ref(), 1024).unwrap_err();
/// assert!(matches!(error, ReadCappedError::TooLarge { max: 1024, .. }));
/// # }
/// ```
pub fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, ReadCappedError> {
    let io_error = |error| ReadCappedError::Io {
        path: path.to_path_buf(),
        error,
    };
    let file = File::open(path).map_err(io_error)?;
    let mut bytes = Vec::new();
    // One byte more than allowed tells "exactly max" from "more than max".
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > max {
        return Err(ReadCappedError::TooLarge {
            path: path.to_path_buf(),
            max,
        });
    }
    Ok(bytes)
}

/// [`read_capped`] for a text file: invalid UTF-8 is an error too.
pub fn read_capped_text(path: &Path, max: u64) -> Result<String, ReadCappedError> {
    let bytes = read_capped(path, max)?;
    String::from_utf8(bytes).map_err(|_| ReadCappedError::Io {
        path: path.to_path_buf(),
        error: io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"),
    })
}
