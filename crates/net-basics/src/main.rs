//! `net-basics`: the command line of chapter 3's calculator. It reads the text
//! the student typed into the values the lessons take, calls the library's
//! [`show`](net_basics::show) functions (the lessons' results as text or JSON),
//! prints what they return, and turns errors into one line and the conventional
//! exit code (2 for a bad value, 1 otherwise). See the library's documentation
//! (`cargo doc -p net-basics`) for the lessons.

use std::fmt::Display;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ipnet::IpNet;
use net_basics::encap::{MAX_PAYLOAD, UdpFrame};
use net_basics::handshake::{self, CloseMode};
use net_basics::ip::parse_addr;
use net_basics::mac::parse_mac;
use net_basics::show::{self, ShowError};
use net_basics::subnet::{SubnetError, parse_mask, parse_network, parse_prefix};
use net_basics::{arp, ports, split};
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
    };
    shown.map_err(show_failure)
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

/// Why a command printed nothing, the conventional way.
fn show_failure(error: ShowError) -> Failure {
    match error {
        // The values typed do not go together: a usage error, like a bad value.
        ShowError::Subnet(_) | ShowError::Split(_) | ShowError::Handshake(_) => usage(error),
        ShowError::NoArpTable => Failure::other(error.to_string()).explained(
            "on macOS and Windows run `arp -a`; `net-basics arp --packet IP` works everywhere",
        ),
        ShowError::Json(_) => Failure::other(error.to_string()),
    }
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
