//! `chat floor`: what the kernel alone charges to carry one chat line to N
//! members over loopback TCP — the floor under `chat bench`'s latency.
//!
//! Two processes, like the room and its bench. This one holds the members'
//! server-side sockets and writes each line to all of them with plain blocking
//! `write`s, one thread per core, each thread taking every W-th member; no
//! tokio, no room, no outboxes, no frames queued. A child process (this binary
//! again, `chat floor --members-of ADDR`) holds the client side and reads each
//! line with plain blocking `read`s, member after member. A frame carries the
//! time its writer started (µs since the Unix epoch: one machine, one clock),
//! so the child knows how long each member waited.
//!
//! Whatever `chat bench` measures above these figures is the price of the
//! room, of tokio and of the bench's own bookkeeping; these figures themselves
//! are the system calls and the loopback TCP path, and no chat server with one
//! TCP connection per member can go below them on the same machine.
//!
//! `chat floor --members 10000 --lines 10`

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use socket2::{Domain, Protocol, Socket, Type};

use crate::nofile::{raise_nofile_limit, shortfall};

/// Time between two lines, as in the steady `chat bench` (10 lines a second):
/// each line finds the sockets quiet, its ACKs from the line before all done.
pub const PAUSE: Duration = Duration::from_millis(100);

/// How long one member's connection may take to be set up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the members' process waits for one frame before it gives up: the
/// writers are gone.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What to measure.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub members: usize,
    pub lines: usize,
}

/// The figures `chat floor` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub members: usize,
    pub lines: usize,
    /// Threads writing, one per core.
    pub writers: usize,
    pub deliveries: u64,
    /// When the slowest writer was done, after the line started (the median
    /// over the lines).
    pub writes_done_ms: f64,
    /// A writer's time divided by its writes: what one `write` costs.
    pub write_us: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub nofile_limit: u64,
}

/// What the members' process reports when all lines are read.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Waited {
    deliveries: u64,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
}

/// Why the floor could not be measured.
#[derive(Debug)]
pub enum FloorError {
    /// More members than one process may hold sockets for.
    TooManyMembers { members: usize, nofile_limit: u64 },
    /// A system call failed.
    Io {
        doing: &'static str,
        error: io::Error,
    },
    /// The members' process ended early or said something else than expected.
    Members(String),
}

impl fmt::Display for FloorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FloorError::TooManyMembers {
                members,
                nofile_limit,
            } => write!(
                f,
                "--members {members}: {}",
                shortfall(*members, *nofile_limit).unwrap_or_default()
            ),
            FloorError::Io { doing, error } => write!(f, "{doing}: {error}"),
            FloorError::Members(what) => write!(f, "the members' process {what}"),
        }
    }
}

impl std::error::Error for FloorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FloorError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// `io::Result` → `FloorError`, naming what was being done.
fn doing<T>(doing: &'static str, result: io::Result<T>) -> Result<T, FloorError> {
    result.map_err(|error| FloorError::Io { doing, error })
}

/// Each process holds one socket per member.
fn check_members(members: usize) -> Result<u64, FloorError> {
    let nofile_limit = raise_nofile_limit();
    if shortfall(members, nofile_limit).is_some() {
        return Err(FloorError::TooManyMembers {
            members,
            nofile_limit,
        });
    }
    Ok(nofile_limit)
}

fn now_us() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
}

/// `floor LINE STARTED_US` in a chat frame: the 4-byte big-endian length, then
/// the text.
fn frame(line: usize, started_us: u64) -> Vec<u8> {
    let text = format!("floor {line} {started_us}");
    let mut frame = (text.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(text.as_bytes());
    frame
}

// ANCHOR: writers
/// Measures the floor: starts the members' process, writes `lines` lines to
/// every member, and collects what the members waited.
pub fn run(options: Options) -> Result<Report, FloorError> {
    let Options { members, lines } = options;
    let nofile_limit = check_members(members)?;
    // The chapter's big listen backlog: 10,000 connections arrive in a burst.
    let listener = doing(
        "listening on 127.0.0.1",
        crate::listener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))),
    )?;
    let addr = doing("reading the listening address", listener.local_addr())?;
    let (mut child, mut said) = start_members(addr, options)?;
    let measured = measure(listener, &mut child, &mut said, options);
    if measured.is_err() {
        let _ = child.kill();
    }
    let _ = child.wait();
    let (writers, done_ms, writing, waited) = measured?;
    let writes = (members * lines).max(1) as f64;
    Ok(Report {
        members,
        lines,
        writers,
        deliveries: waited.deliveries,
        writes_done_ms: done_ms.get(done_ms.len() / 2).copied().unwrap_or(0.0),
        write_us: writing.as_secs_f64() * 1e6 / writes,
        p50_ms: waited.p50_us as f64 / 1000.0,
        p99_ms: waited.p99_us as f64 / 1000.0,
        max_ms: waited.max_us as f64 / 1000.0,
        nofile_limit,
    })
}

/// The writers' part of [`run`]: accepts the members, writes the lines, and
/// returns the number of writers, when each line's writes were done (sorted),
/// the writers' time in all, and what the members waited.
fn measure(
    listener: TcpListener,
    child: &mut Child,
    said: &mut BufReader<ChildStdout>,
    options: Options,
) -> Result<(usize, Vec<f64>, Duration, Waited), FloorError> {
    let Options { members, lines } = options;
    let accepting = thread::spawn(move || -> io::Result<Vec<TcpStream>> {
        let mut sockets = Vec::with_capacity(members);
        for _ in 0..members {
            let (socket, _) = listener.accept()?;
            socket.set_nodelay(true)?;
            sockets.push(socket);
        }
        Ok(sockets)
    });
    expect(said, child, "ready")?;
    let mut sockets = match accepting.join() {
        Ok(accepted) => doing("accepting the members", accepted)?,
        Err(_) => doing(
            "accepting the members",
            Err(io::Error::other("the accepting thread panicked")),
        )?,
    };
    let writers = thread::available_parallelism().map_or(1, |n| n.get());
    let mut done_ms = Vec::with_capacity(lines);
    let mut writing = Duration::ZERO;
    for line in 0..lines {
        thread::sleep(PAUSE);
        // Thread k writes to members k, k + W, k + 2W...: the reader, going
        // through the members in order, follows all the writers at once.
        let took = thread::scope(|scope| {
            let mut handles = Vec::with_capacity(writers);
            for share in deal(&mut sockets, writers) {
                handles.push(scope.spawn(move || -> io::Result<Duration> {
                    let started = Instant::now();
                    let frame = frame(line, now_us());
                    for socket in share {
                        socket.write_all(&frame)?;
                    }
                    Ok(started.elapsed())
                }));
            }
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(io::Error::other("panicked")))
                })
                .collect::<io::Result<Vec<Duration>>>()
        });
        let took = doing("writing to a member", took)?;
        writing += took.iter().sum::<Duration>();
        let slowest = took.iter().max().copied().unwrap_or_default();
        done_ms.push(slowest.as_secs_f64() * 1000.0);
        expect(said, child, "read")?;
    }
    let waited = report_of(said, child)?;
    // The members' process closes its sockets first (it exits), so the
    // TIME_WAITs of 10,000 connections stay on its side, spread over its many
    // source addresses, rather than on both sides.
    let _ = child.wait();
    drop(sockets);
    done_ms.sort_by(f64::total_cmp);
    Ok((writers, done_ms, writing, waited))
}
// ANCHOR_END: writers

/// Deals the members out to `writers` hands, as cards: member i to hand i mod W.
fn deal(sockets: &mut [TcpStream], writers: usize) -> Vec<Vec<&mut TcpStream>> {
    let mut hands: Vec<Vec<&mut TcpStream>> = (0..writers).map(|_| Vec::new()).collect();
    for (i, socket) in sockets.iter_mut().enumerate() {
        hands[i % writers].push(socket);
    }
    hands
}

/// Starts this binary again as the members' process.
fn start_members(
    addr: SocketAddr,
    options: Options,
) -> Result<(Child, BufReader<ChildStdout>), FloorError> {
    let program = doing("finding this program", std::env::current_exe())?;
    let mut child = doing(
        "starting the members' process",
        Command::new(program)
            .args(["floor", "--members-of", &addr.to_string()])
            .args(["--members", &options.members.to_string()])
            .args(["--lines", &options.lines.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn(),
    )?;
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        return Err(FloorError::Members("has no standard output".into()));
    };
    Ok((child, BufReader::new(stdout)))
}

/// The members' process's next line, which must be `word`.
fn expect(
    said: &mut BufReader<ChildStdout>,
    child: &mut Child,
    word: &str,
) -> Result<(), FloorError> {
    let line = next_line(said, child)?;
    if line.trim_end() != word {
        let _ = child.kill();
        return Err(FloorError::Members(format!(
            "said {line:?} where it should say {word:?}"
        )));
    }
    Ok(())
}

fn report_of(said: &mut BufReader<ChildStdout>, child: &mut Child) -> Result<Waited, FloorError> {
    let line = next_line(said, child)?;
    serde_json::from_str(&line)
        .map_err(|error| FloorError::Members(format!("sent a report that is not one: {error}")))
}

/// One line from the members' process; its end (it exited) is an error.
fn next_line(said: &mut BufReader<ChildStdout>, child: &mut Child) -> Result<String, FloorError> {
    let mut line = String::new();
    let read = doing(
        "reading from the members' process",
        said.read_line(&mut line),
    )?;
    if read == 0 {
        let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
        return Err(FloorError::Members(format!("ended early ({status})")));
    }
    Ok(line)
}

// ANCHOR: readers
/// The members' process (`chat floor --members-of ADDR`): connects `members`
/// clients, says `ready`, then for each line reads it from every member in
/// turn and says `read`; at the end, one JSON line of what they waited.
pub fn members_of(addr: SocketAddr, options: Options) -> Result<(), FloorError> {
    check_members(options.members)?;
    let mut sockets = Vec::with_capacity(options.members);
    for i in 0..options.members {
        let source = super::room::source_address(addr, i);
        let socket = doing("connecting a member", connect_from(source, addr))?;
        doing(
            "setting a read timeout",
            socket.set_read_timeout(Some(READ_TIMEOUT)),
        )?;
        sockets.push(socket);
    }
    let mut out = io::stdout().lock();
    doing(
        "saying ready",
        writeln!(out, "ready").and_then(|()| out.flush()),
    )?;
    let mut waited_us = Vec::with_capacity(options.members * options.lines);
    let mut buf = [0u8; 64];
    for line in 0..options.lines {
        for socket in &mut sockets {
            let text = doing("reading a member's line", read_frame(socket, &mut buf))?;
            let received_us = now_us();
            let started_us = parse_frame(text, line).ok_or_else(|| {
                FloorError::Members(format!("got a line it did not expect: {text:?}"))
            })?;
            waited_us.push(received_us.saturating_sub(started_us));
        }
        doing(
            "saying read",
            writeln!(out, "read").and_then(|()| out.flush()),
        )?;
    }
    waited_us.sort_unstable();
    let at = |p: f64| super::nearest_rank(&waited_us, p).unwrap_or(0);
    let waited = Waited {
        deliveries: waited_us.len() as u64,
        p50_us: at(0.50),
        p99_us: at(0.99),
        max_us: at(1.0),
    };
    let json = serde_json::to_string(&waited).unwrap_or_default();
    doing("sending the report", writeln!(out, "{json}"))
}
// ANCHOR_END: readers

/// A member's connection, from `source` when given: spread over many loopback
/// addresses as `chat bench`'s clients are, as the members of a real room come
/// from many hosts.
fn connect_from(source: Option<IpAddr>, addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if let Some(source) = source {
        socket.bind(&SocketAddr::new(source, 0).into())?;
    }
    socket.connect_timeout(&addr.into(), CONNECT_TIMEOUT)?;
    Ok(socket.into())
}

/// Reads one frame (as small as the writers' frames) into `buf`: usually one
/// `read`, as a frame arrives in one segment. Returns its text.
fn read_frame<'b>(socket: &mut TcpStream, buf: &'b mut [u8; 64]) -> io::Result<&'b str> {
    let mut have = 0;
    loop {
        if have >= 4 {
            let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            if 4 + len > buf.len() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a frame larger than the floor's",
                ));
            }
            if have >= 4 + len {
                return std::str::from_utf8(&buf[4..4 + len])
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
            }
        }
        match socket.read(&mut buf[have..])? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => have += n,
        }
    }
}

/// `floor LINE STARTED_US` for the line expected → STARTED_US.
fn parse_frame(text: &str, line: usize) -> Option<u64> {
    let mut words = text.split(' ');
    (words.next()? == "floor" && words.next()?.parse::<usize>().ok()? == line).then_some(())?;
    words.next()?.parse().ok()
}

impl Report {
    /// The human-readable report.
    pub fn text(&self) -> String {
        format!(
            "members            {} (their side in a second process)\n\
             lines              {}, {} ms apart\n\
             writer threads     {} (one per core), plain blocking write(2)\n\
             readers            1 thread, plain blocking read(2), member after member\n\
             deliveries         {}\n\
             writes done        {:.1} ms after a line started (median over the lines)\n\
             one write          {:.2} µs (a writer's time ÷ its writes)\n\
             latency p50        {:.2} ms\n\
             latency p99        {:.2} ms\n\
             latency max        {:.2} ms\n\
             open-file limit    {}",
            self.members,
            self.lines,
            PAUSE.as_millis(),
            self.writers,
            self.deliveries,
            self.writes_done_ms,
            self.write_us,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.nofile_limit,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_carries_its_line_and_start_time() {
        let frame = frame(3, 1_764_460_800_123_456);
        let text = std::str::from_utf8(&frame[4..]).unwrap();
        assert_eq!(
            u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize,
            text.len()
        );
        assert_eq!(parse_frame(text, 3), Some(1_764_460_800_123_456));
        assert_eq!(parse_frame(text, 4), None, "another line's frame");
        assert_eq!(parse_frame("b7: 12 3456789", 3), None);
    }

    #[test]
    fn members_are_dealt_round_robin() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut sockets: Vec<TcpStream> =
            (0..5).map(|_| TcpStream::connect(addr).unwrap()).collect();
        let ports: Vec<u16> = sockets
            .iter()
            .map(|s| s.local_addr().unwrap().port())
            .collect();
        let hands = deal(&mut sockets, 2);
        let dealt: Vec<Vec<u16>> = hands
            .iter()
            .map(|hand| {
                hand.iter()
                    .map(|s| s.local_addr().unwrap().port())
                    .collect()
            })
            .collect();
        assert_eq!(
            dealt,
            vec![vec![ports[0], ports[2], ports[4]], vec![ports[1], ports[3]]]
        );
    }
}
