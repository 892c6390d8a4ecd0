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
//! ```

pub mod bounded;
pub mod catalog;
pub mod commands;
pub mod grade;
pub mod report;
pub mod results;
pub mod sandbox;
pub mod testrun;
pub mod watch;
