//! The AND of address and mask, bit by bit, and the "same subnet?" verdict.
//!
//! 三.网络基础: 将两个IP地址与子网掩码分别进行AND运算 — AND each address with the
//! mask and compare. This is the tutorial's worked example, done right: every IPv4
//! octet has exactly eight bits.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use super::{SubnetError, max_prefix};
use crate::ip::{binary_groups_v6, binary_octets};

/// The bits of an address, grouped as students read them.
pub fn bits_of(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => binary_octets(v4),
        IpAddr::V6(v6) => binary_groups_v6(v6),
    }
}

/// One line of the `--explain` table: a label, a value and its bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRow {
    pub label: &'static str,
    pub value: String,
    pub bits: String,
}

// ANCHOR: explain
/// The AND of address and mask, bit by bit: the tutorial's worked example, done
/// right (each IPv4 octet has exactly eight bits).
///
/// ```
/// use net_basics::subnet::explain_and;
/// let rows = explain_and("172.16.10.1/24".parse().unwrap());
/// assert_eq!(rows[2].bits, "10101100.00010000.00001010.00000000");
/// assert_eq!(rows[2].value, "172.16.10.0");
/// ```
pub fn explain_and(net: IpNet) -> [ExplainRow; 3] {
    // An IpNet's prefix always fits its family, so its mask always exists.
    let (addr, mask, network): (IpAddr, IpAddr, IpAddr) = match net {
        IpNet::V4(n) => {
            let (a, m) = (n.addr(), n.netmask());
            (a.into(), m.into(), (a & m).into())
        }
        IpNet::V6(n) => {
            let (a, m) = (n.addr(), n.netmask());
            (a.into(), m.into(), (a & m).into())
        }
    };
    [
        ExplainRow {
            label: "address",
            value: addr.to_string(),
            bits: bits_of(addr),
        },
        ExplainRow {
            label: "mask",
            value: mask.to_string(),
            bits: bits_of(mask),
        },
        ExplainRow {
            label: "AND",
            value: network.to_string(),
            bits: bits_of(network),
        },
    ]
}
// ANCHOR_END: explain

/// Splits a grouped bit string into the network part (the first `prefix` bits,
/// separators included) and the host part, for highlighting.
///
/// ```
/// use net_basics::subnet::split_bits;
/// assert_eq!(split_bits("10101100.00010000", 12), ("10101100.0001", "0000"));
/// ```
pub fn split_bits(bits: &str, prefix: u8) -> (&str, &str) {
    let mut seen = 0u32;
    for (index, c) in bits.char_indices() {
        if seen == u32::from(prefix) {
            return bits.split_at(index);
        }
        if c == '0' || c == '1' {
            seen += 1;
        }
    }
    (bits, "")
}

/// A marker line under the bits: `n` for network bits, `h` for host bits.
pub fn marker_line(bits: &str, prefix: u8) -> String {
    let mut seen = 0u32;
    bits.chars()
        .map(|c| {
            if c == '0' || c == '1' {
                seen += 1;
                if seen <= u32::from(prefix) { 'n' } else { 'h' }
            } else {
                c
            }
        })
        .collect()
}

/// The answer of `same-subnet`. Field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SameSubnet {
    pub a: String,
    pub b: String,
    pub prefix: u8,
    pub mask: String,
    pub network_a: String,
    pub network_b: String,
    pub same: bool,
    /// Each address with the mask, for drawing the AND ([`explain_and`]).
    #[serde(skip)]
    pub net_a: IpNet,
    #[serde(skip)]
    pub net_b: IpNet,
}

// ANCHOR: same_subnet
/// Whether `a` and `b` are in the same subnet for a mask of `prefix` bits:
/// `(a AND mask) == (b AND mask)`.
///
/// ```
/// use net_basics::subnet::same_subnet;
/// let answer = same_subnet("172.16.10.1".parse().unwrap(),
///                          "172.16.10.2".parse().unwrap(), 24).unwrap();
/// assert!(answer.same);
/// assert_eq!(answer.network_a, "172.16.10.0");
/// ```
pub fn same_subnet(a: IpAddr, b: IpAddr, prefix: u8) -> Result<SameSubnet, SubnetError> {
    if a.is_ipv4() != b.is_ipv4() {
        return Err(SubnetError::Family {
            first: a.to_string(),
            second: b.to_string(),
        });
    }
    let max = max_prefix(a);
    let net_a = IpNet::new(a, prefix).map_err(|_| SubnetError::Prefix {
        input: prefix.to_string(),
        max,
    })?;
    let net_b = IpNet::new(b, prefix).map_err(|_| SubnetError::Prefix {
        input: prefix.to_string(),
        max,
    })?;
    // ipnet's network() is exactly the AND of the address and the mask.
    let (network_a, network_b) = (net_a.network(), net_b.network());
    Ok(SameSubnet {
        a: a.to_string(),
        b: b.to_string(),
        prefix,
        mask: net_a.netmask().to_string(),
        network_a: network_a.to_string(),
        network_b: network_b.to_string(),
        same: network_a == network_b,
        net_a,
        net_b,
    })
}
// ANCHOR_END: same_subnet

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    #[test]
    fn the_tutorials_same_subnet_example() {
        let answer = same_subnet(
            "172.16.10.1".parse().unwrap(),
            "172.16.10.2".parse().unwrap(),
            24,
        )
        .unwrap();
        assert!(answer.same);
        assert_eq!(answer.network_a, "172.16.10.0");
        assert_eq!(answer.network_b, "172.16.10.0");
        assert_eq!(answer.mask, "255.255.255.0");
    }

    #[test]
    fn different_subnets_for_a_longer_mask() {
        let answer = same_subnet(
            "172.16.10.1".parse().unwrap(),
            "172.16.10.200".parse().unwrap(),
            25,
        )
        .unwrap();
        assert!(!answer.same);
        assert_eq!(answer.network_b, "172.16.10.128");
    }

    #[test]
    fn explain_shows_eight_bits_per_octet() {
        let rows = explain_and("172.16.10.1/24".parse().unwrap());
        assert_eq!(rows[0].bits, "10101100.00010000.00001010.00000001");
        assert_eq!(rows[1].bits, "11111111.11111111.11111111.00000000");
        assert_eq!(rows[2].bits, "10101100.00010000.00001010.00000000");
        for row in &rows {
            assert!(row.bits.split('.').all(|octet| octet.len() == 8));
        }
        assert_eq!(
            marker_line(&rows[0].bits, 24),
            "nnnnnnnn.nnnnnnnn.nnnnnnnn.hhhhhhhh"
        );
    }

    proptest! {
        #[test]
        fn same_subnet_matches_the_and(a in any::<u32>(), b in any::<u32>(), prefix in 0u8..=32) {
            let mask: u32 = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            let answer = same_subnet(Ipv4Addr::from(a).into(), Ipv4Addr::from(b).into(), prefix).unwrap();
            prop_assert_eq!(answer.same, a & mask == b & mask);
        }

    }
}
