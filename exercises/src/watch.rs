//! `watch`: like rustlings, re-check the current exercise whenever its files
//! change.
//!
//! The student edits `src/` in their editor; each save re-runs the check. A
//! failure shows the first failing test (one thing to fix at a time) and the next
//! hint not yet shown; a pass says so and moves on to the next exercise not done.
//! Changes are seen through the operating system's file events (the `notify`
//! crate: inotify, FSEvents, ReadDirectoryChangesW), not by polling.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use netlab_common::color::Style;
use notify::{Event, EventKind, RecursiveMode, Watcher};

use crate::catalog::{self, Exercise};
use crate::commands::{Runner, progress_line};
use crate::error::RunnerError;

/// An editor's save is often several events (write, rename, chmod): after the
/// first, more arriving within this much quiet time belong to the same save.
const SETTLE: Duration = Duration::from_millis(200);

type Events = Receiver<notify::Result<Event>>;

/// `watch [NAME]`: from `NAME`, or from the first exercise not done.
pub fn watch(runner: &Runner, start: Option<&str>) -> Result<bool, RunnerError> {
    let (tx, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)
        .map_err(|error| RunnerError::Watch { path: None, error })?;
    let mut current: Option<&Exercise> = match start {
        Some(name) => Some(catalog::find(runner.exercises(), name)?),
        None => runner.first_not_done().0,
    };
    let mut hints_shown: HashMap<String, usize> = HashMap::new();
    let color = runner.color();
    let say = runner.say();
    while let Some(exercise) = current {
        let name = exercise.name();
        let src = runner.student_dir(exercise).join("src");
        watcher
            .watch(&src, RecursiveMode::Recursive)
            .map_err(|error| RunnerError::Watch {
                path: Some(src.clone()),
                error,
            })?;
        let passed = check_and_show(runner, exercise, &mut hints_shown)?;
        if passed {
            let _ = watcher.unwatch(&src);
            let (next, done) = runner.first_not_done();
            println!(
                "{}\n{}\n",
                say.solution_available(name),
                progress_line(say, done, runner.exercises().len(), color)
            );
            if let Some(next) = next {
                println!(
                    "{}{}\n    {}\n",
                    Style::BOLD.paint(&say.next_label(), color),
                    say.exercise_heading(next.name(), next.meta.chapter, next.title(say.lang())),
                    say.task_at(&runner.task_path(next))
                );
            }
            current = next;
            continue;
        }
        println!("{}", say.watching(&src));
        wait_for_change(&events, &src)?;
        let _ = watcher.unwatch(&src);
    }
    println!("{}", say.all_done());
    Ok(true)
}

/// Checks `exercise` and shows the outcome; true when it passes.
fn check_and_show(
    runner: &Runner,
    exercise: &Exercise,
    hints_shown: &mut HashMap<String, usize>,
) -> Result<bool, RunnerError> {
    let name = exercise.name();
    let color = runner.color();
    let say = runner.say();
    let spinner = spinner(&say.checking(name));
    let mut results = runner.load_results();
    let graded = runner.check_one(exercise, &mut results);
    runner.save_results(&results);
    spinner.finish_and_clear();
    let report = &graded.report;
    let summary = say.summary(&graded);
    if report.passed() {
        println!("{} {name}: {summary}\n", Style::GREEN.paint("✓", color));
        return Ok(true);
    }
    println!("{} {name}: {summary}", Style::RED.paint("✗", color));
    match report.first_failure() {
        Some((test, _)) => {
            println!("\n  {}", say.first_failure(test));
            let message = say.test_message(report, test).unwrap_or_default();
            for line in message.lines() {
                println!("    {line}");
            }
        }
        None => {
            for line in say.details(report).lines().take(40) {
                println!("    {line}");
            }
        }
    }
    let hints = exercise.hints(say.lang())?;
    let shown = hints_shown.entry(name.to_string()).or_insert(0);
    if let Some(hint) = hints.get(*shown) {
        *shown += 1;
        println!("\n  {}", say.watch_hint(*shown, hints.len()));
        for line in hint.lines() {
            println!("    {line}");
        }
    } else {
        println!(
            "\n  {}",
            say.all_hints_shown(hints.len(), &runner.task_path(exercise))
        );
    }
    println!();
    Ok(false)
}

/// A spinner on stderr while a check runs, on a terminal only.
fn spinner(message: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner().with_message(message.to_string());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner
}

/// Blocks until a file under `src` is created, written or removed, then lets
/// the rest of the same save arrive.
fn wait_for_change(events: &Events, src: &Path) -> Result<(), RunnerError> {
    loop {
        let event = events.recv().map_err(|_| RunnerError::WatcherStopped)?;
        if is_change(&event, src) {
            break;
        }
    }
    // The rest of the same save: drained until quiet.
    while events.recv_timeout(SETTLE).is_ok() {}
    Ok(())
}

/// Creations, writes and removals count; reads do not (the check itself reads
/// every file of `src/`).
fn is_change(event: &notify::Result<Event>, src: &Path) -> bool {
    let Ok(event) = event else {
        return false;
    };
    matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
    ) && event.paths.iter().any(|path| path.starts_with(src))
}
