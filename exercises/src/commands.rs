//! The runner's verbs: list, check, hint, next, solution, verify-solutions, reset.
//! (`grade` is in [`crate::grade`], `watch` in [`crate::watch`].)
//!
//! Two directories are involved, and kept apart on purpose:
//!
//! - the **course** (`--course`, default: the runner's own `exercises/`): the
//!   exercises, their tests, the sets and their points. What is graded against.
//! - the **work** (`--dir`, default: the same): where a student's `src/` is read
//!   from. For a student working in their own checkout the two are one
//!   directory; an instructor grading `--dir student/exercises` grades the
//!   student's `src/` against the course's tests, never the student's.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use netlab_common::color::Style;

use crate::catalog::{self, Assigned, DEFAULT_POINTS, Exercise};
use crate::error::{Expected, RunnerError};
use crate::messages::{Lang, Messages};
use crate::report::{self, Format, Graded};
use crate::results::{Results, fingerprint};
use crate::sandbox::{self, Submission};
use crate::testrun::{Limits, Problem, TestReport, run_tests};

/// Where an exercise's scratch copies live: one kind per purpose, so that a
/// `check` and a `verify-solutions` running at once never share a directory.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    Check,
    Verify,
    /// Grading, by the worker of this number.
    Grade(usize),
}

/// The runner, working on one course and one student's `exercises/` directory.
#[derive(Debug)]
pub struct Runner {
    /// The course's `exercises/`: tests, sets, points.
    course: PathBuf,
    /// The student's `exercises/`: their `src/`.
    work: PathBuf,
    /// Build output and scratch copies: `<course>/../target/exercises`.
    target_dir: PathBuf,
    /// The student's progress: `<work>/../target/exercises`.
    results_dir: PathBuf,
    exercises: Vec<Exercise>,
    color: bool,
    limits: Limits,
    /// The language the runner speaks, and shows tasks and hints in.
    say: Messages,
}

/// Whether every exercise a command looked at passed.
pub type AllPassed = bool;

fn existing_dir(dir: &Path, expected: Expected) -> Result<PathBuf, RunnerError> {
    if !dir.is_dir() {
        return Err(RunnerError::NotADirectory {
            dir: dir.to_path_buf(),
            expected,
        });
    }
    dir.canonicalize().map_err(|error| RunnerError::Read {
        path: dir.to_path_buf(),
        error,
    })
}

/// `<dir>/../target/exercises`.
fn target_beside(dir: &Path) -> PathBuf {
    dir.parent().unwrap_or(dir).join("target").join("exercises")
}

/// A short stable name for a directory, to keep scratch copies of different
/// checkouts apart.
fn key_of(path: &Path) -> String {
    let mut hasher = DefaultHasher::new();
    path.hash(&mut hasher);
    format!("{:08x}", hasher.finish() as u32)
}

impl Runner {
    /// Loads the exercises of `course`; the student's files are read from `work`.
    /// The runner speaks English until told otherwise ([`Runner::speaking`]).
    pub fn new(
        course: &Path,
        work: &Path,
        color: bool,
        limits: Limits,
    ) -> Result<Runner, RunnerError> {
        let course = existing_dir(course, Expected::Course)?;
        let work = existing_dir(work, Expected::Work)?;
        let exercises = catalog::load(&course)?;
        Ok(Runner {
            target_dir: target_beside(&course),
            results_dir: target_beside(&work),
            course,
            work,
            exercises,
            color,
            limits,
            say: Messages::default(),
        })
    }

    /// The same runner speaking `lang`: its messages, and the exercises' tasks
    /// and hints (`README.zh.md`, `hints.zh.md` in Chinese).
    pub fn speaking(self, lang: Lang) -> Runner {
        self.saying(Messages::new(lang))
    }

    /// The same runner saying what `say` says (see [`Messages::chosen`]), in
    /// its language.
    pub fn saying(self, say: Messages) -> Runner {
        Runner { say, ..self }
    }

    /// A runner on the same course for another student's `exercises/`.
    pub fn for_work(&self, work: &Path) -> Runner {
        Runner {
            course: self.course.clone(),
            work: work.to_path_buf(),
            target_dir: self.target_dir.clone(),
            results_dir: target_beside(work),
            exercises: self.exercises.clone(),
            color: self.color,
            limits: self.limits,
            say: self.say,
        }
    }

    pub fn exercises(&self) -> &[Exercise] {
        &self.exercises
    }

    pub fn color(&self) -> bool {
        self.color
    }

    /// What the runner says, in its language.
    pub fn say(&self) -> Messages {
        self.say
    }

    /// The student's copy of the exercise's task, in the runner's language.
    pub fn task_path(&self, exercise: &Exercise) -> PathBuf {
        self.student_dir(exercise)
            .join(exercise.task_file(self.say.lang()))
    }

    /// The student's copy of an exercise.
    pub fn student_dir(&self, exercise: &Exercise) -> PathBuf {
        self.work.join(exercise.name())
    }

    /// The exercises named, or those of `set`, or all of them, with their points.
    pub fn select(
        &self,
        names: &[String],
        set: Option<&str>,
    ) -> Result<Vec<Assigned<'_>>, RunnerError> {
        if let Some(set) = set {
            return Ok(catalog::select_set(&self.course, &self.exercises, set)?);
        }
        let chosen: Vec<&Exercise> = if names.is_empty() {
            self.exercises.iter().collect()
        } else {
            names
                .iter()
                .map(|name| catalog::find(&self.exercises, name))
                .collect::<Result<_, _>>()?
        };
        Ok(chosen
            .into_iter()
            .map(|exercise| Assigned {
                exercise,
                points: DEFAULT_POINTS,
            })
            .collect())
    }

    /// The fingerprint a result is saved under: the student's sources and the
    /// course's tests (new tests make an old "done" stale).
    pub fn fingerprint(&self, exercise: &Exercise) -> u64 {
        let mut hasher = DefaultHasher::new();
        fingerprint(&self.student_dir(exercise).join("src")).hash(&mut hasher);
        fingerprint(&exercise.dir.join("tests")).hash(&mut hasher);
        hasher.finish()
    }

    pub fn load_results(&self) -> Results {
        Results::load(&self.results_dir)
    }

    pub fn save_results(&self, results: &Results) {
        results.save(&self.results_dir);
    }

    /// `Some(passed)` when the exercise was checked with its current sources.
    pub fn saved_result(&self, results: &Results, exercise: &Exercise) -> Option<bool> {
        results.lookup(exercise.name(), self.fingerprint(exercise))
    }

    /// Builds and tests `submission` of `exercise` in a scratch copy, within the
    /// limits. Never fails: what goes wrong is in the report.
    pub fn test(
        &self,
        exercise: &Exercise,
        submission: Submission<'_>,
        purpose: Purpose,
    ) -> TestReport {
        // One key per checkout checked, per course verified, per grading worker:
        // a stable key keeps the build artifacts bounded, a distinct one keeps
        // two runs at once apart (see `sandbox::prepare`).
        let key = match purpose {
            Purpose::Check => format!("c{}", key_of(&self.work)),
            Purpose::Verify => format!("v{}", key_of(&self.course)),
            Purpose::Grade(worker) => format!("g{}w{worker}", key_of(&self.course)),
        };
        let scratch = self
            .target_dir
            .join("scratch")
            .join(&key)
            .join(exercise.name());
        if let Err(error) = sandbox::prepare(&exercise.dir, submission, &scratch, &key) {
            return TestReport::not_run(Problem::Submission(error));
        }
        let targets = sandbox::test_targets(&exercise.dir);
        let report = run_tests(
            &scratch,
            &self.target_dir.join("build"),
            &targets,
            self.limits,
        )
        .unwrap_or_else(|e| TestReport::not_run(Problem::Cargo(e.to_string())));
        let _ = fs::remove_dir_all(&scratch);
        // The compiler names the package as renamed for the scratch copy: show the
        // name the student knows.
        let mut report = report;
        report.details = report.details.replace(&format!("-{key}`"), "`");
        report
    }

    /// Checks the student's copy of `exercise` and remembers the result.
    pub fn check_one(&self, exercise: &Exercise, results: &mut Results) -> Graded {
        let before = self.fingerprint(exercise);
        let started = Instant::now();
        let student_dir = self.student_dir(exercise);
        let report = self.test(exercise, Submission::Student(&student_dir), Purpose::Check);
        results.record(exercise.name(), before, report.passed());
        Graded::new(exercise, DEFAULT_POINTS, report, started.elapsed())
    }

    /// Checks the student's copy of an assigned exercise for a grade, without
    /// touching their progress file.
    pub fn grade_one(&self, assigned: Assigned<'_>, worker: usize) -> Graded {
        let started = Instant::now();
        let student_dir = self.student_dir(assigned.exercise);
        let report = self.test(
            assigned.exercise,
            Submission::Student(&student_dir),
            Purpose::Grade(worker),
        );
        Graded::new(
            assigned.exercise,
            assigned.points,
            report,
            started.elapsed(),
        )
    }

    /// `list`: every exercise with its chapter and whether it is done.
    pub fn list(&self, set: Option<&str>, json: bool) -> Result<AllPassed, RunnerError> {
        let results = self.load_results();
        let selected = self.select(&[], set)?;
        let mut done = 0;
        for assigned in &selected {
            let exercise = assigned.exercise;
            let passed = self.saved_result(&results, exercise);
            done += usize::from(passed == Some(true));
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "name": exercise.name(),
                        "chapter": exercise.meta.chapter,
                        "title": exercise.meta.title,
                        "passed": passed,
                        "points": assigned.points,
                        "path": self.student_dir(exercise).display().to_string(),
                    })
                );
            } else {
                let style = match passed {
                    Some(true) => Style::GREEN,
                    Some(false) => Style::RED,
                    None => Style::DIM,
                };
                let lang = self.say.lang();
                println!(
                    "{}  {}  {:<24} {}",
                    style.paint(&self.say.status(passed), self.color),
                    self.say.chapter(exercise.meta.chapter),
                    exercise.name(),
                    exercise.title(lang)
                );
            }
        }
        if !json {
            println!();
            println!(
                "{}",
                progress_line(self.say, done, selected.len(), self.color)
            );
            println!("{}", self.say.list_help());
        }
        Ok(done == selected.len())
    }

    /// `check`: builds and tests the exercises, writing the results in `format`.
    pub fn check(
        &self,
        names: &[String],
        set: Option<&str>,
        format: Format,
    ) -> Result<AllPassed, RunnerError> {
        let selected = self.select(names, set)?;
        let mut results = self.load_results();
        let mut graded = Vec::new();
        for assigned in &selected {
            if format == Format::Text {
                eprintln!("{}", self.say.checking(assigned.exercise.name()));
            }
            let mut one = self.check_one(assigned.exercise, &mut results);
            one.max_points = assigned.points;
            self.save_results(&results);
            match format {
                Format::Text => self.print_report(assigned.exercise, &one),
                Format::Json => println!("{}", report::json_line(&one)),
                _ => {}
            }
            graded.push(one);
        }
        let suite = match set {
            Some(set) => format!("netlab exercises: {set}"),
            None => "netlab exercises".to_string(),
        };
        match format {
            Format::Text if graded.len() > 1 => {
                let passed = graded.iter().filter(|g| g.report.passed()).count();
                let points: u32 = graded.iter().map(Graded::points).sum();
                let max: u32 = graded.iter().map(|g| g.max_points).sum();
                println!("\n{}", self.say.checked(passed, graded.len(), points, max));
            }
            Format::Junit => print!("{}", report::junit(&suite, &graded)),
            Format::Classroom => println!("{}", report::classroom(&graded)),
            Format::Csv => print!("{}", report::csv(&graded)),
            _ => {}
        }
        Ok(graded.iter().all(|g| g.report.passed()))
    }

    /// The text report of one exercise.
    pub fn print_report(&self, exercise: &Exercise, graded: &Graded) {
        let name = &graded.name;
        let report = &graded.report;
        let summary = self.say.summary(graded);
        if report.passed() {
            println!("{} {name}: {summary}", Style::GREEN.paint("✓", self.color));
            return;
        }
        println!("{} {name}: {summary}", Style::RED.paint("✗", self.color));
        for line in self.say.details(report).lines() {
            println!("    {line}");
        }
        println!(
            "    {}",
            self.say.task_and_hint(&self.task_path(exercise), name)
        );
    }

    /// `hint`: shows hint number `number` (1-based) of an exercise.
    pub fn hint(&self, name: &str, number: usize) -> Result<AllPassed, RunnerError> {
        let exercise = catalog::find(&self.exercises, name)?;
        let hints = exercise.hints(self.say.lang())?;
        let Some(hint) = number.checked_sub(1).and_then(|i| hints.get(i)) else {
            return Err(RunnerError::NoSuchHint {
                name: name.to_string(),
                number,
                count: hints.len(),
            });
        };
        println!(
            "{}\n\n{hint}",
            self.say.hint_title(name, number, hints.len())
        );
        if number < hints.len() {
            println!("\n{}", self.say.next_hint(name, number + 1));
        }
        Ok(true)
    }

    /// The first exercise, in chapter order, that does not pass yet (checking the
    /// ones not checked since their last edit), and how many pass.
    pub fn first_not_done(&self) -> (Option<&Exercise>, usize) {
        let mut results = self.load_results();
        let mut first = None;
        let mut done = 0;
        for exercise in &self.exercises {
            let passed = match self.saved_result(&results, exercise) {
                Some(passed) => passed,
                // Only as far as the first one not done: the rest wait.
                None if first.is_none() => {
                    let passed = self.check_one(exercise, &mut results).report.passed();
                    self.save_results(&results);
                    passed
                }
                None => false,
            };
            if passed {
                done += 1;
            } else if first.is_none() {
                first = Some(exercise);
            }
        }
        (first, done)
    }

    /// `next`: the first exercise, in chapter order, that does not pass yet.
    pub fn next(&self) -> Result<AllPassed, RunnerError> {
        let (first, done) = self.first_not_done();
        println!(
            "{}\n",
            progress_line(self.say, done, self.exercises.len(), self.color)
        );
        let Some(exercise) = first else {
            println!("{}", self.say.all_done());
            return Ok(true);
        };
        let lang = self.say.lang();
        println!(
            "{}{}\n",
            self.say.next_label(),
            self.say
                .exercise_heading(exercise.name(), exercise.meta.chapter, exercise.title(lang))
        );
        println!("{}", exercise.task(lang)?.trim_end());
        println!(
            "\n{}",
            self.say
                .edit_and_check(&self.student_dir(exercise).join("src"), exercise.name())
        );
        Ok(false)
    }

    /// `solution`: the reference solution and its notes, once the exercise passes.
    pub fn solution(&self, name: &str) -> Result<AllPassed, RunnerError> {
        let exercise = catalog::find(&self.exercises, name)?;
        let results = self.load_results();
        if self.saved_result(&results, exercise) != Some(true) {
            return Err(RunnerError::NotPassedYet {
                name: name.to_string(),
            });
        }
        let source = exercise.solution_source()?;
        println!(
            "{}\n",
            self.say.solution_title(name, &exercise.solution_lib())
        );
        println!("{}", source.trim_end());
        let lang = self.say.lang();
        println!("\n{}\n", self.say.notes_rule(exercise.notes_lang(lang)));
        println!("{}", exercise.notes(lang)?.trim_end());
        Ok(true)
    }

    /// `verify-solutions`: every starter compiles and fails at least one test,
    /// every reference solution passes all of them, and every buggy submission
    /// fails the tests it names. All run on scratch copies.
    pub fn verify_solutions(&self, names: &[String]) -> Result<AllPassed, RunnerError> {
        let mut all_ok = true;
        for assigned in self.select(names, None)? {
            all_ok &= self.verify_one(assigned.exercise)?;
        }
        Ok(all_ok)
    }

    fn verify_one(&self, exercise: &Exercise) -> Result<bool, RunnerError> {
        let name = exercise.name();
        if !exercise.solution_dir.is_dir() {
            println!(
                "✗ {name}: no reference solution in {}",
                exercise.solution_dir.display()
            );
            return Ok(false);
        }
        let buggy = exercise.buggy()?;
        let mut problems = Vec::new();
        let starter = self.test(exercise, Submission::Starter, Purpose::Verify);
        if !starter.compiled {
            problems.push(format!(
                "the starter does not compile:\n{}",
                starter.details
            ));
        } else if starter.passed() || starter.failed_tests.is_empty() {
            problems.push(
                "the starter already passes every test (the tests prove nothing)".to_string(),
            );
        }
        let solution = self.test(
            exercise,
            Submission::Solution(&exercise.solution_dir),
            Purpose::Verify,
        );
        if !solution.passed() {
            problems.push(format!(
                "the reference solution fails: {:?} {}\n{}",
                solution.failed_tests,
                solution
                    .problem
                    .as_ref()
                    .map(Problem::to_string)
                    .unwrap_or_default(),
                solution.details
            ));
        }
        let known_tests: Vec<&String> = solution
            .passed_tests
            .iter()
            .chain(&solution.failed_tests)
            .collect();
        if buggy.len() < MIN_BUGGY {
            problems.push(format!(
                "{} buggy submission(s) in {}; at least {MIN_BUGGY} are expected",
                buggy.len(),
                exercise.dir.join("buggy").display()
            ));
        }
        for bug in &buggy {
            let report = self.test(exercise, Submission::Lib(&bug.path), Purpose::Verify);
            let file = bug.name();
            if !report.compiled {
                problems.push(format!(
                    "buggy/{file}.rs does not compile, so it proves nothing:\n{}",
                    report.details
                ));
                continue;
            }
            for test in &bug.caught_by {
                if !known_tests.contains(&test) {
                    problems.push(format!(
                        "buggy/{file}.rs names a test that does not exist: {test}"
                    ));
                } else if !report.failed_tests.contains(test) {
                    problems.push(format!(
                        "buggy/{file}.rs ({}) passes {test}, the test that must catch it",
                        bug.mistake
                    ));
                }
            }
        }
        if problems.is_empty() {
            println!(
                "✓ {name}: starter fails {} of {} tests; solution passes all {}; {} buggy submissions each fail the test that names them",
                starter.failed_tests.len(),
                starter.failed_tests.len() + starter.passed_tests.len(),
                solution.passed_tests.len(),
                buggy.len()
            );
            return Ok(true);
        }
        for problem in problems {
            println!("✗ {name}: {problem}");
        }
        Ok(false)
    }

    /// `reset`: puts exercises' files back as they were last committed to git,
    /// keeping a copy of the student's `src/` first.
    pub fn reset(&self, names: &[String], all: bool) -> Result<AllPassed, RunnerError> {
        if names.is_empty() && !all {
            return Err(RunnerError::NothingToReset);
        }
        let chosen = self.select(if all { &[] } else { names }, None)?;
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let backup = self.results_dir.join("backup").join(stamp.to_string());
        for assigned in &chosen {
            let dir = self.student_dir(assigned.exercise);
            let src = dir.join("src");
            if src.is_dir() {
                crate::commands::copy_tree(
                    &src,
                    &backup.join(assigned.exercise.name()).join("src"),
                )
                .map_err(|error| RunnerError::Backup {
                    src: src.clone(),
                    error,
                })?;
            }
            let status = Command::new("git")
                .arg("-C")
                .arg(&self.work)
                .args(["checkout", "HEAD", "--"])
                .arg(&dir)
                .status()
                .map_err(RunnerError::Git)?;
            if !status.success() {
                return Err(RunnerError::GitRestore { dir });
            }
            println!("{}", self.say.reset_done(assigned.exercise.name()));
        }
        if backup.is_dir() {
            println!("{}", self.say.backup_kept(&backup));
        }
        Ok(true)
    }
}

/// Every exercise has at least this many known-buggy submissions.
pub const MIN_BUGGY: usize = 2;

/// The width of the progress bar, in characters.
const BAR_WIDTH: usize = 24;

/// `7/24 done  [███████░░░░░░░░░░░░░░░░░]`: how far a student is.
pub fn progress_line(say: Messages, done: usize, total: usize, color: bool) -> String {
    let filled = (done * BAR_WIDTH).checked_div(total).unwrap_or(0);
    let bar = format!(
        "{}{}",
        Style::GREEN.paint(&"█".repeat(filled), color),
        Style::DIM.paint(&"░".repeat(BAR_WIDTH - filled), color)
    );
    say.progress(done, total, &bar)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_shows_the_count_and_a_bar() {
        let en = Messages::new(Lang::En);
        assert_eq!(
            progress_line(en, 0, 24, false),
            format!("0/24 done  [{}]", "░".repeat(24))
        );
        assert_eq!(
            progress_line(en, 7, 24, false),
            format!("7/24 done  [{}{}]", "█".repeat(7), "░".repeat(17))
        );
        assert_eq!(
            progress_line(en, 0, 0, false),
            format!("0/0 done  [{}]", "░".repeat(24))
        );
        assert_eq!(
            progress_line(Messages::new(Lang::Zh), 7, 24, false),
            format!("已完成 7/24  [{}{}]", "█".repeat(7), "░".repeat(17))
        );
    }
}
