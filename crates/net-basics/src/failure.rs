//! How the `net-basics` binary reports this library's errors: each one becomes
//! a [`Failure`] (one line, an explanation where it helps, exit code 2 for a bad
//! command line and 1 for everything else). The library never decides an exit
//! code; this file is the one place where its errors meet the command line's
//! conventions (Rust lets `From` be written only beside the error type).

use netlab_common::Failure;

use crate::capture::CaptureError;
use crate::lan::real::{self, RealError};
use crate::show::ShowError;

/// This program's path as the user would type it again (for the advice to
/// run it as root), or its plain name.
fn this_program() -> String {
    std::env::current_exe()
        .map(|path| path.display().to_string())
        .unwrap_or_else(|_| "net-basics".to_string())
}

/// Why a command printed nothing, the conventional way.
impl From<ShowError> for Failure {
    fn from(error: ShowError) -> Failure {
        match error {
            // The values typed do not go together: a usage error, like a bad value.
            ShowError::Subnet(_) | ShowError::Split(_) | ShowError::Handshake(_) => {
                Failure::usage(error.to_string())
            }
            ShowError::NoArpTable => Failure::other(error.to_string()).explained(
                "on macOS and Windows run `arp -a`; `net-basics arp --packet IP` works everywhere",
            ),
            ShowError::Json(_) => Failure::other(error.to_string()),
        }
    }
}

/// Why `lan --real` or `--cleanup` failed, with what to do about it.
impl From<RealError> for Failure {
    fn from(error: RealError) -> Failure {
        let failure = Failure::other(error.to_string());
        match error {
            RealError::NotPermitted => failure.explained(format!(
                "run it as root: `sudo {} lan --real` (the simulation, without --real, needs nothing)",
                this_program()
            )),
            RealError::Unsupported => failure.explained(
                "run it on Linux (a virtual machine or WSL 2 will do); the simulation works everywhere",
            ),
            RealError::Interrupted => {
                failure.explained(format!("every {}* namespace was removed", real::PREFIX))
            }
            RealError::OutsideRange(_) => Failure::usage(error.to_string()),
            _ => failure,
        }
    }
}

/// Why `capture` cannot read, with what to do about it.
impl From<CaptureError> for Failure {
    fn from(error: CaptureError) -> Failure {
        let failure = Failure::other(error.to_string());
        match error {
            CaptureError::NotPermitted(_) => {
                let exe = this_program();
                failure.explained(format!(
                    "run it as root: `sudo {exe} capture`, or let this binary capture \
                     (until it is rebuilt): `sudo setcap cap_net_raw+ep {exe}`"
                ))
            }
            CaptureError::Unsupported => failure.explained(
                "run it on Linux (a virtual machine or WSL 2 will do); \
                 `net-basics handshake` simulates the same segments everywhere",
            ),
            CaptureError::NoLoopback | CaptureError::Io(_) => failure,
        }
    }
}
