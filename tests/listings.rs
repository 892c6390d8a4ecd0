//! The listings — every tutorial program as one file of plain Rust
//! (`crates/CRATE/examples/NAME.rs`, named after `tests/python/NAME.py`) — keep
//! their promises: each exists, stands alone (no helpers of ours, no clap), stays
//! as short as the Python allows (at most twice its lines of code), and is run
//! against its Python twin by a test.

use std::fs;
use std::path::{Path, PathBuf};

/// Every listing: (crate, name). The name is also the Python file's.
const LISTINGS: &[(&str, &str)] = &[
    ("netlab", "a"),
    ("netlab", "b"),
    ("tcp-demo", "tcp_server"),
    ("tcp-demo", "tcp_client"),
    ("tcp-demo", "tcp_classroom_server"),
    ("tcp-demo", "tcp_classroom_client"),
    ("tcp-demo", "chat_server"),
    ("tcp-demo", "chat_client"),
    ("udp-demo", "udp_server"),
    ("udp-demo", "udp_client"),
    ("udp-demo", "qq_server"),
    ("udp-demo", "qq_client"),
    ("time-sync", "time_server"),
    ("time-sync", "time_client"),
    ("framing", "cmd_server"),
    ("framing", "cmd_client"),
    ("framing", "cmd_ack_server"),
    ("framing", "cmd_ack_client"),
    ("framing", "prefix_cmd_server"),
    ("framing", "prefix_cmd_client"),
    ("framing", "file_send"),
    ("framing", "file_receive"),
    ("auth", "auth_server"),
    ("auth", "auth_client"),
    ("chat", "socketserver_server"),
    ("chat", "socketserver_client"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn listing_path(krate: &str, name: &str) -> PathBuf {
    let dir = if krate == "netlab" {
        root().to_path_buf()
    } else {
        root().join("crates").join(krate)
    };
    dir.join("examples").join(format!("{name}.rs"))
}

fn python_path(name: &str) -> PathBuf {
    root().join("tests/python").join(format!("{name}.py"))
}

/// Lines of code: not blank, not only a comment (`comment` is `//` or `#`).
fn code_lines(text: &str, comment: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with(comment))
        .count()
}

#[test]
fn every_tutorial_program_has_a_listing() {
    let missing: Vec<String> = LISTINGS
        .iter()
        .filter(|(krate, name)| !listing_path(krate, name).is_file())
        .map(|(krate, name)| format!("{krate}/examples/{name}.rs"))
        .collect();
    assert!(missing.is_empty(), "missing listings: {missing:?}");
    // And the other way round: every Python program in tests/python/ has one.
    for entry in fs::read_dir(root().join("tests/python")).unwrap() {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "py") {
            assert!(
                LISTINGS.iter().any(|(_, name)| *name == stem),
                "tests/python/{stem}.py has no listing in LISTINGS"
            );
        }
    }
}

#[test]
fn a_listing_is_at_most_twice_as_long_as_its_python() {
    let mut too_long = Vec::new();
    for (krate, name) in LISTINGS {
        let rust = fs::read_to_string(listing_path(krate, name)).unwrap_or_default();
        let python = fs::read_to_string(python_path(name)).unwrap_or_default();
        let (rust_lines, python_lines) = (code_lines(&rust, "//"), code_lines(&python, "#"));
        if rust_lines > 2 * python_lines {
            too_long.push(format!(
                "{name}: {rust_lines} lines of Rust for {python_lines} of Python"
            ));
        }
    }
    assert!(
        too_long.is_empty(),
        "listings over the size rule: {too_long:#?}"
    );
}

/// Whether `source` names the crate `krate` in a path (`krate::...`) as a whole
/// word: `conn_auth::<...>` is a function of the listing, not the crate `auth`.
fn uses_crate(source: &str, krate: &str) -> bool {
    let path = format!("{krate}::");
    source.match_indices(&path).any(|(at, _)| {
        let before = source[..at].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[test]
fn a_listing_stands_alone() {
    let mut offending = Vec::new();
    for (krate, name) in LISTINGS {
        let rust = fs::read_to_string(listing_path(krate, name)).unwrap_or_default();
        for krate in [
            "netlab_common",
            "clap",
            "tcp_demo",
            "udp_demo",
            "time_sync",
            "framing",
            "auth",
            "chat",
        ] {
            if uses_crate(&rust, krate) {
                offending.push(format!("{name} uses the crate {krate}"));
            }
        }
        if !rust.contains("// Python:") {
            offending.push(format!("{name} shows no `// Python:` line beside its Rust"));
        }
    }
    assert!(offending.is_empty(), "{offending:#?}");
}

#[test]
fn every_listing_is_run_by_a_test() {
    let tests: String = fs::read_dir(root().join("tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| !p.ends_with("listings.rs"))
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    for (krate, name) in LISTINGS {
        // A test names the listing, or the pair it belongs to (`"cmd_ack"` for
        // cmd_ack_server and cmd_ack_client).
        let pair = name
            .strip_suffix("_server")
            .or_else(|| name.strip_suffix("_client"))
            .unwrap_or(name);
        let named =
            tests.contains(&format!("\"{name}\"")) || tests.contains(&format!("\"{pair}\""));
        assert!(
            named && tests.contains(&format!("\"{krate}\"")),
            "{krate}/examples/{name}.rs is run by no test in tests/"
        );
    }
}
