//! `framing`: chapter 5, 五.黏包 (sticky packets). The lessons live in the
//! library; this file only parses the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use auth::cli::SecretArgs;
use clap::{Parser, Subcommand};
use framing::command::{self, ClientConfig, Protocol, ServerConfig};
use framing::transfer::{self, DEFAULT_MAX_FILE_SIZE, ReceiveConfig, SendConfig};
use framing::{bench, sticky};
use netlab_common::addr::parse_peer;
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
        /// Drop a sender that stays silent this long.
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        timeout: Duration,
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
        /// Run each copy this many times and keep the fastest.
        #[arg(long, default_value_t = bench::DEFAULT_RUNS)]
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
            secret,
        } => command::run_server(ServerConfig {
            addr,
            protocol,
            secret: secret.load()?,
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
            timeout,
            secret,
        } => transfer::run_receiver(ReceiveConfig {
            addr,
            dir,
            max_size,
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
