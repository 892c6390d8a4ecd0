//! The TCP state machine (状态机): three-way handshake (三次握手), data, and
//! four-way close (四次挥手), simulated between two endpoints.
//!
//! 三.网络基础: TCP is connection-oriented. Before any data, the client sends SYN
//! with its initial sequence number x; the server answers SYN+ACK with its own y and
//! ack=x+1 ("I got everything up to x, send x+1 next"); the client answers ACK
//! ack=y+1. SYN and FIN each use up one sequence number, data uses one per byte.
//! Closing takes one FIN and one ACK in each direction, because each side closes its
//! own sending half independently (half-close, 半关闭); the side that closes first
//! waits in TIME_WAIT for twice the maximum segment lifetime before the connection
//! is really gone, so a lost last ACK can be repeated.
//!
//! [`Endpoint`] is a real (if lossless and in-order) state machine: every segment
//! is checked against the state and the sequence numbers, and a segment that does
//! not fit is an error, not a silently printed line. [`simulate`] wires two
//! endpoints together through a FIFO "network" and records each step.
//!
//! ```text
//! $ net-basics handshake --isn-client 1000 --isn-server 5000
//! $ net-basics handshake --close simultaneous
//! ```

use std::fmt;

use serde::Serialize;

mod simulation;
pub use simulation::{CloseMode, Row, Side, random_isn, simulate};

// ANCHOR: state
/// The states of RFC 793 (the names `netstat` and `ss` print).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Closed,
    Listen,
    SynSent,
    SynRcvd,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}
// ANCHOR_END: state

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Closed => "CLOSED",
            State::Listen => "LISTEN",
            State::SynSent => "SYN_SENT",
            State::SynRcvd => "SYN_RCVD",
            State::Established => "ESTABLISHED",
            State::FinWait1 => "FIN_WAIT_1",
            State::FinWait2 => "FIN_WAIT_2",
            State::CloseWait => "CLOSE_WAIT",
            State::Closing => "CLOSING",
            State::LastAck => "LAST_ACK",
            State::TimeWait => "TIME_WAIT",
        }
    }

    /// Whether this side has sent its FIN (and so may be waiting for its ACK).
    fn fin_sent(self) -> bool {
        matches!(
            self,
            State::FinWait1 | State::FinWait2 | State::Closing | State::LastAck | State::TimeWait
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for State {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A TCP segment, reduced to what the handshake needs: flags, numbers, data length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    /// The sequence number of the first byte (or of the SYN/FIN).
    pub seq: u32,
    /// The next sequence number expected from the peer (valid when `ack`).
    pub ack_num: u32,
    /// Bytes of data carried.
    pub len: u32,
}

impl Segment {
    /// The flags as people write them: `SYN`, `SYN+ACK`, `FIN+ACK`, `ACK`.
    pub fn flags(&self) -> String {
        let mut flags = Vec::new();
        if self.syn {
            flags.push("SYN");
        }
        if self.fin {
            flags.push("FIN");
        }
        if self.ack {
            flags.push("ACK");
        }
        flags.join("+")
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} seq={}", self.flags(), self.seq)?;
        if self.ack {
            write!(f, " ack={}", self.ack_num)?;
        }
        if self.len > 0 {
            write!(f, " len={}", self.len)?;
        }
        Ok(())
    }
}

/// A call or a segment that does not fit the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpError {
    /// An application call (`connect`, `send`...) in a state that forbids it.
    Call { call: &'static str, state: State },
    /// A segment the state machine does not expect in this state.
    Unexpected { state: State, segment: Segment },
    /// A segment acknowledging data that was never sent.
    BadAck { expected: u32, segment: Segment },
    /// A segment that is not the next one in sequence.
    OutOfOrder { expected: u32, segment: Segment },
}

impl fmt::Display for TcpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TcpError::Call { call, state } => write!(f, "{call}() is not allowed in {state}"),
            TcpError::Unexpected { state, segment } => {
                write!(f, "unexpected segment {segment} in {state}")
            }
            TcpError::BadAck { expected, segment } => {
                write!(
                    f,
                    "segment {segment} acknowledges the wrong number (expected ack={expected})"
                )
            }
            TcpError::OutOfOrder { expected, segment } => {
                write!(
                    f,
                    "segment {segment} is out of order (expected seq={expected})"
                )
            }
        }
    }
}

impl std::error::Error for TcpError {}

/// One end of a TCP connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    state: State,
    /// Initial send sequence number (ISN), chosen at random by real stacks so that
    /// segments of an old connection, or of an attacker guessing, do not fit.
    iss: u32,
    /// Oldest byte sent and not yet acknowledged.
    snd_una: u32,
    /// Next sequence number to send.
    snd_nxt: u32,
    /// Next sequence number expected from the peer.
    rcv_nxt: u32,
}

impl Endpoint {
    /// A closed endpoint that will start its numbering at `isn`.
    pub fn new(isn: u32) -> Endpoint {
        Endpoint {
            state: State::Closed,
            iss: isn,
            snd_una: isn,
            snd_nxt: isn,
            rcv_nxt: 0,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    fn segment(&self, syn: bool, ack: bool, fin: bool, len: u32) -> Segment {
        Segment {
            syn,
            ack,
            fin,
            seq: self.snd_nxt,
            ack_num: if ack { self.rcv_nxt } else { 0 },
            len,
        }
    }

    /// Python: `server.listen()`: CLOSED → LISTEN.
    pub fn listen(&mut self) -> Result<(), TcpError> {
        match self.state {
            State::Closed => {
                self.state = State::Listen;
                Ok(())
            }
            state => Err(TcpError::Call {
                call: "listen",
                state,
            }),
        }
    }

    // ANCHOR: connect
    /// Python: `client.connect(addr)`: sends SYN seq=ISN; CLOSED → SYN_SENT.
    pub fn connect(&mut self) -> Result<Segment, TcpError> {
        if self.state != State::Closed {
            return Err(TcpError::Call {
                call: "connect",
                state: self.state,
            });
        }
        let syn = self.segment(true, false, false, 0);
        self.snd_nxt = self.iss.wrapping_add(1); // the SYN uses one number
        self.state = State::SynSent;
        Ok(syn)
    }
    // ANCHOR_END: connect

    /// Python: `conn.send(data)`: `len` bytes in one segment. Allowed while this
    /// side has not closed: ESTABLISHED, and CLOSE_WAIT (the peer closed its half,
    /// we may still talk: a half-closed connection).
    pub fn send(&mut self, len: u32) -> Result<Segment, TcpError> {
        if !matches!(self.state, State::Established | State::CloseWait) {
            return Err(TcpError::Call {
                call: "send",
                state: self.state,
            });
        }
        let data = self.segment(false, true, false, len);
        self.snd_nxt = self.snd_nxt.wrapping_add(len);
        Ok(data)
    }

    /// Python: `conn.close()`: sends FIN. ESTABLISHED → FIN_WAIT_1 (we close
    /// first) or CLOSE_WAIT → LAST_ACK (the peer closed first).
    pub fn close(&mut self) -> Result<Segment, TcpError> {
        let next = match self.state {
            State::Established => State::FinWait1,
            State::CloseWait => State::LastAck,
            state => {
                return Err(TcpError::Call {
                    call: "close",
                    state,
                });
            }
        };
        let fin = self.segment(false, true, true, 0);
        self.snd_nxt = self.snd_nxt.wrapping_add(1); // the FIN uses one number
        self.state = next;
        Ok(fin)
    }

    /// TIME_WAIT ends after 2×MSL (Linux: 60 s): TIME_WAIT → CLOSED.
    pub fn time_wait_expired(&mut self) -> Result<(), TcpError> {
        match self.state {
            State::TimeWait => {
                self.state = State::Closed;
                Ok(())
            }
            state => Err(TcpError::Call {
                call: "2MSL timer",
                state,
            }),
        }
    }

    // ANCHOR: receive
    /// Processes a segment from the peer; returns the segment to send back, if any.
    pub fn receive(&mut self, seg: &Segment) -> Result<Option<Segment>, TcpError> {
        let unexpected = || TcpError::Unexpected {
            state: self.state,
            segment: *seg,
        };
        match self.state {
            // Passive open: a SYN arrives at a listening socket.
            State::Listen if seg.syn && !seg.ack => {
                self.rcv_nxt = seg.seq.wrapping_add(1);
                let syn_ack = self.segment(true, true, false, 0);
                self.snd_nxt = self.iss.wrapping_add(1);
                self.state = State::SynRcvd;
                Ok(Some(syn_ack))
            }
            // The server's SYN+ACK must acknowledge exactly our SYN.
            State::SynSent if seg.syn && seg.ack => {
                self.check_ack(seg, self.snd_nxt)?;
                self.rcv_nxt = seg.seq.wrapping_add(1);
                self.snd_una = seg.ack_num;
                self.state = State::Established;
                Ok(Some(self.segment(false, true, false, 0)))
            }
            State::SynRcvd if seg.ack && !seg.syn => {
                self.check_ack(seg, self.snd_nxt)?;
                self.snd_una = seg.ack_num;
                self.state = State::Established;
                // The third segment may already carry data; handle it as usual.
                if seg.len > 0 || seg.fin {
                    self.receive(seg)
                } else {
                    Ok(None)
                }
            }
            State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait
            | State::Closing
            | State::LastAck
                if seg.ack && !seg.syn =>
            {
                self.synchronized(seg)
            }
            _ => Err(unexpected()),
        }
    }

    /// Segments after the handshake: data, ACKs and FINs.
    fn synchronized(&mut self, seg: &Segment) -> Result<Option<Segment>, TcpError> {
        if seg.seq != self.rcv_nxt {
            return Err(TcpError::OutOfOrder {
                expected: self.rcv_nxt,
                segment: *seg,
            });
        }
        // An ACK may acknowledge anything from snd_una to snd_nxt, never beyond.
        let acked = seg.ack_num.wrapping_sub(self.snd_una);
        if acked > self.snd_nxt.wrapping_sub(self.snd_una) {
            return Err(TcpError::BadAck {
                expected: self.snd_nxt,
                segment: *seg,
            });
        }
        self.snd_una = seg.ack_num;
        let our_fin_acked = self.state.fin_sent() && seg.ack_num == self.snd_nxt;
        if seg.len > 0
            && matches!(
                self.state,
                State::CloseWait | State::LastAck | State::Closing
            )
        {
            // The peer already sent its FIN: it promised to send nothing more.
            return Err(TcpError::Unexpected {
                state: self.state,
                segment: *seg,
            });
        }
        self.rcv_nxt = self.rcv_nxt.wrapping_add(seg.len);
        if seg.fin {
            self.rcv_nxt = self.rcv_nxt.wrapping_add(1);
        }
        self.state = match (self.state, seg.fin, our_fin_acked) {
            // The peer closes first: we may still send (half-close).
            (State::Established, true, _) => State::CloseWait,
            // Our FIN acknowledged, the peer's half still open.
            (State::FinWait1, false, true) => State::FinWait2,
            // The peer's FIN crossed ours (simultaneous close).
            (State::FinWait1, true, false) => State::Closing,
            (State::FinWait1, true, true) | (State::FinWait2, true, _) => State::TimeWait,
            (State::Closing, _, true) => State::TimeWait,
            (State::LastAck, _, true) => State::Closed,
            (state, _, _) => state,
        };
        // Data and FINs are acknowledged; a bare ACK is not (no ACK of ACKs).
        if seg.len > 0 || seg.fin {
            Ok(Some(self.segment(false, true, false, 0)))
        } else {
            Ok(None)
        }
    }
    // ANCHOR_END: receive

    fn check_ack(&self, seg: &Segment, expected: u32) -> Result<(), TcpError> {
        if seg.ack_num == expected {
            Ok(())
        } else {
            Err(TcpError::BadAck {
                expected,
                segment: *seg,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn established_pair() -> (Endpoint, Endpoint) {
        let mut client = Endpoint::new(100);
        let mut server = Endpoint::new(300);
        server.listen().unwrap();
        let syn = client.connect().unwrap();
        let syn_ack = server.receive(&syn).unwrap().unwrap();
        let ack = client.receive(&syn_ack).unwrap().unwrap();
        assert_eq!(server.receive(&ack).unwrap(), None);
        (client, server)
    }

    #[test]
    fn three_way_handshake_numbers_and_states() {
        let mut client = Endpoint::new(100);
        let mut server = Endpoint::new(300);
        server.listen().unwrap();
        assert_eq!(server.state(), State::Listen);
        let syn = client.connect().unwrap();
        assert_eq!((syn.flags(), syn.seq), ("SYN".to_string(), 100));
        assert_eq!(client.state(), State::SynSent);
        let syn_ack = server.receive(&syn).unwrap().unwrap();
        assert_eq!((syn_ack.seq, syn_ack.ack_num), (300, 101));
        assert_eq!(server.state(), State::SynRcvd);
        let ack = client.receive(&syn_ack).unwrap().unwrap();
        assert_eq!((ack.seq, ack.ack_num, ack.syn), (101, 301, false));
        assert_eq!(client.state(), State::Established);
        server.receive(&ack).unwrap();
        assert_eq!(server.state(), State::Established);
    }

    #[test]
    fn data_advances_the_sequence_number_by_its_length() {
        let (mut client, mut server) = established_pair();
        let data = client.send(5).unwrap();
        assert_eq!(data.seq, 101);
        let ack = server.receive(&data).unwrap().unwrap();
        assert_eq!(ack.ack_num, 106);
        assert_eq!(client.receive(&ack).unwrap(), None, "no ACK of an ACK");
    }

    #[test]
    fn four_way_close_states() {
        let (mut client, mut server) = established_pair();
        let fin = client.close().unwrap();
        assert_eq!(client.state(), State::FinWait1);
        let ack = server.receive(&fin).unwrap().unwrap();
        assert_eq!(server.state(), State::CloseWait);
        client.receive(&ack).unwrap();
        assert_eq!(client.state(), State::FinWait2);
        let fin = server.close().unwrap();
        assert_eq!(server.state(), State::LastAck);
        let last = client.receive(&fin).unwrap().unwrap();
        assert_eq!(client.state(), State::TimeWait);
        server.receive(&last).unwrap();
        assert_eq!(server.state(), State::Closed);
        client.time_wait_expired().unwrap();
        assert_eq!(client.state(), State::Closed);
    }

    #[test]
    fn simultaneous_close_goes_through_closing() {
        let (mut client, mut server) = established_pair();
        let client_fin = client.close().unwrap();
        let server_fin = server.close().unwrap();
        let ack_at_server = server.receive(&client_fin).unwrap().unwrap();
        assert_eq!(server.state(), State::Closing);
        let ack_at_client = client.receive(&server_fin).unwrap().unwrap();
        assert_eq!(client.state(), State::Closing);
        client.receive(&ack_at_server).unwrap();
        server.receive(&ack_at_client).unwrap();
        assert_eq!(
            (client.state(), server.state()),
            (State::TimeWait, State::TimeWait)
        );
    }

    #[test]
    fn half_closed_peer_may_still_send() {
        let (mut client, mut server) = established_pair();
        let fin = client.close().unwrap();
        let ack = server.receive(&fin).unwrap().unwrap();
        client.receive(&ack).unwrap();
        let data = server.send(2).unwrap();
        let ack = client.receive(&data).unwrap().unwrap();
        assert_eq!(client.state(), State::FinWait2);
        server.receive(&ack).unwrap();
        assert_eq!(server.state(), State::CloseWait);
    }

    #[test]
    fn calls_in_the_wrong_state_are_errors() {
        let mut client = Endpoint::new(1);
        assert!(matches!(
            client.send(1),
            Err(TcpError::Call { call: "send", .. })
        ));
        assert!(client.close().is_err());
        client.connect().unwrap();
        assert!(client.connect().is_err());
        let (mut client, _) = established_pair();
        client.close().unwrap();
        assert!(client.send(1).is_err(), "no data after our own FIN");
    }

    #[test]
    fn segments_that_do_not_fit_are_refused() {
        let mut server = Endpoint::new(300);
        let stray_ack = Segment {
            syn: false,
            ack: true,
            fin: false,
            seq: 5,
            ack_num: 6,
            len: 0,
        };
        assert!(matches!(
            server.receive(&stray_ack),
            Err(TcpError::Unexpected { .. })
        ));
        server.listen().unwrap();
        let mut client = Endpoint::new(100);
        let syn = client.connect().unwrap();
        let mut syn_ack = server.receive(&syn).unwrap().unwrap();
        syn_ack.ack_num = 999;
        assert!(matches!(
            client.receive(&syn_ack),
            Err(TcpError::BadAck { .. })
        ));
        let (_, mut server) = established_pair();
        let gap = Segment {
            syn: false,
            ack: true,
            fin: false,
            seq: 150,
            ack_num: 301,
            len: 3,
        };
        assert!(matches!(
            server.receive(&gap),
            Err(TcpError::OutOfOrder { .. })
        ));
    }
}
