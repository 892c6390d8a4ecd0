//! `net-basics`: see the library's documentation (`cargo doc -p net-basics`).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use net_basics::cli::{self, Cli};
use netlab_common::{Failure, color, failure};

fn main() -> ExitCode {
    let cli = Cli::parse();
    failure::exit_with(
        cli::run(cli.command, color::stdout_supports_color()).and_then(|text| {
            // A closed pipe (`net-basics layers | head -3`) is not an error worth a line.
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(Failure::io("writing to stdout", e))
                }
                _ => Ok(()),
            }
        }),
    )
}
