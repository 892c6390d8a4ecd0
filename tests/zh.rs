//! The Chinese edition keeps in step with the English one.
//!
//! - docs/zh/src has a page for every page of docs/src, with the same file name, and
//!   no other; both SUMMARY.md list the same files in the same order.
//! - Each pair of pages has the same number of headings of each level, the same
//!   `{{#include}}` targets (the same code and the same checked outputs, nothing
//!   copied), the same commands, and as many table rows, code fences, list items and
//!   notes; the Chinese includes exist. A page added or restructured in one edition
//!   and not the other fails here.
//! - Every page links to its twin in the other edition, on the line under its title.
//! - The glossary pages (docs/src/glossary.md, docs/zh/src/glossary.md) are generated
//!   from docs/glossary.toml: `NETLAB_BLESS=1 cargo test --test zh` rewrites them.
//!   Every chapter's key-term line links into them, the same terms in both editions.
//! - Every exercise has its title, task and hints in Chinese too (`title_zh` in
//!   exercise.toml, README.zh.md, hints.zh.md), with as many hints as in English,
//!   and every reference solution its notes (NOTES.zh.md beside NOTES.md).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[path = "support/book.rs"]
mod book;

use book::{CHAPTER_SHAPE, CORE_PATH_LINES, Edition};

fn english_pages() -> Vec<PathBuf> {
    book::markdown_pages(&book::english_src())
}

fn chinese_pages() -> Vec<PathBuf> {
    book::markdown_pages(&book::chinese_src())
}

/// The pages both editions have, as `(name, English page, Chinese page)`.
fn page_pairs() -> Vec<(String, PathBuf, PathBuf)> {
    english_pages()
        .into_iter()
        .map(|page| book::relative(&page, &book::english_src()))
        .filter(|name| name != "SUMMARY.md")
        .filter_map(|name| {
            let english = book::english_src().join(&name);
            let chinese = book::chinese_src().join(&name);
            chinese.is_file().then_some((name, english, chinese))
        })
        .collect()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

#[test]
fn every_page_has_a_twin_of_the_same_name() {
    let names = |src: &Path, pages: Vec<PathBuf>| -> BTreeSet<String> {
        pages.iter().map(|p| book::relative(p, src)).collect()
    };
    let english = names(&book::english_src(), english_pages());
    let chinese = names(&book::chinese_src(), chinese_pages());
    let only_english: Vec<_> = english.difference(&chinese).collect();
    let only_chinese: Vec<_> = chinese.difference(&english).collect();
    assert!(
        only_english.is_empty() && only_chinese.is_empty(),
        "pages in docs/src only: {only_english:?}\npages in docs/zh/src only: {only_chinese:?}"
    );
}

#[test]
fn both_summaries_list_the_same_pages_in_the_same_order() {
    assert_eq!(
        book::summary_links(&book::english_src()),
        book::summary_links(&book::chinese_src()),
        "docs/src/SUMMARY.md and docs/zh/src/SUMMARY.md"
    );
    let problems = book::summary_problems(&book::chinese_src());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_chinese_include_path_and_anchor_exists() {
    let problems = book::broken_includes(&chinese_pages());
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
}

#[test]
fn twin_pages_have_the_same_number_of_headings_of_each_level() {
    let mut problems = Vec::new();
    for (name, english, chinese) in page_pairs() {
        let count = |page: &Path| -> BTreeMap<usize, usize> {
            let mut levels = BTreeMap::new();
            for (level, _) in book::headings(&read(page)) {
                *levels.entry(level).or_default() += 1;
            }
            levels
        };
        let (en, zh) = (count(&english), count(&chinese));
        if en != zh {
            problems.push(format!(
                "{name}: headings per level (level: count) English {en:?}, Chinese {zh:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn twin_pages_include_the_same_code_and_outputs() {
    let mut problems = Vec::new();
    for (name, english, chinese) in page_pairs() {
        let targets = |page: &Path| -> BTreeSet<String> {
            book::includes_in(page).iter().map(|i| i.key()).collect()
        };
        let (en, zh) = (targets(&english), targets(&chinese));
        for missing in en.difference(&zh) {
            problems.push(format!(
                "{name}: the Chinese page does not include {missing}"
            ));
        }
        for extra in zh.difference(&en) {
            problems.push(format!("{name}: the English page does not include {extra}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What a page is built of besides its headings, counted line by line: table rows,
/// code fences, list items and bold-led notes (`> **The tutorial's slip:**`).
/// Lines inside fenced blocks are not counted (they are the same in both editions).
fn blocks(text: &str) -> [(&'static str, usize); 4] {
    let (mut rows, mut fences, mut items, mut notes) = (0, 0, 0, 0);
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            fences += 1;
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if line.starts_with('|') {
            rows += 1;
        }
        let numbered = trimmed
            .split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if trimmed.starts_with("- ") || numbered {
            items += 1;
        }
        if line.starts_with("> **") {
            notes += 1;
        }
    }
    [
        ("table rows", rows),
        ("code fences", fences),
        ("list items", items),
        ("notes", notes),
    ]
}

/// A table row, a list item or a note added to one edition and not the other
/// fails here, even where no heading or include changed.
#[test]
fn twin_pages_have_the_same_tables_lists_and_notes() {
    let mut problems = Vec::new();
    for (name, english, chinese) in page_pairs() {
        let (en, zh) = (blocks(&read(&english)), blocks(&read(&chinese)));
        for ((what, e), (_, z)) in en.iter().zip(zh.iter()) {
            if e != z {
                problems.push(format!("{name}: {what}: English {e}, Chinese {z}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn chinese_chapter_pages_have_the_chapter_shape() {
    let mut problems = Vec::new();
    for page in chinese_pages().into_iter().filter(|p| book::is_chapter(p)) {
        let text = read(&page);
        let sections: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
        if sections != CHAPTER_SHAPE {
            problems.push(format!("{page:?}: sections {sections:?}"));
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

#[test]
fn every_page_links_to_its_twin_under_its_title() {
    let mut problems = Vec::new();
    for (edition, src, pages) in [
        (Edition::English, book::english_src(), english_pages()),
        (Edition::Chinese, book::chinese_src(), chinese_pages()),
    ] {
        for page in pages {
            let name = book::relative(&page, &src);
            if name == "SUMMARY.md" {
                continue;
            }
            let text = read(&page);
            let mut lines = text.lines();
            let title = lines.next().unwrap_or_default();
            let second = lines.next().unwrap_or_default();
            let expected = book::edition_line(edition, &name);
            if !title.starts_with("# ") || second != expected {
                problems.push(format!(
                    "{page:?}: the title, then `{expected}` (found `{title}`, `{second}`)"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The commands a page shows (`$ ...` lines written in the page), without a
/// trailing `# comment`, which the Chinese edition may translate.
fn commands(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix("$ "))
        .map(
            |command| match command.find("  #").or_else(|| command.find(" # ")) {
                Some(at) => command[..at].trim_end().to_string(),
                None => command.trim_end().to_string(),
            },
        )
        .collect()
}

/// Commands are copied as they are: a student pastes the same line from either
/// edition (and tests/docs.rs checks the English ones need no installed binary).
#[test]
fn twin_pages_show_the_same_commands() {
    let mut problems = Vec::new();
    for (name, english, chinese) in page_pairs() {
        let (en, zh) = (commands(&read(&english)), commands(&read(&chinese)));
        for command in zh.difference(&en) {
            problems.push(format!("{name}: the English page has no `$ {command}`"));
        }
        for command in en.difference(&zh) {
            problems.push(format!("{name}: the Chinese page has no `$ {command}`"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn chinese_chapter_pages_say_nothing_of_the_test_machinery() {
    let found: Vec<String> = chinese_pages()
        .iter()
        .flat_map(|page| book::test_machinery_in(page))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The id mdbook gives a heading (mdbook-html's `id_from_content`): lower case,
/// letters (Chinese ones too), digits, `_` and `-` kept, spaces as `-`, the rest
/// dropped. A second heading with the same id gets `-1`, and so on.
fn heading_ids(text: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    for (_, heading) in book::headings(text) {
        let id: String = heading
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    Some(c)
                } else if c.is_whitespace() {
                    Some('-')
                } else {
                    None
                }
            })
            .collect();
        let mut unique = id.clone();
        let mut n = 0;
        while !ids.insert(unique.clone()) {
            n += 1;
            unique = format!("{id}-{n}");
        }
    }
    ids
}

/// The ids a page defines: its headings' and its `<a id="...">` anchors.
fn anchors_of(page: &Path) -> HashSet<String> {
    let text = read(page);
    let mut ids = heading_ids(&text);
    for piece in text.split("id=\"").skip(1) {
        ids.insert(piece.split('"').next().unwrap_or_default().to_string());
    }
    ids
}

/// `[text](target)` links of a page, outside code: their targets.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        for piece in line.split("](").skip(1) {
            if let Some(end) = piece.find(')') {
                targets.push(piece[..end].to_string());
            }
        }
    }
    targets
}

/// `#anchor` and `page.md#anchor` links in both editions lead somewhere: a
/// heading's id or an anchor of the glossary.
#[test]
fn links_to_anchors_in_the_books_resolve() {
    let mut problems = Vec::new();
    for (src, pages) in [
        (book::english_src(), english_pages()),
        (book::chinese_src(), chinese_pages()),
    ] {
        for page in &pages {
            for target in link_targets(&read(page)) {
                if target.contains("://") {
                    continue;
                }
                let Some((file, anchor)) = target.split_once('#') else {
                    continue;
                };
                let linked = if file.is_empty() {
                    page.clone()
                } else {
                    src.join(file)
                };
                if !linked.is_file() {
                    problems.push(format!("{page:?}: link to missing {target}"));
                } else if !anchors_of(&linked).contains(anchor) {
                    problems.push(format!("{page:?}: no anchor #{anchor} in {linked:?}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// The glossary (术语表)

/// The least number of terms the glossary holds.
const MIN_TERMS: usize = 80;

/// The chapters, as the glossary pages head them: (English, Chinese).
const CHAPTERS: [(&str, &str); 8] = [
    ("Chapter 1: 一.楔子 Prologue", "第一章 楔子"),
    (
        "Chapter 2: 二.客户端/服务端架构 Client/server architecture",
        "第二章 客户端/服务端架构",
    ),
    ("Chapter 3: 三.网络基础 Network basics", "第三章 网络基础"),
    (
        "Chapter 4: 四.套接字(socket)初使用 First sockets",
        "第四章 套接字(socket)初使用",
    ),
    ("Chapter 5: 五.黏包 Sticky packets", "第五章 黏包"),
    (
        "Chapter 6: 六.socket的更多方法 More socket methods",
        "第六章 socket的更多方法",
    ),
    (
        "Chapter 7: 七.验证客户端链接的合法性 Authenticating clients",
        "第七章 验证客户端链接的合法性",
    ),
    (
        "Chapter 8: 八.socketserver模块 socketserver",
        "第八章 socketserver模块",
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Glossary {
    term: Vec<Term>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Term {
    zh: String,
    en: String,
    meaning_zh: String,
    meaning_en: String,
    chapter: usize,
}

impl Term {
    /// The term's anchor on both glossary pages: its English name in lower case,
    /// every run of other characters as one `-` (`three-way handshake` →
    /// `three-way-handshake`, `SO_REUSEADDR` → `so-reuseaddr`).
    fn anchor(&self) -> String {
        let mut anchor = String::new();
        for c in self.en.to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                anchor.push(c);
            } else if !anchor.is_empty() && !anchor.ends_with('-') {
                anchor.push('-');
            }
        }
        anchor.trim_end_matches('-').to_string()
    }
}

fn glossary_file() -> PathBuf {
    book::root().join("docs/glossary.toml")
}

fn glossary() -> Glossary {
    toml::from_str(&read(&glossary_file())).unwrap_or_else(|e| panic!("docs/glossary.toml: {e}"))
}

/// A table cell: `|` would end it.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// What docs/src/glossary.md (English) or docs/zh/src/glossary.md (Chinese) must
/// hold: one table per chapter, the terms in the data file's order.
fn glossary_page(glossary: &Glossary, edition: Edition) -> String {
    let mut page = String::new();
    match edition {
        Edition::English => {
            page.push_str("# Glossary 术语表\n");
            page.push_str(&book::edition_line(edition, "glossary.md"));
            page.push_str(
                "\n\n<!-- Generated from docs/glossary.toml: edit that file, not this page \
                 (CONTRIBUTING.md says how to regenerate it). -->\n\n\
                 The terms of the course, under the chapter where each first appears: the \
                 English term you meet in code and documentation, the Chinese term the \
                 tutorial uses, and what it means. Every chapter's key-term line links \
                 here.\n",
            );
        }
        Edition::Chinese => {
            page.push_str("# 术语表 Glossary\n");
            page.push_str(&book::edition_line(edition, "glossary.md"));
            page.push_str(
                "\n\n<!-- 由 docs/glossary.toml 生成：请修改那个文件，不要改这一页\
                 （重新生成的方法见 CONTRIBUTING.md）。 -->\n\n\
                 本课程的术语，按首次出现的章节排列：教程用的中文说法、你在代码和文档里会\
                 遇到的英文说法，以及它的意思。每一章开头的「关键术语」都链接到这里。\n",
            );
        }
    }
    for (number, (english_title, chinese_title)) in CHAPTERS.iter().enumerate() {
        let chapter = number + 1;
        match edition {
            Edition::English => {
                page.push_str(&format!(
                    "\n## {english_title}\n\n| English | 中文 | meaning |\n|---|---|---|\n"
                ));
            }
            Edition::Chinese => {
                page.push_str(&format!(
                    "\n## {chinese_title}\n\n| 中文 | English | 含义 |\n|---|---|---|\n"
                ));
            }
        }
        for term in glossary.term.iter().filter(|t| t.chapter == chapter) {
            let anchor = term.anchor();
            let row = match edition {
                Edition::English => format!(
                    "| <a id=\"{anchor}\"></a>**{}** | {} | {} |\n",
                    cell(&term.en),
                    cell(&term.zh),
                    cell(&term.meaning_en)
                ),
                Edition::Chinese => format!(
                    "| <a id=\"{anchor}\"></a>**{}** | {} | {} |\n",
                    cell(&term.zh),
                    cell(&term.en),
                    cell(&term.meaning_zh)
                ),
            };
            page.push_str(&row);
        }
    }
    page
}

#[test]
fn the_glossary_has_enough_distinct_terms() {
    let glossary = glossary();
    let mut problems = Vec::new();
    if glossary.term.len() < MIN_TERMS {
        problems.push(format!(
            "{} terms; the glossary holds at least {MIN_TERMS}",
            glossary.term.len()
        ));
    }
    let (mut zh, mut en, mut anchors) = (HashSet::new(), HashSet::new(), HashSet::new());
    for term in &glossary.term {
        if !zh.insert(term.zh.as_str()) {
            problems.push(format!("the Chinese term {:?} twice", term.zh));
        }
        if !en.insert(term.en.to_lowercase()) {
            problems.push(format!("the English term {:?} twice", term.en));
        }
        if !anchors.insert(term.anchor()) {
            problems.push(format!("the anchor {:?} twice", term.anchor()));
        }
        if !(1..=CHAPTERS.len()).contains(&term.chapter) {
            problems.push(format!("{:?}: chapter {} (1 to 8)", term.en, term.chapter));
        }
        for (field, text) in [
            ("zh", &term.zh),
            ("en", &term.en),
            ("meaning_zh", &term.meaning_zh),
            ("meaning_en", &term.meaning_en),
        ] {
            if text.trim().is_empty() || text.contains('\n') || text.trim() != text {
                problems.push(format!("{:?}: {field} must be one line: {text:?}", term.en));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_glossary_pages_are_generated_from_the_data_file() {
    let bless = std::env::var_os("NETLAB_BLESS").is_some();
    let glossary = glossary();
    let mut stale = Vec::new();
    for (edition, src) in [
        (Edition::English, book::english_src()),
        (Edition::Chinese, book::chinese_src()),
    ] {
        let path = src.join("glossary.md");
        let expected = glossary_page(&glossary, edition);
        if fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            if bless {
                fs::write(&path, expected).unwrap();
            } else {
                stale.push(format!("{path:?}"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "not what docs/glossary.toml gives (run NETLAB_BLESS=1 cargo test --test zh): {}",
        stale.join(", ")
    );
}

/// The key-term paragraph of a chapter page: from the line starting with
/// `prefix` to the next empty line.
fn key_terms(text: &str, prefix: &str) -> Option<String> {
    let start = text.lines().position(|line| line.starts_with(prefix))?;
    Some(
        text.lines()
            .skip(start)
            .take_while(|line| !line.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Every chapter's key-term line links each of its terms into the glossary, the
/// same terms in both editions.
#[test]
fn key_terms_link_into_the_glossary() {
    let anchors: HashSet<String> = glossary().term.iter().map(Term::anchor).collect();
    let mut problems = Vec::new();
    for (name, english, chinese) in page_pairs() {
        if !book::is_chapter(&english) {
            continue;
        }
        let mut linked = Vec::new();
        for (page, prefix) in [(&english, "Key terms: "), (&chinese, "关键术语：")] {
            let Some(paragraph) = key_terms(&read(page), prefix) else {
                problems.push(format!("{page:?}: no line starting `{prefix}`"));
                continue;
            };
            let terms: BTreeSet<String> = link_targets(&paragraph)
                .iter()
                .filter_map(|t| t.strip_prefix("glossary.md#").map(str::to_string))
                .collect();
            if terms.is_empty() {
                problems.push(format!("{page:?}: the key terms link nowhere"));
            }
            let links = paragraph.matches("](").count();
            if links != terms.len() {
                problems.push(format!(
                    "{page:?}: {links} links in the key terms, {} into the glossary",
                    terms.len()
                ));
            }
            for term in terms.iter().filter(|t| !anchors.contains(*t)) {
                problems.push(format!("{page:?}: no term #{term} in docs/glossary.toml"));
            }
            linked.push(terms);
        }
        if let [en, zh] = linked.as_slice()
            && en != zh
        {
            problems.push(format!(
                "{name}: key terms English {en:?}, Chinese {zh:?}: not the same"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn glossary_anchors_are_derived_from_the_english_term() {
    let term = |en: &str| Term {
        zh: String::new(),
        en: en.to_string(),
        meaning_zh: String::new(),
        meaning_en: String::new(),
        chapter: 1,
    };
    assert_eq!(term("three-way handshake").anchor(), "three-way-handshake");
    assert_eq!(term("SO_REUSEADDR").anchor(), "so-reuseaddr");
    assert_eq!(term("IP address (IPv4)").anchor(), "ip-address-ipv4");
}

// ---------------------------------------------------------------------------
// The exercises

/// The Chinese chapters link their exercises too, to the Chinese exercises page.
#[test]
fn every_exercise_is_linked_from_its_chinese_chapter() {
    let problems = book::exercise_link_problems(&book::chinese_src());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_exercise_has_its_task_hints_and_notes_in_chinese() {
    let mut problems = Vec::new();
    let mut dirs: Vec<PathBuf> = fs::read_dir(book::root().join("exercises"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|dir| dir.join("exercise.toml").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no exercises found");
    for dir in dirs {
        for file in ["README.zh.md", "hints.zh.md"] {
            if !dir.join(file).is_file() {
                problems.push(format!("{dir:?}: no {file}"));
            }
        }
        let (Ok(english), Ok(chinese)) = (
            fs::read_to_string(dir.join("hints.md")),
            fs::read_to_string(dir.join("hints.zh.md")),
        ) else {
            continue;
        };
        // Split as the runner splits them.
        let hints = |text: &str| exercises::catalog::split_hints(text).len();
        let (en, zh) = (hints(&english), hints(&chinese));
        if en != zh {
            problems.push(format!("{dir:?}: {en} hints in English, {zh} in Chinese"));
        }
    }
    // The title `list` and `next` show, and the notes `solution` shows.
    for exercise in exercises::catalog::load(&book::root().join("exercises")).unwrap() {
        if exercise.meta.title_zh.is_none() {
            problems.push(format!("{}: no title_zh in exercise.toml", exercise.name()));
        }
        for file in ["NOTES.md", "NOTES.zh.md"] {
            if !exercise.solution_dir.join(file).is_file() {
                problems.push(format!("{:?}: no {file}", exercise.solution_dir));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
