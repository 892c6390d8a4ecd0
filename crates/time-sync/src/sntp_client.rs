//! `time-sync sntp`: an SNTP client (RFC 4330, NTPv4 client mode 3).
//!
//! Terminal 1: `cargo run -p time-sync -- sntp-server`
//! Terminal 2: `cargo run -p time-sync -- sntp --addr 127.0.0.1:12300`
//!
//! One exchange: write T1 into a 48-byte request and send it; the server returns
//! T1 (as origin), T2 and T3; we read T4 the moment the reply arrives. Then the
//! arithmetic in [`crate::exchange`] gives the offset and the delay. We only
//! *print* the offset: this program never sets the clock (that takes root and a
//! lot more care: see the book for what chrony does).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::exchange::{Exchange, Report};
use crate::packet::{self, Leap, Mode, Repr};
use crate::timestamp::Timestamp;

/// A reply longer than this is not an NTP reply we understand (header plus room
/// for a MAC or extension fields); our buffer is one byte longer to notice.
pub const MAX_REPLY_LEN: usize = 1024;

/// Why an exchange failed.
#[derive(Debug)]
pub enum SntpError {
    /// No valid reply within the timeout, after every retry.
    Timeout,
    /// The server sent a "kiss-o'-death" (stratum 0): e.g. `RATE` (slow down),
    /// `DENY` (go away). A client must obey and not retry at once.
    KissOfDeath(String),
    /// The server says its own clock is not synchronised: don't use it.
    Unsynchronized,
    /// Sending or receiving failed.
    Io(io::Error),
}

impl std::fmt::Display for SntpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SntpError::Timeout => write!(f, "no valid reply"),
            SntpError::KissOfDeath(code) => write!(f, "the server sent kiss-o'-death {code}"),
            SntpError::Unsynchronized => write!(f, "the server's clock is not synchronised"),
            SntpError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SntpError {}

/// What one successful exchange returned.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub exchange: Exchange,
    pub reply: Repr,
}

impl Outcome {
    /// The report printed by `sntp` and `--json`.
    pub fn report(&self) -> Report {
        Report {
            offset: self.exchange.offset(),
            delay: self.exchange.delay(),
            stratum: self.reply.stratum,
            reference_id: self.reply.reference_id.describe(self.reply.stratum),
            leap: self.reply.leap.to_string(),
            t1: self.exchange.t1.to_utc_string(),
            t2: self.exchange.t2.to_utc_string(),
            t3: self.exchange.t3.to_utc_string(),
            t4: self.exchange.t4.to_utc_string(),
        }
    }
}

/// Why a datagram is not the reply to our request (it is then ignored and we
/// keep waiting: it may be a late reply to an earlier try, or a forgery).
#[derive(Debug, PartialEq, Eq)]
pub enum NotOurReply {
    Malformed(packet::Error),
    TooLong(usize),
    NotServerMode(Mode),
    /// The origin timestamp is not our T1: stale or forged.
    WrongOrigin,
    /// Transmit timestamp zero: the server did not fill it in.
    NoTransmitTimestamp,
}

// ANCHOR: check
/// Checks that `bytes` is a server's answer to the request we sent at `t1`.
pub fn check_reply(bytes: &[u8], t1: Timestamp) -> Result<Repr, NotOurReply> {
    if bytes.len() > MAX_REPLY_LEN {
        return Err(NotOurReply::TooLong(bytes.len()));
    }
    let reply = Repr::parse_bytes(bytes).map_err(NotOurReply::Malformed)?;
    if reply.mode != Mode::Server {
        return Err(NotOurReply::NotServerMode(reply.mode));
    }
    // Our T1 must come back: the one check that defeats blind spoofing and
    // stale replies, since only someone who saw our request knows it.
    if reply.origin_timestamp != t1 {
        return Err(NotOurReply::WrongOrigin);
    }
    if reply.transmit_timestamp.is_zero() {
        return Err(NotOurReply::NoTransmitTimestamp);
    }
    Ok(reply)
}
// ANCHOR_END: check

/// A UDP socket for talking to `server`: bound to loopback when the server is
/// on loopback, and connected, so the kernel drops datagrams from anyone else.
pub fn client_socket(server: SocketAddr) -> io::Result<UdpSocket> {
    let ip = match (server.is_ipv4(), server.ip().is_loopback()) {
        (true, true) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        (true, false) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        (false, true) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        (false, false) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    // Port 0: the operating system picks a free one.
    let socket = UdpSocket::bind(SocketAddr::new(ip, 0))?;
    socket.connect(server)?;
    Ok(socket)
}

// ANCHOR: query
/// One exchange with up to `1 + retries` tries, each waiting `timeout`.
pub fn query(socket: &UdpSocket, timeout: Duration, retries: u32) -> Result<Outcome, SntpError> {
    let mut buffer = [0u8; MAX_REPLY_LEN + 1];
    for _try in 0..=retries {
        // T1: our clock, written into the request's transmit field.
        // (chrony puts a random number there instead, so that the request does
        // not reveal its clock; the origin check works just the same.)
        let t1 = Timestamp::now();
        socket
            .send(&Repr::client_request(t1).to_bytes())
            .map_err(SntpError::Io)?;
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break; // this try timed out: retry with a fresh T1
            }
            socket.set_read_timeout(Some(left)).map_err(SntpError::Io)?;
            let len = match socket.recv(&mut buffer) {
                Ok(len) => len,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break;
                }
                Err(e) => return Err(SntpError::Io(e)),
            };
            // T4 the moment the reply is ours.
            let t4 = Timestamp::now();
            let Some(bytes) = buffer.get(..len) else {
                continue;
            };
            let Ok(reply) = check_reply(bytes, t1) else {
                continue; // not the reply to this request: keep waiting
            };
            if reply.stratum == 0 {
                return Err(SntpError::KissOfDeath(reply.reference_id.describe(0)));
            }
            if reply.leap == Leap::Unsynchronized || reply.stratum >= packet::MAX_STRATUM {
                return Err(SntpError::Unsynchronized);
            }
            let exchange = Exchange {
                t1,
                t2: reply.receive_timestamp,
                t3: reply.transmit_timestamp,
                t4,
            };
            return Ok(Outcome { exchange, reply });
        }
    }
    Err(SntpError::Timeout)
}
// ANCHOR_END: query

/// Prints one exchange for a student.
pub fn print_outcome(outcome: &Outcome) {
    let report = outcome.report();
    println!("T1 (client sent)      {}", report.t1);
    println!("T2 (server received)  {}", report.t2);
    println!("T3 (server sent)      {}", report.t3);
    println!("T4 (client received)  {}", report.t4);
    println!("offset θ = ((T2−T1)+(T3−T4))/2 = {:+.9} s", report.offset);
    println!("delay  δ = (T4−T1)−(T3−T2)     = {:.9} s", report.delay);
    println!(
        "stratum {}, reference id {}, leap indicator: {}",
        report.stratum, report.reference_id, report.leap
    );
}

/// What `time-sync sntp` asks for.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// How many exchanges (at least one is made).
    pub count: u32,
    /// How long each try waits for its reply.
    pub timeout: Duration,
    /// How many times a request without a valid reply is sent again.
    pub retries: u32,
    /// One JSON document instead of the text.
    pub json: bool,
}

/// Why `time-sync sntp` failed.
#[derive(Debug)]
pub enum RunError {
    /// An exchange failed.
    Exchange(SntpError),
    /// The JSON document could not be written.
    Json(serde_json::Error),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Exchange(e) => e.fmt(f),
            RunError::Json(e) => write!(f, "cannot write JSON: {e}"),
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Exchange(e) => Some(e),
            RunError::Json(e) => Some(e),
        }
    }
}

/// `time-sync sntp`: `count` exchanges with `server`, each sample's θ and δ as
/// it comes (when there is more than one), then the best of them in full.
pub fn run(server: SocketAddr, options: &RunOptions) -> Result<(), RunError> {
    let socket = client_socket(server).map_err(|e| RunError::Exchange(SntpError::Io(e)))?;
    let show_samples = !options.json && options.count > 1;
    let sample = || -> Result<Outcome, RunError> {
        let outcome =
            query(&socket, options.timeout, options.retries).map_err(RunError::Exchange)?;
        if show_samples {
            let e = outcome.exchange;
            println!(
                "sample: offset {:+.9} s, delay {:.9} s",
                e.offset(),
                e.delay()
            );
        }
        Ok(outcome)
    };
    let mut best = sample()?;
    let mut outcomes = vec![best];
    for _ in 1..options.count {
        let outcome = sample()?;
        // The sample NTP prefers: the one with the smallest delay, whose offset
        // the path's asymmetry can distort least (the first of equals).
        if outcome.exchange.delay() < best.exchange.delay() {
            best = outcome;
        }
        outcomes.push(outcome);
    }
    if options.json {
        let mut value = serde_json::to_value(best.report()).map_err(RunError::Json)?;
        if options.count > 1
            && let Some(object) = value.as_object_mut()
        {
            let samples: Vec<_> = outcomes
                .iter()
                .map(|o| serde_json::json!({"offset": o.exchange.offset(), "delay": o.exchange.delay()}))
                .collect();
            object.insert("samples".into(), samples.into());
        }
        let text = serde_json::to_string_pretty(&value).map_err(RunError::Json)?;
        println!("{text}");
    } else {
        if options.count > 1 {
            println!("best (smallest delay):");
        }
        print_outcome(&best);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sntp_server::{self, ServerConfig};

    #[test]
    fn a_reply_with_another_origin_is_not_ours() {
        let t1 = Timestamp::new(1, 2);
        let mut reply = Repr::client_request(Timestamp::new(5, 6));
        reply.mode = Mode::Server;
        reply.origin_timestamp = Timestamp::new(1, 3);
        assert_eq!(
            check_reply(&reply.to_bytes(), t1),
            Err(NotOurReply::WrongOrigin)
        );
        reply.origin_timestamp = t1;
        assert!(check_reply(&reply.to_bytes(), t1).is_ok());
        reply.mode = Mode::Client;
        assert_eq!(
            check_reply(&reply.to_bytes(), t1),
            Err(NotOurReply::NotServerMode(Mode::Client))
        );
    }

    #[test]
    fn query_against_our_own_server_on_loopback() {
        let addr =
            sntp_server::spawn("127.0.0.1:0".parse().unwrap(), ServerConfig::default()).unwrap();
        let socket = client_socket(addr).unwrap();
        let outcome = query(&socket, Duration::from_secs(5), 2).unwrap();
        let e = outcome.exchange;
        // One clock on both ends: |θ| ≤ δ/2, and the delay is positive.
        assert!(e.delay() >= 0.0);
        assert!(e.offset().abs() <= e.delay() / 2.0 + 1e-6);
        assert_eq!(outcome.reply.stratum, 8);
        assert_eq!(outcome.reply.leap, Leap::NoWarning);
    }

    /// A server that answers every request with a kiss-o'-death `RATE`.
    fn kissing_server() -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 100];
            while let Ok((len, peer)) = socket.recv_from(&mut buffer) {
                let request = Repr::parse_bytes(&buffer[..len]).unwrap();
                let mut kiss = request;
                kiss.mode = Mode::Server;
                kiss.stratum = 0;
                kiss.reference_id = crate::packet::ReferenceId(*b"RATE");
                kiss.origin_timestamp = request.transmit_timestamp;
                kiss.transmit_timestamp = Timestamp::now();
                let _ = socket.send_to(&kiss.to_bytes(), peer);
            }
        });
        addr
    }

    #[test]
    fn a_kiss_of_death_is_reported_not_used() {
        let socket = client_socket(kissing_server()).unwrap();
        match query(&socket, Duration::from_secs(5), 0) {
            Err(SntpError::KissOfDeath(code)) => assert_eq!(code, "\"RATE\""),
            other => panic!("expected a kiss-o'-death, got {other:?}"),
        }
    }

    #[test]
    fn no_server_gives_timeout_or_refused() {
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap(); // never answers
        let socket = client_socket(silent.local_addr().unwrap()).unwrap();
        let error = query(&socket, Duration::from_millis(50), 1).unwrap_err();
        assert!(matches!(error, SntpError::Timeout));
    }

    /// A server run by a script: for the n-th request (from 0) it sends the
    /// datagrams `script(n, request)` returns, built from a correct reply. Each
    /// request's transmit timestamp goes to the returned channel.
    fn scripted_server(
        script: fn(usize, [u8; crate::packet::HEADER_LEN]) -> Vec<Vec<u8>>,
    ) -> (SocketAddr, std::sync::mpsc::Receiver<Timestamp>) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let (seen, requests) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 100];
            let mut n = 0;
            while let Ok((len, peer)) = socket.recv_from(&mut buffer) {
                let mut reply = [0u8; crate::packet::HEADER_LEN];
                let config = ServerConfig::default();
                sntp_server::answer(&buffer[..len], Timestamp::now(), &config, &mut reply).unwrap();
                sntp_server::stamp_transmit(&mut reply);
                let _ = seen.send(
                    Repr::parse_bytes(&buffer[..len])
                        .unwrap()
                        .transmit_timestamp,
                );
                for datagram in script(n, reply) {
                    let _ = socket.send_to(&datagram, peer);
                }
                n += 1;
            }
        });
        (addr, requests)
    }

    #[test]
    fn a_lost_request_is_sent_again_with_a_fresh_t1() {
        // The first request is "lost" (never answered), the second answered.
        let script = |n: usize, reply: [u8; 48]| if n == 0 { vec![] } else { vec![reply.to_vec()] };
        let (addr, requests) = scripted_server(script);
        let socket = client_socket(addr).unwrap();
        let outcome = query(&socket, Duration::from_millis(200), 1).unwrap();
        let first = requests.recv_timeout(Duration::from_secs(5)).unwrap();
        let second = requests.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_ne!(first, second, "each try has its own T1");
        assert_eq!(outcome.reply.origin_timestamp, second);
        // Without retries the same loss is a timeout.
        let (addr, _requests) = scripted_server(script);
        let socket = client_socket(addr).unwrap();
        let error = query(&socket, Duration::from_millis(200), 0).unwrap_err();
        assert!(matches!(error, SntpError::Timeout), "{error:?}");
    }

    #[test]
    fn stale_forged_and_client_mode_replies_are_skipped() {
        // Before the real reply: one with another origin (stale or forged), one
        // in client mode, and junk. The client must wait past them.
        let (addr, requests) = scripted_server(|_, reply| {
            let mut stale = reply;
            stale[24] ^= 0xff; // origin timestamp, first byte
            let mut client_mode = reply;
            client_mode[0] = (client_mode[0] & !0b111) | 3;
            vec![
                stale.to_vec(),
                client_mode.to_vec(),
                b"junk".to_vec(),
                reply.to_vec(),
            ]
        });
        let socket = client_socket(addr).unwrap();
        let outcome = query(&socket, Duration::from_secs(5), 0).unwrap();
        let t1 = requests.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(outcome.exchange.t1, t1);
        assert_eq!(outcome.reply.origin_timestamp, t1);
        assert_eq!(outcome.reply.mode, Mode::Server);
    }

    #[test]
    fn header_len_is_48() {
        assert_eq!(crate::packet::HEADER_LEN, 48);
    }
}
