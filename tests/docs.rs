//! The book never drifts from the code.
//!
//! - Every `{{#include path:anchor}}` in docs/src points at a file and anchor that
//!   exist, so `cargo test` catches a broken include even where mdbook isn't installed.
//! - Every page of docs/src is listed in SUMMARY.md and every SUMMARY entry exists.
//! - Every command output the book shows (docs/src/output/*.txt, first line
//!   `$ PROGRAM ARGS...`) is what the program prints today. Run
//!   `NETLAB_BLESS=1 cargo test --test docs` to regenerate them after a change.

use std::fs;
use std::path::{Path, PathBuf};

use netlab_testkit::{run, stderr_text, stdout_text, workspace_bin, workspace_example};

#[path = "support/book.rs"]
mod book;

use book::{CHAPTER_SHAPE, CORE_PATH_LINES};

fn docs_src() -> PathBuf {
    book::english_src()
}

fn markdown_pages() -> Vec<PathBuf> {
    book::markdown_pages(&docs_src())
}

#[test]
fn every_include_path_and_anchor_exists() {
    let problems = book::broken_includes(&markdown_pages());
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
}

#[test]
fn summary_and_pages_agree() {
    let problems = book::summary_problems(&docs_src());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Splits `$ prog a 'b c'` into words; single quotes group, as in a shell.
fn split_command(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut has_word = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                has_word = true;
            }
            ' ' if !quoted => {
                if has_word {
                    words.push(std::mem::take(&mut word));
                    has_word = false;
                }
            }
            _ => {
                word.push(c);
                has_word = true;
            }
        }
    }
    if has_word {
        words.push(word);
    }
    words
}

fn output_files() -> Vec<PathBuf> {
    let dir = docs_src().join("output");
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    files.sort();
    files
}

/// `NAME.session.txt`: a terminal of a two-terminal session, checked by the test
/// that runs the session (see `netlab_testkit::check_session_output`).
fn is_session(file: &Path) -> bool {
    file.to_string_lossy().ends_with(".session.txt")
}

#[test]
fn every_session_output_is_checked_by_a_test() {
    let tests_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let tests: String = fs::read_dir(&tests_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    for file in output_files().into_iter().filter(|f| is_session(f)) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            tests.contains(&format!("\"{name}\"")),
            "docs/src/output/{name} is checked by no test in tests/"
        );
    }
}

/// The program that `cargo run -q [-p PACKAGE] [--example NAME] [-- ARGS...]` runs,
/// and its arguments: how the book writes every command, so that it works when
/// copy-pasted in a fresh clone. `None` for anything else.
fn cargo_run(words: &[String]) -> Option<(PathBuf, Vec<String>)> {
    let mut words = words.iter().map(String::as_str);
    if (words.next(), words.next(), words.next()) != (Some("cargo"), Some("run"), Some("-q")) {
        return None;
    }
    let (mut package, mut example) = ("netlab", None);
    loop {
        match words.next() {
            Some("-p") => package = words.next()?,
            Some("--example") => example = Some(words.next()?),
            Some("--") | None => break,
            Some(_) => return None,
        }
    }
    let program = match example {
        Some(name) => workspace_example(package, name),
        None => workspace_bin(package),
    };
    Some((program, words.map(str::to_string).collect()))
}

/// The words a shell command line starts with: the first one, and the first one
/// after each `|`, `&&` or `;`.
fn commands_in(line: &str) -> Vec<&str> {
    line.split(['|', ';', '&'])
        .filter_map(|part| {
            part.split_whitespace().find(|word| !word.contains('=')) // skip `NAME=value` assignments
        })
        .collect()
}

/// A student copies commands from the book into a fresh clone, where the
/// workspace's binaries are not on the PATH: every command that runs one of them
/// is written `cargo run -q -p CRATE -- ...`, never as a bare program name.
#[test]
fn no_command_in_the_book_needs_a_binary_on_the_path() {
    let mut bare = Vec::new();
    let files = markdown_pages().into_iter().chain(output_files());
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            let Some(command) = line.trim_start().strip_prefix("$ ") else {
                continue;
            };
            for program in commands_in(command) {
                if netlab::BINARIES.contains(&program) {
                    bare.push(format!("{file:?}: {line}"));
                }
            }
        }
    }
    assert!(
        bare.is_empty(),
        "commands that need an installed binary (write `cargo run -q -p CRATE -- ...`):\n{}",
        bare.join("\n")
    );
}

#[test]
fn command_outputs_in_the_book_are_current() {
    let bless = std::env::var_os("NETLAB_BLESS").is_some();
    let mut stale = Vec::new();
    for file in output_files().into_iter().filter(|f| !is_session(f)) {
        let text = fs::read_to_string(&file).unwrap();
        let (first, expected) = text.split_once('\n').unwrap_or((&text, ""));
        let command = first
            .strip_prefix("$ ")
            .unwrap_or_else(|| panic!("{file:?}: first line must be `$ PROGRAM ARGS...`"));
        // `2>&1` at the end shows what the program prints on stderr too (after its
        // stdout): how the book shows error messages.
        let (command, with_stderr) = match command.strip_suffix(" 2>&1") {
            Some(command) => (command, true),
            None => (command, false),
        };
        let words = split_command(command);
        let (program, args) = cargo_run(&words)
            .unwrap_or_else(|| panic!("{file:?}: the command must be `cargo run -q ...`"));
        let output = run(program, &args, b"");
        assert!(
            output.status.code().is_some(),
            "{file:?}: `{command}` was killed: {}",
            stderr_text(&output)
        );
        let mut actual = stdout_text(&output);
        if with_stderr {
            actual.push_str(&stderr_text(&output));
        } else {
            assert!(
                output.status.success(),
                "{file:?}: `{command}` failed (end the line with 2>&1 to show an error): {}",
                stderr_text(&output)
            );
        }
        if actual != expected {
            if bless {
                fs::write(&file, format!("{first}\n{actual}")).unwrap();
            } else {
                stale.push(format!(
                    "{file:?}: `{command}` now prints:\n{actual}\n--- but the file has:\n{expected}"
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale outputs (run NETLAB_BLESS=1 cargo test --test docs):\n{}",
        stale.join("\n\n")
    );
}

#[test]
fn every_output_file_is_shown_somewhere_in_the_book() {
    let pages: String = markdown_pages()
        .iter()
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    for file in output_files() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            pages.contains(&format!("output/{name}")),
            "docs/src/output/{name} is not included by any page"
        );
    }
}

#[test]
fn command_lines_split_like_a_shell() {
    assert_eq!(
        split_command("time-sync client --format '%Y %m'"),
        vec!["time-sync", "client", "--format", "%Y %m"]
    );
    assert_eq!(split_command("x ''"), vec!["x", ""]);
}

#[test]
fn cargo_run_commands_name_their_program() {
    let words = split_command("cargo run -q -p time-sync -- client --format '%Y'");
    let (program, args) = cargo_run(&words).unwrap();
    assert!(program.ends_with(format!("time-sync{}", std::env::consts::EXE_SUFFIX)));
    assert_eq!(args, ["client", "--format", "%Y"]);
    let (tour, args) = cargo_run(&split_command("cargo run -q -- --chapter 1")).unwrap();
    assert!(tour.ends_with(format!("netlab{}", std::env::consts::EXE_SUFFIX)));
    assert_eq!(args, ["--chapter", "1"]);
    assert!(cargo_run(&split_command("tcp-demo server")).is_none());
    assert!(cargo_run(&split_command("cargo run -p tcp-demo -- server")).is_none());
}

#[test]
fn the_commands_of_a_shell_line_are_found() {
    assert_eq!(
        commands_in("printf 'a\\n' | NETLAB_SECRET=k tcp-demo chat-server"),
        ["printf", "tcp-demo"]
    );
    assert_eq!(
        commands_in("cargo build && target/x"),
        ["cargo", "target/x"]
    );
}

/// The book speaks to students: contributor mechanics (how outputs are checked,
/// the test suite's variables and files, CI) belong in CONTRIBUTING.md and the
/// instructors' page, not in a chapter.
#[test]
fn chapter_pages_say_nothing_of_the_test_machinery() {
    let found: Vec<String> = markdown_pages()
        .iter()
        .flat_map(|page| book::test_machinery_in(page))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// A chapter's exercises are links a student can follow in the built book.
#[test]
fn every_exercise_is_linked_from_its_chapter() {
    let problems = book::exercise_link_problems(&docs_src());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_machinery_guard_tells_targets_and_variables_from_lessons() {
    assert!(book::mentions_a_target("The target we set is not met"));
    assert!(book::mentions_a_target(
        "| 10,000 members | target | before |"
    ));
    assert!(book::mentions_a_target("over the target's 120 MB"));
    assert!(book::mentions_a_target(
        "the latency and burst targets are not"
    ));
    assert!(book::mentions_a_target("内存目标达到了"));
    assert!(!book::mentions_a_target("$ target/release/framing bench"));
    assert!(!book::mentions_a_target(
        "`sudo target/debug/net-basics lan`"
    ));
    assert!(!book::mentions_a_target("The target MAC is all zeros"));
    assert!(!book::mentions_a_target("目标 MAC 全是 0"));
    assert_eq!(
        book::environment_variables_in("(tried with `TOKIO_WORKER_THREADS=1`)"),
        ["TOKIO_WORKER_THREADS"]
    );
    assert_eq!(
        book::environment_variables_in("run `NETLAB_BLESS` again"),
        ["NETLAB_BLESS"]
    );
    assert!(
        book::environment_variables_in("$ NETLAB_SECRET=alex-sb cargo run -q -p auth -- server")
            .is_empty()
    );
    assert!(
        book::environment_variables_in("`MAX_COMMAND` and SO_REUSEADDR, `NO_COLOR`").is_empty()
    );
}

#[test]
fn every_chapter_page_teaches_first_and_measures_later() {
    let mut problems = Vec::new();
    let chapters = markdown_pages()
        .into_iter()
        .filter(|page| book::is_chapter(page));
    for page in chapters {
        let text = fs::read_to_string(&page).unwrap();
        let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
        if headings != CHAPTER_SHAPE {
            problems.push(format!("{page:?}: headings {headings:?}"));
        }
        let core = book::core_path_lines(&text);
        if core >= CORE_PATH_LINES {
            problems.push(format!(
                "{page:?}: the core path is {core} lines (under {CORE_PATH_LINES})"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
