//! # exercises — the netlab exercise runner
//!
//! In the spirit of rustlings, made for instructors as much as for students. Each
//! exercise is a tiny package under `exercises/<name>/` (task text, hints, starter
//! code that compiles, tests that fail until it is solved) with its reference
//! solution kept apart in `exercises/solutions/<name>/`.
//!
//! ```text
//! cargo run -p exercises -- list                 # every exercise, done or not
//! cargo run -p exercises -- next                 # the first one not done yet
//! cargo run -p exercises -- check ip_to_binary   # build and test one (or all)
//! cargo run -p exercises -- hint ip_to_binary    # a hint
//! cargo run -p exercises -- check --set week1 --json   # grading, one JSON object per line
//! cargo run -p exercises -- verify-solutions     # every starter fails, every solution passes
//! cargo run -p exercises -- --lang zh next       # 中文: the task, the hints and the runner's words
//! ```
//!
//! Where each part is: `catalog.rs` (which exercises and sets exist, their task
//! and hints in each language), `commands.rs` (the verbs), `watch.rs`,
//! `grade.rs` (a whole class), `sandbox.rs`, `testrun.rs` and `bounded.rs`
//! (building and testing a submission in a scratch copy, within limits),
//! `report.rs` (the formats a grade is written in), `results.rs` (a student's
//! progress), `messages.rs` (what the runner says, in English and Chinese) and
//! `error.rs` (what can stop a command; `main.rs` reports it).

pub mod bounded;
pub mod catalog;
pub mod commands;
pub mod error;
pub mod grade;
pub mod messages;
pub mod report;
pub mod results;
pub mod sandbox;
pub mod testrun;
pub mod watch;
