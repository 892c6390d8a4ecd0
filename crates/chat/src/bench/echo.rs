//! `chat echo-bench`: the same upper-casing echo load against any echo server —
//! `chat threaded-echo`, `chat async-echo`, or the tutorial's Python
//! socketserver — so the three can be compared.
//!
//! N clients connect at the same moment (a crowd, as in the 64-client test),
//! then, once all are connected, each does M round trips: send S lowercase
//! bytes, read until S bytes came back, check they are the upper-cased copy. The connect time shows the listen
//! backlog at work (Python's backlog of 5 makes late SYNs wait for a 1 s
//! retransmission); the round trips per second show the cost of serving.
//!
//! Terminal 1: `python3 tests/python/socketserver_server.py 127.0.0.1:9999`
//! Terminal 2: `chat echo-bench --addr 127.0.0.1:9999 --clients 64 --messages 2000`

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::fmt;
use std::io;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Barrier;

use super::{BenchError, check_clients};
use crate::echo::python_upper;
use crate::nofile::raise_nofile_limit;

/// What to measure.
#[derive(Debug, Clone)]
pub struct Options {
    pub addr: SocketAddr,
    pub clients: usize,
    pub messages: usize,
    pub size: usize,
    pub timeout: Duration,
}

/// The figures `chat echo-bench` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub clients: usize,
    pub round_trips: u64,
    pub bytes_each_way: u64,
    /// Time of the round-trip phase (after every client connected).
    pub seconds: f64,
    pub round_trips_per_sec: f64,
    pub connect_max_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Clients that failed (refused, reset, timed out, wrong echo).
    pub failed_clients: usize,
}

/// One client: connect when the barrier opens, then `messages` round trips.
async fn one_client(
    options: Arc<Options>,
    start: Arc<Barrier>,
    connected: Arc<Barrier>,
) -> Result<(f64, Vec<u32>), ClientFailed> {
    start.wait().await;
    let began = Instant::now();
    let stream = tokio::time::timeout(options.timeout, TcpStream::connect(options.addr)).await;
    let connect_ms = began.elapsed().as_secs_f64() * 1000.0;
    // Every client passes this barrier, connected or not, so that the round
    // trips of all clients start together and a failed one blocks nobody.
    connected.wait().await;
    let mut stream = stream
        .map_err(|_| ClientFailed::ConnectTimedOut)?
        .map_err(ClientFailed::Io)?;
    let _ = stream.set_nodelay(true);
    let payload: Vec<u8> = (0..options.size).map(|i| b'a' + (i % 26) as u8).collect();
    let expected = python_upper(&payload);
    let mut reply = vec![0u8; options.size];
    // Grows as the round trips are made (no huge allocation up front for a huge
    // --messages).
    let mut latencies = Vec::new();
    for _ in 0..options.messages {
        let sent = Instant::now();
        let trip = async {
            stream.write_all(&payload).await?;
            // The echo may come back in pieces (a stream has no boundaries):
            // read until all of it is here.
            stream.read_exact(&mut reply).await
        };
        tokio::time::timeout(options.timeout, trip)
            .await
            .map_err(|_| ClientFailed::RoundTripTimedOut)?
            .map_err(ClientFailed::Io)?;
        if reply != expected {
            return Err(ClientFailed::WrongEcho);
        }
        latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
    Ok((connect_ms, latencies))
}

/// Why one client of the echo benchmark gave up (it is counted and reported,
/// and the others go on).
#[derive(Debug)]
enum ClientFailed {
    ConnectTimedOut,
    RoundTripTimedOut,
    WrongEcho,
    Io(io::Error),
}

impl fmt::Display for ClientFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientFailed::ConnectTimedOut => write!(f, "connect timed out"),
            ClientFailed::RoundTripTimedOut => write!(f, "round trip timed out"),
            ClientFailed::WrongEcho => write!(f, "the echo was not the upper-cased message"),
            ClientFailed::Io(error) => write!(f, "{error}"),
        }
    }
}

/// Runs the echo benchmark.
pub async fn run(options: Options) -> Result<Report, BenchError> {
    if options.size == 0 {
        return Err(BenchError::EmptyMessages);
    }
    check_clients(options.clients, raise_nofile_limit())?;
    let clients = options.clients;
    let options = Arc::new(options);
    let start = Arc::new(Barrier::new(clients + 1));
    let connected = Arc::new(Barrier::new(clients + 1));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (options, start, connected) = (
                Arc::clone(&options),
                Arc::clone(&start),
                Arc::clone(&connected),
            );
            tokio::spawn(one_client(options, start, connected))
        })
        .collect();
    start.wait().await;
    connected.wait().await;
    // The clock for throughput starts when every client has connected.
    let began = Instant::now();
    let mut latencies = Vec::new();
    let mut connect_max_ms = 0.0f64;
    let mut failed_clients = 0;
    for task in tasks {
        match task.await {
            Ok(Ok((connect_ms, mut one))) => {
                connect_max_ms = connect_max_ms.max(connect_ms);
                latencies.append(&mut one);
            }
            Ok(Err(error)) => {
                failed_clients += 1;
                eprintln!("a client failed: {error}");
            }
            Err(error) => {
                failed_clients += 1;
                eprintln!("a client task failed: {error}");
            }
        }
    }
    let seconds = began.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile =
        |p: f64| super::nearest_rank(&latencies, p).map_or(0.0, |us| f64::from(us) / 1000.0);
    let round_trips = latencies.len() as u64;
    Ok(Report {
        clients,
        round_trips,
        bytes_each_way: round_trips * options.size as u64,
        seconds,
        round_trips_per_sec: round_trips as f64 / seconds,
        connect_max_ms,
        p50_ms: percentile(0.5),
        p99_ms: percentile(0.99),
        max_ms: percentile(1.0),
        failed_clients,
    })
}

impl Report {
    /// The human-readable report.
    pub fn text(&self) -> String {
        format!(
            "clients            {}\n\
             round trips        {} ({} bytes each way)\n\
             time               {:.2} s\n\
             round trips/s      {:.0}\n\
             slowest connect    {:.1} ms\n\
             latency p50        {:.3} ms\n\
             latency p99        {:.3} ms\n\
             latency max        {:.3} ms\n\
             failed clients     {}",
            self.clients,
            self.round_trips,
            self.bytes_each_way,
            self.seconds,
            self.round_trips_per_sec,
            self.connect_max_ms,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.failed_clients,
        )
    }
}
