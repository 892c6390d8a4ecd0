//! One thread per client, with a limit: the accept loop of the blocking servers.
//!
//! Chapter 8 builds this idea by hand (socketserver's `ThreadingTCPServer`); the
//! servers of chapters 5 and 7 (remote commands, file upload, the authenticated
//! echo) simply use it. Two policies every such server needs live here once:
//!
//! - a **limit**: each client costs a thread (and its stack); without a cap, a
//!   flood of connections would exhaust memory. Over the limit a client is closed
//!   at once, with a line on stderr, and the others are served as before;
//! - an **accept error is not fatal**: a client that gave up before we accepted
//!   it, or a moment without free file descriptors, is logged and the loop goes on.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the clients being served, and refuses to count past a limit.
#[derive(Debug, Clone, Default)]
pub struct ClientSlots(Arc<AtomicUsize>);

impl ClientSlots {
    /// Takes a slot if fewer than `max` are taken; the slot is given back when the
    /// returned guard is dropped.
    ///
    /// ```
    /// use netlab_common::serve::ClientSlots;
    /// let slots = ClientSlots::default();
    /// let first = slots.try_take(1);
    /// assert!(first.is_some());
    /// assert!(slots.try_take(1).is_none());
    /// drop(first);
    /// assert!(slots.try_take(1).is_some());
    /// ```
    pub fn try_take(&self, max: usize) -> Option<SlotGuard> {
        let taken = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            });
        taken.ok().map(|_| SlotGuard(self.0.clone()))
    }
}

/// One taken client slot; dropping it frees the slot.
#[derive(Debug)]
pub struct SlotGuard(Arc<AtomicUsize>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The peer's address as text, or `?` when the OS no longer knows it (the client
/// already left).
pub fn peer_name(conn: &TcpStream) -> String {
    conn.peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string())
}

/// Accepts clients on `listener` forever and runs `handle(connection, peer)` for
/// each in a thread of its own, at most `max` at once. A client over the limit is
/// closed at once and stderr says `PEER: refused, already serving MAX CLIENTS`
/// (`clients` is the word the caller gives: "clients", "uploads"...).
pub fn thread_per_client<F>(listener: &TcpListener, max: usize, clients: &str, handle: F)
where
    F: Fn(TcpStream, String) + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    let slots = ClientSlots::default();
    for conn in listener.incoming() {
        let conn = match conn {
            Ok(conn) => conn,
            Err(error) => {
                eprintln!("accept failed: {error}");
                continue;
            }
        };
        let peer = peer_name(&conn);
        let Some(slot) = slots.try_take(max) else {
            eprintln!("{peer}: refused, already serving {max} {clients}");
            continue;
        };
        let handle = Arc::clone(&handle);
        std::thread::spawn(move || {
            let _slot = slot;
            handle(conn, peer);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn every_client_gets_its_own_thread_up_to_the_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = std::sync::Mutex::new(release_rx);
        std::thread::spawn(move || {
            thread_per_client(&listener, 1, "clients", move |mut conn, _peer| {
                conn.write_all(b"hi").unwrap();
                // Hold the only slot until the test says so.
                let _ = release_rx.lock().unwrap().recv();
            });
        });
        let timeout = Some(Duration::from_secs(10));
        let mut first = TcpStream::connect(addr).unwrap();
        first.set_read_timeout(timeout).unwrap();
        let mut greeting = [0u8; 2];
        first.read_exact(&mut greeting).unwrap();
        assert_eq!(&greeting, b"hi");

        // The second client is over the limit: closed without a greeting.
        let mut second = TcpStream::connect(addr).unwrap();
        second.set_read_timeout(timeout).unwrap();
        let mut rest = Vec::new();
        assert_eq!(second.read_to_end(&mut rest).unwrap_or(0), 0);

        // Once the first leaves, its slot comes back. The slot is freed just after
        // the handler returns, so a client may still be refused for a moment:
        // try again until one is greeted (each try is refused or served at once).
        release_tx.send(()).unwrap();
        drop(first);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let mut next = TcpStream::connect(addr).unwrap();
            next.set_read_timeout(timeout).unwrap();
            let mut greeting = [0u8; 2];
            if next.read_exact(&mut greeting).is_ok() {
                assert_eq!(&greeting, b"hi");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the slot never came back"
            );
        }
        release_tx.send(()).unwrap();
    }
}
