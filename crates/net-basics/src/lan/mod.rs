//! A LAN to watch (局域网): hosts on switches, a router to another network, and
//! what happens when one host talks to another, simulated frame by frame or
//! built for real in network namespaces.
//!
//! 三.网络基础 explains Ethernet broadcast, the switch, the LAN, the router and
//! the WAN. Here they happen: host A talks to host B on its own LAN (the ARP
//! request broadcast and flooded, the switches learning MAC addresses, the ARP
//! reply unicast, the frame forwarded only towards B), then to host D on another
//! network (the AND with the mask says "not mine", the frame goes to the
//! gateway's MAC, the router decrements the TTL and writes new MAC addresses).
//!
//! ```text
//! $ net-basics lan                       the simulation (every system)
//! $ net-basics lan --scenario my.toml    another topology (see default.toml)
//! $ sudo target/debug/net-basics lan --real     the same LAN in namespaces (Linux)
//! ```
//!
//! | file | what |
//! |---|---|
//! | `default.toml` | the built-in scenario, and the format of a scenario file |
//! | `mod.rs` | the scenario read and checked: [`Topology`] |
//! | [`sim`] | the simulation: hosts, switches and router exchanging real frames |
//! | [`real`] | `--real`: namespaces, veth cables, Linux bridges, a forwarding router |

pub mod real;
pub mod sim;

use std::collections::BTreeSet;
use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use pnet_base::MacAddr;
use serde::Deserialize;

use crate::mac::parse_mac;

/// The built-in scenario: the tutorial's LAN, two switches and a router.
pub const DEFAULT_SCENARIO: &str = include_str!("default.toml");

/// The largest scenario file read (an instructor's LAN is a few kilobytes).
pub const MAX_SCENARIO_BYTES: u64 = 64 * 1024;
/// The most hosts, routers and switches in one scenario: enough for a
/// classroom's LAN, few enough to read, and for `--real` to build quickly.
pub const MAX_DEVICES: usize = 32;
/// The most talks in one scenario.
pub const MAX_TALKS: usize = 16;
/// The longest name of a device: it goes into namespace names with `--real`.
pub const MAX_NAME_LEN: usize = 12;
/// The port every talk connects to: the tutorial's TCP server (chapter 4).
pub const TCP_PORT: u16 = 8898;

/// A scenario file as written (see `default.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    #[serde(default)]
    switch: Vec<SwitchEntry>,
    #[serde(default)]
    cable: Vec<CableEntry>,
    #[serde(default)]
    host: Vec<HostEntry>,
    #[serde(default)]
    router: Vec<RouterEntry>,
    #[serde(default)]
    talk: Vec<TalkEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SwitchEntry {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CableEntry {
    between: [String; 2],
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostEntry {
    name: String,
    address: String,
    mac: String,
    switch: String,
    gateway: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouterEntry {
    name: String,
    interfaces: Vec<InterfaceEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InterfaceEntry {
    address: String,
    mac: String,
    switch: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TalkEntry {
    from: String,
    to: String,
}

/// What a network card is plugged into: a switch and its port (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortRef {
    pub switch: usize,
    pub port: usize,
}

/// A host's or a router's network card: its address on its network and its MAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// Address and prefix: `172.16.10.1/24`.
    pub address: Ipv4Net,
    pub mac: MacAddr,
    pub plugged: PortRef,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub card: Card,
    pub gateway: Option<Ipv4Addr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Router {
    pub name: String,
    pub interfaces: Vec<Card>,
}

/// What is at the other end of a switch port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Host(usize),
    /// A router and the number of its interface.
    Router(usize, usize),
    /// Another switch's port (a cable between switches).
    Switch(PortRef),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    pub name: String,
    /// Port `n` is `ports[n - 1]`.
    pub ports: Vec<Peer>,
}

/// A talk: `from` opens a TCP connection to `to`'s port [`TCP_PORT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Talk {
    pub from: usize,
    pub to: usize,
}

/// A scenario, read and checked: every name found, every address valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    pub hosts: Vec<Host>,
    pub routers: Vec<Router>,
    pub switches: Vec<Switch>,
    pub talks: Vec<Talk>,
}

/// Why a scenario is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioError {
    /// Not TOML, or not the scenario's keys (the parser's own message).
    Toml(String),
    /// A value that cannot be used, and why.
    Invalid(String),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Toml(message) => write!(f, "not a scenario: {message}"),
            ScenarioError::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ScenarioError {}

fn invalid(message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid(message.into())
}

impl Topology {
    /// The built-in scenario.
    pub fn builtin() -> Topology {
        match Topology::parse(DEFAULT_SCENARIO) {
            Ok(topology) => topology,
            // default.toml is checked by a test: this cannot happen.
            Err(e) => unreachable!("the built-in scenario is valid: {e}"),
        }
    }

    /// Reads and checks a scenario file's text.
    pub fn parse(text: &str) -> Result<Topology, ScenarioError> {
        let file: ScenarioFile = toml::from_str(text).map_err(|e| {
            // toml's message spans several lines (it quotes the file): one line.
            let message = e.to_string();
            ScenarioError::Toml(message.split_whitespace().collect::<Vec<_>>().join(" "))
        })?;
        let devices = file.switch.len() + file.host.len() + file.router.len();
        if devices > MAX_DEVICES {
            return Err(invalid(format!(
                "{devices} devices (at most {MAX_DEVICES} hosts, routers and switches)"
            )));
        }
        if file.talk.len() > MAX_TALKS {
            return Err(invalid(format!(
                "{} talks (at most {MAX_TALKS})",
                file.talk.len()
            )));
        }
        let mut names = BTreeSet::new();
        let all_names = file
            .switch
            .iter()
            .map(|s| &s.name)
            .chain(file.host.iter().map(|h| &h.name))
            .chain(file.router.iter().map(|r| &r.name));
        for name in all_names {
            check_name(name)?;
            if !names.insert(name.clone()) {
                return Err(invalid(format!("two devices are named '{name}'")));
            }
        }
        let mut switches: Vec<Switch> = file
            .switch
            .iter()
            .map(|s| Switch {
                name: s.name.clone(),
                ports: Vec::new(),
            })
            .collect();
        let switch_index = |name: &str, what: &str| {
            file.switch
                .iter()
                .position(|s| s.name == name)
                .ok_or_else(|| invalid(format!("{what}: no switch is named '{name}'")))
        };
        let plug = |switches: &mut Vec<Switch>, switch: usize, peer: Peer| {
            let ports = &mut switches[switch].ports;
            ports.push(peer);
            PortRef {
                switch,
                port: ports.len(),
            }
        };
        let mut macs = BTreeSet::new();
        let mut card = |what: &str,
                        address: &str,
                        mac: &str|
         -> Result<(Ipv4Net, MacAddr), ScenarioError> {
            let net: Ipv4Net = address.trim().parse().map_err(|_| {
                invalid(format!(
                    "{what}: address '{address}' is not ADDRESS/PREFIX (e.g. 172.16.10.1/24)"
                ))
            })?;
            if net.prefix_len() < 31
                && (net.addr() == net.network() || net.addr() == net.broadcast())
            {
                return Err(invalid(format!(
                    "{what}: {address} is the network's own address or its broadcast, not a host's"
                )));
            }
            let mac = parse_mac(mac).map_err(|e| invalid(format!("{what}: {e}")))?;
            if mac.octets()[0] & 1 == 1 {
                return Err(invalid(format!(
                    "{what}: {mac} is a group (multicast) address, not a card's"
                )));
            }
            if !macs.insert(mac.octets()) {
                return Err(invalid(format!("{what}: MAC {mac} is used twice")));
            }
            Ok((net, mac))
        };

        let mut hosts = Vec::new();
        for (h, entry) in file.host.iter().enumerate() {
            let what = format!("host {}", entry.name);
            let (address, mac) = card(&what, &entry.address, &entry.mac)?;
            let switch = switch_index(&entry.switch, &what)?;
            let gateway = match &entry.gateway {
                Some(text) => {
                    let gateway: Ipv4Addr = text.trim().parse().map_err(|_| {
                        invalid(format!("{what}: gateway '{text}' is not an IPv4 address"))
                    })?;
                    if !address.contains(&gateway) || gateway == address.addr() {
                        return Err(invalid(format!(
                            "{what}: the gateway {gateway} must be another address of its network {}",
                            address.trunc()
                        )));
                    }
                    Some(gateway)
                }
                None => None,
            };
            let plugged = plug(&mut switches, switch, Peer::Host(h));
            hosts.push(Host {
                name: entry.name.clone(),
                card: Card {
                    address,
                    mac,
                    plugged,
                },
                gateway,
            });
        }
        let mut routers = Vec::new();
        for (r, entry) in file.router.iter().enumerate() {
            if entry.interfaces.is_empty() {
                return Err(invalid(format!("router {} has no interfaces", entry.name)));
            }
            let mut interfaces = Vec::new();
            for (i, interface) in entry.interfaces.iter().enumerate() {
                let what = format!("router {} interface {}", entry.name, i + 1);
                let (address, mac) = card(&what, &interface.address, &interface.mac)?;
                let switch = switch_index(&interface.switch, &what)?;
                let plugged = plug(&mut switches, switch, Peer::Router(r, i));
                interfaces.push(Card {
                    address,
                    mac,
                    plugged,
                });
            }
            routers.push(Router {
                name: entry.name.clone(),
                interfaces,
            });
        }
        // Cables between switches, refusing loops: each cable must join two
        // groups of switches that were not joined yet (union-find).
        let mut group: Vec<usize> = (0..switches.len()).collect();
        fn root(group: &mut [usize], mut i: usize) -> usize {
            while group[i] != i {
                group[i] = group[group[i]];
                i = group[i];
            }
            i
        }
        for cable in &file.cable {
            let [a, b] = &cable.between;
            let what = format!("cable between {a} and {b}");
            let (a, b) = (switch_index(a, &what)?, switch_index(b, &what)?);
            let (root_a, root_b) = (root(&mut group, a), root(&mut group, b));
            if root_a == root_b {
                return Err(invalid(format!(
                    "{what} closes a loop: a broadcast would go round for ever (real switches run the spanning tree protocol against that)"
                )));
            }
            group[root_a] = root_b;
            let at_b = PortRef {
                switch: b,
                port: switches[b].ports.len() + 1,
            };
            let at_a = plug(&mut switches, a, Peer::Switch(at_b));
            plug(&mut switches, b, Peer::Switch(at_a));
        }
        let host_index = |name: &str| {
            hosts
                .iter()
                .position(|h: &Host| h.name == name)
                .ok_or_else(|| invalid(format!("talk: no host is named '{name}'")))
        };
        let mut talks = Vec::new();
        for talk in &file.talk {
            let (from, to) = (host_index(&talk.from)?, host_index(&talk.to)?);
            if from == to {
                return Err(invalid(format!("talk: {} talks to itself", talk.from)));
            }
            talks.push(Talk { from, to });
        }
        Ok(Topology {
            hosts,
            routers,
            switches,
            talks,
        })
    }

    /// The name of what is plugged into `port`.
    pub fn peer_name(&self, peer: Peer) -> &str {
        match peer {
            Peer::Host(h) => &self.hosts[h].name,
            Peer::Router(r, _) => &self.routers[r].name,
            Peer::Switch(at) => &self.switches[at.switch].name,
        }
    }

    /// What is plugged into port `port` of switch `switch`.
    pub fn peer_at(&self, at: PortRef) -> Option<Peer> {
        self.switches
            .get(at.switch)?
            .ports
            .get(at.port.checked_sub(1)?)
            .copied()
    }
}

/// A device name: letters, digits, `_` and `-`, at most [`MAX_NAME_LEN`].
fn check_name(name: &str) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "'{name}' is not a device name (1 to {MAX_NAME_LEN} letters, digits, _ or -)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_scenario_is_the_tutorials_lan() {
        let lan = Topology::builtin();
        let names: Vec<&str> = lan.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["A", "C", "B", "D"]);
        assert_eq!(lan.hosts[0].card.address.to_string(), "172.16.10.1/24");
        assert_eq!(lan.hosts[2].card.plugged, PortRef { switch: 1, port: 1 });
        // sw1: A, C, the router, the cable to sw2.
        let sw1: Vec<&str> = lan.switches[0]
            .ports
            .iter()
            .map(|p| lan.peer_name(*p))
            .collect();
        assert_eq!(sw1, ["A", "C", "R", "sw2"]);
        assert_eq!(
            lan.peer_at(PortRef { switch: 0, port: 4 }),
            Some(Peer::Switch(PortRef { switch: 1, port: 2 }))
        );
        assert_eq!(
            lan.talks,
            [Talk { from: 0, to: 2 }, Talk { from: 0, to: 3 }]
        );
    }

    fn refused(text: &str) -> String {
        Topology::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn mistakes_are_named() {
        let host = |extra: &str| {
            format!(
                "[[switch]]\nname = \"s\"\n[[host]]\nname = \"A\"\naddress = \"172.16.10.1/24\"\nmac = \"02:00:00:00:00:01\"\nswitch = \"s\"\n{extra}"
            )
        };
        assert!(refused(&host("gateway = \"10.0.0.1\"")).contains("gateway 10.0.0.1"));
        assert!(refused(&host("colour = 1")).contains("colour"));
        assert!(refused(&host("[[talk]]\nfrom = \"A\"\nto = \"Z\"")).contains("'Z'"));
        assert!(refused(&host("[[talk]]\nfrom = \"A\"\nto = \"A\"")).contains("itself"));
        let bad_address = host("").replace("172.16.10.1/24", "172.16.10.0/24");
        assert!(refused(&bad_address).contains("network's own address"));
        let group_mac = host("").replace("02:00", "03:00");
        assert!(refused(&group_mac).contains("multicast"));
        let unknown_switch = host("").replace("switch = \"s\"", "switch = \"t\"");
        assert!(refused(&unknown_switch).contains("no switch is named 't'"));
        assert!(refused("not toml [").starts_with("not a scenario"));
        assert!(!refused("not toml [").contains('\n'));
    }

    #[test]
    fn a_loop_of_switches_is_refused() {
        let text = "[[switch]]\nname = \"a\"\n[[switch]]\nname = \"b\"\n\
                    [[cable]]\nbetween = [\"a\", \"b\"]\n[[cable]]\nbetween = [\"b\", \"a\"]\n";
        assert!(refused(text).contains("loop"));
    }

    #[test]
    fn names_are_short_and_plain() {
        assert!(refused("[[switch]]\nname = \"a b\"").contains("'a b'"));
        assert!(
            refused("[[switch]]\nname = \"x\"\n[[switch]]\nname = \"x\"").contains("two devices")
        );
    }
}
