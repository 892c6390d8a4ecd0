//! The `auth server` and `auth client` programs, and [`SecretArgs`], the
//! command-line options that load a secret (also used by `framing`).
//!
//! After the handshake both programs do what the tutorial's do: the client sends
//! each line it reads, the server answers it in upper case (`data.upper()`).

use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use netlab_common::Failure;
use netlab_common::listen::announce;
use netlab_common::serve::{peer_name, thread_per_client};

use crate::{AuthError, SECRET_ENV, Secret, client_handshake, server_handshake_within};

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

// ANCHOR: serve
/// `auth server`: accept clients, authenticate each one, and serve the welcomed
/// ones the tutorial's upper-case echo. One thread per client, at most
/// [`MAX_CLIENTS`] at once.
pub fn run_server(
    addr: SocketAddr,
    secret: Secret,
    handshake_timeout: Duration,
) -> Result<(), Failure> {
    let listener = TcpListener::bind(addr).map_err(|e| Failure::bind(addr, e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::io("local address", e))?;
    announce(local).map_err(|e| Failure::io("writing to stdout", e))?;
    thread_per_client(&listener, MAX_CLIENTS, "clients", move |conn, peer| {
        println!("new connection from {peer}"); // Python: print('新连接[%s:%s]' % addr)
        match serve_client(conn, &secret, handshake_timeout) {
            Ok(()) => println!("{peer}: closed"),
            Err(error) => eprintln!("{peer}: {error}"),
        }
    });
    Ok(())
}

/// Authenticates one client, then echoes its data in upper case until it closes.
fn serve_client(
    mut conn: TcpStream,
    secret: &Secret,
    handshake_timeout: Duration,
) -> Result<(), AuthError> {
    // Without a deadline, a client that connects and says nothing (or trickles
    // its answer byte by byte) would hold this thread forever.
    conn.set_write_timeout(Some(handshake_timeout))?;
    if let Err(error) = server_handshake_within(&conn, secret, handshake_timeout) {
        // Python: print('该链接不合法,关闭'); conn.close()
        let _ = conn.shutdown(Shutdown::Both);
        return Err(error);
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
pub fn run_client(addr: SocketAddr, secret: Secret, timeout: Duration) -> Result<(), Failure> {
    let mut conn =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| Failure::connect(addr, e))?;
    conn.set_read_timeout(Some(timeout))
        .map_err(|e| Failure::io("setting a timeout", e))?;
    match client_handshake(&mut conn, &secret) {
        Ok(()) => println!("welcome: the server accepted our answer"),
        Err(AuthError::Timeout) => return Err(Failure::timeout(addr, timeout)),
        Err(AuthError::Refused) => {
            return Err(Failure::other(format!("{addr} refused us: wrong secret")).explained(
                "the server computed another HMAC than we did: both sides must use the same key",
            ));
        }
        Err(error) => return Err(Failure::other(format!("handshake with {addr}: {error}"))),
    }
    let stdin = io::stdin();
    let mut buf = [0u8; BUFSIZE];
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| Failure::io("reading standard input", e))?;
        // Python: data = input('>>: ').strip(); if not data: continue
        let data = line.trim();
        if data.is_empty() {
            continue;
        }
        if data == "quit" {
            break;
        }
        conn.write_all(data.as_bytes())
            .map_err(|e| Failure::io(format!("sending to {addr}"), e))?;
        // Python: response = tcp_socket_client.recv(bufsize)
        let n = match conn.read(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Failure::timeout(addr, timeout));
            }
            Err(e) => return Err(Failure::io(format!("receiving from {addr}"), e)),
        };
        if n == 0 {
            return Err(Failure::other(format!("{addr} closed the connection")));
        }
        let reply = buf.get(..n).unwrap_or_default();
        println!("{}", String::from_utf8_lossy(reply));
        io::stdout()
            .flush()
            .map_err(|e| Failure::io("writing to stdout", e))?;
    }
    Ok(())
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
