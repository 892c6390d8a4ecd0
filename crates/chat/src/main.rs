//! The `chat` binary: parses the command line and calls the library.

use std::net::SocketAddr;
use std::process::ExitCode;

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
    /// The tutorial's socketserver program: one thread per client, each read
    /// echoed back upper-cased (Python's bytes.upper()) until the client closes.
    ThreadedEcho {
        /// Address to listen on (the tutorial's 127.0.0.1:9999; port 0 = any free port).
        #[arg(long, default_value = chat::echo::DEFAULT_ADDR)]
        addr: SocketAddr,
    },
    /// The same upper-casing echo on tokio: one task per client instead of a thread.
    AsyncEcho {
        /// Address to listen on (port 0 = any free port).
        #[arg(long, default_value = chat::echo::DEFAULT_ADDR)]
        addr: SocketAddr,
    },
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::ThreadedEcho { addr } => {
            let server = chat::echo::bind_threaded(addr).map_err(|e| Failure::bind(addr, e))?;
            server
                .serve_forever()
                .map_err(|e| Failure::io("serving", e))
        }
        Command::AsyncEcho { addr } => runtime()?.block_on(async {
            let listener = chat::echo::bind_async(addr)
                .await
                .map_err(|e| Failure::bind(addr, e))?;
            chat::echo::serve_async(listener)
                .await
                .map_err(|e| Failure::io("serving", e))
        }),
    }
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
}
