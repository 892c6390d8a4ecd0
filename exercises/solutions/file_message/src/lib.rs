//! Exercise: a message from one program to another, through a file. Reference
//! solution.

use std::fs;
use std::io::{self, Read};
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
    let partial = dir.join(PARTIAL_FILE);
    // Python: with open(tmp, 'wb') as f: f.write(message)
    fs::write(&partial, message)?;
    // Python: os.replace(tmp, path). A rename within a directory is atomic: b
    // finds either no message or the whole of it, never half.
    fs::rename(&partial, dir.join(MESSAGE_FILE))
}

/// Program b: takes the message waiting in `dir`, if there is one. A message is
/// taken once: the next call finds nothing until a sends again.
pub fn receive_via_file(dir: &Path) -> io::Result<Option<Vec<u8>>> {
    let taken = dir.join(TAKEN_FILE);
    // Take the message first, by moving it (atomic too): a message that a sends
    // meanwhile goes to `message` again and is not deleted unread.
    match fs::rename(dir.join(MESSAGE_FILE), &taken) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None), // nothing yet
        Err(e) => return Err(e),
    }
    let mut message = Vec::new();
    fs::File::open(&taken)?
        .take(MAX_MESSAGE + 1)
        .read_to_end(&mut message)?;
    fs::remove_file(&taken)?;
    if message.len() as u64 > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a message of more than {MAX_MESSAGE} bytes"),
        ));
    }
    Ok(Some(message))
}
