//! What can stop a command of the runner.
//!
//! The library says what went wrong; the binary (`main.rs`) decides how it is
//! reported: the exit code (2 for what the command line asked wrongly, 1 for
//! the rest) and the language of the line ([`crate::messages`]). Failing tests
//! are not errors: they are a result, in the report.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::catalog::CatalogError;

/// Why a command of the runner could not do its work.
#[derive(Debug)]
pub enum RunnerError {
    /// An exercise or a set that does not exist, or a file of the course that
    /// cannot be read (missing, over its cap, malformed).
    Catalog(CatalogError),
    /// `--course` or `--dir` is not a directory.
    NotADirectory { dir: PathBuf, expected: Expected },
    /// A directory that exists could not be read.
    Read { path: PathBuf, error: io::Error },
    /// `hint NAME NUMBER` for a hint the exercise does not have.
    NoSuchHint {
        name: String,
        number: usize,
        count: usize,
    },
    /// `solution NAME` before the student's exercise passes.
    NotPassedYet { name: String },
    /// `reset` without a name or `--all`.
    NothingToReset,
    /// `reset` could not keep a copy of the student's files first.
    Backup { src: PathBuf, error: io::Error },
    /// `reset` could not run git.
    Git(io::Error),
    /// git ran but could not restore the exercise.
    GitRestore { dir: PathBuf },
    /// `grade --roster DIR`: not a directory that can be read.
    Roster { roster: PathBuf, error: io::Error },
    /// `grade --roster DIR`: no student's directory in it.
    EmptyRoster { roster: PathBuf },
    /// Writing the grades failed.
    Write { path: PathBuf, error: io::Error },
    /// `watch` could not watch the files (of `path`, when it is known).
    Watch {
        path: Option<PathBuf>,
        error: notify::Error,
    },
    /// `watch`: the operating system's file events stopped coming.
    WatcherStopped,
}

/// Which directory `--course` or `--dir` should have named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The course's `exercises/`.
    Course,
    /// A student's `exercises/`.
    Work,
}

impl From<CatalogError> for RunnerError {
    fn from(error: CatalogError) -> RunnerError {
        RunnerError::Catalog(error)
    }
}

impl fmt::Display for RunnerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunnerError::Catalog(error) => write!(f, "{error}"),
            RunnerError::NotADirectory { dir, expected } => {
                let expected = match expected {
                    Expected::Course => "the exercises/ directory of the course",
                    Expected::Work => "the exercises/ directory of a netlab checkout",
                };
                write!(
                    f,
                    "'{}' is not a directory (expected {expected})",
                    dir.display()
                )
            }
            RunnerError::Read { path, error } => {
                write!(f, "cannot read {}: {error}", path.display())
            }
            RunnerError::NoSuchHint {
                name,
                number,
                count,
            } => write!(
                f,
                "hint {number} does not exist: {name} has hints 1 to {count}"
            ),
            RunnerError::NotPassedYet { name } => write!(
                f,
                "{name} does not pass yet: the reference solution is shown once it does \
                 (`cargo run -p exercises -- check {name}`)"
            ),
            RunnerError::NothingToReset => {
                f.write_str("name the exercise to reset, or --all for every one")
            }
            RunnerError::Backup { src, error } => {
                write!(f, "cannot keep a copy of {}: {error}", src.display())
            }
            RunnerError::Git(error) => write!(f, "cannot run git: {error}"),
            RunnerError::GitRestore { dir } => write!(
                f,
                "git could not restore {} (is this a git checkout?)",
                dir.display()
            ),
            RunnerError::Roster { roster, error } => write!(
                f,
                "cannot read the roster {}: {error} (expected a directory with one \
                 checkout per student)",
                roster.display()
            ),
            RunnerError::EmptyRoster { roster } => write!(
                f,
                "the roster {} has no subdirectories (expected one checkout per student)",
                roster.display()
            ),
            RunnerError::Write { path, error } => {
                write!(f, "cannot write {}: {error}", path.display())
            }
            RunnerError::Watch { path: None, error } => write!(f, "cannot watch files: {error}"),
            RunnerError::Watch {
                path: Some(path),
                error,
            } => write!(f, "cannot watch {}: {error}", path.display()),
            RunnerError::WatcherStopped => f.write_str("the file watcher stopped"),
        }
    }
}

impl std::error::Error for RunnerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunnerError::Catalog(error) => Some(error),
            RunnerError::Read { error, .. }
            | RunnerError::Backup { error, .. }
            | RunnerError::Git(error)
            | RunnerError::Roster { error, .. }
            | RunnerError::Write { error, .. } => Some(error),
            RunnerError::Watch { error, .. } => Some(error),
            _ => None,
        }
    }
}
