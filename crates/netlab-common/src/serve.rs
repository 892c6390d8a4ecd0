//! One thread per client, with limits: the accept loop of the blocking servers.
//!
//! Python's `socketserver.ThreadingTCPServer` (chapter 8) is this loop: accept,
//! start a thread that handles the client, accept again. Every blocking server of
//! the course runs it — chapter 2's http, chapter 5's command server, file upload
//! and chaos proxy, chapter 7's servers, chapter 8's `ThreadingTcpServer` — with
//! its own choices named ([`AcceptLoop`]). Two policies every such server needs
//! live here once:
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
//!   it, or a moment without free file descriptors, is logged, the loop pauses
//!   ([`ACCEPT_RETRY_PAUSE`]) and goes on.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crate::admission::{Admission, Limits, Refused, Ticket, WhenFull};

/// After a failed `accept`, the loop waits this long before the next: when the
/// error persists (no free file descriptor, EMFILE), retrying at once would
/// spin a core and fill the log.
pub const ACCEPT_RETRY_PAUSE: Duration = Duration::from_millis(10);

/// The peer's address as text, or `?` when the OS no longer knows it (the client
/// already left).
pub fn peer_name(conn: &TcpStream) -> String {
    conn.peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string())
}

/// One connection the loop accepted and admitted, handed to its thread.
#[derive(Debug)]
pub struct Accepted {
    pub conn: TcpStream,
    pub peer: SocketAddr,
    /// 1 for the first connection accepted, 2 for the next...: a server that
    /// numbers its conversations (the chaos proxy's dice) gets the same numbers
    /// for the same clients in the same order.
    pub number: u64,
    /// Pending until the handler calls [`Ticket::promote`]; dropped (the slot
    /// given back) however the handler ends.
    pub ticket: Ticket,
}

/// What runs in each client's thread.
type Handler = dyn Fn(Accepted) + Send + Sync;

/// What a server does, on the accepting thread, to a connection it refuses
/// (say an HTTP `503` with the reason) before closing it.
type OnRefused = dyn Fn(&mut TcpStream, &Refused);

/// The accept loop of every blocking server: one thread per client, within
/// [`Limits`], with the server's choices named. Written once; the servers of
/// chapters 2 (http), 5 (commands, uploads, the chaos proxy), 7 and 8
/// (`ThreadingTcpServer`) differ only in these choices.
pub struct AcceptLoop {
    limits: Limits,
    when_full: WhenFull,
    stack_size: Option<usize>,
    stop: Option<Arc<AtomicBool>>,
    on_refused: Option<Box<OnRefused>>,
}

impl std::fmt::Debug for AcceptLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcceptLoop")
            .field("limits", &self.limits)
            .field("when_full", &self.when_full)
            .field("stack_size", &self.stack_size)
            .field("stop", &self.stop)
            .field("on_refused", &self.on_refused.is_some())
            .finish()
    }
}

impl AcceptLoop {
    /// A loop within `limits` that does what `when_full` says while every slot
    /// is taken.
    pub fn new(limits: Limits, when_full: WhenFull) -> AcceptLoop {
        AcceptLoop {
            limits,
            when_full,
            stack_size: None,
            stop: None,
            on_refused: None,
        }
    }

    /// Client threads get `bytes` of stack instead of the default 2 MiB of
    /// address space: thousands of small handlers fit.
    pub fn stack_size(mut self, bytes: usize) -> AcceptLoop {
        self.stack_size = Some(bytes);
        self
    }

    /// The loop returns after the next `accept` once `stop` is set (whoever sets
    /// it then connects once, to wake the loop up).
    pub fn until(mut self, stop: Arc<AtomicBool>) -> AcceptLoop {
        self.stop = Some(stop);
        self
    }

    /// Before a refused connection is closed, `answer` may tell the client why.
    pub fn on_refused(mut self, answer: impl Fn(&mut TcpStream, &Refused) + 'static) -> AcceptLoop {
        self.on_refused = Some(Box::new(answer));
        self
    }

    // ANCHOR: accept_loop
    /// Accepts clients on `listener` and runs `handle` for each in a thread of
    /// its own, until the stop flag (if any) is set.
    pub fn run(self, listener: &TcpListener, handle: impl Fn(Accepted) + Send + Sync + 'static) {
        let handle: Arc<Handler> = Arc::new(handle);
        let admission = Admission::new(self.limits);
        let mut number = 0;
        loop {
            // WhenFull::Wait: while every slot is taken, new clients wait in
            // the kernel's listen backlog. WhenFull::Refuse: they are accepted
            // and refused just below.
            admission.before_accept(self.when_full);
            let accepted = listener.accept();
            if self
                .stop
                .as_ref()
                .is_some_and(|stop| stop.load(Ordering::SeqCst))
            {
                return;
            }
            let (mut conn, peer) = match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // A client that reset before we accepted it, or no free
                    // file descriptor: not fatal, log it and go on.
                    eprintln!("accept failed: {error}");
                    thread::sleep(ACCEPT_RETRY_PAUSE);
                    continue;
                }
            };
            // A pending slot, if there is one and this address has not used
            // up its share; otherwise closed at once, and stderr says why.
            let ticket = match admission.admit(peer.ip()) {
                Ok(ticket) => ticket,
                Err(refused) => {
                    eprintln!("{peer}: {refused}");
                    if let Some(answer) = &self.on_refused {
                        answer(&mut conn, &refused);
                    }
                    continue;
                }
            };
            number += 1;
            let client = Accepted {
                conn,
                peer,
                number,
                ticket,
            };
            let handle = Arc::clone(&handle);
            // Named after its client: a panic message says whose thread it was.
            let mut thread = thread::Builder::new().name(format!("client {peer}"));
            if let Some(bytes) = self.stack_size {
                thread = thread.stack_size(bytes);
            }
            // The OS may refuse a new thread (memory, limits): drop this
            // client (its slot goes with it) and keep serving, rather than
            // panic as `thread::spawn` would.
            if let Err(error) = thread.spawn(move || handle(client)) {
                eprintln!("{peer}: cannot start a thread for it: {error}");
            }
        }
    }
    // ANCHOR_END: accept_loop
}

/// Accepts clients on `listener` forever and runs `handle(connection, peer,
/// ticket)` for each in a thread of its own, within `limits`; while every slot
/// is taken it does what `when_full` says. The ticket starts pending: the
/// handler calls [`Ticket::promote`] when the client's handshake is done (and
/// closes the connection if that is refused). A client refused is closed at
/// once and stderr says why (`PEER: refused: ...`). The [`AcceptLoop`] with
/// no other choice, as chapters 5 and 7 use it.
pub fn thread_per_client<F>(listener: &TcpListener, limits: Limits, when_full: WhenFull, handle: F)
where
    F: Fn(TcpStream, String, Ticket) + Send + Sync + 'static,
{
    AcceptLoop::new(limits, when_full).run(listener, move |client| {
        handle(client.conn, client.peer.to_string(), client.ticket)
    });
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

    #[test]
    fn numbers_follow_the_accept_order_and_a_refused_client_is_answered() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let limits = Limits {
            served: 2,
            pending: 2,
            per_address: 1,
        };
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = std::sync::Mutex::new(release_rx);
        let (stopped_tx, stopped) = mpsc::channel::<()>();
        let running = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let _returned = OnDrop(stopped_tx);
                AcceptLoop::new(limits, WhenFull::Refuse)
                    .until(stop)
                    .on_refused(|conn, refused| {
                        let _ = conn.write_all(format!("no: {refused}").as_bytes());
                    })
                    .run(&listener, move |mut client| {
                        client.ticket.promote().unwrap();
                        let _ = client.conn.write_all(client.number.to_string().as_bytes());
                        let _ = release_rx.lock().unwrap().recv();
                    });
            })
        };
        let timeout = Some(Duration::from_secs(10));
        let read_all = |mut conn: TcpStream| {
            conn.set_read_timeout(timeout).unwrap();
            let mut text = String::new();
            conn.read_to_string(&mut text).unwrap();
            text
        };
        let read_some = |conn: &mut TcpStream| {
            conn.set_read_timeout(timeout).unwrap();
            let mut byte = [0u8; 1];
            conn.read_exact(&mut byte).unwrap();
            byte[0]
        };
        // The first client from 127.0.0.1 is number 1 and holds its address's share.
        let mut first = TcpStream::connect(addr).unwrap();
        assert_eq!(read_some(&mut first), b'1');
        // A second from the same address is answered by `on_refused`, then closed.
        let refused = read_all(TcpStream::connect(addr).unwrap());
        assert!(
            refused.starts_with("no: ") && refused.contains("127.0.0.1"),
            "{refused}"
        );
        // A client from another address is number 2: refused ones are not counted.
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket
            .bind(&SocketAddr::from(([127, 0, 0, 2], 0)).into())
            .unwrap();
        socket.connect(&addr.into()).unwrap();
        let mut other: TcpStream = socket.into();
        assert_eq!(read_some(&mut other), b'2');
        // Stop: the flag, then one connection to wake the loop up; the loop
        // must return (within the test's timeout, not whenever).
        stop.store(true, Ordering::SeqCst);
        drop(TcpStream::connect(addr).unwrap());
        assert!(
            stopped.recv_timeout(Duration::from_secs(10)).is_ok(),
            "the loop did not return once stopped"
        );
        running.join().unwrap();
        release_tx.send(()).unwrap();
        release_tx.send(()).unwrap();
    }

    /// Sends on its channel when dropped: when the thread holding it returns.
    struct OnDrop(mpsc::Sender<()>);

    impl Drop for OnDrop {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }

    /// With `WhenFull::Wait`, a connection accepted is sure to be served once
    /// it speaks, however late: a quiet pending connection keeps its served
    /// slot, and the next client waits in the backlog instead of taking it.
    #[test]
    fn waiting_never_turns_away_a_client_that_was_accepted() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let limits = Limits {
            served: 1,
            pending: 2,
            per_address: 2,
        };
        std::thread::spawn(move || {
            AcceptLoop::new(limits, WhenFull::Wait).run(&listener, |mut client| {
                // Pending until the first byte, then served: an echo of one byte
                // per read, in upper case.
                let _ = client.conn.set_read_timeout(Some(Duration::from_secs(10)));
                let mut byte = [0u8; 1];
                while let Ok(1) = client.conn.read(&mut byte) {
                    if client.ticket.promote().is_err() {
                        return; // refused: the connection closes
                    }
                    let _ = client.conn.write_all(&byte.to_ascii_uppercase());
                }
            });
        });
        let timeout = Some(Duration::from_secs(10));
        // A connects and says nothing yet: pending, with the one served slot kept.
        let mut a = TcpStream::connect(addr).unwrap();
        a.set_read_timeout(timeout).unwrap();
        // B speaks at once; it must wait in the backlog, not take A's slot.
        let mut b = TcpStream::connect(addr).unwrap();
        b.set_read_timeout(timeout).unwrap();
        b.write_all(b"b").unwrap();
        // A speaks now, and is served.
        a.write_all(b"a").unwrap();
        let mut reply = [0u8; 1];
        a.read_exact(&mut reply)
            .expect("A was accepted, so A is served");
        assert_eq!(&reply, b"A");
        // A leaves; B, accepted now, is served too.
        drop(a);
        b.read_exact(&mut reply)
            .expect("B is served once A has left");
        assert_eq!(&reply, b"B");
    }
}
