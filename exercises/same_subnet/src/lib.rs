//! Exercise: same subnet? The AND of address and mask. Read README.md first.

use std::net::Ipv4Addr;

/// The mask with `prefix` leading ones: `24` → `255.255.255.0`; `None` above 32.
pub fn prefix_to_mask(prefix: u8) -> Option<Ipv4Addr> {
    // TODO: `prefix` ones followed by zeros (mind prefix 0).
    let _ = prefix;
    None
}

/// The network address: `address AND mask`.
pub fn network(address: Ipv4Addr, mask: Ipv4Addr) -> Ipv4Addr {
    // TODO: AND the 32 bits of both.
    let _ = mask;
    address
}

/// Whether `a` and `b` are in the same subnet for `mask`.
pub fn same_subnet(a: Ipv4Addr, b: Ipv4Addr, mask: Ipv4Addr) -> bool {
    // TODO: compare the two networks.
    let _ = mask;
    a == b
}
