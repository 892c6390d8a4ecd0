//! Buggy submission: a new `BufReader` for every line.
//!
//! A `BufReader` (Python's `makefile`) reads ahead: the line asked for, and whatever
//! else has arrived. Dropped after one line, it takes the rest with it: two lines that
//! arrive together become one.
//!
//! Caught by: two_lines_in_one_packet_get_two_answers

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The longest line, in bytes, without its line end. A longer one is an error:
/// an unbounded `read_line` keeps a peer's bytes for as long as it sends them.
pub const MAX_LINE: usize = 1024;

/// How long the server waits for a client's next line.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// The next line of `reader` without its `\n` or `\r\n` (Python:
/// `f.readline()` on `f = conn.makefile('rb')`); `None` at the end of the stream.
/// A last line without `\n` is still a line. More than `MAX_LINE` bytes before
/// the line's end is an `InvalidData` error.
pub fn read_line<R: BufRead>(reader: &mut R) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    // At most MAX_LINE bytes, its `\r` and its `\n`: one more is too many.
    let limit = MAX_LINE as u64 + 2;
    let n = reader.take(limit).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    let ended = line.last() == Some(&b'\n');
    if ended {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    if line.len() > MAX_LINE || (!ended && n as u64 == limit) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a line longer than {MAX_LINE} bytes"),
        ));
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// The server's side of one connection: answers every line with the line in
/// upper case, at once, until the client closes; returns how many lines it
/// answered.
pub fn serve_lines(conn: TcpStream) -> io::Result<u64> {
    conn.set_read_timeout(Some(IDLE_TIMEOUT))?;
    // One reader for the whole connection: it keeps what it read ahead.
    let mut writer = BufWriter::new(conn.try_clone()?); // Python: conn.makefile('wb')
    let mut answered = 0;
    while let Some(line) = read_line(&mut BufReader::new(conn.try_clone()?))? {
        writer.write_all(line.to_uppercase().as_bytes())?;
        writer.write_all(b"\n")?;
        // The client waits for this answer before it sends its next line.
        writer.flush()?; // Python: wfile.flush()
        answered += 1;
    }
    Ok(answered)
}
