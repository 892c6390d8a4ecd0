//! # framing — 五.黏包 (sticky packets), chapter 5
//!
//! TCP carries a stream of bytes, not messages. This crate shows what goes wrong
//! when a program forgets it, and the fix: length-prefixed frames.
//!
//! - [`sticky`]: the problem reproduced deterministically (`framing sticky-demo`,
//!   and the tour's chapter 5).
//! - [`command`]: the tutorial's remote-command server and client on
//!   127.0.0.1:8888, with the raw protocol (broken), `ack` and `prefix` (fixed).
//! - [`frame`]: read and write frames over any blocking `Read` / `Write`.
//! - [`codec`]: the same frames as a `tokio_util` codec, for async servers (chat).
//! - [`transfer`]: the chapter's advanced lesson, file upload with a JSON header.
//! - [`bench`]: how fast that transfer is, next to a raw loopback copy and socat.
//!
//! Two terminals:
//!
//! ```text
//! $ framing cmd-server --protocol raw        # terminal 1: 127.0.0.1:8888
//! $ framing cmd-client --protocol raw        # terminal 2: type `ls -l /`, then `pwd`
//! $ framing receive --dir /tmp/inbox         # terminal 1: 127.0.0.1:8889
//! $ framing send ./photo.jpg                 # terminal 2
//! ```

pub mod bench;
pub mod codec;
pub mod command;
pub mod frame;
pub mod shell;
pub mod sticky;
pub mod transfer;

pub use frame::{FrameError, HEADER_LEN, MAX_FRAME_LEN, read_frame, write_frame};
pub use sticky::demo;
