//! End-to-end tests of the exercise runner, on copies of the shipped exercises so
//! the checkout's own files are never touched.

use std::fs;
use std::path::{Path, PathBuf};

use netlab_testkit::{
    TEST_TIMEOUT, check_session_output, run, run_with_env, stderr_text, stdout_text, workspace_bin,
};
use serde_json::Value;

fn shipped_exercises() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises")
}

fn copy_tree(from: &Path, to: &Path) {
    exercises::commands::copy_tree(from, to).unwrap();
}

/// A checkout with only the `ip_to_binary` exercise (and its solution, and a
/// set `quiz` of that one exercise), in a fresh temporary directory:
/// `<tmp>/exercises/...`. It serves as the course, and as a student's checkout
/// of it (with the solution copied in when `solved`).
fn student_checkout(label: &str, solved: bool) -> PathBuf {
    let root = std::env::temp_dir().join(format!("netlab-runner-{label}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    let exercises = root.join("exercises");
    copy_tree(
        &shipped_exercises().join("ip_to_binary"),
        &exercises.join("ip_to_binary"),
    );
    copy_tree(
        &shipped_exercises().join("solutions/ip_to_binary"),
        &exercises.join("solutions/ip_to_binary"),
    );
    // The instructor's set for this test: the one exercise the checkout has.
    fs::create_dir_all(exercises.join("sets")).unwrap();
    fs::write(
        exercises.join("sets/quiz.toml"),
        "title = \"Quiz\"\nexercises = [\"ip_to_binary\"]\n",
    )
    .unwrap();
    if solved {
        copy_tree(
            &exercises.join("solutions/ip_to_binary"),
            &exercises.join("ip_to_binary"),
        );
    }
    exercises
}

/// The runner on `dir` as both the course and the student's checkout.
fn runner(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "--course".to_string(),
        dir.display().to_string(),
        "--dir".to_string(),
        dir.display().to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    run(workspace_bin("exercises"), &all, b"")
}

fn json_lines(output: &std::process::Output) -> Vec<Value> {
    stdout_text(output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

#[test]
fn list_json_names_each_exercise_with_its_chapter() {
    let output = run(workspace_bin("exercises"), &["list", "--json"], b"");
    assert_eq!(output.status.code(), Some(0));
    let lines = json_lines(&output);
    let ip = lines
        .iter()
        .find(|line| line["name"] == "ip_to_binary")
        .expect("ip_to_binary listed");
    assert_eq!(ip["chapter"], 3);
}

#[test]
fn grading_an_unsolved_checkout_reports_the_failed_tests() {
    let dir = student_checkout("unsolved", false);
    let output = runner(&dir, &["check", "--set", "quiz", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_text(&output));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["name"], "ip_to_binary");
    assert_eq!(lines[0]["passed"], false);
    assert_eq!(lines[0]["compiled"], true);
    let failed = lines[0]["failed_tests"].as_array().unwrap();
    assert!(failed.iter().any(|t| t == "the_tutorials_example"));
    assert!(
        lines[0]["details"]
            .as_str()
            .unwrap()
            .contains("01100100.00000100.00000101.00000110")
    );

    // The book's page for instructors shows a grade of this checkout (details
    // shortened): the same command, for one exercise.
    let one = runner(&dir, &["check", "ip_to_binary", "--json"]);
    let mut shown = json_lines(&one)[0].clone();
    shown["details"] = Value::from("...");
    check_session_output(
        "instructors-grading.session.txt",
        &format!(
            "$ cargo run -q -p exercises -- --dir /path/to/student/netlab/exercises check ip_to_binary --format json\n{shown}\n"
        ),
    );
    fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn grading_a_solved_checkout_passes_and_list_then_says_done() {
    let dir = student_checkout("solved", true);
    let output = runner(&dir, &["check", "ip_to_binary", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout_text(&output));
    assert_eq!(json_lines(&output)[0]["passed"], true);

    let listed = runner(&dir, &["list", "--json"]);
    assert_eq!(json_lines(&listed)[0]["passed"], true);

    // An edit after the check means the result no longer counts.
    let lib = dir.join("ip_to_binary/src/lib.rs");
    let mut source = fs::read_to_string(&lib).unwrap();
    source.push_str("\n// edited\n");
    fs::write(&lib, source).unwrap();
    let listed = runner(&dir, &["list", "--json"]);
    assert_eq!(json_lines(&listed)[0]["passed"], Value::Null);
    fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn verify_solutions_accepts_the_shipped_pair_and_rejects_a_solved_starter() {
    let dir = student_checkout("verify", false);
    copy_tree(
        &shipped_exercises().join("ip_to_binary/buggy"),
        &dir.join("ip_to_binary/buggy"),
    );
    let output = runner(&dir, &["verify-solutions"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout_text(&output));
    assert!(
        stdout_text(&output).contains("3 buggy submissions each fail the test that names them")
    );

    // A buggy submission that passes the test it names proves nothing: here the
    // reference solution itself, claiming a mistake.
    let solution = fs::read_to_string(dir.join("solutions/ip_to_binary/src/lib.rs")).unwrap();
    fs::write(
        dir.join("ip_to_binary/buggy/not_buggy.rs"),
        format!("//! Buggy submission: none at all.\n//!\n//! Caught by: the_tutorials_example\n\n{solution}"),
    )
    .unwrap();
    let output = runner(&dir, &["verify-solutions"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout_text(&output)
            .contains("buggy/not_buggy.rs (none at all.) passes the_tutorials_example"),
        "{}",
        stdout_text(&output)
    );
    fs::remove_dir_all(dir.parent().unwrap()).unwrap();

    // A starter that already passes proves nothing: verify-solutions must say so.
    let dir = student_checkout("verify-solved", true);
    let output = runner(&dir, &["verify-solutions"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout_text(&output).contains("already passes every test"));
    fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn hints_come_one_at_a_time() {
    let output = run(workspace_bin("exercises"), &["hint", "ip_to_binary"], b"");
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout_text(&output).starts_with("Hint 1 of"));
    assert!(stdout_text(&output).contains("hint ip_to_binary 2"));
}

/// The runner in an environment of its own: the helpers remove the locale
/// variables, these put them back.
fn exercises_with_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    run_with_env(workspace_bin("exercises"), args, env, b"", TEST_TIMEOUT)
}

/// The first hint of ip_to_binary in Chinese, whose last line suggests `next`
/// as the command of the second.
fn first_chinese_hint(next: &str) -> String {
    let text = fs::read_to_string(shipped_exercises().join("ip_to_binary/hints.zh.md")).unwrap();
    let hints = exercises::catalog::split_hints(&text);
    format!(
        "ip_to_binary 的第 1 条提示（共 {} 条）：\n\n{}\n\n（下一条：`{next}`）\n",
        hints.len(),
        hints[0]
    )
}

/// Chinese by `--lang zh` or by the locale; the next hint's command keeps the
/// flag when the flag chose Chinese, so that copying it keeps the language.
#[test]
fn hints_are_in_chinese_with_lang_zh_or_a_chinese_locale() {
    let chinese = [
        &["--lang", "zh", "hint", "ip_to_binary"][..],
        // A global option: after the verb too.
        &["hint", "ip_to_binary", "--lang", "zh"],
    ];
    let expected = first_chinese_hint("--lang zh hint ip_to_binary 2");
    for args in chinese {
        let output = run(workspace_bin("exercises"), args, b"");
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert_eq!(stdout_text(&output), expected, "{args:?}");
        // Also under a Chinese locale: the flag chose, the flag is kept.
        let output = exercises_with_env(args, &[("LANG", "zh_CN.UTF-8")]);
        assert_eq!(stdout_text(&output), expected, "{args:?}");
    }
    // The command suggested runs, and says the second hint in Chinese.
    let second = run(
        workspace_bin("exercises"),
        &["--lang", "zh", "hint", "ip_to_binary", "2"],
        b"",
    );
    assert!(
        stdout_text(&second).starts_with("ip_to_binary 的第 2 条提示"),
        "{}",
        stdout_text(&second)
    );
    let expected = first_chinese_hint("hint ip_to_binary 2");
    for env in [
        &[("LANG", "zh_CN.UTF-8")][..],
        &[("LC_MESSAGES", "zh_TW.UTF-8"), ("LANG", "en_US.UTF-8")],
        &[("LC_ALL", "zh_CN.UTF-8"), ("LANG", "C")],
    ] {
        let output = exercises_with_env(&["hint", "ip_to_binary"], env);
        assert_eq!(stdout_text(&output), expected, "{env:?}");
    }

    // --lang en wins over the locale, as LC_ALL wins over LANG.
    let english = stdout_text(&run(
        workspace_bin("exercises"),
        &["hint", "ip_to_binary"],
        b"",
    ));
    assert!(english.starts_with("Hint 1 of"), "{english}");
    for (args, env) in [
        (
            &["--lang", "en", "hint", "ip_to_binary"][..],
            &[("LANG", "zh_CN.UTF-8")][..],
        ),
        (
            &["hint", "ip_to_binary"],
            &[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")],
        ),
    ] {
        let output = exercises_with_env(args, env);
        assert_eq!(stdout_text(&output), english, "{args:?} {env:?}");
    }
}

/// The errors a student meets come in Chinese too, with the same exit codes.
#[test]
fn a_chinese_student_reads_errors_in_chinese() {
    for (args, chinese) in [
        (&["hint", "nope"][..], "没有名为“nope”的练习"),
        (
            &["hint", "ip_to_binary", "9"],
            "没有第 9 条提示：ip_to_binary 的提示是第 1 到第 4 条",
        ),
        (&["check", "--set", "week99"], "没有名为“week99”的练习组"),
        (&["reset"], "请写出要恢复的练习名"),
    ] {
        let english = run(workspace_bin("exercises"), args, b"");
        let output = exercises_with_env(args, &[("LANG", "zh_CN.UTF-8")]);
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), english.status.code(), "{args:?}");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr.contains(chinese), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn unknown_names_are_usage_errors() {
    for args in [
        &["hint", "nope"][..],
        &["hint", "ip_to_binary", "99"],
        &["check", "--set", "week99"],
        &["check", "nope"],
    ] {
        let output = run(workspace_bin("exercises"), args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr_text(&output).lines().count(),
            1,
            "{args:?}: one line"
        );
    }
}

/// A set over its cap (64 KiB; this one is a sparse 100 MiB file, so it costs no
/// disk) is refused with exit code 2, naming the file and the cap, without
/// being read into memory.
#[test]
fn a_set_over_its_cap_is_refused_naming_the_file_and_the_cap() {
    let dir = student_checkout("bigset", false);
    let huge = fs::File::create(dir.join("sets/huge.toml")).unwrap();
    huge.set_len(100 * 1024 * 1024).unwrap();
    drop(huge);
    for verb in ["list", "check"] {
        let output = runner(&dir, &[verb, "--set", "huge"]);
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), Some(2), "{verb}: {stderr}");
        assert!(
            stderr.contains("huge.toml") && stderr.contains("65536 bytes"),
            "{verb}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{verb}: {stderr}");
    }
    // A set is a name in sets/, never a path out of it.
    let output = runner(&dir, &["list", "--set", "../ip_to_binary/exercise"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("no set named"));
    let _ = fs::remove_dir_all(dir.parent().unwrap());
}

/// Task and hints files are read with a cap too (1 MiB), and a link to
/// /dev/zero is refused before it is read; /dev/zero in an exercise's directory
/// does not stop `list` (its fingerprint reads only regular files).
#[cfg(unix)]
#[test]
fn dev_zero_or_a_huge_file_as_an_exercises_text_is_refused() {
    let dir = student_checkout("devzero", false);
    let exercise = dir.join("ip_to_binary");
    let huge = fs::File::create(exercise.join("hints.md")).unwrap();
    huge.set_len(100 * 1024 * 1024).unwrap();
    drop(huge);
    let output = runner(&dir, &["hint", "ip_to_binary"]);
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("hints.md") && stderr.contains("1048576 bytes"),
        "{stderr}"
    );

    fs::remove_file(exercise.join("hints.md")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", exercise.join("hints.md")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", exercise.join("src/zero.rs")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("sets/zero.toml")).unwrap();
    let output = runner(&dir, &["hint", "ip_to_binary"]);
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("hints.md") && stderr.contains("not a regular file"),
        "{stderr}"
    );
    // (run() would panic after its timeout if list read /dev/zero.)
    let output = runner(&dir, &["list", "--json"]);
    assert_eq!(json_lines(&output).len(), 1, "{}", stderr_text(&output));
    // A link to a device is not a set.
    let output = runner(&dir, &["list", "--set", "zero"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("no set named 'zero'"));
    let _ = fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn a_hint_number_out_of_range_names_the_range() {
    for number in ["0", "101", "18446744073709551616", "-1"] {
        let output = run(
            workspace_bin("exercises"),
            &["hint", "ip_to_binary", number],
            b"",
        );
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), Some(2), "{number}: {stderr}");
        assert!(stderr.contains(number), "{number}: {stderr}");
        assert!(!stderr.contains("panicked"), "{number}: {stderr}");
        if number == "0" || number == "101" {
            assert!(stderr.contains("1..=100"), "{number}: {stderr}");
        }
    }
    let help = stdout_text(&run(workspace_bin("exercises"), &["hint", "--help"], b""));
    assert!(help.contains("1 to 100"), "{help}");
}

/// A student who rewrites the tests gains nothing: grading takes only their
/// `src/`, and runs the course's tests on it.
#[test]
fn a_tampered_test_directory_gains_nothing() {
    let course = student_checkout("tamper-course", false);
    let student = student_checkout("tamper-student", false);
    let exercise = student.join("ip_to_binary");
    // Every test replaced by one that passes, one added, a build script, and the
    // solution's notes in the way.
    fs::write(exercise.join("tests/check.rs"), "#[test]\nfn ok() {}\n").unwrap();
    fs::write(
        exercise.join("tests/extra.rs"),
        "#[test]\nfn also_ok() {}\n",
    )
    .unwrap();
    fs::write(
        exercise.join("build.rs"),
        "fn main() { panic!(\"not run\") }\n",
    )
    .unwrap();
    let mut manifest = fs::read_to_string(exercise.join("Cargo.toml")).unwrap();
    manifest = manifest.replace("publish = false", "publish = false\nbuild = \"build.rs\"");
    fs::write(exercise.join("Cargo.toml"), manifest).unwrap();
    let graded = |student: &Path| {
        let mut args = vec!["--course".to_string(), course.display().to_string()];
        args.extend(["--dir".to_string(), student.display().to_string()]);
        args.extend(["check", "--set", "quiz", "--json"].map(String::from));
        let output = run(workspace_bin("exercises"), &args, b"");
        assert_eq!(output.status.code(), Some(1), "{}", stderr_text(&output));
        json_lines(&output).remove(0)
    };
    let line = graded(&student);
    assert_eq!(line["passed"], false, "{line}");
    assert_eq!(
        line["compiled"], true,
        "the build script was not used: {line}"
    );
    let failed = line["failed_tests"].as_array().unwrap();
    assert!(
        failed.iter().any(|t| t == "the_tutorials_example"),
        "{line}"
    );
    let passed = line["passed_tests"].as_array().unwrap();
    assert!(
        !passed.iter().any(|t| t == "ok" || t == "also_ok"),
        "{line}"
    );

    // Deleting the tests gains nothing either.
    fs::remove_dir_all(exercise.join("tests")).unwrap();
    let line = graded(&student);
    assert_eq!(line["passed"], false, "{line}");
    assert_eq!(line["failed_tests"].as_array().unwrap().len(), 8, "{line}");

    // Doctests and unit tests in src/ are not the course's tests: not run.
    let lib = exercise.join("src/lib.rs");
    let mut source = fs::read_to_string(&lib).unwrap();
    source.push_str("\n#[cfg(test)]\nmod mine {\n    #[test]\n    fn mine() {}\n}\n");
    fs::write(&lib, source).unwrap();
    let line = graded(&student);
    assert!(
        !line["passed_tests"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().unwrap().contains("mine")),
        "{line}"
    );
    let _ = fs::remove_dir_all(course.parent().unwrap());
    let _ = fs::remove_dir_all(student.parent().unwrap());
}
