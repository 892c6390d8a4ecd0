//! A terminal client's connection (`chat client`, the bench, the tutorial's
//! Python): chapter 7's handshake when the room has a secret, then chapter 5's
//! frames both ways — a 4-byte big-endian length and that many bytes of UTF-8.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::net::SocketAddr;

use auth::Handshake;
use framing::FrameError;
use framing::HEADER_LEN;
use framing::codec::FrameCodec;
use futures_util::StreamExt;
use netlab_common::admission::Ticket;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use super::member::{self, Inbound, Joining, Outbound, Received, WRITE_BATCH};
use super::{Shared, linger, tune};
use crate::policy::MAX_SERVER_FRAME_LEN;
use crate::room::Line;

/// Bytes read from a client's socket at a time. Chat lines are short; the
/// buffer grows for a longer frame (up to the frame limit) and most of the
/// 10,000 connections of a big room never need more than this.
pub const READ_BUFFER: usize = 512;

// ANCHOR: serve
/// One terminal client's connection, from accept to close.
pub async fn serve(
    mut socket: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    stop: CancellationToken,
    mut ticket: Ticket,
) {
    tune(&socket);
    // Joining — the handshake and the nickname — has one deadline in all.
    let until = tokio::time::Instant::now() + shared.policy.register_timeout;
    // Chapter 7: prove you know the secret before anything else.
    if let Some(secret) = &shared.secret {
        // Boxed: the handshake's state is needed only for a moment, and a
        // future holds room for its largest step for as long as it lives.
        let handshake = Box::pin(tokio::time::timeout_at(
            until,
            auth::asynchronous::server_handshake(&mut socket, secret, Handshake::WITH_VERDICT),
        ));
        let result = tokio::select! {
            result = handshake => result,
            () = stop.cancelled() => return,
        };
        let error = match result {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(_elapsed) => Some("no answer to the challenge in time".to_string()),
        };
        if let Some(error) = error {
            eprintln!("{peer}: refused: {error}");
            linger(&mut socket).await;
            return;
        }
    }
    let (reader, writer) = socket.into_split();
    let mut inbound = FrameReader::new(reader, shared.policy.max_message_len);
    let mut outbound = FrameWriter::new(writer);
    let joining = Joining {
        ticket: &mut ticket,
        until,
        peer,
        id: shared.new_id(),
        first: None,
    };
    let Some(joined) = member::register(&mut inbound, &mut outbound, joining, shared, &stop).await
    else {
        member::goodbye(&mut outbound, None).await;
        return;
    };
    let (inbound, _outbound) =
        member::converse(inbound, outbound, joined, peer, shared, &stop).await;
    inbound.linger().await;
}
// ANCHOR_END: serve

/// Frames from a terminal client, decoded by chapter 5's codec: "not enough
/// bytes yet" is not an error, EOF between frames is a clean close, EOF inside a
/// frame is an error, and a header over the limit is refused before its
/// payload is read.
#[derive(Debug)]
pub struct FrameReader {
    frames: FramedRead<OwnedReadHalf, FrameCodec>,
}

impl FrameReader {
    pub fn new(reader: OwnedReadHalf, max_len: usize) -> FrameReader {
        FrameReader {
            frames: FramedRead::with_capacity(reader, FrameCodec::new(max_len), READ_BUFFER),
        }
    }
}

impl Inbound for FrameReader {
    async fn next(&mut self) -> Received {
        match self.frames.next().await {
            None => Received::Closed,
            Some(Ok(frame)) => Received::Line(frame.freeze()),
            Some(Err(FrameError::TooLarge { len, max })) => Received::TooLarge { len, max },
            Some(Err(error)) => Received::Broken(error.to_string()),
        }
    }

    async fn linger(self) {
        linger(&mut self.frames.into_inner()).await;
    }
}

// ANCHOR: frame_writer
/// Lines on their way to a terminal client, written as chapter-5 frames
/// straight from the room's shared lines: each line is two slices — its 4-byte
/// length and its text — of one `writev` (Python: `sock.sendmsg([header,
/// text, header, text...])`), so a line reaches 10,000 members without being
/// copied into 10,000 buffers, and a writer that fell behind catches up with
/// one system call for many lines.
#[derive(Debug)]
pub struct FrameWriter {
    socket: OwnedWriteHalf,
    /// Each queued line with its frame header.
    queue: VecDeque<([u8; HEADER_LEN], Line)>,
    /// Bytes of the first queued line's frame (header included) already
    /// written: a `writev` may stop anywhere.
    sent: usize,
}

impl FrameWriter {
    pub fn new(socket: OwnedWriteHalf) -> FrameWriter {
        FrameWriter {
            socket,
            queue: VecDeque::new(),
            sent: 0,
        }
    }

    /// Takes `written` bytes off the front of the queue.
    fn advance(&mut self, mut written: usize) {
        while let Some((_, line)) = self.queue.front() {
            let left = HEADER_LEN + line.len() - self.sent;
            if written < left {
                self.sent += written;
                return;
            }
            written -= left;
            self.sent = 0;
            self.queue.pop_front();
        }
    }
}

impl Outbound for FrameWriter {
    fn queue(&mut self, line: Line) {
        // The room's lines are far below the limit (a message, a name, a
        // marker); `write_some` still refuses one that is not, rather than send
        // a frame the client would refuse.
        let len = u32::try_from(line.len()).unwrap_or(u32::MAX);
        self.queue.push_back((len.to_be_bytes(), line)); // big-endian: struct.pack('!I', n)
    }

    fn queued(&self) -> usize {
        self.queue.len()
    }

    async fn write_some(&mut self) -> io::Result<()> {
        let mut slices = Vec::with_capacity(2 * self.queue.len().min(WRITE_BATCH));
        let mut skip = self.sent;
        for (header, line) in self.queue.iter().take(WRITE_BATCH) {
            if line.len() > MAX_SERVER_FRAME_LEN {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
            }
            for part in [&header[..], line.as_bytes()] {
                // The part of the first frame already written is left out.
                let Some(rest) = part.get(skip..) else {
                    skip -= part.len();
                    continue;
                };
                skip = 0;
                if !rest.is_empty() {
                    slices.push(IoSlice::new(rest));
                }
            }
        }
        let written = self.socket.write_vectored(&slices).await?;
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        self.advance(written);
        Ok(())
    }

    fn abandon(&mut self) {
        let keep = usize::from(self.sent > 0);
        self.queue.truncate(keep);
    }

    async fn close(&mut self) -> io::Result<()> {
        self.socket.shutdown().await
    }
}
// ANCHOR_END: frame_writer

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    async fn pair() -> (FrameWriter, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let (_reader, writer) = server.into_split();
        (FrameWriter::new(writer), client)
    }

    #[tokio::test]
    async fn queued_lines_leave_as_frames_in_order() {
        let (mut out, mut client) = pair().await;
        for line in ["hi", "", "你好"] {
            out.queue(Line::from(line));
        }
        while out.queued() > 0 {
            out.write_some().await.unwrap();
        }
        let mut got = vec![0u8; 4 + 2 + 4 + 4 + 6];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(
            got,
            b"\x00\x00\x00\x02hi\x00\x00\x00\x00\x00\x00\x00\x06\xe4\xbd\xa0\xe5\xa5\xbd"
        );
    }

    #[test]
    fn a_partial_write_resumes_inside_the_frame_it_stopped_in() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (mut out, _client) = pair().await;
            out.queue(Line::from("abc"));
            out.queue(Line::from("de"));
            // 4 + 3 + 4 + 2 = 13 bytes; say the kernel took 5 of them: the
            // header and "a".
            out.advance(5);
            assert_eq!((out.queued(), out.sent), (2, 5));
            // A kick keeps the line that was started, drops the other.
            out.abandon();
            assert_eq!(out.queued(), 1);
            out.advance(2);
            assert_eq!((out.queued(), out.sent), (0, 0));
        });
    }
}
