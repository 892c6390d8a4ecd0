//! Buggy submission: the mask is `u32::MAX << (32 - prefix)`, which overflows for prefix 0.
//!
//! Shifting a 32-bit number by 32 is an overflow in Rust: a panic in a debug build
//! (and in C, undefined behaviour). /0 needs its own case.
//!
//! Caught by: the_extreme_prefixes

use std::net::Ipv4Addr;

/// The mask with `prefix` leading ones: `24` → `255.255.255.0`; `None` above 32.
pub fn prefix_to_mask(prefix: u8) -> Option<Ipv4Addr> {
    if prefix > 32 {
        return None;
    }
    // A shift by 32 would overflow: checked_shl returns None there, and a /0 mask
    // has no ones at all.
    let bits = u32::MAX << (32 - u32::from(prefix));
    Some(Ipv4Addr::from(bits))
}

/// The network address: `address AND mask`.
pub fn network(address: Ipv4Addr, mask: Ipv4Addr) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(address) & u32::from(mask))
}

/// Whether `a` and `b` are in the same subnet for `mask`.
pub fn same_subnet(a: Ipv4Addr, b: Ipv4Addr, mask: Ipv4Addr) -> bool {
    network(a, mask) == network(b, mask)
}
