//! 四.套接字(socket)初使用 — socket参数的详解: the four parameters of
//! `socket.socket(family=AF_INET, type=SOCK_STREAM, proto=0, fileno=None)`, each
//! tried on a real socket.
//!
//! `tcp-demo socket-params` creates one socket per case with socket2 (the Rust
//! crate that exposes `socket()` as it is, where std only offers ready-made TCP
//! and UDP sockets) and asks the kernel what it made (`SO_DOMAIN`, `SO_TYPE`,
//! `SO_PROTOCOL`). What the cases teach:
//! - `family` picks the address kind: IPv4, IPv6, or a file path (`AF_UNIX`);
//! - `type` picks the service: a byte stream (TCP) or datagrams (UDP), or raw IP
//!   packets, which only a privileged program may open;
//! - `proto` 0 means "the usual protocol for that type": the kernel answers
//!   `IPPROTO_TCP` for a stream, exactly as if you had asked for it, and refuses a
//!   protocol that cannot do the job (UDP cannot carry a stream);
//! - `fileno` wraps an existing descriptor: the same socket, not a copy. Rust
//!   says so with ownership: a `TcpListener` turned into an `OwnedFd` and back
//!   keeps its number, while `try_clone` (dup) gives a new number for the same
//!   socket.
//!
//! The output is the same on every run and for every user: the raw socket's line
//! says what happens with and without privilege, and which of the two happened
//! here goes to stderr ([`ParamCase::this_run`]).

use std::io;

use socket2::{Domain, Protocol, Socket, Type};

/// How long the `fileno` cases wait for a connection on loopback.
#[cfg(unix)]
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// One case: the Python call of the tutorial's table, the Rust call that does the
/// same, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamCase {
    /// The parameter the case is about: family, type, proto or fileno.
    pub parameter: &'static str,
    /// The Python call: `socket.socket(AF_INET, SOCK_DGRAM)`.
    pub python: &'static str,
    /// The Rust call that does the same.
    pub rust: &'static str,
    /// What the kernel made of it, and what that means. The same on every run.
    pub outcome: String,
    /// For an outcome that depends on who runs the program (the raw socket):
    /// what happened in this run.
    pub this_run: Option<String>,
}

impl ParamCase {
    fn new(parameter: &'static str, python: &'static str, rust: &'static str) -> ParamCase {
        ParamCase {
            parameter,
            python,
            rust,
            outcome: String::new(),
            this_run: None,
        }
    }

    fn outcome(mut self, outcome: impl Into<String>) -> ParamCase {
        self.outcome = outcome.into();
        self
    }
}

/// What the kernel says a socket is: family, type and protocol, read back with
/// `SO_DOMAIN`, `SO_TYPE` and `SO_PROTOCOL` (Linux). A protocol of 0 is shown as
/// `0`, as for `AF_UNIX` sockets, which have none.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn kernel_says(socket: &Socket) -> io::Result<String> {
    let protocol = match socket.protocol()? {
        Some(protocol) => format!("{protocol:?}"),
        None => "0".to_string(),
    };
    Ok(format!(
        "{:?}, {:?}, {protocol}",
        socket.domain()?,
        socket.r#type()?
    ))
}

/// Elsewhere the kernel can only be asked for the type (`SO_TYPE`).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn kernel_says(socket: &Socket) -> io::Result<String> {
    Ok(format!("created, {:?}", socket.r#type()?))
}

/// Creates a socket and describes it, or describes the error.
fn try_socket(domain: Domain, ty: Type, protocol: Option<Protocol>, meaning: &str) -> String {
    match Socket::new(domain, ty, protocol).and_then(|socket| kernel_says(&socket)) {
        Ok(answer) => format!("{answer}: {meaning}"),
        Err(e) => format!("refused: {e}"),
    }
}

/// Every case, in the order of the tutorial's table: family, type, proto, fileno.
// ANCHOR: cases
pub fn cases() -> io::Result<Vec<ParamCase>> {
    let mut cases = vec![
        ParamCase::new(
            "family, type",
            "socket.socket()",
            "Socket::new(Domain::IPV4, Type::STREAM, None)",
        )
        .outcome(try_socket(
            Domain::IPV4,
            Type::STREAM,
            None,
            "TCP over IPv4, the default (std: TcpStream, TcpListener)",
        )),
        ParamCase::new(
            "family, type",
            "socket.socket(AF_INET, SOCK_DGRAM)",
            "Socket::new(Domain::IPV4, Type::DGRAM, None)",
        )
        .outcome(try_socket(
            Domain::IPV4,
            Type::DGRAM,
            None,
            "UDP over IPv4 (std: UdpSocket)",
        )),
        ParamCase::new(
            "family, type",
            "socket.socket(AF_INET6, SOCK_STREAM)",
            "Socket::new(Domain::IPV6, Type::STREAM, None)",
        )
        .outcome(try_socket(
            Domain::IPV6,
            Type::STREAM,
            None,
            "TCP over IPv6",
        )),
        ParamCase::new(
            "family, type",
            "socket.socket(AF_INET6, SOCK_DGRAM)",
            "Socket::new(Domain::IPV6, Type::DGRAM, None)",
        )
        .outcome(try_socket(Domain::IPV6, Type::DGRAM, None, "UDP over IPv6")),
    ];
    cases.extend(unix_family_cases());
    cases.push(
        ParamCase::new(
            "proto",
            "socket.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)",
            "Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))",
        )
        .outcome(try_socket(
            Domain::IPV4,
            Type::STREAM,
            Some(Protocol::TCP),
            "the same as proto=0: 0 means the usual protocol for the type",
        )),
    );
    // A protocol that cannot do what the type asks for is refused.
    let udp_stream = match Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::UDP)) {
        Ok(_) => "created (unexpected: UDP carries datagrams, not a stream)".to_string(),
        Err(e) => format!("refused: {e}: UDP carries datagrams, not a stream"),
    };
    cases.push(
        ParamCase::new(
            "proto",
            "socket.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)",
            "Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::UDP))",
        )
        .outcome(udp_stream),
    );
    cases.push(raw_case());
    cases.extend(fileno_cases()?);
    Ok(cases)
}
// ANCHOR_END: cases

/// `AF_UNIX`: sockets named by a path in the file system, for programs on the same
/// machine (the tutorial's 基于文件类型的套接字家族).
#[cfg(unix)]
fn unix_family_cases() -> Vec<ParamCase> {
    vec![
        ParamCase::new(
            "family, type",
            "socket.socket(AF_UNIX, SOCK_STREAM)",
            "Socket::new(Domain::UNIX, Type::STREAM, None)",
        )
        .outcome(try_socket(
            Domain::UNIX,
            Type::STREAM,
            None,
            "a stream on this machine, named by a file path (std: UnixStream)",
        )),
        ParamCase::new(
            "family, type",
            "socket.socket(AF_UNIX, SOCK_DGRAM)",
            "Socket::new(Domain::UNIX, Type::DGRAM, None)",
        )
        .outcome(try_socket(
            Domain::UNIX,
            Type::DGRAM,
            None,
            "datagrams on this machine, named by a file path (std: UnixDatagram)",
        )),
    ]
}

#[cfg(not(unix))]
fn unix_family_cases() -> Vec<ParamCase> {
    vec![
        ParamCase::new(
            "family, type",
            "socket.socket(AF_UNIX, SOCK_STREAM)",
            "(Unix only)",
        )
        .outcome("AF_UNIX sockets are shown on Linux and macOS, not on this system"),
    ]
}

/// What the raw socket's line says, whoever runs the program.
pub const RAW_OUTCOME: &str = "needs root or CAP_NET_RAW, else refused with Operation not \
     permitted (EPERM); whole IP packets, as ping uses";

/// `SOCK_RAW`: the program writes IP packets itself (ICMP here, what ping sends).
/// The kernel lets only privileged programs do that, so the outcome depends on
/// who runs it: both outcomes are explained on stdout, this run's goes to
/// [`ParamCase::this_run`]. Any other error is shown as it is.
fn raw_case() -> ParamCase {
    let mut case = ParamCase::new(
        "type",
        "socket.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)",
        "Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4))",
    );
    match Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)) {
        Ok(_) => {
            case.outcome = RAW_OUTCOME.to_string();
            case.this_run =
                Some("created: this process has the privilege (root or CAP_NET_RAW)".into());
        }
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            case.outcome = RAW_OUTCOME.to_string();
            case.this_run = Some(format!(
                "refused: {e} (run it as root, e.g. with sudo, to see a raw socket created)"
            ));
        }
        Err(e) => case.outcome = format!("refused: {e}"),
    }
    case
}

/// `fileno`: wrapping an existing descriptor gives the same socket, where `dup`
/// (`socket.fromfd`, `s.dup()`) gives a second descriptor for it.
// ANCHOR: fileno
#[cfg(unix)]
fn fileno_cases() -> io::Result<Vec<ParamCase>> {
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::{AsRawFd, OwnedFd};

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let number = listener.as_raw_fd(); // Python: s.fileno()
    // Python: socket.socket(fileno=s.detach()). In Rust the descriptor moves out
    // of the listener into an OwnedFd (which will close it) and back: nothing is
    // duplicated, so the number and the socket stay the same.
    let fd = OwnedFd::from(listener);
    let same = TcpListener::from(fd);
    let wrapped = same.as_raw_fd() == number && same.local_addr()? == addr;

    // Python: s.dup(). A second descriptor, with a new number, for one socket:
    // closing it leaves the socket listening.
    let copy = same.try_clone()?;
    let new_number = copy.as_raw_fd() != number && copy.local_addr()? == addr;
    drop(copy);
    // The kernel completes a connection only to a listening socket.
    let still_listening = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).is_ok();

    Ok(vec![
        ParamCase::new(
            "fileno",
            "socket.socket(fileno=s.detach())",
            "TcpListener::from(OwnedFd::from(listener))",
        )
        .outcome(if wrapped {
            "the same descriptor number and address: the same socket, not a duplicate"
        } else {
            "a different descriptor or address (unexpected)"
        }),
        ParamCase::new("fileno", "s.dup()", "listener.try_clone()").outcome(
            if new_number && still_listening {
                "a new descriptor number for the same socket; closing it leaves the socket listening"
            } else {
                "not a second descriptor for the same socket (unexpected)"
            },
        ),
    ])
}
// ANCHOR_END: fileno

#[cfg(not(unix))]
fn fileno_cases() -> io::Result<Vec<ParamCase>> {
    Ok(vec![
        ParamCase::new("fileno", "socket.socket(fileno=...)", "(Unix only)")
            .outcome("descriptors (OwnedFd) are shown on Linux and macOS, not on this system"),
    ])
}

/// The cases as text, one line each: the Python call, the Rust call, the outcome.
pub fn render(cases: &[ParamCase]) -> String {
    let mut out = String::from(
        "socket.socket(family=AF_INET, type=SOCK_STREAM, proto=0, fileno=None), each case \
         tried on a real socket (chapter 4, socket参数的详解)\n",
    );
    for case in cases {
        out.push_str(&format!(
            "{:<50} {:<62} {}\n",
            case.python, case.rust, case.outcome
        ));
    }
    out
}

/// The cases as one JSON document (with `this_run` where the outcome depends on
/// who runs the program).
pub fn to_json(cases: &[ParamCase]) -> serde_json::Value {
    serde_json::json!({
        "cases": cases.iter().map(|case| serde_json::json!({
            "parameter": case.parameter,
            "python": case.python,
            "rust": case.rust,
            "outcome": case.outcome,
            "this_run": case.this_run,
        })).collect::<Vec<_>>(),
    })
}

/// The notes for this run (the raw socket's outcome here), for stderr.
pub fn this_run_notes(cases: &[ParamCase]) -> Vec<String> {
    cases
        .iter()
        .filter_map(|case| {
            let note = case.this_run.as_ref()?;
            Some(format!("({}: this run: {note})", case.python))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    fn outcome_of(cases: &[ParamCase], python: &str) -> String {
        cases
            .iter()
            .find(|case| case.python == python)
            .unwrap_or_else(|| panic!("no case {python}"))
            .outcome
            .clone()
    }

    #[test]
    fn the_output_is_the_same_every_run() {
        let first = render(&cases().unwrap());
        assert_eq!(first, render(&cases().unwrap()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernel_reports_tcp_for_proto_0_and_for_ipproto_tcp_alike() {
        let cases = cases().unwrap();
        let default = outcome_of(&cases, "socket.socket()");
        assert!(
            default.starts_with("AF_INET, SOCK_STREAM, IPPROTO_TCP:"),
            "{default}"
        );
        let explicit = outcome_of(&cases, "socket.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)");
        assert!(
            explicit.starts_with("AF_INET, SOCK_STREAM, IPPROTO_TCP:"),
            "{explicit}"
        );
        let udp = outcome_of(&cases, "socket.socket(AF_INET, SOCK_DGRAM)");
        assert!(
            udp.starts_with("AF_INET, SOCK_DGRAM, IPPROTO_UDP:"),
            "{udp}"
        );
        let unix = outcome_of(&cases, "socket.socket(AF_UNIX, SOCK_STREAM)");
        assert!(unix.starts_with("AF_UNIX, SOCK_STREAM, 0:"), "{unix}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_stream_of_udp_is_refused() {
        let outcome = outcome_of(
            &cases().unwrap(),
            "socket.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)",
        );
        assert!(
            outcome.starts_with("refused: Protocol not supported"),
            "{outcome}"
        );
    }

    #[test]
    fn the_raw_socket_is_explained_alike_with_or_without_privilege() {
        let case = raw_case();
        assert_eq!(case.outcome, RAW_OUTCOME);
        let this_run = case.this_run.expect("this run's outcome");
        assert!(
            this_run.starts_with("created") || this_run.contains("Operation not permitted"),
            "{this_run}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn fileno_gives_the_same_socket_and_dup_a_new_descriptor() {
        let cases = fileno_cases().unwrap();
        assert!(cases[0].outcome.starts_with("the same descriptor number"));
        assert!(cases[1].outcome.starts_with("a new descriptor number"));
    }

    #[test]
    fn json_has_one_entry_per_case() {
        let cases = cases().unwrap();
        let json = to_json(&cases);
        assert_eq!(json["cases"].as_array().unwrap().len(), cases.len());
        assert_eq!(json["cases"][0]["python"], "socket.socket()");
    }
}
