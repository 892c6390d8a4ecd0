//! Exercise: `makefile` as a `BufReader`, lines from a stream. Read README.md first.

use std::io::{self, BufRead, BufReader, BufWriter, Write};
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
    // TODO: no limit on the line's length, and a `\r` before the `\n` is kept.
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let _ = MAX_LINE;
    Ok(Some(line.trim_end_matches('\n').to_string()))
}

/// The server's side of one connection: answers every line with the line in
/// upper case, at once, until the client closes; returns how many lines it
/// answered.
pub fn serve_lines(conn: TcpStream) -> io::Result<u64> {
    // TODO: a new BufReader for every line loses what the previous one read
    // ahead, and the answers wait in the BufWriter (nobody flushes it).
    conn.set_read_timeout(Some(IDLE_TIMEOUT))?;
    let mut writer = BufWriter::new(conn.try_clone()?);
    let mut answered = 0;
    loop {
        let mut reader = BufReader::new(conn.try_clone()?);
        let Some(line) = read_line(&mut reader)? else {
            return Ok(answered);
        };
        writer.write_all(line.to_uppercase().as_bytes())?;
        writer.write_all(b"\n")?;
        answered += 1;
    }
}
