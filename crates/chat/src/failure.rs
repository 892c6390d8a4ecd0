//! How the `chat` binary reports this library's errors: each one becomes a
//! [`Failure`] (one line, an explanation where it helps, exit code 2 for a bad
//! command line and 1 for everything else). The library never decides an exit
//! code; this file is the one place where its errors meet the command line's
//! conventions (Rust lets `From` be written only beside the error type).

use netlab_common::Failure;

use crate::bench::BenchError;
use crate::bench::floor::FloorError;
use crate::client::ClientError;

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Failure {
        let message = error.to_string();
        match error {
            ClientError::Connect { addr, error } => Failure::connect(addr, error),
            ClientError::Timeout { addr, timeout } => Failure::timeout(addr, timeout),
            ClientError::WrongSecret { .. } => Failure::other(message)
                .explained("the server and the client must use the same key (chapter 7)"),
            ClientError::ClosedBeforeWelcome { .. } => {
                Failure::other(message).explained("does the server want a secret? try --secret-file")
            }
            ClientError::Send(error) => Failure::io("sending to the server", error),
            ClientError::NotTaken => {
                Failure::other(message).explained("it may be overloaded; try again later")
            }
            ClientError::Receive(error) => Failure::io("reading from the server", error),
            ClientError::NoGoodbye { .. } => Failure::other(message).explained(
                "everything before /quit was sent; the server may be overloaded (try a longer --timeout)",
            ),
            ClientError::Handshake { .. }
            | ClientError::NotLetIn { .. }
            | ClientError::Silent { .. } => Failure::other(message),
        }
    }
}

impl From<BenchError> for Failure {
    fn from(error: BenchError) -> Failure {
        match error {
            BenchError::TooManyClients { .. }
            | BenchError::Rate(_)
            | BenchError::NeverEnds { .. }
            | BenchError::EmptyMessages => Failure::usage(error.to_string()),
            BenchError::Join {
                nick,
                clients,
                nofile_limit,
                error,
            } => {
                // What went wrong for that client, and what limits the crowd.
                let failure = Failure::from(error);
                Failure::other(format!(
                    "client {nick} of {clients} could not join: {}",
                    failure.message()
                ))
                .explained(format!(
                    "{}; open-file limit is {nofile_limit} (ulimit -n), the server's \
                     --max-clients may be lower",
                    failure
                        .explanation()
                        .unwrap_or("connected clients so far are fine")
                ))
            }
            BenchError::Task { .. } => Failure::other(error.to_string()),
        }
    }
}

impl From<FloorError> for Failure {
    fn from(error: FloorError) -> Failure {
        match error {
            FloorError::TooManyMembers { .. } => Failure::usage(error.to_string()),
            FloorError::Io { doing, error } => Failure::io(doing, error),
            FloorError::Members(_) => Failure::other(error.to_string()),
        }
    }
}
