//! Building the LAN with `ip` and `bridge`, recording the cards, running
//! tcp-demo, reading the tables back, and removing it all.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pcap_file::pcap::PcapReader;

use super::{
    Card, Options, PREFIX, RANGE, RealError, RealTalk, SWITCHES, Scratch, Seen, namespace,
};
use crate::lan::sim::{ArpEntry, MacEntry, describe};
use crate::lan::{Peer, PortRef, TCP_PORT, Topology};
use crate::pcap::PcapFile;

/// How long a server may take to listen, and a client to finish its talk.
const WAIT: Duration = Duration::from_secs(10);
/// How often a wait looks at the Ctrl-C flag.
const TICK: Duration = Duration::from_millis(100);
/// After the last talk, how long the recorders get to write the last frames
/// (delivered within microseconds; read by another process a moment later).
const SETTLE: Duration = Duration::from_millis(300);
/// The line `lan-record` prints once its socket is open.
const RECORDING: &str = "recording";
/// CAP_NET_ADMIN and CAP_SYS_ADMIN, bits of /proc/self/status's CapEff.
const CAP_NET_ADMIN: u64 = 1 << 12;
const CAP_SYS_ADMIN: u64 = 1 << 21;

/// The name of switch `s`'s bridge, and of its port `port` (the switch-side
/// end of the cable plugged in there): short, as Linux allows 15 characters.
fn bridge(s: usize) -> String {
    format!("netlab-br{s}")
}
fn switch_port(at: PortRef) -> String {
    format!("netlab-p{}-{}", at.switch, at.port)
}
/// A host's card, or a router's interface `i`, inside its namespace.
fn card(i: usize) -> String {
    format!("netlab-eth{i}")
}

/// Runs `program args...`; its stdout, or what it said when it failed.
fn command(program: &str, args: &[&str]) -> Result<String, RealError> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                RealError::Missing(format!("`{program}` (Debian: apt-get install iproute2)"))
            }
            _ => RealError::Io(e),
        })?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let said = String::from_utf8_lossy(&output.stderr);
    Err(RealError::Command {
        command: format!("{program} {}", args.join(" ")),
        said: said.lines().next().unwrap_or("no message").to_string(),
    })
}

fn ip(args: &[&str]) -> Result<String, RealError> {
    command("ip", args)
}

/// Whether this process may create namespaces: root's capabilities.
fn permitted() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    let effective = status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    let needed = CAP_NET_ADMIN | CAP_SYS_ADMIN;
    effective & needed == needed
}

/// The namespaces of this LAN, deleted when dropped: at the end, on an error,
/// and after Ctrl-C (which the run turns into an error).
struct Namespaces {
    created: Vec<String>,
    children: Vec<Child>,
}

impl Namespaces {
    fn add(&mut self, name: &str) -> Result<(), RealError> {
        ip(&["netns", "add", name])?;
        self.created.push(name.to_string());
        // Only the lesson's frames: no IPv6 router solicitations or neighbour
        // discovery. (A kernel without IPv6 has nothing to switch off.)
        let _ = ip(&[
            "netns",
            "exec",
            name,
            "sh",
            "-c",
            "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; \
             echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6",
        ]);
        Ok(())
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        for name in self.created.iter().rev() {
            let _ = ip(&["netns", "delete", name]);
        }
    }
}

/// Every namespace whose name starts with [`PREFIX`].
fn leftovers() -> Result<Vec<String>, RealError> {
    let listed = ip(&["netns", "list"])?;
    Ok(listed
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.starts_with(PREFIX))
        .map(str::to_string)
        .collect())
}

/// `lan --cleanup`: deletes every `netlab-lan-*` namespace (and so every
/// interface in it). The names deleted.
pub fn cleanup() -> Result<Vec<String>, RealError> {
    if !permitted() {
        return Err(RealError::NotPermitted);
    }
    let names = leftovers()?;
    for name in &names {
        ip(&["netns", "delete", name])?;
    }
    Ok(names)
}

/// `lan-record`: writes every frame of `interface` to `pcap` until killed.
/// Prints `recording INTERFACE` once the socket is open.
pub fn record(interface: &str, pcap: &Path) -> Result<(), RealError> {
    let capture = |e: crate::capture::CaptureError| RealError::Talk(e.to_string());
    let mut card = crate::capture::Loopback::open_named(interface).map_err(capture)?;
    let mut file = PcapFile::create(pcap).map_err(RealError::Io)?;
    println!("{RECORDING} {interface}");
    loop {
        match card.next_frame() {
            Ok(frame) => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                file.write(now, frame).map_err(RealError::Io)?;
            }
            Err(crate::capture::CaptureError::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(capture(e)),
        }
    }
}

/// Starts `program args...` and waits for a first stdout line that starts with
/// `ready`; the line.
fn start(
    program: &str,
    args: &[&str],
    ready: &str,
    stop: &AtomicBool,
) -> Result<(Child, String), RealError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RealError::Io)?;
    let stdout = child
        .stdout
        .take()
        .ok_or(RealError::Talk("no stdout".into()))?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
        // Keep reading what else it prints, so that it never writes into a
        // closed pipe.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let mut waited = Duration::ZERO;
    let line = loop {
        if stop.load(Ordering::SeqCst) {
            let _ = child.kill();
            return Err(RealError::Interrupted);
        }
        match rx.recv_timeout(TICK) {
            Ok(line) => break line,
            Err(mpsc::RecvTimeoutError::Timeout) if waited < WAIT => waited += TICK,
            Err(_) => {
                let _ = child.kill();
                let output = child.wait_with_output().map_err(RealError::Io)?;
                let said = String::from_utf8_lossy(&output.stderr).trim().to_string();
                return Err(RealError::Talk(format!(
                    "`{program} {}` did not start: {said}",
                    args.join(" ")
                )));
            }
        }
    };
    if !line.starts_with(ready) {
        let _ = child.kill();
        return Err(RealError::Talk(format!(
            "`{program} {}` printed {:?}, not {ready}",
            args.join(" "),
            line.trim()
        )));
    }
    Ok((child, line.trim().to_string()))
}

/// Waits for `child` to exit, watching the Ctrl-C flag; kills it after [`WAIT`].
fn finish(mut child: Child, stop: &AtomicBool) -> Result<std::process::Output, RealError> {
    let mut waited = Duration::ZERO;
    while child.try_wait().map_err(RealError::Io)?.is_none() {
        if stop.load(Ordering::SeqCst) {
            let _ = child.kill();
            return Err(RealError::Interrupted);
        }
        if waited >= WAIT {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(TICK);
        waited += TICK;
    }
    child.wait_with_output().map_err(RealError::Io)
}

fn check(stop: &AtomicBool) -> Result<(), RealError> {
    if stop.load(Ordering::SeqCst) {
        Err(RealError::Interrupted)
    } else {
        Ok(())
    }
}

// ANCHOR: build
/// Builds the topology: namespaces, bridges, veth cables, addresses, routes.
fn build(lan: &Topology, spaces: &mut Namespaces, stop: &AtomicBool) -> Result<(), RealError> {
    spaces.add(SWITCHES)?;
    for (s, _) in lan.switches.iter().enumerate() {
        // No multicast snooping: with it, the bridge joins a group of its own
        // and announces it (IGMP), frames that are not the lesson's.
        ip(&[
            "-n",
            SWITCHES,
            "link",
            "add",
            &bridge(s),
            "type",
            "bridge",
            "mcast_snooping",
            "0",
        ])?;
        // A bridge also is an interface of its own: no multicast there either.
        ip(&[
            "-n",
            SWITCHES,
            "link",
            "set",
            &bridge(s),
            "multicast",
            "off",
        ])?;
        ip(&["-n", SWITCHES, "link", "set", &bridge(s), "up"])?;
    }
    // A cable: a veth pair created in the switches' namespace, its other end
    // sent straight into the device's namespace (nothing in the machine's own).
    let plug = |at: PortRef, ns: &str, name: &str| -> Result<(), RealError> {
        let port = switch_port(at);
        ip(&[
            "-n", SWITCHES, "link", "add", &port, "type", "veth", "peer", "name", name, "netns", ns,
        ])?;
        ip(&[
            "-n",
            SWITCHES,
            "link",
            "set",
            &port,
            "master",
            &bridge(at.switch),
        ])?;
        ip(&["-n", SWITCHES, "link", "set", &port, "up"]).map(drop)
    };
    let configure = |ns: &str, name: &str, card: &crate::lan::Card| -> Result<(), RealError> {
        ip(&[
            "-n",
            ns,
            "link",
            "set",
            name,
            "address",
            &card.mac.to_string(),
        ])?;
        ip(&[
            "-n",
            ns,
            "addr",
            "add",
            &card.address.to_string(),
            "dev",
            name,
        ])?;
        ip(&["-n", ns, "link", "set", name, "up"]).map(drop)
    };
    for host in &lan.hosts {
        check(stop)?;
        let ns = namespace("host", &host.name);
        spaces.add(&ns)?;
        ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        plug(host.card.plugged, &ns, &card(0))?;
        configure(&ns, &card(0), &host.card)?;
        if let Some(gateway) = host.gateway {
            ip(&[
                "-n",
                &ns,
                "route",
                "add",
                "default",
                "via",
                &gateway.to_string(),
            ])?;
        }
    }
    for router in &lan.routers {
        check(stop)?;
        let ns = namespace("router", &router.name);
        spaces.add(&ns)?;
        ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        for (i, interface) in router.interfaces.iter().enumerate() {
            plug(interface.plugged, &ns, &card(i))?;
            configure(&ns, &card(i), interface)?;
        }
        // What makes it a router: packets for other addresses are forwarded.
        ip(&[
            "netns",
            "exec",
            &ns,
            "sh",
            "-c",
            "echo 1 > /proc/sys/net/ipv4/ip_forward",
        ])?;
    }
    for (s, switch) in lan.switches.iter().enumerate() {
        for (p, peer) in switch.ports.iter().enumerate() {
            let here = PortRef {
                switch: s,
                port: p + 1,
            };
            if let Peer::Switch(there) = *peer
                && there > here
            {
                let (a, b) = (switch_port(here), switch_port(there));
                ip(&[
                    "-n", SWITCHES, "link", "add", &a, "type", "veth", "peer", "name", &b,
                ])?;
                for (port, at) in [(&a, here), (&b, there)] {
                    ip(&[
                        "-n",
                        SWITCHES,
                        "link",
                        "set",
                        port,
                        "master",
                        &bridge(at.switch),
                    ])?;
                    ip(&["-n", SWITCHES, "link", "set", port, "up"])?;
                }
            }
        }
    }
    Ok(())
}
// ANCHOR_END: build

/// `bridge fdb`: the MAC addresses each bridge learned (not its own ports').
fn mac_tables(lan: &Topology) -> Result<BTreeMap<String, Vec<MacEntry>>, RealError> {
    let listed = command("bridge", &["-n", SWITCHES, "fdb", "show"])?;
    let mut tables: BTreeMap<String, Vec<MacEntry>> = lan
        .switches
        .iter()
        .map(|s| (s.name.clone(), Vec::new()))
        .collect();
    // `02:00:00:00:00:0a dev netlab-p0-1 master netlab-br0`; the bridge's
    // own addresses say `permanent`.
    for line in listed.lines().filter(|l| !l.contains("permanent")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (Some(mac), Some(dev)) = (
            words.first(),
            words.iter().skip_while(|w| **w != "dev").nth(1),
        ) else {
            continue;
        };
        let Some((s, port)) = dev
            .strip_prefix("netlab-p")
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(s, p)| Some((s.parse::<usize>().ok()?, p.parse::<usize>().ok()?)))
        else {
            continue;
        };
        let at = PortRef { switch: s, port };
        let (Some(switch), Some(peer)) = (lan.switches.get(s), lan.peer_at(at)) else {
            continue;
        };
        if let Some(entries) = tables.get_mut(&switch.name) {
            entries.push(MacEntry {
                mac: mac.to_string(),
                port,
                towards: lan.peer_name(peer).to_string(),
            });
        }
    }
    for entries in tables.values_mut() {
        entries.sort_by(|a, b| (a.port, &a.mac).cmp(&(b.port, &b.mac)));
    }
    Ok(tables)
}

/// `ip neigh`: each host's and router's ARP table (answered entries only).
fn arp_tables(lan: &Topology) -> Result<BTreeMap<String, Vec<ArpEntry>>, RealError> {
    let devices = lan
        .hosts
        .iter()
        .map(|h| (h.name.clone(), namespace("host", &h.name)))
        .chain(
            lan.routers
                .iter()
                .map(|r| (r.name.clone(), namespace("router", &r.name))),
        );
    let mut tables = BTreeMap::new();
    for (name, ns) in devices {
        let listed = ip(&["-n", &ns, "-4", "neigh", "show"])?;
        // `172.16.10.2 dev netlab-eth0 lladdr 02:00:00:00:00:0b REACHABLE`
        let mut entries: BTreeMap<Ipv4Addr, String> = BTreeMap::new();
        for line in listed.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let mac = words.iter().skip_while(|w| **w != "lladdr").nth(1);
            if let (Some(Ok(ip)), Some(mac)) = (words.first().map(|w| w.parse::<Ipv4Addr>()), mac) {
                entries.insert(ip, mac.to_string());
            }
        }
        let entries = entries
            .into_iter()
            .map(|(ip, mac)| ArpEntry {
                ip: ip.to_string(),
                mac,
            })
            .collect();
        tables.insert(name, entries);
    }
    Ok(tables)
}

/// The frames in a recording, with their times.
fn frames_of(path: &Path) -> Vec<(Duration, Vec<u8>)> {
    let Ok(file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let Ok(mut reader) = PcapReader::new(file) else {
        return Vec::new();
    };
    let mut frames = Vec::new();
    while let Some(Ok(packet)) = reader.next_packet() {
        frames.push((packet.timestamp, packet.data.into_owned()));
    }
    frames
}

fn seen(frame: &[u8]) -> Seen {
    let mac = |at: std::ops::Range<usize>| {
        frame
            .get(at)
            .and_then(|b| <[u8; 6]>::try_from(b).ok())
            .map_or(String::new(), |b| pnet_base::MacAddr::from(b).to_string())
    };
    let (kind, summary) = describe(frame);
    let ttl = crate::tcp::TcpFrame::parse(frame, crate::tcp::Checksum::Ignore)
        .ok()
        .map(|segment| segment.ttl);
    Seen {
        ttl,
        src_mac: mac(crate::encap::ethernet::field::SOURCE),
        dst_mac: mac(crate::encap::ethernet::field::DESTINATION),
        kind,
        summary,
    }
}

// ANCHOR: run
/// Builds the LAN, runs every talk with tcp-demo, reads what happened, and
/// removes the LAN again, whatever happens (Ctrl-C included).
pub fn run(lan: &Topology, options: &Options<'_>) -> Result<Vec<RealTalk>, RealError> {
    if !permitted() {
        return Err(RealError::NotPermitted);
    }
    // From here on Ctrl-C sets a flag instead of ending the process, which
    // stops at the next step and removes the namespaces.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop)).map_err(RealError::Io)?;
    }
    let cards = lan.hosts.iter().map(|h| h.card.address);
    let routers = lan
        .routers
        .iter()
        .flat_map(|r| r.interfaces.iter().map(|c| c.address));
    if let Some(outside) = cards.chain(routers).find(|net| !RANGE.contains(net)) {
        return Err(RealError::OutsideRange(outside));
    }
    if !options.tcp_demo.is_file() {
        return Err(RealError::Missing(format!(
            "chapter 4's tcp-demo at {} (build it: cargo build -p tcp-demo)",
            options.tcp_demo.display()
        )));
    }
    command("bridge", &["-V"])
        .map_err(|_| RealError::Missing("`bridge` (Debian: apt-get install iproute2)".into()))?;
    if let Some(name) = leftovers()?.first() {
        return Err(RealError::Talk(format!(
            "namespace {name} is left from an earlier run (or one is running): net-basics lan --cleanup removes it"
        )));
    }
    let mut spaces = Namespaces {
        created: Vec::new(),
        children: Vec::new(),
    };
    build(lan, &mut spaces, &stop)?;

    let scratch = Scratch(std::env::temp_dir().join(format!("{PREFIX}{}", std::process::id())));
    std::fs::create_dir_all(&scratch.0).map_err(RealError::Io)?;
    let exe = options.recorder.to_string_lossy().into_owned();
    let tcp_demo = options.tcp_demo.to_string_lossy().into_owned();
    for host in &lan.hosts {
        let ns = namespace("host", &host.name);
        let file = scratch.0.join(format!("{}.pcap", host.name));
        let file = file.to_string_lossy();
        let args = [
            "netns",
            "exec",
            &ns,
            &exe,
            "lan-record",
            "--interface",
            &card(0),
            "--pcap",
            &file,
        ];
        let (child, _) = start("ip", &args, RECORDING, &stop)?;
        spaces.children.push(child);
    }

    let mut talks = Vec::new();
    let mut windows = Vec::new();
    for talk in &lan.talks {
        check(&stop)?;
        let (from, to) = (&lan.hosts[talk.from], &lan.hosts[talk.to]);
        let destination = format!("{}:{TCP_PORT}", to.card.address.addr());
        let began = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        // Python: the tutorial's server in one machine, its client in another.
        let server_ns = namespace("host", &to.name);
        let server_args = [
            "netns",
            "exec",
            &server_ns,
            &tcp_demo,
            "server",
            "--addr",
            &destination,
        ];
        let (server, _) = start("ip", &server_args, "listening on", &stop)?;
        let client_ns = namespace("host", &from.name);
        let client_args = [
            "netns",
            "exec",
            &client_ns,
            &tcp_demo,
            "client",
            "--addr",
            &destination,
        ];
        let client = Command::new("ip")
            .args(client_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(RealError::Io)?;
        let client = finish(client, &stop)?;
        let _ = finish(server, &stop)?;
        if !client.status.success() {
            return Err(RealError::Talk(format!(
                "tcp-demo client on {} could not talk to {destination}: {}",
                from.name,
                String::from_utf8_lossy(&client.stderr).trim()
            )));
        }
        std::thread::sleep(SETTLE);
        let ended = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        windows.push((began, ended));
        talks.push(RealTalk {
            from: from.name.clone(),
            to: to.name.clone(),
            destination,
            client_printed: String::from_utf8_lossy(&client.stdout).trim().to_string(),
            cards: Vec::new(),
            mac_tables: mac_tables(lan)?,
            arp_tables: arp_tables(lan)?,
        });
    }
    // The recordings, cut into the talks by time.
    for host in &lan.hosts {
        let frames = frames_of(&scratch.0.join(format!("{}.pcap", host.name)));
        for (talk, (began, ended)) in talks.iter_mut().zip(&windows) {
            let frames = frames
                .iter()
                .filter(|(at, _)| at >= began && at <= ended)
                .map(|(_, frame)| seen(frame))
                .collect();
            talk.cards.push(Card {
                device: host.name.clone(),
                frames,
            });
        }
    }
    if let (Some(path), Some(talk)) = (options.pcap, lan.talks.first()) {
        let first = scratch
            .0
            .join(format!("{}.pcap", lan.hosts[talk.from].name));
        std::fs::copy(first, path).map_err(RealError::Io)?;
    }
    drop(spaces); // the recorders stop, the namespaces go
    Ok(talks)
}
// ANCHOR_END: run
