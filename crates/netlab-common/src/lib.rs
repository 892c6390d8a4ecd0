//! # netlab-common — the conventions every lesson keeps, written once
//!
//! Every lesson crate of netlab (see `../shared/CONVENTIONS.md` in the course
//! material, and the book's introduction) promises students, the tour and the tests
//! the same few things. Rather than copy them into each crate, they live here:
//!
//! - [`listen::announce`]: the first line a server prints is exactly
//!   `listening on ADDR`, flushed as soon as the socket is bound; and
//!   [`listen::bind_tcp`]: a TCP listener whose two choices (`SO_REUSEADDR`,
//!   the listen backlog) are named by each server.
//! - [`failure::Failure`]: one clear error line, an extra line that explains the
//!   operating-system errors students meet (address in use, connection refused,
//!   privileged ports, timeouts), and the conventional exit codes (2 for bad
//!   command-line input, 1 for everything else).
//! - [`color`]: colour only on a terminal and never with `NO_COLOR` set.
//! - [`narrate::Narrator`]: the transcript the tour prints while a chapter's
//!   programs talk to each other ("who sent which bytes, what arrived"), and
//!   [`narrate::Watched`]: a connection the tour observes, so that the lesson
//!   functions themselves take no narrator.
//! - [`bytes::python_repr`]: bytes shown the way Python's `print(b'...')` shows
//!   them, so a student can compare our output with the tutorial's line by line.
//! - [`cli`]: the command line's values: a client's `--addr`, every duration.
//! - [`admission`], [`serve`], [`deadline`]: the limits every server keeps against
//!   a crowd and against slow peers; [`peer_text`], [`amplification`], [`files`]:
//!   peer text shown safely, the UDP reply rule, capped file reads.
//!
//! The test machinery lives apart, in the dev-only crate `netlab-testkit`. The
//! one dependency is socket2, for `bind_tcp` (std cannot leave SO_REUSEADDR off
//! nor choose the backlog).

pub mod admission;
pub mod amplification;
pub mod bytes;
pub mod cli;
pub mod color;
pub mod deadline;
pub mod failure;
pub mod files;
pub mod lang;
pub mod listen;
pub mod narrate;
pub mod peer_text;
pub mod programs;
pub mod serve;
pub mod stream;

pub use failure::Failure;
pub use narrate::{DemoResult, Narrator};
