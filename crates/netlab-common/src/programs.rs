//! Whether a program is installed.
//!
//! Some lessons compare themselves with a standard tool when it is there (the
//! file-transfer benchmark runs `socat` beside `framing`) and say so when it is not.

/// Whether `program` can be found on the PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
