//! The command line of `net-basics`: clap's derive API, one subcommand per concept
//! of 三.网络基础. Each command returns its whole output as text, so `main` stays
//! a few lines and the tests can call the commands directly.

mod addr;
mod link;
mod tables;
mod tcp;
mod wire;

use clap::{Parser, Subcommand};
use netlab_common::Failure;
use serde::Serialize;

/// net-basics: the calculator and explainer for chapter 3, 三.网络基础 (network
/// basics): IP addresses, subnets, MAC addresses, ARP, ports, layer models, the
/// TCP handshake and encapsulation. Every data command takes --json.
#[derive(Debug, Parser)]
#[command(name = "net-basics", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
pub fn run(command: Command, color: bool) -> Result<String, Failure> {
    match command {
        Command::Ip { address, json } => addr::ip(&address, json),
        Command::Subnet {
            network,
            mask,
            explain,
            json,
        } => addr::subnet(&network, mask.as_deref(), explain, json, color),
        Command::SameSubnet { a, b, mask, json } => {
            addr::same_subnet(&a, &b, mask.as_deref(), json, color)
        }
        Command::Split {
            network,
            prefix,
            count,
            json,
        } => addr::split(&network, prefix.as_deref(), count.as_deref(), json),
        Command::Aggregate { networks, json } => addr::aggregate(&networks, json),
        Command::Mac { address, json } => link::mac(&address, json),
        Command::Arp {
            packet,
            sender_ip,
            sender_mac,
            json,
        } => match packet {
            Some(target) => wire::arp_packet(&target, &sender_ip, &sender_mac, json),
            None => link::arp_table(json),
        },
        Command::Ports { query, json } => tables::ports(query.as_deref(), json),
        Command::Layers { json } => tables::layers(json),
        Command::Handshake {
            isn_client,
            isn_server,
            close,
            data,
            json,
        } => tcp::handshake(
            isn_client.as_deref(),
            isn_server.as_deref(),
            &close,
            &data,
            json,
        ),
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
        } => wire::encap(
            &wire::EncapArgs {
                payload,
                src_mac,
                dst_mac,
                src_ip,
                dst_ip,
                src_port,
                dst_port,
                ttl,
            },
            hex,
            json,
        ),
    }
}

/// One JSON document, pretty-printed, with a final newline.
fn to_json<T: Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|e| Failure::other(format!("cannot write JSON: {e}")))
}

/// A library error as a command-line error (exit code 2).
fn usage(error: impl std::fmt::Display) -> Failure {
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
