//! Chapter 5's programs behind chapter 7's handshake: `auth cmd-server`,
//! `auth cmd-client`, `auth receive` and `auth send`.
//!
//! Chapter 5's remote-command server and file receiver serve whoever connects,
//! so they listen on loopback only. Here every client must first answer the
//! HMAC challenge ([`Handshake::WITH_VERDICT`]: the same challenge and answer,
//! then `welcome\n` or `refused\n`), and the servers may listen on a network
//! address. The servers take chapter 5's [`Gate`]: [`HmacGate`] runs the
//! handshake on each new connection before anything is served. The clients
//! connect as chapter 5's do, answer the challenge, then talk as chapter 5's do.
//!
//! ```text
//! $ echo 'alex-sb' > key
//! $ cargo run -q -p auth -- cmd-server --secret-file key --addr 0.0.0.0:8888 --protocol prefix
//! $ cargo run -q -p auth -- cmd-client --secret-file key --addr SERVER:8888 --protocol prefix
//! ```

use std::error::Error;
use std::fmt;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use framing::Gate;
use framing::command::{self, ClientConfig, ServerConfig};
use framing::gate::ListenError;
use framing::transfer::{self, ReceiveConfig, ReceiverError, SendConfig, SendError, SendReport};
use netlab_common::serve::peer_name;

use crate::{
    AuthError, HANDSHAKE_TIMEOUT, Handshake, Secret, client_handshake, server_handshake_within,
};

// ANCHOR: gate
/// Chapter 7's handshake as chapter 5's [`Gate`]: a client is let in only if
/// it answers the challenge with the HMAC of the shared secret, all within
/// `limit` (one deadline for the whole answer).
#[derive(Debug)]
pub struct HmacGate {
    secret: Secret,
    limit: Duration,
}

impl HmacGate {
    pub fn new(secret: Secret, limit: Duration) -> HmacGate {
        HmacGate { secret, limit }
    }
}

impl Gate for HmacGate {
    fn let_in(&self, conn: &TcpStream) -> Result<(), Box<dyn Error + Send + Sync>> {
        // The challenge and the verdict are written under the same limit, then
        // the server's own write timeout is back.
        let before = conn.write_timeout()?;
        conn.set_write_timeout(Some(self.limit))?;
        let result =
            server_handshake_within(conn, &self.secret, self.limit, Handshake::WITH_VERDICT);
        conn.set_write_timeout(before)?;
        result.map_err(NotAuthenticated)?;
        println!("{}: authenticated", peer_name(conn));
        Ok(())
    }
}
// ANCHOR_END: gate

/// Why [`HmacGate`] turned a client away.
#[derive(Debug)]
pub struct NotAuthenticated(pub AuthError);

impl fmt::Display for NotAuthenticated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not authenticated: {}", self.0)
    }
}

impl Error for NotAuthenticated {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

// ANCHOR: servers
/// `auth cmd-server`: chapter 5's command server, every client through the
/// handshake first ([`HANDSHAKE_TIMEOUT`] to answer).
pub fn cmd_server(config: ServerConfig, secret: Secret) -> Result<(), ListenError> {
    let gate = HmacGate::new(secret, HANDSHAKE_TIMEOUT);
    command::run_server(ServerConfig {
        gate: Some(Box::new(gate)),
        ..config
    })
}

/// `auth receive`: chapter 5's file receiver, every sender through the
/// handshake first, within the header's deadline.
pub fn receive(config: ReceiveConfig, secret: Secret) -> Result<(), ReceiverError> {
    let gate = HmacGate::new(secret, config.rules.header_timeout);
    transfer::run_receiver(ReceiveConfig {
        gate: Some(Box::new(gate)),
        ..config
    })
}
// ANCHOR_END: servers

// ANCHOR: clients
/// `auth cmd-client`: connect, answer the challenge, then chapter 5's client.
pub fn cmd_client(config: &ClientConfig, secret: &Secret) -> Result<(), GatedError> {
    let mut conn = command::connect(config.addr, config.timeout)?;
    authenticate(&mut conn, secret, config.addr, config.timeout)?;
    Ok(command::converse(&mut conn, config)?)
}

/// `auth send`: check (and hash) the file, connect, answer the challenge, then
/// send it as chapter 5's sender does, with the hash in the header or, with
/// `--hash trailer`, after the data.
pub fn send(config: &SendConfig, secret: &Secret) -> Result<SendReport, GatedError> {
    let started = Instant::now();
    let file = transfer::send::prepare(&config.path, config.hash, config.progress)?;
    let mut conn = transfer::send::connect(config.addr, config.timeout)?;
    authenticate(&mut conn, secret, config.addr, config.timeout)?;
    let sha256 = transfer::send::transmit(&mut conn, &file, config)?;
    Ok(file.report(started, sha256))
}

/// The client's side of the handshake, with the verdict line.
fn authenticate(
    conn: &mut TcpStream,
    secret: &Secret,
    addr: SocketAddr,
    timeout: Duration,
) -> Result<(), GatedError> {
    client_handshake(conn, secret, Handshake::WITH_VERDICT).map_err(|error| GatedError::Handshake {
        addr,
        timeout,
        error,
    })
}
// ANCHOR_END: clients

/// Why `auth cmd-client` or `auth send` stopped.
#[derive(Debug)]
pub enum GatedError {
    /// The handshake with the server at `addr` failed (within `timeout`).
    Handshake {
        addr: SocketAddr,
        timeout: Duration,
        error: AuthError,
    },
    /// Chapter 5's command client failed.
    Command(command::ClientError),
    /// Chapter 5's sender failed.
    Send(SendError),
}

impl fmt::Display for GatedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GatedError::Handshake { addr, error, .. } => {
                write!(f, "authenticating with {addr}: {error}")
            }
            GatedError::Command(error) => error.fmt(f),
            GatedError::Send(error) => error.fmt(f),
        }
    }
}

impl Error for GatedError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            GatedError::Handshake { error, .. } => Some(error),
            GatedError::Command(error) => Some(error),
            GatedError::Send(error) => Some(error),
        }
    }
}

impl From<command::ClientError> for GatedError {
    fn from(error: command::ClientError) -> GatedError {
        GatedError::Command(error)
    }
}

impl From<SendError> for GatedError {
    fn from(error: SendError) -> GatedError {
        GatedError::Send(error)
    }
}
