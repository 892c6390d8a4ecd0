//! # framing — 五.黏包 (sticky packets), chapter 5
//!
//! TCP carries a stream of bytes, not messages. This crate shows what goes wrong
//! when a program forgets it, and the fix: length-prefixed frames.
//!
//! The listings (`examples/cmd_server.rs`, `prefix_cmd_client.rs`,
//! `file_send.rs`...) are the tutorial's programs line by line. The library is the
//! lab, in the order of the chapter:
//!
//! - [`sticky`]: the problem reproduced deterministically (`framing sticky-demo`,
//!   and the tour's chapter 5).
//! - [`command`]: the tutorial's remote-command server and client on
//!   127.0.0.1:8888, with the raw protocol (broken), `ack` and `prefix` (fixed).
//! - [`frame`]: read and write frames over any blocking `Read` / `Write`.
//! - [`codec`]: the same frames as a `tokio_util` codec, for async servers (chat).
//! - [`transfer`]: the chapter's advanced lesson, file upload with a JSON header
//!   carrying the file's SHA-256, or with the hash in a trailer after the data
//!   (`send --hash trailer`, one pass over the file); its receiver's
//!   read–hash–write pipeline is machinery apart, in `transfer/pipeline.rs`.
//! - [`gate`]: why these servers listen on loopback only, and the [`Gate`]
//!   through which chapter 7 lets them listen on the network.
//! - [`shell`]: running a received command with a time and an output limit.
//! - [`proxy`]: `framing proxy`, a proxy that splits and merges the bytes on
//!   purpose, from a seed, so that any program meets 黏包 the same way twice.
//!
//! The command line: [`cli`] (the options of the four network programs, also
//! used by their chapter 7 twins), `failure.rs` (how the binaries report this
//! library's errors). Tooling, apart from the lessons: [`bench`] (`framing
//! bench`), how fast the transfer is, next to a raw loopback copy and socat.
//!
//! Two terminals:
//!
//! ```text
//! $ framing cmd-server --protocol raw        # terminal 1: 127.0.0.1:8888
//! $ framing cmd-client --protocol raw        # terminal 2: type `ls -l /`, then `pwd`
//! $ framing receive --dir /tmp/inbox         # terminal 1: 127.0.0.1:8889
//! $ framing send ./photo.jpg                 # terminal 2
//! ```

pub mod codec;
pub mod command;
pub mod frame;
pub mod gate;
pub mod proxy;
pub mod shell;
pub mod sticky;
pub mod transfer;

pub mod cli;
mod failure;

pub mod bench;

pub use frame::{FrameError, HEADER_LEN, MAX_FRAME_LEN, read_frame, write_frame};
pub use gate::Gate;
pub use sticky::demo;
