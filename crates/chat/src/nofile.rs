//! The open-file limit (RLIMIT_NOFILE): every client is one file descriptor, and
//! many systems start a process with a soft limit of 1024. The servers and the
//! benchmarks of this chapter raise it to the hard limit before they meet a crowd,
//! and say so, with the number to ask for, when even that is too few.

/// Files a process opens besides its clients: stdin, stdout, stderr, the
/// listening sockets, tokio's epoll and wake-up descriptors, with room to spare.
pub const SPARE_FILES: u64 = 64;

/// How many files a process needs to hold `clients` connections at once.
pub fn needed(clients: usize) -> u64 {
    clients as u64 + SPARE_FILES
}

/// What to say when `clients` connections need more files than `limit`
/// (`None`: enough, or the limit is unknown, 0).
///
/// ```
/// use chat::nofile::shortfall;
/// assert_eq!(shortfall(10_000, 20_000), None);
/// assert_eq!(
///     shortfall(10_000, 1024).unwrap(),
///     "this process may open 1024 files (ulimit -n), one per client: \
///      raise it to 10064 (ulimit -n 10064; above the hard limit, as root)"
/// );
/// ```
pub fn shortfall(clients: usize, limit: u64) -> Option<String> {
    let needed = needed(clients);
    (limit > 0 && limit < needed).then(|| {
        format!(
            "this process may open {limit} files (ulimit -n), one per client: \
             raise it to {needed} (ulimit -n {needed}; above the hard limit, as root)"
        )
    })
}

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
