//! `chat bench`: many clients in one room, a steady stream of messages, and a
//! check of every delivery.
//!
//! N clients connect (at most [`CONNECT_CONCURRENCY`] handshakes at a time, as a
//! crowd arriving), then `senders` of them send `messages` each, `rate` messages
//! per second in total, evenly spaced. Each message carries its sequence number
//! and the time it was sent (`b7: 12 3456789` = client b7's 12th message, sent
//! 3,456,789 µs after the bench started; one process, one clock). Every client
//! checks every bench message it receives: the latency from send to receipt, and
//! whether a sender's messages arrive once each, in order. A message a client
//! never got is *lost*; one it got twice, *duplicated*.
//!
//! Terminal 1: `chat server --addr 127.0.0.1:9090`
//! Terminal 2: `chat bench --addr 127.0.0.1:9090 --clients 1000 --messages 2 --rate 100`

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth::Secret;
use serde::Serialize;
use tokio::sync::Semaphore;

use bytes::Buf;
use framing::HEADER_LEN;
use tokio::io::AsyncReadExt;

use super::{BenchError, check_clients};
use crate::client::{Connection, Reader};
use crate::nofile::raise_nofile_limit;
use crate::policy::MAX_SERVER_FRAME_LEN;

/// Connections being set up at once. A crowd of 10,000 SYNs at the same instant
/// would overflow the server's listen backlog; real clients never arrive all in
/// the same microsecond either.
pub const CONNECT_CONCURRENCY: usize = 256;

/// Bytes a receiving client asks its socket for at a time.
pub const RECEIVE_CHUNK: usize = 8 * 1024;

/// After the last message is sent, how long receivers wait for the rest.
pub const DRAIN_WAIT: Duration = Duration::from_secs(10);

/// What to measure.
#[derive(Debug, Clone)]
pub struct Options {
    pub addr: SocketAddr,
    pub clients: usize,
    /// How many of the clients send (the first ones); `None` = all.
    pub senders: Option<usize>,
    pub messages: usize,
    /// Messages per second, all senders together.
    pub rate: f64,
    pub secret: Option<Secret>,
    pub timeout: Duration,
    /// Nicknames are PREFIX0, PREFIX1...: two bench processes against one
    /// server need different prefixes.
    pub prefix: String,
}

// ANCHOR: report
/// The figures `chat bench` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub clients: usize,
    pub senders: usize,
    /// Time to connect (and join) every client.
    pub connect_ms: f64,
    pub sent: u64,
    /// Deliveries expected: every message to every client.
    pub expected: u64,
    pub delivered: u64,
    pub lost: u64,
    pub duplicated: u64,
    /// Times a client saw a sender skip a message (a loss inside the stream).
    pub gaps: u64,
    pub deliveries_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The open-file limit the bench ran with (each client is a file descriptor).
    pub nofile_limit: u64,
}
// ANCHOR_END: report

/// What one receiving client saw.
#[derive(Debug, Default)]
struct Seen {
    delivered: u64,
    duplicated: u64,
    gaps: u64,
    latencies_us: Vec<u32>,
}

/// How many loopback addresses the benchmark's clients come from.
pub const SOURCE_ADDRESSES: usize = 250;

/// Where client `i` connects from. A server lets one address hold only a share of
/// its slots (a quarter, by default), and 10,000 members of a real room come from
/// thousands of hosts: against a server on 127.0.0.1 the clients are spread over
/// 127.0.0.2 to 127.0.0.251 — Linux answers on all of 127.0.0.0/8 — so each
/// address plays one host. Elsewhere the system picks.
pub fn source_address(server: SocketAddr, i: usize) -> Option<IpAddr> {
    if cfg!(target_os = "linux") && server.ip() == IpAddr::from([127, 0, 0, 1]) {
        let host = 2 + (i % SOURCE_ADDRESSES) as u8;
        Some(IpAddr::from([127, 0, 0, host]))
    } else {
        None
    }
}

/// `b7: 12 3456789` (prefix `b`) → (7, 12, 3456789).
fn parse_bench_line(line: &str, prefix: &str) -> Option<(usize, u32, u64)> {
    let (name, text) = line.split_once(": ")?;
    let sender = name.strip_prefix(prefix)?.parse().ok()?;
    let (seq, sent_us) = text.split_once(' ')?;
    Some((sender, seq.parse().ok()?, sent_us.parse().ok()?))
}

// ANCHOR: run
/// Runs the benchmark (see the module documentation).
pub async fn run(options: Options) -> Result<Report, BenchError> {
    let nofile_limit = raise_nofile_limit();
    let clients = options.clients;
    check_clients(clients, nofile_limit)?;
    let senders = options.senders.unwrap_or(clients).min(clients);
    if options.rate <= 0.0 || !options.rate.is_finite() {
        return Err(BenchError::Rate(options.rate));
    }
    // How long sending takes; absurd --messages or --rate values are refused
    // here rather than overflowing a clock later.
    let sending_time = senders
        .checked_mul(options.messages)
        .and_then(|total| Duration::try_from_secs_f64(total as f64 / options.rate).ok())
        .filter(|time| Instant::now().checked_add(*time + DRAIN_WAIT).is_some())
        .ok_or(BenchError::NeverEnds {
            messages: options.messages,
            senders,
            rate: options.rate,
        })?;
    let per_sender = options.rate / senders.max(1) as f64;
    if per_sender > f64::from(crate::policy::RATE_PER_SEC) {
        eprintln!(
            "note: each sender sends {per_sender:.0} messages/s, above the server's default \
             rate limit of {}/s: expect refusals (use more --senders, or chat server --rate-limit)",
            crate::policy::RATE_PER_SEC
        );
    }
    let started = Instant::now();

    // 1. Connect everyone, CONNECT_CONCURRENCY at a time.
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut joining = Vec::with_capacity(clients);
    for i in 0..clients {
        let (gate, secret, options) = (Arc::clone(&gate), options.secret.clone(), options.clone());
        joining.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            let nick = format!("{}{i}", options.prefix);
            let source = source_address(options.addr, i);
            Connection::join_from(
                source,
                options.addr,
                &nick,
                secret.as_ref(),
                options.timeout,
            )
            .await
        }));
    }
    let mut connections = Vec::with_capacity(clients);
    for (i, join) in joining.into_iter().enumerate() {
        let nick = || format!("{}{i}", options.prefix);
        let joined = join.await.map_err(|error| BenchError::Task {
            nick: nick(),
            error,
        })?;
        let (connection, _welcome) = joined.map_err(|error| BenchError::Join {
            nick: nick(),
            clients,
            nofile_limit,
            error,
        })?;
        connections.push(connection);
    }
    let connect_ms = started.elapsed().as_secs_f64() * 1000.0;

    // 2. Every client reads in its own task; the first `senders` also send.
    let send_start = Instant::now() + Duration::from_millis(100);
    let send_end = send_start + sending_time;
    let deadline = send_end + DRAIN_WAIT;
    let mut readers = Vec::with_capacity(clients);
    let mut writers = Vec::with_capacity(senders);
    // Clients that only listen keep their sending half here: dropping it would
    // close their side of the connection, and the server would see them leave.
    let mut listeners_writers = Vec::with_capacity(clients - senders);
    for (i, connection) in connections.into_iter().enumerate() {
        let (reader, mut writer) = connection.split();
        readers.push(tokio::spawn(receive(
            reader,
            options.prefix.clone(),
            senders,
            options.messages,
            started,
            deadline,
        )));
        if i >= senders {
            listeners_writers.push(writer);
        } else {
            let (messages, rate) = (options.messages, options.rate);
            writers.push(tokio::spawn(async move {
                let mut sent = 0u64;
                for seq in 0..messages {
                    // Message k of all senders goes out at k / rate seconds.
                    let k = seq * senders + i;
                    let at = send_start + Duration::from_secs_f64(k as f64 / rate);
                    tokio::time::sleep_until(at.into()).await;
                    let now_us = started.elapsed().as_micros();
                    if writer.send(&format!("{seq} {now_us}")).await.is_err() {
                        break;
                    }
                    sent += 1;
                }
                // Keep the connection open until every reader is done.
                (sent, writer)
            }));
        }
    }
    let mut sent = 0;
    let mut keep_open = Vec::with_capacity(senders);
    for writer in writers {
        if let Ok((count, writer)) = writer.await {
            sent += count;
            keep_open.push(writer);
        }
    }
    let mut seen = Seen::default();
    let mut last_receipt = send_start;
    for reader in readers {
        if let Ok((one, last)) = reader.await {
            seen.delivered += one.delivered;
            seen.duplicated += one.duplicated;
            seen.gaps += one.gaps;
            seen.latencies_us.extend(one.latencies_us);
            last_receipt = last_receipt.max(last);
        }
    }
    drop((keep_open, listeners_writers));
    // ANCHOR_END: run

    let expected = sent * clients as u64;
    let seconds = last_receipt
        .saturating_duration_since(send_start)
        .as_secs_f64();
    seen.latencies_us.sort_unstable();
    let percentile = |p: f64| {
        super::nearest_rank(&seen.latencies_us, p).map_or(0.0, |us| f64::from(us) / 1000.0)
    };
    Ok(Report {
        clients,
        senders,
        connect_ms,
        sent,
        expected,
        delivered: seen.delivered,
        lost: expected.saturating_sub(seen.delivered),
        duplicated: seen.duplicated,
        gaps: seen.gaps,
        deliveries_per_sec: if seconds > 0.0 {
            seen.delivered as f64 / seconds
        } else {
            0.0
        },
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        max_ms: percentile(1.0),
        nofile_limit,
    })
}

// ANCHOR: receive
/// One client's receiving side: checks every bench line until it has all of
/// them or the deadline passes. Returns what it saw and when the last came.
///
/// It reads its socket in big chunks and takes the frames out of each chunk
/// in place, with one clock reading per chunk (the frames in it arrived
/// together): 10,000 of these share two cores with the server they measure,
/// so the less each costs per line, the less the bench itself slows the room.
async fn receive(
    reader: Reader,
    prefix: String,
    senders: usize,
    messages: usize,
    started: Instant,
    deadline: Instant,
) -> (Seen, Instant) {
    let mut check = Check {
        prefix,
        senders,
        started,
        seen: Seen::default(),
        next: HashMap::new(),
    };
    let wanted = (senders * messages) as u64;
    let mut last = Instant::now();
    let (mut socket, mut buf) = reader.into_parts();
    // One timer for the whole run, not one per read.
    let too_late = tokio::time::sleep_until(deadline.into());
    tokio::pin!(too_late);
    loop {
        // Every whole frame in the buffer (a 4-byte big-endian length, then
        // the line), then read more.
        let now = Instant::now();
        let mut at = 0;
        while let Some(header) = buf.get(at..at + HEADER_LEN) {
            let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
            if len > MAX_SERVER_FRAME_LEN {
                return (check.seen, last); // not our server
            }
            let Some(line) = buf.get(at + HEADER_LEN..at + HEADER_LEN + len) else {
                break;
            };
            if check.line(line, now) {
                last = now;
            }
            at += HEADER_LEN + len;
        }
        buf.advance(at);
        if check.seen.delivered >= wanted {
            break;
        }
        if buf.capacity() - buf.len() < RECEIVE_CHUNK / 4 {
            buf.reserve(RECEIVE_CHUNK);
        }
        tokio::select! {
            read = socket.read_buf(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            },
            () = &mut too_late => break,
        }
    }
    (check.seen, last)
}

/// What one client checks about each line it receives.
struct Check {
    prefix: String,
    senders: usize,
    started: Instant,
    seen: Seen,
    /// The next sequence number expected from each sender.
    next: HashMap<usize, u32>,
}

impl Check {
    /// Checks one line that arrived at `now`; whether it was a bench message.
    fn line(&mut self, line: &[u8], now: Instant) -> bool {
        let parsed = std::str::from_utf8(line)
            .ok()
            .and_then(|line| parse_bench_line(line, &self.prefix));
        let Some((sender, seq, sent_us)) = parsed else {
            return false; // a join notice, the welcome...
        };
        // Someone else in the room whose name looks like ours (say a person
        // called b99999) is not part of the measurement.
        if sender >= self.senders {
            return false;
        }
        let seen = &mut self.seen;
        let expected = self.next.entry(sender).or_insert(0);
        if seq < *expected {
            seen.duplicated += 1;
            return false;
        }
        if seq > *expected {
            seen.gaps += 1;
        }
        *expected = seq.saturating_add(1);
        seen.delivered += 1;
        let latency = now
            .duration_since(self.started)
            .as_micros()
            .saturating_sub(u128::from(sent_us));
        seen.latencies_us
            .push(u32::try_from(latency).unwrap_or(u32::MAX));
        true
    }
}
// ANCHOR_END: receive

impl Report {
    /// The human-readable report.
    pub fn text(&self) -> String {
        format!(
            "clients            {}\n\
             senders            {}\n\
             connect            {:.0} ms (all clients joined)\n\
             sent               {}\n\
             delivered          {} of {} (every message to every client)\n\
             lost               {}\n\
             duplicated         {}\n\
             gaps               {}\n\
             deliveries/s       {:.0}\n\
             latency p50        {:.2} ms\n\
             latency p99        {:.2} ms\n\
             latency max        {:.2} ms\n\
             open-file limit    {}",
            self.clients,
            self.senders,
            self.connect_ms,
            self.sent,
            self.delivered,
            self.expected,
            self.lost,
            self.duplicated,
            self.gaps,
            self.deliveries_per_sec,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.nofile_limit,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_lines_carry_sender_sequence_and_time() {
        assert_eq!(
            parse_bench_line("b7: 12 3456789", "b"),
            Some((7, 12, 3_456_789))
        );
        assert_eq!(
            parse_bench_line("x7: 12 3456789", "x"),
            Some((7, 12, 3_456_789))
        );
        assert_eq!(parse_bench_line("x7: 12 3456789", "b"), None);
        assert_eq!(parse_bench_line("* b7 joined", "b"), None);
        assert_eq!(parse_bench_line("alice: hello there", "b"), None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_small_bench_delivers_everything_once() {
        let listener = crate::server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(crate::server::run(
            listener,
            None,
            crate::policy::Policy::default(),
            None,
            async {
                let _ = stopped.await;
            },
        ));
        let report = run(Options {
            addr,
            clients: 5,
            senders: None,
            messages: 4,
            rate: 1000.0,
            secret: None,
            timeout: Duration::from_secs(10),
            prefix: "b".into(),
        })
        .await
        .unwrap();
        assert_eq!(report.sent, 20);
        assert_eq!(report.expected, 100);
        assert_eq!(report.delivered, 100);
        assert_eq!((report.lost, report.duplicated, report.gaps), (0, 0, 0));
        let _ = stop.send(());
        server.await.unwrap();
    }
}
