//! The amplification rule for UDP servers (RFC 9000 §8.1, QUIC's rule).
//!
//! A UDP request carries its sender's address, and nothing checks it: an attacker
//! can send a small request "from" a victim's address, and the server's reply goes
//! to the victim. If the reply is much bigger than the request, the attacker's
//! bandwidth is multiplied (DNS and NTP amplification attacks did this at hundreds
//! of gigabits per second). QUIC's rule: before the peer's address is confirmed, a
//! server sends at most three times what it received. Counted on the wire, with
//! the 28 bytes of IPv4 and UDP headers each datagram carries, so that even an
//! empty request may get a short reply.

/// The bytes of IPv4 (20) and UDP (8) headers around every datagram.
pub const IPV4_UDP_HEADERS: usize = 28;

/// A reply may be at most this many times the request, both counted with headers.
pub const MAX_AMPLIFICATION: usize = 3;

/// The longest reply payload allowed for a request payload of `request_len`.
///
/// ```
/// use netlab_common::amplification::max_reply_len;
/// assert_eq!(max_reply_len(0), 56);    // (0 + 28) × 3 − 28
/// assert_eq!(max_reply_len(42), 182);  // `%c` × 21 may get 182 bytes, not 504
/// assert_eq!(max_reply_len(48), 200);  // an NTP request may get its 48-byte reply
/// ```
pub const fn max_reply_len(request_len: usize) -> usize {
    (request_len + IPV4_UDP_HEADERS) * MAX_AMPLIFICATION - IPV4_UDP_HEADERS
}

/// Whether a reply of `reply_len` bytes to a request of `request_len` keeps the rule.
pub const fn allows(request_len: usize, reply_len: usize) -> bool {
    reply_len <= max_reply_len(request_len)
}
