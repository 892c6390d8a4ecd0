//! `chat client`: join the room, send lines from the keyboard or a pipe, and
//! show what arrives while you type.
//!
//! Two things happen at once: lines come from stdin, and frames come from the
//! server. A blocking thread reads stdin (the standard library has no async
//! stdin that works for terminals and pipes alike) and passes lines over a
//! channel; one task `select!`s between that channel and the socket.
//!
//! When stdin ends (Ctrl-D, or the end of a piped file) the client sends
//! `/quit` and waits (at most `--timeout`) for the server to close the
//! connection. The server handles
//! a client's frames in order, so by then every line sent before `/quit` has been
//! taken by the room: nothing is lost by leaving.
//!
//! Terminal 1: `chat server`
//! Terminal 2: `chat client --nick alice`    Terminal 3: `chat client --nick bob`

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use auth::{AuthError, Handshake, Secret};
use bytes::BytesMut;
use framing::codec::FrameCodec;
use futures_util::{SinkExt, StreamExt};
use netlab_common::cli::humanize_duration;
use netlab_common::color::Style;
use netlab_common::stream::read_line_bounded;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, FramedWrite};

use crate::nick::Nick;
use crate::policy::{MAX_MESSAGE_LEN, MAX_SERVER_FRAME_LEN, RATE_BURST, RATE_PER_SEC};
use crate::rate::TokenBucket;

/// Lines read from stdin but not sent yet. Small: stdin is read only as fast
/// as the server accepts lines.
const STDIN_QUEUE: usize = 16;

// ANCHOR: connection
/// A connection to the chat server that speaks frames: what the `client`, the
/// demo and the benchmark use.
#[derive(Debug)]
pub struct Connection {
    reader: Reader,
    writer: Writer,
}

/// The receiving half of a [`Connection`].
#[derive(Debug)]
pub struct Reader {
    frames: FramedRead<OwnedReadHalf, FrameCodec>,
    timeout: Duration,
}

/// The sending half of a [`Connection`].
#[derive(Debug)]
pub struct Writer {
    frames: FramedWrite<OwnedWriteHalf, FrameCodec>,
    timeout: Duration,
}

impl Connection {
    /// Connects, authenticates when `secret` is given (chapter 7), and sends
    /// `nick`. Returns the connection and the server's welcome line, or the
    /// server's error line (a taken nickname, a full server) as an error.
    pub async fn join(
        addr: SocketAddr,
        nick: &str,
        secret: Option<&Secret>,
        timeout: Duration,
    ) -> Result<(Connection, String), ClientError> {
        Connection::join_from(None, addr, nick, secret, timeout).await
    }

    /// [`Connection::join`] from the local address `source` (any port), or from
    /// whichever address the system picks with `None`. The benchmark uses it to
    /// play many hosts on loopback (127.0.0.2, 127.0.0.3...): a server lets one
    /// address hold only a share of its slots.
    pub async fn join_from(
        source: Option<IpAddr>,
        addr: SocketAddr,
        nick: &str,
        secret: Option<&Secret>,
        timeout: Duration,
    ) -> Result<(Connection, String), ClientError> {
        let connect = async {
            let Some(source) = source else {
                return TcpStream::connect(addr).await;
            };
            let socket = match source {
                IpAddr::V4(_) => TcpSocket::new_v4()?,
                IpAddr::V6(_) => TcpSocket::new_v6()?,
            };
            socket.bind(SocketAddr::new(source, 0))?;
            socket.connect(addr).await
        };
        let socket = match tokio::time::timeout(timeout, connect).await {
            Err(_elapsed) => return Err(ClientError::Timeout { addr, timeout }),
            Ok(Err(error)) => return Err(ClientError::Connect { addr, error }),
            Ok(Ok(socket)) => socket,
        };
        let _ = socket.set_nodelay(true);
        let mut socket = socket;
        if let Some(secret) = secret {
            auth::asynchronous::client_handshake(&mut socket, secret, Handshake::WITH_VERDICT)
                .await
                .map_err(|error| match error {
                    AuthError::Refused => ClientError::WrongSecret { addr },
                    error => ClientError::Handshake { addr, error },
                })?;
        }
        let (reader, writer) = socket.into_split();
        let mut connection = Connection {
            reader: Reader {
                frames: FramedRead::new(reader, FrameCodec::new(MAX_SERVER_FRAME_LEN)),
                timeout,
            },
            writer: Writer {
                frames: FramedWrite::new(writer, FrameCodec::new(MAX_MESSAGE_LEN)),
                timeout,
            },
        };
        connection.send(nick).await?;
        let first = connection
            .recv()
            .await?
            .ok_or(ClientError::ClosedBeforeWelcome { addr })?;
        if first.starts_with("= welcome") {
            Ok((connection, first))
        } else {
            Err(ClientError::NotLetIn { addr, line: first })
        }
    }

    /// Sends one line as one frame.
    pub async fn send(&mut self, line: &str) -> Result<(), ClientError> {
        self.writer.send(line).await
    }

    /// The next line from the server, `None` when it closed the connection
    /// cleanly; waits at most the timeout.
    pub async fn recv(&mut self) -> Result<Option<String>, ClientError> {
        self.reader.recv().await
    }

    /// The next line from the server, without a deadline (cancel-safe, for `select!`).
    pub async fn next_line(&mut self) -> Result<Option<String>, ClientError> {
        self.reader.next_line().await
    }

    /// The two halves, to read and write from different tasks.
    pub fn split(self) -> (Reader, Writer) {
        (self.reader, self.writer)
    }
}

impl Writer {
    /// Sends one line as one frame.
    pub async fn send(&mut self, line: &str) -> Result<(), ClientError> {
        match tokio::time::timeout(self.timeout, self.frames.send(line.as_bytes())).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(ClientError::Send(error.into())),
            Err(_elapsed) => Err(ClientError::NotTaken),
        }
    }
}

impl Reader {
    /// The next line from the server, `None` when it closed the connection
    /// cleanly; waits at most the timeout.
    pub async fn recv(&mut self) -> Result<Option<String>, ClientError> {
        match tokio::time::timeout(self.timeout, self.next_line()).await {
            Ok(result) => result,
            Err(_elapsed) => Err(ClientError::Silent {
                timeout: self.timeout,
            }),
        }
    }

    /// The next line from the server, without a deadline (cancel-safe, for `select!`).
    pub async fn next_line(&mut self) -> Result<Option<String>, ClientError> {
        match self.frames.next().await {
            None => Ok(None),
            Some(Ok(frame)) => Ok(Some(String::from_utf8_lossy(&frame).into_owned())),
            Some(Err(error)) => Err(ClientError::Receive(error.into())),
        }
    }

    /// The socket, and the bytes already read from it but not taken as
    /// frames yet: for the benchmark, which reads frames in place.
    pub fn into_parts(self) -> (OwnedReadHalf, BytesMut) {
        let parts = self.frames.into_parts();
        (parts.io, parts.read_buf)
    }
}
// ANCHOR_END: connection

/// What `chat client` was asked to do.
#[derive(Debug)]
pub struct Options {
    pub addr: SocketAddr,
    pub nick: String,
    pub secret: Option<Secret>,
    pub timeout: Duration,
    pub color: bool,
}

// ANCHOR: client
/// `chat client`: see the module documentation.
pub async fn run(options: Options) -> Result<(), ClientError> {
    let (mut connection, welcome) = Connection::join(
        options.addr,
        &options.nick,
        options.secret.as_ref(),
        options.timeout,
    )
    .await?;
    println!("{}", paint_line(&welcome, options.color));
    let mut lines = spawn_stdin_reader();
    // Stay under the server's rate limit instead of having lines refused.
    let mut pace = TokenBucket::new(RATE_PER_SEC, RATE_BURST, Instant::now());
    let mut quitting = false;
    // Once `/quit` is sent, the server has `--timeout` to say goodbye and close;
    // a client never waits for ever.
    let mut goodbye_deadline = tokio::time::Instant::now();
    loop {
        tokio::select! {
            line = connection.next_line() => match line? {
                Some(line) => println!("{}", paint_line(&line, options.color)),
                None if quitting => return Ok(()),
                None => {
                    eprintln!("the server closed the connection");
                    return Ok(());
                }
            },
            () = tokio::time::sleep_until(goodbye_deadline), if quitting => {
                return Err(ClientError::NoGoodbye { timeout: options.timeout });
            }
            typed = lines.recv(), if !quitting => match typed {
                // The stdin reader already refused lines over MAX_MESSAGE_LEN.
                Some(line) => {
                    tokio::time::sleep(pace.wait_time(Instant::now())).await;
                    pace.try_take(Instant::now());
                    connection.send(&line).await?;
                }
                // End of input: leave, then wait for the server's goodbye and close.
                None => {
                    connection.send("/quit").await?;
                    quitting = true;
                    goodbye_deadline = tokio::time::Instant::now() + options.timeout;
                }
            },
        }
    }
}
// ANCHOR_END: client

/// Why a chat client stopped.
#[derive(Debug)]
pub enum ClientError {
    /// The server could not be reached.
    Connect { addr: SocketAddr, error: io::Error },
    /// Connecting took longer than `timeout`.
    Timeout { addr: SocketAddr, timeout: Duration },
    /// The server said `refused` to our answer: another key (chapter 7).
    WrongSecret { addr: SocketAddr },
    /// The handshake failed otherwise.
    Handshake { addr: SocketAddr, error: AuthError },
    /// The server closed the connection instead of welcoming us.
    ClosedBeforeWelcome { addr: SocketAddr },
    /// The server's first line was not a welcome (a taken nickname, a full room).
    NotLetIn { addr: SocketAddr, line: String },
    /// A line could not be sent.
    Send(io::Error),
    /// The server took none of our bytes for the whole timeout.
    NotTaken,
    /// Nothing came from the server for `timeout`.
    Silent { timeout: Duration },
    /// Reading from the server failed (a reset, or a frame over the limit).
    Receive(io::Error),
    /// After our `/quit`, the server did not close the connection within `timeout`.
    NoGoodbye { timeout: Duration },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Connect { addr, error } => write!(f, "cannot reach {addr}: {error}"),
            ClientError::Timeout { addr, timeout } => {
                write!(
                    f,
                    "no reply from {addr} within {}",
                    humanize_duration(*timeout)
                )
            }
            ClientError::WrongSecret { addr } => write!(f, "{addr} refused us: wrong secret"),
            ClientError::Handshake { addr, error } => {
                write!(f, "authentication with {addr} failed: {error}")
            }
            ClientError::ClosedBeforeWelcome { addr } => {
                write!(f, "{addr} closed the connection before welcoming us")
            }
            ClientError::NotLetIn { addr, line } => write!(f, "{addr} did not let us in: {line}"),
            ClientError::Send(error) => write!(f, "sending to the server: {error}"),
            ClientError::NotTaken => write!(f, "the server does not take our messages"),
            ClientError::Silent { timeout } => write!(
                f,
                "nothing from the server within {}",
                humanize_duration(*timeout)
            ),
            ClientError::Receive(error) => write!(f, "reading from the server: {error}"),
            ClientError::NoGoodbye { timeout } => write!(
                f,
                "the server did not close the connection within {} of our /quit",
                humanize_duration(*timeout)
            ),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Connect { error, .. }
            | ClientError::Send(error)
            | ClientError::Receive(error) => Some(error),
            ClientError::Handshake { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Reads stdin line by line in a thread; the channel closes at end of input.
/// A line that is not UTF-8 (a file saved as GBK, say) is skipped with a note
/// instead of ending the input: chat messages are UTF-8 text.
fn spawn_stdin_reader() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(STDIN_QUEUE);
    std::thread::spawn(move || {
        let mut input = std::io::stdin().lock();
        // A line is held up to the server's limit and no further: whatever is
        // piped in, the client's memory stays bounded.
        while let Ok(Some(line)) = read_line_bounded(&mut input, MAX_MESSAGE_LEN) {
            if line.cut {
                eprintln!(
                    "not sent: that line is longer than {MAX_MESSAGE_LEN} bytes, the server's limit"
                );
                continue;
            }
            let Ok(line) = std::str::from_utf8(&line.bytes) else {
                eprintln!(
                    "not sent: that line is not UTF-8 text (is the file in another encoding, e.g. GBK?)"
                );
                continue;
            };
            if line.trim().is_empty() {
                continue;
            }
            if tx.blocking_send(line.to_string()).is_err() {
                break;
            }
        }
    });
    rx
}

/// The colours nicknames are painted in; a name always gets the same one.
const NICK_COLORS: [Style; 5] = [
    Style::GREEN,
    Style::YELLOW,
    Style::BLUE,
    Style::MAGENTA,
    Style::CYAN,
];

fn nick_style(nick: &str) -> Style {
    let sum = nick
        .bytes()
        .fold(0usize, |sum, b| sum.wrapping_mul(31).wrapping_add(b.into()));
    NICK_COLORS[sum % NICK_COLORS.len()]
}

// ANCHOR: paint
/// A line from the server as the user sees it: `NAME: text` with the name in
/// its colour, `[private]` marked, notices dimmed, errors red (all only when
/// `color`, i.e. on a terminal).
///
/// The line comes from the network: whatever control characters it holds are
/// shown as escapes (`\u{1b}`, `\n`), so that no peer (nor a hostile server) can
/// move the cursor, retitle the terminal or start a forged line
/// (`netlab_common::peer_text`). Our server sends one line per frame and refuses
/// control characters, so an honest room never shows an escape.
pub fn paint_line(line: &str, color: bool) -> String {
    let line: &str = &netlab_common::peer_text::visible(line);
    if !color {
        return line.to_string();
    }
    if line.starts_with("! ") {
        return Style::RED.paint(line, true);
    }
    if line.starts_with("* ") || line.starts_with("= ") {
        return Style::DIM.paint(line, true);
    }
    let (marker, rest) = match line.strip_prefix('[').and_then(|l| l.split_once("] ")) {
        Some((inside, rest)) if inside.starts_with("private") => (
            format!("{} ", Style::BOLD.paint(&format!("[{inside}]"), true)),
            rest,
        ),
        _ => (String::new(), line),
    };
    match rest.split_once(": ") {
        Some((name, text)) if Nick::parse(name).is_ok() => {
            format!("{marker}{}: {text}", nick_style(name).paint(name, true))
        }
        _ => line.to_string(),
    }
}
// ANCHOR_END: paint

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_colour_lines_are_untouched() {
        assert_eq!(paint_line("alice: hi", false), "alice: hi");
    }

    #[test]
    fn the_nickname_is_coloured_and_the_text_is_not() {
        let painted = paint_line("alice: hi: there", true);
        assert!(painted.starts_with('\x1b'));
        assert!(painted.ends_with("\x1b[0m: hi: there"));
        let private = paint_line("[private] bob: psst", true);
        assert!(
            private.starts_with("\x1b[1m[private]\x1b[0m "),
            "{private:?}"
        );
    }

    #[test]
    fn a_name_keeps_its_colour() {
        assert_eq!(nick_style("alice"), nick_style("alice"));
    }
}
