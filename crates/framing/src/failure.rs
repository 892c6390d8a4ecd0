//! How the binaries report this library's errors: each one becomes a
//! [`Failure`] (one line, an explanation where it helps, exit code 2 for a bad
//! command line and 1 for everything else).
//!
//! The library itself never decides an exit code; this file is the one place
//! where its errors meet the command line's conventions. It lives here rather
//! than in `main.rs` because two binaries run these programs (`framing`, and
//! `auth` for their twins behind chapter 7's handshake), and Rust lets `From`
//! be written only beside the error type.

use netlab_common::Failure;

use crate::bench::BenchError;
use crate::command::ClientError;
use crate::gate::ListenError;
use crate::proxy::ProxyError;
use crate::transfer::{ReceiverError, SendError};

impl From<ListenError> for Failure {
    fn from(error: ListenError) -> Failure {
        match error {
            // Asking for the network without a gate is a bad command line.
            ListenError::Exposed(exposed) => Failure::usage(exposed.to_string()),
            ListenError::Unable(error) => Failure::from(error),
        }
    }
}

impl From<ReceiverError> for Failure {
    fn from(error: ReceiverError) -> Failure {
        match error {
            ReceiverError::NotADirectory(_) => Failure::usage(error.to_string()),
            ReceiverError::Listen(error) => error.into(),
        }
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Failure {
        match error {
            ClientError::Connect { addr, error } => Failure::connect(addr, error),
            ClientError::Timeout { addr, timeout } => Failure::timeout(addr, timeout),
            ClientError::Closed { .. } => Failure::other(error.to_string()).explained(
                "a lab command server closes a connection it cannot serve (full, or your \
                 address's share used up: its log says which) and, without chapter 7's \
                 handshake, one whose first command does not come within its \
                 --first-command-timeout (10s by default)",
            ),
            ClientError::Io { doing, error } => Failure::io(doing, error),
        }
    }
}

impl From<SendError> for Failure {
    fn from(error: SendError) -> Failure {
        match error {
            // The command line named something that cannot be sent.
            SendError::NoFileName(_) | SendError::BadName(_) | SendError::NotARegularFile(_) => {
                Failure::usage(error.to_string())
            }
            SendError::Read { path, error } => {
                Failure::io(format!("reading {}", path.display()), error)
            }
            SendError::Connect { addr, error } => Failure::connect(addr, error),
            SendError::Timeout { addr, timeout } => Failure::timeout(addr, timeout),
            SendError::Io { doing, error } => Failure::io(doing, error),
            SendError::Changed(_)
            | SendError::Shrank(_)
            | SendError::Encode(_)
            | SendError::NotAVerdict { .. }
            | SendError::Refused { .. }
            | SendError::NoTrailers { .. } => Failure::other(error.to_string()),
        }
    }
}

impl From<BenchError> for Failure {
    fn from(error: BenchError) -> Failure {
        match error {
            BenchError::NotADirectory(_) => Failure::usage(error.to_string()),
            BenchError::Io { doing, error } => Failure::io(doing, error),
            BenchError::Send(error) => error.into(),
            BenchError::Receive(_) => Failure::other(error.to_string()),
        }
    }
}

impl From<ProxyError> for Failure {
    fn from(error: ProxyError) -> Failure {
        match error {
            // A network address in front of a private server is a bad command line.
            ProxyError::Exposed { .. } | ProxyError::CaptureNeedsIpv4 => {
                Failure::usage(error.to_string())
            }
            ProxyError::Bind { addr, error } => Failure::bind(addr, error),
            ProxyError::Io { doing, error } => Failure::io(doing, error),
            ProxyError::Capture { path, error } => {
                Failure::io(format!("creating {}", path.display()), error)
            }
        }
    }
}
