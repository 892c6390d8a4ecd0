//! `chat server --web ADDR`: the browser joins the room. Chapter 2 set C/S (a
//! program of our own as the client) beside B/S (the browser as the client);
//! here both kinds of client share one room on one server.
//!
//! One HTTP request per connection, and the path decides:
//!
//! - `GET /`, `/chat.css`, `/chat.js`: the page, its style and its script
//!   (embedded in the binary, no build step), then the connection closes;
//! - `GET /ws` with `Upgrade: websocket`: the answer is `101 Switching
//!   Protocols`, and from then on the same TCP connection carries **WebSocket**
//!   messages both ways (RFC 6455), read and written by tokio-tungstenite.
//!
//! The WebSocket protocol of the room: the browser's first text message is its
//! nickname. When the room has a secret (chapter 7) the server answers it with
//! the 32-byte challenge as one binary message, and the page answers with the
//! HMAC-SHA256 of it as one binary message, computed by the browser's Web Crypto
//! API from a key the user typed — the key never crosses the network. Then each
//! text message is one chat line (the same commands as the terminal client), and
//! the server sends each room line as one text message, as the terminal shows it.
//!
//! A browser counts against the same limits as a terminal client: the same
//! connection slots and per-address shares, one deadline to join (the HTTP
//! upgrade included), the same nickname rules, line length, rate and outbox.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use netlab_common::admission::{Refused, Ticket};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::handshake::machine::TryParse;
use tokio_tungstenite::tungstenite::handshake::server::{Request, create_response, write_response};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

use super::member::{self, Inbound, Joining, Outbound, Received};
use super::{Shared, linger, refusal_line, tune};
use crate::policy::{MAX_SERVER_FRAME_LEN, Policy};
use crate::room::Line;

/// The page, its style and its script: plain files in `crates/chat/web/`,
/// compiled into the binary.
pub const PAGE: &str = include_str!("../../web/index.html");
pub const STYLE: &str = include_str!("../../web/chat.css");
pub const SCRIPT: &str = include_str!("../../web/chat.js");

/// The path of the WebSocket endpoint.
pub const WS_PATH: &str = "/ws";

/// Largest HTTP request head (request line and headers) we read (give or take
/// the last read): a browser's is under 1 KiB, and a bigger one is refused with
/// 431 before it can fill memory.
pub const MAX_REQUEST_HEAD: usize = 8 * 1024;

/// Bytes the WebSocket layer reads at a time (it allocates them at once, for
/// each browser: its default is 128 KiB).
pub const WS_READ_BUFFER: usize = 4 * 1024;

/// Bytes of messages the WebSocket layer gathers before it writes them; the
/// writer flushes after each batch anyway.
pub const WS_WRITE_BUFFER: usize = 16 * 1024;

// ANCHOR: limits
/// The WebSocket limits, from the room's: one message is one chat line, so a
/// frame (and a message, however fragmented) is refused when it is longer than
/// a line may be — checked on the frame's header, before its payload is read,
/// as chapter 5's codec does. tungstenite's own defaults would let a browser
/// send 64 MiB messages.
pub fn ws_config(policy: &Policy) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_frame_size(Some(policy.max_message_len))
        .max_message_size(Some(policy.max_message_len))
        .read_buffer_size(WS_READ_BUFFER)
        .write_buffer_size(WS_WRITE_BUFFER)
        // A queue of written but unsent bytes never grows past one more line.
        .max_write_buffer_size(WS_WRITE_BUFFER + MAX_SERVER_FRAME_LEN + 16)
}
// ANCHOR_END: limits

type Socket = WebSocketStream<TcpStream>;

/// Why a request head could not be read.
#[derive(Debug)]
enum HeadError {
    /// The client closed, broke off or missed the deadline: nothing to answer.
    Gone,
    /// Over [`MAX_REQUEST_HEAD`] without an end: 431.
    TooLarge,
    /// Not HTTP we understand: 400 or 405.
    Bad(WsError),
}

/// Reads the request head, up to its blank line, and parses it. A browser
/// sends nothing after the head of a WebSocket upgrade until it has the
/// answer, so the head is all there is to read (tungstenite refuses bytes after
/// it the same way).
async fn read_head(socket: &mut TcpStream) -> Result<(Request, usize), HeadError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return Err(HeadError::Gone),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
        }
        match Request::try_parse(&head) {
            Ok(Some((len, request))) => return Ok((request, head.len() - len)),
            Ok(None) if head.len() >= MAX_REQUEST_HEAD => return Err(HeadError::TooLarge),
            Ok(None) => {}
            Err(error) => return Err(HeadError::Bad(error)),
        }
    }
}

/// An HTTP response with a body, and `Connection: close`: one request per
/// connection keeps the server simple (the browser opens another).
fn response(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\n\
         Content-Type: {content_type}\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'self'\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Tells a browser that it may not come in (full, or its address holds its
/// share), then closes.
pub async fn refuse(mut socket: TcpStream, refused: Refused) {
    let line = format!("{}\n", refusal_line(&refused));
    let answer = response(
        "503 Service Unavailable",
        "text/plain; charset=utf-8",
        &line,
    );
    let _ = tokio::time::timeout(crate::policy::FAREWELL_TIMEOUT, socket.write_all(&answer)).await;
    linger(&mut socket).await;
}

// ANCHOR: serve
/// One connection to the web address, from accept to close.
pub async fn serve(
    mut socket: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    stop: CancellationToken,
    mut ticket: Ticket,
) {
    tune(&socket);
    // Joining has one deadline in all: the HTTP upgrade, the challenge and
    // the nickname, as for a terminal client.
    let until = tokio::time::Instant::now() + shared.policy.register_timeout;
    let head = tokio::select! {
        () = stop.cancelled() => return,
        head = tokio::time::timeout_at(until, read_head(&mut socket)) => head,
    };
    let answer = match head {
        // The deadline passed, or the client went away: nobody to answer.
        Err(_) | Ok(Err(HeadError::Gone)) => return,
        Ok(Err(HeadError::TooLarge)) => {
            response("431 Request Header Fields Too Large", "text/plain", "")
        }
        Ok(Err(HeadError::Bad(WsError::Protocol(ProtocolError::WrongHttpMethod)))) => {
            response("405 Method Not Allowed", "text/plain", "GET only\n")
        }
        Ok(Err(HeadError::Bad(_))) => response("400 Bad Request", "text/plain", ""),
        Ok(Ok((request, extra))) => match request.uri().path() {
            "/" => response("200 OK", "text/html; charset=utf-8", PAGE),
            "/chat.css" => response("200 OK", "text/css; charset=utf-8", STYLE),
            "/chat.js" => response("200 OK", "text/javascript; charset=utf-8", SCRIPT),
            WS_PATH => match upgrade(&request, extra) {
                Ok(switching) => {
                    let joining = Joining {
                        ticket: &mut ticket,
                        until,
                        peer,
                        id: shared.new_id(),
                        first: None,
                    };
                    return converse(socket, switching, joining, shared, &stop).await;
                }
                Err(refusal) => refusal,
            },
            _ => response("404 Not Found", "text/plain", "not found\n"),
        },
    };
    let _ = tokio::time::timeout(crate::policy::FAREWELL_TIMEOUT, socket.write_all(&answer)).await;
    let _ = socket.shutdown().await;
    linger(&mut socket).await;
}
// ANCHOR_END: serve

// ANCHOR: upgrade
/// The answer to `GET /ws`: `101 Switching Protocols` for a WebSocket
/// upgrade, or the HTTP error to send instead.
///
/// tungstenite checks the request (`Connection: Upgrade`, `Upgrade: websocket`,
/// `Sec-WebSocket-Version: 13`, a `Sec-WebSocket-Key`) and computes the
/// `Sec-WebSocket-Accept` proof: base64(SHA-1(key + a fixed GUID)), which shows
/// the client that it is talking to a WebSocket server and not to a confused
/// HTTP cache.
fn upgrade(request: &Request, extra: usize) -> Result<Vec<u8>, Vec<u8>> {
    if extra > 0 {
        return Err(response(
            "400 Bad Request",
            "text/plain",
            "data after the upgrade request\n",
        ));
    }
    // A browser names the page that opens a WebSocket (`Origin`), and lets any
    // page open one to any server: a page from elsewhere, visited by someone
    // on this machine, must not join the room in their name. Programs that
    // are not browsers send no Origin.
    if let Some(origin) = request.headers().get("Origin") {
        let host = request.headers().get("Host").map(|h| h.as_bytes());
        let same = host.is_some_and(|host| {
            [&b"http://"[..], b"https://"]
                .iter()
                .any(|scheme| origin.as_bytes() == [*scheme, host].concat())
        });
        if !same {
            return Err(response(
                "403 Forbidden",
                "text/plain",
                "a page from another origin\n",
            ));
        }
    }
    let switching = create_response(request).map_err(|error| {
        response(
            "400 Bad Request",
            "text/plain",
            &format!("not a WebSocket upgrade: {error}\n"),
        )
    })?;
    let mut answer = Vec::new();
    write_response(&mut answer, &switching)
        .map_err(|_| response("500 Internal Server Error", "text/plain", ""))?;
    Ok(answer)
}
// ANCHOR_END: upgrade

// ANCHOR: converse
/// After the upgrade: the challenge when the room has a secret, the nickname,
/// then the conversation, as for a terminal client.
async fn converse(
    mut socket: TcpStream,
    switching: Vec<u8>,
    joining: Joining<'_>,
    shared: &Shared,
    stop: &CancellationToken,
) {
    let peer = joining.peer;
    let sent = tokio::time::timeout_at(joining.until, socket.write_all(&switching)).await;
    if !matches!(sent, Ok(Ok(()))) {
        return;
    }
    // From here on the bytes are WebSocket frames.
    let ws =
        WebSocketStream::from_raw_socket(socket, Role::Server, Some(ws_config(&shared.policy)))
            .await;
    let (sink, stream) = ws.split();
    let mut inbound = WsReader { stream };
    let mut outbound = WsWriter {
        sink,
        queue: VecDeque::new(),
    };
    let joined = tokio::select! {
        () = stop.cancelled() => None,
        joined = first_line(&mut inbound, &mut outbound, joining.until, peer, shared) => joined,
    };
    let Some(first) = joined else {
        return finish(inbound, Some(outbound)).await;
    };
    let joining = Joining {
        first: Some(first),
        ..joining
    };
    let Some(joined) = member::register(&mut inbound, &mut outbound, joining, shared, stop).await
    else {
        member::goodbye(&mut outbound, None).await;
        return finish(inbound, Some(outbound)).await;
    };
    let (inbound, outbound) = member::converse(inbound, outbound, joined, peer, shared, stop).await;
    finish(inbound, outbound).await;
}
// ANCHOR_END: converse

// ANCHOR: challenge
/// The browser's first message (its nickname) and, when the room has a
/// secret, chapter 7's challenge: 32 random bytes in one binary message, whose
/// HMAC-SHA256 the page sends back in one binary message. The nickname is kept
/// unread until the answer is right. `None`: refused, and told why.
async fn first_line(
    inbound: &mut WsReader,
    outbound: &mut WsWriter,
    until: tokio::time::Instant,
    peer: SocketAddr,
    shared: &Shared,
) -> Option<Bytes> {
    let refuse = async |outbound: &mut WsWriter, line: &str| {
        member::goodbye(outbound, Some(line)).await;
        None
    };
    let nickname = match tokio::time::timeout_at(until, inbound.next()).await {
        Ok(Received::Line(nickname)) => nickname,
        Ok(Received::Refused(_)) => {
            let line = "! refused: the first message is your nickname, as text; goodbye";
            return refuse(outbound, line).await;
        }
        Ok(_) => return None,
        Err(_elapsed) => return refuse(outbound, "! no nickname received in time; goodbye").await,
    };
    let Some(secret) = &shared.secret else {
        return Some(nickname);
    };
    let challenge = auth::new_challenge().ok()?;
    let asked = outbound
        .sink
        .send(Message::binary(challenge.to_vec()))
        .await;
    if asked.is_err() {
        return None;
    }
    let right = match tokio::time::timeout_at(until, answer_to(inbound)).await {
        // Compared in constant time, as chapter 7 does.
        Ok(Some(answer)) => auth::verify(secret, &challenge, &answer),
        Ok(None) => false,
        Err(_elapsed) => {
            eprintln!("{peer}: refused: no answer to the challenge in time");
            return refuse(outbound, "! no answer to the challenge in time; goodbye").await;
        }
    };
    if !right {
        eprintln!("{peer}: refused: wrong answer to the challenge");
        let line = "! refused: wrong answer to the challenge (is the key right?); goodbye";
        return refuse(outbound, line).await;
    }
    Some(nickname)
}
// ANCHOR_END: challenge

/// The next message, if it is binary: the answer to the challenge.
async fn answer_to(inbound: &mut WsReader) -> Option<Bytes> {
    loop {
        match inbound.stream.next().await? {
            Ok(Message::Binary(answer)) => return Some(answer),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            _ => return None,
        }
    }
}

/// The lingering close (see [`linger`]) of a WebSocket connection: with both
/// halves back, on the TCP connection itself, so that bytes of a refused frame
/// left unread cannot turn the close into a reset.
async fn finish(inbound: WsReader, outbound: Option<WsWriter>) {
    let Some(outbound) = outbound else {
        // The writer was cut off: linger on what is left, the messages.
        return inbound.linger().await;
    };
    if let Ok(ws) = inbound.stream.reunite(outbound.sink) {
        linger(&mut ws.into_inner()).await;
    }
}

// ANCHOR: ws_halves
/// A browser's messages: text is a line, binary is refused (the connection
/// goes on), pings are answered by tungstenite, a close message is a clean
/// close.
#[derive(Debug)]
pub struct WsReader {
    stream: SplitStream<Socket>,
}

impl Inbound for WsReader {
    async fn next(&mut self) -> Received {
        loop {
            let message = match self.stream.next().await {
                None | Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                    return Received::Closed;
                }
                Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                    return Received::TooLarge {
                        len: size as u64,
                        max: max_size,
                    };
                }
                Some(Err(error)) => return Received::Broken(error.to_string()),
                Some(Ok(message)) => message,
            };
            return match message {
                Message::Text(text) => Received::Line(Bytes::from(text)),
                Message::Binary(_) => Received::Refused(
                    "! refused: chat lines are text messages; that one was binary",
                ),
                Message::Close(_) => Received::Closed,
                // tungstenite answers a ping by itself; raw frames are only
                // ever written, never read.
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            };
        }
    }

    async fn linger(mut self) {
        let _ = tokio::time::timeout(crate::policy::FAREWELL_TIMEOUT, async {
            while let Some(Ok(_)) = self.stream.next().await {}
        })
        .await;
    }
}

/// Lines on their way to a browser, one text message each. tungstenite copies
/// each into its buffer as a frame (a browser is one member among thousands,
/// so one copy each costs little); the batch leaves with one flush.
#[derive(Debug)]
pub struct WsWriter {
    sink: SplitSink<Socket, Message>,
    queue: VecDeque<Line>,
}

impl Outbound for WsWriter {
    fn queue(&mut self, line: Line) {
        self.queue.push_back(line);
    }

    fn queued(&self) -> usize {
        self.queue.len()
    }

    async fn write_some(&mut self) -> io::Result<()> {
        while let Some(line) = self.queue.front() {
            let message = Message::Text(Utf8Bytes::from(line.as_ref()));
            self.sink.feed(message).await.map_err(io::Error::other)?;
            // Only once the message is in tungstenite's buffer.
            self.queue.pop_front();
        }
        self.sink.flush().await.map_err(io::Error::other)
    }

    fn abandon(&mut self) {
        // A message is whole in tungstenite's buffer or not there at all.
        self.queue.clear();
    }

    async fn close(&mut self) -> io::Result<()> {
        self.sink.close().await.map_err(io::Error::other)
    }
}
// ANCHOR_END: ws_halves
