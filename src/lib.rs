//! # netlab — the tour
//!
//! `cargo run` walks the eight chapters of the tutorial "网络编程" in order. For each
//! chapter it prints the tutorial's Chinese title and an English one, then runs that
//! chapter's programs end-to-end inside this one process (servers on 127.0.0.1 port 0
//! in threads or tasks, clients against them) and prints the conversation as a
//! narrated transcript. No second terminal, nothing beyond loopback.
//!
//! Each lesson crate exposes its demo as a library function; the tour only calls
//! them ([`tour::CHAPTERS`]). Chapter 1's demo, two "programs" passing a message
//! first through a file and then through a socket, belongs to the tour itself
//! ([`prologue`]).
//!
//! | file | what |
//! |---|---|
//! | [`prologue`] | chapter 1 (一.楔子): a file, then a socket, between two "programs" |
//! | [`tour`] | the eight chapters, their crates and demos, and the loop that runs them |
//! | `main.rs` | the command line (`--list`, `--chapter N`, `--no-color`) and the exit code |

pub mod prologue;
pub mod tour;
pub mod zh;

/// Every binary of the workspace: the tour, one per lesson crate, and the exercise
/// runner. The end-to-end tests walk this list; a new lesson crate adds its binary.
pub const BINARIES: &[&str] = &[
    "netlab",
    "net-basics",
    "tcp-demo",
    "udp-demo",
    "time-sync",
    "framing",
    "auth",
    "chat",
    "exercises",
];
