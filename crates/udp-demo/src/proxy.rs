//! `udp-demo proxy`: a UDP relay that loses, repeats, reorders and delays
//! datagrams on purpose, the same way for the same seed, so that a student
//! sees what UDP does not promise — with our programs or the tutorial's.
//!
//! On loopback no datagram is ever lost, and a client that waits for its reply
//! for ever seems fine. Put the proxy between it and its server:
//!
//! ```text
//! $ time-sync server --addr 127.0.0.1:9000                    # terminal 1
//! $ udp-demo proxy --to 127.0.0.1:9000 --drop 30 --trace       # terminal 2: 127.0.0.1:9999
//! $ python3 tests/python/time_client.py 127.0.0.1:9999         # terminal 3: may hang
//! $ time-sync client --addr 127.0.0.1:9999 --timeout 1s        # says so after 1 s
//! ```
//!
//! How it works: one socket at `--listen` receives every client's datagrams.
//! Each client (each source address) gets a socket of its own toward the
//! server, so that the server's replies, which come back to that socket, can be
//! told apart and sent to the right client: a table of clients, like a home
//! router's NAT table, bounded by [`MAX_CLIENTS`] and forgetting a client after
//! [`CLIENT_IDLE`] of silence. Every datagram that survives the dice goes to a
//! *postman* thread that sends it when it is due (`--delay`, `--reorder`).
//!
//! Each client and direction has dice of its own (ChaCha's stream `2 × client +
//! direction`, clients numbered in the order they first send): the same seed and
//! the same datagrams give the same losses, copies and delays.

use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use net_basics::encap::{MAX_PAYLOAD, UdpFrame};
use net_basics::pcap::PcapFile;
use netlab_common::listen::announce;
use netlab_common::trace;
use pnet_base::MacAddr;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The proxy's own address when none is given: in front of the tutorial's
/// time server on 9000.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9999);

/// Clients remembered at once (one socket and one thread each). A datagram
/// from a new client while the table is full is dropped, and stderr says so.
pub const MAX_CLIENTS: usize = 64;

/// A client silent this long (both ways) is forgotten: its socket toward the
/// server is closed, and its next datagram makes it a new client.
pub const CLIENT_IDLE: Duration = Duration::from_secs(60);

/// Datagrams waiting for their time (`--delay`, `--reorder`) at most; beyond
/// that, a datagram is dropped and the trace says why.
pub const MAX_WAITING: usize = 1024;

/// The largest datagram read: the largest a UDP datagram can be, so none is cut.
pub const MAX_DATAGRAM: usize = 65_535;

/// With `--reorder`, this share of datagrams (in percent) is held back...
pub const REORDER_PERCENT: u32 = 25;

/// ...for this long, so that the datagrams after it overtake it.
pub const REORDER_DELAY: Duration = Duration::from_millis(50);

/// What the proxy does to the datagrams, both ways.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Chaos {
    /// Lose this many datagrams out of a hundred.
    pub drop_percent: u32,
    /// Deliver this many out of a hundred twice.
    pub duplicate_percent: u32,
    /// Hold some back so that later ones overtake them.
    pub reorder: bool,
    /// Deliver every datagram this much later.
    pub delay: Duration,
}

impl Chaos {
    /// The options that produce this behaviour (`--drop 30 --reorder`).
    pub fn options(&self) -> String {
        let mut options = Vec::new();
        if self.drop_percent > 0 {
            options.push(format!("--drop {}", self.drop_percent));
        }
        if self.duplicate_percent > 0 {
            options.push(format!("--duplicate {}", self.duplicate_percent));
        }
        if self.reorder {
            options.push("--reorder".to_string());
        }
        if !self.delay.is_zero() {
            options.push(format!("--delay {}", self.delay.as_millis()));
        }
        options.join(" ")
    }
}

/// Everything `udp-demo proxy` needs.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub listen: SocketAddr,
    pub to: SocketAddr,
    pub chaos: Chaos,
    pub seed: u64,
    /// Print one line per datagram: delivered, dropped, repeated or held back.
    pub trace: bool,
    /// Write every delivered datagram into this capture file.
    pub pcap: Option<PathBuf>,
}

/// Which way a datagram goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    ClientToServer,
    ServerToClient,
}

impl Direction {
    fn label(self) -> &'static str {
        match self {
            Direction::ClientToServer => "client → server",
            Direction::ServerToClient => "server → client",
        }
    }
}

/// What the dice decided for one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fate {
    pub dropped: bool,
    pub duplicated: bool,
    pub held_back: bool,
}

/// The dice of one direction of one client.
#[derive(Debug)]
pub struct Dice(ChaCha8Rng);

impl Dice {
    /// Direction 0 is client → server, 1 server → client.
    pub fn new(seed: u64, client: u64, direction: u64) -> Dice {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(2 * client + direction);
        Dice(rng)
    }

    fn percent(&mut self, percent: u32) -> bool {
        percent > 0 && self.0.random_range(0..100) < percent
    }

    // ANCHOR: fate
    /// Throws for one datagram: lost? if not, repeated? held back?
    pub fn fate(&mut self, chaos: &Chaos) -> Fate {
        let dropped = self.percent(chaos.drop_percent);
        if dropped {
            return Fate {
                dropped,
                duplicated: false,
                held_back: false,
            };
        }
        Fate {
            dropped,
            duplicated: self.percent(chaos.duplicate_percent),
            held_back: chaos.reorder && self.percent(REORDER_PERCENT),
        }
    }
    // ANCHOR_END: fate
}

/// `udp-demo proxy`: relays for ever. Returns only if it cannot start.
pub fn run(config: ProxyConfig) -> Result<(), ProxyError> {
    check_exposure(config.listen, config.to)?;
    let capture = match &config.pcap {
        Some(path) => Some(Capture::create(path, &config)?),
        None => None,
    };
    let front = UdpSocket::bind(config.listen).map_err(|error| ProxyError::Bind {
        addr: config.listen,
        error,
    })?;
    let local = front.local_addr().map_err(ProxyError::Io)?;
    announce(local).map_err(ProxyError::Io)?;
    println!("{}", replay_line(&config));
    let proxy = Arc::new(Proxy {
        config,
        front: Arc::new(front),
        started: Instant::now(),
        clients: Mutex::new(HashMap::new()),
        postman: Postman::default(),
        capture,
    });
    {
        let proxy = Arc::clone(&proxy);
        thread::spawn(move || proxy.deliver_for_ever());
    }
    proxy.relay_clients()
}

/// `forwarding to 127.0.0.1:9000 with --drop 30 --seed 7 (...)`.
pub fn replay_line(config: &ProxyConfig) -> String {
    trace::replay_line(config.to, &config.chaos.options(), config.seed)
}

/// Refuses to expose a loopback-only server to the network
/// ([`trace::exposes_a_loopback_server`]). With UDP there is one more reason:
/// anybody can forge a datagram's source address, and the proxy would send the
/// server's replies, repeated with `--duplicate`, to a victim.
pub fn check_exposure(listen: SocketAddr, to: SocketAddr) -> Result<(), ProxyError> {
    if trace::exposes_a_loopback_server(listen, to) {
        return Err(ProxyError::Exposed { listen, to });
    }
    Ok(())
}

/// The proxy's shared state.
#[derive(Debug)]
struct Proxy {
    config: ProxyConfig,
    /// The socket at `--listen`: every client sends here, every reply leaves here.
    front: Arc<UdpSocket>,
    started: Instant,
    /// Each client's entry, by its address.
    clients: Mutex<HashMap<SocketAddr, Client>>,
    postman: Postman,
    capture: Option<Capture>,
}

/// One client: its number, its dice toward the server, and its own socket
/// toward the server.
#[derive(Debug)]
struct Client {
    number: u64,
    upstream: Arc<UdpSocket>,
    dice: Dice,
    last_heard: Arc<Mutex<Instant>>,
}

impl Proxy {
    fn clients(&self) -> MutexGuard<'_, HashMap<SocketAddr, Client>> {
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The front socket's loop: every client's datagrams, toward the server.
    fn relay_clients(self: &Arc<Self>) -> Result<(), ProxyError> {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let mut numbers = 0;
        loop {
            // Python: data, addr = sock.recvfrom(65535)
            let (n, from) = match self.front.recv_from(&mut buf) {
                Ok(pair) => pair,
                // A reply to a client that went away comes back as an error on
                // some systems (Windows: ICMP port unreachable); keep serving.
                Err(error) => {
                    eprintln!("recvfrom failed: {error}");
                    continue;
                }
            };
            let datagram = buf.get(..n).unwrap_or_default().to_vec();
            let mut clients = self.clients();
            if !clients.contains_key(&from) {
                if clients.len() >= MAX_CLIENTS {
                    eprintln!("{from}: dropped: already relaying for {MAX_CLIENTS} clients");
                    continue;
                }
                numbers += 1;
                match self.new_client(numbers, from) {
                    Ok(client) => {
                        clients.insert(from, client);
                    }
                    Err(error) => {
                        eprintln!(
                            "{from}: cannot open a socket toward {}: {error}",
                            self.config.to
                        );
                        continue;
                    }
                }
            }
            let Some(client) = clients.get_mut(&from) else {
                continue;
            };
            *client
                .last_heard
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Instant::now();
            let fate = client.dice.fate(&self.config.chaos);
            let (number, upstream) = (client.number, Arc::clone(&client.upstream));
            drop(clients);
            self.post(
                number,
                Direction::ClientToServer,
                datagram,
                fate,
                Route {
                    via: upstream,
                    to: None,
                    client: from,
                },
            );
        }
    }

    /// A new client: a socket of its own toward the server, and a thread that
    /// relays what comes back.
    fn new_client(self: &Arc<Self>, number: u64, addr: SocketAddr) -> io::Result<Client> {
        // Python: up = socket.socket(type=socket.SOCK_DGRAM); up.connect(server)
        let upstream = UdpSocket::bind(any_port_toward(self.config.to))?;
        upstream.connect(self.config.to)?;
        upstream.set_read_timeout(Some(CLIENT_IDLE))?;
        let upstream = Arc::new(upstream);
        let last_heard = Arc::new(Mutex::new(Instant::now()));
        println!(
            "#{number} {addr}: a new client, with its own socket toward {}",
            self.config.to
        );
        let proxy = Arc::clone(self);
        let (socket, heard) = (Arc::clone(&upstream), Arc::clone(&last_heard));
        let dice = Dice::new(self.config.seed, number, 1);
        thread::spawn(move || proxy.relay_server(number, addr, &socket, &heard, dice));
        Ok(Client {
            number,
            upstream,
            dice: Dice::new(self.config.seed, number, 0),
            last_heard,
        })
    }

    /// One client's socket toward the server: the server's replies, back to
    /// that client, until the client has been silent for [`CLIENT_IDLE`].
    fn relay_server(
        &self,
        number: u64,
        client: SocketAddr,
        upstream: &Arc<UdpSocket>,
        last_heard: &Mutex<Instant>,
        mut dice: Dice,
    ) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            match upstream.recv(&mut buf) {
                Ok(n) => {
                    *last_heard.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
                    let datagram = buf.get(..n).unwrap_or_default().to_vec();
                    let fate = dice.fate(&self.config.chaos);
                    let route = Route {
                        via: Arc::clone(&self.front),
                        to: Some(client),
                        client,
                    };
                    self.post(number, Direction::ServerToClient, datagram, fate, route);
                }
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    let heard = *last_heard.lock().unwrap_or_else(PoisonError::into_inner);
                    if heard.elapsed() >= CLIENT_IDLE {
                        self.clients().remove(&client);
                        println!(
                            "#{number} {client}: forgotten after {}s of silence",
                            CLIENT_IDLE.as_secs()
                        );
                        return;
                    }
                }
                // The server's port is closed (ICMP port unreachable, reported
                // on a connected socket): the datagram was lost, go on.
                Err(error) => eprintln!("#{number} {}: {error}", self.config.to),
            }
        }
    }

    /// Applies `fate` to one datagram: trace a loss, or hand it (once or twice)
    /// to the postman, due after the delay (and the hold-back).
    fn post(&self, number: u64, direction: Direction, datagram: Vec<u8>, fate: Fate, route: Route) {
        let now = Instant::now();
        if fate.dropped {
            // The loss goes through the postman too, only to be traced: one
            // thread prints every line, in the order things happen.
            let letter = Letter {
                due: now,
                order: 0,
                number,
                direction,
                datagram,
                route,
                note: "dropped",
                deliver: false,
            };
            self.postman.post(letter);
            return;
        }
        let mut due = now + self.config.chaos.delay;
        let mut note = "";
        if fate.held_back {
            due += REORDER_DELAY;
            note = "held back";
        }
        let copies = if fate.duplicated { 2 } else { 1 };
        for copy in 0..copies {
            let letter = Letter {
                due,
                order: 0,
                number,
                direction,
                datagram: datagram.clone(),
                route: route.clone(),
                note: if copy == 1 { "duplicate" } else { note },
                deliver: true,
            };
            if !self.postman.post(letter) {
                self.trace(
                    number,
                    direction,
                    &datagram,
                    "dropped (the proxy's queue is full)",
                );
            }
        }
    }

    fn trace(&self, number: u64, direction: Direction, datagram: &[u8], note: &str) {
        if self.config.trace {
            println!(
                "{}",
                trace::line(
                    self.started.elapsed(),
                    number,
                    direction.label(),
                    datagram,
                    note
                )
            );
        }
    }

    /// The postman's loop: sends each datagram when it is due.
    fn deliver_for_ever(&self) {
        loop {
            let letter = self.postman.next_due();
            self.trace(
                letter.number,
                letter.direction,
                &letter.datagram,
                letter.note,
            );
            if !letter.deliver {
                continue;
            }
            let sent = match letter.route.to {
                // Python: sock.sendto(data, addr)
                Some(client) => letter.route.via.send_to(&letter.datagram, client),
                // Python: up.send(data)
                None => letter.route.via.send(&letter.datagram),
            };
            match sent {
                Ok(_) => {
                    if let Some(capture) = &self.capture {
                        let (src, dst) = match letter.direction {
                            Direction::ClientToServer => (letter.route.client, self.config.to),
                            Direction::ServerToClient => (self.config.to, letter.route.client),
                        };
                        capture.record(src, dst, &letter.datagram);
                    }
                }
                Err(error) => eprintln!("#{} {}: {error}", letter.number, letter.direction.label()),
            }
        }
    }
}

/// A socket address on any port, from which `to` can be reached: loopback for
/// a loopback server, any interface otherwise.
fn any_port_toward(to: SocketAddr) -> SocketAddr {
    let ip = match (to.ip(), to.ip().is_loopback()) {
        (ip, true) => ip,
        (IpAddr::V4(_), false) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        (IpAddr::V6(_), false) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    SocketAddr::new(ip, 0)
}

/// How a datagram leaves: through which socket, to whom (`None`: the socket's
/// connected server), and which client's conversation it belongs to.
#[derive(Debug, Clone)]
struct Route {
    via: Arc<UdpSocket>,
    to: Option<SocketAddr>,
    client: SocketAddr,
}

/// One datagram waiting for the postman.
#[derive(Debug)]
struct Letter {
    due: Instant,
    /// The order it was posted in: of two letters due at once, the first
    /// posted goes first.
    order: u64,
    number: u64,
    direction: Direction,
    datagram: Vec<u8>,
    route: Route,
    note: &'static str,
    /// `false` for a lost datagram: only traced.
    deliver: bool,
}

impl PartialEq for Letter {
    fn eq(&self, other: &Letter) -> bool {
        (self.due, self.order) == (other.due, other.order)
    }
}

impl Eq for Letter {}

impl PartialOrd for Letter {
    fn partial_cmp(&self, other: &Letter) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Letter {
    /// Reversed, so that `BinaryHeap` (a max-heap) gives the earliest first.
    fn cmp(&self, other: &Letter) -> std::cmp::Ordering {
        (other.due, other.order).cmp(&(self.due, self.order))
    }
}

/// The datagrams waiting for their time, and the postman's doorbell.
#[derive(Debug, Default)]
struct Postman {
    waiting: Mutex<(BinaryHeap<Letter>, u64)>,
    bell: Condvar,
}

impl Postman {
    /// Queues a letter; `false` when [`MAX_WAITING`] letters already wait.
    fn post(&self, mut letter: Letter) -> bool {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        let (queue, posted) = &mut *waiting;
        if queue.len() >= MAX_WAITING {
            return false;
        }
        *posted += 1;
        letter.order = *posted;
        queue.push(letter);
        self.bell.notify_one();
        true
    }

    /// Waits for the earliest letter to be due, and takes it.
    fn next_due(&self) -> Letter {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let now = Instant::now();
            let wait = match waiting.0.peek() {
                Some(letter) if letter.due <= now => {
                    if let Some(letter) = waiting.0.pop() {
                        return letter;
                    }
                    continue;
                }
                Some(letter) => Some(letter.due - now),
                None => None,
            };
            waiting = match wait {
                Some(wait) => {
                    self.bell
                        .wait_timeout(waiting, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .bell
                    .wait(waiting)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

/// `--pcap FILE`: each delivered datagram as an Ethernet/IPv4/UDP frame,
/// built with chapter 3's `UdpFrame` (correct checksums), as if the client and
/// the server had talked directly.
#[derive(Debug)]
struct Capture {
    file: Mutex<Option<PcapFile>>,
}

impl Capture {
    fn create(path: &Path, config: &ProxyConfig) -> Result<Capture, ProxyError> {
        if !(config.listen.is_ipv4() && config.to.is_ipv4()) {
            return Err(ProxyError::CaptureNeedsIpv4);
        }
        let file = PcapFile::create(path).map_err(|error| ProxyError::Capture {
            path: path.to_path_buf(),
            error,
        })?;
        Ok(Capture {
            file: Mutex::new(Some(file)),
        })
    }

    /// A datagram from `src` to `dst`. One Ethernet frame carries at most
    /// [`MAX_PAYLOAD`] (1472) bytes of it: a longer datagram would travel as IP
    /// fragments, and is recorded cut there.
    fn record(&self, src: SocketAddr, dst: SocketAddr, datagram: &[u8]) {
        let (SocketAddr::V4(src), SocketAddr::V4(dst)) = (src, dst) else {
            return;
        };
        let frame = UdpFrame {
            src_mac: MacAddr::zero(),
            dst_mac: MacAddr::zero(),
            src_ip: *src.ip(),
            dst_ip: *dst.ip(),
            src_port: src.port(),
            dst_port: dst.port(),
            ttl: 64,
            ident: 0,
            payload: datagram.get(..MAX_PAYLOAD).unwrap_or(datagram).to_vec(),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(writer) = file.as_mut()
            && let Err(error) = writer.write(now, &frame.emit())
        {
            eprintln!("--pcap: {error}; the capture stops here");
            *file = None;
        }
    }
}

/// Why the proxy could not start.
#[derive(Debug)]
pub enum ProxyError {
    /// A network address in front of a loopback-only server.
    Exposed {
        listen: SocketAddr,
        to: SocketAddr,
    },
    Bind {
        addr: SocketAddr,
        error: io::Error,
    },
    Io(io::Error),
    /// `--pcap` with an IPv6 address: the capture's frames are IPv4.
    CaptureNeedsIpv4,
    Capture {
        path: PathBuf,
        error: io::Error,
    },
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::Exposed { listen, to } => write!(
                f,
                "refusing to listen on {listen} in front of {to}: anybody who can reach \
                 the proxy would reach a server that listens on loopback to be private \
                 (listen on 127.0.0.1, or forward to a non-loopback address)"
            ),
            ProxyError::Bind { addr, error } => write!(f, "cannot bind {addr}: {error}"),
            ProxyError::Io(error) => error.fmt(f),
            ProxyError::CaptureNeedsIpv4 => write!(
                f,
                "--pcap writes IPv4 frames (chapter 3's): --listen and --to must be IPv4 addresses"
            ),
            ProxyError::Capture { path, error } => {
                write!(f, "cannot create {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProxyError::Exposed { .. } | ProxyError::CaptureNeedsIpv4 => None,
            ProxyError::Bind { error, .. }
            | ProxyError::Io(error)
            | ProxyError::Capture { error, .. } => Some(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fates(seed: u64, chaos: &Chaos) -> Vec<Fate> {
        let mut dice = Dice::new(seed, 1, 0);
        (0..200).map(|_| dice.fate(chaos)).collect()
    }

    #[test]
    fn the_same_seed_decides_the_same_fates() {
        let chaos = Chaos {
            drop_percent: 30,
            duplicate_percent: 10,
            reorder: true,
            delay: Duration::ZERO,
        };
        assert_eq!(fates(7, &chaos), fates(7, &chaos));
        assert_ne!(fates(7, &chaos), fates(8, &chaos));
        let dropped = fates(7, &chaos).iter().filter(|f| f.dropped).count();
        // 30% of 200, give or take what chance does.
        assert!((30..=90).contains(&dropped), "{dropped}");
    }

    #[test]
    fn no_chaos_drops_nothing() {
        let quiet = fates(1, &Chaos::default());
        assert!(
            quiet
                .iter()
                .all(|f| !f.dropped && !f.duplicated && !f.held_back)
        );
        let lossy = Chaos {
            drop_percent: 100,
            ..Chaos::default()
        };
        assert!(fates(1, &lossy).iter().all(|f| f.dropped));
    }

    #[test]
    fn the_postman_delivers_the_earliest_first_and_keeps_posting_order() {
        let postman = Postman::default();
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
        let now = Instant::now();
        let letter = |due: Instant, note: &'static str| Letter {
            due,
            order: 0,
            number: 1,
            direction: Direction::ClientToServer,
            datagram: Vec::new(),
            route: Route {
                via: Arc::clone(&socket),
                to: None,
                client: "127.0.0.1:1".parse().unwrap(),
            },
            note,
            deliver: true,
        };
        assert!(postman.post(letter(now + Duration::from_millis(2), "late")));
        assert!(postman.post(letter(now, "first")));
        assert!(postman.post(letter(now, "second")));
        let notes: Vec<&str> = (0..3).map(|_| postman.next_due().note).collect();
        assert_eq!(notes, ["first", "second", "late"]);
    }

    #[test]
    fn the_proxy_keeps_a_loopback_server_private() {
        let addr = |text: &str| -> SocketAddr { text.parse().unwrap() };
        assert!(check_exposure(addr("127.0.0.1:9999"), addr("127.0.0.1:9000")).is_ok());
        assert!(check_exposure(addr("0.0.0.0:9999"), addr("127.0.0.1:9000")).is_err());
    }
}
