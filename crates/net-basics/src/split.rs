//! Subnetting (划分子网) and supernetting (路由聚合): cutting a network into
//! smaller ones with a longer prefix, and joining adjacent networks into one with a
//! shorter prefix. ipnet does the arithmetic.
//!
//! ```text
//! $ net-basics split 172.16.10.0/24 --count 4
//! $ net-basics aggregate 172.16.10.0/25 172.16.10.128/25
//! ```

use std::fmt;

use ipnet::IpNet;
use serde::Serialize;

/// At most this many subnets are listed: splitting a /8 into /30s gives four
/// million, which nobody reads. The count is always given in full.
pub const MAX_LISTED_SUBNETS: usize = 256;

/// What can be wrong with a split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The new prefix is shorter than the network's: that would be a supernet.
    Shorter { network: IpNet, new_prefix: u8 },
    /// The new prefix is longer than the family allows.
    TooLong { new_prefix: u8, max: u8 },
    /// `--count 0`, or more subnets than the host bits can make.
    Count { count: u64, network: IpNet },
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::Shorter {
                network,
                new_prefix,
            } => write!(
                f,
                "new prefix /{new_prefix} is shorter than the network's /{} (splitting needs \
                 a longer prefix; to join networks use `aggregate`)",
                network.prefix_len()
            ),
            SplitError::TooLong { new_prefix, max } => write!(
                f,
                "'/{new_prefix}' is not a prefix length (expected a number up to {max})"
            ),
            SplitError::Count { count, network } => write!(
                f,
                "'{count}' subnets cannot be made from {network} (expected a count from 1 to \
                 2^{} = the number of host bits)",
                network.max_prefix_len() - network.prefix_len()
            ),
        }
    }
}

impl std::error::Error for SplitError {}

/// The result of a split. Field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Split {
    /// The network that was split (host bits cleared).
    pub network: String,
    pub new_prefix: u8,
    /// How many subnets there are in all (a string for very large IPv6 counts).
    pub count: String,
    /// The subnets, at most [`MAX_LISTED_SUBNETS`] of them.
    pub subnets: Vec<String>,
    /// Whether `subnets` stops before the end.
    pub truncated: bool,
}

/// The shortest new prefix that makes at least `count` subnets of `network`.
///
/// ```
/// use net_basics::split::prefix_for_count;
/// let net = "172.16.10.0/24".parse().unwrap();
/// assert_eq!(prefix_for_count(net, 4), Ok(26));
/// assert_eq!(prefix_for_count(net, 5), Ok(27)); // 8 subnets: 5 is not a power of two
/// assert!(prefix_for_count(net, 0).is_err());
/// ```
pub fn prefix_for_count(network: IpNet, count: u64) -> Result<u8, SplitError> {
    // Each extra prefix bit doubles the number of subnets: we need ceil(log2(count))
    // more bits.
    let extra_bits = match count {
        0 => None,
        1 => Some(0),
        n => Some(64 - (n - 1).leading_zeros()),
    };
    let host_bits = u32::from(network.max_prefix_len() - network.prefix_len());
    match extra_bits {
        Some(bits) if bits <= host_bits => Ok(network.prefix_len() + bits as u8),
        _ => Err(SplitError::Count { count, network }),
    }
}

// ANCHOR: split
/// Splits `network` into subnets with prefix `new_prefix`.
///
/// ```
/// use net_basics::split::split;
/// let s = split("172.16.10.0/24".parse().unwrap(), 26).unwrap();
/// assert_eq!(s.subnets, ["172.16.10.0/26", "172.16.10.64/26", "172.16.10.128/26", "172.16.10.192/26"]);
/// assert!(split("172.16.10.0/24".parse().unwrap(), 16).is_err());
/// ```
pub fn split(network: IpNet, new_prefix: u8) -> Result<Split, SplitError> {
    let network = network.trunc(); // 172.16.10.1/24 → 172.16.10.0/24
    if new_prefix < network.prefix_len() {
        return Err(SplitError::Shorter {
            network,
            new_prefix,
        });
    }
    let subnets = network
        .subnets(new_prefix)
        .map_err(|_| SplitError::TooLong {
            new_prefix,
            max: network.max_prefix_len(),
        })?;
    // 2^(new - old) subnets; up to 2^128 for IPv6, hence the string.
    let bits = u32::from(new_prefix - network.prefix_len());
    let count = match bits {
        128 => "340282366920938463463374607431768211456".to_string(),
        bits => (1u128 << bits).to_string(),
    };
    let mut listed: Vec<String> = subnets
        .take(MAX_LISTED_SUBNETS + 1)
        .map(|net| net.to_string())
        .collect();
    let truncated = listed.len() > MAX_LISTED_SUBNETS;
    listed.truncate(MAX_LISTED_SUBNETS);
    Ok(Split {
        network: network.to_string(),
        new_prefix,
        count,
        subnets: listed,
        truncated,
    })
}
// ANCHOR_END: split

/// The result of an aggregation. Field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aggregate {
    pub input: Vec<String>,
    pub aggregated: Vec<String>,
}

/// Joins `networks` into the fewest prefixes that cover exactly the same addresses.
///
/// ```
/// use net_basics::split::aggregate;
/// let nets = ["10.0.0.0/24".parse().unwrap(), "10.0.1.0/24".parse().unwrap()];
/// assert_eq!(aggregate(&nets).aggregated, ["10.0.0.0/23"]);
/// ```
pub fn aggregate(networks: &[IpNet]) -> Aggregate {
    Aggregate {
        input: networks.iter().map(|n| n.to_string()).collect(),
        aggregated: IpNet::aggregate(&networks.to_vec())
            .iter()
            .map(|n| n.to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    #[test]
    fn split_keeps_the_network_part_of_an_address() {
        let s = split(net("172.16.10.1/24"), 25).unwrap();
        assert_eq!(s.network, "172.16.10.0/24");
        assert_eq!(s.subnets, ["172.16.10.0/25", "172.16.10.128/25"]);
    }

    #[test]
    fn same_prefix_is_the_network_itself() {
        assert_eq!(split(net("10.0.0.0/8"), 8).unwrap().subnets, ["10.0.0.0/8"]);
    }

    #[test]
    fn a_shorter_prefix_is_refused() {
        assert_eq!(
            split(net("172.16.10.0/24"), 16),
            Err(SplitError::Shorter {
                network: net("172.16.10.0/24"),
                new_prefix: 16
            })
        );
    }

    #[test]
    fn a_prefix_past_the_end_is_refused() {
        assert!(split(net("10.0.0.0/8"), 33).is_err());
    }

    #[test]
    fn huge_splits_are_listed_in_part() {
        let s = split(net("10.0.0.0/8"), 30).unwrap();
        assert_eq!(s.count, "4194304");
        assert_eq!(s.subnets.len(), MAX_LISTED_SUBNETS);
        assert!(s.truncated);
        let v6 = split(net("::/0"), 128).unwrap();
        assert_eq!(v6.count, "340282366920938463463374607431768211456");
    }

    #[test]
    fn count_rounds_up_to_a_power_of_two() {
        let n = net("172.16.10.0/24");
        assert_eq!(prefix_for_count(n, 1), Ok(24));
        assert_eq!(prefix_for_count(n, 2), Ok(25));
        assert_eq!(prefix_for_count(n, 3), Ok(26));
        assert_eq!(prefix_for_count(n, 256), Ok(32));
        assert!(prefix_for_count(n, 257).is_err());
        assert!(prefix_for_count(n, u64::MAX).is_err());
    }

    #[test]
    fn aggregate_joins_siblings_and_keeps_strangers() {
        let nets = [
            net("172.16.10.0/25"),
            net("172.16.10.128/25"),
            net("192.168.0.0/24"),
        ];
        assert_eq!(
            aggregate(&nets).aggregated,
            ["172.16.10.0/24", "192.168.0.0/24"]
        );
    }
}
