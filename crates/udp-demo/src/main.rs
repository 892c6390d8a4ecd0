//! `udp-demo`: the tutorial's UDP programs (chapter 4). The lessons live in the
//! library, with what they print; this file is the command line: it parses the
//! arguments, binds and announces the servers, calls the library, and turns
//! errors into the conventional messages and exit codes.

use std::io::{self, IsTerminal, Write};
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use netlab_common::cli::parse_duration;
use netlab_common::cli::parse_peer;
use netlab_common::color::stdout_supports_color;
use netlab_common::failure::exit_with;
use netlab_common::files::{ReadCappedError, read_capped_text};
use netlab_common::{Failure, Narrator, listen};
use udp_demo::qq::{self, Contacts};
use udp_demo::{boundaries, simple};

/// udp-demo: the UDP programs of the tutorial 网络编程 (chapter 4, 四.套接字初使用),
/// as Rust twins that speak the same bytes as the Python originals.
#[derive(Debug, Parser)]
#[command(name = "udp-demo", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 四.套接字初使用: the first UDP server (127.0.0.1:9000). Receives up to 1024
    /// bytes, prints them (b'hello') with the sender's address, replies b'hi'.
    Server {
        /// Address to bind; port 0: any free port.
        #[arg(long, default_value_t = simple::DEFAULT_ADDR)]
        addr: SocketAddr,
        /// Keep answering datagrams (the tutorial answers one and exits).
        #[arg(long)]
        forever: bool,
    },
    /// 四.套接字初使用: the first UDP client. Sends --message (b'hello'), prints the
    /// reply and the server's address, or says clearly that no reply came.
    Client(ClientArgs),
    /// 四.套接字初使用: the QQ chat server (127.0.0.1:8081). Shows
    /// 来自[ip:port]的一条消息: and the message, answers with a line you type.
    QqServer {
        /// Address to bind; port 0: any free port.
        #[arg(long, default_value_t = qq::DEFAULT_ADDR)]
        addr: SocketAddr,
    },
    /// 四.套接字初使用: the QQ chat client. Choose a contact (金老板, 哪吒, egg, yuan),
    /// send lines, q to choose another. Reads a pipe as well as a keyboard.
    QqClient(QqClientArgs),
    /// 四/五: UDP keeps message boundaries (three sends, three receives) and
    /// truncates a datagram bigger than the buffer; we report it (MSG_TRUNC).
    Boundaries,
    /// The tour's narrated chapter 4 UDP demo, on loopback inside this process.
    Demo,
}

#[derive(Debug, Args)]
struct ClientArgs {
    /// The server's address, HOST:PORT.
    #[arg(long, default_value_t = simple::DEFAULT_ADDR, value_parser = parse_peer)]
    addr: SocketAddr,
    /// What to send.
    #[arg(long, default_value = "hello")]
    message: String,
    /// How long to wait for the reply.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    timeout: Duration,
}

#[derive(Debug, Args)]
struct QqClientArgs {
    /// The QQ server's address: where the tutorial's contacts (金老板, 哪吒, egg,
    /// yuan) are. HOST:PORT.
    #[arg(long, default_value_t = qq::DEFAULT_ADDR, value_parser = parse_peer)]
    addr: SocketAddr,
    /// A contact NAME=HOST:PORT (repeatable); replaces the tutorial's table.
    #[arg(long = "contact", value_name = "NAME=HOST:PORT")]
    contacts: Vec<String>,
    /// A TOML file with a [contacts] table of "NAME" = "HOST:PORT" entries (at
    /// most 64 KiB).
    #[arg(long, value_name = "FILE", conflicts_with = "contacts")]
    contacts_file: Option<PathBuf>,
    /// How long to wait for each reply (the other side is a person typing).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    timeout: Duration,
}

fn print_line(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::io("writing to stdout", e))
}

fn bind_and_announce(addr: SocketAddr) -> Result<UdpSocket, Failure> {
    let socket = simple::bind(addr).map_err(|e| Failure::bind(addr, e))?;
    let local = socket.local_addr().map_err(|e| Failure::bind(addr, e))?;
    listen::announce(local).map_err(|e| Failure::io("writing to stdout", e))?;
    Ok(socket)
}

fn server(addr: SocketAddr, forever: bool) -> Result<(), Failure> {
    let socket = bind_and_announce(addr)?;
    simple::serve(&socket, forever, &mut io::stdout())
        .map_err(|e| Failure::io("writing to stdout", e))
}

fn client(args: ClientArgs) -> Result<(), Failure> {
    let addr = args.addr;
    if args.message.len() > simple::MAX_DATAGRAM {
        return Err(Failure::usage(format!(
            "--message is {} bytes; one UDP datagram carries at most {} (over {} the \
             server's recvfrom(1024) truncates it, and reports that)",
            args.message.len(),
            simple::MAX_DATAGRAM,
            udp_demo::boundaries::RECV_BUFFER
        )));
    }
    let (reply, from) =
        simple::run_client(addr, args.message.as_bytes(), args.timeout).map_err(|e| {
            match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                    Failure::timeout(addr, args.timeout)
                }
                _ => Failure::connect(addr, e),
            }
        })?;
    // Python: print(back_msg.decode('utf-8'), addr)
    print_line(&format!(
        "{} {}",
        String::from_utf8_lossy(&reply),
        simple::python_addr(from)
    ))
}

/// Runs `talk` with the keyboard (or a pipe) as its input and stdout as its
/// output; prompts and colour only on a terminal.
fn on_the_terminal<R>(talk: impl FnOnce(&mut qq::Console<'_>) -> R) -> R {
    let stdin = io::stdin();
    let prompt = stdin.is_terminal();
    let mut input = stdin.lock();
    let mut output = io::stdout();
    talk(&mut qq::Console::new(
        &mut input,
        &mut output,
        prompt,
        stdout_supports_color(),
    ))
}

fn qq_server(addr: SocketAddr) -> Result<(), Failure> {
    let socket = bind_and_announce(addr)?;
    on_the_terminal(|console| qq::run_server(&socket, console))
        .map_err(|e| Failure::io("qq server", e))
}

fn qq_client(args: QqClientArgs) -> Result<(), Failure> {
    let contacts = if let Some(path) = &args.contacts_file {
        let text = read_capped_text(path, qq::MAX_CONTACTS_FILE).map_err(|e| match e {
            ReadCappedError::TooLarge { .. } => Failure::usage(format!(
                "--contacts-file: {e} (a contacts file is a few KiB)"
            )),
            ReadCappedError::Io { .. } => Failure::usage(format!("--contacts-file: {e}")),
        })?;
        Contacts::from_toml(&text)
            .map_err(|e| Failure::usage(format!("--contacts-file {}: {e}", path.display())))?
    } else if args.contacts.is_empty() {
        Contacts::tutorial(args.addr)
    } else {
        Contacts::from_entries(&args.contacts).map_err(|e| Failure::usage(e.to_string()))?
    };
    let bind_to = contacts.bind_addr(args.addr);
    // Python: udp_client_socket=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
    let socket = UdpSocket::bind(bind_to).map_err(|e| Failure::bind(bind_to, e))?;
    on_the_terminal(|console| qq::run_client(&socket, &contacts, console, args.timeout))
        .map_err(|e| Failure::io("qq client", e))
}

fn narrated(demo: fn(&Narrator) -> netlab_common::DemoResult) -> Result<(), Failure> {
    demo(&Narrator::stdout()).map_err(|e| Failure::other(format!("the demo failed: {e}")))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    exit_with(match cli.command {
        Command::Server { addr, forever } => server(addr, forever),
        Command::Client(args) => client(args),
        Command::QqServer { addr } => qq_server(addr),
        Command::QqClient(args) => qq_client(args),
        Command::Boundaries => narrated(boundaries::demo),
        Command::Demo => narrated(udp_demo::demo),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// The defaults written in the clap attributes are the library's constants.
    #[test]
    fn default_timeouts_are_the_named_constants() {
        let Command::Client(client) = Cli::parse_from(["udp-demo", "client"]).command else {
            panic!("client");
        };
        assert_eq!(client.timeout, simple::DEFAULT_CLIENT_TIMEOUT);
        assert_eq!(client.message.as_bytes(), simple::CLIENT_MESSAGE);
        let Command::QqClient(qq_client) = Cli::parse_from(["udp-demo", "qq-client"]).command
        else {
            panic!("qq-client");
        };
        assert_eq!(qq_client.timeout, qq::DEFAULT_REPLY_TIMEOUT);
        assert_eq!(qq_client.addr, qq::DEFAULT_ADDR);
    }
}
