//! Every numeric flag of every binary has a documented range, and a value just
//! outside it (or absurdly large) is a usage error — exit code 2, the range in
//! the message, no panic — before anything runs. (A server once panicked on
//! `--max-clients 18446744073709551615` after printing `listening on`.)

use std::fs;
use std::path::Path;

use netlab_testkit::{run, stderr_text, workspace_bin};

/// One numeric flag: `program args... flag VALUE`, its smallest and largest
/// accepted values, and how its error message writes the range.
struct Flag {
    program: &'static str,
    /// The subcommand and whatever else the command needs to parse.
    args: &'static [&'static str],
    flag: &'static str,
    /// A value just below the range (None when the range starts at 0 and the type
    /// cannot go lower).
    below: Option<&'static str>,
    /// A value just above the range.
    above: &'static str,
    /// How the error message names the range.
    range: &'static str,
}

impl Flag {
    /// A positional argument is written in capitals (`NUMBER`): only its value
    /// goes on the command line.
    fn is_positional(&self) -> bool {
        self.flag.chars().all(|c| c.is_ascii_uppercase())
    }

    /// The words that give this flag `value`.
    fn words<'a>(&'a self, value: &'a str) -> Vec<&'a str> {
        if self.is_positional() {
            vec![value]
        } else {
            vec![self.flag, value]
        }
    }

    /// The name the completeness check knows it by: `--max-clients`, `--number`.
    fn long_name(&self) -> String {
        if self.is_positional() {
            format!("--{}", self.flag.to_lowercase())
        } else {
            self.flag.to_string()
        }
    }
}

const fn flag(
    program: &'static str,
    args: &'static [&'static str],
    flag: &'static str,
    below: Option<&'static str>,
    above: &'static str,
    range: &'static str,
) -> Flag {
    Flag {
        program,
        args,
        flag,
        below,
        above,
        range,
    }
}

/// Ranges written by clap (`0 is not in 1..=16`).
const fn ranged(
    program: &'static str,
    args: &'static [&'static str],
    name: &'static str,
    min_below: &'static str,
    max_above: &'static str,
    range: &'static str,
) -> Flag {
    flag(program, args, name, Some(min_below), max_above, range)
}

const DURATION: &str = "1ms to 525600m";

const FLAGS: &[Flag] = &[
    // The tour.
    ranged("netlab", &[], "--chapter", "0", "9", "1..=8"),
    // Chapter 3.
    flag(
        "net-basics",
        &["encap", "--payload", "x"],
        "--ttl",
        None,
        "256",
        "from 0 to 255",
    ),
    flag(
        "net-basics",
        &["encap", "--payload", "x"],
        "--src-port",
        None,
        "65536",
        "from 0 to 65535",
    ),
    flag(
        "net-basics",
        &["encap", "--payload", "x"],
        "--dst-port",
        None,
        "65536",
        "from 0 to 65535",
    ),
    flag(
        "net-basics",
        &["handshake"],
        "--isn-client",
        None,
        "4294967296",
        "from 0 to 4294967295",
    ),
    flag(
        "net-basics",
        &["handshake"],
        "--isn-server",
        None,
        "4294967296",
        "from 0 to 4294967295",
    ),
    flag(
        "net-basics",
        &["split", "10.0.0.0/8"],
        "--prefix",
        None,
        "33",
        "from 0 to 32",
    ),
    flag(
        "net-basics",
        &["split", "10.0.0.0/8"],
        "--count",
        Some("0"),
        "16777217",
        "from 1 to",
    ),
    ranged(
        "net-basics",
        &["capture"],
        "--port",
        "0",
        "65536",
        "1..=65535",
    ),
    ranged(
        "net-basics",
        &["capture"],
        "--count",
        "0",
        "1000001",
        "1..=1000000",
    ),
    // Chapters 2, 4 and 6.
    flag(
        "tcp-demo",
        &["demo"],
        "--chapter",
        Some("0"),
        "7",
        "expected 2, 4 or 6",
    ),
    flag(
        "tcp-demo",
        &["server"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "tcp-demo",
        &["client"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "framing",
        &["cmd-server"],
        "--first-command-timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "auth",
        &["cmd-server"],
        "--first-command-timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "chat",
        &["threaded-echo"],
        "--first-message-timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "chat",
        &["async-echo"],
        "--first-message-timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "tcp-demo",
        &["chat-server"],
        "--idle-timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "tcp-demo",
        &["chat-client"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "tcp-demo",
        &["chat-client"],
        "--idle-timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "tcp-demo",
        &["http"],
        "--header-timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    ranged(
        "tcp-demo",
        &["http"],
        "--max-per-address",
        "0",
        "65",
        "1..=64",
    ),
    flag(
        "udp-demo",
        &["client"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "udp-demo",
        &["qq-client"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    // Chapter 4's chaos proxy.
    flag("udp-demo", &["proxy"], "--drop", None, "101", "0..=100"),
    flag(
        "udp-demo",
        &["proxy"],
        "--duplicate",
        None,
        "101",
        "0..=100",
    ),
    flag(
        "udp-demo",
        &["proxy"],
        "--delay",
        None,
        "10001",
        "0..=10000",
    ),
    flag(
        "udp-demo",
        &["proxy"],
        "--seed",
        None,
        "4294967296",
        "0..=4294967295",
    ),
    // Chapter 4, the time server and NTP.
    flag(
        "time-sync",
        &["client"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "time-sync",
        &["client"],
        "--interval",
        Some("0"),
        "525601m",
        DURATION,
    ),
    ranged(
        "time-sync",
        &["client"],
        "--count",
        "0",
        "1000001",
        "1..=1000000",
    ),
    ranged("time-sync", &["sntp"], "--count", "0", "101", "1..=100"),
    flag(
        "time-sync",
        &["sntp"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag("time-sync", &["sntp"], "--retries", None, "11", "0..=10"),
    ranged(
        "time-sync",
        &["sntp-server"],
        "--stratum",
        "0",
        "16",
        "1..=15",
    ),
    ranged(
        "time-sync",
        &["sntp-server"],
        "--threads",
        "0",
        "17",
        "1..=16",
    ),
    flag(
        "time-sync",
        &["explain"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    ranged(
        "time-sync",
        &["bench"],
        "--in-flight",
        "0",
        "4097",
        "1..=4096",
    ),
    ranged("time-sync", &["bench"], "--threads", "0", "65", "1..=64"),
    flag(
        "time-sync",
        &["bench"],
        "--duration",
        Some("0"),
        "525601m",
        DURATION,
    ),
    // The exercise runner: `hint NAME NUMBER` (a positional argument).
    ranged(
        "exercises",
        &["hint", "ip_to_binary"],
        "NUMBER",
        "0",
        "101",
        "1..=100",
    ),
    flag(
        "exercises",
        &["list"],
        "--time-limit",
        Some("999ms"),
        "61m",
        "1s to 1h",
    ),
    ranged(
        "exercises",
        &["grade", "--set", "week1", "--roster", "."],
        "--jobs",
        "0",
        "17",
        "1..=16",
    ),
    // Chapter 5.
    ranged(
        "framing",
        &["cmd-server"],
        "--max-per-address",
        "0",
        "17",
        "1..=16",
    ),
    ranged(
        "framing",
        &["receive", "--dir", "."],
        "--max-per-address",
        "0",
        "9",
        "1..=8",
    ),
    ranged(
        "framing",
        &["receive", "--dir", "."],
        "--min-rate",
        "0",
        "1099511627777",
        "1..=1099511627776",
    ),
    flag(
        "framing",
        &["receive", "--dir", "."],
        "--max-size",
        Some("0"),
        "17179869184GiB",
        "1 byte to 16 EiB",
    ),
    flag(
        "framing",
        &["receive", "--dir", "."],
        "--header-timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "framing",
        &["receive", "--dir", "."],
        "--rate-window",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "framing",
        &["receive", "--dir", "."],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "framing",
        &["cmd-client"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "framing",
        &["send", "x"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "framing",
        &["bench"],
        "--size",
        Some("0"),
        "17179869184GiB",
        "1 byte to 16 EiB",
    ),
    ranged("framing", &["bench"], "--runs", "0", "101", "1..=100"),
    // Chapter 5's chaos proxy.
    flag(
        "framing",
        &["proxy"],
        "--split",
        Some("0"),
        "65537",
        "each from 1 to 65536",
    ),
    ranged("framing", &["proxy"], "--merge", "0", "10001", "1..=10000"),
    flag("framing", &["proxy"], "--delay", None, "10001", "0..=10000"),
    flag(
        "framing",
        &["proxy"],
        "--jitter",
        None,
        "10001",
        "0..=10000",
    ),
    flag(
        "framing",
        &["proxy"],
        "--seed",
        None,
        "4294967296",
        "0..=4294967295",
    ),
    // Chapter 7.
    flag(
        "auth",
        &["server"],
        "--handshake-timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "auth",
        &["client"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    // Chapter 7's twins of chapter 5's programs take chapter 5's options
    // (crates/framing/src/cli.rs).
    ranged(
        "auth",
        &["cmd-server"],
        "--max-per-address",
        "0",
        "17",
        "1..=16",
    ),
    ranged(
        "auth",
        &["receive", "--dir", "."],
        "--max-per-address",
        "0",
        "9",
        "1..=8",
    ),
    flag(
        "auth",
        &["send", "x"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    // Chapter 8.
    ranged(
        "chat",
        &["threaded-echo"],
        "--max-per-address",
        "0",
        "2049",
        "1..=2048",
    ),
    ranged(
        "chat",
        &["async-echo"],
        "--max-per-address",
        "0",
        "10001",
        "1..=10000",
    ),
    ranged(
        "chat",
        &["server"],
        "--max-clients",
        "0",
        "1000001",
        "1..=1000000",
    ),
    ranged(
        "chat",
        &["server"],
        "--max-per-address",
        "0",
        "1000001",
        "1..=1000000",
    ),
    ranged(
        "chat",
        &["server"],
        "--rate-limit",
        "0",
        "1000001",
        "1..=1000000",
    ),
    ranged(
        "chat",
        &["server"],
        "--rate-burst",
        "0",
        "1000001",
        "1..=1000000",
    ),
    ranged(
        "chat",
        &["server"],
        "--queue",
        "0",
        "1000001",
        "1..=1000000",
    ),
    flag(
        "chat",
        &["server"],
        "--idle-timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    flag(
        "chat",
        &["client", "--nick", "a"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    ranged(
        "chat",
        &["bench"],
        "--clients",
        "0",
        "1000001",
        "1..=1000000",
    ),
    ranged(
        "chat",
        &["bench"],
        "--senders",
        "0",
        "1000001",
        "1..=1000000",
    ),
    ranged(
        "chat",
        &["bench"],
        "--messages",
        "0",
        "100000001",
        "1..=100000000",
    ),
    flag(
        "chat",
        &["bench"],
        "--rate",
        Some("0"),
        "10000001",
        "(0, 10000000]",
    ),
    flag(
        "chat",
        &["bench"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
    ranged(
        "chat",
        &["floor"],
        "--members",
        "0",
        "1000001",
        "1..=1000000",
    ),
    ranged("chat", &["floor"], "--lines", "0", "100001", "1..=100000"),
    ranged(
        "chat",
        &["echo-bench"],
        "--clients",
        "0",
        "1000001",
        "1..=1000000",
    ),
    ranged(
        "chat",
        &["echo-bench"],
        "--messages",
        "0",
        "100000001",
        "1..=100000000",
    ),
    ranged(
        "chat",
        &["echo-bench"],
        "--size",
        "0",
        "16777217",
        "1..=16777216",
    ),
    flag(
        "chat",
        &["echo-bench"],
        "--timeout",
        Some("0"),
        "525601m",
        DURATION,
    ),
];

/// Runs `program args flag value` and checks it is refused the way the
/// conventions ask: exit code 2, the value and the range named, no panic.
fn assert_refused(flag: &Flag, value: &str) -> Option<String> {
    let mut args: Vec<&str> = flag.args.to_vec();
    args.extend(flag.words(value));
    let output = run(workspace_bin(flag.program), &args, b"");
    let stderr = stderr_text(&output);
    let line = format!("{} {}", flag.program, args.join(" "));
    if output.status.code() != Some(2) {
        return Some(format!(
            "{line}: exit {:?}, expected 2: {stderr}",
            output.status.code()
        ));
    }
    if stderr.contains("panicked") || !stderr.contains(value) || !stderr.contains(flag.range) {
        return Some(format!(
            "{line}: the message should name {value} and {}: {stderr}",
            flag.range
        ));
    }
    None
}

#[test]
fn every_numeric_flag_refuses_the_values_around_its_range() {
    let mut problems = Vec::new();
    for flag in FLAGS {
        let huge = "18446744073709551616"; // 2^64: more than any integer flag holds
        let values = flag.below.into_iter().chain([flag.above]);
        for value in values {
            problems.extend(assert_refused(flag, value));
        }
        // A duration or a size names the same range for any absurd value.
        if flag.range != DURATION && !flag.range.contains("EiB") {
            let output = run(
                workspace_bin(flag.program),
                &[flag.args, &flag.words(huge)[..]].concat(),
                b"",
            );
            if output.status.code() != Some(2) || stderr_text(&output).contains("panicked") {
                problems.push(format!(
                    "{} {:?} {} {huge}: {:?} {}",
                    flag.program,
                    flag.args,
                    flag.flag,
                    output.status.code(),
                    stderr_text(&output)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The table above is complete: every flag of a numeric type (or a duration or
/// a size) in a binary's command-line code is in it.
#[test]
fn the_table_names_every_numeric_flag() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = vec![root.join("src/main.rs"), root.join("exercises/src/main.rs")];
    for entry in fs::read_dir(root.join("crates")).unwrap() {
        let krate = entry.unwrap().path();
        for file in ["src/main.rs", "src/cli.rs"] {
            if krate.join(file).is_file() {
                sources.push(krate.join(file));
            }
        }
    }
    let mut missing = Vec::new();
    for path in sources {
        // crates/NAME/src/... is the binary NAME; src/main.rs is the tour.
        let relative = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let program = match relative.split('/').collect::<Vec<_>>()[..] {
            ["crates", name, ..] => name.to_string(),
            ["exercises", ..] => "exercises".to_string(),
            _ => "netlab".to_string(),
        };
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((field, ty)) = line.trim().trim_start_matches("pub ").split_once(": ") else {
                continue;
            };
            let numeric = ["usize,", "u8,", "u16,", "u32,", "u64,", "f64,", "Duration,"]
                .iter()
                .any(|t| ty == *t || ty == format!("Option<{}>,", t.trim_end_matches(',')));
            // Only clap fields: an #[arg(...)] or a /// doc line right above.
            let is_arg = lines[..i]
                .iter()
                .rev()
                .take_while(|l| {
                    l.trim().starts_with("#[")
                        || l.trim().starts_with("///")
                        || l.trim().starts_with("value_parser")
                        || l.trim().ends_with(',')
                })
                .any(|l| l.contains("#[arg("));
            if !numeric || !is_arg || field.contains(' ') {
                continue;
            }
            let name = format!("--{}", field.replace('_', "-"));
            if !FLAGS
                .iter()
                .any(|f| f.program == program && f.long_name() == name)
            {
                missing.push(format!("{}: {name}", path.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "numeric flags with no row in FLAGS:\n{}",
        missing.join("\n")
    );
}

/// A range clap checks is also said in the help, as `1 to 16`, so a student
/// learns it before being refused.
#[test]
fn every_range_is_said_in_the_help() {
    let mut unsaid = Vec::new();
    for flag in FLAGS {
        let Some((low, high)) = flag.range.split_once("..=") else {
            continue; // our own parsers name the range in their messages
        };
        let subcommand: Vec<&str> = flag
            .args
            .iter()
            .copied()
            .take_while(|arg| !arg.starts_with('-'))
            .take(1)
            .collect();
        let output = run(
            workspace_bin(flag.program),
            &[&subcommand[..], &["--help"]].concat(),
            b"",
        );
        let help = netlab_testkit::stdout_text(&output);
        if !help.contains(&format!("{low} to {high}")) {
            unsaid.push(format!(
                "{} {subcommand:?} {}: {low} to {high}",
                flag.program, flag.flag
            ));
        }
    }
    assert!(
        unsaid.is_empty(),
        "ranges the help does not say:\n{}",
        unsaid.join("\n")
    );
}
