//! Exercise: a message from one program to another, through a file. Read
//! README.md first.

use std::fs;
use std::io;
use std::path::Path;

/// The file a complete message is found in: `DIR/message`.
pub const MESSAGE_FILE: &str = "message";

/// Where the sender writes the message before it is complete: `DIR/message.tmp`.
pub const PARTIAL_FILE: &str = "message.tmp";

/// Where the receiver moves a message it takes, so that nobody else takes it.
pub const TAKEN_FILE: &str = "message.taken";

/// The longest message, in bytes. A bigger file is not read into memory.
pub const MAX_MESSAGE: u64 = 1024 * 1024;

/// Program a: leaves `message` in `dir` for program b, all at once.
pub fn send_via_file(dir: &Path, message: &[u8]) -> io::Result<()> {
    // TODO: this writes straight into `message`: while the bytes are being
    // written, program b may find the file empty, or half written.
    fs::write(dir.join(MESSAGE_FILE), message)
}

/// Program b: takes the message waiting in `dir`, if there is one. A message is
/// taken once: the next call finds nothing until a sends again.
pub fn receive_via_file(dir: &Path) -> io::Result<Option<Vec<u8>>> {
    // TODO: no message yet is an error here instead of `None`, the message is
    // left behind (b reads it again and again), and its size is not checked.
    let message = fs::read(dir.join(MESSAGE_FILE))?;
    Ok(Some(message))
}
