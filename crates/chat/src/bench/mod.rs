//! Measuring chapter 8's servers: tooling, apart from the lessons.
//!
//! - [`room`]: `chat bench`, many clients in one chat room and a check of every
//!   delivery.
//! - [`echo`]: `chat echo-bench`, the same upper-casing echo load against any
//!   echo server (`chat threaded-echo`, `chat async-echo`, the tutorial's Python
//!   socketserver), so that the three can be compared.
//! - [`floor`]: `chat floor`, the same lines to the same number of members with
//!   nothing but blocking system calls: what the kernel alone costs, the floor
//!   under `chat bench`'s figures.

use std::fmt;

use crate::client::ClientError;

pub mod echo;
pub mod floor;
pub mod room;

/// The value at fraction `p` of `sorted` (0.5 the median, 0.99 the 99th
/// percentile, 1.0 the largest), by nearest rank; `None` when it is empty.
/// Every benchmark of this chapter reports its latencies with it.
pub fn nearest_rank<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    let last = sorted.len().checked_sub(1)?;
    let index = (last as f64 * p).round() as usize;
    sorted.get(index.min(last)).copied()
}

/// Refuses more clients than this process can open sockets for (each client is
/// one file descriptor), before trying: a bad command line, not a crash
/// half-way. A `nofile_limit` of 0 (unknown) refuses nothing.
pub fn check_clients(clients: usize, nofile_limit: u64) -> Result<(), BenchError> {
    if crate::nofile::shortfall(clients, nofile_limit).is_some() {
        return Err(BenchError::TooManyClients {
            clients,
            nofile_limit,
        });
    }
    Ok(())
}

/// Why a benchmark did not run, or stopped.
#[derive(Debug)]
pub enum BenchError {
    /// More clients than this process may open files.
    TooManyClients { clients: usize, nofile_limit: u64 },
    /// `--rate` is not above 0.
    Rate(f64),
    /// `--messages` from that many senders at `--rate` would take for ever.
    NeverEnds {
        messages: usize,
        senders: usize,
        rate: f64,
    },
    /// `--size 0`: an echo of nothing measures nothing.
    EmptyMessages,
    /// One of `clients` clients could not join the room.
    Join {
        nick: String,
        clients: usize,
        nofile_limit: u64,
        error: ClientError,
    },
    /// A client's task ended without an answer (it panicked).
    Task {
        nick: String,
        error: tokio::task::JoinError,
    },
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::TooManyClients {
                clients,
                nofile_limit,
            } => write!(
                f,
                "--clients {clients}: {}, or run several bench processes (--prefix)",
                crate::nofile::shortfall(*clients, *nofile_limit).unwrap_or_default()
            ),
            BenchError::Rate(rate) => write!(f, "--rate {rate} must be above 0"),
            BenchError::NeverEnds {
                messages,
                senders,
                rate,
            } => write!(
                f,
                "--messages {messages} from {senders} senders at --rate {rate:?} would never finish"
            ),
            BenchError::EmptyMessages => write!(f, "--size must be at least 1 byte"),
            BenchError::Join {
                nick,
                clients,
                error,
                ..
            } => write!(f, "client {nick} of {clients} could not join: {error}"),
            BenchError::Task { nick, error } => write!(f, "client {nick}: {error}"),
        }
    }
}

impl std::error::Error for BenchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BenchError::Join { error, .. } => Some(error),
            BenchError::Task { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_the_median_the_tail_and_the_largest() {
        let sorted: Vec<u32> = (1..=100).collect();
        assert_eq!(nearest_rank(&sorted, 0.5), Some(51));
        assert_eq!(nearest_rank(&sorted, 0.99), Some(99));
        assert_eq!(nearest_rank(&sorted, 1.0), Some(100));
        assert_eq!(nearest_rank(&[7u64], 0.99), Some(7));
        assert_eq!(nearest_rank::<u32>(&[], 0.5), None);
    }

    #[test]
    fn more_clients_than_open_files_is_refused_before_trying() {
        assert!(check_clients(10_000, 20_000).is_ok());
        let refused = check_clients(20_000, 20_000).unwrap_err();
        assert!(matches!(refused, BenchError::TooManyClients { .. }));
        assert!(refused.to_string().contains("--clients 20000"));
        assert!(
            refused.to_string().contains("raise it to 20064"),
            "{refused}"
        );
        // An unknown limit (0) refuses nothing.
        assert!(check_clients(10, 0).is_ok());
    }
}
