//! Running an exercise's tests with cargo and reading what libtest printed.
//!
//! Each exercise is its own small package, so `cargo test --manifest-path` builds
//! and tests it without touching the rest of the workspace. All of them share one
//! target directory, so dependencies are compiled once.

use std::path::Path;
use std::process::Command;

use serde::Serialize;

/// The outcome of `cargo test` on one exercise.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct TestReport {
    /// Whether the exercise compiled (its code and its tests).
    pub compiled: bool,
    /// Names of the tests that passed.
    pub passed_tests: Vec<String>,
    /// Names of the tests that failed.
    pub failed_tests: Vec<String>,
    /// What the failing tests printed (the panic message with the assertion), or the
    /// compiler's errors when it did not compile.
    pub details: String,
}

impl TestReport {
    /// Passed: it compiled, at least one test ran and none failed.
    pub fn passed(&self) -> bool {
        self.compiled && self.failed_tests.is_empty() && !self.passed_tests.is_empty()
    }
}

/// Runs `cargo test` for the package at `package_dir`, building into `target_dir`.
pub fn run_tests(package_dir: &Path, target_dir: &Path) -> std::io::Result<TestReport> {
    mark_sources_changed(package_dir)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .arg("test")
        .arg("--manifest-path")
        .arg(package_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .args([
            "--no-fail-fast",
            "--color",
            "never",
            "--",
            "--color",
            "never",
        ])
        .env("CARGO_TERM_COLOR", "never")
        .env("RUST_BACKTRACE", "0")
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    Ok(parse(&stdout, &stderr))
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
    // Doctests print `test src/lib.rs - f (line 3) ... ok`: keep them, they are tests.
    report.compiled = ran_anything || !stderr.contains("error: could not compile");
    if stderr.contains("error: could not compile") || stderr.contains("error[E") {
        report.compiled = false;
        report.details = compiler_errors(stderr);
    } else {
        report.details = failure_sections(stdout);
    }
    report
}

/// The `---- NAME stdout ----` sections of libtest's output, trimmed.
fn failure_sections(stdout: &str) -> String {
    let mut sections = String::new();
    let mut inside = false;
    for line in stdout.lines() {
        if line.starts_with("---- ") && line.ends_with(" ----") {
            inside = true;
        } else if line == "failures:" || line.starts_with("test result:") {
            inside = false;
        }
        if inside && !line.starts_with("note: run with `RUST_BACKTRACE") {
            sections.push_str(line);
            sections.push('\n');
        }
    }
    sections.trim_end().to_string()
}

/// The compiler's error messages, without cargo's progress lines.
fn compiler_errors(stderr: &str) -> String {
    stderr
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
                || line.starts_with("Downloading "))
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
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
}
