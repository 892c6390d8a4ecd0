//! End-to-end tests of the tour, `cargo run`: the built `netlab` binary.

use netlab::tour::{CHAPTERS, NOT_BUILT_YET, heading};
use netlab_testkit::{run, stderr_text, stdout_text};

const NETLAB: &str = env!("CARGO_BIN_EXE_netlab");

#[test]
fn the_whole_tour_runs_every_chapter_in_order() {
    let output = run(NETLAB, &["--no-color"], b"");
    let stdout = stdout_text(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        stderr_text(&output)
    );
    let mut position = 0;
    for chapter in CHAPTERS {
        let title = heading(chapter);
        let found = stdout[position..]
            .find(&title)
            .unwrap_or_else(|| panic!("chapter heading {title:?} missing or out of order"));
        position += found + title.len();
    }
    assert!(
        !stdout.contains('\x1b'),
        "--no-color output has escape codes"
    );
    assert!(!stdout.contains("demo failed"));
}

#[test]
fn not_built_yet_appears_exactly_for_chapters_without_a_demo() {
    let output = run(NETLAB, &["--no-color"], b"");
    let unbuilt = CHAPTERS.iter().filter(|c| c.demos.is_none()).count();
    let lines = stdout_text(&output)
        .lines()
        .filter(|line| *line == NOT_BUILT_YET)
        .count();
    assert_eq!(lines, unbuilt);
}

#[test]
fn every_chapter_is_built() {
    // Chapters whose crate had not landed printed `not built yet`; all eight have
    // landed, so that line must never come back.
    for chapter in CHAPTERS {
        assert!(
            chapter.demos.is_some(),
            "chapter {} has no demo",
            chapter.number
        );
    }
}

#[test]
fn one_chapter_runs_alone() {
    let output = run(NETLAB, &["--chapter", "1"], b"");
    let stdout = stdout_text(&output);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout.contains("1 一.楔子 — Prologue"));
    assert!(!stdout.contains("二.客户端/服务端架构"));
    assert!(stdout.contains("[b.py] ← a.py: b'hello from a.py"));
}

#[test]
fn list_names_every_chapter_with_its_crate() {
    let output = run(NETLAB, &["--list"], b"");
    let stdout = stdout_text(&output);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout.lines().count(), CHAPTERS.len());
    for chapter in CHAPTERS {
        assert!(stdout.contains(&heading(chapter)));
        assert!(stdout.contains(chapter.crates));
    }
}

#[test]
fn no_color_env_turns_colour_off_even_without_the_flag() {
    // `run` sets NO_COLOR=1 and stdout is a pipe: no escape codes either way.
    let output = run(NETLAB, &["--chapter", "1"], b"");
    assert!(!stdout_text(&output).contains('\x1b'));
}

/// `--lang zh` narrates in Chinese through src/tour.zh.toml, and every line of the
/// whole tour is in the catalogue (a line added to a demo in English only fails
/// here, naming itself).
#[test]
fn every_line_of_the_tour_has_its_chinese() {
    use std::sync::Arc;
    let catalogue = Arc::new(netlab::zh::Catalogue::chinese().expect("the catalogue parses"));
    let (narrator, _transcript) = netlab_common::Narrator::capture();
    let narrator = narrator.translated(Arc::clone(&catalogue).into_translate());
    let chapters: Vec<_> = CHAPTERS.iter().collect();
    let outcome = netlab::tour::run(&chapters, &narrator);
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    let misses = catalogue.misses();
    assert!(
        misses.is_empty(),
        "{} lines of the tour have no Chinese in src/tour.zh.toml:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

/// The language follows --lang, then LC_ALL / LC_MESSAGES / LANG; the bytes the
/// programs send (the → and ← lines) are the same in both.
#[test]
fn the_language_follows_the_flag_then_the_locale_and_the_bytes_never_change() {
    use netlab_testkit::run_with_env;
    let timeout = netlab_testkit::TEST_TIMEOUT;
    let english = stdout_text(&run(NETLAB, &["--chapter", "4", "--no-color"], b""));
    let by_locale = stdout_text(&run_with_env(
        NETLAB,
        &["--chapter", "4", "--no-color"],
        &[("LANG", "zh_CN.UTF-8")],
        b"",
        timeout,
    ));
    let by_flag = stdout_text(&run(
        NETLAB,
        &["--chapter", "4", "--no-color", "--lang", "zh"],
        b"",
    ));
    let flag_wins = stdout_text(&run_with_env(
        NETLAB,
        &["--chapter", "4", "--no-color", "--lang", "en"],
        &[("LC_ALL", "zh_CN.UTF-8")],
        b"",
        timeout,
    ));
    assert_eq!(by_locale, by_flag);
    assert_eq!(flag_wins, english);
    assert_ne!(
        by_flag, english,
        "the Chinese tour says something in Chinese"
    );
    let wire = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|line| line.contains(" → ") || line.contains(" ← "))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(wire(&by_flag), wire(&english));
}
