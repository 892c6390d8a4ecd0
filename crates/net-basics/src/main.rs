//! `net-basics`: the command line of chapter 3's calculator. It reads the text
//! the student typed into the values the lessons take, calls the library's
//! [`show`](net_basics::show) functions (the lessons' results as text or JSON),
//! prints what they return, and turns errors into one line and the conventional
//! exit code (2 for a bad value, 1 otherwise). See the library's documentation
//! (`cargo doc -p net-basics`) for the lessons.

use std::fmt::Display;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use ipnet::IpNet;
use net_basics::capture::{self, CaptureError, Loopback, Observer};
use net_basics::encap::{MAX_PAYLOAD, UdpFrame};
use net_basics::handshake::{self, CloseMode};
use net_basics::ip::parse_addr;
use net_basics::lan::{self, Topology};
use net_basics::mac::parse_mac;
use net_basics::pcap::PcapFile;
use net_basics::show;
use net_basics::subnet::{SubnetError, parse_mask, parse_network, parse_prefix};
use net_basics::{arp, ports, split};
use netlab_common::files::read_capped_text;
use netlab_common::{Failure, color, failure};
use pnet_base::MacAddr;

/// net-basics: the calculator and explainer for chapter 3, 三.网络基础 (network
/// basics): IP addresses, subnets, MAC addresses, ARP, ports, layer models, the
/// TCP handshake and encapsulation. Every data command takes --json.
#[derive(Debug, Parser)]
#[command(name = "net-basics", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// An IP address (IP地址) in dotted decimal, as 32 bits, as a number and in hex,
    /// with its scope and legacy class; IPv6 too (三.网络基础).
    Ip {
        /// e.g. 100.4.5.6 or 2001:db8::1
        address: String,
        /// Print one JSON document (keys: address, binary, integer, hex, scope, class).
        #[arg(long)]
        json: bool,
    },
    /// A subnet (子网): mask, wildcard, network and broadcast address, usable hosts
    /// (三.网络基础: 子网掩码).
    Subnet {
        /// ADDRESS/PREFIX such as 172.16.10.1/24, or an ADDRESS followed by MASK
        network: String,
        /// The mask, dotted (255.255.255.0) or as a prefix length (/24), when
        /// NETWORK has no /PREFIX
        mask: Option<String>,
        /// Show the AND of address and mask bit by bit (the tutorial's worked example).
        #[arg(long)]
        explain: bool,
        /// Print one JSON document (keys: address, prefix, netmask, wildcard, network,
        /// broadcast, first_host, last_host, hosts).
        #[arg(long)]
        json: bool,
    },
    /// Whether two addresses are in the same subnet: (A AND mask) == (B AND mask)
    /// (三.网络基础: 子网掩码).
    SameSubnet {
        /// First address, e.g. 172.16.10.1 or 172.16.10.1/24
        a: String,
        /// Second address, e.g. 172.16.10.2
        b: String,
        /// The mask, e.g. 255.255.255.0 or /24 (or give A as ADDRESS/PREFIX)
        #[arg(long)]
        mask: Option<String>,
        /// Print one JSON document (keys: same, network_a, network_b, ...).
        #[arg(long)]
        json: bool,
    },
    /// Subnetting (划分子网): cut a network into smaller ones with a longer prefix
    /// (三.网络基础: 子网).
    Split {
        /// The network, e.g. 172.16.10.0/24
        network: String,
        /// The new prefix length, e.g. 26
        #[arg(long, conflicts_with = "count", required_unless_present = "count")]
        prefix: Option<String>,
        /// How many subnets are needed (rounded up to a power of two)
        #[arg(long)]
        count: Option<String>,
        /// Print one JSON document (keys: network, new_prefix, count, subnets, truncated).
        #[arg(long)]
        json: bool,
    },
    /// Supernetting (路由聚合): join networks into the fewest covering prefixes
    /// (三.网络基础: 子网).
    Aggregate {
        /// Networks, e.g. 172.16.10.0/25 172.16.10.128/25
        #[arg(required = true)]
        networks: Vec<String>,
        /// Print one JSON document (keys: input, aggregated).
        #[arg(long)]
        json: bool,
    },
    /// A MAC address (MAC地址): its 48 bits, vendor (OUI) and device parts, and the
    /// I/G and U/L bits (三.网络基础).
    Mac {
        /// aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff
        address: String,
        /// Print one JSON document (keys: canonical, oui, multicast, local, broadcast,
        /// vendor, ...).
        #[arg(long)]
        json: bool,
    },
    /// ARP (地址解析协议): this machine's ARP table, or the bytes of an ARP request
    /// (三.网络基础: arp协议).
    Arp {
        /// Show the Ethernet frame of an ARP request asking for this IPv4 address
        #[arg(long, value_name = "IP")]
        packet: Option<String>,
        /// The asker's IPv4 address in --packet
        #[arg(long, default_value = "172.16.10.1")]
        sender_ip: String,
        /// The asker's MAC address in --packet
        #[arg(long, default_value = "02:00:00:00:00:01")]
        sender_mac: String,
        /// Print one JSON document (the table's entries, or the packet's fields).
        #[arg(long)]
        json: bool,
    },
    /// Well-known ports (端口) and their transport, and the system's services
    /// database (三.网络基础: 端口).
    Ports {
        /// A port number or a service name, e.g. 80 or http
        query: Option<String>,
        /// Print one JSON document (a list of port, transport, name, description, source).
        #[arg(long)]
        json: bool,
    },
    /// The OSI 7-layer, TCP/IP 5-layer and 4-layer models side by side, with
    /// devices and protocols (三.网络基础: osi七层).
    Layers {
        /// Print one JSON document (a list of layers).
        #[arg(long)]
        json: bool,
    },
    /// A TCP connection simulated by a state machine: three-way handshake
    /// (三次握手), data, four-way close (四次挥手), with SEQ/ACK and states
    /// (三.网络基础: tcp协议).
    Handshake {
        /// The client's initial sequence number (random if not given)
        #[arg(long)]
        isn_client: Option<String>,
        /// The server's initial sequence number (random if not given)
        #[arg(long)]
        isn_server: Option<String>,
        /// How the connection ends: normal, simultaneous, or half (the server keeps
        /// sending after the client closed)
        #[arg(long, default_value = "normal")]
        close: String,
        /// What the client sends once connected (empty for none)
        #[arg(long, default_value = "hello")]
        data: String,
        /// Print one JSON document (isn_client, isn_server, close, rows).
        #[arg(long)]
        json: bool,
    },
    /// The real handshake: every TCP segment on the loopback interface, drawn
    /// like `handshake` draws the simulated one, with flags, relative seq and
    /// ack, data length and each side's state (三.网络基础: tcp协议). Linux only;
    /// needs CAP_NET_RAW (root, or `setcap cap_net_raw+ep` on the binary). Its
    /// first line, on stderr (`capturing TCP on lo ...`), says it is ready:
    /// connections started after it are seen whole.
    Capture {
        /// Only segments to or from this port, 1 to 65535 (tcp-demo's server: 8898)
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        port: Option<u16>,
        /// Stop after this many segments, 1 to 1000000 (without it: until Ctrl-C)
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_CAPTURE_COUNT))]
        count: Option<u64>,
        /// Also write the frames to this capture file (`tshark -r FILE`, Wireshark)
        #[arg(long, value_name = "FILE")]
        pcap: Option<PathBuf>,
        /// One JSON object per segment, one per line (keys: connection, from, src,
        /// dst, flags, seq, ack, len, client_state, server_state, note).
        #[arg(long)]
        json: bool,
    },
    /// A LAN to watch (局域网): hosts on two switches and a router to another
    /// network; the ARP broadcast flooded, the switches learning MAC addresses,
    /// the router taking one from the TTL and writing new MACs, frame by frame
    /// (三.网络基础: 以太网, 交换机, 路由器). Simulated unless --real.
    Lan {
        /// Another topology, as a TOML file (start from --show-scenario)
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// Print the built-in scenario file, to copy and change
        #[arg(long, conflicts_with_all = ["scenario", "pcap", "real", "cleanup", "json"])]
        show_scenario: bool,
        /// Write the frames to this capture file (`tshark -r FILE`, Wireshark)
        #[arg(long, value_name = "FILE")]
        pcap: Option<PathBuf>,
        /// Build it for real: network namespaces as hosts and router, veth pairs
        /// as cables, Linux bridges as switches, tcp-demo's server and client
        /// talking (Linux, root; every name starts with netlab-lan-)
        #[arg(long)]
        real: bool,
        /// Remove what an interrupted --real left behind (namespaces netlab-lan-*)
        #[arg(long, conflicts_with_all = ["scenario", "pcap", "real", "json"])]
        cleanup: bool,
        /// Print one JSON document (scenario, talks: from, to, steps, mac_tables,
        /// arp_tables, delivered).
        #[arg(long)]
        json: bool,
    },
    /// Records every frame of one interface to a capture file until killed:
    /// what `lan --real` runs inside each host's namespace (三.网络基础).
    #[command(hide = true)]
    LanRecord {
        #[arg(long)]
        interface: String,
        #[arg(long)]
        pcap: PathBuf,
    },
    /// Encapsulation (封装): the bytes of an Ethernet frame carrying IPv4 carrying
    /// UDP carrying your text, every header field named (三.网络基础: 封装).
    Encap {
        /// The application data (UTF-8 text), at most 1472 bytes
        #[arg(long)]
        payload: String,
        /// The sender's MAC (a locally administered one by default)
        #[arg(long, default_value = "02:00:00:00:00:01")]
        src_mac: String,
        /// The receiver's MAC: the next hop on this LAN, found by ARP
        #[arg(long, default_value = "02:00:00:00:00:02")]
        dst_mac: String,
        /// The sender's IPv4 address
        #[arg(long, default_value = "172.16.10.1")]
        src_ip: String,
        /// The receiver's IPv4 address
        #[arg(long, default_value = "172.16.10.2")]
        dst_ip: String,
        /// The sender's port (clients usually get an ephemeral one from the OS)
        #[arg(long, default_value = "50000")]
        src_port: String,
        /// The receiver's port (9000: the tutorial's UDP server)
        #[arg(long, default_value = "9000")]
        dst_port: String,
        /// Hops left before a router drops the packet
        #[arg(long, default_value = "64")]
        ttl: String,
        /// Print only the frame, as hex
        #[arg(long, conflicts_with = "json")]
        hex: bool,
        /// Print one JSON document (frame_hex, length, layers with their fields).
        #[arg(long)]
        json: bool,
    },
}

/// The most segments `capture --count` waits for: far more than a lesson's
/// connection sends, small enough to say.
const MAX_CAPTURE_COUNT: u64 = 1_000_000;

/// Runs `command`; the text to print on stdout, or the failure to report.
/// `color` allows ANSI colour (only `subnet --explain` and `same-subnet` use it).
fn run(command: Command, color: bool) -> Result<String, Failure> {
    let shown = match command {
        Command::Ip { address, json } => show::addr::ip(parse_addr(&address).map_err(usage)?, json),
        Command::Subnet {
            network,
            mask,
            explain,
            json,
        } => {
            let net = parse_network(&network, mask.as_deref()).map_err(usage)?;
            show::addr::subnet(net, explain, json, color)
        }
        Command::SameSubnet { a, b, mask, json } => {
            let (a, b, prefix) = same_subnet_question(&a, &b, mask.as_deref())?;
            show::addr::same_subnet(a, b, prefix, json, color)
        }
        Command::Split {
            network,
            prefix,
            count,
            json,
        } => {
            let net = parse_network(&network, None).map_err(usage)?;
            let new_prefix = match (prefix, count) {
                (Some(prefix), _) => parse_prefix(&prefix, net.max_prefix_len()).map_err(usage)?,
                (None, Some(count)) => {
                    let count: u64 = number("--count", &count, "a number of subnets, e.g. 4")?;
                    split::prefix_for_count(net, count).map_err(usage)?
                }
                (None, None) => return Err(Failure::usage("give --prefix P or --count N")),
            };
            show::addr::split(net, new_prefix, json)
        }
        Command::Aggregate { networks, json } => {
            let nets = networks
                .iter()
                .map(|text| parse_network(text, None).map(|n| n.trunc()))
                .collect::<Result<Vec<IpNet>, _>>()
                .map_err(usage)?;
            show::addr::aggregate(&nets, json)
        }
        Command::Mac { address, json } => show::link::mac(mac(&address)?, json),
        Command::Arp {
            packet,
            sender_ip,
            sender_mac,
            json,
        } => match packet {
            Some(target) => {
                let request = arp::Request {
                    sender_mac: mac(&sender_mac)?,
                    sender_ip: ipv4("--sender-ip", &sender_ip)?,
                    target_ip: ipv4("--packet", &target)?,
                };
                show::wire::arp_packet(&request, json)
            }
            None => show::link::arp_table(json),
        },
        Command::Ports { query, json } => {
            let query = query
                .map(|text| ports::parse_query(&text))
                .transpose()
                .map_err(usage)?;
            show::tables::ports(query, json)
        }
        Command::Layers { json } => show::tables::layers(json),
        Command::Handshake {
            isn_client,
            isn_server,
            close,
            data,
            json,
        } => {
            let isn_client = isn("--isn-client", isn_client.as_deref())?;
            let isn_server = isn("--isn-server", isn_server.as_deref())?;
            let mode = close_mode(&close)?;
            let data_len =
                u32::try_from(data.len()).map_err(|_| Failure::usage("--data is too long"))?;
            show::tcp::handshake(isn_client, isn_server, mode, data_len, json)
        }
        Command::Encap {
            payload,
            src_mac,
            dst_mac,
            src_ip,
            dst_ip,
            src_port,
            dst_port,
            ttl,
            hex,
            json,
        } => {
            let payload = payload.into_bytes();
            if payload.len() > MAX_PAYLOAD {
                return Err(Failure::usage(format!(
                    "--payload is {} bytes (expected at most {MAX_PAYLOAD}: a 1500-byte MTU minus 20 bytes of IPv4 and 8 of UDP header)",
                    payload.len()
                )));
            }
            let repr = UdpFrame {
                src_mac: mac(&src_mac)?,
                dst_mac: mac(&dst_mac)?,
                src_ip: ipv4("--src-ip", &src_ip)?,
                dst_ip: ipv4("--dst-ip", &dst_ip)?,
                src_port: number("--src-port", &src_port, "a port from 0 to 65535")?,
                dst_port: number("--dst-port", &dst_port, "a port from 0 to 65535")?,
                ttl: number("--ttl", &ttl, "a number of hops from 0 to 255")?,
                ident: 0,
                payload,
            };
            show::wire::encap(&repr, hex, json)
        }
        Command::Lan {
            scenario,
            show_scenario,
            pcap,
            real,
            cleanup,
            json,
        } => {
            if show_scenario {
                return Ok(lan::DEFAULT_SCENARIO.to_string());
            }
            if cleanup {
                return lan_cleanup();
            }
            let (topology, name) = match &scenario {
                Some(path) => (read_scenario(path)?, path.display().to_string()),
                None => (Topology::builtin(), "the built-in scenario".to_string()),
            };
            if real {
                return lan_real(&topology, &name, pcap.as_deref(), json);
            }
            if let Some(path) = &pcap {
                write_frames(path, &show::lan::frames(&topology))?;
            }
            show::lan::simulation(&topology, &name, json)
        }
        Command::LanRecord { interface, pcap } => {
            return lan::real::record(&interface, &pcap)
                .map(|()| String::new())
                .map_err(|e| Failure::other(e.to_string()));
        }
        // Printed as it goes: nothing left to print at the end.
        Command::Capture {
            port,
            count,
            pcap,
            json,
        } => return capture(port, count, pcap.as_deref(), json).map(|()| String::new()),
    };
    shown.map_err(Failure::from)
}

/// What `same-subnet A B [--mask M]` asks: two addresses and one prefix. A may
/// carry the prefix (A/24 B); B may too, if it agrees; or --mask gives it.
fn same_subnet_question(
    a: &str,
    b: &str,
    mask: Option<&str>,
) -> Result<(IpAddr, IpAddr, u8), Failure> {
    let net_a = parse_network(a, None).map_err(usage)?;
    let net_b = parse_network(b, None).map_err(usage)?;
    let given_a = a.contains('/').then_some(net_a.prefix_len());
    let given_b = b.contains('/').then_some(net_b.prefix_len());
    let given_mask = match mask {
        Some(mask) => Some(parse_mask(mask, net_a.addr()).map_err(usage)?),
        None => None,
    };
    let mut prefixes = [given_a, given_b, given_mask].into_iter().flatten();
    let Some(prefix) = prefixes.next() else {
        return Err(Failure::usage(format!(
            "no mask for '{a}' and '{b}' (give --mask 255.255.255.0, or write A as ADDRESS/PREFIX)"
        )));
    };
    if let Some(other) = prefixes.find(|p| *p != prefix) {
        return Err(usage(SubnetError::Conflict {
            first: prefix,
            second: other,
        }));
    }
    Ok((net_a.addr(), net_b.addr(), prefix))
}

/// A value the lessons refused, as a command-line error (exit code 2).
fn usage(error: impl Display) -> Failure {
    Failure::usage(error.to_string())
}

/// A number option, e.g. `--ttl 64`, or a one-line usage error naming it.
fn number<T: std::str::FromStr>(option: &str, text: &str, expected: &str) -> Result<T, Failure> {
    text.trim().parse().map_err(|_| {
        Failure::usage(format!(
            "{option} '{text}' is not valid (expected {expected})"
        ))
    })
}

/// An IPv4 option, e.g. `--src-ip 172.16.10.1`.
fn ipv4(option: &str, text: &str) -> Result<Ipv4Addr, Failure> {
    match parse_addr(text).map_err(usage)? {
        IpAddr::V4(v4) => Ok(v4),
        IpAddr::V6(_) => Err(Failure::usage(format!(
            "{option} '{text}' is IPv6 (expected an IPv4 address such as 172.16.10.1)"
        ))),
    }
}

/// A MAC address option, e.g. `--src-mac 02:00:00:00:00:01`.
fn mac(text: &str) -> Result<MacAddr, Failure> {
    parse_mac(text).map_err(usage)
}

/// `--isn-client N`, or a random one (as real stacks choose) when not given.
fn isn(option: &str, text: Option<&str>) -> Result<u32, Failure> {
    match text {
        Some(text) => number(option, text, "a sequence number from 0 to 4294967295"),
        None => handshake::random_isn().map_err(|e| {
            Failure::other(format!("cannot choose a random {option}: {e}"))
                .explained("give --isn-client and --isn-server, e.g. 1000 and 5000")
        }),
    }
}

/// `--close normal|simultaneous|half`.
fn close_mode(text: &str) -> Result<CloseMode, Failure> {
    match text.trim() {
        "normal" => Ok(CloseMode::Normal),
        "simultaneous" => Ok(CloseMode::Simultaneous),
        "half" | "half-close" => Ok(CloseMode::HalfClose),
        other => Err(Failure::usage(format!(
            "--close '{other}' is not valid (expected normal, simultaneous or half)"
        ))),
    }
}

/// `net-basics capture`: opens the raw socket, says so on stderr, then prints
/// each segment as it is seen (a line, or a JSON object with `--json`).
fn capture(
    port: Option<u16>,
    count: Option<u64>,
    pcap: Option<&Path>,
    json: bool,
) -> Result<(), Failure> {
    let mut loopback = Loopback::open().map_err(Failure::from)?;
    let mut file = match pcap {
        Some(path) => Some(
            PcapFile::create(path)
                .map_err(|e| Failure::io(format!("cannot create {}", path.display()), e))?,
        ),
        None => None,
    };
    let shown_path = pcap.map(|path| path.display().to_string());
    eprintln!(
        "{}",
        show::tcp::capture_started(loopback.name(), port, shown_path.as_deref())
    );
    let mut observer = Observer::new(port);
    let mut previous = None;
    let mut stdout = io::stdout();
    let watched = capture::watch(&mut loopback, &mut observer, file.as_mut(), count, |row| {
        let text = show::tcp::capture_row(row, previous, json).map_err(io::Error::other)?;
        previous = Some(row.connection);
        // Each segment at once: the student watches them arrive.
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    });
    match watched {
        // `capture | head -5`: the reader has seen enough.
        Err(CaptureError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(Failure::from),
    }
}

/// A scenario file, read with a cap and checked.
fn read_scenario(path: &Path) -> Result<Topology, Failure> {
    let text = read_capped_text(path, lan::MAX_SCENARIO_BYTES)
        .map_err(|e| Failure::usage(format!("--scenario: {e}")))?;
    Topology::parse(&text)
        .map_err(|e| Failure::usage(format!("--scenario {}: {e}", path.display())))
}

/// The simulation's frames as a capture file, one millisecond apart (the
/// simulation has no clock: Wireshark shows the order).
fn write_frames(path: &Path, frames: &[Vec<u8>]) -> Result<(), Failure> {
    let cannot = |e| Failure::io(format!("cannot write {}", path.display()), e);
    let mut file = PcapFile::create(path).map_err(cannot)?;
    for (n, frame) in frames.iter().enumerate() {
        file.write(Duration::from_millis(n as u64 + 1), frame)
            .map_err(cannot)?;
    }
    Ok(())
}

/// `lan --real`: tcp-demo is chapter 4's binary, built next to this one.
fn lan_real(
    topology: &Topology,
    name: &str,
    pcap: Option<&Path>,
    json: bool,
) -> Result<String, Failure> {
    let exe = std::env::current_exe()
        .map_err(|e| Failure::io("cannot find this program's own path", e))?;
    let tcp_demo = exe.with_file_name(format!("tcp-demo{}", std::env::consts::EXE_SUFFIX));
    let options = lan::real::Options {
        tcp_demo: &tcp_demo,
        recorder: &exe,
        pcap,
    };
    let talks = lan::real::run(topology, &options).map_err(Failure::from)?;
    show::lan::real(topology, name, &talks, json).map_err(Failure::from)
}

/// `lan --cleanup`.
fn lan_cleanup() -> Result<String, Failure> {
    let removed = lan::real::cleanup().map_err(Failure::from)?;
    Ok(if removed.is_empty() {
        format!(
            "nothing to remove: no namespace named {}*\n",
            lan::real::PREFIX
        )
    } else {
        format!("removed {}\n", removed.join(", "))
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    failure::exit_with(
        run(cli.command, color::stdout_supports_color()).and_then(|text| {
            // A closed pipe (`net-basics layers | head -3`) is not an error worth a line.
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(Failure::io("writing to stdout", e))
                }
                _ => Ok(()),
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn run_args(args: &[&str]) -> Result<String, Failure> {
        let cli = Cli::try_parse_from(std::iter::once("net-basics").chain(args.iter().copied()))
            .expect("arguments parse");
        run(cli.command, false)
    }

    #[test]
    fn every_bad_value_is_a_usage_error_that_names_it() {
        let cases: &[(&[&str], &str)] = &[
            (&["ip", "300.1.1.1"], "300.1.1.1"),
            (&["ip", "1.2.3"], "1.2.3"),
            (&["subnet", "300.1.1.1/24"], "300.1.1.1"),
            (&["subnet", "1.2.3.4/33"], "/33"),
            (&["subnet", "1.2.3.4", "255.0.255.0"], "255.0.255.0"),
            (&["subnet", "1.2.3.4", "255.255.255.256"], "255.255.255.256"),
            (&["subnet", "1.2.3.4", "/40"], "/40"),
            (&["subnet", "1.2.3"], "1.2.3"),
            (&["same-subnet", "1.2.3.4", "5.6.7.8"], "--mask"),
            (&["same-subnet", "1.2.3.4", "::1", "--mask", "/8"], "::1"),
            (
                &["same-subnet", "1.2.3.4", "1.2.3.x", "--mask", "/8"],
                "1.2.3.x",
            ),
            (&["split", "10.0.0.0/24", "--prefix", "16"], "/16"),
            (&["split", "10.0.0.0/24", "--prefix", "40"], "40"),
            (&["split", "10.0.0.0/24", "--count", "0"], "'0'"),
            (&["split", "10.0.0.0/24", "--count", "many"], "many"),
            (&["aggregate", "10.0.0.0/24", "10.0.1.0/33"], "/33"),
            (&["mac", "aa:bb:cc:dd:ee"], "aa:bb:cc:dd:ee"),
            (&["mac", "zz:bb:cc:dd:ee:ff"], "zz:bb:cc:dd:ee:ff"),
            (&["arp", "--packet", "1.2.3"], "1.2.3"),
            (&["arp", "--packet", "1.2.3.4", "--sender-mac", "xx"], "xx"),
            (&["arp", "--packet", "::1"], "::1"),
            (&["ports", "70000"], "70000"),
            (&["handshake", "--isn-client", "x"], "x"),
            (&["handshake", "--close", "sometimes"], "sometimes"),
            (&["encap", "--payload", "hi", "--src-ip", "1.2.3"], "1.2.3"),
            (
                &["encap", "--payload", "hi", "--dst-port", "65536"],
                "65536",
            ),
            (&["encap", "--payload", "hi", "--ttl", "256"], "256"),
            (&["encap", "--payload", "hi", "--src-mac", "aa:bb"], "aa:bb"),
        ];
        for (args, needle) in cases {
            let failure = run_args(args).expect_err(&format!("{args:?} should fail"));
            assert_eq!(failure.exit_code(), 2, "{args:?}");
            assert!(
                failure.message().contains(needle),
                "{args:?}: {}",
                failure.message()
            );
            assert!(!failure.message().contains('\n'), "{args:?}: one line");
        }
        let too_long = "x".repeat(1473);
        let failure = run_args(&["encap", "--payload", &too_long]).unwrap_err();
        assert!(failure.message().contains("1473"), "{}", failure.message());
    }
}
