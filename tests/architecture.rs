//! The shape of the workspace, kept: each chapter's crate stands on the ones
//! before it, the test machinery is for tests only, library functions return
//! their own errors (the binary's `Failure` stays in the binaries), and no two
//! files of a crate import each other.

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

/// The names in a `[dependencies]`-like table of a Cargo.toml.
fn table_keys(manifest: &str, table: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == format!("[{table}]");
            continue;
        }
        if inside && let Some((key, _)) = line.split_once(['=', '.']) {
            let key = key.trim();
            if !key.is_empty() && !key.starts_with('#') {
                keys.push(key.to_string());
            }
        }
    }
    keys
}

fn manifest(krate: &str) -> String {
    fs::read_to_string(root().join("crates").join(krate).join("Cargo.toml")).unwrap()
}

#[test]
fn a_chapter_uses_only_earlier_chapters_and_the_common_crate() {
    let mut later = Vec::new();
    for (krate, chapter) in CHAPTERS {
        for dependency in table_keys(&manifest(krate), "dependencies") {
            if let Some((_, theirs)) = CHAPTERS.iter().find(|(name, _)| *name == dependency)
                && theirs > chapter
            {
                later.push(format!(
                    "{krate} (chapter {chapter}) depends on {dependency} (chapter {theirs})"
                ));
            }
        }
    }
    assert!(later.is_empty(), "{}", later.join("\n"));
}

#[test]
fn the_test_machinery_is_a_dev_dependency_only() {
    let mut members: Vec<(String, String)> = CHAPTERS
        .iter()
        .map(|(krate, _)| (krate.to_string(), manifest(krate)))
        .collect();
    members.push(("netlab-common".into(), manifest("netlab-common")));
    members.push((
        "netlab (the tour)".into(),
        fs::read_to_string(root().join("Cargo.toml")).unwrap(),
    ));
    for (name, text) in members {
        assert!(
            !table_keys(&text, "dependencies").contains(&"netlab-testkit".to_string()),
            "{name} depends on netlab-testkit outside [dev-dependencies]"
        );
    }
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
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

/// A library function hands the binary's error type (`Failure`, which carries
/// exit codes) to its caller: only the binaries (`main.rs`) do that.
#[test]
fn library_functions_return_their_own_errors() {
    let mut offending = Vec::new();
    for (krate, _) in CHAPTERS {
        let src = root().join("crates").join(krate).join("src");
        for file in rust_files(&src) {
            if file.ends_with("main.rs") {
                continue;
            }
            let text = fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.contains("-> Result<") && line.contains("Failure>") {
                    offending.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(offending.is_empty(), "{}", offending.join("\n"));
}

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

/// The crate modules a file refers to (`crate::ip::...`, `use crate::{ip, subnet}`).
fn references(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for module in modules {
        if module.is_empty() {
            continue;
        }
        let path = format!("crate::{module}");
        let braced = text.contains("use crate::{") && {
            let top = module.split("::").next().unwrap_or_default();
            text.split("use crate::{")
                .skip(1)
                .filter_map(|rest| rest.split('}').next())
                .any(|list| list.split([',', ' ', '\n']).any(|item| item == top))
        };
        let direct = text.match_indices(&path).any(|(at, _)| {
            let after = &text[at + path.len()..];
            !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        });
        if direct || (braced && !module.contains("::")) {
            found.insert(module.clone());
        }
    }
    found
}

/// Files that import each other can't be read top to bottom. A module's
/// `mod.rs` and its own children may (the parent declares and re-exports them).
#[test]
fn no_two_files_import_each_other() {
    let mut circles = Vec::new();
    let krates = CHAPTERS
        .iter()
        .map(|(krate, _)| root().join("crates").join(krate))
        .chain([root().join("crates/netlab-common"), root().to_path_buf()]);
    for krate in krates {
        let src = krate.join("src");
        let files = rust_files(&src);
        let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
        let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in &files {
            let module = module_of(&src, file);
            // Code only: a doc comment's link to another module imports nothing.
            let text: String = fs::read_to_string(file)
                .unwrap()
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .map(|line| format!("{line}\n"))
                .collect();
            let mut referenced = references(&text, &modules);
            referenced.remove(&module);
            uses.insert(module, referenced);
        }
        for (a, theirs) in &uses {
            for b in theirs {
                let parent_and_child = b.starts_with(&format!("{a}::"))
                    || a.starts_with(&format!("{b}::"))
                    || a.is_empty()
                    || b.is_empty();
                if a < b && !parent_and_child && uses.get(b).is_some_and(|back| back.contains(a)) {
                    circles.push(format!("{}: {a} <-> {b}", krate.display()));
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
