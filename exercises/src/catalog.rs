//! Which exercises exist, in what order, and which sets instructors defined.
//!
//! Every directory under `exercises/` with an `exercise.toml` is an exercise. Its
//! reference solution lives apart, under `exercises/solutions/<name>/`, as the files
//! that replace the starter's. Sets are `exercises/sets/<set>.toml`.
//!
//! Every file the runner reads here may come from someone else's checkout
//! (`--dir` points at a student's), so each is read with a cap: a set or a task
//! that is a link to `/dev/zero`, or a huge file by mistake, is an error that
//! names the file and the cap, not a runner that reads until memory runs out.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use netlab_common::files::{ReadCappedError, read_capped_text};
use netlab_common::lang::Lang;
use serde::Deserialize;

/// The most an `exercise.toml` or a set (`sets/<set>.toml`) may hold. Each is a
/// few lines; 64 KiB is room for a set of a thousand exercises.
pub const MAX_TOML_FILE: u64 = 64 * 1024;

/// The most a task (`README.md`, `README.zh.md`) or a hints file (`hints.md`,
/// `hints.zh.md`) may hold. The longest shipped one is a few KiB; a task of a
/// megabyte is a mistake.
pub const MAX_TEXT_FILE: u64 = 1024 * 1024;

/// What `exercise.toml` says about an exercise.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub name: String,
    /// The tutorial chapter, 1 to 8.
    pub chapter: u8,
    /// Sorts the exercises of one chapter.
    pub order: u32,
    pub title: String,
    /// The title in Chinese (the English one when a course has none).
    #[serde(default)]
    pub title_zh: Option<String>,
}

/// One exercise on disk.
#[derive(Debug, Clone)]
pub struct Exercise {
    pub meta: Meta,
    /// `exercises/<name>`: the package the student edits.
    pub dir: PathBuf,
    /// `exercises/solutions/<name>`: the reference solution's files.
    pub solution_dir: PathBuf,
}

impl Exercise {
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// The title in `lang`.
    pub fn title(&self, lang: Lang) -> &str {
        match (lang, &self.meta.title_zh) {
            (Lang::Zh, Some(title)) => title,
            _ => &self.meta.title,
        }
    }

    /// The name of the task's file in `lang`: `README.md`, or `README.zh.md`
    /// in Chinese.
    pub fn task_file(&self, lang: Lang) -> String {
        self.text_file("README", lang)
    }

    /// The task text in `lang`.
    pub fn task(&self, lang: Lang) -> Result<String, CatalogError> {
        read(&self.dir.join(self.task_file(lang)), MAX_TEXT_FILE)
    }

    /// The hints in `lang` (`hints.md`, `hints.zh.md`), split by [`split_hints`].
    pub fn hints(&self, lang: Lang) -> Result<Vec<String>, CatalogError> {
        let text = read(&self.dir.join(self.text_file("hints", lang)), MAX_TEXT_FILE)?;
        Ok(split_hints(&text))
    }

    /// `STEM.md`, or `STEM.zh.md` in Chinese, in the exercise's directory.
    fn text_file(&self, stem: &str, lang: Lang) -> String {
        text_file_name(stem, text_lang_in(&self.dir, stem, lang))
    }

    /// The language the reference solution's notes are shown in when `lang`
    /// is asked for: English when the course has no `NOTES.zh.md`.
    pub fn notes_lang(&self, lang: Lang) -> Lang {
        text_lang_in(&self.solution_dir, "NOTES", lang)
    }

    /// The name of the reference solution's notes in `lang`: `NOTES.md`, or
    /// `NOTES.zh.md` in Chinese.
    pub fn notes_file(&self, lang: Lang) -> String {
        text_file_name("NOTES", self.notes_lang(lang))
    }

    /// The reference solution's notes in `lang`: why it is written this way,
    /// and the alternatives.
    pub fn notes(&self, lang: Lang) -> Result<String, CatalogError> {
        read(
            &self.solution_dir.join(self.notes_file(lang)),
            MAX_TEXT_FILE,
        )
    }

    /// The reference solution's `src/lib.rs`.
    pub fn solution_lib(&self) -> PathBuf {
        self.solution_dir.join("src").join("lib.rs")
    }

    /// The text of the reference solution's `src/lib.rs`.
    pub fn solution_source(&self) -> Result<String, CatalogError> {
        read(&self.solution_lib(), MAX_TEXT_FILE)
    }

    /// The known-buggy submissions in `buggy/*.rs`, sorted by file name.
    pub fn buggy(&self) -> Result<Vec<Buggy>, CatalogError> {
        let dir = self.dir.join("buggy");
        let Ok(entries) = fs::read_dir(&dir) else {
            return Ok(Vec::new());
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let text = read(&path, MAX_TEXT_FILE)?;
                Buggy::parse(&path, &text)
            })
            .collect()
    }
}

/// The hints of a hints file: the parts between lines that hold only `---`,
/// trimmed, the empty ones left out.
///
/// ```
/// let hints = exercises::catalog::split_hints("First.\n---\nSecond,\nin two lines.\n");
/// assert_eq!(hints, ["First.", "Second,\nin two lines."]);
/// ```
pub fn split_hints(text: &str) -> Vec<String> {
    text.split("\n---\n")
        .map(|hint| hint.trim().to_string())
        .filter(|hint| !hint.is_empty())
        .collect()
}

/// A known-buggy submission: a `lib.rs` with one classic mistake, and the test
/// that must catch it. Its first lines say both:
///
/// ```text
/// //! Buggy submission: `write` instead of `write_all`.
/// //!
/// //! (why it is wrong, what a real network does)
/// //!
/// //! Caught by: echoes_everything_to_a_slow_reader
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buggy {
    pub path: PathBuf,
    /// The mistake, in a few words.
    pub mistake: String,
    /// The tests that must fail (at least one).
    pub caught_by: Vec<String>,
}

impl Buggy {
    const TITLE: &str = "//! Buggy submission:";
    const CAUGHT_BY: &str = "//! Caught by:";

    fn parse(path: &Path, text: &str) -> Result<Buggy, CatalogError> {
        let field = |prefix: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(prefix))
                .map(str::trim)
                .filter(|value| !value.is_empty())
        };
        let invalid = |what: &str| {
            CatalogError::Invalid(
                path.to_path_buf(),
                format!("a buggy submission needs a line `{what} ...`"),
            )
        };
        let mistake = field(Buggy::TITLE).ok_or_else(|| invalid(Buggy::TITLE))?;
        let caught_by = field(Buggy::CAUGHT_BY).ok_or_else(|| invalid(Buggy::CAUGHT_BY))?;
        Ok(Buggy {
            path: path.to_path_buf(),
            mistake: mistake.to_string(),
            caught_by: caught_by
                .split(',')
                .map(|name| name.trim().to_string())
                .filter(|name| !name.is_empty())
                .collect(),
        })
    }

    /// The file's name without `.rs`.
    pub fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// A set of exercises an instructor picked, e.g. for a week.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Set {
    #[serde(default)]
    pub title: String,
    pub exercises: Vec<String>,
    /// Points per exercise; an exercise not listed here is worth
    /// [`DEFAULT_POINTS`].
    #[serde(default)]
    pub points: BTreeMap<String, u32>,
}

/// What an exercise is worth when its set does not say.
pub const DEFAULT_POINTS: u32 = 1;

/// The most points one exercise may be worth: a set that gives more is a typo.
pub const MAX_POINTS: u32 = 1000;

/// An exercise as a set assigns it: with its points.
#[derive(Debug, Clone, Copy)]
pub struct Assigned<'a> {
    pub exercise: &'a Exercise,
    pub points: u32,
}

/// Everything that can go wrong reading the catalog: a missing, oversized or
/// malformed file, an unknown exercise or set. All of them are the user's input,
/// so exit code 2.
#[derive(Debug)]
pub enum CatalogError {
    Read(PathBuf, std::io::Error),
    /// A file that could not be read, or is over its cap.
    File(ReadCappedError),
    Parse(PathBuf, String),
    UnknownExercise(String, Vec<String>),
    UnknownSet(String, Vec<String>),
    Invalid(PathBuf, String),
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::Read(path, e) => write!(f, "cannot read {}: {e}", path.display()),
            CatalogError::File(error) => write!(f, "{error}"),
            CatalogError::Parse(path, e) => write!(f, "{} is malformed: {e}", path.display()),
            CatalogError::UnknownExercise(name, known) => write!(
                f,
                "no exercise named '{name}' (expected one of: {})",
                known.join(", ")
            ),
            CatalogError::UnknownSet(name, known) => write!(
                f,
                "no set named '{name}' in exercises/sets (expected one of: {})",
                known.join(", ")
            ),
            CatalogError::Invalid(path, why) => write!(f, "{}: {why}", path.display()),
        }
    }
}

impl std::error::Error for CatalogError {}

/// The language of `STEM.md` (English) or `STEM.zh.md` (Chinese) shown in
/// `lang`, as found in `dir`. A course whose exercise has no Chinese file shows
/// the English one, as an untranslated message would be.
fn text_lang_in(dir: &Path, stem: &str, lang: Lang) -> Lang {
    match lang {
        Lang::Zh if dir.join(text_file_name(stem, Lang::Zh)).exists() => Lang::Zh,
        _ => Lang::En,
    }
}

/// `STEM.md` in English, `STEM.zh.md` in Chinese.
fn text_file_name(stem: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{stem}.md"),
        Lang::Zh => format!("{stem}.zh.md"),
    }
}

/// The text of `path`, if it is a regular file (not a device such as
/// `/dev/zero`, nor a pipe that would block) of at most `max` bytes.
fn read(path: &Path, max: u64) -> Result<String, CatalogError> {
    if fs::metadata(path).is_ok_and(|meta| !meta.is_file()) {
        return Err(CatalogError::Invalid(
            path.to_path_buf(),
            "not a regular file".to_string(),
        ));
    }
    read_capped_text(path, max).map_err(CatalogError::File)
}

/// The exercises found in `root` (the `exercises/` directory), sorted by chapter
/// and order.
pub fn load(root: &Path) -> Result<Vec<Exercise>, CatalogError> {
    let entries = fs::read_dir(root).map_err(|e| CatalogError::Read(root.to_path_buf(), e))?;
    let mut exercises = Vec::new();
    for entry in entries {
        let dir = entry
            .map_err(|e| CatalogError::Read(root.to_path_buf(), e))?
            .path();
        let meta_path = dir.join("exercise.toml");
        if !meta_path.is_file() {
            continue;
        }
        let meta: Meta = toml::from_str(&read(&meta_path, MAX_TOML_FILE)?)
            .map_err(|e| CatalogError::Parse(meta_path.clone(), e.to_string()))?;
        let dir_name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        if dir_name.as_deref() != Some(meta.name.as_str()) {
            return Err(CatalogError::Invalid(
                meta_path,
                format!("name '{}' differs from the directory name", meta.name),
            ));
        }
        if !(1..=8).contains(&meta.chapter) {
            return Err(CatalogError::Invalid(
                meta_path,
                format!("chapter {} is not between 1 and 8", meta.chapter),
            ));
        }
        let solution_dir = root.join("solutions").join(&meta.name);
        exercises.push(Exercise {
            meta,
            dir,
            solution_dir,
        });
    }
    exercises.sort_by(|a, b| {
        (a.meta.chapter, a.meta.order, &a.meta.name).cmp(&(
            b.meta.chapter,
            b.meta.order,
            &b.meta.name,
        ))
    });
    Ok(exercises)
}

/// The exercise called `name`.
pub fn find<'a>(exercises: &'a [Exercise], name: &str) -> Result<&'a Exercise, CatalogError> {
    exercises.iter().find(|e| e.name() == name).ok_or_else(|| {
        CatalogError::UnknownExercise(
            name.to_string(),
            exercises.iter().map(|e| e.name().to_string()).collect(),
        )
    })
}

/// The names of the sets in `root/sets`: its regular `.toml` files.
pub fn set_names(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root.join("sets"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let path = e.path();
                    if path.extension()? != "toml" || !path.is_file() {
                        return None;
                    }
                    Some(path.file_stem()?.to_string_lossy().into_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The exercises of set `name`, in the set's order; every name must exist.
///
/// `name` is one of the names in `root/sets` and nothing else: not a path
/// (`../../etc/x`), so a set is always a file an instructor put there.
pub fn select_set<'a>(
    root: &Path,
    exercises: &'a [Exercise],
    name: &str,
) -> Result<Vec<Assigned<'a>>, CatalogError> {
    let known = set_names(root);
    if !known.iter().any(|known| known == name) {
        return Err(CatalogError::UnknownSet(name.to_string(), known));
    }
    let path = root.join("sets").join(format!("{name}.toml"));
    let set: Set = toml::from_str(&read(&path, MAX_TOML_FILE)?)
        .map_err(|e| CatalogError::Parse(path.clone(), e.to_string()))?;
    for (exercise, points) in &set.points {
        if !set.exercises.contains(exercise) {
            return Err(CatalogError::Invalid(
                path,
                format!("points are given for '{exercise}', which is not in the set's exercises"),
            ));
        }
        if *points > MAX_POINTS {
            return Err(CatalogError::Invalid(
                path,
                format!("'{exercise}' is worth {points} points; at most {MAX_POINTS} are allowed"),
            ));
        }
    }
    set.exercises
        .iter()
        .map(|name| {
            Ok(Assigned {
                exercise: find(exercises, name)?,
                points: set.points.get(name).copied().unwrap_or(DEFAULT_POINTS),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
    }

    #[test]
    fn shipped_exercises_load_sorted_by_chapter() {
        let exercises = load(&shipped()).unwrap();
        assert!(!exercises.is_empty());
        let chapters: Vec<u8> = exercises.iter().map(|e| e.meta.chapter).collect();
        let mut sorted = chapters.clone();
        sorted.sort();
        assert_eq!(chapters, sorted);
    }

    #[test]
    fn every_exercise_has_task_hints_and_solution() {
        for exercise in load(&shipped()).unwrap() {
            assert!(
                !exercise.task(Lang::En).unwrap().is_empty(),
                "{}",
                exercise.name()
            );
            assert!(
                !exercise.hints(Lang::En).unwrap().is_empty(),
                "{}",
                exercise.name()
            );
            assert!(
                exercise.solution_dir.is_dir(),
                "{} has no solution",
                exercise.name()
            );
            assert!(exercise.dir.join("Cargo.toml").is_file());
        }
    }

    #[test]
    fn every_solution_has_notes() {
        for exercise in load(&shipped()).unwrap() {
            for lang in [Lang::En, Lang::Zh] {
                assert!(
                    !exercise.notes(lang).unwrap().is_empty(),
                    "{} {lang}",
                    exercise.name()
                );
            }
        }
    }

    /// The course's promise: every chapter of the tutorial has exercises, at
    /// least two each, 24 in all.
    #[test]
    fn every_chapter_has_two_or_more_exercises() {
        let exercises = load(&shipped()).unwrap();
        assert!(exercises.len() >= 24, "{} exercises", exercises.len());
        for chapter in 1..=8 {
            let count = exercises
                .iter()
                .filter(|e| e.meta.chapter == chapter)
                .count();
            assert!(count >= 2, "chapter {chapter} has {count} exercise(s)");
        }
    }

    #[test]
    fn every_exercise_has_two_or_more_buggy_submissions() {
        for exercise in load(&shipped()).unwrap() {
            let buggy = exercise.buggy().unwrap();
            assert!(
                buggy.len() >= 2,
                "{} has {} buggy submission(s)",
                exercise.name(),
                buggy.len()
            );
        }
    }

    /// Every exercise speaks Chinese too: its title, its task, as many hints
    /// as in English, and its solution's notes.
    #[test]
    fn every_exercise_has_its_title_task_hints_and_notes_in_chinese() {
        for exercise in load(&shipped()).unwrap() {
            let name = exercise.name();
            assert!(exercise.meta.title_zh.is_some(), "{name}: no title_zh");
            assert_eq!(exercise.task_file(Lang::Zh), "README.zh.md", "{name}");
            assert_eq!(exercise.notes_file(Lang::Zh), "NOTES.zh.md", "{name}");
            assert!(exercise.dir.join("hints.zh.md").is_file(), "{name}");
            assert_eq!(
                exercise.hints(Lang::Zh).unwrap().len(),
                exercise.hints(Lang::En).unwrap().len(),
                "{name}"
            );
        }
    }

    #[test]
    fn a_missing_translation_shows_the_english_text() {
        let mut exercise = load(&shipped()).unwrap().remove(0);
        exercise.dir = exercise.dir.join("no-such-directory");
        exercise.solution_dir = exercise.solution_dir.join("no-such-directory");
        exercise.meta.title_zh = None;
        assert_eq!(exercise.task_file(Lang::Zh), "README.md");
        assert_eq!(exercise.notes_file(Lang::Zh), "NOTES.md");
        assert_eq!(exercise.title(Lang::Zh), exercise.meta.title);
    }

    #[test]
    fn every_shipped_set_names_real_exercises() {
        let root = shipped();
        let exercises = load(&root).unwrap();
        for set in set_names(&root) {
            select_set(&root, &exercises, &set).unwrap();
        }
    }

    #[test]
    fn unknown_names_are_errors_that_list_the_choices() {
        let root = shipped();
        let exercises = load(&root).unwrap();
        let error = find(&exercises, "nope").unwrap_err().to_string();
        assert!(error.contains("no exercise named 'nope'"));
        assert!(error.contains("ip_to_binary"));
        assert!(select_set(&root, &exercises, "week99").is_err());
    }

    #[test]
    fn every_shipped_buggy_submission_names_its_mistake_and_a_test() {
        for exercise in load(&shipped()).unwrap() {
            for buggy in exercise.buggy().unwrap() {
                assert!(!buggy.caught_by.is_empty(), "{:?}", buggy.path);
            }
        }
    }

    #[test]
    fn a_buggy_header_is_read() {
        let text =
            "//! Buggy submission: `write` instead of `write_all`.\n//!\n//! Caught by: a, b\n";
        let buggy = Buggy::parse(Path::new("x/buggy/short_write.rs"), text).unwrap();
        assert_eq!(buggy.mistake, "`write` instead of `write_all`.");
        assert_eq!(buggy.caught_by, ["a", "b"]);
        assert_eq!(buggy.name(), "short_write");
        assert!(Buggy::parse(Path::new("y.rs"), "//! Buggy submission: x\n").is_err());
    }

    #[test]
    fn a_set_name_is_never_a_path() {
        let root = shipped();
        let exercises = load(&root).unwrap();
        // sets/../sets/week1.toml exists, but "../sets/week1" is not a set's name.
        let error = select_set(&root, &exercises, "../sets/week1").unwrap_err();
        assert!(matches!(error, CatalogError::UnknownSet(..)), "{error}");
    }
}
