//! Every limit the chat server enforces, named and explained in one place.
//!
//! A server that talks to strangers must decide, in advance, what it does when a
//! client is slow, silent, talkative, huge or simply too many. Each decision below
//! is a constant with the reason beside it; [`Policy`] carries them at run time so
//! that `chat server` options (and tests) can change a few of them.

use std::time::Duration;

// ANCHOR: policies
/// Largest frame a client may send: a chat line, not a file. A bigger header is
/// refused before any of its payload is read (chapter 5: never trust a length).
pub const MAX_MESSAGE_LEN: usize = 4 * 1024;

/// Largest frame the server sends (a `/list` of many names, the help text), so
/// clients can cap their reads too.
pub const MAX_SERVER_FRAME_LEN: usize = 16 * 1024;

/// Lines waiting to be written to one client. A client that lets more pile up is
/// too slow for the room and is disconnected: one stuck reader must never make the
/// room wait (or make the server buffer without end).
pub const OUTBOX_CAPACITY: usize = 1024;

/// A client that sends nothing for this long is disconnected. This also cleans up
/// half-open connections (the peer vanished without a FIN), which would otherwise
/// look idle forever.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// How long a new connection has, in all, to finish its handshake (chapter 7,
/// with a secret) and send an acceptable nickname: one deadline, not one per
/// frame, so a newcomer that trickles bytes or keeps sending taken nicknames
/// cannot stay a newcomer for ever (`chat server` makes it shorter when its idle
/// timeout is shorter).
pub const REGISTER_TIMEOUT: Duration = Duration::from_secs(10);

/// Sustained messages per second one client may send (a token bucket refilled at
/// this rate)...
pub const RATE_PER_SEC: u32 = 20;

/// ...and how many it may send in one burst (the bucket's size). A pasted
/// paragraph passes; a script flooding the room does not.
pub const RATE_BURST: u32 = 40;

/// Members served at once; one more is told "server full" and closed. Each
/// connection costs a file descriptor, two tasks and its queue. Newcomers still
/// joining (handshake, nickname) are counted apart, up to as many again, so that
/// a crowd of silent connections can never take a member's place; and one
/// address may hold at most a quarter of the members' slots
/// (`netlab_common::admission`).
pub const MAX_CLIENTS: usize = 15_000;

/// The most `--max-clients` may be: far above what one process can hold open
/// (each client is a file descriptor), and far below what would overflow a count.
pub const MAX_CLIENTS_LIMIT: usize = 1_000_000;

/// Join and leave notices are sent only while the room has at most this many
/// members. With 10,000 members, every join would cost 10,000 deliveries and a
/// wave of joins would be 50 million: large chat services stop announcing
/// arrivals in big rooms for the same reason.
pub const NOTICE_MAX_MEMBERS: usize = 200;

/// `/list` and the welcome show at most this many names, then "and N more".
pub const LIST_MAX_NAMES: usize = 100;

/// At shutdown, how long each client gets to receive what is queued for it.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a single final notice (e.g. "you were too slow") may take to write
/// to a client that is being dropped; it is probably not reading.
pub const FAREWELL_TIMEOUT: Duration = Duration::from_millis(200);
// ANCHOR_END: policies

/// The limits a running server applies; `Policy::default()` uses the constants.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub max_message_len: usize,
    pub outbox_capacity: usize,
    pub idle_timeout: Duration,
    pub register_timeout: Duration,
    pub rate_per_sec: u32,
    pub rate_burst: u32,
    pub max_clients: usize,
    /// Connections still joining (handshake, nickname) at once.
    pub max_pending: usize,
    /// Connections one address may hold, joining and joined together.
    pub max_per_address: usize,
    pub notice_max_members: usize,
}

impl Policy {
    /// The admission limits (`netlab_common::admission`) of this policy.
    pub fn limits(&self) -> netlab_common::admission::Limits {
        netlab_common::admission::Limits {
            served: self.max_clients,
            pending: self.max_pending,
            per_address: self.max_per_address,
        }
    }
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            max_message_len: MAX_MESSAGE_LEN,
            outbox_capacity: OUTBOX_CAPACITY,
            idle_timeout: IDLE_TIMEOUT,
            register_timeout: REGISTER_TIMEOUT,
            rate_per_sec: RATE_PER_SEC,
            rate_burst: RATE_BURST,
            max_clients: MAX_CLIENTS,
            max_pending: netlab_common::admission::Limits::for_slots(MAX_CLIENTS).pending,
            max_per_address: netlab_common::admission::Limits::for_slots(MAX_CLIENTS).per_address,
            notice_max_members: NOTICE_MAX_MEMBERS,
        }
    }
}
