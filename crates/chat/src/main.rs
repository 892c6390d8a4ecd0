//! The `chat` binary: parses the command line and calls the library.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use auth::cli::SecretArgs;
use chat::policy::{self, Policy};

use clap::{Parser, Subcommand};
use netlab_common::Failure;
use netlab_common::admission::Limits;

/// chat — chapter 8 (八.socketserver模块): concurrent servers. Python's
/// ThreadingTCPServer in Rust, a tokio chat room that stays up under load, its
/// client and its benchmark.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 八.socketserver模块: the tour's chapter 8 demo; three clients chat in one room (one private
    /// message, one /quit), all inside this process on 127.0.0.1.
    Demo,
    /// 八.socketserver模块: the tutorial's socketserver program; one thread per client, each read
    /// echoed back upper-cased (Python's bytes.upper()) until the client closes.
    ThreadedEcho {
        /// Address to listen on (the tutorial's 127.0.0.1:9999; port 0 = any free port).
        #[arg(long, default_value = chat::echo::DEFAULT_ADDR)]
        addr: SocketAddr,
        /// Connections one address may hold, 1 to 2048 (default 512, a quarter of
        /// the threads).
        #[arg(long, default_value_t = Limits::for_slots(chat::socketserver::MAX_THREADS).per_address,
              value_parser = count(chat::socketserver::MAX_THREADS))]
        max_per_address: usize,
        /// A new client must send its first message within this (e.g. 10s, 2m);
        /// until then it holds a waiting slot, not a served one.
        #[arg(long, default_value = "10s", value_parser = netlab_common::cli::parse_duration)]
        first_message_timeout: Duration,
    },
    /// 八.socketserver模块: the same upper-casing echo on tokio; one task per client instead of a thread.
    AsyncEcho {
        /// Address to listen on (port 0 = any free port).
        #[arg(long, default_value = chat::echo::DEFAULT_ADDR)]
        addr: SocketAddr,
        /// Connections one address may hold, 1 to 10000 (default 2500, a quarter
        /// of the clients).
        #[arg(long, default_value_t = Limits::for_slots(chat::echo::MAX_ASYNC_CLIENTS).per_address,
              value_parser = count(chat::echo::MAX_ASYNC_CLIENTS))]
        max_per_address: usize,
        /// A new client must send its first message within this (e.g. 10s, 2m);
        /// until then it holds a waiting slot, not a served one.
        #[arg(long, default_value = "10s", value_parser = netlab_common::cli::parse_duration)]
        first_message_timeout: Duration,
    },
    /// Chapter 8's chat room (聊天室): clients (authenticated with chapter 7's HMAC when a secret
    /// is set) pick a nickname and exchange UTF-8 lines in chapter 5's
    /// length-prefixed frames; with --web, browsers join the same room over WebSocket.
    /// Ctrl-C shuts it down gracefully.
    Server {
        /// Address to listen on (port 0 = any free port).
        #[arg(long, default_value = chat::server::DEFAULT_ADDR)]
        addr: SocketAddr,
        /// Also serve browsers on this address (HOST:PORT, port 0 = any free port): the
        /// chat page at http://HOST:PORT/ and its WebSocket endpoint /ws.
        #[arg(long)]
        web: Option<SocketAddr>,
        /// Members served at once, 1 to 1000000; one more is told "server full".
        #[arg(long, default_value_t = policy::MAX_CLIENTS, value_parser = count(policy::MAX_CLIENTS_LIMIT))]
        max_clients: usize,
        /// Connections one address may hold, 1 to 1000000 (default: a quarter of
        /// --max-clients).
        #[arg(long, value_parser = count(policy::MAX_CLIENTS_LIMIT))]
        max_per_address: Option<usize>,
        /// Disconnect a client silent for this long (e.g. 10m, 30s); a new
        /// connection gets at most this long (and at most 10s) to join: the handshake
        /// and its nickname together.
        #[arg(long, value_parser = netlab_common::cli::parse_duration, default_value = "10m")]
        idle_timeout: Duration,
        /// Messages per second one client may send (sustained), 1 to 1000000.
        #[arg(long, default_value_t = policy::RATE_PER_SEC, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        rate_limit: u32,
        /// Messages one client may send in a burst, 1 to 1000000.
        #[arg(long, default_value_t = policy::RATE_BURST, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        rate_burst: u32,
        /// Lines queued for one client before it counts as too slow and is dropped,
        /// 1 to 1000000.
        #[arg(long, default_value_t = policy::OUTBOX_CAPACITY, value_parser = count(1_000_000))]
        queue: usize,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 8 (聊天室): join the chat room; lines from the keyboard (or a pipe) are sent, arriving
    /// messages are shown as NAME: text. At the end of input the client leaves
    /// cleanly (/quit).
    Client {
        /// Address of the chat server, HOST:PORT.
        #[arg(long, default_value = chat::server::DEFAULT_ADDR, value_parser = netlab_common::cli::parse_peer)]
        addr: SocketAddr,
        /// Your nickname: letters, digits, '_' or '-', at most 16 characters.
        #[arg(long)]
        nick: String,
        /// How long to wait for the server (connecting, the welcome, the goodbye).
        #[arg(long, value_parser = netlab_common::cli::parse_duration, default_value = "5s")]
        timeout: Duration,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 8 (压测): the chat benchmark; N clients join, senders send M messages each at R
    /// messages per second in total; every client checks every delivery (lost,
    /// duplicated, latency p50/p99/max).
    Bench {
        /// Address of the chat server, HOST:PORT.
        #[arg(long, default_value = chat::server::DEFAULT_ADDR, value_parser = netlab_common::cli::parse_peer)]
        addr: SocketAddr,
        /// How many clients join the room, 1 to 1000000.
        #[arg(long, default_value_t = 100, value_parser = count(1_000_000))]
        clients: usize,
        /// How many of them send, 1 to 1000000 (default: all).
        #[arg(long, value_parser = count(1_000_000))]
        senders: Option<usize>,
        /// Messages each sender sends, 1 to 100000000.
        #[arg(long, default_value_t = 10, value_parser = count(100_000_000))]
        messages: usize,
        /// Messages per second, all senders together: above 0, at most 10000000.
        #[arg(long, default_value_t = 100.0, value_parser = parse_rate)]
        rate: f64,
        /// How long one client waits for the server (connect, welcome, a send).
        #[arg(long, value_parser = netlab_common::cli::parse_duration, default_value = "30s")]
        timeout: Duration,
        /// Nickname prefix (PREFIX0, PREFIX1...); give each bench process its
        /// own when several run against one server.
        #[arg(long, default_value = "b")]
        prefix: String,
        /// Print one JSON document instead of the table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 8 (压测): the floor under `chat bench`; the same lines to N members with
    /// nothing but blocking write(2) and read(2) over loopback TCP (no tokio, no room),
    /// the members in a second process: what the kernel alone costs.
    Floor {
        /// Members, 1 to 1000000 (each is one socket in this process and one in the
        /// members' process).
        #[arg(long, default_value_t = 1000, value_parser = count(1_000_000))]
        members: usize,
        /// Lines sent to every member, 100 ms apart, 1 to 100000.
        #[arg(long, default_value_t = 10, value_parser = count(100_000))]
        lines: usize,
        /// Print one JSON document instead of the table.
        #[arg(long)]
        json: bool,
        /// Run as the members' process of a floor measurement listening on ADDR
        /// (started by `chat floor` itself).
        #[arg(long, hide = true)]
        members_of: Option<SocketAddr>,
    },
    /// Chapter 8 (压测): echo benchmark for any upper-casing echo server (threaded-echo,
    /// async-echo, the tutorial's Python socketserver): N clients connect at the
    /// same moment and do M round trips of S bytes each.
    EchoBench {
        /// Address of the echo server, HOST:PORT.
        #[arg(long, default_value = chat::echo::DEFAULT_ADDR, value_parser = netlab_common::cli::parse_peer)]
        addr: SocketAddr,
        /// Clients, all connecting at the same moment, 1 to 1000000.
        #[arg(long, default_value_t = 64, value_parser = count(1_000_000))]
        clients: usize,
        /// Round trips per client, 1 to 100000000.
        #[arg(long, default_value_t = 1000, value_parser = count(100_000_000))]
        messages: usize,
        /// Bytes per message, 1 to 16777216.
        #[arg(long, default_value_t = 64, value_parser = count(16 << 20))]
        size: usize,
        /// How long one connect or round trip may take.
        #[arg(long, value_parser = netlab_common::cli::parse_duration, default_value = "30s")]
        timeout: Duration,
        /// Print one JSON document instead of the table.
        #[arg(long)]
        json: bool,
    },
}

/// A count from 1 to `max`, checked by clap: a value outside is a usage error
/// (exit 2) that names the range.
fn count(max: usize) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(1..=max as u64)
}

/// The highest --rate the benchmark accepts (messages per second).
const MAX_RATE: f64 = 10_000_000.0;

/// `--rate`: a number of messages per second, above 0 and at most [`MAX_RATE`].
fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number of messages per second"))?;
    if !(rate > 0.0 && rate <= MAX_RATE) {
        return Err(format!("{text} is not in (0, {MAX_RATE}]"));
    }
    Ok(rate)
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Demo => chat::demo(&netlab_common::Narrator::stdout())
            .map_err(|error| Failure::other(format!("the demo failed: {error}"))),
        Command::ThreadedEcho {
            addr,
            max_per_address,
            first_message_timeout,
        } => {
            chat::nofile::raise_nofile_limit();
            let server = chat::echo::bind_threaded(addr, max_per_address, first_message_timeout)
                .map_err(|e| Failure::bind(addr, e))?;
            server
                .serve_forever()
                .map_err(|e| Failure::io("serving", e))
        }
        Command::AsyncEcho {
            addr,
            max_per_address,
            first_message_timeout,
        } => {
            chat::nofile::raise_nofile_limit();
            runtime()?.block_on(async {
                let listener = chat::echo::bind_async(addr)
                    .await
                    .map_err(|e| Failure::bind(addr, e))?;
                chat::echo::serve_async(listener, max_per_address, first_message_timeout)
                    .await
                    .map_err(|e| Failure::io("serving", e))
            })
        }
        Command::Server {
            addr,
            web,
            max_clients,
            max_per_address,
            idle_timeout,
            rate_limit,
            rate_burst,
            queue,
            secret,
        } => {
            let limits = netlab_common::admission::Limits::for_slots(max_clients);
            let policy = Policy {
                max_clients,
                max_pending: limits.pending,
                max_per_address: max_per_address.unwrap_or(limits.per_address),
                idle_timeout,
                // A silent newcomer is no better than a silent member.
                register_timeout: policy::REGISTER_TIMEOUT.min(idle_timeout),
                rate_per_sec: rate_limit,
                rate_burst,
                outbox_capacity: queue,
                ..Policy::default()
            };
            let secret = secret.load()?;
            Ok(runtime()?.block_on(chat::server::run_until_ctrl_c(addr, web, policy, secret))?)
        }
        Command::Client {
            addr,
            nick,
            timeout,
            secret,
        } => {
            // Checked here, before connecting: a bad nickname is a usage error.
            if let Err(error) = chat::nick::Nick::parse(&nick) {
                return Err(Failure::usage(format!("--nick {nick:?}: {error}")));
            }
            let options = chat::client::Options {
                addr,
                nick,
                secret: secret.load()?,
                timeout,
                color: netlab_common::color::stdout_supports_color(),
            };
            Ok(runtime()?.block_on(chat::client::run(options))?)
        }
        Command::Bench {
            addr,
            clients,
            senders,
            messages,
            rate,
            timeout,
            prefix,
            json,
            secret,
        } => {
            if chat::nick::Nick::parse(&format!("{prefix}{clients}")).is_err() {
                return Err(Failure::usage(format!(
                    "--prefix {prefix:?}: nicknames like {prefix}{clients} must be letters, digits, '_' or '-', \
                     at most {} characters",
                    chat::nick::MAX_NICK_CHARS
                )));
            }
            let options = chat::bench::room::Options {
                prefix,
                addr,
                clients,
                senders,
                messages,
                rate,
                secret: secret.load()?,
                timeout,
            };
            let report = runtime()?.block_on(chat::bench::room::run(options))?;
            print_report(json, &report, report.text())
        }
        Command::Floor {
            members,
            lines,
            json,
            members_of,
        } => {
            let options = chat::bench::floor::Options { members, lines };
            if let Some(addr) = members_of {
                // Started by `chat floor` itself, always on 127.0.0.1.
                if !addr.ip().is_loopback() {
                    return Err(Failure::usage(format!(
                        "--members-of {addr}: the floor is measured over loopback only"
                    )));
                }
                return Ok(chat::bench::floor::members_of(addr, options)?);
            }
            let report = chat::bench::floor::run(options)?;
            print_report(json, &report, report.text())
        }
        Command::EchoBench {
            addr,
            clients,
            messages,
            size,
            timeout,
            json,
        } => {
            let options = chat::bench::echo::Options {
                addr,
                clients,
                messages,
                size,
                timeout,
            };
            let report = runtime()?.block_on(chat::bench::echo::run(options))?;
            print_report(json, &report, report.text())?;
            // The figures are printed either way; a run in which a client failed
            // (refused, reset, timed out, a wrong echo) is not a success.
            if report.failed_clients > 0 {
                return Err(Failure::other(format!(
                    "{} of {} clients failed",
                    report.failed_clients, report.clients
                )));
            }
            Ok(())
        }
    }
}

/// One JSON document with `--json`, the table otherwise.
fn print_report(json: bool, report: &impl serde::Serialize, text: String) -> Result<(), Failure> {
    if json {
        let doc = serde_json::to_string_pretty(report)
            .map_err(|e| Failure::other(format!("cannot encode the report: {e}")))?;
        println!("{doc}");
    } else {
        println!("{text}");
    }
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new().map_err(|e| Failure::io("cannot start the tokio runtime", e))
}

fn main() -> ExitCode {
    netlab_common::failure::exit_with(run(Cli::parse()))
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_names_chapter_8() {
        for sub in Cli::command().get_subcommands() {
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            assert!(
                about.contains("八.socketserver模块") || about.contains("hapter 8"),
                "{}: {about}",
                sub.get_name()
            );
        }
    }
}
