//! `framing`: chapter 5, 五.黏包 (sticky packets). The lessons live in the
//! library; this file only parses the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use auth::cli::SecretArgs;
use clap::builder::RangedU64ValueParser;
use clap::{Parser, Subcommand};
use framing::command::{self, ClientConfig, Protocol, ServerConfig};
use framing::transfer::{self, DEFAULT_MAX_FILE_SIZE, ReceiveConfig, Rules, SendConfig};
use framing::{bench, sticky};
use netlab_common::addr::parse_peer;
use netlab_common::admission::Limits;
use netlab_common::failure::parse_duration;
use netlab_common::{Failure, Narrator};

/// Chapter 5, 五.黏包 (sticky packets): TCP is a byte stream without message
/// boundaries. See one answer leak into the next and two sends merge, then fix
/// it with an acknowledgement or a 4-byte big-endian length prefix, and send
/// whole files with a JSON header.
#[derive(Debug, Parser)]
#[command(name = "framing", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Chapter 5's remote-command server (127.0.0.1:8888): runs each received
    /// command with `sh -c` and sends back its stderr then its stdout.
    ///
    /// It refuses a non-loopback --addr unless a secret is configured: then every
    /// client must pass chapter 7's HMAC handshake first.
    CmdServer {
        /// Address to listen on (the tutorial's is 127.0.0.1:8888; port 0 = any).
        #[arg(long, default_value = "127.0.0.1:8888")]
        addr: SocketAddr,
        /// How messages are delimited: raw (the problem), ack or prefix (fixes).
        #[arg(long, value_enum, default_value = "raw")]
        protocol: Protocol,
        /// Clients one address may have at once (1 to 16; default 4, a quarter of
        /// the slots).
        #[arg(long, default_value_t = Limits::for_slots(command::MAX_CLIENTS).per_address,
              value_parser = RangedU64ValueParser::<usize>::new().range(1..=command::MAX_CLIENTS as u64))]
        max_per_address: usize,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 5's remote-command client: sends each line of standard input as a
    /// command and prints the answer (`quit` ends).
    CmdClient {
        /// The server's address, HOST:PORT (a name such as localhost works too).
        #[arg(long, default_value = "127.0.0.1:8888", value_parser = parse_peer)]
        addr: SocketAddr,
        /// Must match the server's --protocol.
        #[arg(long, value_enum, default_value = "raw")]
        protocol: Protocol,
        /// How long to wait for the server (connecting, each answer).
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        timeout: Duration,
        /// Print one JSON document with every command and its answer.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 5's problem and its fix, both sides in one process, narrated and
    /// the same on every run: a long answer leaking, two sends merging, UDP for
    /// contrast, the length prefix.
    StickyDemo {
        /// Never colour the output.
        #[arg(long)]
        no_color: bool,
    },
    /// Chapter 5's advanced lesson: receive files (JSON header with name, size
    /// and sha256, then the bytes) into a directory (127.0.0.1:8889).
    Receive {
        /// Where received files are stored (must exist).
        #[arg(long)]
        dir: PathBuf,
        /// Address to listen on (port 0 = any).
        #[arg(long, default_value = "127.0.0.1:8889")]
        addr: SocketAddr,
        /// Refuse files larger than this (e.g. 512MiB, 2GiB).
        #[arg(long, default_value_t = DEFAULT_MAX_FILE_SIZE, value_parser = bench::parse_size)]
        max_size: u64,
        /// Replace a file that is already in --dir (by default it is kept and the
        /// upload refused).
        #[arg(long)]
        overwrite: bool,
        /// Drop a sender that stays silent this long.
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        timeout: Duration,
        /// The whole header must arrive within this time (one deadline, not per read).
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        header_timeout: Duration,
        /// Drop an upload slower than this many bytes per second, averaged over
        /// --rate-window (1 to 1099511627776; default 64 KiB/s).
        #[arg(long, default_value_t = transfer::MIN_RATE, value_parser = clap::value_parser!(u64).range(1..=1 << 40))]
        min_rate: u64,
        /// The window over which --min-rate is averaged.
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        rate_window: Duration,
        /// Uploads one address may have at once, sending or still in their header
        /// (1 to 8; default 2, a quarter of the slots).
        #[arg(long, default_value_t = Limits::for_slots(transfer::MAX_UPLOADS).per_address,
              value_parser = RangedU64ValueParser::<usize>::new().range(1..=transfer::MAX_UPLOADS as u64))]
        max_per_address: usize,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 5's advanced lesson: send one file to `framing receive`, with a
    /// progress bar on a terminal.
    Send {
        /// The file to send; the receiver stores it under its file name.
        file: PathBuf,
        /// The receiver's address, HOST:PORT (a name such as localhost works too).
        #[arg(long, default_value = "127.0.0.1:8889", value_parser = parse_peer)]
        addr: SocketAddr,
        /// How long to wait for the receiver (connecting, each write, the verdict).
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        timeout: Duration,
        /// Print one JSON document (name, size, sha256, seconds) instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 5's file transfer, measured on loopback in GiB/s, next to a raw
    /// socket copy (the loopback limit) and socat.
    Bench {
        /// Size of the test file (e.g. 1GiB, 256MiB).
        #[arg(long, default_value = "1GiB", value_parser = bench::parse_size)]
        size: u64,
        /// Where to put the temporary files (default: the system's temp dir).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Run each copy this many times and keep the fastest, 1 to 100.
        #[arg(long, default_value_t = bench::DEFAULT_RUNS, value_parser = clap::value_parser!(u32).range(1..=100))]
        runs: u32,
        /// Print one JSON document with the figures.
        #[arg(long)]
        json: bool,
    },
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::CmdServer {
            addr,
            protocol,
            max_per_address,
            secret,
        } => command::run_server(ServerConfig {
            addr,
            protocol,
            secret: secret.load()?,
            limits: Limits {
                per_address: max_per_address,
                ..Limits::for_slots(command::MAX_CLIENTS)
            },
        }),
        Command::CmdClient {
            addr,
            protocol,
            timeout,
            json,
            secret,
        } => command::run_client(ClientConfig {
            addr,
            protocol,
            timeout,
            secret: secret.load()?,
            json,
        }),
        Command::StickyDemo { no_color } => {
            let narrator = if no_color {
                Narrator::new(std::io::stdout(), false)
            } else {
                Narrator::stdout()
            };
            sticky::demo(&narrator).map_err(|e| Failure::other(format!("the demo failed: {e}")))
        }
        Command::Receive {
            dir,
            addr,
            max_size,
            overwrite,
            timeout,
            header_timeout,
            min_rate,
            rate_window,
            max_per_address,
            secret,
        } => transfer::run_receiver(ReceiveConfig {
            addr,
            dir,
            rules: Rules {
                max_size,
                overwrite,
                header_timeout,
                min_rate,
                rate_window,
            },
            limits: Limits {
                per_address: max_per_address,
                ..Limits::for_slots(transfer::MAX_UPLOADS)
            },
            secret: secret.load()?,
            timeout,
        }),
        Command::Send {
            file,
            addr,
            timeout,
            json,
            secret,
        } => {
            let report = transfer::send_file(&SendConfig {
                addr,
                path: file,
                timeout,
                secret: secret.load()?,
                progress: !json,
            })?;
            if json {
                let doc =
                    serde_json::to_string(&report).map_err(|e| Failure::other(e.to_string()))?;
                println!("{doc}");
            } else {
                println!(
                    "sent {} ({} bytes, sha256 {}) in {:.3}s: the receiver verified it",
                    report.filename, report.filesize, report.sha256, report.seconds
                );
            }
            Ok(())
        }
        Command::Bench {
            size,
            dir,
            runs,
            json,
        } => {
            let figures = bench::run(size, dir.as_deref(), runs)?;
            if json {
                let doc = serde_json::json!({ "bytes": size, "figures": figures });
                println!("{doc}");
            } else {
                println!("copying {size} bytes over 127.0.0.1, best of {runs} runs:");
                print!("{}", bench::table(&figures));
            }
            Ok(())
        }
    }
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
}
