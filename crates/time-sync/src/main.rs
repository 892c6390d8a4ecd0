//! The `time-sync` binary: parses the command line, calls the library, and maps
//! the library's errors to the conventional messages and exit codes. The lessons
//! (and what they print) are in the library.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use netlab_common::cli::parse_peer;
use netlab_common::{Failure, cli, failure, listen};
use time_sync::explain::{self, ExplainError};
use time_sync::fast::{self, bench, bench::BenchError};
use time_sync::format_client::{self, AskError, ClientError};
use time_sync::packet::ReferenceId;
use time_sync::sntp_client::{self, RunError, SntpError};
use time_sync::{format, format_server, sntp_server};

/// time-sync — chapter 4 (四.套接字初使用): the tutorial's UDP time server
/// (时间服务器), and real clock synchronisation with SNTP/NTP (时间同步).
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 四.套接字初使用 (时间服务器): the tutorial's time server: each UDP datagram is a strftime format, the reply
    /// is the local time in it (empty datagram: '%Y-%m-%d %X'; bad formats: 'error: …').
    Server {
        /// Address to listen on (the tutorial's 127.0.0.1:9000; port 0 = any free port).
        #[arg(long, default_value_t = format_server::DEFAULT_ADDR)]
        addr: SocketAddr,
        /// Don't print each request (the teacher's server prints `===> b'...'`).
        #[arg(long)]
        quiet: bool,
    },
    /// 四.套接字初使用 (时间服务器): asks the time server for the time in a format, once or every --interval
    /// (the tutorial's "while True + time.sleep" way).
    Client {
        /// The time server's address, HOST:PORT.
        #[arg(long, default_value_t = format_server::DEFAULT_ADDR, value_parser = parse_peer)]
        addr: SocketAddr,
        /// A strftime format, e.g. '%Y-%m-%d %H:%M:%S' (empty: the server's default).
        #[arg(long, default_value = "%Y-%m-%d %H:%M:%S")]
        format: String,
        /// How long to wait for each reply (e.g. 500ms, 2s).
        #[arg(long, default_value = "2s", value_parser = cli::parse_duration)]
        timeout: Duration,
        /// Ask again every INTERVAL (e.g. 1s), forever unless --count is given.
        #[arg(long, value_parser = cli::parse_duration)]
        interval: Option<Duration>,
        /// How many requests to send, 1 to 1000000 (default: one, or forever with
        /// --interval).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=format_client::MAX_COUNT))]
        count: Option<u64>,
    },
    /// Chapter 4, real time sync (时间同步): SNTP client (RFC 4330); prints T1..T4, offset θ and delay δ. Never sets the clock.
    Sntp {
        /// The NTP server, HOST:PORT (our sntp-server by default; chronyd works too).
        #[arg(long, alias = "server", default_value_t = sntp_server::DEFAULT_ADDR, value_parser = parse_peer)]
        addr: SocketAddr,
        /// How many exchanges, 1 to 100; the one with the smallest delay is reported.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
        count: u32,
        /// How long to wait for each reply.
        #[arg(long, default_value = "2s", value_parser = cli::parse_duration)]
        timeout: Duration,
        /// How many times to resend a request that got no valid reply, 0 to 10.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
        retries: u32,
        /// Print one JSON document (offset, delay in seconds, stratum, t1..t4).
        #[arg(long)]
        json: bool,
    },
    /// Chapter 4, real time sync (时间同步): SNTP server; answers NTP client requests (mode 3) with this machine's clock;
    /// drops everything else. One socket per core (SO_REUSEPORT).
    SntpServer {
        /// Address to listen on (NTP's port 123 needs root: 12300 by default).
        #[arg(long, default_value_t = sntp_server::DEFAULT_ADDR)]
        addr: SocketAddr,
        /// The stratum we announce, 1 to 15 (1 = a reference clock; 8 like chrony's
        /// `local stratum 8`).
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u8).range(1..=15))]
        stratum: u8,
        /// Reference id: an IPv4 address (stratum ≥ 2) or 1 to 4 ASCII letters such
        /// as GPS (stratum 1).
        #[arg(long, default_value = "127.127.1.1", value_parser = parse_reference_id)]
        reference_id: ReferenceId,
        /// Threads, one socket each, 1 to 16 (default: one per core).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=16))]
        threads: Option<u32>,
        /// One recvfrom + sendto per request instead of batches of up to 64
        /// (recvmmsg/sendmmsg), to compare the two.
        #[arg(long)]
        plain: bool,
    },
    /// Chapter 4 (时间同步): one SNTP exchange drawn as a diagram, with the offset and delay arithmetic.
    Explain {
        /// Ask this NTP server (default: our own, started inside this process).
        #[arg(long, alias = "server", value_parser = parse_peer)]
        addr: Option<SocketAddr>,
        /// Use fixed example timestamps (same output every time).
        #[arg(long, conflicts_with = "addr")]
        example: bool,
        /// How long to wait for the reply.
        #[arg(long, default_value = "2s", value_parser = cli::parse_duration)]
        timeout: Duration,
    },
    /// Chapter 4 (时间同步): requests per second and latency percentiles of any SNTP server, with many
    /// requests in flight.
    Bench {
        /// The NTP server to measure (ours or another, e.g. chronyd).
        #[arg(long, alias = "server", default_value_t = sntp_server::DEFAULT_ADDR, value_parser = parse_peer)]
        addr: SocketAddr,
        /// Requests outstanding at any moment, 1 to 4096.
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
        in_flight: u32,
        /// Client threads, one socket each, 1 to 64.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
        threads: u32,
        /// How long to measure (e.g. 5s).
        #[arg(long, default_value = "5s", value_parser = cli::parse_duration)]
        duration: Duration,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
}

/// `127.127.1.1` or `GPS`/`LOCL`: an IPv4 address, or 1 to 4 ASCII letters (the
/// codes of RFC 5905 for reference clocks are letters; `::1` or `1234` is neither).
fn parse_reference_id(text: &str) -> Result<ReferenceId, String> {
    if let Ok(ip) = text.parse::<std::net::Ipv4Addr>() {
        return Ok(ReferenceId(ip.octets()));
    }
    if (1..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphabetic()) {
        let mut bytes = [0u8; 4];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        return Ok(ReferenceId(bytes));
    }
    Err(format!(
        "'{text}' is not a reference id (expected an IPv4 address such as 127.127.1.1, or 1 to 4 \
         ASCII letters such as GPS)"
    ))
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::other(format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Server { addr, quiet } => {
            let echo = if quiet {
                format_server::Echo::Quiet
            } else {
                format_server::Echo::Print
            };
            let socket = format_server::bind(addr).map_err(|e| Failure::bind(addr, e))?;
            let local = socket
                .local_addr()
                .map_err(|e| Failure::io("reading the bound address", e))?;
            listen::announce(local).map_err(|e| Failure::io("writing to stdout", e))?;
            format_server::serve(&socket, echo).map_err(|e| Failure::io("serving time requests", e))
        }
        Command::Client {
            addr,
            format: fmt,
            timeout,
            interval,
            count,
        } => {
            if fmt.len() > format::MAX_FORMAT_LEN {
                return Err(Failure::usage(format!(
                    "--format is {} bytes long, the server accepts at most {}",
                    fmt.len(),
                    format::MAX_FORMAT_LEN
                )));
            }
            if interval.is_some_and(|i| i.is_zero()) {
                return Err(Failure::usage(
                    "--interval 0 would flood the server: use e.g. 1s",
                ));
            }
            format_client::run(&format_client::ClientOptions {
                addr,
                format: fmt,
                timeout,
                interval,
                count,
            })
            .map_err(|e| match e {
                ClientError::Ask(AskError::Timeout) => Failure::timeout(addr, timeout),
                ClientError::Ask(AskError::Io(e)) => Failure::connect(addr, e),
                ClientError::Refused => {
                    Failure::other("the server could not render that format (see its reply above)")
                }
            })
        }
        Command::Sntp {
            addr,
            count,
            timeout,
            retries,
            json,
        } => {
            let options = sntp_client::RunOptions {
                count,
                timeout,
                retries,
                json,
            };
            sntp_client::run(addr, &options).map_err(|e| match e {
                RunError::Exchange(e) => sntp_failure(addr, timeout, retries, e),
                RunError::Json(e) => Failure::other(format!("cannot write JSON: {e}")),
            })
        }
        Command::SntpServer {
            addr,
            stratum,
            reference_id,
            threads,
            plain,
        } => {
            let config = sntp_server::ServerConfig {
                stratum,
                reference_id,
                ..sntp_server::ServerConfig::default()
            };
            let threads = threads.map_or_else(fast::default_threads, |t| t as usize);
            let kind = if plain {
                fast::Loop::Plain
            } else {
                fast::Loop::Batched
            };
            let (local, sockets) =
                fast::bind_sockets(addr, threads).map_err(|e| Failure::bind(addr, e))?;
            listen::announce(local).map_err(|e| Failure::io("writing to stdout", e))?;
            fast::serve_all(sockets, config, kind).map_err(|e| match e {
                fast::ServeError::Io(e) => Failure::io("serving NTP requests", e),
                fast::ServeError::Panicked => Failure::other("a server thread panicked"),
            })
        }
        Command::Explain {
            addr,
            example,
            timeout,
        } => explain::run(addr, example, timeout).map_err(|e| match e {
            ExplainError::Start { addr, error } => Failure::bind(addr, error),
            ExplainError::Exchange { server, error } => {
                sntp_failure(server, timeout, explain::RETRIES, error)
            }
        }),
        Command::Bench {
            addr,
            in_flight,
            threads,
            duration,
            json,
        } => {
            if duration.is_zero() {
                return Err(Failure::usage("--duration 0 measures nothing: use e.g. 5s"));
            }
            let report = bench::run(bench::BenchOptions {
                addr,
                in_flight: in_flight as usize,
                threads: threads as usize,
                duration,
                loss_timeout: Duration::from_millis(500),
            })
            .map_err(|e| match e {
                BenchError::Io(e) => Failure::connect(addr, e),
                BenchError::NoAnswers => Failure::timeout(addr, duration).explained(
                    "the server answered none of our requests: is an NTP server running there?",
                ),
                BenchError::Panicked => Failure::other("a bench thread panicked"),
            })?;
            if json {
                print_json(&report)
            } else {
                bench::print_report(&report);
                Ok(())
            }
        }
    }
}

/// An SNTP exchange with `server` failed: the conventional message.
fn sntp_failure(server: SocketAddr, timeout: Duration, retries: u32, error: SntpError) -> Failure {
    match error {
        SntpError::Timeout => Failure::timeout(server, timeout).explained(format!(
            "no valid NTP reply after {} tries: is an NTP server running there (try \
             `time-sync sntp-server`)? Replies whose origin is not our T1 are ignored",
            retries + 1
        )),
        SntpError::Io(e) => Failure::connect(server, e),
        other => Failure::other(format!("{server}: {other}")),
    }
}

fn main() -> ExitCode {
    failure::exit_with(run(Cli::parse()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn reference_ids_parse() {
        assert_eq!(parse_reference_id("GPS"), Ok(ReferenceId(*b"GPS\0")));
        assert_eq!(parse_reference_id("127.127.1.1"), Ok(ReferenceId::LOCAL));
        assert!(parse_reference_id("TOOLONG").is_err());
        for bad in ["", "::1", "1234", "GP S", "GPS!", "LOCAL", "時"] {
            let error = parse_reference_id(bad).unwrap_err();
            assert!(error.contains("1 to 4 ASCII letters"), "{bad:?}: {error}");
        }
    }

    /// The extremes each numeric flag accepts (the refused ones are in the
    /// end-to-end tests, which check the exit code and the message).
    #[test]
    fn numeric_flags_accept_their_extremes() {
        for args in [
            &["client", "--count", "1"][..],
            &["client", "--count", "1000000"],
            &["sntp", "--count", "1", "--retries", "0"],
            &["sntp", "--count", "100", "--retries", "10"],
            &["sntp-server", "--stratum", "1", "--threads", "1"],
            &["sntp-server", "--stratum", "15", "--threads", "16"],
            &["bench", "--in-flight", "1", "--threads", "1"],
            &["bench", "--in-flight", "4096", "--threads", "64"],
        ] {
            let parsed =
                Cli::try_parse_from(std::iter::once("time-sync").chain(args.iter().copied()));
            assert!(parsed.is_ok(), "{args:?}: {parsed:?}");
        }
    }
}
