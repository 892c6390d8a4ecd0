//! `tcp-demo`: the tutorial's TCP programs (chapters 2, 4 and 6). The lessons
//! live in the library, with what they print; this file is the command line: it
//! parses the arguments, binds and announces the servers, calls the library, and
//! turns errors into the conventional messages and exit codes.

use std::io::{self, IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::builder::RangedU64ValueParser;
use clap::{Args, Parser, Subcommand};
use netlab_common::admission::Limits;
use netlab_common::bytes::python_repr;
use netlab_common::cli::parse_peer;
use netlab_common::cli::{humanize_duration, parse_duration};
use netlab_common::failure::exit_with;
use netlab_common::listen::{TcpOptions, bind_tcp};
use netlab_common::{Failure, Narrator, listen};
use tcp_demo::first::{self, Variant};
use tcp_demo::{chat, http, reuse, socket_params, sockinfo};

/// tcp-demo: the TCP programs of the tutorial 网络编程, as Rust twins that speak
/// the same bytes as the Python originals (chapters 2, 4 and 6).
#[derive(Debug, Parser)]
#[command(name = "tcp-demo", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 四.套接字初使用: the first TCP server (127.0.0.1:8898). Accepts a client,
    /// reads up to 1024 bytes, prints them like Python (b'hello!'), replies b'hi'.
    Server(ServerArgs),
    /// 四.套接字初使用: the first TCP client. Sends --message (b'hello!') and
    /// prints the reply (b'hi').
    Client(ClientArgs),
    /// 四.套接字初使用: "Address already in use" — restarts a server while its old
    /// connection sits in TIME_WAIT, without and with SO_REUSEADDR, and explains.
    ReuseDemo,
    /// 四.套接字初使用 (socket参数的详解): socket.socket(family, type, proto, fileno),
    /// each case tried on a real socket: AF_INET, AF_INET6, AF_UNIX; SOCK_STREAM,
    /// SOCK_DGRAM, SOCK_RAW; proto 0 versus IPPROTO_TCP; fileno (the same socket).
    SocketParams {
        /// Print one JSON document instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// 四.套接字初使用: the turn-taking TCP chat server (127.0.0.1:9000). Speaks
    /// first; each line is sent UTF-8 encoded; q ends the conversation.
    ChatServer(ChatServerArgs),
    /// 四.套接字初使用: the TCP chat client. Reads the server's line, answers with
    /// one of its own; q ends the conversation. Reads a pipe as well as a keyboard.
    ChatClient(ChatClientArgs),
    /// 六.socket的更多方法: the tutorial's socket method table, each method tried on
    /// a real loopback connection, and send versus sendall.
    Sockinfo {
        /// Print one JSON document instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// 二.客户端/服务端架构 (B/S): a tiny HTTP server (127.0.0.1:8080) for your
    /// browser; prints the raw request each browser sends.
    Http(HttpArgs),
    /// The tour's narrated demo of one chapter: 2 (B/S and HTTP), 4 (first
    /// sockets) or 6 (socket methods), all on loopback inside this process.
    Demo {
        /// Which chapter's demo: 2, 4 or 6.
        #[arg(long, default_value_t = 4, value_parser = parse_demo_chapter)]
        chapter: u8,
    },
}

#[derive(Debug, Args)]
struct HttpArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value_t = http::DEFAULT_ADDR)]
    addr: SocketAddr,
    /// The whole request head must arrive within this time (one deadline, not
    /// per read); a client still sending is closed.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    header_timeout: Duration,
    /// Connections one address may hold at once, sending their request or being
    /// answered (1 to 64; default 16, a quarter of the slots).
    #[arg(long, default_value_t = Limits::for_slots(http::MAX_CONNECTIONS).per_address,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=http::MAX_CONNECTIONS as u64))]
    max_per_address: usize,
}

#[derive(Debug, Args)]
struct ServerArgs {
    /// Address to listen on [default: 127.0.0.1:8898, or 127.0.0.1:8080 with
    /// --greet-first]; port 0: any free port.
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// The classroom variant (上课例题): send b'hello' first, then read the answer.
    #[arg(long)]
    greet_first: bool,
    /// Do not set SO_REUSEADDR before bind, to see "Address already in use" when
    /// restarting right after a client was served.
    #[arg(long)]
    no_reuse_addr: bool,
    /// Keep serving clients one after another (the tutorial serves one and exits).
    #[arg(long)]
    forever: bool,
    /// How long to wait for a connected client before giving up on it.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    timeout: Duration,
}

#[derive(Debug, Args)]
struct ClientArgs {
    /// The server's address, HOST:PORT [default: 127.0.0.1:8898, or 127.0.0.1:8080
    /// with --greet-first].
    #[arg(long, value_parser = parse_peer)]
    addr: Option<SocketAddr>,
    /// What to send [default: hello!, or byebye! with --greet-first].
    #[arg(long)]
    message: Option<String>,
    /// The classroom variant: read the server's greeting first, then answer.
    #[arg(long)]
    greet_first: bool,
    /// How long to wait for the connection and for the reply.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    timeout: Duration,
}

#[derive(Debug, Args)]
struct ChatServerArgs {
    /// Address to listen on; port 0: any free port.
    #[arg(long, default_value_t = chat::DEFAULT_ADDR)]
    addr: SocketAddr,
    /// How long to wait for the client's turn before ending that conversation.
    #[arg(long, default_value = "300s", value_parser = parse_duration)]
    idle_timeout: Duration,
}

#[derive(Debug, Args)]
struct ChatClientArgs {
    /// The chat server's address, HOST:PORT.
    #[arg(long, default_value_t = chat::DEFAULT_ADDR, value_parser = parse_peer)]
    addr: SocketAddr,
    /// How long to wait for the connection.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    timeout: Duration,
    /// How long to wait for the server's turn.
    #[arg(long, default_value = "300s", value_parser = parse_duration)]
    idle_timeout: Duration,
}

fn parse_demo_chapter(text: &str) -> Result<u8, String> {
    match text {
        "2" => Ok(2),
        "4" => Ok(4),
        "6" => Ok(6),
        _ => Err(format!(
            "'{text}' is not a chapter with a tcp-demo demo (expected 2, 4 or 6)"
        )),
    }
}

/// An I/O error while talking to `addr`, explained the conventional way.
fn talk_failure(addr: SocketAddr, timeout: Duration, error: io::Error) -> Failure {
    match error.kind() {
        // (Failure::timeout's hint is about lost UDP datagrams; TCP retransmits, so
        // here the peer is silent, slow, or unreachable.)
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Failure::other(format!(
            "no answer from {addr} within {}",
            humanize_duration(timeout)
        ))
        .explained(
            "the server did not accept the connection or did not answer in time: is it \
             running, and is that address reachable from this machine? (--timeout waits longer)",
        ),
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::AddrNotAvailable
        | io::ErrorKind::PermissionDenied => Failure::connect(addr, error),
        _ => Failure::io(format!("talking to {addr}"), error),
    }
}

fn print_line(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::io("writing to stdout", e))
}

/// `--greet-first`: the classroom variant, or the first program.
fn variant(greet_first: bool) -> Variant {
    if greet_first {
        Variant::GreetFirst
    } else {
        Variant::ClientFirst
    }
}

fn server(args: ServerArgs) -> Result<(), Failure> {
    let variant = variant(args.greet_first);
    let addr = args.addr.unwrap_or(variant.default_addr());
    let options = TcpOptions {
        reuse_address: !args.no_reuse_addr,
        ..reuse::LISTEN
    };
    let listener = bind_tcp(addr, options).map_err(|e| Failure::bind(addr, e))?;
    let local = listener.local_addr().map_err(|e| Failure::bind(addr, e))?;
    listen::announce(local).map_err(|e| Failure::io("writing to stdout", e))?;
    first::serve(
        &listener,
        variant,
        args.timeout,
        args.forever,
        &mut io::stdout(),
    )
    .map_err(|e| Failure::io("writing to stdout", e))
}

fn client(args: ClientArgs) -> Result<(), Failure> {
    let variant = variant(args.greet_first);
    let addr = args.addr.unwrap_or(variant.default_addr());
    let message = match (&args.message, variant) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (None, Variant::ClientFirst) => first::CLIENT_MESSAGE.to_vec(),
        (None, Variant::GreetFirst) => first::CLASSROOM_ANSWER.to_vec(),
    };
    if message.is_empty() {
        // Python's sk.send(b'') sends nothing at all: the server would wait for
        // bytes that never come, and we for its answer.
        return Err(Failure::usage(
            "--message is empty: sending b'' sends nothing, and the server would wait for \
             bytes that never come (type at least one character)",
        ));
    }
    if message.len() > first::RECV_BUFFER {
        return Err(Failure::usage(format!(
            "--message is {} bytes; the server reads at most {} (chapter 5 explains why)",
            message.len(),
            first::RECV_BUFFER
        )));
    }
    let received = first::run_client(addr, variant, &message, args.timeout)
        .map_err(|e| talk_failure(addr, args.timeout, e))?;
    print_line(&python_repr(&received)) // Python: print(ret)
}

/// Runs `talk` with the keyboard (or a pipe) as its input and stdout as its
/// output; the `>>>` prompt only on a terminal.
fn on_the_terminal<R>(talk: impl FnOnce(&mut chat::Console<'_>) -> R) -> R {
    let stdin = io::stdin();
    let prompt = stdin.is_terminal();
    let mut input = stdin.lock();
    let mut output = io::stdout();
    talk(&mut chat::Console::new(&mut input, &mut output, prompt))
}

fn chat_server(args: ChatServerArgs) -> Result<(), Failure> {
    let addr = args.addr;
    // Python: sk.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1) before bind.
    let listener = bind_tcp(addr, reuse::LISTEN).map_err(|e| Failure::bind(addr, e))?;
    let local = listener.local_addr().map_err(|e| Failure::bind(addr, e))?;
    listen::announce(local).map_err(|e| Failure::io("writing to stdout", e))?;
    on_the_terminal(|console| chat::run_server(&listener, console, args.idle_timeout))
        .map_err(|e| Failure::io("chat server", e))
}

fn chat_client(args: ChatClientArgs) -> Result<(), Failure> {
    let addr = args.addr;
    let mut conn = chat::connect(addr, args.timeout, args.idle_timeout)
        .map_err(|e| talk_failure(addr, args.timeout, e))?;
    match on_the_terminal(|console| chat::client_conversation(&mut conn, console)) {
        Ok(chat::Ending::TheyLeft) => {
            eprintln!("(the server closed the connection)");
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(e) => Err(talk_failure(addr, args.idle_timeout, e)),
    }
}

fn socket_params_command(json: bool) -> Result<(), Failure> {
    let cases =
        socket_params::cases().map_err(|e| Failure::io("trying the socket parameters", e))?;
    // Who runs the program decides whether a raw socket may be opened: stdout
    // explains both outcomes the same way for everyone, stderr says which one
    // happened here.
    if json {
        print_line(&socket_params::to_json(&cases).to_string())?;
    } else {
        print_line(socket_params::render(&cases).trim_end())?;
        for note in socket_params::this_run_notes(&cases) {
            eprintln!("{note}");
        }
    }
    Ok(())
}

fn sockinfo_command(json: bool) -> Result<(), Failure> {
    let rows = sockinfo::table().map_err(|e| Failure::io("trying the socket methods", e))?;
    let sendall = sockinfo::sendall_lesson().map_err(|e| Failure::io("the sendall lesson", e))?;
    if json {
        print_line(&sockinfo::to_json(&rows, &sendall).to_string())
    } else {
        print_line(sockinfo::render(&rows, &sendall).trim_end())
    }
}

fn http_command(args: HttpArgs) -> Result<(), Failure> {
    let addr = args.addr;
    let config = http::Config {
        header_timeout: args.header_timeout,
        limits: Limits {
            per_address: args.max_per_address,
            ..Limits::for_slots(http::MAX_CONNECTIONS)
        },
    };
    let listener = std::net::TcpListener::bind(addr).map_err(|e| Failure::bind(addr, e))?;
    let local = listener.local_addr().map_err(|e| Failure::bind(addr, e))?;
    listen::announce(local).map_err(|e| Failure::io("writing to stdout", e))?;
    print_line(&format!(
        "open http://{local}/ in a browser (Ctrl-C stops the server)"
    ))?;
    http::run(listener, config).map_err(|e| Failure::io("http server", e))
}

fn demo(chapter: u8) -> Result<(), Failure> {
    let narrator = Narrator::stdout();
    let result = match chapter {
        2 => http::demo(&narrator),
        6 => sockinfo::demo(&narrator),
        _ => tcp_demo::demo(&narrator),
    };
    result.map_err(|e| Failure::other(format!("the demo failed: {e}")))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    exit_with(match cli.command {
        Command::Server(args) => server(args),
        Command::Client(args) => client(args),
        Command::ReuseDemo => reuse::demo(&Narrator::stdout())
            .map_err(|e| Failure::other(format!("the demo failed: {e}"))),
        Command::ChatServer(args) => chat_server(args),
        Command::ChatClient(args) => chat_client(args),
        Command::SocketParams { json } => socket_params_command(json),
        Command::Sockinfo { json } => sockinfo_command(json),
        Command::Http(args) => http_command(args),
        Command::Demo { chapter } => demo(chapter),
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
        let Command::Server(server) = Cli::parse_from(["tcp-demo", "server"]).command else {
            panic!("server");
        };
        assert_eq!(server.timeout, first::SERVER_PEER_TIMEOUT);
        let Command::Client(client) = Cli::parse_from(["tcp-demo", "client"]).command else {
            panic!("client");
        };
        assert_eq!(client.timeout, first::DEFAULT_CLIENT_TIMEOUT);
        let Command::ChatServer(chat_server) = Cli::parse_from(["tcp-demo", "chat-server"]).command
        else {
            panic!("chat-server");
        };
        assert_eq!(chat_server.idle_timeout, chat::IDLE_TIMEOUT);
        assert_eq!(chat_server.addr, chat::DEFAULT_ADDR);
        let Command::ChatClient(chat_client) = Cli::parse_from(["tcp-demo", "chat-client"]).command
        else {
            panic!("chat-client");
        };
        assert_eq!(chat_client.idle_timeout, chat::IDLE_TIMEOUT);
        assert_eq!(chat_client.timeout, first::DEFAULT_CLIENT_TIMEOUT);
        let Command::Http(http_args) = Cli::parse_from(["tcp-demo", "http"]).command else {
            panic!("http");
        };
        let defaults = http::Config::default();
        assert_eq!(http_args.header_timeout, defaults.header_timeout);
        assert_eq!(http_args.max_per_address, defaults.limits.per_address);
    }
}
