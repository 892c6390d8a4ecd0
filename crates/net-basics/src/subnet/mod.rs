//! Subnets: the mask, the AND, and the facts a subnet calculator prints.
//!
//! 三.网络基础: a subnet mask (子网掩码) has 1 for every network bit and 0 for every
//! host bit; 172.16.10.1/24 means "the first 24 bits are the network", mask
//! 255.255.255.0. The network address (网络地址) is `address AND mask`, and two
//! addresses are in the same subnet when that AND gives the same network for both:
//! 172.16.10.1 and 172.16.10.2 with 255.255.255.0 both give 172.16.10.0.
//!
//! The arithmetic is ipnet's; this module adds what a student needs around it:
//! masks given either way, the refusal of masks that are not contiguous, the
//! host-count rules for /31 and /32, and the AND shown bit by bit.
//!
//! ```text
//! $ net-basics subnet 172.16.10.1/24 --explain
//! $ net-basics same-subnet 172.16.10.1 172.16.10.2 --mask 255.255.255.0
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Serialize;

use crate::ip::{AddrParseError, Count, binary_octets, parse_addr};

mod and;
pub use and::{ExplainRow, SameSubnet, bits_of, explain_and, marker_line, same_subnet, split_bits};

/// Everything that can be wrong with an address, a mask or a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubnetError {
    /// The address part is not an address.
    Address(AddrParseError),
    /// `/33` for IPv4, `/129` for IPv6, or not a number.
    Prefix { input: String, max: u8 },
    /// `ADDRESS/PREFIX` whose prefix is not a number up to the maximum.
    CidrPrefix {
        input: String,
        prefix: String,
        max: u8,
    },
    /// Not a dotted-decimal (or IPv6) mask.
    Mask { input: String },
    /// A mask whose 1 bits are not all at the front, e.g. 255.0.255.0.
    NonContiguous { input: String, bits: String },
    /// An IPv4 address with an IPv6 mask, or the other way round.
    Family { first: String, second: String },
    /// Text with more than one `/`.
    Cidr { input: String },
    /// Two prefixes given for one question (`a/24 b/16`, or `/len` and `--mask`).
    Conflict { first: u8, second: u8 },
}

impl fmt::Display for SubnetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubnetError::Address(error) => error.fmt(f),
            SubnetError::Prefix { input, max } => write!(
                f,
                "'{input}' is not a prefix length (expected a number from 0 to {max}, e.g. /24)"
            ),
            SubnetError::CidrPrefix { input, prefix, max } => write!(
                f,
                "'{input}' has an invalid prefix length '{prefix}' (expected a number from 0 \
                 to {max}, e.g. /24)"
            ),
            SubnetError::Mask { input } => write!(
                f,
                "'{input}' is not a subnet mask (expected dotted decimal such as \
                 255.255.255.0, or a prefix length such as /24)"
            ),
            SubnetError::NonContiguous { input, bits } => write!(
                f,
                "'{input}' is not a valid subnet mask: its 1 bits are not contiguous \
                 ({bits}); a mask is a run of 1s (network bits) followed only by 0s \
                 (host bits)"
            ),
            SubnetError::Family { first, second } => write!(
                f,
                "'{first}' and '{second}' are of different IP versions (IPv4 and IPv6 \
                 cannot share a subnet)"
            ),
            SubnetError::Cidr { input } => write!(
                f,
                "'{input}' is not a network (expected ADDRESS/PREFIX such as 172.16.10.1/24)"
            ),
            SubnetError::Conflict { first, second } => write!(
                f,
                "two different prefixes given, /{first} and /{second} (give the mask once)"
            ),
        }
    }
}

impl std::error::Error for SubnetError {}

impl From<AddrParseError> for SubnetError {
    fn from(error: AddrParseError) -> SubnetError {
        SubnetError::Address(error)
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

// ANCHOR: mask_to_prefix
/// The prefix length of a dotted-decimal mask, refusing masks that are not a run of
/// 1s followed by 0s.
///
/// ```
/// use net_basics::subnet::mask_to_prefix_v4;
/// assert_eq!(mask_to_prefix_v4("255.255.255.0".parse().unwrap()), Some(24));
/// assert_eq!(mask_to_prefix_v4("255.0.255.0".parse().unwrap()), None);
/// ```
pub fn mask_to_prefix_v4(mask: Ipv4Addr) -> Option<u8> {
    let bits = u32::from(mask);
    // Contiguous means: the 1s at the front and the 0s at the back add up to all 32.
    // (255.0.255.0 has 8 leading ones and 8 trailing zeros: 16, so it is refused.)
    let ones = bits.leading_ones();
    (ones + bits.trailing_zeros() == 32).then_some(ones as u8)
}
// ANCHOR_END: mask_to_prefix

/// [`mask_to_prefix_v4`] for IPv6 masks.
pub fn mask_to_prefix_v6(mask: Ipv6Addr) -> Option<u8> {
    let bits = u128::from(mask);
    let ones = bits.leading_ones();
    (ones + bits.trailing_zeros() == 128).then_some(ones as u8)
}

/// Parses a prefix length (`24`, `/24`) or a mask (`255.255.255.0`) for `addr`.
///
/// ```
/// use net_basics::subnet::parse_mask;
/// let addr = "172.16.10.1".parse().unwrap();
/// assert_eq!(parse_mask("255.255.255.0", addr), Ok(24));
/// assert_eq!(parse_mask("/24", addr), Ok(24));
/// assert!(parse_mask("255.0.255.0", addr).is_err());
/// assert!(parse_mask("/33", addr).is_err());
/// ```
pub fn parse_mask(text: &str, addr: IpAddr) -> Result<u8, SubnetError> {
    let trimmed = text.trim();
    let max = max_prefix(addr);
    if let Some(digits) = trimmed.strip_prefix('/') {
        return parse_prefix(digits, max).map_err(|_| SubnetError::Prefix {
            input: text.to_string(),
            max,
        });
    }
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return parse_prefix(trimmed, max);
    }
    let mask: IpAddr = trimmed.parse().map_err(|_| SubnetError::Mask {
        input: text.to_string(),
    })?;
    match (addr, mask) {
        (IpAddr::V4(_), IpAddr::V4(mask)) => {
            mask_to_prefix_v4(mask).ok_or_else(|| SubnetError::NonContiguous {
                input: text.to_string(),
                bits: binary_octets(mask),
            })
        }
        (IpAddr::V6(_), IpAddr::V6(mask)) => {
            mask_to_prefix_v6(mask).ok_or_else(|| SubnetError::NonContiguous {
                input: text.to_string(),
                bits: mask.to_string(),
            })
        }
        _ => Err(SubnetError::Family {
            first: addr.to_string(),
            second: text.to_string(),
        }),
    }
}

/// A prefix length from 0 to `max`.
pub fn parse_prefix(text: &str, max: u8) -> Result<u8, SubnetError> {
    let error = || SubnetError::Prefix {
        input: text.to_string(),
        max,
    };
    // At most three digits: "0024" is odd but harmless; "99999999999" must not
    // overflow into a panic.
    let digits = text.trim().trim_start_matches('/');
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error());
    }
    match digits.parse::<u8>() {
        Ok(prefix) if prefix <= max => Ok(prefix),
        _ => Err(error()),
    }
}

/// Parses `ADDRESS/PREFIX`, or `ADDRESS` with the mask given separately. The host
/// bits of the address are kept (172.16.10.1/24 stays 172.16.10.1/24) so the
/// output can show both the address and its network.
///
/// ```
/// use net_basics::subnet::parse_network;
/// assert_eq!(parse_network("172.16.10.1/24", None).unwrap().to_string(), "172.16.10.1/24");
/// assert_eq!(parse_network("172.16.10.1", Some("255.255.255.0")).unwrap().to_string(), "172.16.10.1/24");
/// assert!(parse_network("300.1.1.1/24", None).is_err());
/// assert!(parse_network("1.2.3.4/33", None).is_err());
/// ```
pub fn parse_network(text: &str, mask: Option<&str>) -> Result<IpNet, SubnetError> {
    let (addr_text, own_prefix) = match text.trim().split_once('/') {
        Some((addr, prefix)) => {
            if prefix.contains('/') {
                return Err(SubnetError::Cidr {
                    input: text.to_string(),
                });
            }
            (addr, Some(prefix))
        }
        None => (text.trim(), None),
    };
    let addr = parse_addr(addr_text)?;
    let own =
        match own_prefix {
            Some(prefix) => Some(parse_prefix(prefix, max_prefix(addr)).map_err(|_| {
                SubnetError::CidrPrefix {
                    input: text.to_string(),
                    prefix: format!("/{prefix}"),
                    max: max_prefix(addr),
                }
            })?),
            None => None,
        };
    let given = match mask {
        Some(mask) => Some(parse_mask(mask, addr)?),
        None => None,
    };
    let prefix = match (own, given) {
        (Some(a), Some(b)) if a != b => {
            return Err(SubnetError::Conflict {
                first: a,
                second: b,
            });
        }
        (Some(p), _) | (None, Some(p)) => p,
        // A bare address is a single host: /32 (or /128).
        (None, None) => max_prefix(addr),
    };
    // Cannot fail: the prefix was checked against the family's maximum above.
    IpNet::new(addr, prefix).map_err(|_| SubnetError::Cidr {
        input: text.to_string(),
    })
}

/// What `net-basics subnet` prints. Field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubnetFacts {
    pub address: String,
    pub prefix: u8,
    pub netmask: String,
    /// The inverted mask (host bits 1), as Cisco ACLs write it.
    pub wildcard: String,
    pub network: String,
    /// Null for /31, /32 and every IPv6 prefix.
    pub broadcast: Option<String>,
    pub first_host: String,
    pub last_host: String,
    /// Usable host addresses.
    pub hosts: Count,
}

// ANCHOR: facts_v4
/// The facts of an IPv4 subnet, with the rules every subnet calculator uses.
pub fn facts_v4(net: Ipv4Net) -> SubnetFacts {
    let network = net.network();
    let broadcast = net.broadcast();
    let (broadcast, first, last, hosts) = match net.prefix_len() {
        // /32: one host, the address itself; no network or broadcast address.
        32 => (None, net.addr(), net.addr(), 1),
        // /31: a point-to-point link (RFC 3021): both addresses are hosts, there
        // is no broadcast because there is nobody else to reach.
        31 => (None, network, broadcast, 2),
        // Otherwise the first address names the network and the last one is the
        // broadcast address; everything in between is for hosts.
        prefix => (
            Some(broadcast),
            Ipv4Addr::from(u32::from(network) + 1),
            Ipv4Addr::from(u32::from(broadcast) - 1),
            (1u64 << (32 - prefix)) - 2,
        ),
    };
    SubnetFacts {
        address: net.addr().to_string(),
        prefix: net.prefix_len(),
        netmask: net.netmask().to_string(),
        wildcard: net.hostmask().to_string(),
        network: network.to_string(),
        broadcast: broadcast.map(|b| b.to_string()),
        first_host: first.to_string(),
        last_host: last.to_string(),
        hosts: Count::Number(hosts),
    }
}
// ANCHOR_END: facts_v4

/// The facts of an IPv6 prefix. IPv6 has no broadcast (multicast to ff02::1 does
/// that job), so every address of the prefix is counted.
pub fn facts_v6(net: Ipv6Net) -> SubnetFacts {
    let host_bits = 128 - u32::from(net.prefix_len());
    let hosts = match host_bits {
        128 => "340282366920938463463374607431768211456".to_string(), // 2^128
        bits => (1u128 << bits).to_string(),
    };
    SubnetFacts {
        address: net.addr().to_string(),
        prefix: net.prefix_len(),
        netmask: net.netmask().to_string(),
        wildcard: net.hostmask().to_string(),
        network: net.network().to_string(),
        broadcast: None,
        first_host: net.network().to_string(),
        last_host: net.broadcast().to_string(),
        hosts: Count::Text(hosts),
    }
}

/// The facts of any network.
///
/// ```
/// use net_basics::subnet::{facts, parse_network};
/// let facts = facts(parse_network("172.16.10.1/24", None).unwrap());
/// assert_eq!(facts.network, "172.16.10.0");
/// assert_eq!(facts.broadcast.as_deref(), Some("172.16.10.255"));
/// assert_eq!(facts.hosts.to_string(), "254");
/// ```
pub fn facts(net: IpNet) -> SubnetFacts {
    match net {
        IpNet::V4(v4) => facts_v4(v4),
        IpNet::V6(v6) => facts_v6(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn net(text: &str) -> IpNet {
        parse_network(text, None).unwrap()
    }

    #[test]
    fn the_tutorials_slash_24() {
        let f = facts(net("172.16.10.1/24"));
        assert_eq!(f.address, "172.16.10.1");
        assert_eq!(f.netmask, "255.255.255.0");
        assert_eq!(f.wildcard, "0.0.0.255");
        assert_eq!(f.network, "172.16.10.0");
        assert_eq!(f.broadcast.as_deref(), Some("172.16.10.255"));
        assert_eq!(f.first_host, "172.16.10.1");
        assert_eq!(f.last_host, "172.16.10.254");
        assert_eq!(f.hosts, Count::Number(254));
    }

    #[test]
    fn slash_31_is_a_point_to_point_link() {
        let f = facts(net("10.0.0.1/31"));
        assert_eq!(f.broadcast, None);
        assert_eq!(f.first_host, "10.0.0.0");
        assert_eq!(f.last_host, "10.0.0.1");
        assert_eq!(f.hosts, Count::Number(2));
    }

    #[test]
    fn slash_32_is_a_single_host() {
        let f = facts(net("10.0.0.7/32"));
        assert_eq!(f.broadcast, None);
        assert_eq!(f.first_host, "10.0.0.7");
        assert_eq!(f.last_host, "10.0.0.7");
        assert_eq!(f.hosts, Count::Number(1));
    }

    #[test]
    fn slash_0_is_the_whole_internet() {
        let f = facts(net("0.0.0.0/0"));
        assert_eq!(f.hosts, Count::Number(4_294_967_294));
        assert_eq!(f.first_host, "0.0.0.1");
        assert_eq!(f.last_host, "255.255.255.254");
        assert_eq!(f.broadcast.as_deref(), Some("255.255.255.255"));
    }

    #[test]
    fn slash_30_has_two_hosts_and_a_broadcast() {
        let f = facts(net("192.168.1.5/30"));
        assert_eq!(f.network, "192.168.1.4");
        assert_eq!(f.broadcast.as_deref(), Some("192.168.1.7"));
        assert_eq!(f.hosts, Count::Number(2));
    }

    #[test]
    fn mask_given_separately_either_way() {
        assert_eq!(
            net("172.16.10.1/24"),
            parse_network("172.16.10.1", Some("255.255.255.0")).unwrap()
        );
        assert_eq!(
            net("172.16.10.1/24"),
            parse_network("172.16.10.1", Some("/24")).unwrap()
        );
        assert_eq!(
            net("172.16.10.1/24"),
            parse_network("172.16.10.1", Some("24")).unwrap()
        );
    }

    #[test]
    fn non_contiguous_mask_is_refused_with_its_bits() {
        let error = parse_network("1.2.3.4", Some("255.0.255.0")).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("'255.0.255.0'"), "{text}");
        assert!(
            text.contains("11111111.00000000.11111111.00000000"),
            "{text}"
        );
        assert!(text.contains("not contiguous"), "{text}");
    }

    #[test]
    fn malformed_networks_name_the_bad_value() {
        for (input, needle) in [
            ("300.1.1.1/24", "'300.1.1.1'"),
            ("1.2.3.4/33", "'/33'"),
            ("1.2.3/24", "'1.2.3'"),
            ("1.2.3.4/x", "'/x'"),
            ("1.2.3.4/24/8", "'1.2.3.4/24/8'"),
            ("::1/129", "'/129'"),
            ("1.2.3.4/99999999999", "'/99999999999'"),
        ] {
            let error = parse_network(input, None).unwrap_err().to_string();
            assert!(error.contains(needle), "{input}: {error}");
        }
    }

    #[test]
    fn conflicting_prefixes_are_refused() {
        assert_eq!(
            parse_network("1.2.3.4/24", Some("/16")),
            Err(SubnetError::Conflict {
                first: 24,
                second: 16
            })
        );
    }

    #[test]
    fn ipv6_prefix_has_no_broadcast() {
        let f = facts(net("2001:db8::1/64"));
        assert_eq!(f.network, "2001:db8::");
        assert_eq!(f.broadcast, None);
        assert_eq!(f.last_host, "2001:db8::ffff:ffff:ffff:ffff");
        assert_eq!(f.hosts, Count::Text("18446744073709551616".into()));
        assert_eq!(
            facts(net("::/0")).hosts.to_string(),
            "340282366920938463463374607431768211456"
        );
    }

    /// The same facts computed from scratch with u32 arithmetic, to check ipnet
    /// and our /31 /32 rules against.
    fn independent(addr: u32, prefix: u8) -> (u32, u32, u32, u32, u64) {
        let mask: u32 = if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix)
        };
        let network = addr & mask;
        let broadcast = network | !mask;
        match prefix {
            32 => (mask, network, addr, addr, 1),
            31 => (mask, network, network, broadcast, 2),
            _ => (
                mask,
                network,
                network + 1,
                broadcast - 1,
                (u64::from(!mask) + 1) - 2,
            ),
        }
    }

    proptest! {
        #[test]
        fn facts_match_an_independent_u32_computation(addr in any::<u32>(), prefix in 0u8..=32) {
            let net = Ipv4Net::new(Ipv4Addr::from(addr), prefix).unwrap();
            let f = facts_v4(net);
            let (mask, network, first, last, hosts) = independent(addr, prefix);
            prop_assert_eq!(f.netmask, Ipv4Addr::from(mask).to_string());
            prop_assert_eq!(f.wildcard, Ipv4Addr::from(!mask).to_string());
            prop_assert_eq!(f.network, Ipv4Addr::from(network).to_string());
            prop_assert_eq!(f.first_host, Ipv4Addr::from(first).to_string());
            prop_assert_eq!(f.last_host, Ipv4Addr::from(last).to_string());
            prop_assert_eq!(f.hosts, Count::Number(hosts));
            prop_assert_eq!(f.broadcast.is_none(), prefix >= 31);
        }

        #[test]
        fn every_contiguous_mask_round_trips(prefix in 0u8..=32) {
            let mask: u32 = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            prop_assert_eq!(mask_to_prefix_v4(Ipv4Addr::from(mask)), Some(prefix));
        }
    }
}
