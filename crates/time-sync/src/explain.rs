//! `time-sync explain`: one exchange, drawn, with the arithmetic spelled out.
//!
//! `cargo run -p time-sync -- explain` starts our SNTP server inside the process
//! (on 127.0.0.1, any free port) and asks it once; `--addr` asks another server;
//! `--example` uses fixed numbers (a server exactly 1 s ahead, 10 ms each way),
//! so the output is the same every time.

use std::fmt::{self, Write as _};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, SystemTime};

use crate::exchange::Exchange;
use crate::sntp_client::{self, SntpError};
use crate::sntp_server::{self, ServerConfig};
use crate::timestamp::Timestamp;

/// Where the fixed example happens: 2026-11-25 10:57:39 UTC.
const EXAMPLE_UNIX_SECONDS: i64 = 1_795_604_259;

/// The fixed example: the server's clock is 1 s ahead, the network takes 10 ms
/// each way, the server spends 2 ms between receiving and answering.
pub fn example_exchange() -> Exchange {
    let at = |seconds: i64, millis: u32| {
        Timestamp::from_unix(EXAMPLE_UNIX_SECONDS + seconds, millis * 1_000_000)
    };
    Exchange {
        t1: at(0, 100),
        t2: at(1, 110),
        t3: at(1, 112),
        t4: at(0, 122),
    }
}

/// A timestamp as a time of day (UTC), to the nanosecond.
fn clock(t: Timestamp) -> String {
    let (seconds, nanos) = t.to_unix_near(SystemTime::now());
    chrono::DateTime::from_timestamp(seconds, nanos)
        .map(|time| time.format("%H:%M:%S%.9f").to_string())
        .unwrap_or_else(|| t.to_string())
}

// ANCHOR: explanation
/// The diagram and the arithmetic for one exchange.
pub fn explanation(e: &Exchange) -> String {
    let (a, b) = (e.t2.diff(e.t1), e.t3.diff(e.t4));
    let (round_trip, inside) = (e.t4.diff(e.t1), e.t3.diff(e.t2));
    let mut out = String::new();
    let _ = writeln!(out, "  {:<48}server clock", "client clock");
    let _ = writeln!(
        out,
        "  T1 {}  ──── request (T1) ────▶  T2 {}",
        clock(e.t1),
        clock(e.t2)
    );
    let _ = writeln!(
        out,
        "  T4 {}  ◀── reply (T1 T2 T3) ──  T3 {}",
        clock(e.t4),
        clock(e.t3)
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  T2 − T1 = {a:+.9} s   (the request's trip, plus the offset)"
    );
    let _ = writeln!(
        out,
        "  T3 − T4 = {b:+.9} s   (minus the reply's trip, plus the offset)"
    );
    let _ = writeln!(
        out,
        "  offset θ = ((T2 − T1) + (T3 − T4)) / 2 = ({a:+.9} {b:+.9}) / 2 = {:+.9} s",
        e.offset()
    );
    let _ = writeln!(
        out,
        "  T4 − T1 = {round_trip:.9} s   (the round trip, on the client's clock)"
    );
    let _ = writeln!(
        out,
        "  T3 − T2 = {inside:.9} s   (time inside the server, on its clock)"
    );
    let _ = writeln!(
        out,
        "  delay δ = (T4 − T1) − (T3 − T2) = {round_trip:.9} − {inside:.9} = {:.9} s",
        e.delay()
    );
    let _ = writeln!(out);
    let verdict = match e.offset() {
        o if o > 0.0 => format!("our clock is behind the server's by {o:.9} s: add θ to match it"),
        o if o < 0.0 => format!(
            "our clock is ahead of the server's by {:.9} s: add θ (negative) to match it",
            -o
        ),
        _ => "our clock agrees with the server's".to_string(),
    };
    let _ = writeln!(out, "  {verdict}");
    let _ = writeln!(
        out,
        "  (exact only if both trips take as long; an asymmetric path can shift θ by up to δ/2 = {:.9} s)",
        e.delay() / 2.0
    );
    out
}
// ANCHOR_END: explanation

/// How many times `explain` sends its request again when no valid reply came.
pub const RETRIES: u32 = 2;

/// Why `explain` has nothing to draw.
#[derive(Debug)]
pub enum ExplainError {
    /// Our own server could not be started on `addr`.
    Start { addr: SocketAddr, error: io::Error },
    /// The exchange with `server` failed.
    Exchange {
        server: SocketAddr,
        error: SntpError,
    },
}

impl fmt::Display for ExplainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExplainError::Start { addr, error } => {
                write!(f, "cannot start an SNTP server on {addr}: {error}")
            }
            ExplainError::Exchange { server, error } => write!(f, "{server}: {error}"),
        }
    }
}

impl std::error::Error for ExplainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExplainError::Start { error, .. } => Some(error),
            ExplainError::Exchange { error, .. } => Some(error),
        }
    }
}

/// Runs `explain`: one real exchange with `addr` (or with our own server,
/// started in this process on a free loopback port), or the fixed example; prints
/// it drawn and explained.
pub fn run(addr: Option<SocketAddr>, example: bool, timeout: Duration) -> Result<(), ExplainError> {
    if example {
        println!("One SNTP exchange (fixed example: the server is 1 s ahead, 10 ms each way)");
        println!();
        print!("{}", explanation(&example_exchange()));
        return Ok(());
    }
    let server = match addr {
        Some(addr) => addr,
        None => {
            let any = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
            sntp_server::spawn(any, ServerConfig::default())
                .map_err(|error| ExplainError::Start { addr: any, error })?
        }
    };
    let exchange_failed = |error| ExplainError::Exchange { server, error };
    let socket =
        sntp_client::client_socket(server).map_err(|e| exchange_failed(SntpError::Io(e)))?;
    let outcome = sntp_client::query(&socket, timeout, RETRIES).map_err(exchange_failed)?;
    println!(
        "One SNTP exchange with {server} (stratum {}, reference id {})",
        outcome.reply.stratum,
        outcome.reply.reference_id.describe(outcome.reply.stratum)
    );
    println!();
    print!("{}", explanation(&outcome.exchange));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_gives_one_second_and_twenty_milliseconds() {
        let e = example_exchange();
        assert!((e.offset() - 1.0).abs() < 1e-9);
        assert!((e.delay() - 0.020).abs() < 1e-9);
    }

    #[test]
    fn the_explanation_shows_the_arithmetic() {
        let text = explanation(&example_exchange());
        assert!(text.contains("T1 10:57:39.100000000"), "{text}");
        assert!(text.contains("T2 10:57:40.110000000"), "{text}");
        assert!(text.contains("= +1.000000000 s"), "{text}");
        assert!(text.contains("= 0.020000000 s"), "{text}");
        assert!(
            text.contains("behind the server's by 1.000000000 s"),
            "{text}"
        );
    }
}
