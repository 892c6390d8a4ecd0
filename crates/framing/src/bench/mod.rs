//! `framing bench`: how fast is our file transfer, next to the fastest a copy
//! over loopback can go on this machine?
//!
//! Three copies of the same file over 127.0.0.1, timed from connect to the last
//! byte stored:
//!
//! 1. **raw copy**: `sendfile` into a socket, a reader that throws the bytes
//!    away — the loopback limit, with no file written and no hash.
//! 2. **socat**: `socat -u OPEN:file TCP:...` into `socat -u TCP-LISTEN:... CREATE:copy`,
//!    a well-tuned general-purpose tool writing a file (skipped if socat is not
//!    installed).
//! 3. **framing**: `framing send` into `framing receive`: the sender hashes the
//!    file first (the header carries the hash), the receiver hashes while
//!    receiving and writes to a temporary file, then renames it.
//!
//! The target: (3) takes at most twice as long as (2).
//!
//! Tooling, not the lesson: this file runs the copies and keeps the best
//! figures; `copies.rs` holds the three copies.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::transfer::{CHUNK, SendError, UploadError};

mod copies;

/// The default size of the benchmark file: 1 GiB, as in the target.
pub const DEFAULT_SIZE: u64 = 1 << 30;

/// Any step taking longer than this is reported as a failure, not waited for.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(300);

/// One measured copy.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub name: &'static str,
    pub bytes: u64,
    pub seconds: f64,
    pub gib_per_second: f64,
}

impl Figure {
    pub(crate) fn new(name: &'static str, bytes: u64, elapsed: Duration) -> Figure {
        let seconds = elapsed.as_secs_f64();
        Figure {
            name,
            bytes,
            seconds,
            gib_per_second: bytes as f64 / (1u64 << 30) as f64 / seconds.max(1e-9),
        }
    }
}

/// A directory removed (with everything in it) when dropped.
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Writes `size` bytes that do not repeat (xorshift), in chunks.
fn make_file(path: &Path, size: u64) -> io::Result<()> {
    let mut file = File::create(path)?;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut buf = vec![0u8; CHUNK];
    let mut left = size;
    while left > 0 {
        for word in buf.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let n = left.min(CHUNK as u64) as usize;
        file.write_all(&buf[..n])?;
        left -= n as u64;
    }
    file.sync_all()
}

/// Each copy runs this many times by default and the fastest run counts: on a
/// shared machine, other programs can only make a run slower, never faster.
pub const DEFAULT_RUNS: u32 = 3;

/// The fastest of `runs` runs of `copy` (`None` if the copy is unavailable).
fn best_of<E>(
    runs: u32,
    mut copy: impl FnMut() -> Result<Option<Figure>, E>,
) -> Result<Option<Figure>, E> {
    let mut best: Option<Figure> = None;
    for _ in 0..runs.max(1) {
        let Some(figure) = copy()? else {
            return Ok(None);
        };
        if best.as_ref().is_none_or(|b| figure.seconds < b.seconds) {
            best = Some(figure);
        }
    }
    Ok(best)
}

/// Runs the three copies of a `size`-byte file kept in `dir` (the system's
/// temporary directory by default), each `runs` times, and returns the best
/// figure of each.
pub fn run(size: u64, dir: Option<&Path>, runs: u32) -> Result<Vec<Figure>, BenchError> {
    if let Some(dir) = dir.filter(|dir| !dir.is_dir()) {
        return Err(BenchError::NotADirectory(dir.to_path_buf()));
    }
    let base = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let work = WorkDir(base.join(format!("netlab-bench-{}", std::process::id())));
    fs::create_dir_all(&work.0)
        .map_err(BenchError::io(format!("creating {}", work.0.display())))?;
    let payload = work.0.join("payload.bin");
    make_file(&payload, size).map_err(BenchError::io("writing the test file"))?;
    let mut figures = Vec::new();
    figures.extend(
        best_of(runs, || copies::raw_copy(&payload, size).map(Some))
            .map_err(BenchError::io("raw copy"))?,
    );
    figures.extend(
        best_of(runs, || copies::socat_copy(&payload, &work.0, size))
            .map_err(BenchError::io("socat copy"))?,
    );
    figures.extend(best_of(runs, || {
        copies::framing_copy(&payload, &work.0, size).map(Some)
    })?);
    Ok(figures)
}

/// The figures as a table, with each time relative to socat's (or the raw copy's).
pub fn table(figures: &[Figure]) -> String {
    let reference = figures
        .iter()
        .find(|f| f.name.starts_with("socat"))
        .or(figures.first())
        .map_or(1.0, |f| f.seconds);
    let mut out = String::new();
    for figure in figures {
        out.push_str(&format!(
            "{:<42} {:>8.3} s {:>7.2} GiB/s {:>6.2}×\n",
            figure.name,
            figure.seconds,
            figure.gib_per_second,
            figure.seconds / reference.max(1e-9)
        ));
    }
    out
}

/// Why the benchmark stopped.
#[derive(Debug)]
pub enum BenchError {
    /// `--dir` is not a directory.
    NotADirectory(PathBuf),
    /// A copy, or getting ready for one, failed: what we were doing, and why.
    Io { doing: String, error: io::Error },
    /// `framing send`'s side of our copy failed.
    Send(SendError),
    /// `framing receive`'s side of our copy failed.
    Receive(UploadError),
}

impl BenchError {
    /// Turns an I/O error into a `BenchError` that says what we were doing.
    fn io(doing: impl Into<String>) -> impl FnOnce(io::Error) -> BenchError {
        let doing = doing.into();
        move |error| BenchError::Io { doing, error }
    }
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::NotADirectory(dir) => write!(
                f,
                "--dir {}: not a directory (create it first)",
                dir.display()
            ),
            BenchError::Io { doing, error } => write!(f, "{doing}: {error}"),
            BenchError::Send(error) => write!(f, "framing send: {error}"),
            BenchError::Receive(error) => write!(f, "framing receive: {error}"),
        }
    }
}

impl std::error::Error for BenchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BenchError::NotADirectory(_) => None,
            BenchError::Io { error, .. } => Some(error),
            BenchError::Send(error) => Some(error),
            BenchError::Receive(error) => Some(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_bench_runs_every_copy() {
        let figures = run(3 << 20, None, 1).unwrap();
        assert!(figures.len() >= 2);
        assert!(figures.iter().all(|f| f.bytes == 3 << 20));
        assert!(table(&figures).contains("framing send"));
    }
}
