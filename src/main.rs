//! `cargo run`: the netlab tour. See the library docs (`src/lib.rs`).

use std::process::ExitCode;

use std::str::FromStr;
use std::sync::Arc;

use clap::Parser;
use netlab::tour::{self, CHAPTERS};
use netlab::zh::Catalogue;
use netlab_common::lang::Lang;
use netlab_common::{Failure, Narrator};

/// The netlab tour: every chapter of the tutorial 网络编程 (network programming),
/// its programs talking to each other on loopback, narrated.
///
/// Each chapter prints the tutorial's Chinese title and an English one, runs its
/// servers on 127.0.0.1 with a port chosen by the OS, runs clients against them and
/// shows who sent which bytes and what arrived. Nothing leaves this machine.
#[derive(Debug, Parser)]
#[command(name = "netlab", version)]
struct Cli {
    /// List the chapters and their crates, and exit.
    #[arg(long)]
    list: bool,

    /// Run only this chapter, 1 to 8.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=8))]
    chapter: Option<u8>,

    /// Never colour the output (colour is also off when stdout is not a terminal
    /// or NO_COLOR is set).
    #[arg(long)]
    no_color: bool,

    /// The narration's language: en or zh. Without it, LC_ALL, LC_MESSAGES or
    /// LANG starting with zh (e.g. zh_CN.UTF-8) means Chinese, otherwise English.
    /// The bytes on the wire and the programs' output never change.
    #[arg(long, value_name = "LANG", value_parser = Lang::from_str)]
    lang: Option<Lang>,
}

fn run(cli: Cli) -> Result<(), Failure> {
    let mut narrator = if cli.no_color {
        Narrator::new(std::io::stdout(), false)
    } else {
        Narrator::stdout()
    };
    if Lang::or_from_env(cli.lang) == Lang::Zh {
        let catalogue = Catalogue::chinese().map_err(Failure::other)?;
        narrator = narrator.translated(Arc::new(catalogue).into_translate());
    }
    if cli.list {
        tour::list(&narrator);
        return Ok(());
    }
    let chapters: Vec<_> = match cli.chapter {
        Some(number) => tour::chapter(number).into_iter().collect(),
        None => CHAPTERS.iter().collect(),
    };
    let outcome = tour::run(&chapters, &narrator);
    if outcome.failed.is_empty() {
        Ok(())
    } else {
        let chapters: Vec<String> = outcome
            .failed
            .iter()
            .map(|(number, _)| number.to_string())
            .collect();
        Err(Failure::other(format!(
            "the demo of chapter {} failed (see above)",
            chapters.join(", ")
        )))
    }
}

fn main() -> ExitCode {
    netlab_common::failure::exit_with(run(Cli::parse()))
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
