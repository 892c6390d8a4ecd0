//! The real handshake (真实的三次握手): TCP segments of real connections, taken
//! off the loopback interface and followed with the handshake's state machine.
//!
//! 三.网络基础: `net-basics handshake` simulates SYN, SYN+ACK, ACK, the data and
//! the FINs. `net-basics capture` shows the same segments when two real programs
//! talk: start it, then the tutorial's server and client (chapter 4) in two more
//! terminals, and watch the operating system's TCP do what the simulation showed.
//!
//! ```text
//! $ sudo target/debug/net-basics capture --port 8898       (terminal 1)
//! $ cargo run -q -p tcp-demo -- server                     (terminal 2)
//! $ cargo run -q -p tcp-demo -- client                     (terminal 3)
//! ```
//!
//! How it works, and what a production tool does differently:
//! - [`live::Loopback`] opens a raw packet socket (`AF_PACKET`, through pnet's
//!   datalink layer) on `lo`: every frame the interface carries, whole, headers
//!   included. That is what tcpdump and Wireshark do through libpcap, which also
//!   compiles a filter into the kernel (BPF) so that only the wanted frames are
//!   copied up; we copy every frame and filter here, which is fine on a quiet
//!   loopback interface.
//! - On `lo` the socket sees each frame twice: once leaving (the interface's
//!   transmit side) and once arriving. libpcap drops the leaving copy using the
//!   packet type the kernel reports; pnet does not pass that on, so [`Doubles`]
//!   drops the second of two identical frames.
//! - [`Observer`] follows each connection with two [`Endpoint`]s of the
//!   handshake module, fed with the segments seen on the wire: the state
//!   machine that draws the simulation also names the real states. Where the
//!   real stack does something the simple machine does not model (a
//!   retransmission, a segment the capture missed), the states are shown as
//!   `?` from then on instead of guessed.
//! - Sequence numbers are shown relative to each side's initial sequence number
//!   (its ISN is 0), as Wireshark shows them: the real ISNs are random.

pub mod live;

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddrV4;
use std::time::{SystemTime, UNIX_EPOCH};

use netlab_common::bytes::python_repr;
use serde::Serialize;

use crate::handshake::{Endpoint, Segment, Side, State};
use crate::pcap::PcapFile;
use crate::tcp::{Checksum, Flags, TcpFrame};

pub use live::{CaptureError, Loopback};

/// How many connections are followed at once; the oldest is forgotten beyond
/// that (a capture of a busy interface would otherwise grow without bound).
pub const MAX_CONNECTIONS: usize = 64;

/// How many frames [`Doubles`] remembers while waiting for their second copy.
/// The two copies of a frame arrive one right after the other; a few more allow
/// for other traffic on `lo` between them.
pub const MAX_PENDING_DOUBLES: usize = 32;

/// How much of a segment's data the note shows (`data: b'hello'`).
pub const DATA_PREVIEW: usize = 24;

// ANCHOR: watch
/// Reads frames from `lo` and hands the row of each TCP segment the observer
/// keeps to `show` (and each such frame to `pcap`), until `count` rows were
/// shown, or for ever.
pub fn watch(
    loopback: &mut Loopback,
    observer: &mut Observer,
    mut pcap: Option<&mut PcapFile>,
    count: Option<u64>,
    mut show: impl FnMut(&Row) -> io::Result<()>,
) -> Result<(), CaptureError> {
    let mut doubles = Doubles::default();
    let mut shown = 0;
    while count.is_none_or(|count| shown < count) {
        let rows = match loopback.next_frame() {
            Ok(frame) => {
                if !doubles.first_sight(frame) {
                    continue; // the second copy: the frame arriving after leaving
                }
                let rows = observer.frame(frame);
                if let Some(pcap) = pcap.as_deref_mut()
                    && observer.wanted(frame)
                {
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap_or_default();
                    pcap.write(now, frame).map_err(CaptureError::Io)?;
                }
                rows
            }
            // Quiet for a moment: the row waiting for a next frame is final.
            Err(CaptureError::Io(e)) if e.kind() == io::ErrorKind::TimedOut => observer.flush(),
            // A signal interrupted the wait (not Ctrl-C: that ends the process).
            Err(CaptureError::Io(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for row in rows
            .iter()
            .take(count.map_or(usize::MAX, |c| (c - shown) as usize))
        {
            show(row).map_err(CaptureError::Io)?;
            shown += 1;
        }
    }
    Ok(())
}
// ANCHOR_END: watch

/// The second copy of each frame on the loopback interface, recognised.
#[derive(Debug, Default)]
pub struct Doubles {
    /// Frames seen once, waiting for their second copy: oldest first.
    pending: VecDeque<Vec<u8>>,
}

impl Doubles {
    /// Whether `frame` is new (show it) rather than the second copy of a frame
    /// just shown (skip it). A third identical frame is new again: a real
    /// retransmission of the same bytes.
    pub fn first_sight(&mut self, frame: &[u8]) -> bool {
        if let Some(at) = self.pending.iter().position(|seen| seen == frame) {
            self.pending.remove(at);
            return false;
        }
        if self.pending.len() == MAX_PENDING_DOUBLES {
            self.pending.pop_front();
        }
        self.pending.push_back(frame.to_vec());
        true
    }
}

/// One segment as `capture` shows it. The field names are the `--json` keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The connection's number, 1 for the first one seen.
    pub connection: usize,
    /// Which side sent it: the client sent the SYN.
    pub from: Side,
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    /// `["SYN"]`, `["SYN", "ACK"]`, `["PSH", "ACK"]`...
    pub flags: Vec<&'static str>,
    /// Relative to the sender's initial sequence number (the SYN is 0).
    pub seq: u32,
    /// Relative to the receiver's initial sequence number; null without ACK.
    pub ack: Option<u32>,
    /// Bytes of data.
    pub len: usize,
    /// The states after this segment arrived; null where not known.
    pub client_state: Option<State>,
    pub server_state: Option<State>,
    /// What the segment does: `handshake 1/3`, `data: b'hello'`...
    pub note: String,
}

impl Row {
    /// The client's and the server's address.
    pub fn ends(&self) -> (SocketAddrV4, SocketAddrV4) {
        match self.from {
            Side::Client => (self.src, self.dst),
            Side::Server => (self.dst, self.src),
        }
    }

    /// The segment as the simulation writes one: `SYN+ACK seq=0 ack=1 len=5`.
    pub fn label(&self) -> String {
        let mut label = format!("{} seq={}", self.flags.join("+"), self.seq);
        if let Some(ack) = self.ack {
            label.push_str(&format!(" ack={ack}"));
        }
        if self.len > 0 {
            label.push_str(&format!(" len={}", self.len));
        }
        label
    }
}

/// One connection as seen on the wire.
#[derive(Debug)]
struct Connection {
    number: usize,
    client: SocketAddrV4,
    server: SocketAddrV4,
    /// Each side's first sequence number: where the relative numbers start.
    client_isn: u32,
    server_isn: Option<u32>,
    /// The client's SYN, replayed into the server's endpoint once its ISN is
    /// known (from its SYN+ACK).
    syn: Option<Segment>,
    client_end: Option<Endpoint>,
    server_end: Option<Endpoint>,
    /// From the SYN on, until the state machine disagrees with the wire: the
    /// states are only shown while they are known.
    following: bool,
    /// A RST ended the connection: both sides are closed.
    reset: bool,
}

/// The state machine did not accept what the wire shows.
#[derive(Debug)]
struct Disagrees;

impl From<crate::handshake::TcpError> for Disagrees {
    fn from(_: crate::handshake::TcpError) -> Disagrees {
        Disagrees
    }
}

impl Connection {
    fn states(&self) -> (Option<State>, Option<State>) {
        if self.reset {
            return (Some(State::Closed), Some(State::Closed));
        }
        if !self.following {
            return (None, None);
        }
        (
            self.client_end.as_ref().map(Endpoint::state),
            self.server_end.as_ref().map(Endpoint::state),
        )
    }

    /// Whether both sides are done, so that a new SYN between the same two
    /// ports starts a new connection.
    fn finished(&self) -> bool {
        let done = |s: Option<State>| matches!(s, Some(State::Closed | State::TimeWait));
        let (client, server) = self.states();
        self.reset || (done(client) && done(server))
    }

    fn end(&mut self, side: Side) -> Result<&mut Endpoint, Disagrees> {
        match side {
            Side::Client => self.client_end.as_mut(),
            Side::Server => self.server_end.as_mut(),
        }
        .ok_or(Disagrees)
    }

    // ANCHOR: step
    /// What the sender must have done to send `segment`: `connect()`, the
    /// answer to a SYN, `send()`, `close()`.
    fn sent(&mut self, from: Side, segment: &Segment) -> Result<(), Disagrees> {
        if segment.syn && !segment.ack && from == Side::Client && self.syn.is_none() {
            // Python: client.connect(addr)
            let mut client = Endpoint::new(segment.seq);
            self.syn = Some(client.connect()?);
            self.client_end = Some(client);
            self.following = true;
            return Ok(());
        }
        if !self.following {
            return Err(Disagrees);
        }
        if segment.syn && segment.ack && from == Side::Server {
            // The SYN replayed into a server with the ISN it really chose: its
            // answer must be exactly the SYN+ACK seen on the wire.
            let syn = self.syn.ok_or(Disagrees)?;
            let mut server = Endpoint::new(segment.seq);
            server.listen()?;
            if server.receive(&syn)? != Some(*segment) {
                return Err(Disagrees);
            }
            self.server_end = Some(server);
            self.server_isn = Some(segment.seq);
            return Ok(());
        }
        let sender = self.end(from)?;
        if segment.len > 0 {
            // Python: conn.send(data)
            if sender.send(segment.len)?.seq != segment.seq {
                return Err(Disagrees);
            }
        }
        if segment.fin {
            // Python: conn.close()
            if sender.close()?.seq != segment.seq.wrapping_add(segment.len) {
                return Err(Disagrees);
            }
        }
        Ok(())
    }

    /// `segment` arriving at `to`.
    fn arrived(&mut self, to: Side, segment: &Segment) -> Result<(), Disagrees> {
        if !self.following {
            return Err(Disagrees);
        }
        if segment.syn && !segment.ack && to == Side::Server {
            // The server's ISN shows only in its SYN+ACK: a stand-in until then.
            let mut server = Endpoint::new(0);
            server.listen()?;
            server.receive(segment)?;
            self.server_end = Some(server);
            return Ok(());
        }
        self.end(to)?.receive(segment)?;
        Ok(())
    }
    // ANCHOR_END: step
}

/// When a segment reaches its receiver, as far as the capture can tell.
#[derive(Debug, Clone, Copy)]
enum Arrival<'a> {
    /// At once: nothing on the wire says otherwise.
    Now,
    /// Not yet: the receiver sent something before this arrived.
    Later,
    /// After this segment was sent, the receiver got `crossed` (the segment the
    /// other way that was still in flight), and then this one arrived.
    AfterCrossing(&'a Segment),
}

/// Follows the TCP connections in a stream of captured frames.
///
/// A frame is seen when it is sent; it arrives a moment later, and meanwhile
/// the receiver may send something of its own (two FINs, sent at the same
/// time, cross on the wire). So each row waits for the next frame: if that one
/// comes from the receiver and does not acknowledge the segment, the two
/// crossed. [`Observer::flush`] gives the waiting row when no frame followed.
#[derive(Debug)]
pub struct Observer {
    port: Option<u16>,
    connections: VecDeque<Connection>,
    numbered: usize,
    /// The last segment, whose row waits for the next frame.
    waiting: Option<TcpFrame>,
}

impl Observer {
    /// An observer of every TCP connection, or only of those to or from `port`.
    pub fn new(port: Option<u16>) -> Observer {
        Observer {
            port,
            connections: VecDeque::new(),
            numbered: 0,
            waiting: None,
        }
    }

    /// The rows that `frame` completes (none, one or two). A frame that is not
    /// IPv4 and TCP, or not to or from the port asked for, completes none.
    /// Frames captured on the sending machine carry an unfinished TCP
    /// checksum, so it is not checked.
    pub fn frame(&mut self, frame: &[u8]) -> Vec<Row> {
        match TcpFrame::parse(frame, Checksum::Ignore) {
            Ok(segment) if self.wanted(frame) => self.segment(segment),
            _ => Vec::new(),
        }
    }

    /// Whether `frame` is a TCP segment this observer follows (to or from its
    /// port): what goes into the capture file.
    pub fn wanted(&self, frame: &[u8]) -> bool {
        TcpFrame::parse(frame, Checksum::Ignore).is_ok_and(|segment| {
            self.port
                .is_none_or(|port| segment.src.port() == port || segment.dst.port() == port)
        })
    }

    /// The rows that `segment` completes.
    pub fn segment(&mut self, segment: TcpFrame) -> Vec<Row> {
        let mut rows = Vec::new();
        if let Some(waiting) = self.waiting.take() {
            if crossed(&waiting, &segment) {
                let connection = self.connection_for(&waiting);
                rows.push(follow(connection, &waiting, Arrival::Later));
                let first = segment_of(&waiting);
                rows.push(follow(connection, &segment, Arrival::AfterCrossing(&first)));
                return rows;
            }
            let connection = self.connection_for(&waiting);
            rows.push(follow(connection, &waiting, Arrival::Now));
        }
        self.waiting = Some(segment);
        rows
    }

    /// The row still waiting for a next frame: call it when none came for a
    /// while (the last ACK of a connection has no answer).
    pub fn flush(&mut self) -> Vec<Row> {
        match self.waiting.take() {
            Some(waiting) => {
                let connection = self.connection_for(&waiting);
                vec![follow(connection, &waiting, Arrival::Now)]
            }
            None => Vec::new(),
        }
    }

    /// The connection `frame` belongs to; a new one for a SYN after a close.
    fn connection_for(&mut self, frame: &TcpFrame) -> &mut Connection {
        let opens = frame.flags.contains(Flags::SYN) && !frame.flags.contains(Flags::ACK);
        let found = self.connections.iter().rposition(|c| {
            let same = (c.client == frame.src && c.server == frame.dst)
                || (c.client == frame.dst && c.server == frame.src);
            same && !(opens && c.finished())
        });
        let at = match found {
            Some(at) => at,
            None => {
                self.open(frame, opens);
                self.connections.len() - 1
            }
        };
        &mut self.connections[at]
    }

    /// Starts following a new connection with this first segment.
    fn open(&mut self, frame: &TcpFrame, opens: bool) {
        if self.connections.len() == MAX_CONNECTIONS {
            self.connections.pop_front();
        }
        self.numbered += 1;
        // A SYN names the client. Joined later, the side on the port asked for
        // (or else on the lower port: servers' ports are small, clients' are
        // chosen from the high ephemeral range) is taken for the server.
        let server_is_dst = opens
            || match self.port {
                Some(port) => frame.dst.port() == port,
                None => frame.dst.port() < frame.src.port(),
            };
        let (client, server) = if server_is_dst {
            (frame.src, frame.dst)
        } else {
            (frame.dst, frame.src)
        };
        let (client_isn, server_isn) = match (opens, server_is_dst) {
            (true, _) => (frame.seq, None),
            // The ISNs are not known: number from the first segment seen.
            (false, true) => (frame.seq, Some(frame.ack)),
            (false, false) => (frame.ack, Some(frame.seq)),
        };
        self.connections.push_back(Connection {
            number: self.numbered,
            client,
            server,
            client_isn,
            server_isn,
            syn: None,
            client_end: None,
            server_end: None,
            following: false,
            reset: false,
        });
    }
}

/// Whether `later` was sent by the receiver of `earlier` before `earlier`
/// arrived: `earlier` takes up sequence numbers (data, SYN or FIN) that
/// `later`'s acknowledgement does not cover yet.
fn crossed(earlier: &TcpFrame, later: &TcpFrame) -> bool {
    let reverse = later.src == earlier.dst && later.dst == earlier.src;
    let flags = earlier.flags;
    let uses = earlier.payload.len() as u32
        + u32::from(flags.contains(Flags::SYN))
        + u32::from(flags.contains(Flags::FIN));
    let end = earlier.seq.wrapping_add(uses);
    // Sequence numbers wrap around: "before" is a positive distance as i32.
    let not_covered = (end.wrapping_sub(later.ack) as i32) > 0;
    reverse
        && uses > 0
        && later.flags.contains(Flags::ACK)
        && !later.flags.contains(Flags::RST)
        && !flags.contains(Flags::RST)
        && not_covered
}

/// The handshake module's view of a segment: flags, absolute numbers, length.
fn segment_of(frame: &TcpFrame) -> Segment {
    Segment {
        syn: frame.flags.contains(Flags::SYN),
        ack: frame.flags.contains(Flags::ACK),
        fin: frame.flags.contains(Flags::FIN),
        seq: frame.seq,
        ack_num: frame.ack,
        len: frame.payload.len() as u32,
    }
}

/// Feeds one segment to the connection's state machine and writes its row.
fn follow(connection: &mut Connection, frame: &TcpFrame, arrival: Arrival<'_>) -> Row {
    let from = if frame.src == connection.client {
        Side::Client
    } else {
        Side::Server
    };
    let to = match from {
        Side::Client => Side::Server,
        Side::Server => Side::Client,
    };
    let segment = segment_of(frame);
    let before = connection.states();
    let note = if frame.flags.contains(Flags::RST) {
        connection.reset = true;
        "RST: refused (nobody listening) or aborted, no goodbye".to_string()
    } else {
        let was_following = connection.following;
        let followed = connection
            .sent(from, &segment)
            .and_then(|()| match arrival {
                Arrival::Now => connection.arrived(to, &segment),
                Arrival::Later => Ok(()),
                Arrival::AfterCrossing(crossed) => {
                    connection.arrived(from, crossed)?;
                    connection.arrived(to, &segment)
                }
            });
        match followed {
            Ok(()) => {
                let mut note =
                    note_for(from, &segment, before, connection.states(), &frame.payload);
                if let Arrival::AfterCrossing(crossed) = arrival {
                    note.push_str(if crossed.fin && segment.fin {
                        "; the FINs crossed: a simultaneous close"
                    } else {
                        "; sent before the segment above arrived: they crossed"
                    });
                }
                note
            }
            Err(Disagrees) => {
                connection.following = false;
                if was_following {
                    "not what the state machine expects (a retransmission, or a segment the capture missed): states no longer followed".to_string()
                } else {
                    String::new()
                }
            }
        }
    };
    let relative = |number: u32, isn: Option<u32>| number.wrapping_sub(isn.unwrap_or(number));
    let (sender_isn, receiver_isn) = match from {
        Side::Client => (Some(connection.client_isn), connection.server_isn),
        Side::Server => (connection.server_isn, Some(connection.client_isn)),
    };
    let (client_state, server_state) = connection.states();
    Row {
        connection: connection.number,
        from,
        src: frame.src,
        dst: frame.dst,
        flags: frame.flags.names(),
        seq: relative(frame.seq, sender_isn),
        ack: frame
            .flags
            .contains(Flags::ACK)
            .then(|| relative(frame.ack, receiver_isn)),
        len: frame.payload.len(),
        client_state,
        server_state,
        note,
    }
}

/// What a segment did, in the words of the simulation's notes.
fn note_for(
    from: Side,
    segment: &Segment,
    before: (Option<State>, Option<State>),
    after: (Option<State>, Option<State>),
    payload: &[u8],
) -> String {
    let (sender, receiver) = match from {
        Side::Client => ("client", "server"),
        Side::Server => ("server", "client"),
    };
    let receiver_before = match from {
        Side::Client => before.1,
        Side::Server => before.0,
    };
    let receiver_after = match from {
        Side::Client => after.1,
        Side::Server => after.0,
    };
    // The receiver's FIN is acknowledged when it leaves the states of "my FIN
    // is on its way": FIN_WAIT_1, CLOSING, LAST_ACK.
    let acks_a_fin = matches!(
        (receiver_before, receiver_after),
        (
            Some(State::FinWait1),
            Some(State::FinWait2 | State::TimeWait)
        ) | (Some(State::Closing), Some(State::TimeWait))
            | (Some(State::LastAck), Some(State::Closed))
    );
    let mut notes = Vec::new();
    if segment.syn && !segment.ack {
        notes.push("handshake 1/3: SYN, the client's ISN".to_string());
    } else if segment.syn {
        notes.push("handshake 2/3: SYN+ACK, the server's ISN, ack = ISN+1".to_string());
    } else if receiver_before == Some(State::SynRcvd) && receiver_after == Some(State::Established)
    {
        notes.push("handshake 3/3: ACK: connected".to_string());
    }
    if segment.len > 0 {
        let shown = payload.get(..DATA_PREVIEW).unwrap_or(payload);
        let more = if payload.len() > DATA_PREVIEW {
            "..."
        } else {
            ""
        };
        notes.push(format!("data: {}{more}", python_repr(shown)));
    }
    if segment.fin {
        notes.push(format!("FIN: {sender} is done sending"));
    }
    if acks_a_fin {
        notes.push(format!("ACK of the {receiver}'s FIN"));
    }
    if notes.is_empty() && segment.ack {
        notes.push("ACK".to_string());
    }
    notes.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "127.0.0.1:50000";
    const SERVER: &str = "127.0.0.1:8898";

    /// A segment of the tutorial's conversation, with real-looking ISNs.
    fn seg(from: Side, flags: Flags, seq: u32, ack: u32, data: &[u8]) -> TcpFrame {
        let (src, dst) = match from {
            Side::Client => (CLIENT, SERVER),
            Side::Server => (SERVER, CLIENT),
        };
        TcpFrame {
            seq,
            ack,
            payload: data.to_vec(),
            ..TcpFrame::new(src.parse().unwrap(), dst.parse().unwrap(), flags)
        }
    }

    const X: u32 = 3_000_000_000; // the client's ISN
    const Y: u32 = 4_294_967_290; // the server's, about to wrap around

    /// What Linux sent when tcp-demo's client said hello to its server, which
    /// answered hi and closed first: a close in three segments, the client's
    /// FIN carrying the ACK of the server's.
    fn conversation() -> Vec<TcpFrame> {
        use Side::{Client, Server};
        let ack = Flags::ACK;
        let psh = Flags::PSH | Flags::ACK;
        let fin = Flags::FIN | Flags::ACK;
        vec![
            seg(Client, Flags::SYN, X, 0, b""),
            seg(Server, Flags::SYN | Flags::ACK, Y, X + 1, b""),
            seg(Client, ack, X + 1, Y.wrapping_add(1), b""),
            seg(Client, psh, X + 1, Y.wrapping_add(1), b"hello"),
            seg(Server, ack, Y.wrapping_add(1), X + 6, b""),
            seg(Server, psh, Y.wrapping_add(1), X + 6, b"hi"),
            seg(Client, ack, X + 6, Y.wrapping_add(3), b""),
            seg(Server, fin, Y.wrapping_add(3), X + 6, b""),
            seg(Client, fin, X + 6, Y.wrapping_add(4), b""),
            seg(Server, ack, Y.wrapping_add(4), X + 7, b""),
        ]
    }

    fn rows(frames: &[TcpFrame]) -> Vec<Row> {
        let mut observer = Observer::new(Some(8898));
        let mut rows: Vec<Row> = frames
            .iter()
            .flat_map(|f| observer.frame(&f.to_bytes().unwrap()))
            .collect();
        rows.extend(observer.flush());
        assert_eq!(rows.len(), frames.len(), "one row per segment");
        rows
    }

    fn states(row: &Row) -> (&str, &str) {
        let name = |s: Option<State>| s.map_or("?", State::name);
        (name(row.client_state), name(row.server_state))
    }

    #[test]
    fn the_handshake_gets_the_simulations_states_and_relative_numbers() {
        let rows = rows(&conversation());
        assert_eq!(rows[0].label(), "SYN seq=0");
        assert_eq!(states(&rows[0]), ("SYN_SENT", "SYN_RCVD"));
        assert_eq!(rows[1].label(), "SYN+ACK seq=0 ack=1");
        assert_eq!(states(&rows[1]), ("ESTABLISHED", "SYN_RCVD"));
        assert_eq!(rows[2].label(), "ACK seq=1 ack=1");
        assert_eq!(states(&rows[2]), ("ESTABLISHED", "ESTABLISHED"));
        assert_eq!(rows[2].note, "handshake 3/3: ACK: connected");
        assert_eq!(rows[3].label(), "PSH+ACK seq=1 ack=1 len=5");
        assert_eq!(rows[3].note, "data: b'hello'");
        assert_eq!(rows[3].flags, ["PSH", "ACK"]);
        assert_eq!(rows[5].label(), "PSH+ACK seq=1 ack=6 len=2");
        assert!(rows.iter().all(|r| r.connection == 1));
    }

    #[test]
    fn a_close_in_three_segments_when_the_fin_carries_the_ack() {
        let rows = rows(&conversation());
        assert_eq!(rows[7].label(), "FIN+ACK seq=3 ack=6");
        assert_eq!(states(&rows[7]), ("CLOSE_WAIT", "FIN_WAIT_1"));
        assert_eq!(rows[7].note, "FIN: server is done sending");
        assert_eq!(rows[8].label(), "FIN+ACK seq=6 ack=4");
        assert_eq!(states(&rows[8]), ("LAST_ACK", "TIME_WAIT"));
        assert_eq!(
            rows[8].note,
            "FIN: client is done sending; ACK of the server's FIN"
        );
        assert_eq!(states(&rows[9]), ("CLOSED", "TIME_WAIT"));
        assert_eq!(rows[9].note, "ACK of the client's FIN");
    }

    #[test]
    fn a_close_in_four_segments_when_the_ack_comes_first() {
        let mut frames = conversation();
        frames.truncate(8);
        frames.push(seg(Side::Client, Flags::ACK, X + 6, Y.wrapping_add(4), b""));
        frames.push(seg(
            Side::Client,
            Flags::FIN | Flags::ACK,
            X + 6,
            Y.wrapping_add(4),
            b"",
        ));
        frames.push(seg(Side::Server, Flags::ACK, Y.wrapping_add(4), X + 7, b""));
        let rows = rows(&frames);
        assert_eq!(states(&rows[8]), ("CLOSE_WAIT", "FIN_WAIT_2"));
        assert_eq!(rows[8].note, "ACK of the server's FIN");
        assert_eq!(states(&rows[9]), ("LAST_ACK", "TIME_WAIT"));
        assert_eq!(states(&rows[10]), ("CLOSED", "TIME_WAIT"));
    }

    #[test]
    fn fins_that_cross_go_through_closing_on_both_sides() {
        // As captured once on lo: the client closed right after reading b'hi',
        // before the server's FIN arrived (its FIN acknowledges only up to 3).
        let mut frames = conversation();
        frames.truncate(8);
        let fin = Flags::FIN | Flags::ACK;
        frames.push(seg(Side::Client, fin, X + 6, Y.wrapping_add(3), b""));
        frames.push(seg(Side::Server, Flags::ACK, Y.wrapping_add(4), X + 7, b""));
        frames.push(seg(Side::Client, Flags::ACK, X + 7, Y.wrapping_add(4), b""));
        let rows = rows(&frames);
        assert_eq!(
            states(&rows[7]),
            ("ESTABLISHED", "FIN_WAIT_1"),
            "still in flight"
        );
        assert_eq!(rows[8].label(), "FIN+ACK seq=6 ack=3");
        assert_eq!(states(&rows[8]), ("CLOSING", "CLOSING"));
        assert!(
            rows[8]
                .note
                .ends_with("the FINs crossed: a simultaneous close"),
            "{}",
            rows[8].note
        );
        assert_eq!(states(&rows[9]), ("TIME_WAIT", "CLOSING"));
        assert_eq!(states(&rows[10]), ("TIME_WAIT", "TIME_WAIT"));
        assert_eq!(rows[10].note, "ACK of the server's FIN");
    }

    #[test]
    fn a_retransmission_stops_the_states_instead_of_guessing() {
        let mut frames = conversation();
        frames.insert(4, frames[3].clone());
        let rows = rows(&frames);
        assert!(
            rows[4].note.contains("states no longer followed"),
            "{:?}",
            rows[4]
        );
        assert_eq!(states(&rows[4]), ("?", "?"));
        assert_eq!(
            rows[4].label(),
            "PSH+ACK seq=1 ack=1 len=5",
            "numbers still shown"
        );
        assert_eq!(rows[5].note, "");
    }

    #[test]
    fn a_reset_closes_both_sides() {
        let frames = [
            seg(Side::Client, Flags::SYN, X, 0, b""),
            seg(Side::Server, Flags::RST | Flags::ACK, 0, X + 1, b""),
        ];
        let rows = rows(&frames);
        assert_eq!(states(&rows[1]), ("CLOSED", "CLOSED"));
        assert!(rows[1].note.starts_with("RST"));
    }

    #[test]
    fn joining_a_connection_midway_numbers_from_the_first_segment_seen() {
        let rows = rows(&conversation()[3..]);
        assert_eq!(rows[0].label(), "PSH+ACK seq=0 ack=0 len=5");
        assert_eq!(rows[0].ends().1, SERVER.parse().unwrap());
        assert_eq!(states(&rows[0]), ("?", "?"));
        assert_eq!(rows[0].note, "");
    }

    #[test]
    fn other_ports_and_other_protocols_are_not_shown() {
        let mut observer = Observer::new(Some(9999));
        assert_eq!(observer.frame(&conversation()[0].to_bytes().unwrap()), []);
        assert_eq!(observer.flush(), []);
        let arp = crate::arp::Request {
            sender_mac: pnet_base::MacAddr::zero(),
            sender_ip: "172.16.10.1".parse().unwrap(),
            target_ip: "172.16.10.2".parse().unwrap(),
        };
        let mut observer = Observer::new(None);
        assert_eq!(observer.frame(&arp.emit()), []);
        assert_eq!(observer.flush(), []);
    }

    #[test]
    fn a_new_syn_after_the_close_is_a_new_connection() {
        let mut frames = conversation();
        frames.push(seg(Side::Client, Flags::SYN, 7, 0, b""));
        let rows = rows(&frames);
        assert_eq!(rows.last().unwrap().connection, 2);
        assert_eq!(rows.last().unwrap().label(), "SYN seq=0");
    }

    #[test]
    fn the_loopback_copy_of_each_frame_is_dropped_once() {
        let mut doubles = Doubles::default();
        assert!(doubles.first_sight(b"syn"));
        assert!(!doubles.first_sight(b"syn"));
        assert!(doubles.first_sight(b"ack"));
        assert!(doubles.first_sight(b"data"));
        assert!(
            !doubles.first_sight(b"ack"),
            "a copy may come a little later"
        );
        assert!(!doubles.first_sight(b"data"));
        assert!(doubles.first_sight(b"syn"), "a third time is new again");
    }

    #[test]
    fn json_rows_have_the_documented_keys() {
        let row = &rows(&conversation())[1];
        let json = serde_json::to_value(row).unwrap();
        assert_eq!(json["src"], SERVER);
        assert_eq!(json["dst"], CLIENT);
        assert_eq!(json["flags"], serde_json::json!(["SYN", "ACK"]));
        assert_eq!(
            (json["seq"].as_u64(), json["ack"].as_u64()),
            (Some(0), Some(1))
        );
        assert_eq!(json["len"], 0);
        assert_eq!(json["from"], "server");
        assert_eq!(json["client_state"], "ESTABLISHED");
        assert_eq!(
            rows(&conversation())[0].ack,
            None,
            "a SYN acknowledges nothing"
        );
    }
}
