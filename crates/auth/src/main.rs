//! `auth`: chapter 7, 七.验证客户端链接的合法性 (authenticating the client).
//! The lessons live in the library; this file only parses the command line.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use auth::cli::{HandshakeArgs, SecretArgs, run_client, run_server};
use auth::gated;
use clap::{Parser, Subcommand};
use framing::cli::{CmdClientArgs, CmdServerArgs, ReceiveArgs, SendArgs};
use netlab_common::cli::parse_duration;
use netlab_common::cli::parse_peer;
use netlab_common::{Failure, Narrator};

/// Chapter 7, 七.验证客户端链接的合法性: prove a client knows a shared secret
/// without sending it — the server sends 32 random bytes, the client answers
/// HMAC-SHA256(secret, challenge), the server compares in constant time and
/// serves the client, or closes the connection without a word.
///
/// The secret comes from --secret-file FILE or the environment variable
/// NETLAB_SECRET; there is no default secret.
#[derive(Debug, Parser)]
#[command(name = "auth", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Chapter 7 server: challenge every client, serve the ones that know the
    /// key an upper-case echo (the tutorial's data_handler), close the others.
    Server {
        /// Address to listen on (the tutorial's is 127.0.0.1:9999; port 0 = any).
        #[arg(long, default_value = "127.0.0.1:9999")]
        addr: SocketAddr,
        /// A client that has not answered the challenge within this time is
        /// dropped (the library's HANDSHAKE_TIMEOUT is 10s).
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        handshake_timeout: Duration,
        #[command(flatten)]
        handshake: HandshakeArgs,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 7 client: answer the server's challenge, then send each line of
    /// standard input and print the reply (`quit` ends).
    Client {
        /// The server's address, HOST:PORT (a name such as localhost works too).
        #[arg(long, default_value = "127.0.0.1:9999", value_parser = parse_peer)]
        addr: SocketAddr,
        /// How long to wait for the server: connecting, the handshake, each reply.
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        timeout: Duration,
        #[command(flatten)]
        handshake: HandshakeArgs,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 7's handshake, both sides in one process, narrated: the right key
    /// is served, a wrong key and a replayed answer are shut out.
    Demo {
        /// Never colour the output.
        #[arg(long)]
        no_color: bool,
    },
    /// Chapter 5's remote-command server behind chapter 7's handshake: every
    /// client answers the challenge (then `welcome` or `refused`) before its
    /// first command, so it may listen on the network.
    CmdServer {
        #[command(flatten)]
        args: CmdServerArgs,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 5's remote-command client for `auth cmd-server`: answers the
    /// challenge, then sends each line of standard input as a command.
    CmdClient {
        #[command(flatten)]
        args: CmdClientArgs,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 5's file receiver behind chapter 7's handshake: every sender
    /// answers the challenge before its header, so it may listen on the network.
    Receive {
        #[command(flatten)]
        args: ReceiveArgs,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Chapter 5's file sender for `auth receive`: answers the challenge, then
    /// sends the file.
    Send {
        #[command(flatten)]
        args: SendArgs,
        #[command(flatten)]
        secret: SecretArgs,
    },
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Server {
            addr,
            handshake_timeout,
            handshake,
            secret,
        } => Ok(run_server(
            addr,
            secret.require()?,
            handshake_timeout,
            handshake.handshake(),
        )?),
        Command::Client {
            addr,
            timeout,
            handshake,
            secret,
        } => Ok(run_client(
            addr,
            secret.require()?,
            timeout,
            handshake.handshake(),
        )?),
        Command::Demo { no_color } => {
            let narrator = if no_color {
                Narrator::new(std::io::stdout(), false)
            } else {
                Narrator::stdout()
            };
            auth::demo(&narrator).map_err(|e| Failure::other(format!("the demo failed: {e}")))
        }
        Command::CmdServer { args, secret } => {
            Ok(gated::cmd_server(args.config(), secret.require()?)?)
        }
        Command::CmdClient { args, secret } => {
            Ok(gated::cmd_client(&args.config(), &secret.require()?)?)
        }
        Command::Receive { args, secret } => Ok(gated::receive(args.config(), secret.require()?)?),
        Command::Send { args, secret } => {
            let report = gated::send(&args.config(), &secret.require()?)?;
            args.print(&report)
                .map_err(|e| Failure::other(format!("cannot encode the report: {e}")))
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
