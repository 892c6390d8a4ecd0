//! The `auth server` and `auth client` programs, [`HandshakeArgs`] (`--digest`,
//! `--verdict`), and [`SecretArgs`], the command-line options that load a secret
//! (also used by `chat`, and by this crate's twins of chapter 5's programs).
//!
//! After the handshake both programs do what the tutorial's do: the client sends
//! each line it reads, the server answers it in upper case (`data.upper()`).
//! The listings (`examples/auth_server.rs`, `examples/auth_client.rs`) do just
//! that; these add a deadline for the answer, a client limit, an idle timeout,
//! bounded input lines and explained errors.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use netlab_common::admission::{Limits, Ticket, WhenFull};
use netlab_common::cli::humanize_duration;
use netlab_common::listen::{ListenError, announce};
use netlab_common::peer_text::visible_bytes;
use netlab_common::serve::{peer_name, thread_per_client};
use netlab_common::stream::{read_full, read_line_bounded};

use crate::{
    AuthError, Digest, Handshake, SECRET_ENV, Secret, SecretError, Verdict, client_handshake,
    server_handshake_within,
};

/// The tutorial's `recv(1024)`: how much the echo service reads at once.
pub const BUFSIZE: usize = 1024;

/// At most this many clients are served at once (and as many again may be
/// answering their challenge); more are refused at once. Each client costs a
/// thread, and a flood of connections must not exhaust them.
pub const MAX_CLIENTS: usize = 64;

/// A welcomed client that stays silent this long is disconnected, so that idle
/// connections cannot pile up until [`MAX_CLIENTS`] is reached.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Where a program finds its secret: a file, an environment variable, or (with a
/// warning) the command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SecretArgs {
    /// Read the shared secret (the HMAC key) from this file; one trailing newline
    /// is ignored. Without it, the environment variable NETLAB_SECRET is used.
    #[arg(long, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,

    /// The secret itself. Discouraged: every user of this machine can read a
    /// command line (ps, /proc); prefer --secret-file or NETLAB_SECRET.
    #[arg(long, value_name = "KEY")]
    pub secret: Option<String>,
}

impl SecretArgs {
    /// The secret from `--secret-file`, `--secret` (with a warning on stderr) or
    /// the environment variable [`SECRET_ENV`], in that order; `None` if none is
    /// given. A file that cannot be read or an empty secret is an error.
    pub fn load(&self) -> Result<Option<Secret>, SecretError> {
        if let Some(path) = &self.secret_file {
            return Secret::from_file(path).map(Some);
        }
        if let Some(key) = &self.secret {
            eprintln!(
                "warning: a secret on the command line is visible to every user of this \
                 machine (ps, /proc); prefer --secret-file or {SECRET_ENV}"
            );
            return Secret::new(key.clone().into_bytes()).map(Some);
        }
        match Secret::from_env(SECRET_ENV) {
            Ok(secret) => Ok(Some(secret)),
            Err(SecretError::MissingEnv(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Like [`SecretArgs::load`], but a missing secret is an error
    /// ([`SecretError::NotGiven`]): there is no default secret, on purpose.
    pub fn require(&self) -> Result<Secret, SecretError> {
        self.load()?.ok_or(SecretError::NotGiven)
    }
}

/// The two choices both sides must agree on: `--digest` and `--verdict`.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct HandshakeArgs {
    /// The hash inside the HMAC: sha256 (Python's hmac.new(key, msg, 'sha256')),
    /// or md5, what the course's hmac.new(key, msg) meant before Python 3.8.
    /// The answer is 32 bytes with sha256, 16 with md5.
    #[arg(long, value_enum, default_value_t = Digest::Sha256)]
    pub digest: Digest,

    /// After the answer, the server sends one line, `welcome` or `refused`
    /// (netlab's extension). The course's programs send none; use it on both
    /// sides or on neither.
    #[arg(long)]
    pub verdict: bool,
}

impl HandshakeArgs {
    /// The handshake these options describe.
    pub fn handshake(&self) -> Handshake {
        Handshake {
            digest: self.digest,
            verdict: if self.verdict {
                Verdict::Announced
            } else {
                Verdict::Silent
            },
        }
    }
}

// ANCHOR: serve
/// `auth server`: accept clients, authenticate each one, and serve the ones
/// that knew the key the tutorial's upper-case echo. One thread per client, at
/// most [`MAX_CLIENTS`] at once.
pub fn run_server(
    addr: SocketAddr,
    secret: Secret,
    handshake_timeout: Duration,
    handshake: Handshake,
) -> Result<(), ServerError> {
    let listener = TcpListener::bind(addr).map_err(|error| ServerError::Bind { addr, error })?;
    let local = listener.local_addr().map_err(|error| ServerError::Io {
        doing: "local address",
        error,
    })?;
    announce(local).map_err(|error| ServerError::Io {
        doing: "writing to stdout",
        error,
    })?;
    // When every slot is taken, a new client is refused at once (closed, and a
    // line on stderr) rather than left waiting for its challenge.
    let when_full = WhenFull::Refuse;
    thread_per_client(
        &listener,
        Limits::for_slots(MAX_CLIENTS),
        when_full,
        move |conn, peer, ticket| {
            println!("new connection from {peer}"); // Python: print('新连接[%s:%s]' % addr)
            match serve_client(conn, &secret, handshake_timeout, handshake, ticket) {
                Ok(()) => println!("{peer}: closed"),
                Err(error) => eprintln!("{peer}: {error}"),
            }
        },
    );
    Ok(())
}

/// Authenticates one client, then echoes its data in upper case until it closes.
fn serve_client(
    mut conn: TcpStream,
    secret: &Secret,
    handshake_timeout: Duration,
    handshake: Handshake,
    mut ticket: Ticket,
) -> Result<(), AuthError> {
    // Without a deadline, a client that connects and says nothing (or trickles
    // its answer byte by byte) would hold this thread forever.
    conn.set_write_timeout(Some(handshake_timeout))?;
    if let Err(error) = server_handshake_within(&conn, secret, handshake_timeout, handshake) {
        // Python: print('该链接不合法,关闭'); conn.close()
        // Without a verdict, the closed connection is all the client learns.
        let _ = conn.shutdown(Shutdown::Both);
        return Err(error);
    }
    // Authenticated: from a pending slot to a served one (or closed, when every
    // served slot is taken).
    if let Err(refused) = ticket.promote() {
        return Err(AuthError::Io(std::io::Error::other(refused)));
    }
    println!("{}: welcomed", peer_name(&conn)); // Python: print('链接合法,开始通信')
    conn.set_read_timeout(Some(IDLE_TIMEOUT))?;
    let mut buf = [0u8; BUFSIZE];
    loop {
        // Python: data = conn.recv(bufsize); if not data: break
        let n = conn.read(&mut buf)?;
        let Some(data) = buf.get(..n).filter(|data| !data.is_empty()) else {
            return Ok(());
        };
        // Python: conn.sendall(data.upper())
        conn.write_all(&data.to_ascii_uppercase())?;
    }
}
// ANCHOR_END: serve

/// `auth client`: authenticate, then send each line of standard input and print
/// the server's reply; `quit` or the end of input stops.
pub fn run_client(
    addr: SocketAddr,
    secret: Secret,
    timeout: Duration,
    handshake: Handshake,
) -> Result<(), ClientError> {
    let mut conn = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|error| ClientError::Connect { addr, error })?;
    conn.set_read_timeout(Some(timeout))
        .and_then(|()| conn.set_write_timeout(Some(timeout)))
        .map_err(|error| ClientError::Io {
            doing: "setting a timeout".to_string(),
            error,
        })?;
    let announced = handshake.verdict == Verdict::Announced;
    match client_handshake(&mut conn, &secret, handshake) {
        Ok(()) if announced => println!("welcome: the server accepted our answer"),
        // The course's server says nothing: we learn how it went from the reply
        // to our first line.
        Ok(()) => {}
        Err(AuthError::Timeout) => {
            return Err(ClientError::Timeout {
                addr,
                timeout,
                awaiting_verdict: announced,
            });
        }
        Err(AuthError::Refused) => return Err(ClientError::WrongSecret { addr }),
        Err(error) => return Err(ClientError::Handshake { addr, error }),
    }
    let mut input = io::stdin().lock();
    let mut replied = false;
    // Python: data = input('>>: ').strip()
    while let Some(line) =
        read_line_bounded(&mut input, BUFSIZE).map_err(|error| ClientError::Io {
            doing: "reading standard input".to_string(),
            error,
        })?
    {
        if line.cut {
            eprintln!("note: the line was cut to {BUFSIZE} bytes, what the server reads at once");
        }
        let data = line.bytes.trim_ascii();
        if data.is_empty() {
            continue; // Python: if not data: continue
        }
        if data == b"quit" {
            break; // Python: if data == 'quit': break
        }
        let reply = match exchange(&mut conn, data) {
            Ok(reply) => reply,
            // Without a verdict, a closed connection before the first reply is
            // how the course's server says "wrong answer".
            Err(e) if is_closed(&e) && !replied && !announced => {
                return Err(ClientError::ClosedBeforeFirstReply { addr });
            }
            Err(e) if is_closed(&e) => return Err(ClientError::Closed { addr }),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(ClientError::Timeout {
                    addr,
                    timeout,
                    awaiting_verdict: false,
                });
            }
            Err(error) => {
                return Err(ClientError::Io {
                    doing: format!("talking to {addr}"),
                    error,
                });
            }
        };
        replied = true;
        // Python: print(respone.decode('utf-8')). The reply is the server's
        // bytes: its control characters are shown as escapes (\u{1b}, \n), so a
        // hostile server cannot send escape sequences to our terminal or forge a
        // line of output.
        println!("{}", visible_bytes(&reply));
        io::stdout().flush().map_err(|error| ClientError::Io {
            doing: "writing to stdout".to_string(),
            error,
        })?;
    }
    Ok(())
}

/// Sends `data` and reads the reply: as many bytes as were sent, because the
/// service answers every byte with one byte (`data.upper()`). The course's
/// client reads once (`recv(1024)`) and takes whatever has arrived; counting
/// the bytes is chapter 5's lesson: a reply may come in pieces.
fn exchange(conn: &mut TcpStream, data: &[u8]) -> io::Result<Vec<u8>> {
    // Python: tcp_socket_client.sendall(data.encode('utf-8'))
    conn.write_all(data)?;
    // Python: respone = tcp_socket_client.recv(bufsize)
    let mut reply = vec![0u8; data.len()];
    let got = read_full(conn, &mut reply)?;
    if got == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    reply.truncate(got);
    Ok(reply)
}

/// Whether `error` means the server has closed (or reset) the connection.
fn is_closed(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// Why `auth server` stopped (otherwise it runs until it is killed): it could
/// not start listening.
pub type ServerError = ListenError;

/// Why `auth client` stopped before the end of its input.
#[derive(Debug)]
pub enum ClientError {
    /// The server could not be reached.
    Connect { addr: SocketAddr, error: io::Error },
    /// The server sent nothing for `timeout`; `awaiting_verdict` when that
    /// was during the handshake with `--verdict`, a line the course's server
    /// never sends.
    Timeout {
        addr: SocketAddr,
        timeout: Duration,
        awaiting_verdict: bool,
    },
    /// The server said `refused` (`--verdict`): another key, or another digest.
    WrongSecret { addr: SocketAddr },
    /// The handshake failed otherwise (the server closed, or is no auth server).
    Handshake { addr: SocketAddr, error: AuthError },
    /// The server closed the connection before its first reply: without a
    /// verdict, that is how the course's server says "wrong answer".
    ClosedBeforeFirstReply { addr: SocketAddr },
    /// The server closed the connection later.
    Closed { addr: SocketAddr },
    /// Anything else the operating system reported: what we were doing, and why.
    Io { doing: String, error: io::Error },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Connect { addr, error } => write!(f, "cannot reach {addr}: {error}"),
            ClientError::Timeout { addr, timeout, .. } => {
                write!(
                    f,
                    "no reply from {addr} within {}",
                    humanize_duration(*timeout)
                )
            }
            ClientError::WrongSecret { addr } => write!(f, "{addr} refused us: wrong secret"),
            ClientError::Handshake { addr, error } => write!(f, "handshake with {addr}: {error}"),
            ClientError::ClosedBeforeFirstReply { addr } => write!(
                f,
                "{addr} closed the connection before its first reply: wrong key?"
            ),
            ClientError::Closed { addr } => write!(f, "{addr} closed the connection"),
            ClientError::Io { doing, error } => write!(f, "{doing}: {error}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Connect { error, .. } | ClientError::Io { error, .. } => Some(error),
            ClientError::Handshake { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_secret_file_is_named() {
        let args = SecretArgs {
            secret_file: Some("/nonexistent/key".into()),
            secret: None,
        };
        let error = args.require().unwrap_err();
        assert!(matches!(error, SecretError::File { .. }));
        assert!(error.to_string().contains("/nonexistent/key"));
    }

    #[test]
    fn empty_command_line_secret_is_refused() {
        let args = SecretArgs {
            secret_file: None,
            secret: Some(String::new()),
        };
        assert!(args.load().is_err());
    }
}
