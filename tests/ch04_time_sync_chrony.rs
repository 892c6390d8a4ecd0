//! Chapter 4's NTP extension against chrony, the NTP implementation Debian ships:
//! our SNTP client asks a real chronyd, and chronyd (as a client) asks our server.
//!
//! Neither side ever touches the system clock: the server chronyd runs with `-x`
//! ("disable the control of the system clock"), the client with `-Q` ("print the
//! offset without making any corrections"). Both use a private configuration in a
//! temporary directory: an unprivileged loopback port, no command socket, pid and
//! drift files in that directory.
//!
//! CI installs chrony (.ci/setup.d/30-chrony.sh) and sets NETLAB_REQUIRE_PEERS=1;
//! elsewhere these tests print a note and pass when chronyd is missing.

use std::fs;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use netlab_testkit::{
    ServerProcess, TEST_TIMEOUT, TempDir, check_session_output, on_path, run, show_port_as,
    stderr_text, stdout_text, workspace_bin,
};

#[path = "support/sntp_output.rs"]
mod sntp_output;
use sntp_output::{digits_as_hashes, mask_sntp_output};
use time_sync::sntp_client;

/// What chronyd logs at start when `-x` or `-Q` is in effect: proof that it
/// will not adjust this machine's clock.
const CLOCK_UNTOUCHED: &str = "Disabled control of system clock";

/// Where Debian puts chronyd (not on a normal user's PATH).
const CHRONYD_PATHS: &[&str] = &["/usr/sbin/chronyd", "/sbin/chronyd"];

fn chronyd() -> Option<PathBuf> {
    if on_path("chronyd") {
        return Some(PathBuf::from("chronyd"));
    }
    if let Some(path) = CHRONYD_PATHS.iter().map(Path::new).find(|p| p.is_file()) {
        return Some(path.to_path_buf());
    }
    assert!(
        std::env::var_os("NETLAB_REQUIRE_PEERS").is_none(),
        "chronyd is required (NETLAB_REQUIRE_PEERS is set): see .ci/setup.d/30-chrony.sh"
    );
    eprintln!("note: chronyd not found, skipping the chrony interop test");
    None
}

/// chronyd refuses to start as a normal user unless told the process has the
/// capabilities it needs (`-U`); as root we keep root (`-u root`) so that it can
/// write its files in our temporary directory.
fn privilege_args() -> Vec<&'static str> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| stdout_text(&o));
    if uid.is_ok_and(|uid| uid.trim() == "0") {
        vec!["-u", "root"]
    } else {
        vec!["-U"]
    }
}

/// chronyd's log as the book shows it: the lines containing one of `keep`,
/// and `…` for each run of other lines (chronyd's version, build features and
/// privileges differ from machine to machine); digits as `#`, and the sign of
/// the offset, which chronyd prints only when it is negative, as `±`.
fn chronyd_log_as_shown(log: &str, keep: &[&str]) -> String {
    let mut shown = String::new();
    let mut left_out = false;
    for line in log.lines() {
        if keep.iter().any(|k| line.contains(k)) {
            if left_out {
                shown.push_str("…\n");
                left_out = false;
            }
            let line = digits_as_hashes(line)
                .replace("wrong by -#", "wrong by #")
                .replace("wrong by #", "wrong by ±#");
            shown.push_str(&line);
            shown.push('\n');
        } else {
            left_out = true;
        }
    }
    if left_out {
        shown.push_str("…\n");
    }
    shown
}

/// A free UDP port on loopback. chronyd needs a port number in its
/// configuration, so we ask the OS for a free one and release it; another
/// program could take it in between, which on a test machine is very unlikely.
fn free_udp_port() -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

/// chronyd serving time on loopback, never touching the clock; killed on drop.
struct ChronyServer {
    child: Child,
    addr: SocketAddr,
    dir: TempDir,
}

impl ChronyServer {
    fn start(chronyd: &Path) -> ChronyServer {
        let dir = TempDir::new("server");
        let port = free_udp_port();
        let config = format!(
            "# Serve NTP on loopback only, on an unprivileged port.\n\
             port {port}\n\
             bindaddress 127.0.0.1\n\
             allow 127.0.0.1\n\
             # No sources: serve our own clock as stratum 8.\n\
             local stratum 8\n\
             # No command socket (chronyc), private pid and drift files.\n\
             cmdport 0\n\
             pidfile {pid}\n\
             driftfile {drift}\n",
            pid = dir.file("chronyd.pid").display(),
            drift = dir.file("drift").display(),
        );
        fs::write(dir.file("chrony.conf"), config).unwrap();
        let log = fs::File::create(dir.file("chronyd.log")).unwrap();
        // -x: never control the system clock. -d: stay in the foreground, log to
        // stderr. -f: our configuration, not /etc/chrony/chrony.conf.
        let child = Command::new(chronyd)
            .arg("-x")
            .arg("-d")
            .arg("-f")
            .arg(dir.file("chrony.conf"))
            .args(privilege_args())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start chronyd");
        let mut server = ChronyServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
        };
        server.wait_until_serving();
        // -x must be in effect before we let anything talk to it.
        let log = server.log();
        assert!(log.contains(CLOCK_UNTOUCHED), "chronyd -x said:\n{log}");
        server
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.file("chronyd.log")).unwrap_or_default()
    }

    /// Asks chronyd until it answers (it has no "listening on" line to wait for),
    /// each try under a short timeout, the whole wait under the test timeout.
    fn wait_until_serving(&mut self) {
        let socket = sntp_client::client_socket(self.addr).unwrap();
        let deadline = Instant::now() + TEST_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("chronyd exited ({status}):\n{}", self.log());
            }
            if sntp_client::query(&socket, Duration::from_millis(200), 0).is_ok() {
                return;
            }
        }
        panic!(
            "chronyd did not answer within {TEST_TIMEOUT:?}:\n{}",
            self.log()
        );
    }
}

impl ChronyServer {
    /// Stops chronyd as Ctrl-C in its terminal would (it logs `chronyd exiting`
    /// and exits), and returns its whole log.
    fn stop(&mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM chronyd");
        let deadline = Instant::now() + TEST_TIMEOUT;
        // Polls: std offers no wait with a timeout on a child we keep.
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "chronyd did not exit on SIGTERM");
            std::thread::sleep(Duration::from_millis(10));
        }
        self.log()
    }
}

impl Drop for ChronyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn our_sntp_client_asks_a_real_chronyd() {
    let Some(chronyd) = chronyd() else { return };
    let mut server = ChronyServer::start(&chronyd);
    let output = run(
        workspace_bin("time-sync"),
        &["sntp", "--addr", &server.addr.to_string(), "--json"],
        b"",
    );
    assert!(output.status.success(), "{output:?}\n{}", server.log());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["stratum"], 8, "{json}");
    assert_eq!(json["reference_id"], "127.127.1.1", "{json}");
    let offset = json["offset"].as_f64().unwrap();
    let delay = json["delay"].as_f64().unwrap();
    // chronyd reads the same clock as we do: the offset can only come from the
    // path, so |θ| ≤ δ/2 (plus chronyd's own timestamping slack).
    assert!(delay >= 0.0 && offset.abs() <= delay / 2.0 + 1e-3, "{json}");

    // The book's two terminals: chronyd (its log, trimmed) and our client.
    let output = run(
        workspace_bin("time-sync"),
        &["sntp", "--addr", &server.addr.to_string()],
        b"",
    );
    assert!(output.status.success(), "{output:?}\n{}", server.log());
    let shown = "127.0.0.1:12399";
    let terminal_2 = format!(
        "$ cargo run -q -p time-sync -- sntp --addr {shown}\n{}",
        mask_sntp_output(&stdout_text(&output))
    );
    let terminal_2 = show_port_as(&terminal_2, server.addr, shown);
    check_session_output("ch04-time-chrony-sntp.session.txt", &terminal_2);
    let terminal_1 = format!(
        "$ sudo chronyd -x -d -f server.conf -u root\n{}",
        chronyd_log_as_shown(&server.stop(), &[CLOCK_UNTOUCHED])
    );
    check_session_output("ch04-time-chrony-server.session.txt", &terminal_1);
}

#[test]
fn chronyd_as_a_client_accepts_our_sntp_server() {
    let Some(chronyd) = chronyd() else { return };
    let ours = ServerProcess::start(
        workspace_bin("time-sync"),
        &["sntp-server", "--addr", "127.0.0.1:0"],
    );
    let dir = TempDir::new("client");
    let config = format!(
        "server 127.0.0.1 port {port} iburst\n\
         cmdport 0\n\
         pidfile {pid}\n\
         driftfile {drift}\n",
        port = ours.addr.port(),
        pid = dir.file("chronyd.pid").display(),
        drift = dir.file("drift").display(),
    );
    fs::write(dir.file("chrony.conf"), config).unwrap();
    let config_path = dir.file("chrony.conf").display().to_string();
    // -Q: measure the offset once and print it, never set the clock.
    // -t 20: give up after 20 s. -d: log to stderr, where we read the result.
    let mut args = vec!["-Q", "-d", "-t", "20", "-f", config_path.as_str()];
    args.extend(privilege_args());
    let output = run(&chronyd, &args, b"");
    let stderr = stderr_text(&output);
    assert!(output.status.success(), "chronyd -Q failed:\n{stderr}");
    assert!(
        stderr.contains(CLOCK_UNTOUCHED),
        "chronyd -Q said:\n{stderr}"
    );
    // e.g. "System clock wrong by 0.000190 seconds (ignored)"
    let line = stderr
        .lines()
        .find(|line| line.contains("System clock wrong by"))
        .unwrap_or_else(|| panic!("no offset line from chronyd -Q:\n{stderr}"));
    assert!(line.contains("(ignored)"), "{line}");
    let offset: f64 = line
        .split("wrong by ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the offset in {line:?}"));
    // The same clock on both ends: chrony must find (almost) no offset.
    assert!(offset.abs() < 0.01, "{line}");

    // The book's terminal: chronyd's log, trimmed to the two lines that matter.
    let terminal = format!(
        "$ sudo chronyd -Q -d -t 20 -f client.conf -u root\n{}",
        chronyd_log_as_shown(&stderr, &[CLOCK_UNTOUCHED, "System clock wrong by"])
    );
    check_session_output("ch04-time-chrony-client.session.txt", &terminal);
}

#[test]
fn the_bench_measures_chronyd_too() {
    let Some(chronyd) = chronyd() else { return };
    let server = ChronyServer::start(&chronyd);
    let output = run(
        workspace_bin("time-sync"),
        &[
            "bench",
            "--addr",
            &server.addr.to_string(),
            "--duration",
            "300ms",
            "--json",
        ],
        b"",
    );
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(json["answered"].as_u64().unwrap() > 0, "{json}");
}
