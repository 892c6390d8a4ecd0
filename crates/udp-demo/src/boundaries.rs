//! 四.套接字初使用 / 五.黏包 — UDP keeps message boundaries, and truncates.
//!
//! TCP is a byte stream: three `send`s may arrive as one `recv` (chapter 5, 黏包).
//! UDP sends datagrams: three `sendto`s arrive as three `recvfrom`s, each exactly
//! one message. The price: a datagram longer than the receive buffer does not
//! wait for a second `recvfrom` like TCP bytes would. The rest is thrown away,
//! and Python's `recvfrom(1024)` on Linux says nothing about it.
//!
//! We do not hide it. Before reading, we *peek* at the waiting datagram with
//! `MSG_PEEK | MSG_TRUNC`: the kernel leaves the datagram queued, sets the
//! `MSG_TRUNC` flag when it is longer than our buffer and, on Linux, returns its
//! real length. Then we read it with an ordinary 1024-byte `recv_from`, exactly
//! like Python, and report what was lost.
//!
//! ```text
//! udp-demo boundaries
//! ```

use std::ffi::c_int;
use std::io;
use std::mem::MaybeUninit;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use netlab_common::bytes::python_repr;
use netlab_common::{DemoResult, Narrator};
use socket2::{MaybeUninitSlice, SockRef};

/// The tutorial's receive buffer: `recvfrom(1024)`.
pub const RECV_BUFFER: usize = 1024;

/// The datagram of the truncation lesson: bigger than the buffer, well below
/// the 65507-byte UDP maximum and below loopback's 65536-byte MTU.
pub const BIG_DATAGRAM: usize = 2000;

/// The three messages of the boundaries lesson.
pub const THREE_MESSAGES: [&[u8]; 3] = [b"one", b"two", b"three"];

/// How long the demo waits for a datagram on loopback before failing.
const DEMO_TIMEOUT: Duration = Duration::from_secs(2);

/// One received datagram, and how long it really was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// What fitted in the buffer.
    pub data: Vec<u8>,
    /// Who sent it.
    pub from: SocketAddr,
    /// `Some(n)`: the datagram was truncated; it had `n` bytes (Linux reports
    /// the real length; elsewhere `n` is the buffer size).
    pub truncated_from: Option<usize>,
}

/// The flags for peeking at the size of the next datagram. Only Linux reports
/// the real length with `MSG_TRUNC`; elsewhere the peek still says *whether* the
/// datagram was cut (socket2 turns Windows' `WSAEMSGSIZE` into the same flag).
#[cfg(target_os = "linux")]
const PEEK_FLAGS: c_int = libc::MSG_PEEK | libc::MSG_TRUNC;
#[cfg(all(unix, not(target_os = "linux")))]
const PEEK_FLAGS: c_int = libc::MSG_PEEK;
/// `MSG_PEEK` of winsock2.h (the libc crate has no socket flags for Windows).
#[cfg(windows)]
const PEEK_FLAGS: c_int = 0x2;

/// `recvfrom(buffer_len)`, but truncation is reported instead of hidden.
///
/// Blocks like `recv_from` (and obeys the socket's read timeout).
// ANCHOR: recv_reporting
pub fn recv_from_reporting(socket: &UdpSocket, buffer_len: usize) -> io::Result<Datagram> {
    // 1. Peek: the datagram stays queued. Only the length and the flags are
    //    used, so the peek buffer may stay uninitialised (no unsafe needed).
    let mut peek_buf = vec![MaybeUninit::<u8>::uninit(); buffer_len];
    let mut bufs = [MaybeUninitSlice::new(&mut peek_buf)];
    let (peeked_len, flags, _) =
        SockRef::from(socket).recv_from_vectored_with_flags(&mut bufs, PEEK_FLAGS)?;

    // 2. Read it for real, exactly like Python's `msg, addr = recvfrom(1024)`.
    let mut buf = vec![0u8; buffer_len];
    let (n, from) = socket.recv_from(&mut buf)?;
    buf.truncate(n);
    let truncated_from = flags.is_truncated().then_some(peeked_len.max(n));
    Ok(Datagram {
        data: buf,
        from,
        truncated_from,
    })
}
// ANCHOR_END: recv_reporting

/// A pair of sockets on loopback: (sender, receiver).
fn pair() -> io::Result<(UdpSocket, UdpSocket)> {
    let sender = UdpSocket::bind("127.0.0.1:0")?;
    let receiver = UdpSocket::bind("127.0.0.1:0")?;
    receiver.set_read_timeout(Some(DEMO_TIMEOUT))?;
    Ok((sender, receiver))
}

/// Three sends, three receives; then a 2000-byte datagram into a 1024-byte buffer.
// ANCHOR: demo
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("UDP keeps message boundaries (udp-demo boundaries)");
    let (sender, receiver) = pair()?;
    let to = receiver.local_addr()?;
    for message in THREE_MESSAGES {
        narrator.send("sender", "receiver", message);
        sender.send_to(message, to)?; // Python: sk.sendto(b'one', addr)
    }
    for _ in THREE_MESSAGES {
        let datagram = recv_from_reporting(&receiver, RECV_BUFFER)?; // Python: recvfrom(1024)
        narrator.receive("receiver", "sender", &datagram.data);
    }
    narrator.say("three sendto() calls arrived as three recvfrom() results, never merged:");
    narrator.say("each datagram is one message. TCP would have delivered one byte stream");
    narrator.say("(b'onetwothree' in one recv, perhaps): chapter 5, 黏包");

    narrator.section("A datagram bigger than the buffer is truncated");
    let big = vec![b'x'; BIG_DATAGRAM];
    narrator.event(
        "sender",
        &format!("→ receiver: {BIG_DATAGRAM} bytes (b'xxx...') in one sendto()"),
    );
    sender.send_to(&big, to)?;
    let datagram = recv_from_reporting(&receiver, RECV_BUFFER)?;
    narrator.event(
        "receiver",
        &format!(
            "← sender: {} bytes with recvfrom({RECV_BUFFER}), ending {}",
            datagram.data.len(),
            python_repr(
                datagram
                    .data
                    .get(datagram.data.len().saturating_sub(3)..)
                    .unwrap_or(&[])
            )
        ),
    );
    match datagram.truncated_from {
        Some(full) => {
            narrator.say(&format!(
                "MSG_TRUNC was set: the datagram had {full} bytes, {} were thrown away",
                full.saturating_sub(datagram.data.len())
            ));
            narrator.say("Python's recvfrom(1024) drops them silently on Linux; the next");
            narrator.say("recvfrom() gets the next datagram, not the rest of this one");
        }
        None => narrator.say("the datagram was not truncated (unexpected on this system)"),
    }
    Ok(())
}
// ANCHOR_END: demo

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_sends_are_three_receives() {
        let (sender, receiver) = pair().unwrap();
        let to = receiver.local_addr().unwrap();
        for message in THREE_MESSAGES {
            sender.send_to(message, to).unwrap();
        }
        for message in THREE_MESSAGES {
            let datagram = recv_from_reporting(&receiver, RECV_BUFFER).unwrap();
            assert_eq!(datagram.data, message);
            assert_eq!(datagram.truncated_from, None);
            assert_eq!(datagram.from, sender.local_addr().unwrap());
        }
    }

    #[test]
    fn truncation_is_reported_with_the_real_length() {
        let (sender, receiver) = pair().unwrap();
        let to = receiver.local_addr().unwrap();
        sender.send_to(&[7u8; BIG_DATAGRAM], to).unwrap();
        let datagram = recv_from_reporting(&receiver, RECV_BUFFER).unwrap();
        assert_eq!(datagram.data.len(), RECV_BUFFER);
        if cfg!(target_os = "linux") {
            assert_eq!(datagram.truncated_from, Some(BIG_DATAGRAM));
        } else {
            assert!(datagram.truncated_from.is_some());
        }
    }

    #[test]
    fn an_empty_datagram_is_a_message_too() {
        let (sender, receiver) = pair().unwrap();
        sender.send_to(b"", receiver.local_addr().unwrap()).unwrap();
        let datagram = recv_from_reporting(&receiver, RECV_BUFFER).unwrap();
        assert!(datagram.data.is_empty());
        assert_eq!(datagram.truncated_from, None);
    }

    #[test]
    fn demo_reports_the_truncation() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        assert!(
            text.contains("[receiver] ← sender: b'three' (5 bytes)"),
            "{text}"
        );
        assert!(text.contains("1024 bytes with recvfrom(1024)"), "{text}");
        assert!(text.contains("MSG_TRUNC was set"), "{text}");
    }
}
