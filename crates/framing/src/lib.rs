//! # framing — 五.黏包 (sticky packets), chapter 5
//!
//! TCP carries a stream of bytes, not messages. This crate shows what goes wrong
//! when a program forgets it, and the fix: length-prefixed frames.
//!
//! - [`frame`]: read and write frames over any blocking `Read` / `Write`.
//! - [`codec`]: the same frames as a `tokio_util` codec, for async servers (chat).

pub mod codec;
pub mod frame;

pub use frame::{FrameError, HEADER_LEN, MAX_FRAME_LEN, read_frame, write_frame};

use netlab_common::{DemoResult, Narrator};

/// Chapter 5's demo, run by the tour.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.say("framing: demo coming soon");
    Ok(())
}
