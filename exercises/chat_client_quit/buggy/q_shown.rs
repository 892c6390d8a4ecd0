//! Buggy submission: `q` from the server is shown as a message before it is recognised.
//!
//! `q` ends the conversation; it is not something the server said. Compare the
//! bytes first, then decode and show.
//!
//! Caught by: the_server_says_q

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;

/// One turn is one read of up to 1024 bytes, as in the tutorial: `sk.recv(1024)`.
pub const RECV_BUFFER: usize = 1024;

/// The word that ends the conversation.
pub const QUIT: &str = "q";

/// How a conversation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// We typed `q` (or our input ended).
    WeQuit,
    /// The server sent `q`.
    TheyQuit,
    /// The server closed the connection.
    TheyLeft,
}

/// Receives the server's turn (already written): `None` when it closed.
pub fn receive_turn(conn: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut buf = [0u8; RECV_BUFFER];
    let n = conn.read(&mut buf)?; // Python: msg = sk.recv(1024)
    Ok((n > 0).then(|| buf[..n].to_vec()))
}

/// The next non-empty line of `input`, without its end; `q` when the input ends.
fn next_line(input: &mut dyn BufRead) -> io::Result<String> {
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(QUIT.to_string()); // end of input counts as q
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if !line.is_empty() {
            return Ok(line.to_string());
        }
        // An empty line would send nothing: ask again.
    }
}

/// The client's side of the chat. Messages received are pushed onto `shown`.
pub fn chat(
    conn: &mut TcpStream,
    input: &mut dyn BufRead,
    shown: &mut Vec<String>,
) -> io::Result<Ending> {
    loop {
        let Some(msg) = receive_turn(conn)? else {
            return Ok(Ending::TheyLeft);
        };
        shown.push(String::from_utf8_lossy(&msg).into_owned()); // Python: print(msg.decode('utf-8'))
        if msg == QUIT.as_bytes() {
            return Ok(Ending::TheyQuit); // Python: if msg == b'q': break
        }
        let inp = next_line(input)?; // Python: inp = input('>>>')
        conn.write_all(inp.as_bytes())?; // Python: sk.send(inp.encode('utf-8'))
        if inp == QUIT {
            return Ok(Ending::WeQuit); // Python: if inp == 'q': ... break
        }
    }
}
