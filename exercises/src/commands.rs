//! The runner's verbs: list, check, hint, next, verify-solutions, reset.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use netlab_common::Failure;
use netlab_common::color::Style;
use serde_json::json;

use crate::catalog::{self, CatalogError, Exercise};
use crate::results::{Results, fingerprint};
use crate::testrun::{TestReport, run_tests};

/// The runner, working on one `exercises/` directory (this checkout's, or a
/// student's checkout being graded).
#[derive(Debug)]
pub struct Runner {
    root: PathBuf,
    target_dir: PathBuf,
    exercises: Vec<Exercise>,
    color: bool,
}

/// Whether every exercise a command looked at passed.
pub type AllPassed = bool;

impl From<CatalogError> for Failure {
    fn from(error: CatalogError) -> Failure {
        Failure::usage(error.to_string())
    }
}

impl Runner {
    /// Loads the exercises of `root`; build output goes to `<root>/../target/exercises`.
    pub fn new(root: &Path, color: bool) -> Result<Runner, Failure> {
        if !root.is_dir() {
            return Err(Failure::usage(format!(
                "'{}' is not a directory (expected the exercises/ directory of a netlab checkout)",
                root.display()
            )));
        }
        let root = root.canonicalize()?;
        let target_dir = root
            .parent()
            .unwrap_or(&root)
            .join("target")
            .join("exercises");
        let exercises = catalog::load(&root)?;
        Ok(Runner {
            root,
            target_dir,
            exercises,
            color,
        })
    }

    /// The exercises named, or those of `set`, or all of them.
    fn select(&self, names: &[String], set: Option<&str>) -> Result<Vec<&Exercise>, Failure> {
        if let Some(set) = set {
            return Ok(catalog::select_set(&self.root, &self.exercises, set)?);
        }
        if names.is_empty() {
            return Ok(self.exercises.iter().collect());
        }
        Ok(names
            .iter()
            .map(|name| catalog::find(&self.exercises, name))
            .collect::<Result<_, _>>()?)
    }

    /// `list`: every exercise with its chapter and whether it is done.
    pub fn list(&self, set: Option<&str>, json: bool) -> Result<AllPassed, Failure> {
        let results = Results::load(&self.target_dir);
        let selected = self.select(&[], set)?;
        for exercise in &selected {
            let passed = results.lookup(exercise.name(), fingerprint(&exercise.dir));
            if json {
                println!(
                    "{}",
                    json!({
                        "name": exercise.name(),
                        "chapter": exercise.meta.chapter,
                        "title": exercise.meta.title,
                        "passed": passed,
                        "path": exercise.dir.display().to_string(),
                    })
                );
            } else {
                let status = match passed {
                    Some(true) => Style::GREEN.paint("done       ", self.color),
                    Some(false) => Style::RED.paint("not done   ", self.color),
                    None => Style::DIM.paint("not checked", self.color),
                };
                println!(
                    "{status}  chapter {}  {:<24} {}",
                    exercise.meta.chapter,
                    exercise.name(),
                    exercise.meta.title
                );
            }
        }
        if !json {
            println!();
            println!(
                "`check NAME` builds and tests one exercise (or all without a NAME); `hint NAME` helps."
            );
        }
        Ok(selected
            .iter()
            .all(|e| results.lookup(e.name(), fingerprint(&e.dir)) == Some(true)))
    }

    fn check_one(&self, exercise: &Exercise, results: &mut Results) -> Result<TestReport, Failure> {
        let print_before = fingerprint(&exercise.dir);
        let report = run_tests(&exercise.dir, &self.target_dir)
            .map_err(|e| Failure::io("cannot run cargo test", e))?;
        results.record(exercise.name(), print_before, report.passed());
        Ok(report)
    }

    /// `check`: builds and tests the exercises, printing each result.
    pub fn check(
        &self,
        names: &[String],
        set: Option<&str>,
        json: bool,
    ) -> Result<AllPassed, Failure> {
        let mut results = Results::load(&self.target_dir);
        let mut all_passed = true;
        for exercise in self.select(names, set)? {
            if !json {
                eprintln!("checking {} ...", exercise.name());
            }
            let report = self.check_one(exercise, &mut results)?;
            results.save(&self.target_dir);
            all_passed &= report.passed();
            if json {
                println!(
                    "{}",
                    json!({
                        "name": exercise.name(),
                        "chapter": exercise.meta.chapter,
                        "title": exercise.meta.title,
                        "passed": report.passed(),
                        "compiled": report.compiled,
                        "passed_tests": report.passed_tests,
                        "failed_tests": report.failed_tests,
                        "details": report.details,
                    })
                );
            } else {
                self.print_report(exercise, &report);
            }
        }
        Ok(all_passed)
    }

    fn print_report(&self, exercise: &Exercise, report: &TestReport) {
        let name = exercise.name();
        if report.passed() {
            println!(
                "{} {name}: all {} tests pass",
                Style::GREEN.paint("✓", self.color),
                report.passed_tests.len()
            );
            return;
        }
        let cross = Style::RED.paint("✗", self.color);
        if !report.compiled {
            println!("{cross} {name}: does not compile yet");
        } else if report.passed_tests.is_empty() && report.failed_tests.is_empty() {
            println!("{cross} {name}: no tests ran");
        } else {
            println!(
                "{cross} {name}: {} of {} tests fail: {}",
                report.failed_tests.len(),
                report.failed_tests.len() + report.passed_tests.len(),
                report.failed_tests.join(", ")
            );
        }
        for line in report.details.lines() {
            println!("    {line}");
        }
        println!(
            "    (task: {}; `hint {name}` for a hint)",
            exercise.dir.join("README.md").display()
        );
    }

    /// `hint`: shows hint number `number` (1-based) of an exercise.
    pub fn hint(&self, name: &str, number: usize) -> Result<AllPassed, Failure> {
        let exercise = catalog::find(&self.exercises, name)?;
        let hints = exercise.hints()?;
        let Some(hint) = number.checked_sub(1).and_then(|i| hints.get(i)) else {
            return Err(Failure::usage(format!(
                "hint {number} does not exist: {name} has hints 1 to {}",
                hints.len()
            )));
        };
        println!("Hint {number} of {} for {name}:\n\n{hint}", hints.len());
        if number < hints.len() {
            println!("\n(next: `hint {name} {}`)", number + 1);
        }
        Ok(true)
    }

    /// `next`: the first exercise, in chapter order, that does not pass yet.
    pub fn next(&self) -> Result<AllPassed, Failure> {
        let mut results = Results::load(&self.target_dir);
        for exercise in &self.exercises {
            let passed = match results.lookup(exercise.name(), fingerprint(&exercise.dir)) {
                Some(passed) => passed,
                None => {
                    let passed = self.check_one(exercise, &mut results)?.passed();
                    results.save(&self.target_dir);
                    passed
                }
            };
            if !passed {
                println!(
                    "Next: {} (chapter {}) — {}\n",
                    exercise.name(),
                    exercise.meta.chapter,
                    exercise.meta.title
                );
                println!("{}", exercise.task()?.trim_end());
                println!(
                    "\nEdit {} and run `cargo run -p exercises -- check {}`.",
                    exercise.dir.join("src").display(),
                    exercise.name()
                );
                return Ok(false);
            }
        }
        println!("Every exercise passes. Well done!");
        Ok(true)
    }

    /// `verify-solutions`: every starter compiles and fails at least one test, and
    /// every reference solution passes all of them. Both run on copies, so the
    /// student's own files are never touched.
    pub fn verify_solutions(&self, names: &[String]) -> Result<AllPassed, Failure> {
        let mut all_ok = true;
        let verify_dir = self.target_dir.join("verify");
        for exercise in self.select(names, None)? {
            let name = exercise.name();
            let starter_copy = verify_dir.join(name).join("starter");
            let solution_copy = verify_dir.join(name).join("solution");
            fresh_copy(&exercise.dir, &starter_copy)?;
            fresh_copy(&exercise.dir, &solution_copy)?;
            if !exercise.solution_dir.is_dir() {
                println!(
                    "✗ {name}: no reference solution in {}",
                    exercise.solution_dir.display()
                );
                all_ok = false;
                continue;
            }
            copy_tree(&exercise.solution_dir, &solution_copy)
                .map_err(|e| Failure::io("cannot copy the solution", e))?;
            // Starter and solution are the same package at two paths: separate
            // target directories keep cargo from mixing up their build artifacts.
            let starter = run_tests(&starter_copy, &self.target_dir.join("verify-starter"))
                .map_err(|e| Failure::io("cannot run cargo test", e))?;
            let solution = run_tests(&solution_copy, &self.target_dir.join("verify-solution"))
                .map_err(|e| Failure::io("cannot run cargo test", e))?;
            let starter_ok = starter.compiled && !starter.failed_tests.is_empty();
            let solution_ok = solution.passed();
            if starter_ok && solution_ok {
                println!(
                    "✓ {name}: starter compiles and fails {} of {} tests; solution passes all {}",
                    starter.failed_tests.len(),
                    starter.failed_tests.len() + starter.passed_tests.len(),
                    solution.passed_tests.len()
                );
            } else {
                all_ok = false;
                if !starter.compiled {
                    println!(
                        "✗ {name}: the starter does not compile:\n{}",
                        starter.details
                    );
                } else if !starter_ok {
                    println!(
                        "✗ {name}: the starter already passes every test (the tests prove nothing)"
                    );
                }
                if !solution_ok {
                    println!(
                        "✗ {name}: the reference solution fails: {:?}\n{}",
                        solution.failed_tests, solution.details
                    );
                }
            }
        }
        Ok(all_ok)
    }

    /// `reset`: puts an exercise's files back as they were last committed to git.
    pub fn reset(&self, name: &str) -> Result<AllPassed, Failure> {
        let exercise = catalog::find(&self.exercises, name)?;
        let status = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(["checkout", "HEAD", "--"])
            .arg(&exercise.dir)
            .status()
            .map_err(|e| Failure::io("cannot run git", e))?;
        if !status.success() {
            return Err(Failure::other(format!(
                "git could not restore {} (is this a git checkout?)",
                exercise.dir.display()
            )));
        }
        println!("{name} is back to its starter code.");
        Ok(true)
    }
}

/// Replaces `to` with a copy of `from` (without build output).
fn fresh_copy(from: &Path, to: &Path) -> Result<(), Failure> {
    if to.exists() {
        // Keep nothing from an earlier run but let cargo's target dir (elsewhere)
        // keep its cache.
        fs::remove_dir_all(to)
            .map_err(|e| Failure::io(format!("cannot clear {}", to.display()), e))?;
    }
    copy_tree(from, to).map_err(|e| Failure::io(format!("cannot copy {}", from.display()), e))
}

/// Copies the files of `from` into `to`, overwriting, skipping `target/`.
/// Only directories and regular files are copied: a link to a device such as
/// `/dev/zero` in a checkout would otherwise be copied until the disk is full.
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_name() == "target" {
            continue;
        }
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &destination)?;
        } else if entry.path().is_file() {
            fs::copy(entry.path(), destination)?;
        } else {
            return Err(io::Error::other(format!(
                "{} is not a regular file",
                entry.path().display()
            )));
        }
    }
    Ok(())
}
