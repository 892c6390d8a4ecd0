//! 四.套接字初使用 — the tutorial's TCP chat tool (tcp 聊天小工具).
//!
//! Two people take turns. The server speaks first: each side reads a line from
//! its keyboard, sends it UTF-8 encoded, then waits for the other side's line.
//! `q` ends the conversation (it is sent, so the other side stops too), and the
//! server then waits for the next client. The bytes on the wire are exactly the
//! Python program's: the line's UTF-8 bytes, no newline, no length prefix.
//!
//! ```text
//! terminal 1: tcp-demo chat-server        (or: python3 tests/python/chat_server.py)
//! terminal 2: tcp-demo chat-client        (or: python3 tests/python/chat_client.py)
//! ```
//!
//! Where we differ from the Python program, on purpose:
//! - A Chinese character is three bytes in UTF-8. If a read ends in the middle of
//!   one, Python's `msg.decode('utf-8')` raises `UnicodeDecodeError`; we read the
//!   missing bytes of that one character before decoding ([`receive_turn`]), waiting
//!   at most [`CHARACTER_REST_TIMEOUT`] for them.
//! - Bytes that are not UTF-8 at all are shown with `�` instead of crashing.
//! - The other side's text is shown with its control characters made visible
//!   (`\u{1b}`, `\n`; [`netlab_common::peer_text::visible`]): Python's `print`
//!   passes them to the terminal, so a peer could send escape sequences that
//!   clear the screen or retitle the window, or a newline and a second line that
//!   looks like ours. Everything else is shown as the Python program shows it.
//! - An empty line is not sent: `send(b'')` sends nothing, so the other side would
//!   wait forever for a message that never comes (try it with the Python pair).
//! - A line longer than [`RECV_BUFFER`] bytes is refused: the other side reads at
//!   most 1024 bytes per turn, and the rest would arrive as the *next* turn
//!   (chapter 5, 黏包, explains why and how to fix it properly).
//! - Waiting for the other side has a limit ([`IDLE_TIMEOUT`]), so a client that
//!   connects and says nothing cannot block the server forever.
//! - End of input (Ctrl-D, or the end of a pipe) counts as `q`.

use std::io::{self, BufRead, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use netlab_common::narrate::Watched;
use netlab_common::peer_text::visible;
use netlab_common::stream::read_line_bounded;

use crate::first::{describe, set_timeouts};

/// The tutorial's chat port. It binds `('192.168.21.36',9000)`, a classroom
/// machine's address; we stay on loopback unless the student names another.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9000);

/// One turn is read with one `recv(1024)`, as in the tutorial.
pub const RECV_BUFFER: usize = 1024;

/// The word that ends the conversation: `if inp == 'q'`.
pub const QUIT: &str = "q";

/// How long one side waits for the other's turn before giving up on the
/// conversation. A person types slowly, so this is generous; its job is only to
/// free the server from a client that connected and went silent.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// How long we wait for the rest of a character that a read cut in half. On a
/// real connection the missing bytes follow within milliseconds. If they do not
/// come, the peer's turn really ended inside a character (it sent invalid UTF-8)
/// and is waiting for our answer: waiting [`IDLE_TIMEOUT`] for bytes that will
/// never come would stall the conversation, so we show the turn with `�` instead.
pub const CHARACTER_REST_TIMEOUT: Duration = Duration::from_secs(1);

/// The longest keyboard line we read. Only a bound against a runaway pipe: lines
/// over [`RECV_BUFFER`] bytes are refused anyway.
pub const MAX_INPUT_LINE: usize = 64 * 1024;

/// The prompt Python's `input('>>>')` shows; only printed on a terminal, so that
/// piped output holds just the conversation.
pub const PROMPT: &str = ">>>";

/// What one turn of the other side turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    /// A message, decoded. `lossy` is true when some bytes were not UTF-8 and
    /// were replaced by `�`.
    Message { text: String, lossy: bool },
    /// The other side sent `q`.
    Quit,
    /// The other side closed the connection (read returned 0 bytes).
    Closed,
}

/// How long a UTF-8 sequence is, judging by its first byte (0 for a byte that
/// cannot start one).
fn utf8_sequence_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 0,
    }
}

/// How many bytes are missing at the end of `data` to complete its last UTF-8
/// character (0 when it ends on a character boundary or in garbage).
///
/// ```
/// use tcp_demo::chat::missing_utf8_bytes;
/// let ni = "你".as_bytes(); // e4 bd a0
/// assert_eq!(missing_utf8_bytes(&ni[..1]), 2);
/// assert_eq!(missing_utf8_bytes(&ni[..2]), 1);
/// assert_eq!(missing_utf8_bytes(ni), 0);
/// ```
// ANCHOR: missing
pub fn missing_utf8_bytes(data: &[u8]) -> usize {
    // Walk back over at most three continuation bytes (0b10xx_xxxx) to the byte
    // that starts the last character.
    let tail_start = data.len().saturating_sub(4);
    for (start, &byte) in data.iter().enumerate().skip(tail_start).rev() {
        if byte & 0b1100_0000 != 0b1000_0000 {
            let have = data.len() - start;
            return utf8_sequence_len(byte).saturating_sub(have);
        }
    }
    0
}
// ANCHOR_END: missing

/// A connection whose read timeout can be changed for a moment: a `TcpStream`, or
/// a test's stand-in.
pub trait Conn: Read {
    fn read_timeout(&self) -> io::Result<Option<Duration>>;
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
}

impl Conn for TcpStream {
    fn read_timeout(&self) -> io::Result<Option<Duration>> {
        TcpStream::read_timeout(self)
    }
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
}

/// The tour watches a conversation through [`Watched`]; its timeout is the
/// connection's own.
impl<S: Conn> Conn for Watched<'_, S> {
    fn read_timeout(&self) -> io::Result<Option<Duration>> {
        self.get_ref().read_timeout()
    }
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.get_ref().set_read_timeout(timeout)
    }
}

/// Reads the other side's turn: one read of up to 1024 bytes (`conn.recv(1024)`),
/// plus, if that read ended inside a multi-byte character, the missing bytes of
/// that character. Reading them is safe in a turn-taking protocol: the other side
/// sent a whole line and now waits for us, so nothing else can follow.
// ANCHOR: receive
pub fn receive_turn(conn: &mut impl Conn) -> io::Result<Turn> {
    let mut buf = [0u8; RECV_BUFFER];
    let n = conn.read(&mut buf)?; // Python: msg = conn.recv(1024)
    if n == 0 {
        return Ok(Turn::Closed);
    }
    let mut msg = buf[..n].to_vec();
    let missing = missing_utf8_bytes(&msg);
    if missing > 0 {
        let mut rest = [0u8; 3];
        let got = read_rest_of_character(conn, &mut rest[..missing])?;
        msg.extend_from_slice(&rest[..got]);
    }
    if msg == QUIT.as_bytes() {
        return Ok(Turn::Quit); // Python: if msg == b'q': break
    }
    Ok(match String::from_utf8(msg) {
        Ok(text) => Turn::Message { text, lossy: false }, // Python: msg.decode('utf-8')
        Err(e) => Turn::Message {
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            lossy: true,
        },
    })
}

/// Reads up to `rest.len()` more bytes, waiting at most [`CHARACTER_REST_TIMEOUT`]
/// (or the connection's own timeout, if shorter); returns how many arrived.
fn read_rest_of_character(conn: &mut impl Conn, rest: &mut [u8]) -> io::Result<usize> {
    let idle = conn.read_timeout()?;
    let wait = idle.map_or(CHARACTER_REST_TIMEOUT, |t| t.min(CHARACTER_REST_TIMEOUT));
    conn.set_read_timeout(Some(wait))?;
    let mut got = 0;
    let outcome = loop {
        if got == rest.len() {
            break Ok(got);
        }
        match conn.read(&mut rest[got..]) {
            // EOF here means the peer vanished mid-character: an error, not a turn.
            Ok(0) => break Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            // Nothing more came: the turn ended inside a character (invalid UTF-8).
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                break Ok(got);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    conn.set_read_timeout(idle)?;
    outcome
}
// ANCHOR_END: receive

/// Where a side's lines come from (the keyboard, a pipe, or a script in the
/// tour) and where the conversation is shown.
pub struct Console<'a> {
    pub input: &'a mut dyn BufRead,
    pub output: &'a mut dyn Write,
    /// Show the `>>>` prompt (only on a terminal).
    pub prompt: bool,
    /// Set once the input has ended (then every further line is `q`).
    pub input_ended: bool,
}

impl std::fmt::Debug for Console<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("prompt", &self.prompt)
            .finish()
    }
}

impl<'a> Console<'a> {
    /// Lines come from `input`, the conversation is shown on `output`; `prompt`
    /// shows `>>>` before each line (only on a terminal).
    pub fn new(input: &'a mut dyn BufRead, output: &'a mut dyn Write, prompt: bool) -> Self {
        Console {
            input,
            output,
            prompt,
            input_ended: false,
        }
    }

    /// The next line to send: `input('>>>')`. Empty and over-long lines are
    /// refused with a note and asked again; end of input counts as `q`.
    fn next_line(&mut self) -> io::Result<String> {
        loop {
            if self.prompt {
                write!(self.output, "{PROMPT}")?;
                self.output.flush()?;
            }
            // A line longer than we are willing to hold comes back cut (its tail
            // dropped, never taken for the next message) and is refused below.
            let Some(raw) = read_line_bounded(&mut *self.input, MAX_INPUT_LINE)? else {
                self.input_ended = true;
                return Ok(QUIT.to_string());
            };
            let line = String::from_utf8_lossy(&raw.bytes).into_owned();
            if line.is_empty() {
                eprintln!("(an empty line would send nothing; type a message, or q to quit)");
            } else if line.len() > RECV_BUFFER {
                eprintln!(
                    "(that line is {} bytes; the other side reads at most {RECV_BUFFER} per turn, \
                     see chapter 5: type a shorter one)",
                    line.len()
                );
            } else {
                return Ok(line);
            }
        }
    }

    /// Shows a line of ours, or a word we chose (`q`).
    fn show(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.output, "{text}")?;
        self.output.flush()
    }

    /// Shows a turn of the other side, on one line of its own whatever it holds:
    /// control characters are written as escapes, never obeyed by the terminal.
    fn show_peer_text(&mut self, text: &str) -> io::Result<()> {
        self.show(&visible(text))
    }
}

/// How a conversation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// We typed `q` (or our input ended).
    WeQuit,
    /// The other side sent `q`.
    TheyQuit,
    /// The other side closed the connection without `q`.
    TheyLeft,
}

/// Sends `line` as UTF-8, as `conn.send(inp.encode('utf-8'))` does.
fn send_line(conn: &mut impl Write, line: &str) -> io::Result<()> {
    conn.write_all(line.as_bytes()) // Python: conn.send(inp.encode('utf-8'))
}

/// The server's side of one conversation. The caller sets the connection's
/// timeouts (at most how long to wait for the other side's turn).
// ANCHOR: server_turns
pub fn serve_conversation(
    conn: &mut (impl Conn + Write),
    console: &mut Console<'_>,
) -> io::Result<Ending> {
    loop {
        let inp = console.next_line()?; // Python: inp = input('>>>')
        send_line(conn, &inp)?;
        if inp == QUIT {
            return Ok(Ending::WeQuit); // Python: if inp == 'q': conn.send(...); break
        }
        match receive_turn(conn)? {
            Turn::Quit => return Ok(Ending::TheyQuit), // Python: if msg == b'q':break
            Turn::Closed => return Ok(Ending::TheyLeft),
            Turn::Message { text, lossy } => {
                if lossy {
                    eprintln!("(the client sent bytes that are not UTF-8; shown as �)");
                }
                console.show_peer_text(&text)?; // Python: print(msg.decode('utf-8'))
            }
        }
    }
}
// ANCHOR_END: server_turns

/// The client's side of one conversation. The connection's timeouts are set
/// by [`connect`].
// ANCHOR: client_turns
pub fn client_conversation(
    conn: &mut (impl Conn + Write),
    console: &mut Console<'_>,
) -> io::Result<Ending> {
    loop {
        match receive_turn(conn)? {
            // Python: print(msg.decode('utf-8')); if msg == b'q':break
            Turn::Quit => {
                console.show(QUIT)?;
                return Ok(Ending::TheyQuit);
            }
            Turn::Closed => return Ok(Ending::TheyLeft),
            Turn::Message { text, lossy } => {
                if lossy {
                    eprintln!("(the server sent bytes that are not UTF-8; shown as �)");
                }
                console.show_peer_text(&text)?;
            }
        }
        let inp = console.next_line()?; // Python: inp = input('>>>')
        send_line(conn, &inp)?;
        if inp == QUIT {
            return Ok(Ending::WeQuit);
        }
    }
}
// ANCHOR_END: client_turns

/// The whole chat server: accept a client, talk until someone types `q`, then
/// accept the next. Returns when our own input ends (no one left to type).
///
/// One conversation at a time, as in the tutorial: no thread per client, so no
/// slots to count; the next client waits in the listen backlog. A silent client
/// ends its conversation after `idle_timeout` once it is its turn, and a
/// trickling one cannot stretch a turn: a turn is one read (its first bytes end
/// it) plus at most the rest of one character, waited for at most
/// [`CHARACTER_REST_TIMEOUT`]. Only a client that keeps answering keeps the
/// conversation going, and the person at the server decides when it ends (`q`).
pub fn run_server(
    listener: &TcpListener,
    console: &mut Console<'_>,
    idle_timeout: Duration,
) -> io::Result<()> {
    loop {
        let (mut conn, addr) = match listener.accept() {
            Ok(pair) => pair, // Python: conn,addr = sk.accept()
            // A client that gave up before we accepted it (or a passing shortage
            // of file descriptors) concerns that client only: wait for the next.
            Err(e) => {
                eprintln!("(accept failed: {e})");
                continue;
            }
        };
        eprintln!("(client {addr} connected)");
        let ending =
            set_timeouts(&conn, idle_timeout).and_then(|()| serve_conversation(&mut conn, console));
        match ending {
            Ok(Ending::WeQuit) => eprintln!("(you ended the conversation with {addr})"),
            Ok(Ending::TheyQuit) => eprintln!("(client {addr} ended the conversation)"),
            Ok(Ending::TheyLeft) => eprintln!("(client {addr} left without q)"),
            // One bad client ends its own conversation, never the server.
            Err(e) => eprintln!("(conversation with {addr} ended: {})", describe(&e)),
        }
        // Python: conn.close() — dropping `conn` closes it.
        drop(conn);
        // End of our input was sent as `q`: nobody is left to type, so stop.
        if console.input_ended {
            return Ok(());
        }
    }
}

/// Connects to a chat server within `timeout`; then each turn of the server's
/// may take up to `idle_timeout`.
pub fn connect(
    addr: SocketAddr,
    timeout: Duration,
    idle_timeout: Duration,
) -> io::Result<TcpStream> {
    let conn = TcpStream::connect_timeout(&addr, timeout)?; // Python: sk.connect(('127.0.0.1',9000))
    set_timeouts(&conn, idle_timeout)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::thread;

    /// Stand-ins for a connection have no timeout to change.
    impl Conn for Cursor<Vec<u8>> {
        fn read_timeout(&self) -> io::Result<Option<Duration>> {
            Ok(None)
        }
        fn set_read_timeout(&self, _: Option<Duration>) -> io::Result<()> {
            Ok(())
        }
    }

    /// Delivers its chunks one per read, like a TCP connection that split them.
    struct Chunks(Vec<Vec<u8>>);
    impl Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let chunk = self.0.remove(0);
            buf[..chunk.len()].copy_from_slice(&chunk);
            Ok(chunk.len())
        }
    }
    impl Conn for Chunks {
        fn read_timeout(&self) -> io::Result<Option<Duration>> {
            Ok(None)
        }
        fn set_read_timeout(&self, _: Option<Duration>) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_character_split_across_reads_is_completed_before_decoding() {
        // "你好" is six bytes; deliver them as 4 + 2, cutting 好 in half.
        let bytes = "你好".as_bytes();
        let mut conn = Chunks(vec![bytes[..4].to_vec(), bytes[4..].to_vec()]);
        assert_eq!(
            receive_turn(&mut conn).unwrap(),
            Turn::Message {
                text: "你好".into(),
                lossy: false
            }
        );
    }

    #[test]
    fn peer_vanishing_mid_character_is_an_error() {
        let mut conn = Cursor::new("你".as_bytes()[..2].to_vec());
        let error = receive_turn(&mut conn).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_turn_ending_inside_a_character_is_shown_lossily_without_waiting_long() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        // The connection's own timeout is long; the wait for the rest of 你 is
        // not (were it the connection's, the turn would end in a timeout error).
        let idle = CHARACTER_REST_TIMEOUT * 30;
        conn.set_read_timeout(Some(idle)).unwrap();
        peer.write_all(&"ab你".as_bytes()[..3]).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(
            receive_turn(&mut conn).unwrap(),
            Turn::Message {
                text: "ab\u{fffd}".into(),
                lossy: true
            }
        );
        assert!(started.elapsed() < idle);
        // And the connection's own timeout is back for the next turn.
        assert_eq!(conn.read_timeout().unwrap(), Some(idle));
    }

    #[test]
    fn invalid_utf8_is_shown_lossily() {
        let mut conn = Cursor::new(vec![b'a', 0xff, b'b']);
        assert_eq!(
            receive_turn(&mut conn).unwrap(),
            Turn::Message {
                text: "a\u{fffd}b".into(),
                lossy: true
            }
        );
    }

    #[test]
    fn q_and_eof_are_turns_too() {
        assert_eq!(
            receive_turn(&mut Cursor::new(b"q".to_vec())).unwrap(),
            Turn::Quit
        );
        assert_eq!(
            receive_turn(&mut Cursor::new(Vec::new())).unwrap(),
            Turn::Closed
        );
    }

    #[test]
    fn an_overlong_input_line_is_refused_whole() {
        let mut text = "x".repeat(MAX_INPUT_LINE + 10);
        text.push_str("\nok\n");
        let mut input = Cursor::new(text.into_bytes());
        let mut output = Vec::new();
        let mut console = Console::new(&mut input, &mut output, false);
        assert_eq!(console.next_line().unwrap(), "ok");
    }

    #[test]
    fn missing_bytes_of_four_byte_characters() {
        let crab = "🦀".as_bytes();
        assert_eq!(missing_utf8_bytes(&crab[..1]), 3);
        assert_eq!(missing_utf8_bytes(&crab[..3]), 1);
        assert_eq!(missing_utf8_bytes(b"ab"), 0);
        assert_eq!(missing_utf8_bytes(&[0x80, 0x80, 0x80, 0x80, 0x80]), 0);
    }

    #[test]
    fn one_turn_each_way_then_q() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut input = Cursor::new("你好\nq\n".as_bytes().to_vec());
            let mut output = Vec::new();
            let mut console = Console::new(&mut input, &mut output, false);
            set_timeouts(&conn, Duration::from_secs(5)).unwrap();
            let ending = serve_conversation(&mut conn, &mut console).unwrap();
            (ending, String::from_utf8(output).unwrap())
        });
        let mut conn = connect(addr, Duration::from_secs(5), Duration::from_secs(5)).unwrap();
        let mut input = Cursor::new("\n再见\n".as_bytes().to_vec());
        let mut output = Vec::new();
        let mut console = Console::new(&mut input, &mut output, false);
        let ending = client_conversation(&mut conn, &mut console).unwrap();
        assert_eq!(ending, Ending::TheyQuit);
        assert_eq!(String::from_utf8(output).unwrap(), "你好\nq\n");
        assert_eq!(
            server.join().unwrap(),
            (Ending::WeQuit, "再见\n".to_string())
        );
    }
}
