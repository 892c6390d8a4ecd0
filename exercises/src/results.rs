//! Remembering the last check of each exercise, so `list` and `next` can say
//! "done" without rebuilding everything.
//!
//! A result is keyed by a fingerprint of the exercise's source files: edit a file and
//! the old result no longer counts, so `list` never calls a changed exercise done.

use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

use netlab_common::files::read_capped_text;
use serde::{Deserialize, Serialize};

/// The most `results.json` may hold: a line or two per exercise. A bigger one
/// is not ours (or damaged) and counts as no results.
pub const MAX_RESULTS_FILE: u64 = 1024 * 1024;

/// How much of each file a fingerprint reads. Sources are a few KiB; a link to
/// `/dev/zero` or a huge file in an exercise's directory is read only this far,
/// so `list` and `next` always finish.
pub const MAX_FINGERPRINTED_FILE: u64 = 16 * 1024 * 1024;

/// The saved result of one exercise.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Saved {
    pub fingerprint: u64,
    pub passed: bool,
}

/// All saved results, stored as JSON in the runner's target directory.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Results {
    exercises: BTreeMap<String, Saved>,
}

impl Results {
    fn path(target_dir: &Path) -> PathBuf {
        target_dir.join("results.json")
    }

    /// Loads the saved results; a missing, unreadable or oversized file means none.
    pub fn load(target_dir: &Path) -> Results {
        read_capped_text(&Results::path(target_dir), MAX_RESULTS_FILE)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Saves them. Failing to save only costs a rebuild later, so it is not fatal.
    pub fn save(&self, target_dir: &Path) {
        if fs::create_dir_all(target_dir).is_ok()
            && let Ok(text) = serde_json::to_string_pretty(self)
        {
            let _ = fs::write(Results::path(target_dir), text);
        }
    }

    pub fn record(&mut self, name: &str, fingerprint: u64, passed: bool) {
        self.exercises.insert(
            name.to_string(),
            Saved {
                fingerprint,
                passed,
            },
        );
    }

    /// `Some(passed)` when the exercise was checked with exactly these sources.
    pub fn lookup(&self, name: &str, fingerprint: u64) -> Option<bool> {
        self.exercises
            .get(name)
            .filter(|saved| saved.fingerprint == fingerprint)
            .map(|saved| saved.passed)
    }
}

/// A fingerprint of every file under `dir` except build output.
pub fn fingerprint(dir: &Path) -> u64 {
    let mut files = Vec::new();
    collect_files(dir, &mut files);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.strip_prefix(dir).unwrap_or(&file).hash(&mut hasher);
        hash_contents(&file, &mut hasher);
    }
    hasher.finish()
}

/// Feeds the first [`MAX_FINGERPRINTED_FILE`] bytes of `file` to `hasher`, a
/// block at a time (never the whole file in memory), then how many there were.
/// Only regular files are read: a device (`/dev/zero`) or a pipe is not a source.
fn hash_contents(file: &Path, hasher: &mut DefaultHasher) {
    if !file.is_file() {
        return;
    }
    let Ok(opened) = fs::File::open(file) else {
        return;
    };
    let mut reader = opened.take(MAX_FINGERPRINTED_FILE);
    let mut block = [0u8; 8192];
    let mut total: u64 = 0;
    while let Ok(n) = reader.read(&mut block) {
        let Some(bytes) = block.get(..n).filter(|bytes| !bytes.is_empty()) else {
            break;
        };
        hasher.write(bytes);
        total += n as u64;
    }
    hasher.write_u64(total);
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == "Cargo.lock" {
            continue;
        }
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_changes_the_fingerprint() {
        let dir = std::env::temp_dir().join(format!("netlab-fp-{}", std::process::id()));
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::write(dir.join("src/lib.rs"), "a").unwrap();
        let before = fingerprint(&dir);
        fs::write(dir.join("src/lib.rs"), "b").unwrap();
        let after = fingerprint(&dir);
        fs::remove_dir_all(&dir).unwrap();
        assert_ne!(before, after);
    }

    #[test]
    fn results_only_count_for_the_same_sources() {
        let mut results = Results::default();
        results.record("x", 1, true);
        assert_eq!(results.lookup("x", 1), Some(true));
        assert_eq!(results.lookup("x", 2), None);
    }
}
