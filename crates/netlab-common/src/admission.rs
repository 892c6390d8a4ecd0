//! Who gets a connection slot: the limits every server keeps against a crowd.
//!
//! A server that serves each client with a thread or a task needs a cap on how
//! many it serves at once (each one costs memory). A single cap is not enough,
//! though: connections that have not yet *done* anything — not yet sent their
//! answer to the challenge (chapter 7), their file header (chapter 5), their
//! request line (chapter 2) or their nickname (chapter 8) — cost as much as served
//! ones, and a peer that opens many and then trickles a byte every few seconds can
//! hold every slot while sending almost nothing. Three limits together stop that:
//!
//! - **served**: connections that finished their handshake and are being served;
//! - **pending**: connections still in their handshake, counted *apart*, so that a
//!   crowd of silent newcomers can never take a served client's place. Each server
//!   also gives a pending connection one deadline for its whole handshake (not one
//!   per read), so a pending slot always comes back soon;
//! - **per address**: how many connections (pending and served together) one
//!   source address may hold, by default a quarter of the served slots, so that
//!   one host cannot take them all.
//!
//! A production server adds the same ideas at other layers: a firewall's
//! per-source connection limit (`iptables -m connlimit`), SYN cookies in the
//! kernel, and a load balancer's rate limits.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use netlab_common::admission::{Admission, Limits, Refused};
//!
//! let admission = Admission::new(Limits { served: 4, pending: 4, per_address: 1 });
//! let alice = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
//! let bob = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
//! let mut first = admission.admit(alice).unwrap();     // a pending slot
//! assert!(matches!(admission.admit(alice), Err(Refused::SameAddress { .. })));
//! first.promote().unwrap();                           // handshake done: served
//! assert!(admission.admit(bob).is_ok());
//! drop(first);                                        // alice left
//! assert!(admission.admit(alice).is_ok());
//! ```

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// The three limits of an [`Admission`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once (their handshake is done).
    pub served: usize,
    /// Connections still in their handshake, at once.
    pub pending: usize,
    /// Connections one source address may hold, pending and served together.
    pub per_address: usize,
}

impl Limits {
    /// The default policy for a server with `served` slots: as many pending slots
    /// again, and a quarter of the served slots (at least 1) for one address.
    ///
    /// ```
    /// use netlab_common::admission::Limits;
    /// assert_eq!(Limits::for_slots(8), Limits { served: 8, pending: 8, per_address: 2 });
    /// assert_eq!(Limits::for_slots(1).per_address, 1);
    /// ```
    pub const fn for_slots(served: usize) -> Limits {
        let quarter = served / 4;
        Limits {
            served,
            pending: served,
            per_address: if quarter == 0 { 1 } else { quarter },
        }
    }
}

/// What a server's accept loop does while every slot is taken: a choice each
/// server makes once, by name.
///
/// Either way a connection over its address's share is refused: waiting would
/// let one host stop the accept loop for everybody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// Keep accepting, and close a connection over a limit at once, saying why
    /// on stderr (or to the client). The client learns at once, and the kernel's
    /// listen queue never fills. The servers of chapters 2, 5 and 7
    /// (`serve::thread_per_client`) and the tokio servers of chapter 8.
    Refuse,
    /// Stop accepting until a slot comes back: new clients wait in the kernel's
    /// listen backlog, and are served late rather than turned away. What
    /// Python's socketserver does, and chapter 8's `ThreadingTcpServer`.
    Wait,
}

/// Why a connection was not admitted (or not promoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Every pending slot is taken: too many connections are in their handshake.
    Busy { pending: usize },
    /// This address already holds its share of the slots.
    SameAddress { address: IpAddr, max: usize },
    /// Every served slot is taken.
    Full { served: usize },
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Busy { pending } => write!(
                f,
                "refused: {pending} connections are already waiting to finish their handshake"
            ),
            Refused::SameAddress { address, max } => write!(
                f,
                "refused: {address} already holds {max} connections, its share"
            ),
            Refused::Full { served } => {
                write!(f, "refused: already serving {served} clients")
            }
        }
    }
}

impl std::error::Error for Refused {}

/// The connection counts of one server, shared by its accept loop and every
/// connection's [`Ticket`]. Cloning shares the same counts.
///
/// Over a limit, a server either **refuses** at once ([`Admission::admit`] returns
/// why) or **waits** for a slot before accepting: [`WhenFull`], passed to
/// [`Admission::before_accept`].
#[derive(Debug, Clone)]
pub struct Admission(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    counts: Mutex<Counts>,
    /// Signalled whenever a slot comes back.
    freed: Condvar,
}

#[derive(Debug)]
struct Counts {
    limits: Limits,
    served: usize,
    pending: usize,
    by_address: HashMap<IpAddr, usize>,
}

impl Admission {
    pub fn new(limits: Limits) -> Admission {
        Admission(Arc::new(Shared {
            counts: Mutex::new(Counts {
                limits,
                served: 0,
                pending: 0,
                by_address: HashMap::new(),
            }),
            freed: Condvar::new(),
        }))
    }

    /// What an accept loop calls before each `accept`: with [`WhenFull::Wait`],
    /// blocks until a connection accepted now is sure of a served slot once it
    /// is promoted (meanwhile new clients wait in the listen backlog); with
    /// [`WhenFull::Refuse`], returns at once, and [`Admission::admit`] refuses
    /// whoever is over a limit.
    pub fn before_accept(&self, when_full: WhenFull) {
        match when_full {
            WhenFull::Refuse => {}
            WhenFull::Wait => self.wait_for_a_slot(),
        }
    }

    /// Blocks until a pending slot is free and the served slots outnumber the
    /// connections already served *and* those still pending: each connection
    /// accepted while waiting is then sure to be served when it is promoted,
    /// however long its first bytes take (a pending one has a served slot kept
    /// for it), and served plus pending never exceeds the served limit. The
    /// per-address share is still checked by `admit`.
    fn wait_for_a_slot(&self) {
        let mut counts = self.counts();
        while counts.pending >= counts.limits.pending
            || counts.served + counts.pending >= counts.limits.served
        {
            counts = self
                .0
                .freed
                .wait(counts)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The limits this admission enforces.
    pub fn limits(&self) -> Limits {
        self.counts().limits
    }

    /// Takes a pending slot for a new connection from `address`; the slot comes
    /// back when the ticket is dropped.
    pub fn admit(&self, address: IpAddr) -> Result<Ticket, Refused> {
        let mut counts = self.counts();
        let limits = counts.limits;
        let held = counts.by_address.get(&address).copied().unwrap_or(0);
        if held >= limits.per_address {
            return Err(Refused::SameAddress {
                address,
                max: limits.per_address,
            });
        }
        if counts.pending >= limits.pending {
            return Err(Refused::Busy {
                pending: limits.pending,
            });
        }
        counts.pending += 1;
        *counts.by_address.entry(address).or_insert(0) += 1;
        Ok(Ticket {
            admission: self.clone(),
            address,
            served: false,
        })
    }

    /// (pending, served) connections right now.
    pub fn in_use(&self) -> (usize, usize) {
        let counts = self.counts();
        (counts.pending, counts.served)
    }

    /// The counts, even if a thread panicked while holding the lock (the counts
    /// are updated in single steps, so they are never half-changed).
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.0.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One admitted connection's slot: pending until [`Ticket::promote`], then served.
/// Dropping it gives the slot (and the address's share) back.
#[derive(Debug)]
pub struct Ticket {
    admission: Admission,
    address: IpAddr,
    served: bool,
}

impl Ticket {
    /// The handshake is done: moves this connection from a pending slot to a
    /// served one, or refuses when every served slot is taken (the ticket then
    /// stays pending; drop it to close the connection).
    pub fn promote(&mut self) -> Result<(), Refused> {
        if self.served {
            return Ok(());
        }
        let mut counts = self.admission.counts();
        if counts.served >= counts.limits.served {
            return Err(Refused::Full {
                served: counts.limits.served,
            });
        }
        counts.pending -= 1;
        counts.served += 1;
        self.served = true;
        Ok(())
    }

    /// Whether the handshake is done.
    pub fn is_served(&self) -> bool {
        self.served
    }

    /// The source address this ticket counts against.
    pub fn address(&self) -> IpAddr {
        self.address
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = self.admission.counts();
        if self.served {
            counts.served -= 1;
        } else {
            counts.pending -= 1;
        }
        if let Some(held) = counts.by_address.get_mut(&self.address) {
            *held -= 1;
            if *held == 0 {
                counts.by_address.remove(&self.address);
            }
        }
        drop(counts);
        self.admission.0.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn host(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
    }

    #[test]
    fn pending_connections_cannot_take_the_served_slots() {
        let admission = Admission::new(Limits {
            served: 1,
            pending: 2,
            per_address: 10,
        });
        let mut served = admission.admit(host(1)).unwrap();
        served.promote().unwrap();
        // Two silent newcomers fill the pending slots, a third is refused...
        let _silent_a = admission.admit(host(2)).unwrap();
        let _silent_b = admission.admit(host(3)).unwrap();
        assert_eq!(
            admission.admit(host(4)).unwrap_err(),
            Refused::Busy { pending: 2 }
        );
        // ...but the served client was never at risk.
        assert_eq!(admission.in_use(), (2, 1));
    }

    #[test]
    fn one_address_gets_only_its_share() {
        let admission = Admission::new(Limits::for_slots(8));
        let first: Vec<Ticket> = (0..2).map(|_| admission.admit(host(2)).unwrap()).collect();
        assert_eq!(
            admission.admit(host(2)).unwrap_err(),
            Refused::SameAddress {
                address: host(2),
                max: 2
            }
        );
        assert!(admission.admit(host(3)).is_ok());
        drop(first);
        assert!(admission.admit(host(2)).is_ok());
    }

    #[test]
    fn promotion_is_refused_when_every_served_slot_is_taken() {
        let admission = Admission::new(Limits {
            served: 1,
            pending: 2,
            per_address: 2,
        });
        let mut a = admission.admit(host(2)).unwrap();
        let mut b = admission.admit(host(3)).unwrap();
        a.promote().unwrap();
        assert_eq!(b.promote().unwrap_err(), Refused::Full { served: 1 });
        assert!(!b.is_served());
        drop(a);
        b.promote().unwrap();
        assert_eq!(admission.in_use(), (0, 1));
    }

    #[test]
    fn dropping_tickets_returns_every_count() {
        let admission = Admission::new(Limits::for_slots(4));
        let mut tickets = Vec::new();
        for n in 2..6 {
            let mut ticket = admission.admit(host(n)).unwrap();
            if n % 2 == 0 {
                ticket.promote().unwrap();
            }
            tickets.push(ticket);
        }
        assert_eq!(admission.in_use(), (2, 2));
        tickets.clear();
        assert_eq!(admission.in_use(), (0, 0));
        assert!(admission.counts().by_address.is_empty());
    }

    #[test]
    fn waiting_for_a_slot_returns_when_one_is_freed() {
        let admission = Admission::new(Limits {
            served: 1,
            pending: 1,
            per_address: 1,
        });
        let mut only = admission.admit(host(2)).unwrap();
        only.promote().unwrap();
        let waiter = {
            let admission = admission.clone();
            std::thread::spawn(move || admission.before_accept(WhenFull::Wait))
        };
        drop(only);
        waiter.join().unwrap();
        assert!(admission.admit(host(3)).is_ok());
    }
}
