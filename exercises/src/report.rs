//! The formats a grade is written in: text for a person, JSON lines for
//! scripts, JUnit XML for GitLab, Jenkins and most LMS importers, the JSON that
//! GitHub Classroom's autograding reporter reads, and CSV for a spreadsheet.
//!
//! Each format is a pure function of the graded exercises, so each is tested on
//! its own (and parsed back) without running cargo.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

use crate::catalog::Exercise;
use crate::testrun::{Problem, TestReport};

/// One exercise, graded.
#[derive(Debug, Clone)]
pub struct Graded {
    pub name: String,
    pub chapter: u8,
    pub title: String,
    /// What the exercise is worth (its set's points, or 1).
    pub max_points: u32,
    pub report: TestReport,
    /// How long building and testing took.
    pub duration: Duration,
}

impl Graded {
    pub fn new(
        exercise: &Exercise,
        max_points: u32,
        report: TestReport,
        duration: Duration,
    ) -> Graded {
        Graded {
            name: exercise.name().to_string(),
            chapter: exercise.meta.chapter,
            title: exercise.meta.title.clone(),
            max_points,
            report,
            duration,
        }
    }

    /// All or nothing: an exercise's points are earned when every test passes.
    pub fn points(&self) -> u32 {
        if self.report.passed() {
            self.max_points
        } else {
            0
        }
    }

    /// One line that says why the exercise did not pass, or that it did, in
    /// English: the machine formats say it the same in every language (the
    /// text report says it in the runner's, `Messages::summary`).
    pub fn summary(&self) -> String {
        self.summary_in(&English)
    }

    /// [`Graded::summary`] in the words of `say`.
    pub fn summary_in(&self, say: &impl SummaryWords) -> String {
        let report = &self.report;
        let failed = report.failed_tests.len();
        let total = failed + report.passed_tests.len();
        let problem = || {
            report
                .problem
                .as_ref()
                .map(|p| say.problem(p))
                .unwrap_or_default()
        };
        if report.passed() {
            say.all_pass(report.passed_tests.len())
        } else if !report.compiled && report.problem.is_some() {
            problem()
        } else if !report.compiled {
            say.does_not_compile()
        } else if report.timed_out {
            say.timed_out(failed, total)
        } else if total == 0 {
            say.no_tests()
        } else if failed == 0 {
            problem()
        } else {
            say.failing(failed, total, &report.failed_tests.join(", "))
        }
    }
}

/// The words a summary is made of, in one language: [`English`] here, Chinese
/// in the runner's messages.
pub trait SummaryWords {
    fn all_pass(&self, passed: usize) -> String;
    fn does_not_compile(&self) -> String;
    fn timed_out(&self, failed: usize, total: usize) -> String;
    fn no_tests(&self) -> String;
    fn failing(&self, failed: usize, total: usize, names: &str) -> String;
    fn problem(&self, problem: &Problem) -> String;
}

/// A summary's words in English.
#[derive(Debug, Clone, Copy)]
pub struct English;

impl SummaryWords for English {
    fn all_pass(&self, passed: usize) -> String {
        format!("all {passed} tests pass")
    }
    fn does_not_compile(&self) -> String {
        "does not compile yet".to_string()
    }
    fn timed_out(&self, failed: usize, total: usize) -> String {
        format!("timed out: {failed} of {total} tests did not pass in time")
    }
    fn no_tests(&self) -> String {
        "no tests ran".to_string()
    }
    fn failing(&self, failed: usize, total: usize, names: &str) -> String {
        format!("{failed} of {total} tests fail: {names}")
    }
    fn problem(&self, problem: &Problem) -> String {
        problem.to_string()
    }
}

/// The formats `check --format` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a person: one line per exercise, the failing assertions under it.
    Text,
    /// One JSON object per line, per exercise.
    Json,
    /// JUnit XML: a <testsuite> per exercise, a <testcase> per test.
    Junit,
    /// The JSON that GitHub Classroom's autograding reporter reads.
    Classroom,
    /// CSV: one row per exercise with its points.
    Csv,
}

/// One JSON object for `--format json`: the keys of earlier versions, plus points.
pub fn json_line(graded: &Graded) -> Value {
    let report = &graded.report;
    json!({
        "name": graded.name,
        "chapter": graded.chapter,
        "title": graded.title,
        "passed": report.passed(),
        "compiled": report.compiled,
        "timed_out": report.timed_out,
        "passed_tests": report.passed_tests,
        "failed_tests": report.failed_tests,
        "points": graded.points(),
        "max_points": graded.max_points,
        "details": report.details,
    })
}

/// JUnit XML for all exercises: `<testsuites>`, a `<testsuite>` per exercise
/// (its points in `<properties>`), a `<testcase>` per test. An exercise that did
/// not compile or could not run has one `<testcase name="build">` with an
/// `<error>`: there were no tests to name.
pub fn junit(suite_name: &str, graded: &[Graded]) -> String {
    let tests: usize = graded.iter().map(testcase_count).sum();
    let failures: usize = graded.iter().map(|g| g.report.failed_tests.len()).sum();
    let errors = graded
        .iter()
        .filter(|g| testcase_count(g) == 1 && build_error(g))
        .count();
    let time: f64 = graded.iter().map(|g| g.duration.as_secs_f64()).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">",
        xml_escape(suite_name)
    );
    for g in graded {
        let report = &g.report;
        let error = build_error(g);
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{:.3}\">",
            xml_escape(&g.name),
            testcase_count(g),
            report.failed_tests.len(),
            usize::from(error),
            g.duration.as_secs_f64()
        );
        xml.push_str("    <properties>\n");
        for (name, value) in [
            ("chapter", g.chapter.to_string()),
            ("title", g.title.clone()),
            ("points", g.points().to_string()),
            ("max_points", g.max_points.to_string()),
        ] {
            let _ = writeln!(
                xml,
                "      <property name=\"{name}\" value=\"{}\"/>",
                xml_escape(&value)
            );
        }
        xml.push_str("    </properties>\n");
        let classname = xml_escape(&g.name);
        if error {
            let message = g.summary();
            let _ = writeln!(
                xml,
                "    <testcase classname=\"{classname}\" name=\"build\">\n      <error message=\"{}\" type=\"build\">{}</error>\n    </testcase>",
                xml_escape(&message),
                xml_escape(&report.details)
            );
        }
        for name in &report.passed_tests {
            let _ = writeln!(
                xml,
                "    <testcase classname=\"{classname}\" name=\"{}\"/>",
                xml_escape(name)
            );
        }
        for name in &report.failed_tests {
            let message = report.messages.get(name).map(String::as_str).unwrap_or("");
            let kind = if report.timed_out && !message.contains("panicked") {
                "timeout"
            } else {
                "assertion"
            };
            let _ = writeln!(
                xml,
                "    <testcase classname=\"{classname}\" name=\"{}\">\n      <failure message=\"{}\" type=\"{kind}\">{}</failure>\n    </testcase>",
                xml_escape(name),
                xml_escape(&first_meaningful_line(message)),
                xml_escape(message)
            );
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Whether an exercise has no tests to report, only a build (or run) error.
fn build_error(g: &Graded) -> bool {
    let report = &g.report;
    report.passed_tests.is_empty() && report.failed_tests.is_empty()
}

fn testcase_count(g: &Graded) -> usize {
    let report = &g.report;
    (report.passed_tests.len() + report.failed_tests.len()).max(1)
}

/// The panic's own line (`assertion failed: ...`, `expected 6 bytes ...`) rather
/// than libtest's `thread 'x' panicked at tests/check.rs:5:5:`.
fn first_meaningful_line(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    match lines.next() {
        Some(first) if first.starts_with("thread '") => lines.next().unwrap_or(first).to_string(),
        Some(first) => first.to_string(),
        None => String::new(),
    }
}

/// Text for an XML attribute or element: the five special characters escaped,
/// and the control characters XML 1.0 cannot hold (a test's output may have any
/// byte) shown as `\u{1b}`.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// How GitHub Classroom's reporter calls a result.
fn classroom_status(g: &Graded) -> &'static str {
    if g.report.passed() {
        "pass"
    } else if g.report.compiled && !g.report.timed_out {
        "fail"
    } else {
        "error"
    }
}

/// The result JSON of a GitHub Classroom autograding step.
///
/// Checked against `classroom-resources/autograding-grading-reporter` (its
/// `src/main.js`, `src/notify-classroom.js`, `src/console-results.js`) and the
/// `autograding-command-grader` that writes the same shape (`generateResult`):
/// a step's output `result` is this JSON, base64-encoded; the reporter reads it
/// from the variable `<STEP-ID>_RESULTS`. It expects `version`, `status`
/// (`pass`, `fail` or `error`; `fail` or `error` fails the job), `max_score`, and
/// `tests`, each with `name`, `status`, `score`, `message`, `test_code`,
/// `filename`, `line_no` and `duration`. The points GitHub Classroom records
/// ("Points X/Y") are the sum of the tests' `score` over the sum of the steps'
/// `max_score`; the reporter's console table instead shows the share of tests
/// passed times `max_score`, so the two agree when every exercise is worth the
/// same. Each test also carries its own `max_score`, which the reporter ignores
/// and a person reading the JSON wants.
pub fn classroom(graded: &[Graded]) -> Value {
    let max_score: u32 = graded.iter().map(|g| g.max_points).sum();
    let status = if graded.iter().all(|g| g.report.passed()) {
        "pass"
    } else if graded.iter().any(|g| classroom_status(g) == "fail") {
        "fail"
    } else {
        "error"
    };
    let tests: Vec<Value> = graded
        .iter()
        .map(|g| {
            let message = if g.report.passed() {
                g.summary()
            } else {
                match g.report.first_failure() {
                    Some((name, text)) => format!("{}\n\n{name}:\n{text}", g.summary()),
                    None => format!("{}\n\n{}", g.summary(), g.report.details),
                }
            };
            json!({
                "name": g.name,
                "status": classroom_status(g),
                "score": g.points(),
                "max_score": g.max_points,
                "message": message.trim_end(),
                "test_code": format!("cargo run -p exercises -- check {}", g.name),
                "filename": format!("exercises/{}/src/lib.rs", g.name),
                "line_no": 0,
                "duration": g.duration.as_millis() as u64,
            })
        })
        .collect();
    json!({
        "version": 1,
        "status": status,
        "max_score": max_score,
        "tests": tests,
    })
}

/// The CSV header of `check --format csv`.
pub const CSV_HEADER: &str = "exercise,chapter,title,points,max_points,passed,compiled,timed_out,tests_passed,tests_failed,failed_tests";

/// CSV, one row per exercise, with its points.
pub fn csv(graded: &[Graded]) -> String {
    let mut text = format!("{CSV_HEADER}\n");
    for g in graded {
        let report = &g.report;
        let row = [
            g.name.clone(),
            g.chapter.to_string(),
            g.title.clone(),
            g.points().to_string(),
            g.max_points.to_string(),
            report.passed().to_string(),
            report.compiled.to_string(),
            report.timed_out.to_string(),
            report.passed_tests.len().to_string(),
            report.failed_tests.len().to_string(),
            report.failed_tests.join(" "),
        ];
        text.push_str(&csv_row(&row));
    }
    text
}

/// One CSV line (RFC 4180): a field with a comma, a quote or a line break is
/// quoted, its quotes doubled. A field that a spreadsheet would take for a
/// formula (`=`, `+`, `-`, `@` first) gets a `'` in front: a student's
/// directory named `=HYPERLINK(...)` stays text.
pub fn csv_row(fields: &[String]) -> String {
    let cells: Vec<String> = fields
        .iter()
        .map(|field| {
            let field = if field.starts_with(['=', '+', '-', '@']) {
                format!("'{field}")
            } else {
                field.clone()
            };
            if field.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", field.replace('"', "\"\""))
            } else {
                field
            }
        })
        .collect();
    format!("{}\n", cells.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn graded(name: &str, passed: &[&str], failed: &[(&str, &str)], points: u32) -> Graded {
        let messages: BTreeMap<String, String> = failed
            .iter()
            .map(|(n, m)| (n.to_string(), m.to_string()))
            .collect();
        Graded {
            name: name.to_string(),
            chapter: 4,
            title: format!("Title of {name}, with a comma"),
            max_points: points,
            report: TestReport {
                compiled: true,
                passed_tests: passed.iter().map(|s| s.to_string()).collect(),
                failed_tests: failed.iter().map(|(n, _)| n.to_string()).collect(),
                details: String::new(),
                messages,
                unreported: BTreeMap::new(),
                timed_out: false,
                problem: None,
            },
            duration: Duration::from_millis(1500),
        }
    }

    #[test]
    fn points_are_all_or_nothing() {
        assert_eq!(graded("a", &["x"], &[], 3).points(), 3);
        assert_eq!(graded("a", &["x"], &[("y", "")], 3).points(), 0);
    }

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(xml_escape("\x1b[31m"), "\\u{1b}[31m");
        assert_eq!(xml_escape("line\nnext"), "line\nnext");
    }

    #[test]
    fn the_first_meaningful_line_skips_libtests_thread_line() {
        let message = "thread 'x' panicked at tests/check.rs:5:5:\nexpected 6 bytes b'hello!', got 4 bytes b'hell'";
        assert_eq!(
            first_meaningful_line(message),
            "expected 6 bytes b'hello!', got 4 bytes b'hell'"
        );
    }

    #[test]
    fn classroom_sums_scores_and_says_fail() {
        let all = [
            graded("a", &["t"], &[], 2),
            graded("b", &["t"], &[("u", "thread 'u' panicked\nboom")], 3),
        ];
        let value = classroom(&all);
        assert_eq!(value["version"], 1);
        assert_eq!(value["status"], "fail");
        assert_eq!(value["max_score"], 5);
        assert_eq!(value["tests"][0]["score"], 2);
        assert_eq!(value["tests"][1]["score"], 0);
        assert_eq!(value["tests"][1]["status"], "fail");
        assert!(
            value["tests"][1]["message"]
                .as_str()
                .unwrap()
                .contains("boom")
        );
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(
            csv_row(&[
                "a,b".into(),
                "say \"hi\"".into(),
                "=1+1".into(),
                "ok".into()
            ]),
            "\"a,b\",\"say \"\"hi\"\"\",'=1+1,ok\n"
        );
    }
}
