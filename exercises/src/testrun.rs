//! Building an exercise and running its tests, within limits, and reading what
//! libtest printed.
//!
//! The package tested is always a scratch copy (see [`crate::sandbox`]): the
//! course's `Cargo.toml` and `tests/`, the student's `src/`. Two steps:
//!
//! 1. `cargo test --no-run --message-format json-render-diagnostics --test NAME...`
//!    builds only the course's test targets (never the doctests or `#[cfg(test)]`
//!    modules a student may have written in `src/`) and names their executables;
//! 2. each executable is asked for its tests (`--list`), then run; every test the
//!    list names must report `ok`. A test that never reports (the program was
//!    killed at the time limit, or student code ended the process early) has
//!    failed.
//!
//! Both steps go through [`crate::bounded::run`]: a time limit, a killed process
//! group past it, and output kept up to a cap.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::bounded::{self, Bounded};
use crate::sandbox::SandboxError;

/// How long building one exercise may take. The first build of an exercise with
/// dependencies (chrono, hmac) compiles them, about a minute on two slow cores;
/// later builds take seconds.
pub const DEFAULT_BUILD_LIMIT: Duration = Duration::from_secs(600);

/// How long the tests of one exercise may run, all test programs together. The
/// slowest shipped exercise passes in a few seconds; its tests wait at most 5 s
/// for anything. A student's endless loop ends here, as "timed out".
pub const DEFAULT_TEST_LIMIT: Duration = Duration::from_secs(120);

/// How much of each output stream (stdout, stderr) of each program is kept.
/// Failing tests print a few lines each; a `println!` in a loop is cut here.
pub const DEFAULT_MAX_OUTPUT: usize = 256 * 1024;

/// The most kept of one failing test's message (its panic and what it printed).
pub const MAX_MESSAGE: usize = 4 * 1024;

/// The limits of one check.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub build: Duration,
    pub tests: Duration,
    pub max_output: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            build: DEFAULT_BUILD_LIMIT,
            tests: DEFAULT_TEST_LIMIT,
            max_output: DEFAULT_MAX_OUTPUT,
        }
    }
}

/// Something that went wrong besides failing tests. Its `Display` is the
/// English sentence of the details and the machine formats; a person reads it
/// in the runner's language (`Messages::problem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The student's files could not be put in a scratch copy.
    Submission(SandboxError),
    /// cargo could not be started: the system's message.
    Cargo(String),
    /// Building took longer than its limit, in seconds.
    BuildTimedOut { limit_secs: u64 },
    /// The tests had not all finished at their limit, in seconds.
    TestsTimedOut { limit_secs: u64 },
    /// A test program ended with this exit code, no test having failed.
    ExitCode(i32),
    /// A test program was killed by a signal.
    Killed,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Submission(error) => write!(f, "cannot take the submission: {error}"),
            Problem::Cargo(error) => write!(f, "cannot run cargo: {error}"),
            Problem::BuildTimedOut { limit_secs } => write!(
                f,
                "building took longer than {limit_secs} s and was stopped"
            ),
            Problem::TestsTimedOut { limit_secs } => write!(
                f,
                "timed out: the tests did not finish within {limit_secs} s"
            ),
            Problem::ExitCode(code) => write!(
                f,
                "the test program ended with exit code {code} without a failing test"
            ),
            Problem::Killed => write!(
                f,
                "the test program was killed by a signal (a crash, or the stack overflowed)"
            ),
        }
    }
}

/// Why a test the list names never reported a result of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreported {
    /// The time limit (in seconds) ended the test program first.
    TimedOut { limit_secs: u64 },
    /// The test program ended first (student code exited, or it crashed).
    EndedFirst,
}

impl Unreported {
    /// What the test's message says, in English (the machine formats').
    pub fn message(self, test: &str) -> String {
        match self {
            Unreported::TimedOut { limit_secs } => format!(
                "{test} did not finish within the time limit of {limit_secs} s: an endless loop, \
                 or a wait (read, accept, join) without a timeout?"
            ),
            Unreported::EndedFirst => {
                format!("{test} never reported a result: the test program ended first")
            }
        }
    }
}

/// The details of an exercise whose build failed without a word from the
/// compiler.
pub const NO_COMPILER_ERRORS: &str =
    "cargo could not build the tests (no compiler error was printed)";

/// The outcome of building and testing one exercise.
///
/// What it says in words (`details`, `messages`) is in English, for the
/// machine formats; `Messages::details` and `Messages::test_message` say
/// it in the runner's language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestReport {
    /// Whether the exercise compiled (its code and the course's tests).
    pub compiled: bool,
    /// Names of the tests that passed.
    pub passed_tests: Vec<String>,
    /// Names of the tests that failed, or never finished.
    pub failed_tests: Vec<String>,
    /// What the failing tests printed (the panic message with the assertion), or
    /// the compiler's errors when it did not compile, or why nothing ran.
    pub details: String,
    /// Each failed test's own message.
    pub messages: BTreeMap<String, String>,
    /// The failed tests that never reported, and why: their message in
    /// `messages` is the runner's, not the test's.
    pub unreported: BTreeMap<String, Unreported>,
    /// The time limit passed before every test had finished.
    pub timed_out: bool,
    /// Something went wrong besides failing tests (timed out, the test program
    /// crashed, the student's files could not be taken).
    pub problem: Option<Problem>,
}

impl TestReport {
    /// Passed: it compiled, at least one test ran, none failed, and nothing else
    /// went wrong.
    pub fn passed(&self) -> bool {
        self.compiled
            && self.failed_tests.is_empty()
            && !self.passed_tests.is_empty()
            && self.problem.is_none()
    }

    /// A report for an exercise that could not even be built: `why` says so.
    pub fn not_run(why: Problem) -> TestReport {
        TestReport {
            details: why.to_string(),
            problem: Some(why),
            ..TestReport::default()
        }
    }

    /// The first failing test and its message, for a student who wants one
    /// thing to fix.
    pub fn first_failure(&self) -> Option<(&str, &str)> {
        let name = self.failed_tests.first()?;
        let message = self.messages.get(name).map(String::as_str).unwrap_or("");
        Some((name.as_str(), message))
    }
}

/// Builds the package at `package_dir` into `target_dir` and runs its test
/// targets `test_targets` (the file stems of the course's `tests/*.rs`).
pub fn run_tests(
    package_dir: &Path,
    target_dir: &Path,
    test_targets: &[String],
    limits: Limits,
) -> std::io::Result<TestReport> {
    mark_sources_changed(package_dir)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .arg("test")
        .arg("--no-run")
        .arg("--message-format")
        .arg("json-render-diagnostics")
        .arg("--manifest-path")
        .arg(package_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .args(["--color", "never"])
        .env("CARGO_TERM_COLOR", "never");
    for target in test_targets {
        build.arg("--test").arg(target);
    }
    let built = bounded::run(build, limits.build, limits.max_output)?;
    if built.timed_out {
        return Ok(TestReport::not_run(Problem::BuildTimedOut {
            limit_secs: limits.build.as_secs(),
        }));
    }
    let executables = test_executables(&built.stdout);
    if !built.success() || executables.is_empty() {
        let errors = compiler_errors(&built.stderr);
        return Ok(TestReport {
            compiled: false,
            details: if errors.is_empty() {
                NO_COMPILER_ERRORS.to_string()
            } else {
                errors
            },
            ..TestReport::default()
        });
    }
    let deadline = Instant::now() + limits.tests;
    let mut report = TestReport {
        compiled: true,
        ..TestReport::default()
    };
    for executable in executables {
        run_one(&executable, package_dir, deadline, limits, &mut report)?;
        if report.timed_out {
            break;
        }
    }
    report.passed_tests.sort();
    report.failed_tests.sort();
    report.details = details(&report);
    Ok(report)
}

/// Lists and runs one test program, adding what it reported to `report`.
fn run_one(
    executable: &Path,
    package_dir: &Path,
    deadline: Instant,
    limits: Limits,
    report: &mut TestReport,
) -> std::io::Result<()> {
    let left = |deadline: Instant| deadline.saturating_duration_since(Instant::now());
    let listed = bounded::run(
        test_command(executable, package_dir, &["--list"]),
        left(deadline),
        limits.max_output,
    )?;
    let expected = listed_tests(&listed.stdout);
    let ran = bounded::run(
        test_command(executable, package_dir, &["--color", "never"]),
        left(deadline),
        limits.max_output,
    )?;
    let parsed = parse(&ran.stdout, &ran.stderr);
    for name in &expected {
        if parsed.passed_tests.contains(name) {
            report.passed_tests.push(name.clone());
            continue;
        }
        report.failed_tests.push(name.clone());
        let message = match parsed.messages.get(name) {
            Some(message) => message.clone(),
            None => {
                let why = if ran.timed_out {
                    Unreported::TimedOut {
                        limit_secs: limits.tests.as_secs(),
                    }
                } else {
                    Unreported::EndedFirst
                };
                report.unreported.insert(name.clone(), why);
                why.message(name)
            }
        };
        report.messages.insert(name.clone(), message);
    }
    if ran.timed_out {
        report.timed_out = true;
        report.problem = Some(Problem::TestsTimedOut {
            limit_secs: limits.tests.as_secs(),
        });
    } else if !ran.success() && parsed.failed_tests.is_empty() {
        report.problem = Some(abnormal_end(&ran));
    }
    Ok(())
}

fn abnormal_end(ran: &Bounded) -> Problem {
    match ran.status.and_then(|status| status.code()) {
        Some(code) => Problem::ExitCode(code),
        None => Problem::Killed,
    }
}

fn test_command(executable: &Path, package_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(executable);
    command
        .args(args)
        // cargo test runs test programs in the package's directory, with these.
        .current_dir(package_dir)
        .env("CARGO_MANIFEST_DIR", package_dir)
        .env("RUST_BACKTRACE", "0");
    command
}

/// The executables of the test targets, from cargo's JSON messages.
fn test_executables(cargo_stdout: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for line in cargo_stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let is_test = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|kind| kind == "test"));
        if let (true, Some(executable)) = (is_test, message["executable"].as_str()) {
            found.push(PathBuf::from(executable));
        }
    }
    found.sort();
    found
}

/// The test names of `--list`: one `NAME: test` line each.
fn listed_tests(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// Sets the modification time of every source file to now.
///
/// Cargo decides what to rebuild by comparing file times with its last build. A
/// file put back with an old time (`cp -p`, an archive, a backup tool) would look
/// unchanged and cargo would test the *previous* code. Grading must never do that,
/// so every check rebuilds the exercise itself (a second or so; its dependencies
/// stay cached).
fn mark_sources_changed(dir: &Path) -> std::io::Result<()> {
    let now = std::time::SystemTime::now();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name() == "target" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            mark_sources_changed(&path)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "rs" || ext == "toml")
        {
            std::fs::File::options()
                .append(true)
                .open(&path)?
                .set_modified(now)?;
        }
    }
    Ok(())
}

/// Reads libtest's text output.
///
/// libtest prints one `test NAME ... ok|FAILED|ignored` line per test, then for each
/// failure a `---- NAME stdout ----` section holding the panic message. When the code
/// does not compile there are no such lines and cargo's stderr holds the errors.
pub fn parse(stdout: &str, stderr: &str) -> TestReport {
    let mut report = TestReport::default();
    let mut ran_anything = false;
    for line in stdout.lines() {
        if line.starts_with("running ") && line.ends_with(" tests") || line.ends_with(" test") {
            ran_anything = true;
        }
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        if let Some(name) = rest.strip_suffix(" ... ok") {
            report.passed_tests.push(name.to_string());
        } else if let Some(name) = rest.strip_suffix(" ... FAILED") {
            report.failed_tests.push(name.to_string());
        }
    }
    // libtest runs tests in parallel and prints them as they finish: sort, so that
    // a grade reads the same every time.
    report.passed_tests.sort();
    report.failed_tests.sort();
    report.compiled = ran_anything || !stderr.contains("error: could not compile");
    if stderr.contains("error: could not compile") || stderr.contains("error[E") {
        report.compiled = false;
        report.details = compiler_errors(stderr);
    } else {
        report.messages = failure_sections(stdout);
        report.details = details(&report);
    }
    report
}

/// Every failed test's message, one after the other, then the problem, in
/// English: what the machine formats carry.
pub fn details(report: &TestReport) -> String {
    details_with(
        report,
        |name| report.messages.get(name).cloned(),
        Problem::to_string,
    )
}

/// [`details`] in any language: `message` says a failed test's message (or
/// nothing), `problem` the problem (the runner's messages give the Chinese).
pub fn details_with(
    report: &TestReport,
    message: impl Fn(&str) -> Option<String>,
    problem: impl Fn(&Problem) -> String,
) -> String {
    let mut text = String::new();
    for name in &report.failed_tests {
        if let Some(message) = message(name) {
            text.push_str(&format!("---- {name} ----\n{}\n", message.trim_end()));
        }
    }
    if let Some(found) = &report.problem {
        text.push_str(&problem(found));
    }
    text.trim_end().to_string()
}

/// The `---- NAME stdout ----` sections of libtest's output, by test name, each
/// trimmed and capped at [`MAX_MESSAGE`].
fn failure_sections(stdout: &str) -> BTreeMap<String, String> {
    let mut sections = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in stdout.lines() {
        let header = line
            .strip_prefix("---- ")
            .and_then(|rest| rest.strip_suffix(" stdout ----"));
        let ends_section =
            header.is_some() || line == "failures:" || line.starts_with("test result:");
        if ends_section && let Some((name, text)) = current.take() {
            sections.insert(name, cap(text.trim()));
        }
        if let Some(name) = header {
            current = Some((name.to_string(), String::new()));
        } else if let Some((_, text)) = current.as_mut()
            && !line.starts_with("note: run with `RUST_BACKTRACE")
        {
            text.push_str(line);
            text.push('\n');
        }
    }
    if let Some((name, text)) = current {
        sections.insert(name, cap(text.trim()));
    }
    sections
}

/// At most [`MAX_MESSAGE`] bytes of `text`, cut on a character boundary.
fn cap(text: &str) -> String {
    if text.len() <= MAX_MESSAGE {
        return text.to_string();
    }
    let mut end = MAX_MESSAGE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n{}", &text[..end], cut_note())
}

/// The line that ends a text cut at [`MAX_MESSAGE`] bytes.
pub fn cut_note() -> String {
    format!("[... cut at {MAX_MESSAGE} bytes]")
}

/// The compiler's error messages, without cargo's progress lines.
fn compiler_errors(stderr: &str) -> String {
    let text = stderr
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            !(line.starts_with("Compiling ")
                || line.starts_with("Finished ")
                || line.starts_with("Running ")
                || line.starts_with("Blocking ")
                || line.starts_with("Updating ")
                || line.starts_with("Locking ")
                || line.starts_with("Downloaded ")
                || line.starts_with("Downloading ")
                || line.starts_with("Executable "))
        })
        .collect::<Vec<_>>()
        .join("\n");
    cap(text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILING: &str = "\
running 2 tests
test tests::ok_one ... ok
test tests::tutorial_example ... FAILED

failures:

---- tests::tutorial_example stdout ----

thread 'tests::tutorial_example' panicked at tests/check.rs:5:5:
assertion `left == right` failed
  left: \"\"
 right: \"01100100.00000100.00000101.00000110\"
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    tests::tutorial_example

test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out
";

    #[test]
    fn failing_run_names_the_failed_test_and_keeps_the_assertion() {
        let report = parse(FAILING, "error: test failed, to rerun pass `--test check`");
        assert!(report.compiled);
        assert!(!report.passed());
        assert_eq!(report.passed_tests, vec!["tests::ok_one"]);
        assert_eq!(report.failed_tests, vec!["tests::tutorial_example"]);
        assert!(
            report
                .details
                .contains("right: \"01100100.00000100.00000101.00000110\"")
        );
        assert!(!report.details.contains("RUST_BACKTRACE"));
        let (name, message) = report.first_failure().unwrap();
        assert_eq!(name, "tests::tutorial_example");
        assert!(message.starts_with("thread 'tests::tutorial_example' panicked"));
    }

    #[test]
    fn passing_run_passes() {
        let report = parse("running 1 test\ntest a ... ok\n\ntest result: ok.", "");
        assert!(report.passed());
    }

    #[test]
    fn compile_error_is_not_a_pass() {
        let stderr = "   Compiling ex v0.1.0\nerror[E0308]: mismatched types\n --> src/lib.rs:3:5\nerror: could not compile `ex`";
        let report = parse("", stderr);
        assert!(!report.compiled);
        assert!(!report.passed());
        assert!(report.details.contains("mismatched types"));
        assert!(!report.details.contains("Compiling"));
    }

    #[test]
    fn no_tests_is_not_a_pass() {
        assert!(!parse("running 0 tests\n\ntest result: ok.", "").passed());
    }

    #[test]
    fn a_problem_is_not_a_pass_even_when_every_test_passed() {
        let mut report = parse("running 1 test\ntest a ... ok\n", "");
        report.problem = Some(Problem::Killed);
        assert!(!report.passed());
    }

    #[test]
    fn test_names_come_from_the_list() {
        let listed = "one: test\ntests::two: test\n\n2 tests, 0 benchmarks\n";
        assert_eq!(listed_tests(listed), ["one", "tests::two"]);
    }

    #[test]
    fn executables_come_from_cargos_messages() {
        let stdout = concat!(
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"ex"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["test"],"name":"check"},"executable":"/t/deps/check-1"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(test_executables(stdout), [PathBuf::from("/t/deps/check-1")]);
    }

    #[test]
    fn a_long_message_is_cut_on_a_character_boundary() {
        let long = "你".repeat(MAX_MESSAGE);
        let cut = cap(&long);
        assert!(cut.len() < MAX_MESSAGE + 40);
        assert!(cut.ends_with("cut at 4096 bytes]"));
    }
}
