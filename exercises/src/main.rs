//! `cargo run -p exercises -- <verb>`: see the library docs (`src/lib.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::RangedU64ValueParser;
use clap::{Parser, Subcommand};
use exercises::commands::Runner;
use netlab_common::Failure;

/// The highest hint number `hint` accepts. Exercises have two to five hints; the
/// bound only makes `hint NAME 0` or a number too large for memory a usage error
/// that names the range, before any file is read (a number in range that an
/// exercise has no hint for is explained too: "has hints 1 to 4").
const MAX_HINT_NUMBER: u64 = 100;

/// The netlab exercises: small tasks, one chapter of 网络编程 each, checked by tests.
///
/// Students: `next` shows what to do, `check NAME` tests your work, `hint NAME`
/// helps. Instructors: pick a set in exercises/sets/<set>.toml and grade a checkout
/// with `check --set <set> --json --dir <checkout>/exercises` (one JSON object per
/// exercise; exit code 0 when all pass, 1 otherwise).
#[derive(Debug, Parser)]
#[command(name = "exercises", version)]
struct Cli {
    /// The exercises/ directory to work on (default: this checkout's; point it at a
    /// student's checkout to grade it).
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,

    /// Never colour the output.
    #[arg(long, global = true)]
    no_color: bool,

    #[command(subcommand)]
    command: Verb,
}

#[derive(Debug, Subcommand)]
enum Verb {
    /// List the exercises with their chapter and whether they are done.
    List {
        /// Only the exercises of this set (exercises/sets/<SET>.toml).
        #[arg(long)]
        set: Option<String>,
        /// One JSON object per exercise: name, chapter, title, passed (null when not
        /// checked since the last edit), path.
        #[arg(long)]
        json: bool,
    },
    /// Build and test exercises (all, the ones named, or a set), showing failing
    /// assertions.
    Check {
        /// Exercises to check (default: all).
        names: Vec<String>,
        /// Check the exercises of this set instead.
        #[arg(long, conflicts_with = "names")]
        set: Option<String>,
        /// One JSON object per exercise: name, chapter, title, passed, compiled,
        /// passed_tests, failed_tests, details.
        #[arg(long)]
        json: bool,
    },
    /// Show a hint for an exercise.
    Hint {
        name: String,
        /// Which hint, 1 to 100 (they get more direct; each exercise has a few).
        #[arg(default_value_t = 1,
              value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_HINT_NUMBER))]
        number: usize,
    },
    /// Show the first exercise that does not pass yet, with its task.
    Next,
    /// Check the exercises themselves: every starter compiles and fails a test, and
    /// every reference solution passes.
    VerifySolutions {
        /// Exercises to verify (default: all).
        names: Vec<String>,
    },
    /// Put an exercise back to its starter code (from git).
    Reset { name: String },
}

fn run(cli: Cli) -> Result<bool, Failure> {
    let dir = cli
        .dir
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let color = !cli.no_color && netlab_common::color::stdout_supports_color();
    let runner = Runner::new(&dir, color)?;
    match cli.command {
        Verb::List { set, json } => runner.list(set.as_deref(), json).map(|_| true),
        Verb::Check { names, set, json } => runner.check(&names, set.as_deref(), json),
        Verb::Hint { name, number } => runner.hint(&name, number),
        Verb::Next => runner.next().map(|_| true),
        Verb::VerifySolutions { names } => runner.verify_solutions(&names),
        Verb::Reset { name } => runner.reset(&name),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(failure) => netlab_common::failure::exit_with(Err(failure)),
    }
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
