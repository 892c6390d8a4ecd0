//! `cargo run -p exercises -- <verb>`: see the library docs (`src/lib.rs`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use clap::builder::RangedU64ValueParser;
use clap::{Parser, Subcommand};
use exercises::commands::Runner;
use exercises::error::RunnerError;
use exercises::messages::{Lang, Messages};
use exercises::report::Format;
use exercises::testrun::Limits;
use netlab_common::Failure;

/// The highest hint number `hint` accepts. Exercises have two to five hints; the
/// bound only makes `hint NAME 0` or a number too large for memory a usage error
/// that names the range, before any file is read (a number in range that an
/// exercise has no hint for is explained too: "has hints 1 to 4").
const MAX_HINT_NUMBER: u64 = 100;

/// The netlab exercises: small tasks, one chapter of 网络编程 each, checked by tests.
///
/// Students: `next` shows what to do, `watch` re-checks as you edit, `check NAME`
/// tests your work, `hint NAME` helps; `--lang zh` (or a Chinese locale) says
/// it all in Chinese, 中文. Instructors: pick a set in
/// exercises/sets/<set>.toml, grade a checkout with `check --set <set> --format
/// junit --dir <checkout>/exercises`, or a whole class with `grade --set <set>
/// --roster <dir>`. Only a student's src/ is graded, against the course's tests.
#[derive(Debug, Parser)]
#[command(name = "exercises", version)]
struct Cli {
    /// The exercises/ directory whose src/ files are checked (default: this
    /// checkout's; point it at a student's checkout to grade it).
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,

    /// The course: the exercises/ directory whose tests, sets and points are used
    /// (default: the runner's own, as shipped in this repository).
    #[arg(long, global = true, value_name = "DIR")]
    course: Option<PathBuf>,

    /// How long the tests of one exercise may run, e.g. 30s or 2m (1s to 1h;
    /// default 2m). An endless loop in a student's code ends there, as "timed out".
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_time_limit)]
    time_limit: Option<Duration>,

    /// Never colour the output.
    #[arg(long, global = true)]
    no_color: bool,

    /// The language of the tasks, the hints and the runner's messages: en or zh
    /// (README.zh.md, hints.zh.md). Without it, LC_ALL, LC_MESSAGES or LANG
    /// starting with zh (e.g. zh_CN.UTF-8) means Chinese, otherwise English.
    /// The json, junit, classroom and csv formats never change.
    #[arg(long, global = true, value_name = "LANG", value_parser = Lang::from_str)]
    lang: Option<Lang>,

    #[command(subcommand)]
    command: Verb,
}

/// The range `--time-limit` accepts.
const TIME_LIMIT_RANGE: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(3600);

fn parse_time_limit(text: &str) -> Result<Duration, String> {
    let outside = || format!("'{text}' is not a duration from 1s to 1h (e.g. 30s, 2m)");
    let duration = netlab_common::cli::parse_duration(text).map_err(|_| outside())?;
    if !TIME_LIMIT_RANGE.contains(&duration) {
        return Err(outside());
    }
    Ok(duration)
}

#[derive(Debug, Subcommand)]
enum Verb {
    /// List the exercises with their chapter and whether they are done, and how
    /// far you are ("7/24 done").
    List {
        /// Only the exercises of this set (exercises/sets/<SET>.toml).
        #[arg(long)]
        set: Option<String>,
        /// One JSON object per exercise: name, chapter, title, passed (null when not
        /// checked since the last edit), points, path.
        #[arg(long)]
        json: bool,
    },
    /// Build and test exercises (all, the ones named, or a set), showing failing
    /// assertions. Each is tested in a scratch copy: the course's tests, your src/.
    Check {
        /// Exercises to check (default: all).
        names: Vec<String>,
        /// Check the exercises of this set instead (with its points).
        #[arg(long, conflicts_with = "names")]
        set: Option<String>,
        /// How to write the results: text; json (one object per line: name,
        /// chapter, title, passed, compiled, timed_out, passed_tests, failed_tests,
        /// points, max_points, details); junit (XML); classroom (GitHub Classroom's
        /// autograding JSON); csv (a row per exercise).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The same as --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },
    /// Grade a class: every subdirectory of the roster is one student's checkout.
    /// Writes grades.csv (a row per student: points per exercise, total) and a
    /// JUnit file per student.
    Grade {
        /// The set to grade (exercises/sets/<SET>.toml of the course).
        #[arg(long)]
        set: String,
        /// The directory holding one checkout per student.
        #[arg(long, value_name = "DIR")]
        roster: PathBuf,
        /// Where to write grades.csv and STUDENT.junit.xml.
        #[arg(long, value_name = "DIR", default_value = "grades")]
        out: PathBuf,
        /// How many students are graded at once (1 to 16).
        #[arg(long, default_value_t = exercises::grade::DEFAULT_JOBS,
              value_parser = RangedU64ValueParser::<usize>::new().range(1..=16))]
        jobs: usize,
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
    /// Re-check the current exercise (NAME, or the first not done) whenever its
    /// files change: the first failure and the next hint, then on to the next.
    Watch { name: Option<String> },
    /// Show the reference solution of an exercise and its notes, once yours passes.
    Solution { name: String },
    /// Check the exercises themselves: every starter compiles and fails a test,
    /// every reference solution passes, and every buggy submission fails the test
    /// it names.
    VerifySolutions {
        /// Exercises to verify (default: all).
        names: Vec<String>,
    },
    /// Put exercises back to their starter code (from git); a copy of your src/
    /// is kept in target/exercises/backup.
    Reset {
        /// The exercises to reset.
        names: Vec<String>,
        /// Reset every exercise.
        #[arg(long, conflicts_with = "names")]
        all: bool,
    },
}

fn run(cli: Cli, say: Messages) -> Result<bool, RunnerError> {
    let own = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let course = cli.course.unwrap_or_else(|| own.clone());
    let dir = cli.dir.unwrap_or_else(|| course.clone());
    let color = !cli.no_color && netlab_common::color::stdout_supports_color();
    let limits = Limits {
        tests: cli.time_limit.unwrap_or(Limits::default().tests),
        ..Limits::default()
    };
    let runner = Runner::new(&course, &dir, color, limits)?.saying(say);
    match cli.command {
        Verb::List { set, json } => runner.list(set.as_deref(), json).map(|_| true),
        Verb::Check {
            names,
            set,
            format,
            json,
        } => {
            let format = if json { Format::Json } else { format };
            runner.check(&names, set.as_deref(), format)
        }
        Verb::Grade {
            set,
            roster,
            out,
            jobs,
        } => exercises::grade::grade(&runner, &set, &roster, &out, jobs),
        Verb::Hint { name, number } => runner.hint(&name, number),
        Verb::Next => runner.next().map(|_| true),
        Verb::Watch { name } => exercises::watch::watch(&runner, name.as_deref()),
        Verb::Solution { name } => runner.solution(&name),
        Verb::VerifySolutions { names } => runner.verify_solutions(&names),
        Verb::Reset { names, all } => runner.reset(&names, all),
    }
}

/// How an error of the runner is reported: one line in the runner's language,
/// and exit code 2 when the command line asked for what cannot be (a name, a
/// hint number, a directory), as for the usage errors clap finds; 1 otherwise.
fn failure(error: RunnerError, say: Messages) -> Failure {
    let message = say.error(&error);
    match error {
        RunnerError::Catalog(_)
        | RunnerError::NotADirectory { .. }
        | RunnerError::NoSuchHint { .. }
        | RunnerError::NothingToReset
        | RunnerError::Roster { .. }
        | RunnerError::EmptyRoster { .. } => Failure::usage(message),
        RunnerError::Read { .. }
        | RunnerError::NotPassedYet { .. }
        | RunnerError::Backup { .. }
        | RunnerError::Git(_)
        | RunnerError::GitRestore { .. }
        | RunnerError::Write { .. }
        | RunnerError::Watch { .. }
        | RunnerError::WatcherStopped => Failure::other(message),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let say = Messages::chosen(cli.lang);
    match run(cli, say) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => netlab_common::failure::exit_with(Err(failure(error, say))),
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
