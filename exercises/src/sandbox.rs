//! The scratch copy an exercise is graded in.
//!
//! Grading must not be fooled by a student's tree: whatever is in it besides
//! `src/` (a rewritten `tests/check.rs`, a `Cargo.toml` with a build script, a
//! deleted test) is never used. The scratch package is put together from
//!
//! - the course's own copy of the exercise (`Cargo.toml`, `Cargo.lock`, `tests/`:
//!   the runner's, as shipped in this repository), and
//! - the submission's `src/` only: the student's, a reference solution's, or one
//!   buggy `lib.rs`.
//!
//! The student's files are read with caps (a size per file, a total, a count),
//! regular files and directories only: a link to `/dev/zero` or a tree of a
//! million files is that student's error, never a full disk.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The most one source file of a submission may hold. The longest solution is a
/// few KiB.
pub const MAX_SOURCE_FILE: u64 = 1024 * 1024;

/// The most all source files of a submission may hold together.
pub const MAX_SOURCE_TOTAL: u64 = 8 * 1024 * 1024;

/// The most files and directories a submission's `src/` may have.
pub const MAX_SOURCE_ENTRIES: usize = 256;

/// What is tested in the scratch copy.
#[derive(Debug, Clone, Copy)]
pub enum Submission<'a> {
    /// A student's exercise directory: its `src/` is taken.
    Student(&'a Path),
    /// A reference solution's directory: its `src/` replaces the starter's files
    /// of the same name.
    Solution(&'a Path),
    /// One file that replaces the starter's `src/lib.rs` (a buggy submission).
    Lib(&'a Path),
    /// The starter itself, as the course ships it.
    Starter,
}

/// Why a submission could not be put into a scratch copy. Said in English
/// here, in the runner's language by [`crate::messages::Messages::problem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxError {
    /// The submission has no `src/` (or no such file).
    Missing(PathBuf),
    /// An entry that is neither a regular file nor a directory.
    NotRegular(PathBuf),
    /// `src/` has more than [`MAX_SOURCE_ENTRIES`] files and directories.
    TooManyEntries,
    /// One file is over [`MAX_SOURCE_FILE`].
    FileTooBig { path: PathBuf, len: u64, max: u64 },
    /// The files are over [`MAX_SOURCE_TOTAL`] together.
    TotalTooBig,
    /// The file system refused: the path, and the system's own message.
    Io(PathBuf, String),
}

impl SandboxError {
    fn io(path: &Path, error: io::Error) -> SandboxError {
        SandboxError::Io(path.to_path_buf(), error.to_string())
    }
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::Missing(path) => write!(f, "{} does not exist", path.display()),
            SandboxError::NotRegular(path) => write!(
                f,
                "{} is not a regular file or directory (a link or a device?)",
                path.display()
            ),
            SandboxError::TooManyEntries => write!(
                f,
                "src/ has more than {MAX_SOURCE_ENTRIES} files and directories"
            ),
            SandboxError::FileTooBig { path, len, max } => write!(
                f,
                "{} is {len} bytes, more than the {max} allowed for one source file",
                path.display()
            ),
            SandboxError::TotalTooBig => write!(
                f,
                "the source files hold more than {MAX_SOURCE_TOTAL} bytes together"
            ),
            SandboxError::Io(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

impl std::error::Error for SandboxError {}

/// Puts `course` (the course's exercise directory) and `submission` together in
/// `scratch`, emptied first. The package is renamed `NAME-SUFFIX` (its library
/// keeps its name, so the tests still `use ex_name::...`).
///
/// Why rename: every scratch copy is built in one shared target directory (the
/// dependencies are compiled once), and cargo names a package's artifacts after
/// its name and its path *relative to its workspace*, which is the same for every
/// copy. Two students' copies of one exercise, built at the same time, would
/// overwrite each other's test program; a suffix per student keeps them apart.
pub fn prepare(
    course: &Path,
    submission: Submission<'_>,
    scratch: &Path,
    suffix: &str,
) -> Result<(), SandboxError> {
    if scratch.exists() {
        fs::remove_dir_all(scratch).map_err(|e| SandboxError::io(scratch, e))?;
    }
    // The course's package: everything but build output and the buggy files.
    let mut budget = Budget::unlimited();
    copy_dir(course, scratch, &["target", "buggy"], &mut budget)?;
    rename_package(&scratch.join("Cargo.toml"), suffix)?;
    let src = scratch.join("src");
    match submission {
        Submission::Starter => Ok(()),
        Submission::Student(dir) => {
            // Only the student's src/ counts: the starter's is removed first, so a
            // file the student deleted is deleted here too.
            fs::remove_dir_all(&src).map_err(|e| SandboxError::io(&src, e))?;
            let theirs = dir.join("src");
            if !fs::symlink_metadata(&theirs).is_ok_and(|m| m.is_dir()) {
                return Err(SandboxError::Missing(theirs));
            }
            copy_dir(&theirs, &src, &[], &mut Budget::for_submission())
        }
        Submission::Solution(dir) => {
            let theirs = dir.join("src");
            if !theirs.is_dir() {
                return Err(SandboxError::Missing(theirs));
            }
            copy_dir(&theirs, &src, &[], &mut Budget::for_submission())
        }
        Submission::Lib(file) => {
            let mut budget = Budget::for_submission();
            copy_file(file, &src.join("lib.rs"), &mut budget)
        }
    }
}

/// Renames the package of `manifest` to `NAME-SUFFIX`, naming its library
/// explicitly after the old name.
fn rename_package(manifest: &Path, suffix: &str) -> Result<(), SandboxError> {
    let io = |e: io::Error| SandboxError::io(manifest, e);
    let bad = |why: &str| SandboxError::Io(manifest.to_path_buf(), why.to_string());
    let text = fs::read_to_string(manifest).map_err(io)?;
    let mut table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| bad(&e.to_string()))?;
    let package = table
        .get_mut("package")
        .and_then(toml::Value::as_table_mut)
        .ok_or_else(|| bad("no [package]"))?;
    let name = package
        .get("name")
        .and_then(toml::Value::as_str)
        .ok_or_else(|| bad("no package name"))?
        .to_string();
    package.insert(
        "name".into(),
        toml::Value::String(format!("{name}-{suffix}")),
    );
    let lib = table
        .entry("lib")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let Some(lib) = lib.as_table_mut() {
        lib.entry("name")
            .or_insert_with(|| toml::Value::String(name.replace('-', "_")));
    }
    let text = toml::to_string(&table).map_err(|e| bad(&e.to_string()))?;
    fs::write(manifest, text).map_err(io)
}

/// The names of the course's test targets: the stems of `tests/*.rs`.
pub fn test_targets(course: &Path) -> Vec<String> {
    let mut targets: Vec<String> = fs::read_dir(course.join("tests"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
                .filter_map(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    targets.sort();
    targets
}

/// What is left to copy.
struct Budget {
    bytes: u64,
    entries: usize,
    per_file: u64,
}

impl Budget {
    fn unlimited() -> Budget {
        Budget {
            bytes: u64::MAX,
            entries: usize::MAX,
            per_file: u64::MAX,
        }
    }

    fn for_submission() -> Budget {
        Budget {
            bytes: MAX_SOURCE_TOTAL,
            entries: MAX_SOURCE_ENTRIES,
            per_file: MAX_SOURCE_FILE,
        }
    }

    fn take_entry(&mut self) -> Result<(), SandboxError> {
        self.entries = self
            .entries
            .checked_sub(1)
            .ok_or(SandboxError::TooManyEntries)?;
        Ok(())
    }
}

fn copy_dir(
    from: &Path,
    to: &Path,
    skip: &[&str],
    budget: &mut Budget,
) -> Result<(), SandboxError> {
    fs::create_dir_all(to).map_err(|e| SandboxError::io(to, e))?;
    let entries = fs::read_dir(from).map_err(|e| SandboxError::io(from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| SandboxError::io(from, e))?;
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        budget.take_entry()?;
        let path = entry.path();
        // file_type() does not follow links: a link is neither, and refused.
        let kind = entry.file_type().map_err(|e| SandboxError::io(&path, e))?;
        if kind.is_dir() {
            copy_dir(&path, &to.join(&name), &[], budget)?;
        } else if kind.is_file() {
            copy_file(&path, &to.join(&name), budget)?;
        } else {
            return Err(SandboxError::NotRegular(path));
        }
    }
    Ok(())
}

fn copy_file(from: &Path, to: &Path, budget: &mut Budget) -> Result<(), SandboxError> {
    let meta = fs::symlink_metadata(from).map_err(|_| SandboxError::Missing(from.to_path_buf()))?;
    if !meta.is_file() {
        return Err(SandboxError::NotRegular(from.to_path_buf()));
    }
    if meta.len() > budget.per_file {
        return Err(SandboxError::FileTooBig {
            path: from.to_path_buf(),
            len: meta.len(),
            max: budget.per_file,
        });
    }
    budget.bytes = budget
        .bytes
        .checked_sub(meta.len())
        .ok_or(SandboxError::TotalTooBig)?;
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|e| SandboxError::io(parent, e))?;
    }
    fs::copy(from, to).map_err(|e| SandboxError::io(from, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(label: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("netlab-sandbox-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn course(root: &Path) -> PathBuf {
        let course = root.join("course/ex");
        write(&course.join("Cargo.toml"), "[package]\nname = \"ex\"\n");
        write(&course.join("src/lib.rs"), "// starter");
        write(&course.join("src/helper.rs"), "// starter helper");
        write(&course.join("tests/check.rs"), "// the course's test");
        write(&course.join("buggy/one.rs"), "// buggy");
        course
    }

    #[test]
    fn only_the_students_src_is_taken() {
        let root = temp("src");
        let course = course(&root);
        let student = root.join("student/ex");
        write(&student.join("src/lib.rs"), "// student's work");
        write(&student.join("tests/check.rs"), "#[test] fn ok() {}");
        write(&student.join("tests/extra.rs"), "#[test] fn more() {}");
        write(
            &student.join("Cargo.toml"),
            "[package]\nbuild = \"evil.rs\"\n",
        );
        let scratch = root.join("scratch");
        prepare(&course, Submission::Student(&student), &scratch, "t").unwrap();
        assert_eq!(
            fs::read_to_string(scratch.join("src/lib.rs")).unwrap(),
            "// student's work"
        );
        assert!(
            !scratch.join("src/helper.rs").exists(),
            "the student deleted it"
        );
        assert_eq!(
            fs::read_to_string(scratch.join("tests/check.rs")).unwrap(),
            "// the course's test"
        );
        assert!(!scratch.join("tests/extra.rs").exists());
        assert!(!scratch.join("buggy").exists());
        let manifest = fs::read_to_string(scratch.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"ex-t\""), "{manifest}");
        assert!(manifest.contains("[lib]\nname = \"ex\""), "{manifest}");
        assert!(!manifest.contains("build"), "{manifest}");
        assert_eq!(test_targets(&course), ["check"]);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_lib_replaces_only_lib_rs() {
        let root = temp("lib");
        let course = course(&root);
        let scratch = root.join("scratch");
        prepare(
            &course,
            Submission::Lib(&course.join("buggy/one.rs")),
            &scratch,
            "t",
        )
        .unwrap();
        assert_eq!(
            fs::read_to_string(scratch.join("src/lib.rs")).unwrap(),
            "// buggy"
        );
        assert!(scratch.join("src/helper.rs").exists());
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_missing_src_is_an_error_naming_it() {
        let root = temp("missing");
        let course = course(&root);
        let error = prepare(
            &course,
            Submission::Student(&root.join("nobody")),
            &root.join("s"),
            "t",
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("nobody/src does not exist"),
            "{error}"
        );
        fs::remove_dir_all(root).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_and_huge_files_are_refused() {
        let root = temp("links");
        let course = course(&root);
        let student = root.join("student/ex");
        write(&student.join("src/lib.rs"), "");
        std::os::unix::fs::symlink("/dev/zero", student.join("src/zero.rs")).unwrap();
        let error =
            prepare(&course, Submission::Student(&student), &root.join("s"), "t").unwrap_err();
        assert!(matches!(error, SandboxError::NotRegular(_)), "{error}");
        fs::remove_file(student.join("src/zero.rs")).unwrap();
        let huge = fs::File::create(student.join("src/huge.rs")).unwrap();
        huge.set_len(MAX_SOURCE_FILE + 1).unwrap();
        let error =
            prepare(&course, Submission::Student(&student), &root.join("s"), "t").unwrap_err();
        assert!(matches!(error, SandboxError::FileTooBig { .. }), "{error}");
        fs::remove_dir_all(root).unwrap();
    }
}
