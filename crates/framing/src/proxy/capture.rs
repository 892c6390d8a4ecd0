//! `--pcap FILE`: the conversations the proxy carried, as a capture file that
//! Wireshark and tshark open.
//!
//! The proxy never sees a TCP header: the kernel writes and reads them. So the
//! capture is *synthesized* from what the proxy did: for each conversation,
//! the segments one TCP connection between the client and the server would
//! have carried — the three-way handshake (三次握手), one segment for each piece
//! the proxy delivered, with the real sequence and acknowledgement numbers,
//! and the close (四次挥手) — built with chapter 3's encapsulation code
//! (`net_basics::tcp`, correct checksums) and written by `net_basics::pcap`.
//!
//! ```text
//! $ framing proxy --to 127.0.0.1:8888 --split 7 --pcap split.pcap
//! $ tshark -r split.pcap                          # one line per segment
//! $ tshark -r split.pcap -qz follow,tcp,raw,0     # the bytes of conversation 1
//! ```
//!
//! What it leaves out: the ACK segments a real receiver sends for each piece
//! (every segment here acknowledges everything the other side sent before it),
//! and window sizes. A real capture of the same run (chapter 3's `net-basics
//! capture`) shows two connections, client–proxy and proxy–server; this file
//! shows the one conversation the proxy pretends to be.

use std::io;
use std::net::{SocketAddr, SocketAddrV4};
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use net_basics::pcap::PcapFile;
use net_basics::tcp::{Flags, MAX_PAYLOAD, TcpFrame};

use super::link::{Direction, Watcher};

/// The initial sequence numbers of the synthesized connections. A real TCP
/// draws them at random (chapter 3); Wireshark shows every number relative to
/// them anyway, so that the first byte of data is 1 on both sides.
pub const CLIENT_ISN: u32 = 1_000;
pub const SERVER_ISN: u32 = 5_000;

/// The capture file, shared by every conversation.
#[derive(Debug)]
pub struct Capture {
    file: Mutex<Option<PcapFile>>,
}

impl Capture {
    /// Creates (or truncates) the capture file at `path`.
    pub fn create(path: &Path) -> io::Result<Capture> {
        Ok(Capture {
            file: Mutex::new(Some(PcapFile::create(path)?)),
        })
    }

    /// The addresses a conversation is recorded with: IPv4 only, like chapter
    /// 3's frames.
    pub fn addresses(
        client: SocketAddr,
        server: SocketAddr,
    ) -> Option<(SocketAddrV4, SocketAddrV4)> {
        match (client, server) {
            (SocketAddr::V4(client), SocketAddr::V4(server)) => Some((client, server)),
            _ => None,
        }
    }

    /// Starts recording the conversation between `client` and `server`: its
    /// handshake.
    pub fn conversation(&self, client: SocketAddrV4, server: SocketAddrV4) -> Conversation<'_> {
        let conversation = Conversation {
            capture: self,
            state: Mutex::new(State {
                ends: [client, server],
                next_seq: [CLIENT_ISN, SERVER_ISN],
                fin_sent: [false, false],
                ident: 0,
            }),
        };
        // SYN, SYN+ACK, ACK: each side's SYN takes one sequence number.
        let mut state = conversation.state();
        conversation.segment(&mut state, CLIENT, Flags::SYN, &[]);
        state.next_seq[CLIENT] += 1;
        conversation.segment(&mut state, SERVER, Flags::SYN | Flags::ACK, &[]);
        state.next_seq[SERVER] += 1;
        conversation.segment(&mut state, CLIENT, Flags::ACK, &[]);
        drop(state);
        conversation
    }

    fn write(&self, frame: &TcpFrame) {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(writer) = file.as_mut() else {
            return;
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        let written = frame
            .to_bytes()
            .map_err(io::Error::other)
            .and_then(|bytes| writer.write(now, &bytes));
        if let Err(error) = written {
            // A full disk must not stop the proxy: say so once, capture no more.
            eprintln!("--pcap: {error}; the capture stops here");
            *file = None;
        }
    }
}

/// Which end of the conversation, as an index into [`State`]'s arrays.
const CLIENT: usize = 0;
const SERVER: usize = 1;

fn sender(direction: Direction) -> usize {
    match direction {
        Direction::ClientToServer => CLIENT,
        Direction::ServerToClient => SERVER,
    }
}

/// One conversation being recorded.
#[derive(Debug)]
pub struct Conversation<'a> {
    capture: &'a Capture,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The client's and the server's address.
    ends: [SocketAddrV4; 2],
    /// The sequence number of each side's next byte (what the other side
    /// acknowledges).
    next_seq: [u32; 2],
    fin_sent: [bool; 2],
    /// The IPv4 identification of the next packet.
    ident: u16,
}

impl Conversation<'_> {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes one segment from `from` (CLIENT or SERVER) carrying `payload`,
    /// acknowledging everything the other side sent so far.
    fn segment(&self, state: &mut State, from: usize, flags: Flags, payload: &[u8]) {
        let to = 1 - from;
        let ack = if flags.contains(Flags::ACK) {
            state.next_seq[to]
        } else {
            0
        };
        let frame = TcpFrame {
            seq: state.next_seq[from],
            ack,
            ident: state.ident,
            payload: payload.to_vec(),
            ..TcpFrame::new(state.ends[from], state.ends[to], flags)
        };
        state.ident = state.ident.wrapping_add(1);
        self.capture.write(&frame);
    }

    /// The server could not be reached: its answer to the SYN is a reset.
    pub fn refused(&self) {
        let mut state = self.state();
        self.segment(&mut state, SERVER, Flags::RST | Flags::ACK, &[]);
    }

    /// The conversation failed (a reset, a timeout): it ends with a reset.
    pub fn reset(&self) {
        let mut state = self.state();
        if !(state.fin_sent[CLIENT] && state.fin_sent[SERVER]) {
            self.segment(&mut state, CLIENT, Flags::RST | Flags::ACK, &[]);
        }
    }
}

impl Watcher for Conversation<'_> {
    /// One segment per delivered piece (a piece larger than one segment can
    /// carry, only possible with `--merge`, takes several).
    fn delivered(&self, direction: Direction, piece: &[u8]) {
        let from = sender(direction);
        let mut state = self.state();
        for payload in piece.chunks(MAX_PAYLOAD) {
            self.segment(&mut state, from, Flags::PSH | Flags::ACK, payload);
            state.next_seq[from] = state.next_seq[from].wrapping_add(payload.len() as u32);
        }
    }

    /// A FIN (it takes one sequence number); after the second FIN, the ACK that
    /// ends the four-way close.
    fn closed(&self, direction: Direction) {
        let from = sender(direction);
        let mut state = self.state();
        self.segment(&mut state, from, Flags::FIN | Flags::ACK, &[]);
        state.next_seq[from] = state.next_seq[from].wrapping_add(1);
        state.fin_sent[from] = true;
        if state.fin_sent[1 - from] {
            self.segment(&mut state, 1 - from, Flags::ACK, &[]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use net_basics::tcp::Checksum;
    use pcap_file::pcap::PcapReader;

    #[test]
    fn a_conversation_is_a_handshake_numbered_data_and_a_close() {
        let dir = std::env::temp_dir().join(format!("framing-capture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("test.pcap");
        let capture = Capture::create(&path).unwrap();
        let client = "127.0.0.1:50000".parse().unwrap();
        let server = "127.0.0.1:8888".parse().unwrap();
        let conversation = capture.conversation(client, server);
        conversation.delivered(Direction::ClientToServer, b"echo hi");
        conversation.delivered(Direction::ServerToClient, b"hi\n");
        conversation.closed(Direction::ClientToServer);
        conversation.closed(Direction::ServerToClient);
        drop(capture);

        let bytes = std::fs::read(&path).unwrap();
        let mut reader = PcapReader::new(&bytes[..]).unwrap();
        let mut segments = Vec::new();
        while let Some(packet) = reader.next_packet() {
            let frame = TcpFrame::parse(&packet.unwrap().data, Checksum::Verify).unwrap();
            segments.push((frame.flags.to_string(), frame.seq, frame.ack, frame.payload));
        }
        let expected: Vec<(String, u32, u32, Vec<u8>)> = vec![
            ("SYN".into(), 1000, 0, vec![]),
            ("SYN+ACK".into(), 5000, 1001, vec![]),
            ("ACK".into(), 1001, 5001, vec![]),
            ("PSH+ACK".into(), 1001, 5001, b"echo hi".to_vec()),
            ("PSH+ACK".into(), 5001, 1008, b"hi\n".to_vec()),
            ("FIN+ACK".into(), 1008, 5004, vec![]),
            ("FIN+ACK".into(), 5004, 1009, vec![]),
            ("ACK".into(), 1009, 5005, vec![]),
        ];
        assert_eq!(segments, expected);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
