//! The shape of the workspace, kept:
//!
//! - a chapter's crate stands on the ones before it: in every dependency
//!   table (dev and build ones too) it names only earlier chapters (or one of
//!   its own chapter), netlab-common, and netlab-testkit for its tests; the
//!   two foundations lean on no lesson;
//! - the test machinery (netlab-testkit) is a dev-dependency only, and no
//!   exercise uses it at all;
//! - every crate in `crates/` is on the lists below, so none escapes;
//! - library functions return their own errors: the binaries' `Failure` is
//!   handed out only by `main.rs`, the conversions in a crate's `failure.rs`
//!   and `Failure`'s own constructors;
//! - no two files of a crate import each other.
//!
//! These checks read the manifests and the sources as text. The manifests are
//! parsed with the `toml` crate (a dependency of the tour already); the sources
//! with a small hand-written reader (`code_only`, `tokens`, `blocks` below):
//! it knows comments, string literals, braces, `use` trees and `impl` blocks,
//! which is all these rules need, and the `#[test]`s at the end show what it
//! finds on a few lines of Rust.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Each lesson crate and the chapter of the book it belongs to (tcp-demo also
/// serves chapters 2 and 6, which need nothing later than chapter 4).
const CHAPTERS: &[(&str, u8)] = &[
    ("net-basics", 3),
    ("tcp-demo", 4),
    ("udp-demo", 4),
    ("time-sync", 4),
    ("framing", 5),
    ("auth", 7),
    ("chat", 8),
];

/// The crates in `crates/` that belong to no chapter: the conventions every
/// lesson shares (below all of them), and the test machinery (tests only).
const FOUNDATIONS: &[&str] = &["netlab-common", "netlab-testkit"];

/// The packages of the workspace outside `crates/`: the tour (the root) and
/// the exercise runner. No lesson may use them.
const OUTSIDE_CRATES: &[&str] = &["netlab", "exercises"];

fn chapter_of(package: &str) -> Option<u8> {
    CHAPTERS
        .iter()
        .find(|(name, _)| *name == package)
        .map(|(_, chapter)| *chapter)
}

// ---------------------------------------------------------------------------
// Manifests
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Normal,
    Dev,
    Build,
}

/// One dependency of a manifest: the package it really is, and where it is
/// declared (for the messages).
#[derive(Debug)]
struct Dependency {
    package: String,
    kind: Kind,
    table: String,
}

/// The tables cargo reads dependencies from. The spellings with `_` are old
/// but still accepted, so a dependency hidden there is still a dependency.
const DEPENDENCY_TABLES: &[(&str, Kind)] = &[
    ("dependencies", Kind::Normal),
    ("dev-dependencies", Kind::Dev),
    ("dev_dependencies", Kind::Dev),
    ("build-dependencies", Kind::Build),
    ("build_dependencies", Kind::Build),
];

fn read_manifest(path: &Path) -> toml::Table {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn crate_manifest(krate: &str) -> toml::Table {
    read_manifest(&root().join("crates").join(krate).join("Cargo.toml"))
}

/// `[workspace.dependencies]` of a manifest (empty if it has none): what a
/// member's `NAME.workspace = true` inherits, `package = "…"` renames included.
fn workspace_dependencies(manifest: &toml::Table) -> toml::Table {
    manifest
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default()
}

/// Every dependency a manifest declares, in every table cargo reads them
/// from: `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`, the
/// same under `[target.'cfg(…)'.…]`, however written (`[dependencies.NAME]` is
/// the same table to a TOML parser). A dependency renamed with
/// `package = "…"`, in place or in the `[workspace.dependencies]` it inherits
/// from, counts as the package it really is.
fn dependencies(manifest: &toml::Table, workspace: &toml::Table) -> Vec<Dependency> {
    let targets: Vec<(String, &toml::Table)> = manifest
        .get("target")
        .and_then(|t| t.as_table())
        .into_iter()
        .flatten()
        .filter_map(|(cfg, table)| Some((format!("target.{cfg}."), table.as_table()?)))
        .collect();
    let places = std::iter::once((String::new(), manifest)).chain(
        targets
            .iter()
            .map(|(prefix, table)| (prefix.clone(), *table)),
    );
    let mut found = Vec::new();
    for (prefix, place) in places {
        for (name, kind) in DEPENDENCY_TABLES {
            let Some(table) = place.get(*name).and_then(|t| t.as_table()) else {
                continue;
            };
            for (key, spec) in table {
                let inherited = spec
                    .get("workspace")
                    .and_then(|w| w.as_bool())
                    .unwrap_or(false)
                    .then(|| workspace.get(key))
                    .flatten();
                let package = [Some(spec), inherited]
                    .into_iter()
                    .flatten()
                    .find_map(|spec| spec.get("package")?.as_str())
                    .unwrap_or(key);
                found.push(Dependency {
                    package: package.to_string(),
                    kind: *kind,
                    table: format!("[{prefix}{name}]"),
                });
            }
        }
    }
    found
}

/// The rule holds for every kind of dependency, dev-dependencies included: a
/// chapter's tests are read with the chapter, and a test that needs chapter 8
/// to check chapter 5 teaches backwards (cargo allows a cycle through
/// dev-dependencies, so nothing else would stop it). What the tests need
/// beyond the lesson comes from netlab-testkit (a dev-dependency, see below).
#[test]
fn a_chapter_uses_only_earlier_chapters_and_the_common_crate() {
    let workspace = workspace_dependencies(&read_manifest(&root().join("Cargo.toml")));
    let mut wrong = Vec::new();
    for (krate, chapter) in CHAPTERS {
        for dependency in dependencies(&crate_manifest(krate), &workspace) {
            let theirs = dependency.package.as_str();
            if let Some(their_chapter) = chapter_of(theirs)
                && their_chapter > *chapter
            {
                wrong.push(format!(
                    "{krate} (chapter {chapter}) depends on {theirs} (chapter {their_chapter}) in {}",
                    dependency.table
                ));
            }
            if OUTSIDE_CRATES.contains(&theirs) {
                wrong.push(format!(
                    "{krate} (chapter {chapter}) depends on {theirs} in {}",
                    dependency.table
                ));
            }
        }
    }
    // The common crate is below every chapter, and the test machinery serves
    // every chapter's tests: neither may lean on a lesson (or on the tour).
    for krate in FOUNDATIONS {
        for dependency in dependencies(&crate_manifest(krate), &workspace) {
            let theirs = dependency.package.as_str();
            if chapter_of(theirs).is_some() || OUTSIDE_CRATES.contains(&theirs) {
                wrong.push(format!(
                    "{krate} depends on {theirs} in {}",
                    dependency.table
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// netlab-testkit is a dev-dependency of any workspace package that wants it,
/// never a normal or build dependency: the lessons' programs must not carry the
/// test machinery. An exercise may not use it at all: an exercise is graded in
/// a scratch copy under the target directory and handed to students as a
/// crate of its own, where a path to `crates/netlab-testkit` leads nowhere.
#[test]
fn the_test_machinery_is_a_dev_dependency_only() {
    let root_manifest = read_manifest(&root().join("Cargo.toml"));
    let workspace = workspace_dependencies(&root_manifest);
    let mut members: Vec<(String, toml::Table)> = vec![
        ("netlab (the tour)".into(), root_manifest.clone()),
        (
            "exercises (the runner)".into(),
            read_manifest(&root().join("exercises/Cargo.toml")),
        ),
    ];
    for krate in crate_dirs() {
        if krate != "netlab-testkit" {
            members.push((krate.clone(), crate_manifest(&krate)));
        }
    }
    let mut wrong = Vec::new();
    for (name, manifest) in &members {
        for dependency in dependencies(manifest, &workspace) {
            if dependency.package == "netlab-testkit" && dependency.kind != Kind::Dev {
                wrong.push(format!(
                    "{name} depends on netlab-testkit in {}",
                    dependency.table
                ));
            }
        }
    }
    let exercises = exercise_dirs();
    assert!(!exercises.is_empty(), "no exercise found in exercises/");
    for exercise in exercises {
        let manifest = read_manifest(&exercise.join("Cargo.toml"));
        // An exercise is a workspace of its own: it inherits from itself.
        for dependency in dependencies(&manifest, &workspace_dependencies(&manifest)) {
            if dependency.package == "netlab-testkit" {
                wrong.push(format!(
                    "exercise {} depends on netlab-testkit in {}",
                    exercise.strip_prefix(root()).unwrap().display(),
                    dependency.table
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The directories of `crates/` that hold a crate.
fn crate_dirs() -> Vec<String> {
    subdirs_with_manifest(&root().join("crates"))
        .into_iter()
        .map(|dir| dir.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// The exercises: each directory of `exercises/` with a Cargo.toml of its own.
fn exercise_dirs() -> Vec<PathBuf> {
    subdirs_with_manifest(&root().join("exercises"))
}

fn subdirs_with_manifest(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .collect();
    found.sort();
    found
}

/// The lists above are kept by hand, and a crate missing from them would be
/// checked by nothing. So every crate in `crates/` is a chapter or a
/// foundation, named like its directory (the checks match dependencies by
/// package name), and every workspace member is one of them, the tour or the
/// exercise runner.
#[test]
fn every_crate_is_checked() {
    let mut missing = Vec::new();
    for dir in crate_dirs() {
        if chapter_of(&dir).is_none() && !FOUNDATIONS.contains(&dir.as_str()) {
            missing.push(format!(
                "crates/{dir} is neither in CHAPTERS nor in FOUNDATIONS (tests/architecture.rs)"
            ));
        }
        let manifest = crate_manifest(&dir);
        let name = manifest
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str());
        if name != Some(dir.as_str()) {
            missing.push(format!(
                "crates/{dir}/Cargo.toml names its package {name:?}, not {dir:?}"
            ));
        }
    }
    let known: BTreeSet<String> = crate_dirs()
        .iter()
        .map(|dir| format!("crates/{dir}"))
        .collect();
    let root_manifest = read_manifest(&root().join("Cargo.toml"));
    let members = root_manifest
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
        .expect("[workspace] members in Cargo.toml");
    for member in members {
        let member = member.as_str().unwrap_or_default();
        if member != "." && member != "exercises" && !known.contains(member) {
            missing.push(format!(
                "workspace member {member:?} is not a crate these checks know"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

// ---------------------------------------------------------------------------
// Reading Rust source
// ---------------------------------------------------------------------------

/// Every `.rs` file under `dir` (none if there is no such directory).
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs: Vec<PathBuf> = Some(dir.to_path_buf())
        .filter(|d| d.is_dir())
        .into_iter()
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every package of the workspace with its directory: the tour, the exercise
/// runner, and everything in `crates/`.
fn packages() -> Vec<(String, PathBuf)> {
    let mut packages = vec![
        ("netlab".to_string(), root().to_path_buf()),
        ("exercises".to_string(), root().join("exercises")),
    ];
    for dir in crate_dirs() {
        packages.push((dir.clone(), root().join("crates").join(dir)));
    }
    packages
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The code of a Rust file with comments and the insides of string and
/// character literals blanked out, newlines kept (so line numbers still hold):
/// what a doc comment or a message says imports nothing and returns nothing.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let ident_before = i > 0 && is_ident(chars[i - 1]);
        // `r"…"`, `r#"…"#`, `br"…"`: raw strings, which end at `"` and as many `#`.
        let raw_prefix = c == 'r'
            && (!ident_before
                || (matches!(chars[i - 1], 'b' | 'c') && !(i > 1 && is_ident(chars[i - 2]))));
        let hashes = if raw_prefix {
            chars[i + 1..].iter().take_while(|&&c| c == '#').count()
        } else {
            0
        };
        if c == '/' && at(i + 1) == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && at(i + 1) == Some('*') {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == Some('*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == Some('/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if raw_prefix && at(i + 1 + hashes) == Some('"') {
            out.push('r');
            out.extend(std::iter::repeat_n('#', hashes));
            out.push('"');
            i += 2 + hashes;
            while i < chars.len() {
                let closes = chars[i] == '"'
                    && chars[i + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == '#')
                        .count()
                        == hashes;
                if closes {
                    out.push('"');
                    out.extend(std::iter::repeat_n('#', hashes));
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            if i < chars.len() {
                out.push('"');
                i += 1;
            }
        } else if c == '\'' && at(i + 1) == Some('\\') {
            // An escaped character: '\n', '\'', '\u{1F600}'.
            out.push('\'');
            i += 1;
            while i < chars.len() {
                if chars[i] == '\\' {
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '\'' {
                    out.push('\'');
                    i += 1;
                    break;
                } else {
                    out.push(' ');
                    i += 1;
                }
            }
        } else if c == '\'' && at(i + 2) == Some('\'') {
            // 'x' (a lifetime or a label, 'a or 'outer, has no closing quote).
            out.push_str("' '");
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// A word or a punctuation mark of the code, with its line.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    line: usize,
}

fn is_word(token: &Token) -> bool {
    token.text.starts_with(is_ident)
}

/// The tokens of code that `code_only` has cleaned: words, and punctuation
/// one character at a time except `::`, `->` and `=>`.
fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c == '\n' {
            line += 1;
            i += 1;
            continue;
        } else if c.is_whitespace() {
            i += 1;
            continue;
        } else if is_ident(c) {
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
        } else if matches!(
            (c, chars.get(i + 1)),
            (':', Some(':')) | ('-', Some('>')) | ('=', Some('>'))
        ) {
            i += 2;
        } else {
            i += 1;
        }
        tokens.push(Token {
            text: chars[start..i].iter().collect(),
            line,
        });
    }
    tokens
}

/// What a `{ … }` block is.
#[derive(Debug)]
enum Opened {
    /// `impl Type {` or `impl Trait for Type {`: the last name of each
    /// (`From`, `Failure`).
    Impl {
        trait_name: Option<String>,
        type_name: Option<String>,
    },
    /// `mod name {` written inline, and whether it is `#[cfg(test)]`.
    Mod {
        name: String,
        test: bool,
    },
    Other,
}

/// A block, from the token index of its `{` to that of its `}`.
#[derive(Debug)]
struct Block {
    opened: Opened,
    open: usize,
    close: usize,
}

/// Every block of the code, outer ones first.
fn blocks(tokens: &[Token]) -> Vec<Block> {
    let mut done = Vec::new();
    let mut stack: Vec<(Opened, usize)> = Vec::new();
    let mut pending = None;
    for (i, token) in tokens.iter().enumerate() {
        match token.text.as_str() {
            "impl" if starts_item(tokens, i) => pending = Some(impl_header(&tokens[i + 1..])),
            "mod" if tokens.get(i + 2).is_some_and(|t| t.text == "{") => {
                pending = Some(Opened::Mod {
                    name: tokens[i + 1].text.clone(),
                    test: is_cfg_test(tokens, i),
                });
            }
            "{" => stack.push((pending.take().unwrap_or(Opened::Other), i)),
            "}" => {
                if let Some((opened, open)) = stack.pop() {
                    done.push(Block {
                        opened,
                        open,
                        close: i,
                    });
                }
            }
            _ => {}
        }
    }
    done.sort_by_key(|block| block.open);
    done
}

/// The blocks around token `i`, outermost first.
fn enclosing(blocks: &[Block], i: usize) -> impl Iterator<Item = &Block> {
    blocks
        .iter()
        .filter(move |block| block.open < i && i < block.close)
}

/// Whether the `impl` at `i` begins an item (`impl X {`), rather than being a
/// type (`x: impl Into<String>`, `-> impl Fn()`).
fn starts_item(tokens: &[Token], i: usize) -> bool {
    i == 0
        || matches!(
            tokens[i - 1].text.as_str(),
            "}" | ";" | "]" | "{" | "unsafe"
        )
}

/// The last name at the outer level of a type or trait path: `From` in
/// `std::convert::From<io::Error>`, `Failure` in `crate::Failure`.
fn last_name(tokens: &[Token]) -> Option<String> {
    let mut depth = 0;
    let mut name = None;
    for token in tokens {
        match token.text.as_str() {
            "<" | "(" | "[" => depth += 1,
            ">" | ")" | "]" => depth -= 1,
            _ if depth == 0 && is_word(token) && token.text != "dyn" => {
                name = Some(token.text.clone());
            }
            _ => {}
        }
    }
    name
}

/// What an `impl` header (the tokens after `impl`) implements, and for what.
fn impl_header(rest: &[Token]) -> Opened {
    let mut header = rest;
    // The generics of `impl<T: Display>`.
    if header.first().is_some_and(|t| t.text == "<") {
        let mut depth = 0;
        let end = header
            .iter()
            .position(|t| {
                match t.text.as_str() {
                    "<" => depth += 1,
                    ">" => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .unwrap_or(header.len() - 1);
        header = &header[end + 1..];
    }
    let end = header
        .iter()
        .position(|t| t.text == "{" || t.text == "where")
        .unwrap_or(header.len());
    let header = &header[..end];
    let mut depth = 0;
    let for_at = header.iter().enumerate().position(|(n, t)| {
        match t.text.as_str() {
            "<" => depth += 1,
            ">" => depth -= 1,
            _ => {}
        }
        // `for<'a>` is a bound, not the `for` of `impl Trait for Type`.
        depth == 0 && t.text == "for" && header.get(n + 1).is_none_or(|t| t.text != "<")
    });
    match for_at {
        Some(at) => Opened::Impl {
            trait_name: last_name(&header[..at]),
            type_name: last_name(&header[at + 1..]),
        },
        None => Opened::Impl {
            trait_name: None,
            type_name: last_name(header),
        },
    }
}

/// Whether the `mod` at `i` has `#[cfg(test)]` (or a `cfg` naming `test`)
/// among its attributes.
fn is_cfg_test(tokens: &[Token], i: usize) -> bool {
    let mut j = i;
    // Back over a visibility: `pub`, `pub(crate)`.
    while j > 0
        && matches!(
            tokens[j - 1].text.as_str(),
            "pub" | "(" | ")" | "crate" | "super"
        )
    {
        j -= 1;
    }
    // Back over the attributes, `#[…]` each.
    while j > 0 && tokens[j - 1].text == "]" {
        let Some(open) = tokens[..j].iter().rposition(|t| t.text == "[") else {
            return false;
        };
        let attribute = &tokens[open..j];
        if attribute.iter().any(|t| t.text == "cfg") && attribute.iter().any(|t| t.text == "test") {
            return true;
        }
        j = open.saturating_sub(1);
    }
    false
}

/// The type after a `->`: up to the `{` of the body, the `;` of a
/// declaration, a `where`, or the end of the type it is part of.
fn type_after(rest: &[Token]) -> &[Token] {
    let mut depth = 0;
    for (n, token) in rest.iter().enumerate() {
        match token.text.as_str() {
            "(" | "[" | "<" => depth += 1,
            ")" | "]" | ">" if depth == 0 => return &rest[..n],
            ")" | "]" | ">" => depth -= 1,
            "{" | ";" | "," | "=" | "where" if depth == 0 => return &rest[..n],
            _ => {}
        }
    }
    rest
}

/// Tokens as a reader would write them (for the messages).
fn render(tokens: &[Token]) -> String {
    let mut text = String::new();
    for token in tokens {
        let glued = matches!(token.text.as_str(), "::" | "<" | ">" | "," | ")" | "(")
            || text.ends_with(['<', '(', '&'])
            || text.ends_with("::");
        if !text.is_empty() && !glued {
            text.push(' ');
        }
        text.push_str(&token.text);
    }
    text
}

// ---------------------------------------------------------------------------
// No library function returns `Failure`
// ---------------------------------------------------------------------------

/// Where a file is allowed to hand out a `Failure` besides `main.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FailureFile {
    /// Any other library file: nowhere.
    Library,
    /// A crate's `src/failure.rs`: in its `impl From<…> for Failure` blocks,
    /// where the library's errors meet the binaries' conventions.
    Conversions,
    /// netlab-common's `src/failure.rs`, where `Failure` is defined: its
    /// conversions and its own constructors (`impl Failure { fn usage(…) -> Failure }`).
    Definition,
}

/// The lines where a file's code hands out a `Failure` where it may not: a
/// return type (after any `->`, split over lines or not, `Self` in an
/// `impl … for Failure` included) or a type alias (`type Result<T> = …`,
/// `type Err = …`) that names it, outside `#[cfg(test)]` modules.
fn failures_handed_out(text: &str, file: FailureFile) -> Vec<String> {
    let tokens = tokens(&code_only(text));
    let blocks = blocks(&tokens);
    // `use netlab_common::Failure as Oops;` hands out the same type by another name.
    let mut names: BTreeSet<&str> = BTreeSet::from(["Failure"]);
    for window in tokens.windows(3) {
        if window[0].text == "Failure" && window[1].text == "as" {
            names.insert(&window[2].text);
        }
    }
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        // What is handed out, and the code to show for it.
        let (handed_out, shown) = match token.text.as_str() {
            "->" => {
                let ty = type_after(&tokens[i + 1..]);
                (ty, &tokens[i..i + 1 + ty.len()])
            }
            "type" => {
                let Some(end) = tokens[i..].iter().position(|t| t.text == ";") else {
                    continue;
                };
                let alias = &tokens[i..i + end];
                match alias.iter().position(|t| t.text == "=") {
                    Some(equals) => (&alias[equals + 1..], alias),
                    None => continue, // `type Item;` in a trait names nothing
                }
            }
            _ => continue,
        };
        let around: Vec<&Block> = enclosing(&blocks, i).collect();
        if around
            .iter()
            .any(|b| matches!(b.opened, Opened::Mod { test: true, .. }))
        {
            continue;
        }
        let in_impl = around.iter().rev().find_map(|b| match &b.opened {
            Opened::Impl {
                trait_name,
                type_name,
            } => Some((trait_name.as_deref(), type_name.as_deref())),
            _ => None,
        });
        let for_failure = in_impl.is_some_and(|(_, ty)| ty.is_some_and(|ty| names.contains(ty)));
        let names_failure = handed_out
            .iter()
            .any(|t| names.contains(t.text.as_str()) || (t.text == "Self" && for_failure));
        if !names_failure {
            continue;
        }
        let allowed = match (file, in_impl) {
            (FailureFile::Conversions | FailureFile::Definition, Some((Some("From"), _))) => {
                for_failure
            }
            (FailureFile::Definition, Some((None, _))) => for_failure,
            _ => false,
        };
        if !allowed {
            found.push(format!("{}: {}", token.line, render(shown)));
        }
    }
    found
}

/// A library function hands the binary's error type (`Failure`, which carries
/// exit codes) to its caller: only the binaries (`main.rs`) do that, with the
/// conversions in a crate's `failure.rs` (`impl From<…> for Failure`), and
/// `Failure`'s own constructors in netlab-common's `failure.rs`.
#[test]
fn library_functions_return_their_own_errors() {
    let mut offending = Vec::new();
    for (package, dir) in packages() {
        let src = dir.join("src");
        for file in rust_files(&src) {
            let relative = file.strip_prefix(&src).unwrap();
            let kind = match relative.to_str() {
                Some("main.rs") => continue,
                Some("failure.rs") if package == "netlab-common" => FailureFile::Definition,
                Some("failure.rs") => FailureFile::Conversions,
                _ => FailureFile::Library,
            };
            let text = fs::read_to_string(&file).unwrap();
            for found in failures_handed_out(&text, kind) {
                let file = file.strip_prefix(root()).unwrap();
                offending.push(format!("{}:{found}", file.display()));
            }
        }
    }
    assert!(offending.is_empty(), "{}", offending.join("\n"));
}

// ---------------------------------------------------------------------------
// No two files import each other
// ---------------------------------------------------------------------------

/// The module path (`ip`, `subnet`, `subnet::and`, `fast::batch`) of a source
/// file under `src/`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|part| part != "mod" && part != "lib" && part != "main")
        .collect();
    parts.join("::")
}

fn segments(module: &str) -> Vec<String> {
    module
        .split("::")
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// A path named in a file, from the crate root, and the name a `use` brings it
/// in as (`None` for a glob or a path written out in code).
#[derive(Debug)]
struct Named {
    within: String,
    path: Vec<String>,
    name: Option<String>,
    line: usize,
}

/// One `use` tree (after `use`, or inside its braces): `crate::{a::X, b}` is
/// `crate::a::X` and `crate::b`, `show::{self, addr}` is `show` and
/// `show::addr`, `x as y` is `x` brought in as `y`.
fn use_tree(
    tokens: &[Token],
    i: &mut usize,
    mut path: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    let mut alias = None;
    while let Some(token) = tokens.get(*i) {
        match token.text.as_str() {
            "::" => *i += 1,
            "*" => {
                *i += 1;
                out.push((path, None));
                return;
            }
            "{" => {
                *i += 1;
                while tokens
                    .get(*i)
                    .is_some_and(|t| t.text != "}" && t.text != ";")
                {
                    let before = *i;
                    use_tree(tokens, i, path.clone(), out);
                    if tokens.get(*i).is_some_and(|t| t.text == ",") {
                        *i += 1;
                    } else if *i == before {
                        break;
                    }
                }
                *i += 1;
                return;
            }
            "as" => {
                alias = tokens.get(*i + 1).map(|t| t.text.clone());
                *i += 2;
                break;
            }
            _ if is_word(token) => {
                path.push(token.text.clone());
                *i += 1;
            }
            _ => break,
        }
    }
    if path.len() > 1 && path.last().is_some_and(|last| last == "self") {
        path.pop();
    }
    if let Some(last) = path.last() {
        let name = alias.unwrap_or_else(|| last.clone());
        out.push((path, Some(name)));
    }
}

/// A crate's files as far as imports go: each file's module path (`""` for
/// lib.rs, `ip`, `show::addr`), and the names each module brings in with
/// `use` (lib.rs's `pub use ip::Count;` makes `crate::Count` a way to write
/// `crate::ip::Count`).
#[derive(Debug, Default)]
struct Modules {
    files: BTreeSet<String>,
    names: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Modules {
    /// From `(module path, source text)` for each file of a crate.
    fn new(sources: &[(String, String)]) -> Modules {
        let mut modules = Modules {
            files: sources.iter().map(|(module, _)| module.clone()).collect(),
            names: BTreeMap::new(),
        };
        let mut names = BTreeMap::new();
        for (module, text) in sources {
            for named in modules.named_in(module, text) {
                if let Some(name) = named.name {
                    names
                        .entry(named.within)
                        .or_insert_with(BTreeMap::new)
                        .insert(name, named.path);
                }
            }
        }
        modules.names = names;
        modules
    }

    /// A path as written in `within` (a module path, inline modules
    /// included), from the crate root: `crate::x`, `self::x`, `super::x`, or
    /// a child module's `x::…` (a `use` may start with one). `None` for
    /// another crate's path (`std::…`, `netlab_common::…`) or an item of this
    /// module (`use Kind::*`).
    fn absolute(&self, within: &str, path: &[String]) -> Option<Vec<String>> {
        let mut base = segments(within);
        let mut rest = path;
        match rest.first()?.as_str() {
            "crate" => {
                base.clear();
                rest = &rest[1..];
            }
            "self" => rest = &rest[1..],
            "super" => {
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
            }
            first => {
                let mut child = base.clone();
                child.push(first.to_string());
                if !self.files.contains(&child.join("::")) {
                    return None;
                }
            }
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file a path from the crate root lands in: the deepest module on
    /// the path, after following what modules bring in with `use` (so a
    /// re-exported name leads to the module that defines it).
    fn file_of(&self, path: &[String]) -> String {
        let mut path = path.to_vec();
        let mut module = String::new();
        // A chain of re-exports is short; a loop of them would not compile.
        for _ in 0..8 {
            let depth = (0..=path.len())
                .rev()
                .find(|&n| self.files.contains(&path[..n].join("::")))
                .unwrap_or(0);
            module = path[..depth].join("::");
            let target = path
                .get(depth)
                .and_then(|name| self.names.get(&module)?.get(name));
            match target {
                Some(target) if target[..] != path[..=depth] => {
                    path = target.iter().chain(&path[depth + 1..]).cloned().collect();
                }
                _ => break,
            }
        }
        module
    }

    /// Every path of this crate named in a file: in `use` declarations, and
    /// written out in code (`crate::ip::parse(…)`, `super::lan::Row`).
    fn named_in(&self, module: &str, text: &str) -> Vec<Named> {
        let tokens = tokens(&code_only(text));
        let blocks = blocks(&tokens);
        // The module at token `i`: the file's, and the inline `mod x { … }`
        // around it (where `super` means the file's own module).
        let within = |i: usize| {
            let mut parts = segments(module);
            for block in enclosing(&blocks, i) {
                if let Opened::Mod { name, .. } = &block.opened {
                    parts.push(name.clone());
                }
            }
            parts.join("::")
        };
        let mut found = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let text = tokens[i].text.as_str();
            let next = tokens.get(i + 1).map(|t| t.text.as_str());
            if text == "use" && next != Some("<") {
                let within = within(i);
                let line = tokens[i].line;
                i += 1;
                let mut paths = Vec::new();
                use_tree(&tokens, &mut i, Vec::new(), &mut paths);
                for (path, name) in paths {
                    if let Some(path) = self.absolute(&within, &path) {
                        found.push(Named {
                            within: within.clone(),
                            path,
                            name,
                            line,
                        });
                    }
                }
            } else if matches!(text, "crate" | "self" | "super")
                && next == Some("::")
                && (i == 0 || tokens[i - 1].text != "::")
            {
                let mut path = vec![text.to_string()];
                let mut j = i + 1;
                while tokens.get(j).is_some_and(|t| t.text == "::")
                    && tokens.get(j + 1).is_some_and(is_word)
                {
                    path.push(tokens[j + 1].text.clone());
                    j += 2;
                }
                let within = within(i);
                if let Some(path) = self.absolute(&within, &path) {
                    found.push(Named {
                        within,
                        path,
                        name: None,
                        line: tokens[i].line,
                    });
                }
                i = j;
            } else {
                i += 1;
            }
        }
        found
    }

    /// The other files of the crate that a file (of module path `module`)
    /// refers to, each with the first line that does.
    fn imports_at(&self, module: &str, text: &str) -> BTreeMap<String, usize> {
        let mut files = BTreeMap::new();
        for named in self.named_in(module, text) {
            files.entry(self.file_of(&named.path)).or_insert(named.line);
        }
        files.remove(module);
        files
    }

    /// The other files of the crate that a file refers to.
    fn imports(&self, module: &str, text: &str) -> BTreeSet<String> {
        self.imports_at(module, text).into_keys().collect()
    }
}

/// Files that import each other can't be read top to bottom. A module's
/// `mod.rs` (or `lib.rs`) and its own children may: the parent declares and
/// re-exports them. `main.rs` is left out: the binary is a crate of its own
/// that uses the library from outside, as `netlab_common::…` or `chat::…`.
#[test]
fn no_two_files_import_each_other() {
    let mut circles = Vec::new();
    for (_, dir) in packages() {
        let src = dir.join("src");
        let files: BTreeMap<String, PathBuf> = rust_files(&src)
            .into_iter()
            .filter(|file| file != &src.join("main.rs"))
            .map(|file| (module_of(&src, &file), file))
            .collect();
        let sources: Vec<(String, String)> = files
            .iter()
            .map(|(module, file)| (module.clone(), fs::read_to_string(file).unwrap()))
            .collect();
        let modules = Modules::new(&sources);
        let uses: BTreeMap<&str, BTreeMap<String, usize>> = sources
            .iter()
            .map(|(module, text)| (module.as_str(), modules.imports_at(module, text)))
            .collect();
        let at = |module: &str, line: usize| {
            let file = files[module].strip_prefix(root()).unwrap();
            format!("{}:{line}", file.display())
        };
        for (a, theirs) in &uses {
            for (b, a_line) in theirs {
                let parent_and_child = b.starts_with(&format!("{a}::"))
                    || a.starts_with(&format!("{b}::"))
                    || a.is_empty()
                    || b.is_empty();
                let back = uses.get(b.as_str()).and_then(|back| back.get(*a));
                if let Some(b_line) = back
                    && *a < b.as_str()
                    && !parent_and_child
                {
                    circles.push(format!(
                        "{a} <-> {b}: {} imports {b}, {} imports {a}",
                        at(a, *a_line),
                        at(b, *b_line)
                    ));
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "files importing each other:\n{}",
        circles.join("\n")
    );
}

// ---------------------------------------------------------------------------
// The readers above, on a few lines each
// ---------------------------------------------------------------------------

fn tiny_crate(files: &[(&str, &str)]) -> Modules {
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|(module, text)| (module.to_string(), text.to_string()))
        .collect();
    Modules::new(&sources)
}

fn set(modules: &[&str]) -> BTreeSet<String> {
    modules.iter().map(|m| m.to_string()).collect()
}

#[test]
fn imports_in_braces() {
    let krate = tiny_crate(&[("", ""), ("ip", ""), ("split", ""), ("subnet", "")]);
    let text = "use crate::{ip::Count, split};";
    assert_eq!(krate.imports("subnet", text), set(&["ip", "split"]));
}

#[test]
fn imports_in_nested_braces() {
    let krate = tiny_crate(&[
        ("", ""),
        ("show", ""),
        ("show::addr", ""),
        ("show::lan", ""),
        ("subnet", ""),
        ("ip", ""),
    ]);
    let text = "use crate::{show::{addr, lan}, subnet};";
    assert_eq!(
        krate.imports("ip", text),
        set(&["show::addr", "show::lan", "subnet"])
    );
    let text = "use crate::show::{self, addr as a};";
    assert_eq!(krate.imports("ip", text), set(&["show", "show::addr"]));
}

#[test]
fn imports_through_super_from_a_module_folder() {
    let krate = tiny_crate(&[
        ("", ""),
        ("show", ""),
        ("show::addr", ""),
        ("show::lan", ""),
    ]);
    assert_eq!(
        krate.imports("show::addr", "use super::lan::Row;"),
        set(&["show::lan"])
    );
    // `super` in a file's test module is the file itself; `super::super` its parent.
    let text = "#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::lan;\n}";
    assert_eq!(krate.imports("show::addr", text), set(&["show::lan"]));
}

#[test]
fn imports_of_a_name_the_crate_root_re_exports() {
    let krate = tiny_crate(&[
        ("", "pub mod ip;\npub mod split;\npub use ip::Count;"),
        ("ip", "pub struct Count;"),
        ("split", ""),
    ]);
    assert_eq!(krate.imports("split", "use crate::Count;"), set(&["ip"]));
    // Written out in code, without a `use`.
    assert_eq!(
        krate.imports("split", "fn f() -> crate::Count { todo!() }"),
        set(&["ip"])
    );
}

#[test]
fn imports_written_out_in_code_and_not_in_comments_or_strings() {
    let krate = tiny_crate(&[("", ""), ("ip", ""), ("mac", ""), ("subnet", "")]);
    let text = "// use crate::mac;\n/// [`crate::mac`]\n\
                fn f() { crate::ip::parse(\"crate::mac\"); self::g(); }";
    assert_eq!(krate.imports("subnet", text), set(&["ip"]));
}

#[test]
fn dependencies_are_read_from_every_table() {
    let manifest: toml::Table = r#"
        [dependencies]
        netlab-common.workspace = true
        old = { package = "chat", path = "../chat" }

        [dev-dependencies]
        netlab-testkit.workspace = true

        [build-dependencies]
        auth = { path = "../auth" }

        [target.'cfg(unix)'.dependencies]
        framing.workspace = true

        [target.'cfg(windows)'.dev-dependencies]
        udp-demo.workspace = true

        [dependencies.time-sync]
        path = "../time-sync"
    "#
    .parse()
    .unwrap();
    let workspace: toml::Table = r#"
        netlab-common = { path = "crates/netlab-common" }
        netlab-testkit = { path = "crates/netlab-testkit" }
        framing = { path = "crates/chat", package = "chat-renamed" }
    "#
    .parse()
    .unwrap();
    let found: BTreeSet<(String, Kind, String)> = dependencies(&manifest, &workspace)
        .into_iter()
        .map(|d| (d.package, d.kind, d.table))
        .collect();
    let expected: BTreeSet<(String, Kind, String)> = [
        ("netlab-common", Kind::Normal, "[dependencies]"),
        ("chat", Kind::Normal, "[dependencies]"),
        ("time-sync", Kind::Normal, "[dependencies]"),
        ("netlab-testkit", Kind::Dev, "[dev-dependencies]"),
        ("auth", Kind::Build, "[build-dependencies]"),
        (
            "chat-renamed",
            Kind::Normal,
            "[target.cfg(unix).dependencies]",
        ),
        (
            "udp-demo",
            Kind::Dev,
            "[target.cfg(windows).dev-dependencies]",
        ),
    ]
    .into_iter()
    .map(|(p, k, t)| (p.to_string(), k, t.to_string()))
    .collect();
    assert_eq!(found, expected);
}

#[test]
fn failures_handed_out_are_found_however_written() {
    let lines = |text: &str, file| -> Vec<usize> {
        failures_handed_out(text, file)
            .iter()
            .map(|found| found.split(':').next().unwrap().parse().unwrap())
            .collect()
    };
    let library = "\
fn a() -> Result<(), Failure> { todo!() }
fn b() -> Failure { todo!() }
fn c(
    x: u8,
) -> Result<
    (),
    netlab_common::Failure,
> {
    todo!()
}
type Result<T> = std::result::Result<T, Failure>;
impl std::str::FromStr for Thing {
    type Err = Failure;
}
impl From<Oops> for Failure {
    fn from(error: Oops) -> Self { todo!() }
}
fn d(message: &str) -> String { format!(\"-> Failure {message}\") } // -> Failure
fn e(result: Result<(), Failure>) -> std::process::ExitCode { todo!() }
#[cfg(test)]
mod tests {
    fn helper() -> Failure { todo!() }
}
";
    assert_eq!(lines(library, FailureFile::Library), [1, 2, 5, 11, 13, 16]);
    // A crate's failure.rs may convert (line 16), nothing else.
    assert_eq!(lines(library, FailureFile::Conversions), [1, 2, 5, 11, 13]);
    let renamed = "use netlab_common::Failure as Oops;\nfn f() -> Oops { todo!() }";
    assert_eq!(lines(renamed, FailureFile::Library), [2]);
    // netlab-common's failure.rs: Failure's own constructors too.
    let definition = "\
impl Failure {
    pub fn usage(message: &str) -> Failure { todo!() }
    pub fn explained(self) -> Self { todo!() }
}
impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Failure { todo!() }
}
pub fn helper() -> Failure { todo!() }
";
    assert_eq!(lines(definition, FailureFile::Definition), [8]);
    assert_eq!(lines(definition, FailureFile::Library), [2, 3, 6, 8]);
}
