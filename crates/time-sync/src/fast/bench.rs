//! `time-sync bench`: how many SNTP requests per second a server answers, and how
//! long each waits, with many requests in flight.
//!
//! Terminal 1: `cargo run --release -p time-sync -- sntp-server`
//! Terminal 2: `cargo run --release -p time-sync -- bench --addr 127.0.0.1:12300`
//!
//! Sending one request and waiting for its reply measures latency, not capacity:
//! the server idles while the reply travels back. So the bench keeps
//! `--in-flight` requests outstanding (64 by default): each reply immediately
//! releases the next request. The requests are spread over several sockets
//! (`--threads`, one thread each), because a server that spreads its load with
//! SO_REUSEPORT hashes each source port to one of its threads.
//!
//! Each request's transmit timestamp is a sequence number rather than the time:
//! any NTP server copies it into the reply's origin field, so it tells us which
//! request a reply answers (and the round-trip time is measured with our own
//! monotonic clock, which is what latency needs).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::droplog::is_peer_error;
use crate::packet::{Packet, Repr};
use crate::sntp_client::{self, check_reply};
use crate::timestamp::Timestamp;

/// Most latency samples kept per thread (4 bytes each): bounds memory on long runs;
/// later replies are still counted, only their latency is not recorded.
pub const MAX_SAMPLES_PER_THREAD: usize = 8_000_000;

/// The largest `--in-flight` we accept: more would just fill socket buffers.
pub const MAX_IN_FLIGHT: usize = 4096;

/// The most bench threads.
pub const MAX_THREADS: usize = 64;

/// What to measure.
#[derive(Debug, Clone, Copy)]
pub struct BenchOptions {
    pub addr: SocketAddr,
    pub in_flight: usize,
    pub threads: usize,
    pub duration: Duration,
    /// A request with no reply after this long counts as lost and is replaced.
    pub loss_timeout: Duration,
}

/// The figures, as `--json` prints them.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub addr: String,
    pub in_flight: usize,
    pub threads: usize,
    pub seconds: f64,
    pub answered: u64,
    pub lost: u64,
    pub requests_per_second: f64,
    pub latency_us: Percentiles,
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// What one thread counted.
#[derive(Debug, Default)]
struct ThreadResult {
    answered: u64,
    lost: u64,
    latencies_ns: Vec<u32>,
}

/// One outstanding request: its sequence number and when it left.
#[derive(Debug, Clone, Copy)]
struct Slot {
    sequence: u64,
    sent: Instant,
}

// ANCHOR: worker
fn worker(addr: SocketAddr, in_flight: usize, options: BenchOptions) -> io::Result<ThreadResult> {
    let socket = sntp_client::client_socket(addr)?;
    // Short read timeouts let us notice lost requests and the end of the run.
    socket.set_read_timeout(Some(options.loss_timeout / 4))?;
    let mut result = ThreadResult::default();
    let mut slots: Vec<Option<Slot>> = vec![None; in_flight];
    let n = in_flight as u64;
    // Slot k carries sequence numbers k, k+n, k+2n…: a reply's origin tells its
    // slot. Slot 0 starts at n because a zero transmit timestamp is invalid.
    let mut next_sequence: Vec<u64> = (0..n).map(|k| if k == 0 { n } else { k }).collect();
    let send =
        |slot: usize, slots: &mut Vec<Option<Slot>>, next: &mut Vec<u64>| -> io::Result<()> {
            let sequence = next[slot];
            next[slot] += n;
            let request = Repr::client_request(Timestamp::from_bits(sequence)).to_bytes();
            slots[slot] = Some(Slot {
                sequence,
                sent: Instant::now(),
            });
            match socket.send(&request) {
                Ok(_) => Ok(()),
                // A full socket buffer or an ICMP error: the request is as good as lost.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock || is_peer_error(&e) => Ok(()),
                Err(e) => Err(e),
            }
        };
    for slot in 0..in_flight {
        send(slot, &mut slots, &mut next_sequence)?;
    }
    let start = Instant::now();
    let deadline = start + options.duration;
    let mut last_sweep = start;
    let mut buffer = [0u8; 1024];
    while Instant::now() < deadline {
        match socket.recv(&mut buffer) {
            Ok(len) => {
                let now = Instant::now();
                let Some(bytes) = buffer.get(..len) else {
                    continue;
                };
                // The origin tells the sequence number, hence the slot.
                let Ok(origin) = Packet::new_checked(bytes).map(|p| p.origin_timestamp().to_bits())
                else {
                    continue;
                };
                let slot = (origin % n) as usize;
                let Some(Some(pending)) = slots.get(slot).copied() else {
                    continue;
                };
                if pending.sequence != origin
                    || check_reply(bytes, Timestamp::from_bits(origin)).is_err()
                {
                    continue; // a late reply to a request we gave up on
                }
                result.answered += 1;
                if result.latencies_ns.len() < MAX_SAMPLES_PER_THREAD {
                    let ns = now.duration_since(pending.sent).as_nanos();
                    result
                        .latencies_ns
                        .push(u32::try_from(ns).unwrap_or(u32::MAX));
                }
                send(slot, &mut slots, &mut next_sequence)?;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if is_peer_error(&e) => {}
            Err(e) => return Err(e),
        }
        // Now and then, replace requests that have waited too long (lost).
        let now = Instant::now();
        if now.duration_since(last_sweep) >= options.loss_timeout / 4 {
            last_sweep = now;
            for slot in 0..in_flight {
                if let Some(Some(pending)) = slots.get(slot).copied()
                    && now.duration_since(pending.sent) >= options.loss_timeout
                {
                    result.lost += 1;
                    send(slot, &mut slots, &mut next_sequence)?;
                }
            }
        }
    }
    Ok(result)
}
// ANCHOR_END: worker

/// The value below which `fraction` of the sorted samples lie, in µs.
fn percentile(sorted_ns: &[u32], fraction: f64) -> f64 {
    if sorted_ns.is_empty() {
        return 0.0;
    }
    let index = ((sorted_ns.len() - 1) as f64 * fraction).round() as usize;
    sorted_ns
        .get(index.min(sorted_ns.len() - 1))
        .map_or(0.0, |&ns| f64::from(ns) / 1000.0)
}

/// Why the bench has no figures.
#[derive(Debug)]
pub enum BenchError {
    /// A socket could not be set up, or sending or receiving failed.
    Io(io::Error),
    /// The server answered none of our requests.
    NoAnswers,
    /// A bench thread panicked (a bug: the worker is written not to).
    Panicked,
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::Io(e) => e.fmt(f),
            BenchError::NoAnswers => f.write_str("the server answered none of our requests"),
            BenchError::Panicked => f.write_str("a bench thread panicked"),
        }
    }
}

impl std::error::Error for BenchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BenchError::Io(e) => Some(e),
            BenchError::NoAnswers | BenchError::Panicked => None,
        }
    }
}

/// Runs the bench and returns the figures.
pub fn run(options: BenchOptions) -> Result<BenchReport, BenchError> {
    let threads = options
        .threads
        .clamp(1, MAX_THREADS)
        .min(options.in_flight.max(1));
    let in_flight = options.in_flight.clamp(1, MAX_IN_FLIGHT);
    // Spread the requests as evenly as possible over the threads.
    let shares: Vec<usize> = (0..threads)
        .map(|i| in_flight / threads + usize::from(i < in_flight % threads))
        .collect();
    let start = Instant::now();
    let handles: Vec<_> = shares
        .into_iter()
        .map(|share| thread::spawn(move || worker(options.addr, share, options)))
        .collect();
    let mut total = ThreadResult::default();
    for handle in handles {
        let result = handle
            .join()
            .map_err(|_| BenchError::Panicked)?
            .map_err(BenchError::Io)?;
        total.answered += result.answered;
        total.lost += result.lost;
        total.latencies_ns.extend(result.latencies_ns);
    }
    let seconds = start.elapsed().as_secs_f64();
    if total.answered == 0 {
        return Err(BenchError::NoAnswers);
    }
    total.latencies_ns.sort_unstable();
    let sorted = &total.latencies_ns;
    Ok(BenchReport {
        addr: options.addr.to_string(),
        in_flight,
        threads,
        seconds,
        answered: total.answered,
        lost: total.lost,
        requests_per_second: total.answered as f64 / seconds,
        latency_us: Percentiles {
            p50: percentile(sorted, 0.50),
            p90: percentile(sorted, 0.90),
            p99: percentile(sorted, 0.99),
            p999: percentile(sorted, 0.999),
            max: percentile(sorted, 1.0),
        },
    })
}

/// Prints the figures for a person.
pub fn print_report(report: &BenchReport) {
    println!(
        "{}: {} requests in flight over {} sockets, {:.1} s",
        report.addr, report.in_flight, report.threads, report.seconds
    );
    println!(
        "answered {} requests: {:.0} requests/second ({} lost)",
        report.answered, report.requests_per_second, report.lost
    );
    let l = report.latency_us;
    println!(
        "latency µs: p50 {:.0}  p90 {:.0}  p99 {:.0}  p99.9 {:.0}  max {:.0}",
        l.p50, l.p90, l.p99, l.p999, l.max
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sntp_server::{self, ServerConfig};

    #[test]
    fn percentiles_of_a_known_list() {
        let ns: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile(&ns, 0.5), 51.0);
        assert_eq!(percentile(&ns, 1.0), 100.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn a_short_bench_against_our_server_gets_answers() {
        let addr =
            sntp_server::spawn("127.0.0.1:0".parse().unwrap(), ServerConfig::default()).unwrap();
        let report = run(BenchOptions {
            addr,
            in_flight: 8,
            threads: 2,
            duration: Duration::from_millis(200),
            loss_timeout: Duration::from_millis(200),
        })
        .unwrap();
        assert!(report.answered > 0);
        assert!(report.latency_us.p50 <= report.latency_us.max);
    }
}
