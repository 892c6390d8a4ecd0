//! The `auth server` and `auth client` programs, [`HandshakeArgs`] (`--digest`,
//! `--verdict`), and [`SecretArgs`], the command-line options that load a secret
//! (also used by `framing` and `chat`).
//!
//! After the handshake both programs do what the tutorial's do: the client sends
//! each line it reads, the server answers it in upper case (`data.upper()`).
//! The listings (`examples/auth_server.rs`, `examples/auth_client.rs`) do just
//! that; these add a deadline for the answer, a client limit, an idle timeout,
//! bounded input lines and explained errors.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use netlab_common::Failure;
use netlab_common::admission::{Limits, Ticket};
use netlab_common::listen::announce;
use netlab_common::peer_text::visible_bytes;
use netlab_common::serve::{peer_name, thread_per_client};
use netlab_common::stream::{read_full, read_line_bounded};

use crate::{
    AuthError, Digest, Handshake, SECRET_ENV, Secret, Verdict, client_handshake,
    server_handshake_within,
};

/// The tutorial's `recv(1024)`: how much the echo service reads at once.
pub const BUFSIZE: usize = 1024;

/// At most this many clients are served at once; more wait in the listen backlog.
/// Each client costs a thread, and a flood of connections must not exhaust them.
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
    pub fn load(&self) -> Result<Option<Secret>, Failure> {
        let to_failure = |error: AuthError| Failure::usage(error.to_string());
        if let Some(path) = &self.secret_file {
            return Secret::from_file(path).map(Some).map_err(to_failure);
        }
        if let Some(key) = &self.secret {
            eprintln!(
                "warning: a secret on the command line is visible to every user of this \
                 machine (ps, /proc); prefer --secret-file or {SECRET_ENV}"
            );
            return Secret::new(key.clone().into_bytes())
                .map(Some)
                .map_err(to_failure);
        }
        match Secret::from_env(SECRET_ENV) {
            Ok(secret) => Ok(Some(secret)),
            Err(AuthError::MissingEnv(_)) => Ok(None),
            Err(error) => Err(to_failure(error)),
        }
    }

    /// Like [`SecretArgs::load`], but a missing secret is a usage error: there is
    /// no default secret, on purpose.
    pub fn require(&self) -> Result<Secret, Failure> {
        self.load()?.ok_or_else(|| {
            Failure::usage(format!(
                "no secret given: use --secret-file FILE or set {SECRET_ENV} \
                 (there is no default secret)"
            ))
        })
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
) -> Result<(), Failure> {
    let listener = TcpListener::bind(addr).map_err(|e| Failure::bind(addr, e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::io("local address", e))?;
    announce(local).map_err(|e| Failure::io("writing to stdout", e))?;
    thread_per_client(
        &listener,
        Limits::for_slots(MAX_CLIENTS),
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
) -> Result<(), Failure> {
    let mut conn =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| Failure::connect(addr, e))?;
    conn.set_read_timeout(Some(timeout))
        .and_then(|()| conn.set_write_timeout(Some(timeout)))
        .map_err(|e| Failure::io("setting a timeout", e))?;
    let announced = handshake.verdict == Verdict::Announced;
    match client_handshake(&mut conn, &secret, handshake) {
        Ok(()) if announced => println!("welcome: the server accepted our answer"),
        // The course's server says nothing: we learn how it went from the reply
        // to our first line.
        Ok(()) => {}
        Err(AuthError::Timeout) if announced => {
            return Err(Failure::timeout(addr, timeout).explained(
                "with --verdict the server must run with --verdict too: the course's \
                 server sends no verdict, it waits for your first line",
            ));
        }
        Err(AuthError::Timeout) => return Err(Failure::timeout(addr, timeout)),
        Err(AuthError::Refused) => {
            let why = "the server computed another HMAC than we did: both sides must use \
                       the same key and the same --digest";
            return Err(Failure::other(format!("{addr} refused us: wrong secret")).explained(why));
        }
        Err(error) => return Err(Failure::other(format!("handshake with {addr}: {error}"))),
    }
    let mut input = io::stdin().lock();
    let mut replied = false;
    // Python: data = input('>>: ').strip()
    while let Some(line) = read_line_bounded(&mut input, BUFSIZE)
        .map_err(|e| Failure::io("reading standard input", e))?
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
            Err(e) if is_closed(&e) && !replied && !announced => {
                return Err(closed_after_answer(addr));
            }
            Err(e) if is_closed(&e) => {
                return Err(Failure::other(format!("{addr} closed the connection")));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Failure::timeout(addr, timeout));
            }
            Err(e) => return Err(Failure::io(format!("talking to {addr}"), e)),
        };
        replied = true;
        // Python: print(respone.decode('utf-8')). The reply is the server's
        // bytes: its control characters are shown as escapes (\u{1b}, \n), so a
        // hostile server cannot send escape sequences to our terminal or forge a
        // line of output.
        println!("{}", visible_bytes(&reply));
        io::stdout()
            .flush()
            .map_err(|e| Failure::io("writing to stdout", e))?;
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

/// The connection was closed before the first reply: without a verdict, that
/// is how the course's server says "wrong answer".
fn closed_after_answer(addr: SocketAddr) -> Failure {
    Failure::other(format!(
        "{addr} closed the connection before its first reply: wrong key?"
    ))
    .explained(
        "the server answers a wrong HMAC by closing, without a word: both sides need the \
         same key and the same --digest (--verdict on both makes it say welcome or refused)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_secret_anywhere_is_a_usage_error() {
        let args = SecretArgs {
            secret_file: Some("/nonexistent/key".into()),
            secret: None,
        };
        let failure = args.require().unwrap_err();
        assert_eq!(failure.exit_code(), 2);
        assert!(failure.message().contains("/nonexistent/key"));
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
