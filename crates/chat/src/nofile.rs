//! The open-file limit (RLIMIT_NOFILE): every client is one file descriptor, and
//! many systems start a process with a soft limit of 1024. The servers and the
//! benchmarks of this chapter raise it to the hard limit before they meet a crowd.

/// Raises this process's open-file limit (RLIMIT_NOFILE) as far as the hard
/// limit allows and returns it; `ulimit -n` shows the same number in a shell.
#[cfg(unix)]
pub fn raise_nofile_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(_) => rlimit::getrlimit(rlimit::Resource::NOFILE)
            .map(|(soft, _hard)| soft)
            .unwrap_or(0),
    }
}

/// Windows has no per-process open-file limit for sockets (RLIMIT_NOFILE is a
/// Unix idea): 0 means "no limit known", and the benchmarks let any count try.
#[cfg(not(unix))]
pub fn raise_nofile_limit() -> u64 {
    0
}
