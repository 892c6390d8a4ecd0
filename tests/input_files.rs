//! Every file a program reads from its command line is read with a cap:
//! `/dev/zero` (endless) given as any of them is refused at once with a usage
//! error that names the limit, instead of growing until the program dies. The
//! table below lists every such flag; a source scan fails when a binary gains a
//! file flag the table does not know.
//!
//! (Files a program *sends* or *writes* are not in it: `framing send FILE`
//! accepts regular files only, tested in ch05_file_transfer; `--pcap FILE` and
//! `--dir` are written to.)

use std::fs;
use std::path::Path;

use netlab_testkit::{run, stderr_text, workspace_bin};

/// (program, the arguments before the file, the flag).
const FILE_FLAGS: &[(&str, &[&str], &str)] = &[
    (
        "auth",
        &["server", "--addr", "127.0.0.1:0"],
        "--secret-file",
    ),
    ("auth", &["client"], "--secret-file"),
    ("auth", &["cmd-server"], "--secret-file"),
    ("auth", &["cmd-client"], "--secret-file"),
    ("auth", &["receive", "--dir", "/tmp"], "--secret-file"),
    ("auth", &["send", "Cargo.toml"], "--secret-file"),
    (
        "chat",
        &["server", "--addr", "127.0.0.1:0"],
        "--secret-file",
    ),
    ("chat", &["client", "--nick", "alice"], "--secret-file"),
    ("chat", &["bench"], "--secret-file"),
    ("net-basics", &["lan"], "--scenario"),
    ("udp-demo", &["qq-client"], "--contacts-file"),
];

#[test]
fn dev_zero_as_any_input_file_is_refused_at_once() {
    for (program, before, flag) in FILE_FLAGS {
        let mut args: Vec<&str> = before.to_vec();
        args.extend([*flag, "/dev/zero"]);
        let output = run(workspace_bin(program), &args, b"");
        let stderr = stderr_text(&output);
        let line = format!("{program} {}", args.join(" "));
        assert_eq!(output.status.code(), Some(2), "{line}: {stderr}");
        assert!(
            stderr.contains("/dev/zero") && stderr.contains("65536"),
            "{line}: the refusal should name the file and the limit: {stderr}"
        );
    }
}

/// A flag that takes a file to read, in a binary's source: its name ends in
/// `_file` or is `scenario` (the convention every such flag follows).
fn file_flags_in(source: &str) -> Vec<String> {
    source
        .lines()
        .map(str::trim)
        .filter_map(|line| line.strip_prefix("pub ").or(Some(line)))
        .filter_map(|line| line.split_once(':'))
        .map(|(name, _)| name.trim())
        .filter(|name| !name.contains(' ') && (name.ends_with("_file") || *name == "scenario"))
        .map(|name| format!("--{}", name.replace('_', "-")))
        .collect()
}

#[test]
fn every_file_flag_of_every_binary_is_in_the_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    for crate_dir in fs::read_dir(root.join("crates")).unwrap() {
        let src = crate_dir.unwrap().path().join("src");
        for file in ["main.rs", "cli.rs"] {
            if let Ok(text) = fs::read_to_string(src.join(file)) {
                sources.push((src.join(file), text));
            }
        }
    }
    let known: Vec<&str> = FILE_FLAGS.iter().map(|(_, _, flag)| *flag).collect();
    let mut found: Vec<String> = sources
        .iter()
        .flat_map(|(_, text)| file_flags_in(text))
        .collect();
    found.sort();
    found.dedup();
    // The scan sees the flags we know are there (it cannot pass by reading nothing).
    assert_eq!(found, ["--contacts-file", "--scenario", "--secret-file"]);
    for (path, text) in &sources {
        for flag in file_flags_in(text) {
            assert!(
                known.contains(&flag.as_str()),
                "{}: {flag} reads a file; add it to FILE_FLAGS with /dev/zero refused",
                path.display()
            );
        }
    }
    // The scan itself finds the flags it should.
    assert_eq!(
        file_flags_in("    secret_file: Option<PathBuf>,\n    pub scenario: Option<PathBuf>,"),
        ["--secret-file", "--scenario"]
    );
}
