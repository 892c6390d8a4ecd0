//! One thread per client, with limits: the accept loop of the blocking servers.
//!
//! Chapter 8 builds this idea by hand (socketserver's `ThreadingTCPServer`); the
//! servers of chapters 5 and 7 (remote commands, file upload, the authenticated
//! echo) simply use it. Two policies every such server needs live here once:
//!
//! - **limits** ([`crate::admission`]): each client costs a thread (and its
//!   stack); without caps, a flood of connections would exhaust memory, and one
//!   host trickling bytes could hold every slot. A new connection gets a *pending*
//!   slot (its [`Ticket`]); the handler promotes it once the client finished its
//!   handshake. What happens while every slot is taken is the server's named
//!   choice, [`WhenFull`]: a client over a limit is closed at once, with a line
//!   on stderr ([`WhenFull::Refuse`]), or waits in the listen backlog
//!   ([`WhenFull::Wait`]); the others are served as before;
//! - an **accept error is not fatal**: a client that gave up before we accepted
//!   it, or a moment without free file descriptors, is logged and the loop goes on.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use crate::admission::{Admission, Limits, Ticket, WhenFull};

/// The peer's address as text, or `?` when the OS no longer knows it (the client
/// already left).
pub fn peer_name(conn: &TcpStream) -> String {
    conn.peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string())
}

/// Accepts clients on `listener` forever and runs `handle(connection, peer,
/// ticket)` for each in a thread of its own, within `limits`; while every slot
/// is taken it does what `when_full` says. The ticket starts pending: the
/// handler calls [`Ticket::promote`] when the client's handshake is done (and
/// closes the connection if that is refused). A client refused is closed at
/// once and stderr says why (`PEER: refused: ...`).
pub fn thread_per_client<F>(listener: &TcpListener, limits: Limits, when_full: WhenFull, handle: F)
where
    F: Fn(TcpStream, String, Ticket) + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    let admission = Admission::new(limits);
    loop {
        admission.before_accept(when_full);
        let (conn, address) = match listener.accept() {
            Ok(pair) => pair,
            Err(error) => {
                eprintln!("accept failed: {error}");
                continue;
            }
        };
        let peer = address.to_string();
        let ticket = match admission.admit(address.ip()) {
            Ok(ticket) => ticket,
            Err(refused) => {
                eprintln!("{peer}: {refused}");
                continue;
            }
        };
        let handle = Arc::clone(&handle);
        std::thread::spawn(move || handle(conn, peer, ticket));
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
            let limits = Limits {
                served: 1,
                pending: 1,
                per_address: 1,
            };
            let when_full = WhenFull::Refuse;
            thread_per_client(
                &listener,
                limits,
                when_full,
                move |mut conn, _peer, mut ticket| {
                    ticket.promote().unwrap();
                    conn.write_all(b"hi").unwrap();
                    // Hold the only slot until the test says so.
                    let _ = release_rx.lock().unwrap().recv();
                },
            );
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
