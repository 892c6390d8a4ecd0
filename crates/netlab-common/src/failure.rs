//! One clear error line, an explanation of the operating-system errors students
//! meet, and the conventional exit codes.
//!
//! A lesson binary's `main` looks like this:
//!
//! ```no_run
//! use netlab_common::Failure;
//! fn run() -> Result<(), Failure> {
//!     let addr = "127.0.0.1:8898".parse().map_err(|_| Failure::usage("bad address"))?;
//!     let _listener = std::net::TcpListener::bind(addr).map_err(|e| Failure::bind(addr, e))?;
//!     Ok(())
//! }
//! fn main() -> std::process::ExitCode {
//!     netlab_common::failure::exit_with(run())
//! }
//! ```
//!
//! and a student who starts the server twice reads:
//!
//! ```text
//! error: cannot listen on 127.0.0.1:8898: Address already in use (os error 98)
//! address 127.0.0.1:8898 is in use (another server still running, or TIME_WAIT; see chapter 4: SO_REUSEADDR)
//! ```

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::humanize_duration;
use crate::listen::ListenError;

/// Exit code for bad command-line input (clap uses the same).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for everything else that went wrong: the network, the OS, a peer.
pub const EXIT_FAILURE: u8 = 1;

/// What went wrong, ready to print: a message, an optional line explaining it, and
/// the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    message: String,
    explanation: Option<String>,
    exit_code: u8,
}

impl Failure {
    /// Bad input from the command line that clap could not catch (exit code 2).
    /// Name the bad value and what was expected.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            explanation: None,
            exit_code: EXIT_USAGE,
        }
    }

    /// Any other failure (exit code 1).
    pub fn other(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            explanation: None,
            exit_code: EXIT_FAILURE,
        }
    }

    /// Adds the extra line that says what the error means and what to try.
    pub fn explained(mut self, explanation: impl Into<String>) -> Failure {
        self.explanation = Some(explanation.into());
        self
    }

    /// Binding a server socket to `addr` failed.
    pub fn bind(addr: SocketAddr, error: io::Error) -> Failure {
        let failure = Failure::other(format!("cannot listen on {addr}: {error}"));
        match explain_bind(addr, &error) {
            Some(text) => failure.explained(text),
            None => failure,
        }
    }

    /// Connecting (TCP) or sending to (UDP) `addr` failed.
    pub fn connect(addr: SocketAddr, error: io::Error) -> Failure {
        let failure = Failure::other(format!("cannot reach {addr}: {error}"));
        match explain_connect(addr, &error) {
            Some(text) => failure.explained(text),
            None => failure,
        }
    }

    /// No reply from `addr` arrived within `timeout`.
    pub fn timeout(addr: SocketAddr, timeout: Duration) -> Failure {
        Failure::other(format!(
            "no reply from {addr} within {}",
            humanize_duration(timeout)
        ))
        .explained(
            "is the server running on that address? UDP datagrams can also be lost; \
             try again or raise --timeout",
        )
    }

    /// Any other I/O error, with a few words saying what we were doing.
    pub fn io(doing: impl fmt::Display, error: io::Error) -> Failure {
        let explanation = explain_common(&error);
        let failure = Failure::other(format!("{doing}: {error}"));
        match explanation {
            Some(text) => failure.explained(text),
            None => failure,
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn explanation(&self) -> Option<&str> {
        self.explanation.as_deref()
    }

    pub fn exit_code(&self) -> u8 {
        self.exit_code
    }

    /// Prints `error: MESSAGE` (and the explanation on the next line) to stderr.
    pub fn report(&self) {
        eprintln!("error: {}", self.message);
        if let Some(explanation) = &self.explanation {
            eprintln!("{explanation}");
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(explanation) = &self.explanation {
            write!(f, "\n{explanation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Failure {
        Failure::io("I/O error", error)
    }
}

/// A server that could not start listening: the address explained (in use,
/// not this machine's, privileged), or what the operating system refused.
impl From<ListenError> for Failure {
    fn from(error: ListenError) -> Failure {
        match error {
            ListenError::Bind { addr, error } => Failure::bind(addr, error),
            ListenError::Io { doing, error } => Failure::io(doing, error),
        }
    }
}

/// Reports `result` the conventional way and turns it into the process exit code.
pub fn exit_with(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report();
            ExitCode::from(failure.exit_code)
        }
    }
}

// ANCHOR: explain_bind
/// The line a student reads when binding `addr` failed, for the errors they meet.
pub fn explain_bind(addr: SocketAddr, error: &io::Error) -> Option<String> {
    match error.kind() {
        io::ErrorKind::AddrInUse => Some(format!(
            "address {addr} is in use (another server still running, or TIME_WAIT; \
             see chapter 4: SO_REUSEADDR)"
        )),
        io::ErrorKind::PermissionDenied if addr.port() < 1024 && addr.port() != 0 => Some(format!(
            "port {} is below 1024, and such ports are reserved for the administrator \
             (root) on Unix: pick a port of 1024 or more, or port 0 for any free port",
            addr.port()
        )),
        io::ErrorKind::AddrNotAvailable => Some(format!(
            "{} is not an address of this machine: use 127.0.0.1 (loopback) or the \
             address of one of its network interfaces",
            addr.ip()
        )),
        _ => explain_common(error),
    }
}
// ANCHOR_END: explain_bind

/// The line a student reads when reaching `addr` failed.
pub fn explain_connect(addr: SocketAddr, error: &io::Error) -> Option<String> {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => Some(format!(
            "nothing is listening on {addr}: start the server first, and check the \
             address and port"
        )),
        io::ErrorKind::PermissionDenied => Some(format!(
            "the operating system refused to send to {addr} (a firewall rule, or a \
             broadcast address without SO_BROADCAST)"
        )),
        _ => explain_common(error),
    }
}

fn explain_common(error: &io::Error) -> Option<String> {
    let text = match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            "the peer did not answer in time: is it running, and is it reading?"
        }
        io::ErrorKind::ConnectionReset => {
            "the peer closed the connection abruptly (a reset, RST): it crashed, was \
             killed, or closed without reading what we sent"
        }
        io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe => {
            "the peer had already closed the connection when we wrote to it"
        }
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            "there is no route to that address from this machine: check the address, \
             or use 127.0.0.1 to stay on this machine"
        }
        io::ErrorKind::UnexpectedEof => {
            "the peer closed the connection before sending everything it promised"
        }
        _ => return None,
    };
    Some(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_in_use_is_explained_with_the_chapter_4_hint() {
        let addr: SocketAddr = "127.0.0.1:8898".parse().unwrap();
        let failure = Failure::bind(addr, io::Error::from(io::ErrorKind::AddrInUse));
        assert_eq!(failure.exit_code(), EXIT_FAILURE);
        assert_eq!(
            failure.explanation(),
            Some(
                "address 127.0.0.1:8898 is in use (another server still running, or \
                 TIME_WAIT; see chapter 4: SO_REUSEADDR)"
            )
        );
    }

    #[test]
    fn refused_connection_says_to_start_the_server() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let failure = Failure::connect(addr, io::Error::from(io::ErrorKind::ConnectionRefused));
        assert!(
            failure
                .explanation()
                .unwrap()
                .contains("nothing is listening")
        );
    }

    #[test]
    fn privileged_port_is_explained() {
        let addr: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let failure = Failure::bind(addr, io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(failure.explanation().unwrap().contains("below 1024"));
    }

    #[test]
    fn real_address_in_use_error_from_the_os() {
        let first = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = first.local_addr().unwrap();
        let error = std::net::UdpSocket::bind(addr).unwrap_err();
        let failure = Failure::bind(addr, error);
        assert!(failure.explanation().unwrap().contains("is in use"));
    }

    #[test]
    fn usage_errors_exit_with_2() {
        assert_eq!(Failure::usage("bad").exit_code(), 2);
    }
}
