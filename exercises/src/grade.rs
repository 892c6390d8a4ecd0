//! `grade --set SET --roster DIR`: a whole class at once.
//!
//! Every subdirectory of the roster is one student's checkout (a clone of their
//! repository, or an unpacked archive). Each is graded against the course's
//! tests, a few students at a time, into one CSV (a row per student: the points
//! of each exercise and the total) and one JUnit file per student.
//!
//! A student's broken tree (no `exercises/`, a missing exercise, code that does
//! not compile or never ends) costs that student points and is said in their
//! row; it never stops the others' grading.

use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::catalog::Assigned;
use crate::commands::Runner;
use crate::error::RunnerError;
use crate::report::{self, Graded};

/// How many students are graded at once by default. Builds take turns on
/// cargo's lock of the shared build directory anyway; tests of several students
/// run side by side.
pub const DEFAULT_JOBS: usize = 2;

/// The most students graded at once.
pub const MAX_JOBS: usize = 16;

/// One student's grade.
#[derive(Debug, Clone)]
pub struct StudentGrade {
    pub student: String,
    pub graded: Vec<Graded>,
    /// Why the student's tree could not be graded at all, if so.
    pub error: Option<String>,
}

impl StudentGrade {
    pub fn total(&self) -> u32 {
        self.graded.iter().map(Graded::points).sum()
    }
}

/// The students of a roster: its subdirectories (not hidden), sorted by name.
pub fn students(roster: &Path) -> Result<Vec<(String, PathBuf)>, RunnerError> {
    let entries = fs::read_dir(roster).map_err(|error| RunnerError::Roster {
        roster: roster.to_path_buf(),
        error,
    })?;
    let mut students: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .map(|entry| {
            (
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            )
        })
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    students.sort();
    if students.is_empty() {
        return Err(RunnerError::EmptyRoster {
            roster: roster.to_path_buf(),
        });
    }
    Ok(students)
}

/// A student's `exercises/` directory: `CHECKOUT/exercises`, or the checkout
/// itself when it holds the exercises directly.
fn exercises_dir(checkout: &Path) -> PathBuf {
    let nested = checkout.join("exercises");
    if nested.is_dir() {
        nested
    } else {
        checkout.to_path_buf()
    }
}

/// Grades one student: every assigned exercise, never failing as a whole.
pub fn grade_student(
    runner: &Runner,
    assigned: &[Assigned<'_>],
    student: &str,
    checkout: &Path,
    worker: usize,
) -> StudentGrade {
    let work = exercises_dir(checkout);
    let error = if assigned
        .iter()
        .all(|a| !work.join(a.exercise.name()).is_dir())
    {
        Some(format!(
            "no exercise of the set in {student}/ (is it a netlab checkout?)"
        ))
    } else {
        None
    };
    let runner = runner.for_work(&work);
    let graded = assigned
        .iter()
        .map(|a| runner.grade_one(*a, worker))
        .collect();
    StudentGrade {
        student: student.to_string(),
        graded,
        error,
    }
}

/// `grade`: grades every student of `roster` on `set`, `jobs` at a time; writes
/// `grades.csv` and `STUDENT.junit.xml` into `out` and the CSV to stdout.
pub fn grade(
    runner: &Runner,
    set: &str,
    roster: &Path,
    out: &Path,
    jobs: usize,
) -> Result<bool, RunnerError> {
    let assigned = runner.select(&[], Some(set))?;
    let students = students(roster)?;
    fs::create_dir_all(out).map_err(|error| RunnerError::Write {
        path: out.to_path_buf(),
        error,
    })?;
    let queue = Arc::new(Mutex::new(
        students.into_iter().enumerate().collect::<VecDeque<_>>(),
    ));
    let done: Arc<Mutex<Vec<(usize, StudentGrade)>>> = Arc::new(Mutex::new(Vec::new()));
    thread::scope(|scope| {
        for worker in 0..jobs.clamp(1, MAX_JOBS) {
            let (queue, done, assigned) = (Arc::clone(&queue), Arc::clone(&done), &assigned);
            scope.spawn(move || {
                loop {
                    let next = lock(&queue).pop_front();
                    let Some((index, (student, checkout))) = next else {
                        break;
                    };
                    let grade = grade_student(runner, assigned, &student, &checkout, worker);
                    eprintln!(
                        "graded {student}: {}/{} points{}",
                        grade.total(),
                        assigned.iter().map(|a| a.points).sum::<u32>(),
                        grade
                            .error
                            .as_deref()
                            .map(|e| format!(" ({e})"))
                            .unwrap_or_default()
                    );
                    lock(&done).push((index, grade));
                }
            });
        }
    });
    let mut grades = std::mem::take(&mut *lock(&done));
    grades.sort_by_key(|(index, _)| *index);
    let grades: Vec<StudentGrade> = grades.into_iter().map(|(_, grade)| grade).collect();
    for grade in &grades {
        let path = out.join(format!("{}.junit.xml", grade.student));
        let suite = format!("{} ({set})", grade.student);
        fs::write(&path, report::junit(&suite, &grade.graded))
            .map_err(|error| RunnerError::Write { path, error })?;
    }
    let csv = roster_csv(&assigned, &grades);
    let path = out.join("grades.csv");
    fs::write(&path, &csv).map_err(|error| RunnerError::Write {
        path: path.clone(),
        error,
    })?;
    print!("{csv}");
    eprintln!(
        "wrote {} and {} JUnit files in {}",
        path.display(),
        grades.len(),
        out.display()
    );
    Ok(true)
}

/// The class's CSV: `student`, one column of points per exercise, `total`,
/// `max`, and `error` (empty when the tree could be graded).
pub fn roster_csv(assigned: &[Assigned<'_>], grades: &[StudentGrade]) -> String {
    let mut header = vec!["student".to_string()];
    header.extend(assigned.iter().map(|a| a.exercise.name().to_string()));
    header.extend(["total".to_string(), "max".to_string(), "error".to_string()]);
    let max: u32 = assigned.iter().map(|a| a.points).sum();
    let mut csv = report::csv_row(&header);
    for grade in grades {
        let mut row = vec![grade.student.clone()];
        row.extend(grade.graded.iter().map(|g| g.points().to_string()));
        row.extend([
            grade.total().to_string(),
            max.to_string(),
            grade.error.clone().unwrap_or_default(),
        ]);
        csv.push_str(&report::csv_row(&row));
    }
    csv
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
