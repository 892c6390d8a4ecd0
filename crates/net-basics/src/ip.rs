//! IP addresses: dotted decimal, the 32 bits behind it, scope and legacy class.
//!
//! 三.网络基础: an IPv4 address is 32 bits, written as four decimal numbers
//! (0–255) separated by dots, "dotted decimal" (点分十进制). The tutorial's example
//! is 100.4.5.6 = `01100100.00000100.00000101.00000110`. IPv6 addresses are 128
//! bits written as eight groups of four hex digits, with one run of zero groups
//! compressed to `::`.
//!
//! ```text
//! $ net-basics ip 100.4.5.6
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// Text that is not an IP address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrParseError {
    input: String,
}

impl AddrParseError {
    pub fn new(input: &str) -> AddrParseError {
        AddrParseError {
            input: input.to_string(),
        }
    }
}

impl fmt::Display for AddrParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not an IP address (expected IPv4 dotted decimal such as 100.4.5.6, \
             four numbers 0-255, or IPv6 such as 2001:db8::1)",
            self.input
        )
    }
}

impl std::error::Error for AddrParseError {}

/// Parses an IPv4 or IPv6 address, the way the command line gives it.
///
/// ```
/// use net_basics::ip::parse_addr;
/// assert_eq!(parse_addr("100.4.5.6").unwrap().to_string(), "100.4.5.6");
/// assert!(parse_addr("300.1.1.1").is_err());
/// assert!(parse_addr("1.2.3").is_err());
/// ```
pub fn parse_addr(text: &str) -> Result<IpAddr, AddrParseError> {
    // std's parser is strict on purpose: exactly four decimal octets, each 0-255,
    // no leading zeros (010 would be octal to some older C libraries: ambiguous).
    text.trim().parse().map_err(|_| AddrParseError::new(text))
}

// ANCHOR: binary
/// The 32 bits of an IPv4 address, eight per octet, octets separated by dots.
///
/// ```
/// use net_basics::ip::binary_octets;
/// assert_eq!(binary_octets("100.4.5.6".parse().unwrap()),
///            "01100100.00000100.00000101.00000110");
/// ```
pub fn binary_octets(addr: Ipv4Addr) -> String {
    addr.octets()
        .iter()
        .map(|octet| format!("{octet:08b}")) // always 8 digits: leading zeros count
        .collect::<Vec<_>>()
        .join(".")
}
// ANCHOR_END: binary

/// The 128 bits of an IPv6 address, sixteen per group, groups separated by colons.
pub fn binary_groups_v6(addr: Ipv6Addr) -> String {
    addr.segments()
        .iter()
        .map(|group| format!("{group:016b}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The fully written-out form of an IPv6 address: eight groups of four hex digits.
///
/// ```
/// use net_basics::ip::expanded_v6;
/// assert_eq!(expanded_v6("2001:db8::1".parse().unwrap()),
///            "2001:0db8:0000:0000:0000:0000:0000:0001");
/// ```
pub fn expanded_v6(addr: Ipv6Addr) -> String {
    addr.segments()
        .iter()
        .map(|group| format!("{group:04x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Where an address may be used. The JSON key `scope` holds [`Scope::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// 0.0.0.0/8 and `::`: "this host", used before an address is known and by
    /// servers that bind every interface.
    Unspecified,
    /// 127.0.0.0/8 and `::1`: never leaves the machine.
    Loopback,
    /// RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6 unique local fc00::/7:
    /// reusable inside any organisation, not routed on the Internet.
    Private,
    /// 100.64.0.0/10 (RFC 6598), shared by ISPs for carrier-grade NAT.
    Shared,
    /// 169.254.0.0/16 and fe80::/10: valid only on one link, self-assigned.
    LinkLocal,
    /// 224.0.0.0/4 and ff00::/8: one sender, many receivers.
    Multicast,
    /// 255.255.255.255: every host on this LAN.
    Broadcast,
    /// 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32: for books
    /// and examples only.
    Documentation,
    /// 240.0.0.0/4 (old class E): reserved for future use.
    Reserved,
    /// ::ffff:0:0/96, an IPv4 address written as IPv6.
    Ipv4Mapped,
    /// Everything else: routable on the Internet.
    Public,
}

impl Scope {
    /// The lower-case name used in output and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Unspecified => "unspecified",
            Scope::Loopback => "loopback",
            Scope::Private => "private",
            Scope::Shared => "shared",
            Scope::LinkLocal => "link-local",
            Scope::Multicast => "multicast",
            Scope::Broadcast => "broadcast",
            Scope::Documentation => "documentation",
            Scope::Reserved => "reserved",
            Scope::Ipv4Mapped => "ipv4-mapped",
            Scope::Public => "public",
        }
    }

    /// One sentence for a student.
    pub fn explanation(self) -> &'static str {
        match self {
            Scope::Unspecified => "\"this host\": a server bound here listens on every interface",
            Scope::Loopback => "never leaves this machine (127.0.0.1, ::1)",
            Scope::Private => "private network, reusable in any LAN, not routed on the Internet",
            Scope::Shared => "shared address space for carrier-grade NAT (RFC 6598)",
            Scope::LinkLocal => "valid on one link only, self-assigned when DHCP fails",
            Scope::Multicast => "a group address: one sender, many receivers",
            Scope::Broadcast => "limited broadcast: every host on this LAN",
            Scope::Documentation => "reserved for documentation and examples",
            Scope::Reserved => "reserved (old class E), not used on networks",
            Scope::Ipv4Mapped => "an IPv4 address written as IPv6",
            Scope::Public => "routable on the Internet",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ANCHOR: scope_v4
/// The scope of an IPv4 address, checked from the most specific block down.
pub fn scope_v4(addr: Ipv4Addr) -> Scope {
    let [a, b, ..] = addr.octets();
    if addr.is_broadcast() {
        Scope::Broadcast
    } else if a == 0 {
        Scope::Unspecified
    } else if addr.is_loopback() {
        Scope::Loopback
    } else if addr.is_private() {
        Scope::Private
    } else if a == 100 && (b & 0b1100_0000) == 64 {
        // 100.64.0.0/10: the top two bits of the second octet are 01.
        Scope::Shared
    } else if addr.is_link_local() {
        Scope::LinkLocal
    } else if addr.is_multicast() {
        Scope::Multicast
    } else if addr.is_documentation() {
        Scope::Documentation
    } else if a >= 240 {
        Scope::Reserved
    } else {
        Scope::Public
    }
}
// ANCHOR_END: scope_v4

/// The scope of an IPv6 address.
pub fn scope_v6(addr: Ipv6Addr) -> Scope {
    let first = addr.segments()[0];
    if addr.is_unspecified() {
        Scope::Unspecified
    } else if addr.is_loopback() {
        Scope::Loopback
    } else if addr.is_multicast() {
        Scope::Multicast
    } else if first & 0xffc0 == 0xfe80 {
        Scope::LinkLocal
    } else if first & 0xfe00 == 0xfc00 {
        Scope::Private
    } else if first == 0x2001 && addr.segments()[1] == 0x0db8 {
        Scope::Documentation
    } else if addr.to_ipv4_mapped().is_some() {
        Scope::Ipv4Mapped
    } else {
        Scope::Public
    }
}

/// The scope of any address.
pub fn scope(addr: IpAddr) -> Scope {
    match addr {
        IpAddr::V4(v4) => scope_v4(v4),
        IpAddr::V6(v6) => scope_v6(v6),
    }
}

/// The legacy class (A–E) of an IPv4 address, from its leading bits. Classes were
/// replaced by CIDR in 1993, but the tutorial and many textbooks still use them.
///
/// ```
/// use net_basics::ip::class_v4;
/// assert_eq!(class_v4("100.4.5.6".parse().unwrap()), 'A');
/// assert_eq!(class_v4("172.16.10.1".parse().unwrap()), 'B');
/// ```
pub fn class_v4(addr: Ipv4Addr) -> char {
    match addr.octets()[0] {
        0..=127 => 'A',   // leading bit 0:     /8 by default
        128..=191 => 'B', // leading bits 10:   /16
        192..=223 => 'C', // leading bits 110:  /24
        224..=239 => 'D', // leading bits 1110: multicast
        240..=255 => 'E', // leading bits 1111: reserved
    }
}

/// A number that may not fit in a JSON number: IPv4 addresses and host
/// counts are numbers, IPv6 ones (up to 2^128) are decimal strings. (The subnet
/// calculator counts hosts with it too.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Count {
    Number(u64),
    Text(String),
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Count::Number(n) => write!(f, "{n}"),
            Count::Text(text) => f.write_str(text),
        }
    }
}

/// Everything `net-basics ip` prints. Field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpInfo {
    /// The address in its usual form (dotted decimal, or compressed IPv6).
    pub address: String,
    /// 4 or 6.
    pub version: u8,
    /// The bits, grouped by octet (IPv4) or by 16-bit group (IPv6).
    pub binary: String,
    /// The address as one unsigned number: a JSON number for IPv4, a decimal
    /// string for IPv6 (128-bit numbers lose digits in most JSON readers, which
    /// hold numbers as 64-bit floats).
    pub integer: Count,
    /// The address as hex digits with a `0x` prefix.
    pub hex: String,
    pub scope: String,
    /// A–E for IPv4, null for IPv6 (which never had classes).
    pub class: Option<String>,
    /// IPv6 only: all eight groups written out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expanded: Option<String>,
    /// IPv6 only: the shortest form, with `::`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compressed: Option<String>,
}

/// Describes an address.
///
/// ```
/// use net_basics::ip::describe;
/// let info = describe("100.4.5.6".parse().unwrap());
/// assert_eq!(info.integer.to_string(), "1677985030");
/// assert_eq!(info.hex, "0x64040506");
/// ```
pub fn describe(addr: IpAddr) -> IpInfo {
    match addr {
        IpAddr::V4(v4) => IpInfo {
            address: v4.to_string(),
            version: 4,
            binary: binary_octets(v4),
            integer: Count::Number(u64::from(u32::from(v4))),
            hex: format!("0x{:08x}", u32::from(v4)),
            scope: scope_v4(v4).name().to_string(),
            class: Some(class_v4(v4).to_string()),
            expanded: None,
            compressed: None,
        },
        IpAddr::V6(v6) => IpInfo {
            address: v6.to_string(),
            version: 6,
            binary: binary_groups_v6(v6),
            integer: Count::Text(u128::from(v6).to_string()),
            hex: format!("0x{:032x}", u128::from(v6)),
            scope: scope_v6(v6).name().to_string(),
            class: None,
            expanded: Some(expanded_v6(v6)),
            compressed: Some(v6.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    #[test]
    fn the_tutorials_example_in_binary() {
        assert_eq!(
            binary_octets(v4("100.4.5.6")),
            "01100100.00000100.00000101.00000110"
        );
    }

    #[test]
    fn extremes_of_the_address_space() {
        assert_eq!(
            binary_octets(v4("0.0.0.0")),
            "00000000.00000000.00000000.00000000"
        );
        assert_eq!(
            binary_octets(v4("255.255.255.255")),
            "11111111.11111111.11111111.11111111"
        );
    }

    #[test]
    fn scopes_of_well_known_blocks() {
        let cases = [
            ("127.0.0.1", Scope::Loopback),
            ("10.1.2.3", Scope::Private),
            ("172.16.10.1", Scope::Private),
            ("172.32.0.1", Scope::Public),
            ("192.168.1.1", Scope::Private),
            ("100.64.0.1", Scope::Shared),
            ("100.4.5.6", Scope::Public),
            ("169.254.1.1", Scope::LinkLocal),
            ("224.0.0.1", Scope::Multicast),
            ("255.255.255.255", Scope::Broadcast),
            ("192.0.2.7", Scope::Documentation),
            ("203.0.113.9", Scope::Documentation),
            ("0.0.0.0", Scope::Unspecified),
            ("240.0.0.1", Scope::Reserved),
            ("8.8.8.8", Scope::Public),
        ];
        for (text, expected) in cases {
            assert_eq!(scope_v4(v4(text)), expected, "{text}");
        }
    }

    #[test]
    fn ipv6_scopes() {
        let cases = [
            ("::1", Scope::Loopback),
            ("::", Scope::Unspecified),
            ("fe80::1", Scope::LinkLocal),
            ("fd00::1", Scope::Private),
            ("ff02::1", Scope::Multicast),
            ("2001:db8::1", Scope::Documentation),
            ("::ffff:1.2.3.4", Scope::Ipv4Mapped),
            ("2606:4700::1111", Scope::Public),
        ];
        for (text, expected) in cases {
            assert_eq!(scope_v6(text.parse().unwrap()), expected, "{text}");
        }
    }

    #[test]
    fn classes_follow_the_leading_bits() {
        assert_eq!(class_v4(v4("127.255.255.255")), 'A');
        assert_eq!(class_v4(v4("128.0.0.0")), 'B');
        assert_eq!(class_v4(v4("223.1.1.1")), 'C');
        assert_eq!(class_v4(v4("224.0.0.1")), 'D');
        assert_eq!(class_v4(v4("240.0.0.1")), 'E');
    }

    #[test]
    fn ipv6_forms() {
        let info = describe("2001:0db8:0000:0000:0000:0000:0000:0001".parse().unwrap());
        assert_eq!(info.compressed.as_deref(), Some("2001:db8::1"));
        assert_eq!(
            info.expanded.as_deref(),
            Some("2001:0db8:0000:0000:0000:0000:0000:0001")
        );
        assert_eq!(info.class, None);
        assert_eq!(info.version, 6);
        assert_eq!(
            info.integer,
            Count::Text("42540766411282592856903984951653826561".into())
        );
    }

    #[test]
    fn malformed_addresses_are_refused_with_the_value() {
        for bad in ["300.1.1.1", "1.2.3", "1.2.3.4.5", "a.b.c.d", "", "1.2.3.-1"] {
            let error = parse_addr(bad).unwrap_err();
            assert!(error.to_string().contains(&format!("'{bad}'")), "{error}");
        }
    }
}
