//! What the runner says to a person, in English or in Chinese.
//!
//! `--lang en|zh` chooses, or else the environment (`LC_ALL`, `LC_MESSAGES`,
//! `LANG` starting with `zh`), the same rule as the tour's
//! ([`netlab_common::lang`]). Each sentence is written here once per language,
//! side by side, so a translator reads both at once.
//!
//! What never changes with the language: the machine formats (`--json`, junit,
//! classroom, csv), which scripts and grade books read; the names of exercises,
//! tests and commands; and what the compiler and the tests print, quoted as
//! they are. The student's own text comes from the exercise's files:
//! `README.zh.md` and `hints.zh.md` in Chinese (see [`crate::catalog`]).

use std::path::Path;

pub use netlab_common::lang::Lang;

use crate::catalog::CatalogError;
use crate::error::RunnerError;
use crate::report::{English, Graded, SummaryWords};
use crate::sandbox::{MAX_SOURCE_ENTRIES, MAX_SOURCE_TOTAL, SandboxError};
use crate::testrun::{self, NO_COMPILER_ERRORS, Problem, TestReport, Unreported};

/// The runner's sentences in one language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Messages {
    lang: Lang,
    /// Chinese was asked for with `--lang zh`: the commands suggested carry
    /// it, so that a command copied keeps the language.
    by_flag: bool,
}

impl Messages {
    /// The sentences of `lang`, whatever chose it; the commands suggested
    /// are the plain ones.
    pub fn new(lang: Lang) -> Messages {
        Messages {
            lang,
            by_flag: false,
        }
    }

    /// The sentences of the language `--lang` gave (`flag`), or else the
    /// environment's ([`Lang::or_from_env`]). Chinese chosen with the flag is
    /// kept in the commands suggested (`--lang zh hint NAME 2`): without it, a
    /// copied command would speak English again. A Chinese locale needs
    /// nothing added, and English is what a command without the flag speaks.
    pub fn chosen(flag: Option<Lang>) -> Messages {
        Messages {
            lang: Lang::or_from_env(flag),
            by_flag: flag == Some(Lang::Zh),
        }
    }

    pub fn lang(self) -> Lang {
        self.lang
    }

    /// A command of the runner to suggest (`hint NAME 2`), with `--lang zh`
    /// in front when that is how Chinese was asked for.
    fn command(self, command: &str) -> String {
        if self.by_flag {
            format!("--lang zh {command}")
        } else {
            command.to_string()
        }
    }

    /// The whole command line to suggest: `cargo run -p exercises -- COMMAND`.
    fn cargo_run(self, command: &str) -> String {
        format!("cargo run -p exercises -- {}", self.command(command))
    }

    /// `en` or `zh`, as the language asks.
    fn t(self, en: String, zh: String) -> String {
        match self.lang {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    // -- Progress and status ------------------------------------------------

    /// `7/24 done  [BAR]`.
    pub fn progress(self, done: usize, total: usize, bar: &str) -> String {
        self.t(
            format!("{done}/{total} done  [{bar}]"),
            format!("已完成 {done}/{total}  [{bar}]"),
        )
    }

    /// The status column of `list`: the three have the same width in each
    /// language.
    pub fn status(self, passed: Option<bool>) -> String {
        let (en, zh) = match passed {
            Some(true) => ("done       ", "已完成"),
            Some(false) => ("not done   ", "未完成"),
            None => ("not checked", "未检查"),
        };
        self.t(en.to_string(), zh.to_string())
    }

    /// `chapter 3`.
    pub fn chapter(self, chapter: u8) -> String {
        self.t(format!("chapter {chapter}"), format!("第 {chapter} 章"))
    }

    /// The line under `list`.
    pub fn list_help(self) -> String {
        self.t(
            "`check NAME` builds and tests one exercise (or all without a NAME); \
             `hint NAME` helps; `watch` re-checks as you edit."
                .to_string(),
            format!(
                "`{}` 编译并测试一个练习（不写 NAME 就检查全部）；\
                 `{}` 给出提示；`{}` 在你每次保存时重新检查。",
                self.command("check NAME"),
                self.command("hint NAME"),
                self.command("watch")
            ),
        )
    }

    /// On stderr while one exercise is checked.
    pub fn checking(self, name: &str) -> String {
        self.t(
            format!("checking {name} ..."),
            format!("正在检查 {name} ..."),
        )
    }

    /// One line that says why an exercise did not pass, or that it did.
    pub fn summary(self, graded: &Graded) -> String {
        graded.summary_in(&self)
    }

    // -- What went wrong ---------------------------------------------------------

    /// Under a failed exercise: each failed test's message, then the problem;
    /// or the compiler's errors, as it printed them.
    pub fn details(self, report: &TestReport) -> String {
        if self.lang == Lang::En {
            return report.details.clone();
        }
        if report.compiled || report.problem.is_some() {
            return testrun::details_with(
                report,
                |test| self.test_message(report, test),
                |problem| self.problem(problem),
            );
        }
        if report.details == NO_COMPILER_ERRORS {
            "cargo 没能编译这些测试（编译器没有打印任何错误）".to_string()
        } else {
            self.quoted(&report.details)
        }
    }

    /// A failed test's message: what it printed (its panic, quoted as it is),
    /// or why it never reported.
    pub fn test_message(self, report: &TestReport, test: &str) -> Option<String> {
        match (self.lang, report.unreported.get(test)) {
            (Lang::Zh, Some(why)) => Some(self.unreported(test, *why)),
            _ => report
                .messages
                .get(test)
                .map(|message| self.quoted(message)),
        }
    }

    /// A test's or the compiler's text as it is, but for the line the runner
    /// adds where it was cut.
    fn quoted(self, text: &str) -> String {
        match (self.lang, text.strip_suffix(&testrun::cut_note())) {
            (Lang::Zh, Some(kept)) => format!(
                "{kept}[……超过 {} 字节，后面的部分略去]",
                testrun::MAX_MESSAGE
            ),
            _ => text.to_string(),
        }
    }

    /// Why a test never reported a result of its own.
    pub fn unreported(self, test: &str, why: Unreported) -> String {
        match (self.lang, why) {
            (Lang::En, _) => why.message(test),
            (Lang::Zh, Unreported::TimedOut { limit_secs }) => format!(
                "{test} 没能在 {limit_secs} 秒的时限内结束：是死循环，\
                 还是某处等待（read、accept、join）没有设超时？"
            ),
            (Lang::Zh, Unreported::EndedFirst) => {
                format!("{test} 没有报告结果：测试程序先结束了")
            }
        }
    }

    /// Something that went wrong besides failing tests, in one sentence.
    pub fn problem(self, problem: &Problem) -> String {
        if self.lang == Lang::En {
            return problem.to_string();
        }
        match problem {
            Problem::Submission(error) => {
                format!("无法取用提交的代码：{}", sandbox_error_in_chinese(error))
            }
            Problem::Cargo(error) => format!("无法运行 cargo：{error}"),
            Problem::BuildTimedOut { limit_secs } => {
                format!("编译超过了 {limit_secs} 秒，已被停止")
            }
            Problem::TestsTimedOut { limit_secs } => {
                format!("超时：测试没能在 {limit_secs} 秒内全部结束")
            }
            Problem::ExitCode(code) => {
                format!("测试程序以退出码 {code} 结束了，却没有一个测试失败")
            }
            Problem::Killed => "测试程序被一个信号杀死了（崩溃了，或者栈溢出了）".to_string(),
        }
    }

    /// Under a failed exercise of `check`: where the task is, how to get a hint.
    pub fn task_and_hint(self, task: &Path, name: &str) -> String {
        let task = task.display();
        self.t(
            format!("(task: {task}; `hint {name}` for a hint)"),
            format!(
                "（任务：{task}；`{}` 给出一条提示）",
                self.command(&format!("hint {name}"))
            ),
        )
    }

    /// After `check` of several exercises.
    pub fn checked(self, passed: usize, total: usize, points: u32, max: u32) -> String {
        self.t(
            format!("{passed}/{total} exercises pass; {points}/{max} points"),
            format!("{total} 个练习中通过了 {passed} 个；得分 {points}/{max}"),
        )
    }

    // -- Hints ----------------------------------------------------------------

    /// Above a hint of `hint NAME N`.
    pub fn hint_title(self, name: &str, number: usize, count: usize) -> String {
        self.t(
            format!("Hint {number} of {count} for {name}:"),
            format!("{name} 的第 {number} 条提示（共 {count} 条）："),
        )
    }

    /// Under a hint that is not the last.
    pub fn next_hint(self, name: &str, number: usize) -> String {
        self.t(
            format!("(next: `hint {name} {number}`)"),
            format!(
                "（下一条：`{}`）",
                self.command(&format!("hint {name} {number}"))
            ),
        )
    }

    /// `watch`: above the next hint not shown yet.
    pub fn watch_hint(self, number: usize, count: usize) -> String {
        self.t(
            format!("hint {number} of {count}:"),
            format!("第 {number} 条提示（共 {count} 条）："),
        )
    }

    /// `watch`: when every hint has been shown.
    pub fn all_hints_shown(self, count: usize, task: &Path) -> String {
        let task = task.display();
        self.t(
            format!("(all {count} hints shown; the task: {task})"),
            format!("（{count} 条提示都已显示；任务：{task}）"),
        )
    }

    // -- next, watch, solution, reset -----------------------------------------

    pub fn all_done(self) -> String {
        self.t(
            "Every exercise passes. Well done!".to_string(),
            "所有练习都通过了，干得好！".to_string(),
        )
    }

    /// `Next: `, before an exercise's heading.
    pub fn next_label(self) -> String {
        self.t("Next: ".to_string(), "下一个：".to_string())
    }

    /// `ip_to_binary (chapter 3) — TITLE`.
    pub fn exercise_heading(self, name: &str, chapter: u8, title: &str) -> String {
        self.t(
            format!("{name} (chapter {chapter}) — {title}"),
            format!("{name}（第 {chapter} 章）— {title}"),
        )
    }

    /// `next`: under the task.
    pub fn edit_and_check(self, src: &Path, name: &str) -> String {
        let src = src.display();
        self.t(
            format!("Edit {src} and run `cargo run -p exercises -- check {name}` (or `watch`)."),
            format!(
                "修改 {src}，然后运行 `{}`（或者 `{}`）。",
                self.cargo_run(&format!("check {name}")),
                self.command("watch")
            ),
        )
    }

    /// `watch`: under the next exercise's heading.
    pub fn task_at(self, task: &Path) -> String {
        let task = task.display();
        self.t(format!("task: {task}"), format!("任务：{task}"))
    }

    /// `watch`: once an exercise passes.
    pub fn solution_available(self, name: &str) -> String {
        self.t(
            format!(
                "`cargo run -p exercises -- solution {name}` shows the reference solution \
                 and why it is written that way."
            ),
            format!(
                "`{}` 显示参考答案，以及为什么这样写。",
                self.cargo_run(&format!("solution {name}"))
            ),
        )
    }

    /// `watch`: while it waits for a save.
    pub fn watching(self, src: &Path) -> String {
        let src = src.display();
        self.t(
            format!("watching {src} for changes (Ctrl-C to stop)"),
            format!("正在监视 {src} 里的改动（按 Ctrl-C 停止）"),
        )
    }

    /// `watch`: above the message of the first failing test.
    pub fn first_failure(self, test: &str) -> String {
        self.t(
            format!("first failure, {test}:"),
            format!("第一个失败的测试，{test}："),
        )
    }

    /// `solution`: above the reference solution.
    pub fn solution_title(self, name: &str, lib: &Path) -> String {
        let lib = lib.display();
        self.t(
            format!("Reference solution of {name} ({lib}):"),
            format!("{name} 的参考答案（{lib}）："),
        )
    }

    /// `solution`: the rule above the notes, which are written in `notes`
    /// (English when a course has no `NOTES.zh.md`: the rule says so).
    pub fn notes_rule(self, notes: Lang) -> String {
        match (self.lang, notes) {
            (Lang::En, _) => "---- Notes ----".to_string(),
            (Lang::Zh, Lang::Zh) => "---- 说明 ----".to_string(),
            (Lang::Zh, Lang::En) => "---- 说明（英文）----".to_string(),
        }
    }

    /// `reset`: one exercise done.
    pub fn reset_done(self, name: &str) -> String {
        self.t(
            format!("{name} is back to its starter code."),
            format!("{name} 已恢复成初始代码。"),
        )
    }

    /// `reset`: where the student's files were kept.
    pub fn backup_kept(self, backup: &Path) -> String {
        let backup = backup.display();
        self.t(
            format!("(your previous files are kept in {backup})"),
            format!("（你之前的文件保存在 {backup}）"),
        )
    }

    // -- Errors ---------------------------------------------------------------

    /// The one line an error is reported with (after `error: `).
    pub fn error(self, error: &RunnerError) -> String {
        if self.lang == Lang::En {
            return error.to_string();
        }
        match error {
            RunnerError::Catalog(error) => catalog_error_in_chinese(error),
            RunnerError::NotADirectory { dir, expected } => {
                let expected = match expected {
                    crate::error::Expected::Course => "课程的 exercises/ 目录",
                    crate::error::Expected::Work => "一份 netlab 代码里的 exercises/ 目录",
                };
                format!("“{}”不是一个目录（这里应当是{expected}）", dir.display())
            }
            RunnerError::Read { path, error } => {
                format!("无法读取 {}：{error}", path.display())
            }
            RunnerError::NoSuchHint {
                name,
                number,
                count,
            } => format!("没有第 {number} 条提示：{name} 的提示是第 1 到第 {count} 条"),
            RunnerError::NotPassedYet { name } => format!(
                "{name} 还没有通过：通过之后才能看参考答案（`{}`）",
                self.cargo_run(&format!("check {name}"))
            ),
            RunnerError::NothingToReset => {
                "请写出要恢复的练习名，或者用 --all 恢复全部练习".to_string()
            }
            RunnerError::Backup { src, error } => {
                format!("无法保存 {} 的副本：{error}", src.display())
            }
            RunnerError::Git(error) => format!("无法运行 git：{error}"),
            RunnerError::GitRestore { dir } => {
                format!("git 无法恢复 {}（这是一个 git 仓库吗？）", dir.display())
            }
            RunnerError::Roster { roster, error } => format!(
                "无法读取名单目录 {}：{error}（这里应当是每个学生一份代码的目录）",
                roster.display()
            ),
            RunnerError::EmptyRoster { roster } => format!(
                "名单目录 {} 里没有子目录（这里应当是每个学生一份代码）",
                roster.display()
            ),
            RunnerError::Write { path, error } => {
                format!("无法写入 {}：{error}", path.display())
            }
            RunnerError::Watch { path: None, error } => format!("无法监视文件：{error}"),
            RunnerError::Watch {
                path: Some(path),
                error,
            } => format!("无法监视 {}：{error}", path.display()),
            RunnerError::WatcherStopped => "文件监视停止了".to_string(),
        }
    }
}

/// A summary's words in the runner's language (the English ones are the
/// report's own, [`English`]).
impl SummaryWords for Messages {
    fn all_pass(&self, passed: usize) -> String {
        self.t(
            English.all_pass(passed),
            format!("全部 {passed} 个测试通过"),
        )
    }
    fn does_not_compile(&self) -> String {
        self.t(English.does_not_compile(), "还编译不过".to_string())
    }
    fn timed_out(&self, failed: usize, total: usize) -> String {
        self.t(
            English.timed_out(failed, total),
            format!("超时：{total} 个测试中有 {failed} 个没能按时通过"),
        )
    }
    fn no_tests(&self) -> String {
        self.t(English.no_tests(), "一个测试也没有运行".to_string())
    }
    fn failing(&self, failed: usize, total: usize, names: &str) -> String {
        self.t(
            English.failing(failed, total, names),
            format!("{total} 个测试中有 {failed} 个失败：{names}"),
        )
    }
    fn problem(&self, problem: &Problem) -> String {
        Messages::problem(*self, problem)
    }
}

/// Why a student's files could not be taken, in Chinese.
fn sandbox_error_in_chinese(error: &SandboxError) -> String {
    match error {
        SandboxError::Missing(path) => format!("{} 不存在", path.display()),
        SandboxError::NotRegular(path) => format!(
            "{} 既不是普通文件，也不是目录（是链接还是设备？）",
            path.display()
        ),
        SandboxError::TooManyEntries => {
            format!("src/ 里的文件和目录超过了 {MAX_SOURCE_ENTRIES} 个")
        }
        SandboxError::FileTooBig { path, len, max } => format!(
            "{} 有 {len} 字节，超过了一个源文件允许的 {max} 字节",
            path.display()
        ),
        SandboxError::TotalTooBig => {
            format!("源文件加起来超过了 {MAX_SOURCE_TOTAL} 字节")
        }
        SandboxError::Io(path, error) => format!("{}：{error}", path.display()),
    }
}

/// The catalog's errors a student meets (a name mistyped) in Chinese; the
/// others, about the course's own files, as they are.
fn catalog_error_in_chinese(error: &CatalogError) -> String {
    match error {
        CatalogError::UnknownExercise(name, known) => format!(
            "没有名为“{name}”的练习（可以是这些之一：{}）",
            known.join(", ")
        ),
        CatalogError::UnknownSet(name, known) => format!(
            "exercises/sets 里没有名为“{name}”的练习组（可以是这些之一：{}）",
            known.join(", ")
        ),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_has_one_width_per_language() {
        for lang in [Lang::En, Lang::Zh] {
            let say = Messages::new(lang);
            let widths: Vec<usize> = [Some(true), Some(false), None]
                .into_iter()
                .map(|passed| say.status(passed).chars().count())
                .collect();
            assert!(
                widths.windows(2).all(|w| w[0] == w[1]),
                "{lang}: {widths:?}"
            );
        }
    }

    /// Every problem has its sentence in Chinese; the English one is the
    /// machine formats' (`Display`).
    #[test]
    fn problems_are_said_in_both_languages() {
        let path = || std::path::PathBuf::from("/work/ex/src");
        let problems = [
            Problem::Submission(SandboxError::Missing(path())),
            Problem::Submission(SandboxError::NotRegular(path())),
            Problem::Submission(SandboxError::TooManyEntries),
            Problem::Submission(SandboxError::FileTooBig {
                path: path(),
                len: 2,
                max: 1,
            }),
            Problem::Submission(SandboxError::TotalTooBig),
            Problem::Submission(SandboxError::Io(path(), "Permission denied".into())),
            Problem::Cargo("No such file or directory".into()),
            Problem::BuildTimedOut { limit_secs: 600 },
            Problem::TestsTimedOut { limit_secs: 3 },
            Problem::ExitCode(3),
            Problem::Killed,
        ];
        let english_words = ["the ", "test", "than", "cannot", "signal", "bytes"];
        for problem in problems {
            let en = Messages::new(Lang::En).problem(&problem);
            assert_eq!(en, problem.to_string());
            let zh = Messages::new(Lang::Zh).problem(&problem);
            assert!(!english_words.iter().any(|word| zh.contains(word)), "{zh}");
        }
        assert_eq!(
            Messages::new(Lang::Zh).problem(&Problem::TestsTimedOut { limit_secs: 3 }),
            "超时：测试没能在 3 秒内全部结束"
        );
    }

    /// The details under a failed exercise: the tests' own messages quoted as
    /// they are, the runner's sentences in the runner's language.
    #[test]
    fn details_quote_the_tests_and_translate_the_runner() {
        let cut = format!("thread 'a' panicked\nspam\n{}", testrun::cut_note());
        let report = TestReport {
            compiled: true,
            failed_tests: vec!["a".into(), "b".into()],
            messages: [
                ("a".to_string(), cut),
                ("b".to_string(), Unreported::EndedFirst.message("b")),
            ]
            .into(),
            unreported: [("b".to_string(), Unreported::EndedFirst)].into(),
            problem: Some(Problem::Killed),
            ..TestReport::default()
        };
        let report = TestReport {
            details: testrun::details(&report),
            ..report
        };
        assert_eq!(Messages::new(Lang::En).details(&report), report.details);
        assert!(report.details.contains("b never reported a result"));
        assert_eq!(
            Messages::new(Lang::Zh).details(&report),
            "---- a ----\nthread 'a' panicked\nspam\n[……超过 4096 字节，后面的部分略去]\n\
             ---- b ----\nb 没有报告结果：测试程序先结束了\n\
             测试程序被一个信号杀死了（崩溃了，或者栈溢出了）"
        );
        let not_built = TestReport {
            details: NO_COMPILER_ERRORS.to_string(),
            ..TestReport::default()
        };
        assert_eq!(
            Messages::new(Lang::Zh).details(&not_built),
            "cargo 没能编译这些测试（编译器没有打印任何错误）"
        );
    }

    /// Chinese asked for with `--lang zh` is kept in every command suggested;
    /// by the locale, or in English, the commands are the plain ones.
    #[test]
    fn commands_suggested_keep_the_flag_that_chose_chinese() {
        let flag = Messages::chosen(Some(Lang::Zh));
        assert_eq!(flag.lang(), Lang::Zh);
        let task = Path::new("ex/README.zh.md");
        let src = Path::new("ex/src");
        let not_passed = RunnerError::NotPassedYet {
            name: "ex".to_string(),
        };
        let said = [
            flag.list_help(),
            flag.task_and_hint(task, "ex"),
            flag.next_hint("ex", 2),
            flag.edit_and_check(src, "ex"),
            flag.solution_available("ex"),
            flag.error(&not_passed),
        ]
        .join("\n");
        for command in [
            "`--lang zh check NAME`",
            "`--lang zh hint NAME`",
            "`--lang zh watch`",
            "`--lang zh hint ex`",
            "`--lang zh hint ex 2`",
            "`cargo run -p exercises -- --lang zh check ex`",
            "`cargo run -p exercises -- --lang zh solution ex`",
        ] {
            assert!(said.contains(command), "{command}: {said}");
        }
        assert_eq!(said.matches('`').count() % 2, 0, "{said}");
        let plain = said.replace("--lang zh ", "");
        let locale = Messages::new(Lang::Zh);
        assert_eq!(
            [
                locale.list_help(),
                locale.task_and_hint(task, "ex"),
                locale.next_hint("ex", 2),
                locale.edit_and_check(src, "ex"),
                locale.solution_available("ex"),
                locale.error(&not_passed),
            ]
            .join("\n"),
            plain
        );
        for english in [Messages::new(Lang::En), Messages::chosen(Some(Lang::En))] {
            assert_eq!(english.next_hint("ex", 2), "(next: `hint ex 2`)");
        }
    }

    #[test]
    fn an_unknown_exercise_is_named_in_both_languages() {
        let error = RunnerError::Catalog(CatalogError::UnknownExercise(
            "nope".to_string(),
            vec!["ip_to_binary".to_string()],
        ));
        assert_eq!(
            Messages::new(Lang::En).error(&error),
            "no exercise named 'nope' (expected one of: ip_to_binary)"
        );
        assert_eq!(
            Messages::new(Lang::Zh).error(&error),
            "没有名为“nope”的练习（可以是这些之一：ip_to_binary）"
        );
    }
}
