//! End-to-end tests of grading with the exercise runner: the five formats of
//! `check`, `grade` over a class with a broken student tree, time limits on a
//! looping student, `watch`, progress, `solution` and `reset --all`.
//!
//! Each test builds a small course (copies of shipped exercises, a set) and
//! students' checkouts of it in a temporary directory, so the repository's own
//! files are never touched.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use netlab_testkit::{
    check_session_output, run, run_with_env, stderr_text, stdout_text, workspace_bin,
};
use serde_json::Value;

/// How long a test waits for the runner: the first build of an exercise in a
/// fresh target directory takes a while on a slow machine.
const RUNNER_TIMEOUT: Duration = Duration::from_secs(300);

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises")
}

fn copy_tree(from: &Path, to: &Path) {
    exercises::commands::copy_tree(from, to).unwrap();
}

/// A fresh temporary directory for one test.
fn scratch(label: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("netlab-grading-{label}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root).unwrap();
    root
}

/// A course in `root/course/exercises` with `ip_to_binary` and `same_subnet`,
/// and a set `quiz` where ip_to_binary is worth 3 points.
fn course(root: &Path) -> PathBuf {
    let course = root.join("course/exercises");
    for name in ["ip_to_binary", "same_subnet"] {
        copy_tree(&shipped().join(name), &course.join(name));
        copy_tree(
            &shipped().join("solutions").join(name),
            &course.join("solutions").join(name),
        );
    }
    fs::create_dir_all(course.join("sets")).unwrap();
    fs::write(
        course.join("sets/quiz.toml"),
        "title = \"Quiz\"\nexercises = [\"ip_to_binary\", \"same_subnet\"]\npoints = { ip_to_binary = 3 }\n",
    )
    .unwrap();
    course
}

/// A student's checkout `root/NAME` of the course: the starters, with the named
/// exercises solved.
fn student(root: &Path, course: &Path, name: &str, solved: &[&str]) -> PathBuf {
    let checkout = root.join(name);
    for exercise in ["ip_to_binary", "same_subnet"] {
        copy_tree(
            &course.join(exercise),
            &checkout.join("exercises").join(exercise),
        );
    }
    for exercise in solved {
        copy_tree(
            &course.join("solutions").join(exercise),
            &checkout.join("exercises").join(exercise),
        );
    }
    checkout
}

/// Runs the runner with `--course COURSE --dir DIR ARGS...`.
fn runner(course: &Path, dir: &Path, args: &[&str]) -> std::process::Output {
    runner_with_env(course, dir, args, &[])
}

/// [`runner`] with environment variables, e.g. a Chinese locale.
fn runner_with_env(
    course: &Path,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut all = vec![
        "--course".to_string(),
        course.display().to_string(),
        "--dir".to_string(),
        dir.display().to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    run_with_env(workspace_bin("exercises"), &all, env, b"", RUNNER_TIMEOUT)
}

/// A course and one student who solved ip_to_binary (3 points) and not
/// same_subnet (1 point).
fn halfway(label: &str) -> (PathBuf, PathBuf, PathBuf) {
    let root = scratch(label);
    let course = course(&root);
    let checkout = student(&root, &course, "student", &["ip_to_binary"]);
    (root, course, checkout.join("exercises"))
}

#[test]
fn check_writes_junit_xml_with_a_testcase_per_test() {
    let (root, course, dir) = halfway("junit");
    let output = runner(
        &course,
        &dir,
        &["check", "--set", "quiz", "--format", "junit"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr_text(&output));
    let xml = stdout_text(&output);
    let document = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let suites = document.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    let suite = |name: &str| {
        suites
            .children()
            .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some(name))
            .unwrap_or_else(|| panic!("no testsuite {name}:\n{xml}"))
    };
    let property = |suite: roxmltree::Node, name: &str| {
        suite
            .descendants()
            .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name))
            .and_then(|n| n.attribute("value"))
            .map(str::to_string)
    };
    let ip = suite("ip_to_binary");
    assert_eq!(ip.attribute("failures"), Some("0"));
    assert_eq!(property(ip, "points").as_deref(), Some("3"));
    assert_eq!(property(ip, "max_points").as_deref(), Some("3"));
    let cases: Vec<_> = ip
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 8, "one testcase per test");
    assert!(
        cases
            .iter()
            .any(|c| c.attribute("name") == Some("the_tutorials_example"))
    );
    let subnet = suite("same_subnet");
    assert_eq!(property(subnet, "points").as_deref(), Some("0"));
    let failure = subnet
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failing testcase has a <failure>");
    assert!(failure.attribute("message").is_some_and(|m| !m.is_empty()));
    assert!(
        failure.text().is_some_and(|t| t.contains("panicked")),
        "{xml}"
    );
    assert_eq!(
        suites.attribute("failures"),
        subnet.attribute("failures"),
        "the total counts every exercise's failures"
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn check_writes_github_classrooms_autograding_json() {
    let (root, course, dir) = halfway("classroom");
    let output = runner(
        &course,
        &dir,
        &["check", "--set", "quiz", "--format", "classroom"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr_text(&output));
    let result: Value = serde_json::from_str(&stdout_text(&output)).expect("one JSON document");
    assert_eq!(result["version"], 1);
    assert_eq!(result["status"], "fail");
    assert_eq!(result["max_score"], 4);
    let tests = result["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
    assert_eq!(tests[0]["name"], "ip_to_binary");
    assert_eq!(tests[0]["status"], "pass");
    assert_eq!(tests[0]["score"], 3);
    assert_eq!(tests[0]["max_score"], 3);
    assert_eq!(tests[1]["name"], "same_subnet");
    assert_eq!(tests[1]["status"], "fail");
    assert_eq!(tests[1]["score"], 0);
    assert_eq!(tests[1]["max_score"], 1);
    assert!(tests[1]["message"].as_str().unwrap().contains("tests fail"));
    for test in tests {
        for field in ["test_code", "filename", "line_no", "duration"] {
            assert!(!test[field].is_null(), "{field} in {test}");
        }
    }
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn check_writes_csv_with_a_row_per_exercise_and_its_points() {
    let (root, course, dir) = halfway("csv");
    let output = runner(
        &course,
        &dir,
        &["check", "--set", "quiz", "--format", "csv"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr_text(&output));
    let csv = stdout_text(&output);
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| split_csv(l)).collect();
    let header = &rows[0];
    assert_eq!(header[0], "exercise");
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(rows.len(), 3, "{csv}");
    let ip = &rows[1];
    assert_eq!(ip.len(), header.len(), "{csv}");
    assert_eq!(ip[column("exercise")], "ip_to_binary");
    assert_eq!(ip[column("points")], "3");
    assert_eq!(ip[column("passed")], "true");
    assert_eq!(rows[2][column("points")], "0");
    assert_eq!(rows[2][column("max_points")], "1");
    fs::remove_dir_all(root).unwrap();
}

/// Splits one CSV line whose only quoted fields have no quotes inside (titles
/// with commas): enough for these tests.
fn split_csv(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').expect("closing quote");
            fields.push(&quoted[..end]);
            rest = &quoted[end + 1..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            fields.push(&rest[..end]);
            rest = &rest[end..];
        }
        match rest.strip_prefix(',') {
            Some(next) => rest = next,
            None => return fields,
        }
    }
}

#[test]
fn check_writes_text_and_json_and_json_is_a_synonym() {
    let (root, course, dir) = halfway("text");
    let output = runner(&course, &dir, &["check", "--set", "quiz"]);
    let text = stdout_text(&output);
    assert!(text.contains("✓ ip_to_binary: all 8 tests pass"), "{text}");
    assert!(text.contains("✗ same_subnet:"), "{text}");
    assert!(text.contains("1/2 exercises pass; 3/4 points"), "{text}");
    let json = runner(&course, &dir, &["check", "same_subnet", "--json"]);
    let format = runner(&course, &dir, &["check", "same_subnet", "--format", "json"]);
    let strip = |output: &std::process::Output| {
        let mut value: Value = serde_json::from_str(stdout_text(output).trim()).unwrap();
        value["details"] = Value::Null;
        value
    };
    assert_eq!(strip(&json), strip(&format));
    assert_eq!(strip(&json)["max_points"], 1);
    fs::remove_dir_all(root).unwrap();
}

/// A class of four: alice solved everything, bob nothing, carol's folder is not
/// a checkout at all, and dave's source is a link to /dev/zero. The grade of
/// each is their own; the run finishes for all.
#[test]
fn grade_grades_a_class_into_one_csv_and_a_junit_file_each() {
    let root = scratch("roster");
    let course = course(&root);
    let roster = root.join("roster");
    student(&roster, &course, "alice", &["ip_to_binary", "same_subnet"]);
    student(&roster, &course, "bob", &[]);
    fs::create_dir_all(roster.join("carol")).unwrap();
    fs::write(
        roster.join("carol/README.txt"),
        "I will hand it in tomorrow",
    )
    .unwrap();
    let dave = student(&roster, &course, "dave", &["ip_to_binary"]);
    let dave_lib = dave.join("exercises/same_subnet/src/lib.rs");
    fs::remove_file(&dave_lib).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/dev/zero", &dave_lib).unwrap();
    let out = root.join("grades");
    let output = runner(
        &course,
        &course,
        &[
            "grade",
            "--set",
            "quiz",
            "--roster",
            &roster.display().to_string(),
            "--out",
            &out.display().to_string(),
            "--jobs",
            "2",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let csv = fs::read_to_string(out.join("grades.csv")).unwrap();
    assert_eq!(stdout_text(&output), csv, "the CSV is printed too");
    let rows: Vec<Vec<&str>> = csv.lines().map(split_csv).collect();
    assert_eq!(
        rows[0],
        [
            "student",
            "ip_to_binary",
            "same_subnet",
            "total",
            "max",
            "error"
        ]
    );
    let row = |name: &str| {
        rows.iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no row for {name}: {csv}"))
    };
    assert_eq!(row("alice")[1..5], ["3", "1", "4", "4"]);
    assert_eq!(row("bob")[1..5], ["0", "0", "0", "4"]);
    assert_eq!(row("carol")[3], "0");
    assert!(row("carol")[5].contains("no exercise of the set"), "{csv}");
    assert_eq!(row("dave")[1..4], ["3", "0", "3"]);
    // The book's page for instructors shows this grade.
    check_session_output(
        "instructors-grade.session.txt",
        &format!(
            "$ cargo run -q -p exercises -- grade --set quiz --roster submissions --out grades\n{csv}"
        ),
    );
    for name in ["alice", "bob", "carol", "dave"] {
        let xml = fs::read_to_string(out.join(format!("{name}.junit.xml"))).unwrap();
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    fs::remove_dir_all(root).unwrap();
}

/// A student's code that never returns is stopped at the time limit and graded
/// "timed out"; what it prints is cut, not kept without end.
#[test]
fn a_looping_student_is_timed_out() {
    let root = scratch("loop");
    let course = course(&root);
    let checkout = student(&root, &course, "student", &[]);
    let lib = checkout.join("exercises/ip_to_binary/src/lib.rs");
    let source = fs::read_to_string(&lib).unwrap().replace(
        "    // TODO: split into four octets, check each, and print each as 8 binary digits.",
        "    loop {\n        use std::io::Write;\n        let _ = std::io::stdout().write_all(b\"spam spam spam spam spam spam\\n\");\n    }",
    );
    fs::write(&lib, source).unwrap();
    let output = runner(
        &course,
        &checkout.join("exercises"),
        &["--time-limit", "3s", "check", "ip_to_binary", "--json"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr_text(&output));
    let line: Value = serde_json::from_str(stdout_text(&output).trim()).unwrap();
    assert_eq!(line["passed"], false);
    assert_eq!(line["timed_out"], true, "{line}");
    let details = line["details"].as_str().unwrap();
    assert!(
        details.contains("did not finish within the time limit of 3 s"),
        "{details}"
    );
    assert!(
        details.len() < 64 * 1024,
        "details of {} bytes",
        details.len()
    );

    // In Chinese, the runner's sentences about the time limit are Chinese too.
    let output = runner(
        &course,
        &checkout.join("exercises"),
        &[
            "--lang",
            "zh",
            "--time-limit",
            "3s",
            "check",
            "ip_to_binary",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    assert!(text.contains("没能在 3 秒的时限内结束"), "{text}");
    assert!(text.contains("超时：测试没能在 3 秒内全部结束"), "{text}");
    assert!(
        !text.contains("time limit") && !text.contains("timed out"),
        "{text}"
    );
    fs::remove_dir_all(root).unwrap();
}

/// A Chinese student reads what went wrong in Chinese: the runner's own
/// sentences (the test program killed, tests that never reported, no src/ to
/// take) are translated; what the tests print is quoted as it is; and the JSON
/// stays the same in both languages.
#[test]
fn what_went_wrong_is_said_in_chinese() {
    let root = scratch("problems-zh");
    let course = course(&root);
    let checkout = student(&root, &course, "student", &[]);
    let dir = checkout.join("exercises");
    // Every test calls one of the two functions first: none reports a result.
    let lib = dir.join("ip_to_binary/src/lib.rs");
    let source = fs::read_to_string(&lib)
        .unwrap()
        .replace("    // TODO: ", "    std::process::abort();\n    // TODO: ");
    fs::write(&lib, source).unwrap();
    let output = runner(&course, &dir, &["--lang", "zh", "check", "ip_to_binary"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    assert!(
        text.contains("---- the_tutorials_example ----\n    the_tutorials_example 没有报告结果：测试程序先结束了"),
        "{text}"
    );
    assert!(
        text.contains("    测试程序被一个信号杀死了（崩溃了，或者栈溢出了）\n"),
        "{text}"
    );
    assert!(
        !text.contains("never reported") && !text.contains("killed by a signal"),
        "{text}"
    );
    let json = ["check", "ip_to_binary", "--json"];
    let english = stdout_text(&runner(&course, &dir, &json));
    assert!(english.contains("killed by a signal"), "{english}");
    let chinese = runner_with_env(&course, &dir, &json, &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(
        without_timings(&stdout_text(&chinese)),
        without_timings(&english)
    );

    // Nothing to take: the student's src/ is gone.
    fs::remove_dir_all(dir.join("ip_to_binary/src")).unwrap();
    let output = runner_with_env(
        &course,
        &dir,
        &["check", "ip_to_binary"],
        &[("LANG", "zh_CN.UTF-8")],
    );
    let text = stdout_text(&output);
    assert!(
        text.contains("✗ ip_to_binary: 无法取用提交的代码："),
        "{text}"
    );
    assert!(text.contains("ip_to_binary/src 不存在"), "{text}");
    fs::remove_dir_all(root).unwrap();
}

/// A process whose stdout lines arrive through a channel; killed when dropped.
struct Watched {
    child: Child,
    lines: Receiver<String>,
}

impl Watched {
    fn start(args: &[String]) -> Watched {
        let mut child = Command::new(workspace_bin("exercises"))
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watched { child, lines }
    }

    /// Waits (with a deadline) for a line containing `needle`; returns the lines
    /// seen up to it.
    fn expect(&self, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + RUNNER_TIMEOUT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    seen.push(line);
                    if found {
                        return seen;
                    }
                }
                Err(e) => panic!(
                    "no line containing {needle:?} ({e}); saw:\n{}",
                    seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_rechecks_when_a_file_changes_and_moves_on_when_it_passes() {
    let root = scratch("watch");
    let course = course(&root);
    let checkout = student(&root, &course, "student", &["same_subnet"]);
    let dir = checkout.join("exercises");
    let args: Vec<String> = [
        "--course",
        &course.display().to_string(),
        "--dir",
        &dir.display().to_string(),
        "watch",
    ]
    .map(String::from)
    .to_vec();
    let watched = Watched::start(&args);
    // The first exercise not done is ip_to_binary: its first failure and a hint.
    let seen = watched.expect("watching");
    let text = seen.join("\n");
    assert!(text.contains("✗ ip_to_binary"), "{text}");
    assert!(text.contains("first failure"), "{text}");
    assert!(text.contains("hint 1 of"), "{text}");
    // The student saves the solution: the change is seen, the check passes, and
    // with every exercise done, watch ends.
    fs::copy(
        course.join("solutions/ip_to_binary/src/lib.rs"),
        dir.join("ip_to_binary/src/lib.rs"),
    )
    .unwrap();
    let seen = watched.expect("Every exercise passes");
    let text = seen.join("\n");
    assert!(text.contains("✓ ip_to_binary: all 8 tests pass"), "{text}");
    assert!(text.contains("2/2 done"), "{text}");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn list_and_next_show_progress() {
    let (root, course, dir) = halfway("progress");
    let _ = runner(&course, &dir, &["check", "ip_to_binary"]);
    let listed = stdout_text(&runner(&course, &dir, &["list"]));
    assert!(listed.contains("1/2 done"), "{listed}");
    let next = runner(&course, &dir, &["next"]);
    assert_eq!(next.status.code(), Some(0));
    let next = stdout_text(&next);
    assert!(next.starts_with("1/2 done"), "{next}");
    assert!(next.contains("Next: same_subnet"), "{next}");
    fs::remove_dir_all(root).unwrap();
}

/// With `--lang zh`, `check`, `list`, `next` and `solution` speak Chinese and
/// show the Chinese task; the names of exercises and tests stay as they are,
/// and the commands suggested carry `--lang zh` (a Chinese locale needs none).
#[test]
fn check_list_next_and_solution_speak_chinese() {
    let (root, course, dir) = halfway("zh");
    let zh = |args: &[&str]| {
        let mut all = vec!["--lang", "zh"];
        all.extend(args);
        runner(&course, &dir, &all)
    };
    let checked = zh(&["check"]);
    assert_eq!(checked.status.code(), Some(1), "{}", stderr_text(&checked));
    let text = stdout_text(&checked);
    assert!(stderr_text(&checked).contains("正在检查 ip_to_binary ..."));
    assert!(text.contains("✓ ip_to_binary: 全部 8 个测试通过"), "{text}");
    assert!(text.contains("✗ same_subnet: "), "{text}");
    assert!(
        text.contains("个测试中有") && text.contains("个失败："),
        "{text}"
    );
    // The failing tests by their names, as the JSON gives them.
    let json = runner(&course, &dir, &["check", "same_subnet", "--json"]);
    let line: Value = serde_json::from_str(stdout_text(&json).trim()).unwrap();
    for test in line["failed_tests"].as_array().unwrap() {
        assert!(text.contains(test.as_str().unwrap()), "{test}: {text}");
    }
    let task = dir.join("same_subnet/README.zh.md");
    assert!(
        text.contains(&format!(
            "（任务：{}；`--lang zh hint same_subnet` 给出一条提示）",
            task.canonicalize().unwrap().display()
        )),
        "{text}"
    );
    assert!(text.contains("2 个练习中通过了 1 个；得分 1/2"), "{text}");

    let listed = stdout_text(&zh(&["list"]));
    assert!(listed.contains("已完成  第 3 章  ip_to_binary"), "{listed}");
    assert!(
        listed.contains("未完成  第 3 章  same_subnet              在同一个子网吗？"),
        "{listed}"
    );
    assert!(listed.contains("已完成 1/2  ["), "{listed}");
    assert!(
        listed.contains("`--lang zh hint NAME` 给出提示"),
        "{listed}"
    );

    let next = zh(&["next"]);
    assert_eq!(next.status.code(), Some(0));
    let next = stdout_text(&next);
    assert!(next.starts_with("已完成 1/2  ["), "{next}");
    assert!(
        next.contains("下一个：same_subnet（第 3 章）— 在同一个子网吗？地址和掩码的 AND 运算"),
        "{next}"
    );
    let task = fs::read_to_string(course.join("same_subnet/README.zh.md")).unwrap();
    assert!(next.contains(task.trim_end()), "{next}");
    assert!(
        next.contains(
            "然后运行 `cargo run -p exercises -- --lang zh check same_subnet`（或者 `--lang zh watch`）。"
        ),
        "{next}"
    );
    let by_locale = runner_with_env(&course, &dir, &["next"], &[("LANG", "zh_CN.UTF-8")]);
    let by_locale = stdout_text(&by_locale);
    assert_eq!(by_locale, next.replace("--lang zh ", ""));
    assert!(
        by_locale
            .contains("然后运行 `cargo run -p exercises -- check same_subnet`（或者 `watch`）。"),
        "{by_locale}"
    );

    let refused = zh(&["solution", "same_subnet"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr_text(&refused).contains(
            "same_subnet 还没有通过：通过之后才能看参考答案\
             （`cargo run -p exercises -- --lang zh check same_subnet`）"
        ),
        "{}",
        stderr_text(&refused)
    );
    let shown = stdout_text(&zh(&["solution", "ip_to_binary"]));
    assert!(shown.starts_with("ip_to_binary 的参考答案（"), "{shown}");
    let notes = fs::read_to_string(course.join("solutions/ip_to_binary/NOTES.zh.md")).unwrap();
    assert!(
        shown.contains(&format!("\n---- 说明 ----\n\n{}\n", notes.trim_end())),
        "{shown}"
    );
    // A course without the Chinese notes shows the English ones, and says so.
    fs::remove_file(course.join("solutions/ip_to_binary/NOTES.zh.md")).unwrap();
    let shown = stdout_text(&zh(&["solution", "ip_to_binary"]));
    assert!(shown.contains("---- 说明（英文）----"), "{shown}");
    assert!(shown.contains("Notes on the reference solution"), "{shown}");
    fs::remove_dir_all(root).unwrap();
}

/// What scripts and grade books read is the same in every language: the
/// formats of `check`, and `list --json`. (Only the timings differ between
/// two runs.)
#[test]
fn machine_formats_are_the_same_in_both_languages() {
    let (root, course, dir) = halfway("formats-zh");
    let chinese = [("LANG", "zh_CN.UTF-8")];
    for format in ["json", "junit", "classroom", "csv"] {
        let args = ["check", "same_subnet", "--format", format];
        let english = runner(&course, &dir, &args);
        let output = runner_with_env(&course, &dir, &args, &chinese);
        assert_eq!(output.status.code(), english.status.code(), "{format}");
        assert_eq!(
            without_timings(&stdout_text(&output)),
            without_timings(&stdout_text(&english)),
            "{format}"
        );
    }
    let english = stdout_text(&runner(&course, &dir, &["list", "--json"]));
    let output = runner(&course, &dir, &["--lang", "zh", "list", "--json"]);
    assert_eq!(stdout_text(&output), english);
    fs::remove_dir_all(root).unwrap();
}

/// `text` with what differs between any two runs set to 0: the times JUnit
/// (`time="1.234"`) and GitHub Classroom (`"duration":1234`) report, and the
/// thread ids in the tests' panic messages (`thread 'name' (18868) panicked`).
fn without_timings(text: &str) -> String {
    const BEFORE_A_NUMBER: [&str; 4] = ["time=\"", "\"duration\":", "' (", "&apos; ("];
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = BEFORE_A_NUMBER
        .iter()
        .filter_map(|key| rest.find(key).map(|at| at + key.len()))
        .min()
    {
        out.push_str(&rest[..at]);
        rest = rest[at..].trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        out.push('0');
    }
    out.push_str(rest);
    out
}

#[test]
fn the_solution_is_shown_once_the_exercise_passes() {
    let (root, course, dir) = halfway("solution");
    let refused = runner(&course, &dir, &["solution", "same_subnet"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr_text(&refused).contains("does not pass yet"));
    let _ = runner(&course, &dir, &["check", "ip_to_binary"]);
    let shown = runner(&course, &dir, &["solution", "ip_to_binary"]);
    assert_eq!(shown.status.code(), Some(0), "{}", stderr_text(&shown));
    let text = stdout_text(&shown);
    assert!(text.contains("pub fn to_binary"), "{text}");
    assert!(text.contains("Notes on the reference solution"), "{text}");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn reset_all_restores_every_starter_and_keeps_a_copy() {
    let has_git = Command::new("git")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !has_git {
        eprintln!("note: git not found, skipping");
        return;
    }
    let (root, course, dir) = halfway("reset");
    let checkout = dir.parent().unwrap().to_path_buf();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .arg("-C")
            .arg(&checkout)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    // The committed state is the starters; the student then solved ip_to_binary.
    let solved = fs::read_to_string(dir.join("ip_to_binary/src/lib.rs")).unwrap();
    copy_tree(&course.join("ip_to_binary"), &dir.join("ip_to_binary"));
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "starters"]);
    fs::write(dir.join("ip_to_binary/src/lib.rs"), &solved).unwrap();
    fs::write(dir.join("same_subnet/src/lib.rs"), "// my attempt\n").unwrap();
    let output = runner(&course, &dir, &["reset", "--all"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    for exercise in ["ip_to_binary", "same_subnet"] {
        assert_eq!(
            fs::read_to_string(dir.join(exercise).join("src/lib.rs")).unwrap(),
            fs::read_to_string(course.join(exercise).join("src/lib.rs")).unwrap(),
            "{exercise} is back to its starter"
        );
    }
    let text = stdout_text(&output);
    let kept = text
        .lines()
        .find_map(|l| l.strip_prefix("(your previous files are kept in "))
        .and_then(|l| l.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        fs::read_to_string(Path::new(kept).join("same_subnet/src/lib.rs")).unwrap(),
        "// my attempt\n"
    );
    let usage = runner(&course, &dir, &["reset"]);
    assert_eq!(usage.status.code(), Some(2));
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_set_giving_points_to_an_exercise_it_does_not_have_is_refused() {
    let root = scratch("badpoints");
    let course = course(&root);
    fs::write(
        course.join("sets/bad.toml"),
        "exercises = [\"ip_to_binary\"]\npoints = { same_subnet = 2 }\n",
    )
    .unwrap();
    let output = run(
        workspace_bin("exercises"),
        &[
            "--course",
            &course.display().to_string(),
            "list",
            "--set",
            "bad",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_text(&output).contains("'same_subnet', which is not in the set"),
        "{}",
        stderr_text(&output)
    );
    fs::remove_dir_all(root).unwrap();
}

/// The GitHub Classroom workflow the book shows (docs/src/classroom/autograding.yml)
/// agrees with the runner and with the reporter's conventions: a set that exists,
/// the classroom format, and the step id, the `<ID>_RESULTS` variable and the
/// `runners` input naming the same step. It keeps what GitHub Classroom's own
/// workflow has: the name `Autograding Tests`, the permission `checks: write`
/// (which the reporter's releases before November 2024 needed to write the points
/// into the check run with `checks.update`) and one job, `run-autograding-tests`,
/// without a `name:` of its own (the check run those releases looked up by name).
#[test]
fn the_classroom_workflow_in_the_book_fits_the_runner_and_the_reporter() {
    let workflow = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src/classroom/autograding.yml"),
    )
    .unwrap();
    let after = |key: &str| {
        workflow
            .lines()
            .find_map(|line| line.trim().strip_prefix(key))
            .map(|rest| rest.trim().to_string())
            .unwrap_or_else(|| panic!("no {key:?} in the workflow"))
    };
    let set = after("--dir student/exercises check --set")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert!(
        shipped().join("sets").join(format!("{set}.toml")).is_file(),
        "set {set}"
    );
    assert!(workflow.contains("--format classroom"));
    let id = after("id:");
    assert_eq!(after("runners:"), id);
    assert!(
        workflow.contains(&format!(
            "{}_RESULTS: \"${{{{ steps.{id}.outputs.result }}}}\"",
            id.to_uppercase()
        )),
        "the reporter reads step {id}'s result from {}_RESULTS",
        id.to_uppercase()
    );
    assert!(workflow.contains("uses: classroom-resources/autograding-grading-reporter@v1"));
    // What GitHub Classroom's own workflow has.
    assert!(
        workflow
            .lines()
            .any(|line| line == "name: Autograding Tests"),
        "the workflow is named `Autograding Tests`, as GitHub Classroom's own"
    );
    // The lines under a top-level key, without comments and blank lines.
    let under = |key: &str| -> Vec<&str> {
        workflow
            .lines()
            .skip_while(|line| *line != key)
            .skip(1)
            .take_while(|line| line.starts_with(' ') || line.trim().is_empty())
            .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
            .collect()
    };
    let permissions: Vec<&str> = under("permissions:").iter().map(|l| l.trim()).collect();
    for permission in ["checks: write", "actions: read", "contents: read"] {
        assert!(
            permissions.contains(&permission),
            "the workflow's permissions must grant `{permission}`: {permissions:?}"
        );
    }
    let jobs = under("jobs:");
    let job_ids: Vec<&str> = jobs
        .iter()
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .map(|line| line.trim().trim_end_matches(':'))
        .collect();
    assert_eq!(
        job_ids,
        ["run-autograding-tests"],
        "one job, with the id GitHub Classroom's workflow gives it (its check run's name)"
    );
    assert!(
        !jobs.iter().any(|line| line.starts_with("    name:")),
        "a `name:` on the job would rename its check run from run-autograding-tests"
    );
    // The runner accepts the options the workflow gives it.
    let help = stdout_text(&run(workspace_bin("exercises"), &["check", "--help"], b""));
    assert!(
        help.contains("classroom") && help.contains("--set"),
        "{help}"
    );
}
