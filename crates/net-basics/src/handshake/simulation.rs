//! Two endpoints wired together through a FIFO "network": the whole life of a
//! connection, recorded step by step for the sequence diagram.
//!
//! Segments are delivered in order and never lost, so the simulation shows the
//! states and numbers, not TCP's retransmissions.

use std::collections::VecDeque;

use serde::Serialize;

use super::{Endpoint, Segment, State, TcpError};

/// Who sent a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Client,
    Server,
}

/// How the connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseMode {
    /// The client closes, then the server: the textbook's four-way close.
    Normal,
    /// Both close at once: the FINs cross, both go through CLOSING.
    Simultaneous,
    /// The client closes its half; the server keeps sending before it closes.
    HalfClose,
}

/// One step of the simulation: an application call, or a segment arriving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The sender of the segment, or null for an application call.
    pub from: Option<Side>,
    pub segment: Option<Segment>,
    /// The states after this step.
    pub client_state: State,
    pub server_state: State,
    pub note: String,
}

/// Two endpoints and the segments in flight between them.
#[derive(Debug)]
struct Network {
    client: Endpoint,
    server: Endpoint,
    in_flight: VecDeque<(Side, Segment)>,
    rows: Vec<Row>,
}

impl Network {
    fn record(&mut self, from: Option<Side>, segment: Option<Segment>, note: impl Into<String>) {
        self.rows.push(Row {
            from,
            segment,
            client_state: self.client.state(),
            server_state: self.server.state(),
            note: note.into(),
        });
    }

    fn call(&mut self, note: &str) {
        self.record(None, None, note);
    }

    fn send(&mut self, from: Side, segment: Segment) {
        self.in_flight.push_back((from, segment));
    }

    /// Delivers every segment in flight, in order, and whatever they cause.
    fn deliver_all(&mut self, notes: &[&str]) -> Result<(), TcpError> {
        let mut notes = notes.iter();
        while let Some((from, segment)) = self.in_flight.pop_front() {
            let receiver = match from {
                Side::Client => &mut self.server,
                Side::Server => &mut self.client,
            };
            let reply = receiver.receive(&segment)?;
            self.record(Some(from), Some(segment), *notes.next().unwrap_or(&""));
            if let Some(reply) = reply {
                let back = match from {
                    Side::Client => Side::Server,
                    Side::Server => Side::Client,
                };
                self.send(back, reply);
            }
        }
        Ok(())
    }
}

// ANCHOR: simulate
/// A whole connection: handshake, `data_len` bytes from client to server, and the
/// close chosen by `mode`.
///
/// ```
/// use net_basics::handshake::{simulate, CloseMode, State};
/// let rows = simulate(1000, 5000, 5, CloseMode::Normal).unwrap();
/// let syn_ack = rows.iter().find_map(|r| r.segment.filter(|s| s.syn && s.ack)).unwrap();
/// assert_eq!((syn_ack.seq, syn_ack.ack_num), (5000, 1001));
/// assert_eq!(rows.last().unwrap().client_state, State::Closed);
/// ```
pub fn simulate(
    isn_client: u32,
    isn_server: u32,
    data_len: u32,
    mode: CloseMode,
) -> Result<Vec<Row>, TcpError> {
    let mut net = Network {
        client: Endpoint::new(isn_client),
        server: Endpoint::new(isn_server),
        in_flight: VecDeque::new(),
        rows: Vec::new(),
    };
    net.server.listen()?;
    net.call("server: listen()");
    let syn = net.client.connect()?;
    net.send(Side::Client, syn);
    net.call("client: connect()");
    net.deliver_all(&[
        "1: SYN, x = client ISN",
        "2: SYN+ACK, y = server ISN, ack = x+1",
        "3: ACK = y+1: connected",
    ])?;

    if data_len > 0 {
        let data = net.client.send(data_len)?;
        net.send(Side::Client, data);
        net.call("client: send(data)");
        net.deliver_all(&[
            "data: one number per byte",
            "ACK: got everything before ack",
        ])?;
    }

    match mode {
        CloseMode::Normal | CloseMode::HalfClose => {
            let fin = net.client.close()?;
            net.send(Side::Client, fin);
            net.call("client: close()");
            net.deliver_all(&["1: FIN: client is done sending", "2: ACK of the FIN"])?;
            if mode == CloseMode::HalfClose {
                let more = net.server.send(2)?; // Python: conn.send(b'hi')
                net.send(Side::Server, more);
                net.call("server: send(b'hi') (half-close)");
                net.deliver_all(&["server still sends", "client still receives and ACKs"])?;
            }
            let fin = net.server.close()?;
            net.send(Side::Server, fin);
            net.call("server: close()");
            net.deliver_all(&["3: FIN: server is done too", "4: ACK of the FIN"])?;
        }
        CloseMode::Simultaneous => {
            let client_fin = net.client.close()?;
            net.send(Side::Client, client_fin);
            net.call("client: close()");
            let server_fin = net.server.close()?;
            net.send(Side::Server, server_fin);
            net.call("server: close() too");
            net.deliver_all(&[
                "the FINs cross in flight",
                "the FINs cross in flight",
                "ACK of the client's FIN",
                "ACK of the server's FIN",
            ])?;
        }
    }
    for side in [Side::Client, Side::Server] {
        let endpoint = match side {
            Side::Client => &mut net.client,
            Side::Server => &mut net.server,
        };
        if endpoint.state() == State::TimeWait {
            endpoint.time_wait_expired()?;
            let who = if side == Side::Client {
                "client"
            } else {
                "server"
            };
            net.call(&format!("{who}: 2MSL later, TIME_WAIT ends"));
        }
    }
    Ok(net.rows)
}
// ANCHOR_END: simulate

/// A random initial sequence number, as real stacks choose one (so that a
/// stranger cannot guess the numbers of a connection; RFC 6528). The operating
/// system's randomness always answers on Linux; if it did not, the caller says
/// so rather than quietly use a fixed number.
pub fn random_isn() -> Result<u32, getrandom::Error> {
    getrandom::u32()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_wrap_around() {
        let rows = simulate(u32::MAX, u32::MAX - 1, 3, CloseMode::Normal).unwrap();
        let syn_ack = rows
            .iter()
            .find_map(|r| r.segment.filter(|s| s.syn && s.ack))
            .unwrap();
        assert_eq!(syn_ack.ack_num, 0);
    }

    #[test]
    fn every_close_mode_ends_closed_on_both_sides() {
        for mode in [
            CloseMode::Normal,
            CloseMode::Simultaneous,
            CloseMode::HalfClose,
        ] {
            let rows = simulate(1000, 5000, 5, mode).unwrap();
            let last = rows.last().unwrap();
            assert_eq!(
                (last.client_state, last.server_state),
                (State::Closed, State::Closed),
                "{mode:?}"
            );
        }
        let simultaneous = simulate(1, 2, 0, CloseMode::Simultaneous).unwrap();
        assert!(
            simultaneous
                .iter()
                .any(|r| r.client_state == State::Closing)
        );
    }
}
