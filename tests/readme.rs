//! The README's commands work as written: every `cargo run -p CRATE -- SUBCOMMAND`
//! it mentions names a real binary and subcommand (checked through `--help`), and
//! so does every subcommand its chapter table names: `cargo run -p CRATE -- SUB`,
//! and the bare `SUB` names that follow it in the same cell.

use std::fs;
use std::path::Path;

use netlab_testkit::{run, stderr_text, workspace_bin};

fn readme() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// `(binary, subcommand)` pairs the README mentions.
fn mentioned_subcommands() -> Vec<(String, String)> {
    let text = readme();
    let mut pairs = Vec::new();
    for line in text.lines() {
        // `cargo run -p tcp-demo -- server`
        let mut rest = line;
        while let Some(start) = rest.find("cargo run -p ") {
            let after = &rest[start + "cargo run -p ".len()..];
            let mut words = after.split_whitespace();
            let binary = words.next().unwrap_or_default().to_string();
            let separator = words.next();
            let sub = words.next().unwrap_or_default();
            if separator == Some("--") && !sub.starts_with('-') {
                let sub = sub.trim_end_matches(['`', ',', ')']).to_string();
                pairs.push((binary.clone(), sub));
            }
            rest = after;
        }
        // The chapter table: | ... | `crate` | `crate sub` / `sub`, ... |
        if line.starts_with("| ") && line.contains("| `") {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let Some(try_cell) = cells.get(3) else {
                continue;
            };
            let mut current = None;
            for code in try_cell.split('`').skip(1).step_by(2) {
                // `NAME=value` in front of a command sets its environment.
                let words: Vec<&str> = code
                    .split_whitespace()
                    .skip_while(|w| w.contains('='))
                    .collect();
                let Some(first) = words.first() else { continue };
                if *first == "cargo" {
                    // `cargo run -p CRATE -- SUB`: the bare names after it are
                    // CRATE's subcommands too (`/ client`).
                    let after = |flag: &str| {
                        let at = words.iter().position(|w| *w == flag)?;
                        words.get(at + 1).copied()
                    };
                    current = after("-p").map(str::to_string);
                    if let (Some(binary), Some(sub)) = (&current, after("--"))
                        && !sub.starts_with('-')
                    {
                        pairs.push((binary.clone(), sub.to_string()));
                    }
                    continue;
                }
                if *first == "--" {
                    continue;
                }
                let (binary, sub) = if is_binary(first) {
                    current = Some(first.to_string());
                    (first.to_string(), words.get(1).copied())
                } else {
                    match &current {
                        Some(binary) => (binary.clone(), Some(*first)),
                        None => continue,
                    }
                };
                if let Some(sub) = sub.filter(|s| !s.starts_with('-')) {
                    pairs.push((binary, sub.to_string()));
                }
            }
        }
    }
    pairs.sort();
    pairs.dedup();
    pairs
}

fn is_binary(word: &str) -> bool {
    word != "netlab" && netlab::BINARIES.contains(&word)
}

#[test]
fn readme_subcommands_exist() {
    let pairs = mentioned_subcommands();
    assert!(
        pairs.len() > 10,
        "the README should mention the lessons: {pairs:?}"
    );
    let mut missing = Vec::new();
    for (binary, sub) in &pairs {
        let output = run(workspace_bin(binary), &[sub.as_str(), "--help"], b"");
        if output.status.code() != Some(0) {
            missing.push(format!("{binary} {sub}: {}", stderr_text(&output)));
        }
    }
    assert!(
        missing.is_empty(),
        "README mentions commands that don't exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn readme_names_the_two_commands() {
    let text = readme();
    assert!(text.contains("$ cargo run "));
    assert!(text.contains("$ cargo test "));
}

/// Every listing the README's table names (`` `crate`: `name` / `name` ``) is a file
/// of that crate's `examples/`.
#[test]
fn readme_listings_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut named = 0;
    for line in readme().lines().filter(|l| l.starts_with("| `")) {
        let Some(last) = line.trim_end_matches('|').rsplit('|').next() else {
            continue;
        };
        let Some((krate, names)) = last.trim().split_once(": ") else {
            continue;
        };
        let krate = krate.trim_matches('`');
        let dir = if krate == "netlab" {
            root.to_path_buf()
        } else {
            root.join("crates").join(krate)
        };
        for name in names.split('`').skip(1).step_by(2) {
            let names = if let Some(prefix) = name.strip_suffix('*') {
                vec![format!("{prefix}server"), format!("{prefix}client")]
            } else {
                vec![name.to_string()]
            };
            for name in names {
                let path = dir.join("examples").join(format!("{name}.rs"));
                assert!(
                    path.is_file(),
                    "README names a listing {path:?} that does not exist"
                );
                named += 1;
            }
        }
    }
    assert!(
        named >= 26,
        "the README's table names only {named} listings"
    );
}

/// The chapter table names each chapter's exercises: every exercise of the
/// course (exercises/*/exercise.toml), in the row of its chapter.
#[test]
fn readme_names_every_exercise_in_its_chapter() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = readme();
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ")).collect();
    let chinese = ["一", "二", "三", "四", "五", "六", "七", "八"];
    for entry in fs::read_dir(root.join("exercises")).unwrap() {
        let toml = entry.unwrap().path().join("exercise.toml");
        let Ok(meta) = fs::read_to_string(&toml) else {
            continue;
        };
        let field = |key: &str| {
            meta.lines()
                .find_map(|l| l.strip_prefix(key)?.trim().strip_prefix('='))
                .map(|v| v.trim().trim_matches('"').to_string())
                .unwrap_or_default()
        };
        let (name, chapter) = (field("name "), field("chapter "));
        let chapter: usize = chapter.parse().expect("a chapter number");
        let row = rows
            .iter()
            .find(|row| row.starts_with(&format!("| {}.", chinese[chapter - 1])))
            .unwrap_or_else(|| panic!("no README row for chapter {chapter}"));
        assert!(
            row.contains(&format!("`{name}`")),
            "README's chapter {chapter} row does not name the exercise {name}"
        );
    }
}
