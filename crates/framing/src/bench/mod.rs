//! `framing bench`: how fast is our file transfer, next to the fastest a copy
//! over loopback can go on this machine?
//!
//! Four copies of the same file over 127.0.0.1, timed from connect to the last
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
//! 4. **framing, trailer**: `framing send --hash trailer`: the sender hashes
//!    while the kernel sends, the hash follows the data, the receiver checks it
//!    before the rename.
//!
//! The targets: (3) takes at most twice as long as (2); (4) copies at least
//! 1.5 times as fast as (2). The table gives each copy's speed as a multiple of
//! socat's.
//!
//! The copies take turns (one run of each, then the next round), so that a
//! burst of other work on a shared machine slows all of them alike; each copy's
//! best run counts, and its slowest is printed beside it, for the spread. The
//! machine (cores, CPU model) and its load average before and after the runs
//! are printed too: figures measured while other programs compete for the
//! cores are not comparable.
//!
//! Tooling, not the lesson: this file runs the copies and keeps the figures;
//! `copies.rs` holds the copies.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::transfer::{CHUNK, HashPlacement, SendError, UploadError};

mod copies;

/// The default size of the benchmark file: 1 GiB, as in the target.
pub const DEFAULT_SIZE: u64 = 1 << 30;

/// Any step taking longer than this is reported as a failure, not waited for.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(300);

/// One measured copy: its best run, and every run's time.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub name: &'static str,
    pub bytes: u64,
    /// The best run.
    pub seconds: f64,
    pub gib_per_second: f64,
    /// Every run, in the order they ran.
    pub runs: Vec<f64>,
}

impl Figure {
    pub(crate) fn new(name: &'static str, bytes: u64, elapsed: Duration) -> Figure {
        let seconds = elapsed.as_secs_f64();
        Figure {
            name,
            bytes,
            seconds,
            gib_per_second: bytes as f64 / (1u64 << 30) as f64 / seconds.max(1e-9),
            runs: vec![seconds],
        }
    }

    /// Adds another run of the same copy; the faster one is the figure.
    fn add_run(&mut self, other: Figure) {
        self.runs.extend(other.runs);
        if other.seconds < self.seconds {
            self.seconds = other.seconds;
            self.gib_per_second = other.gib_per_second;
        }
    }

    /// The slowest run.
    pub fn slowest(&self) -> f64 {
        self.runs.iter().copied().fold(self.seconds, f64::max)
    }
}

/// The machine the figures were measured on, and how busy it was.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// The cores this process may use.
    pub cpus: usize,
    /// The CPU's model name (`/proc/cpuinfo`), if known.
    pub cpu_model: Option<String>,
    /// The 1-minute load average before and after the runs (`/proc/loadavg`).
    pub load_before: Option<f64>,
    pub load_after: Option<f64>,
}

impl Machine {
    /// What this machine is, with its load now as `load_before`.
    fn now() -> Machine {
        let cpu_model = fs::read_to_string("/proc/cpuinfo").ok().and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        });
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            load_before: load_average(),
            load_after: None,
        }
    }
}

impl fmt::Display for Machine {
    /// `2 cores (AMD EPYC), 1-minute load 0.31 before, 0.92 after`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cores", self.cpus)?;
        if let Some(model) = &self.cpu_model {
            write!(f, " ({model})")?;
        }
        if let (Some(before), Some(after)) = (self.load_before, self.load_after) {
            write!(f, ", 1-minute load {before:.2} before, {after:.2} after")?;
        }
        Ok(())
    }
}

/// The 1-minute load average (Linux), the first number in `/proc/loadavg`.
fn load_average() -> Option<f64> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// What `framing bench` measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub bytes: u64,
    pub machine: Machine,
    pub figures: Vec<Figure>,
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

/// The copies, in the order each round runs them.
#[derive(Debug, Clone, Copy)]
enum Contender {
    Raw,
    Socat,
    Framing(HashPlacement),
}

const COPIES: [Contender; 4] = [
    Contender::Raw,
    Contender::Socat,
    Contender::Framing(HashPlacement::Header),
    Contender::Framing(HashPlacement::Trailer),
];

/// Runs the four copies of a `size`-byte file kept in `dir` (the system's
/// temporary directory by default), `runs` rounds of one run each, and returns
/// each copy's figure (socat's only if it is installed).
pub fn run(size: u64, dir: Option<&Path>, runs: u32) -> Result<Report, BenchError> {
    if let Some(dir) = dir.filter(|dir| !dir.is_dir()) {
        return Err(BenchError::NotADirectory(dir.to_path_buf()));
    }
    let base = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let work = WorkDir(base.join(format!("netlab-bench-{}", std::process::id())));
    fs::create_dir_all(&work.0)
        .map_err(BenchError::io(format!("creating {}", work.0.display())))?;
    let payload = work.0.join("payload.bin");
    make_file(&payload, size).map_err(BenchError::io("writing the test file"))?;
    let mut machine = Machine::now();
    let mut figures: [Option<Figure>; COPIES.len()] = Default::default();
    for _ in 0..runs.max(1) {
        for (copy, figure) in COPIES.iter().zip(&mut figures) {
            let Some(run) = run_once(*copy, &payload, &work.0, size)? else {
                continue; // socat is not installed
            };
            match figure {
                Some(figure) => figure.add_run(run),
                None => *figure = Some(run),
            }
        }
    }
    machine.load_after = load_average();
    Ok(Report {
        bytes: size,
        machine,
        figures: figures.into_iter().flatten().collect(),
    })
}

/// One run of `copy` (`None` if it is unavailable).
fn run_once(
    copy: Contender,
    payload: &Path,
    work: &Path,
    size: u64,
) -> Result<Option<Figure>, BenchError> {
    match copy {
        Contender::Raw => copies::raw_copy(payload, size)
            .map(Some)
            .map_err(BenchError::io("raw copy")),
        Contender::Socat => {
            copies::socat_copy(payload, work, size).map_err(BenchError::io("socat copy"))
        }
        Contender::Framing(hash) => copies::framing_copy(payload, work, size, hash).map(Some),
    }
}

/// The figures as a table, with each copy's speed as a multiple of socat's
/// (or of the raw copy's, without socat): above 1 is faster.
pub fn table(figures: &[Figure]) -> String {
    let reference = figures
        .iter()
        .find(|f| f.name.starts_with("socat"))
        .or(figures.first());
    let (reference_name, reference_seconds) = reference.map_or(("socat", 1.0), |f| {
        (f.name.split(' ').next().unwrap_or(""), f.seconds)
    });
    let mut out = format!(
        "{:<42} {:>10} {:>13} {:>9} {:>10}\n",
        "copy",
        "best",
        "speed",
        format!("vs {reference_name}"),
        "slowest"
    );
    for figure in figures {
        out.push_str(&format!(
            "{:<42} {:>8.3} s {:>7.2} GiB/s {:>8.2}× {:>8.3} s\n",
            figure.name,
            figure.seconds,
            figure.gib_per_second,
            reference_seconds / figure.seconds.max(1e-9),
            figure.slowest()
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
        let report = run(3 << 20, None, 2).unwrap();
        let figures = &report.figures;
        assert!(figures.len() >= 3);
        assert!(figures.iter().all(|f| f.runs.len() == 2));
        assert!(figures.iter().all(|f| f.bytes == 3 << 20));
        assert!(table(figures).contains("framing send → receive"));
        assert!(table(figures).contains("framing send --hash trailer"));
    }
}
