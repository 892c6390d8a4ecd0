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
    let (narrator, transcript) = netlab_common::Narrator::capture();
    let narrator = narrator.translated(Arc::clone(&catalogue).into_translate());
    let chapters: Vec<_> = CHAPTERS.iter().collect();
    let outcome = netlab::tour::run(&chapters, &narrator);
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    let mut untranslated = catalogue.misses();
    // A → or ← line whose entry copies the English keeps English words beside
    // its bytes: every such line has the narrator's words (at least the count
    // after the bytes), and in Chinese they hold Chinese.
    untranslated.extend(
        transcript
            .text()
            .lines()
            .filter(|line| wire(line).is_some_and(|(_, words)| !words.chars().any(is_chinese)))
            .map(|line| format!("{line}   (a wire line whose words are not Chinese)")),
    );
    assert!(
        untranslated.is_empty(),
        "{} lines of the tour have no Chinese in src/tour.zh.toml:\n{}",
        untranslated.len(),
        untranslated.join("\n")
    );
}

/// The language follows --lang, then LC_ALL / LC_MESSAGES / LANG; the bytes the
/// programs send (the → and ← lines) are the same in both, the words around
/// them are not.
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
    assert_same_wire(&english, &by_flag);
}

/// The whole tour's → and ← lines carry the same bytes, numbers and
/// `[who] → peer:` in both languages; only the words around them differ.
#[test]
fn every_wire_line_has_the_same_bytes_in_both_languages() {
    let english = stdout_text(&run(NETLAB, &["--no-color", "--lang", "en"], b""));
    let chinese = stdout_text(&run(NETLAB, &["--no-color", "--lang", "zh"], b""));
    assert_same_wire(&english, &chinese);
}

/// The wire lines of two transcripts of the same run, in either language: the
/// same lines in the same order, each with the same [`Wire`].
fn assert_same_wire(english: &str, chinese: &str) {
    let wire_lines = |text: &str| -> Vec<(String, Wire)> {
        text.lines()
            .filter_map(|line| wire(line).map(|(wire, _)| (line.to_string(), wire)))
            .collect()
    };
    let (english, chinese) = (wire_lines(english), wire_lines(chinese));
    assert!(!english.is_empty(), "no → or ← lines in the tour");
    assert_eq!(
        english.len(),
        chinese.len(),
        "as many → and ← lines in both languages:\n{english:#?}\n{chinese:#?}"
    );
    for ((en_line, en), (zh_line, zh)) in english.iter().zip(&chinese) {
        assert_eq!(
            en, zh,
            "the bytes changed with the language:\n  {en_line}\n  {zh_line}"
        );
    }
}

/// What a → or ← line shows of the wire, the same in every language.
#[derive(Debug, PartialEq, Eq)]
struct Wire {
    /// `[client] → server:`, `[client] ← server:` or `[client] recv(1024) →`.
    head: String,
    /// The bytes as Python writes them (`b'hi'`, `b"it's"`) and quoted output
    /// (`"####-##-##"`), in order.
    bytes: Vec<String>,
    /// The numbers outside them (counts, ports, sizes), sorted: Chinese may put
    /// them in another order.
    numbers: Vec<String>,
}

/// `line` split into its [`Wire`] and the narrator's words around it, when it
/// is a → or ← line: `[who] → peer: ...`, `[who] ← peer: ...`, or
/// `[who] call(...) → ...` (what a call returned, e.g. `recv(1024) → 7 bytes`).
fn wire(line: &str) -> Option<(Wire, String)> {
    let (actor, after) = line.strip_prefix('[')?.split_once("] ")?;
    let (head, rest) = if after.starts_with("→ ") || after.starts_with("← ") {
        let (peer, rest) = after.split_once(": ")?;
        (format!("[{actor}] {peer}:"), rest)
    } else {
        let (call, tail) = after.split_once(' ')?;
        let arrow = tail.chars().next().filter(|c| matches!(c, '→' | '←'))?;
        let rest = tail.strip_prefix(arrow)?.strip_prefix(' ')?;
        if !call.ends_with(')') {
            return None;
        }
        (format!("[{actor}] {call} {arrow}"), rest)
    };
    let mut bytes = Vec::new();
    let mut words = String::new();
    let mut chars = rest.char_indices().peekable();
    let mut previous = ' ';
    while let Some((at, c)) = chars.next() {
        let quoted_bytes = c == 'b'
            && !previous.is_ascii_alphanumeric()
            && matches!(chars.peek(), Some((_, '\'' | '"')));
        if quoted_bytes || c == '"' {
            let quote = if quoted_bytes {
                chars.next().map(|(_, q)| q)?
            } else {
                c
            };
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '\\' {
                    chars.next();
                } else if c == quote {
                    end = Some(i + c.len_utf8());
                    break;
                }
            }
            bytes.push(rest[at..end?].to_string());
            words.push(' ');
            previous = quote;
        } else {
            words.push(c);
            previous = c;
        }
    }
    let mut numbers: Vec<String> = words
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .map(str::to_string)
        .collect();
    numbers.sort();
    Some((
        Wire {
            head,
            bytes,
            numbers,
        },
        words,
    ))
}

/// A Chinese character (CJK Unified Ideographs).
fn is_chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

#[test]
fn a_wire_line_splits_into_its_bytes_and_the_words_around_them() {
    let (en, words) = wire("[client] ← server: b'it\\'s' (5 bytes)").unwrap();
    assert_eq!(en.head, "[client] ← server:");
    assert_eq!(en.bytes, [r"b'it\'s'"]);
    assert_eq!(en.numbers, ["5"]);
    assert_eq!(words, "  (5 bytes)");
    let (zh, _) = wire("[client] ← server: b'it\\'s'（5 字节）").unwrap();
    assert_eq!(en, zh);
    let (other, _) = wire("[client] ← server: b'it\\'z'（5 字节）").unwrap();
    assert_ne!(en, other, "one byte differs");
    let (call, _) = wire(r"[client] recv(1024) → 7 bytes: b'a.txt  '").unwrap();
    assert_eq!(call.head, "[client] recv(1024) →");
    assert_eq!(call.numbers, ["7"]);
    assert!(wire("[R] 172.16.20.2 AND 255.255.255.0 = 172.16.20.0: TTL 64 → 63").is_none());
    assert!(wire("   the answer was right").is_none());
}
