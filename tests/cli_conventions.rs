//! The command-line conventions every lesson binary keeps (CONVENTIONS.md):
//! `--help` works and says what it teaches, bad input is exit code 2 with a
//! one-line error, never a panic.

use netlab::BINARIES;
use netlab_testkit::{run, stderr_text, stdout_text, workspace_bin};

#[test]
fn every_binary_has_a_help_text() {
    for name in BINARIES {
        let output = run(workspace_bin(name), &["--help"], b"");
        assert_eq!(output.status.code(), Some(0), "{name} --help");
        let help = stdout_text(&output);
        assert!(help.contains("Usage:"), "{name} --help: {help}");
        assert!(help.len() > 100, "{name} --help says too little: {help}");
    }
}

#[test]
fn an_unknown_option_is_exit_code_2_without_a_panic() {
    for name in BINARIES {
        let output = run(workspace_bin(name), &["--no-such-option"], b"");
        let stderr = stderr_text(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("--no-such-option"), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}
