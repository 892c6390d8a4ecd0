//! `framing`: chapter 5, 五.黏包 (sticky packets). The lessons live in the
//! library; this file only parses the command line, calls the library and
//! reports its errors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use framing::cli::{CmdClientArgs, CmdServerArgs, ProxyArgs, ReceiveArgs, SendArgs, parse_size};
use framing::{bench, command, proxy, sticky, transfer};
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
    /// Whoever connects may run commands, so it listens on loopback only; chapter
    /// 7's `auth cmd-server` asks every client for a shared secret first.
    CmdServer(CmdServerArgs),
    /// Chapter 5's remote-command client: sends each line of standard input as a
    /// command and prints the answer (`quit` ends).
    CmdClient(CmdClientArgs),
    /// Chapter 5's problem and its fix, both sides in one process, narrated and
    /// the same on every run: a long answer leaking, two sends merging, UDP for
    /// contrast, the length prefix.
    StickyDemo {
        /// Never colour the output.
        #[arg(long)]
        no_color: bool,
    },
    /// Chapter 5's advanced lesson: receive files (JSON header with name, size
    /// and sha256, then the bytes; or the sha256 in a trailer after them) into a
    /// directory (127.0.0.1:8889).
    ///
    /// Whoever connects may store files, so it listens on loopback only; chapter
    /// 7's `auth receive` asks every sender for a shared secret first.
    Receive(ReceiveArgs),
    /// Chapter 5's advanced lesson: send one file to `framing receive`, with a
    /// progress bar on a terminal; `--hash trailer` reads the file only once.
    Send(SendArgs),
    /// Chapter 5's problem with any program: a TCP proxy that splits (--split)
    /// and merges (--merge) the bytes on purpose, the same way for the same
    /// --seed, and shows each delivered piece (--trace).
    ///
    /// Put it between the tutorial's command client and its server: the raw
    /// protocol's answers mix up, the length prefix survives.
    Proxy(ProxyArgs),
    /// Chapter 5's file transfer, both ways of sending the hash, measured on
    /// loopback in GiB/s next to a raw socket copy (the loopback limit) and socat.
    Bench {
        /// Size of the test file (e.g. 1GiB, 256MiB).
        #[arg(long, default_value = "1GiB", value_parser = parse_size)]
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
        Command::CmdServer(args) => Ok(command::run_server(args.config())?),
        Command::CmdClient(args) => Ok(command::run_client(&args.config())?),
        Command::StickyDemo { no_color } => {
            let narrator = if no_color {
                Narrator::new(std::io::stdout(), false)
            } else {
                Narrator::stdout()
            };
            sticky::demo(&narrator).map_err(|e| Failure::other(format!("the demo failed: {e}")))
        }
        Command::Receive(args) => Ok(transfer::run_receiver(args.config())?),
        Command::Send(args) => {
            let report = transfer::send_file(&args.config())?;
            args.print(&report)
                .map_err(|e| Failure::other(format!("cannot encode the report: {e}")))
        }
        Command::Proxy(args) => Ok(proxy::run(args.config())?),
        Command::Bench {
            size,
            dir,
            runs,
            json,
        } => {
            let report = bench::run(size, dir.as_deref(), runs)?;
            if json {
                let doc = serde_json::to_string(&report)
                    .map_err(|e| Failure::other(format!("cannot encode the figures: {e}")))?;
                println!("{doc}");
            } else {
                println!("copying {size} bytes over 127.0.0.1, best of {runs} runs:");
                print!("{}", bench::table(&report.figures));
                println!("on {}", report.machine);
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
