//! How the binaries report this library's errors: each one becomes a
//! [`Failure`] (one line, an explanation where it helps, exit code 2 for a bad
//! command line and 1 for everything else).
//!
//! The library itself never decides an exit code; this file is the one place
//! where its errors meet the command line's conventions. It lives here rather
//! than in `main.rs` because more than one binary reports these errors (`chat`
//! loads its secret with [`SecretArgs`](crate::cli::SecretArgs) too), and Rust
//! lets `From` be written only beside the error type. Chapter 5's errors (the
//! programs behind the handshake) are reported as `framing` reports them.

use netlab_common::Failure;

use crate::cli::ClientError;
use crate::gated::GatedError;
use crate::{AuthError, SecretError};

impl From<SecretError> for Failure {
    /// A secret that cannot be had is the command line's fault: exit code 2.
    fn from(error: SecretError) -> Failure {
        Failure::usage(error.to_string())
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Failure {
        let message = error.to_string();
        match error {
            ClientError::Connect { addr, error } => Failure::connect(addr, error),
            ClientError::Timeout {
                addr,
                timeout,
                awaiting_verdict: true,
            } => Failure::timeout(addr, timeout).explained(
                "with --verdict the server must run with --verdict too: the course's \
                 server sends no verdict, it waits for your first line",
            ),
            ClientError::Timeout { addr, timeout, .. } => Failure::timeout(addr, timeout),
            ClientError::WrongSecret { .. } => Failure::other(message).explained(
                "the server computed another HMAC than we did: both sides must use \
                 the same key and the same --digest",
            ),
            ClientError::ClosedBeforeFirstReply { .. } => Failure::other(message).explained(
                "the server answers a wrong HMAC by closing, without a word: both sides need \
                 the same key and the same --digest (--verdict on both makes it say welcome \
                 or refused)",
            ),
            ClientError::Io { doing, error } => Failure::io(doing, error),
            ClientError::Handshake { .. } | ClientError::Closed { .. } => Failure::other(message),
        }
    }
}

impl From<GatedError> for Failure {
    fn from(error: GatedError) -> Failure {
        match error {
            GatedError::Handshake {
                addr,
                timeout,
                error: AuthError::Timeout,
            } => Failure::timeout(addr, timeout),
            GatedError::Handshake { .. } => Failure::other(error.to_string()),
            GatedError::Command(error) => error.into(),
            GatedError::Send(error) => error.into(),
        }
    }
}
