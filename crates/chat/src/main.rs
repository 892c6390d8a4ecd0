//! The `chat` binary: parses the command line and calls the library.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use auth::cli::SecretArgs;
use chat::policy::{self, Policy};

use clap::{Parser, Subcommand};
use netlab_common::Failure;

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
    },
    /// 八.socketserver模块: the same upper-casing echo on tokio; one task per client instead of a thread.
    AsyncEcho {
        /// Address to listen on (port 0 = any free port).
        #[arg(long, default_value = chat::echo::DEFAULT_ADDR)]
        addr: SocketAddr,
    },
    /// Chapter 8's chat room (聊天室): clients (authenticated with chapter 7's HMAC when a secret
    /// is set) pick a nickname and exchange UTF-8 lines in chapter 5's
    /// length-prefixed frames. Ctrl-C shuts it down gracefully.
    Server {
        /// Address to listen on (port 0 = any free port).
        #[arg(long, default_value = chat::server::DEFAULT_ADDR)]
        addr: SocketAddr,
        /// Connections served at once; one more is told "server full".
        #[arg(long, default_value_t = policy::MAX_CLIENTS)]
        max_clients: usize,
        /// Disconnect a client silent for this long (e.g. 10m, 30s); a new
        /// connection gets at most this long (and at most 30s) to send its nickname.
        #[arg(long, value_parser = netlab_common::failure::parse_duration, default_value = "10m")]
        idle_timeout: Duration,
        /// Messages per second one client may send (sustained).
        #[arg(long, default_value_t = policy::RATE_PER_SEC)]
        rate_limit: u32,
        /// Messages one client may send in a burst.
        #[arg(long, default_value_t = policy::RATE_BURST)]
        rate_burst: u32,
        /// Lines queued for one client before it counts as too slow and is dropped.
        #[arg(long, default_value_t = policy::OUTBOX_CAPACITY)]
        queue: usize,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 8 (聊天室): join the chat room; lines from the keyboard (or a pipe) are sent, arriving
    /// messages are shown as NAME: text. At the end of input the client leaves
    /// cleanly (/quit).
    Client {
        /// Address of the chat server, HOST:PORT.
        #[arg(long, default_value = chat::server::DEFAULT_ADDR, value_parser = netlab_common::addr::parse_peer)]
        addr: SocketAddr,
        /// Your nickname: letters, digits, '_' or '-', at most 16 characters.
        #[arg(long)]
        nick: String,
        /// How long to wait for the server (connecting, the welcome, the goodbye).
        #[arg(long, value_parser = netlab_common::failure::parse_duration, default_value = "5s")]
        timeout: Duration,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 8 (压测): the chat benchmark; N clients join, senders send M messages each at R
    /// messages per second in total; every client checks every delivery (lost,
    /// duplicated, latency p50/p99/max).
    Bench {
        /// Address of the chat server, HOST:PORT.
        #[arg(long, default_value = chat::server::DEFAULT_ADDR, value_parser = netlab_common::addr::parse_peer)]
        addr: SocketAddr,
        /// How many clients join the room.
        #[arg(long, default_value_t = 100)]
        clients: usize,
        /// How many of them send (default: all).
        #[arg(long)]
        senders: Option<usize>,
        /// Messages each sender sends.
        #[arg(long, default_value_t = 10)]
        messages: usize,
        /// Messages per second, all senders together.
        #[arg(long, default_value_t = 100.0)]
        rate: f64,
        /// How long one client waits for the server (connect, welcome, a send).
        #[arg(long, value_parser = netlab_common::failure::parse_duration, default_value = "30s")]
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
    /// Chapter 8 (压测): echo benchmark for any upper-casing echo server (threaded-echo,
    /// async-echo, the tutorial's Python socketserver): N clients connect at the
    /// same moment and do M round trips of S bytes each.
    EchoBench {
        /// Address of the echo server, HOST:PORT.
        #[arg(long, default_value = chat::echo::DEFAULT_ADDR, value_parser = netlab_common::addr::parse_peer)]
        addr: SocketAddr,
        /// Clients, all connecting at the same moment.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Round trips per client.
        #[arg(long, default_value_t = 1000)]
        messages: usize,
        /// Bytes per message.
        #[arg(long, default_value_t = 64)]
        size: usize,
        /// How long one connect or round trip may take.
        #[arg(long, value_parser = netlab_common::failure::parse_duration, default_value = "30s")]
        timeout: Duration,
        /// Print one JSON document instead of the table.
        #[arg(long)]
        json: bool,
    },
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Demo => chat::demo(&netlab_common::Narrator::stdout())
            .map_err(|error| Failure::other(format!("the demo failed: {error}"))),
        Command::ThreadedEcho { addr } => {
            chat::bench::raise_nofile_limit();
            let server = chat::echo::bind_threaded(addr).map_err(|e| Failure::bind(addr, e))?;
            server
                .serve_forever()
                .map_err(|e| Failure::io("serving", e))
        }
        Command::AsyncEcho { addr } => {
            chat::bench::raise_nofile_limit();
            runtime()?.block_on(async {
                let listener = chat::echo::bind_async(addr)
                    .await
                    .map_err(|e| Failure::bind(addr, e))?;
                chat::echo::serve_async(listener)
                    .await
                    .map_err(|e| Failure::io("serving", e))
            })
        }
        Command::Server {
            addr,
            max_clients,
            idle_timeout,
            rate_limit,
            rate_burst,
            queue,
            secret,
        } => {
            if max_clients == 0 || queue == 0 {
                return Err(Failure::usage(
                    "--max-clients and --queue must be at least 1",
                ));
            }
            let policy = Policy {
                max_clients,
                idle_timeout,
                // A silent newcomer is no better than a silent member.
                register_timeout: policy::REGISTER_TIMEOUT.min(idle_timeout),
                rate_per_sec: rate_limit,
                rate_burst,
                outbox_capacity: queue,
                ..Policy::default()
            };
            let secret = secret.load()?;
            // Each client is an open file: lift the soft limit (often 1024) to
            // the hard limit, as the benchmark does.
            chat::bench::raise_nofile_limit();
            runtime()?.block_on(async {
                let listener = chat::server::bind(addr).map_err(|e| Failure::bind(addr, e))?;
                let local = listener
                    .local_addr()
                    .map_err(|e| Failure::io("local address", e))?;
                netlab_common::listen::announce(local).map_err(|e| Failure::io("stdout", e))?;
                let ctrl_c = async {
                    // If the signal handler cannot be installed, never stop by signal.
                    if tokio::signal::ctrl_c().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                    println!("shutting down: telling every client");
                };
                chat::server::run(listener, policy, secret, ctrl_c).await;
                println!("bye");
                Ok(())
            })
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
            runtime()?.block_on(chat::client::run(options))
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
            let options = chat::bench::Options {
                prefix,
                addr,
                clients,
                senders,
                messages,
                rate,
                secret: secret.load()?,
                timeout,
            };
            let report = runtime()?.block_on(chat::bench::run(options))?;
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
            let options = chat::echo_bench::Options {
                addr,
                clients,
                messages,
                size,
                timeout,
            };
            let report = runtime()?.block_on(chat::echo_bench::run(options))?;
            print_report(json, &report, report.text())
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
