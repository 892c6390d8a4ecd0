//! Reading the book's Markdown: its pages, their `{{#include}}` directives, their
//! headings, SUMMARY.md and the line that links a page to the other edition.
//! Shared by tests/docs.rs (the English book, docs/src) and tests/zh.rs (the
//! Chinese edition, docs/zh/src, and the glossary).

// Each test file uses the part it needs.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The English book's pages: docs/src.
pub fn english_src() -> PathBuf {
    root().join("docs/src")
}

/// The Chinese edition's pages: docs/zh/src.
pub fn chinese_src() -> PathBuf {
    root().join("docs/zh/src")
}

/// Every `.md` file under `src`, sorted.
pub fn markdown_pages(src: &Path) -> Vec<PathBuf> {
    let mut pages = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

/// A page's path below its book's `src`, e.g. `ch04-first-sockets.md`.
pub fn relative(page: &Path, src: &Path) -> String {
    page.strip_prefix(src)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// One `{{#include ...}}` directive: the page it is in, its path and its selector.
#[derive(Debug)]
pub struct Include {
    pub page: PathBuf,
    pub target: PathBuf,
    pub anchor: Option<String>,
}

impl Include {
    /// What the directive shows, independent of the page it is written in: the
    /// target's path below the repository's root, and the anchor. Two pages that
    /// show the same code or output have the same key, whatever their `../`s.
    pub fn key(&self) -> String {
        let target = normalize(&self.target);
        let target = target.strip_prefix(root()).unwrap_or(&target);
        match &self.anchor {
            Some(anchor) => format!("{}:{anchor}", target.display()),
            None => target.display().to_string(),
        }
    }
}

/// `a/b/../c` as `a/c`, without asking the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut parts: Vec<std::path::Component> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir
                if matches!(parts.last(), Some(std::path::Component::Normal(_))) =>
            {
                parts.pop();
            }
            std::path::Component::CurDir => {}
            _ => parts.push(part),
        }
    }
    parts.iter().collect()
}

pub fn includes_in(page: &Path) -> Vec<Include> {
    let text = fs::read_to_string(page).unwrap();
    let mut found = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("{{#") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        let directive = after[..end].trim();
        rest = &after[end..];
        let Some((kind, argument)) = directive.split_once(char::is_whitespace) else {
            continue;
        };
        if !matches!(kind, "include" | "rustdoc_include") {
            continue;
        }
        let mut parts = argument.trim().splitn(2, ':');
        let path = parts.next().unwrap_or_default();
        let selector = parts.next().map(str::to_string);
        // `file:10:20` and `file:10` select lines; anything else names an anchor.
        let anchor = selector.filter(|s| !s.chars().next().is_some_and(|c| c.is_ascii_digit()));
        found.push(Include {
            page: page.to_path_buf(),
            target: page.parent().unwrap().join(path),
            anchor,
        });
    }
    found
}

/// Every include of `pages` whose file or anchor does not exist, as a sentence.
pub fn broken_includes(pages: &[PathBuf]) -> Vec<String> {
    let mut problems = Vec::new();
    for page in pages {
        for include in includes_in(page) {
            let Ok(source) = fs::read_to_string(&include.target) else {
                problems.push(format!("{:?}: no file {:?}", include.page, include.target));
                continue;
            };
            if let Some(anchor) = &include.anchor {
                let has_start = source.contains(&format!("ANCHOR: {anchor}"));
                let has_end = source.contains(&format!("ANCHOR_END: {anchor}"));
                if !(has_start && has_end) {
                    problems.push(format!(
                        "{:?}: anchor {anchor:?} not found (ANCHOR/ANCHOR_END) in {:?}",
                        include.page, include.target
                    ));
                }
            }
        }
    }
    problems
}

/// The files SUMMARY.md links to, in its order.
pub fn summary_links(src: &Path) -> Vec<String> {
    let summary = fs::read_to_string(src.join("SUMMARY.md")).unwrap();
    summary
        .split("](")
        .skip(1)
        .map(|piece| piece.split(')').next().unwrap().to_string())
        .collect()
}

/// The problems with `src`'s SUMMARY.md: a link to a missing file, a page it
/// does not list.
pub fn summary_problems(src: &Path) -> Vec<String> {
    let linked = summary_links(src);
    let mut problems: Vec<String> = linked
        .iter()
        .filter(|target| !src.join(target).is_file())
        .map(|target| format!("{src:?}: SUMMARY.md links to missing {target}"))
        .collect();
    for page in markdown_pages(src) {
        let relative = relative(&page, src);
        if relative != "SUMMARY.md" && !linked.contains(&relative) {
            problems.push(format!("{src:?}: {relative} is not in SUMMARY.md"));
        }
    }
    problems
}

/// The Markdown headings of a page, `(level, text)`, leaving out lines inside
/// fenced code blocks (where `# ` is a comment or a shell prompt).
pub fn headings(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => {
                fence = Some(m);
                continue;
            }
            (Some(open), Some(m)) if open == m => {
                fence = None;
                continue;
            }
            _ => {}
        }
        if fence.is_some() {
            continue;
        }
        let level = line.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&level) && line[level..].starts_with(' ') {
            found.push((level, line[level..].trim().to_string()));
        }
    }
    found
}

/// The headings every chapter page has, in this order, in both editions: the
/// tutorial's idea comes first (under the page title), then these.
pub const CHAPTER_SHAPE: [&str; 5] = [
    "## 程序 The program",
    "## 运行 Run it",
    "## 动手试一试 Try it",
    "## 练习 Exercises",
    "## 深入 Going further",
];

/// Everything above 深入 Going further is a student's core path: at most this
/// many source lines.
pub const CORE_PATH_LINES: usize = 200;

/// Chapter pages: `ch01-prologue.md` ... `ch08-socketserver.md`.
pub fn is_chapter(page: &Path) -> bool {
    page.file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with("ch0"))
}

/// The lines of a page above 深入 Going further, without the line that links to
/// the other edition (a signpost, not part of the lesson).
pub fn core_path_lines(text: &str) -> usize {
    text.lines()
        .take_while(|line| *line != "## 深入 Going further")
        .filter(|line| !is_edition_line(line))
        .count()
}

/// Which edition a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    English,
    Chinese,
}

/// The line right under a page's title that links to the same page in the other
/// edition. The links point at the built books: the English book is built from
/// docs/ into docs/book/, the Chinese one from docs/zh/ into docs/zh/book/, so
/// docs/book/X.html and docs/zh/book/X.html reach each other with these
/// relative links (see CONTRIBUTING.md, "The Chinese edition").
pub fn edition_line(edition: Edition, page: &str) -> String {
    let html = page.replace(".md", ".html");
    match edition {
        Edition::English => format!("English · [中文](../zh/book/{html})"),
        Edition::Chinese => format!("[English](../../book/{html}) · 中文"),
    }
}

fn is_edition_line(line: &str) -> bool {
    line.starts_with("English · [中文](../zh/book/")
        || (line.starts_with("[English](../../book/") && line.ends_with(") · 中文"))
}

/// The words a student must never see in a chapter: contributor mechanics (how
/// outputs are checked, the test suite's variables and files, CI, environment
/// variables that tune a run, the project's performance targets) belong in
/// CONTRIBUTING.md and the instructors' page.
pub fn test_machinery_in(page: &Path) -> Vec<String> {
    let forbidden = [
        "NETLAB_BLESS",
        "NETLAB_REQUIRE_PEERS",
        "session file",
        "checked by a test",
        "checked by the test",
        "CI ",
        ".ci/",
        "TOKIO_",
        "RUST_",
        "CARGO_",
    ];
    let mut found = Vec::new();
    if page.ends_with("instructors.md") {
        return found;
    }
    let text = fs::read_to_string(page).unwrap();
    for line in text.lines().filter(|l| !l.contains("{{#include")) {
        let test_file = line.contains("tests/") && line.contains(".rs");
        for word in forbidden.iter().filter(|w| line.contains(**w)) {
            found.push(format!("{page:?}: {word:?} in: {line}"));
        }
        if test_file {
            found.push(format!("{page:?}: a test file in: {line}"));
        }
        for name in environment_variables_in(line) {
            found.push(format!(
                "{page:?}: the environment variable {name} in: {line}"
            ));
        }
        if mentions_a_target(line) {
            found.push(format!(
                "{page:?}: a target (say what was measured) in: {line}"
            ));
        }
    }
    found
}

/// The environment variables the course's programs read and a student sets on
/// a page: chapter 7's key. Any other `NETLAB_...`, and any other `NAME_X=value`
/// assignment, is a knob of the test suite or of a measurement.
const STUDENT_VARIABLES: [&str; 1] = ["NETLAB_SECRET"];

/// The environment variables `line` sets (`NAME_X=...`) or names (`NETLAB_...`),
/// apart from [`STUDENT_VARIABLES`]: upper-case names with an underscore.
pub fn environment_variables_in(line: &str) -> Vec<String> {
    let is_name_char = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_';
    let mut names = Vec::new();
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let after_word = i > 0 && (chars[i - 1].1.is_alphanumeric() || chars[i - 1].1 == '_');
        if !c.is_ascii_uppercase() || after_word {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && is_name_char(chars[j].1) {
            j += 1;
        }
        let end = chars.get(j).map_or(line.len(), |(at, _)| *at);
        let name = &line[start..end];
        let assigned = chars.get(j).is_some_and(|(_, c)| *c == '=');
        let variable = name.contains('_') && (assigned || name.starts_with("NETLAB_"));
        if variable && !STUDENT_VARIABLES.contains(&name) {
            names.push(name.to_string());
        }
        i = j.max(i + 1);
    }
    names
}

/// Whether `line` speaks of a target in the project's sense (`the target we set`,
/// `目标`), rather than a path (`target/release/...`) or ARP's target MAC address
/// (`target MAC`, `目标 MAC`).
pub fn mentions_a_target(line: &str) -> bool {
    let lower = line.to_lowercase();
    let english = lower.match_indices("target").any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || "_-/.".contains(c)) {
            return false;
        }
        let rest = &lower[at + "target".len()..];
        let rest = rest
            .strip_prefix("'s")
            .or_else(|| rest.strip_prefix('s'))
            .unwrap_or(rest);
        let next = rest.chars().next();
        !(next.is_some_and(|c| c == '/' || c.is_alphanumeric() || c == '_')
            || rest.starts_with(" mac"))
    });
    let chinese = line
        .match_indices("目标")
        .any(|(at, _)| !line[at + "目标".len()..].trim_start().starts_with("MAC"));
    english || chinese
}

/// The problems with how `src`'s pages lead to the exercises: every exercise
/// (exercises/*/exercise.toml) has an anchor `id="NAME"` on exercises.md and is
/// linked, `](exercises.md#NAME)`, from the 练习 Exercises section of a page of
/// its chapter (`chNN-...md`). The exercises' own files lie outside the book, so
/// that page is where a chapter's links can lead in the built book.
pub fn exercise_link_problems(src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let exercises = exercises::catalog::load(&root().join("exercises")).unwrap();
    let listing = fs::read_to_string(src.join("exercises.md")).unwrap_or_default();
    let sections: Vec<(String, String)> = markdown_pages(src)
        .into_iter()
        .filter(|page| is_chapter(page))
        .map(|page| {
            let text = fs::read_to_string(&page).unwrap();
            let section = text
                .split_once("## 练习 Exercises")
                .map(|(_, rest)| rest.split("\n## ").next().unwrap_or_default())
                .unwrap_or_default()
                .to_string();
            (relative(&page, src), section)
        })
        .collect();
    for exercise in &exercises {
        let name = exercise.name();
        if !listing.contains(&format!("id=\"{name}\"")) {
            problems.push(format!("{src:?}: exercises.md has no anchor for {name}"));
        }
        let chapter = format!("ch{:02}-", exercise.meta.chapter);
        let link = format!("](exercises.md#{name})");
        let linked = sections
            .iter()
            .any(|(page, section)| page.starts_with(&chapter) && section.contains(&link));
        if !linked {
            problems.push(format!(
                "{src:?}: no {chapter}*.md links {name} from its Exercises section"
            ));
        }
    }
    problems
}
