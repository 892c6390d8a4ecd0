//! Python's `socketserver.ThreadingTCPServer`, in Rust: one thread per connection.
//!
//! The tutorial's chapter 8 writes a concurrent server in three lines of Python:
//!
//! ```python
//! class MyServer(socketserver.BaseRequestHandler):
//!     def handle(self):            # runs in its own thread, once per connection
//!         ...                      # self.request is the socket, self.client_address the peer
//! server = socketserver.ThreadingTCPServer(('127.0.0.1', 9999), MyServer)
//! server.serve_forever()
//! ```
//!
//! The same split exists here: [`RequestHandler`] is `BaseRequestHandler` (you write
//! `handle`), [`ThreadingTcpServer`] is the part Python gives you for free (bind,
//! listen, the accept loop, a thread per client). Two things differ on purpose:
//! the listen backlog is large (see [`crate::listener`]) and the number of handler
//! threads is bounded ([`MAX_THREADS`]), because a server that starts a thread for
//! every connection without limit can be made to run out of memory by anyone who
//! opens connections.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use netlab_common::admission::{Limits, WhenFull};
use netlab_common::deadline::first_bytes_within;
use netlab_common::serve::{AcceptLoop, Accepted};
use std::time::Duration;

// ANCHOR: limits
/// At most this many connections are handled at once. When all threads are busy
/// the accept loop waits for one to finish; new clients wait in the kernel's
/// listen backlog meanwhile instead of being refused. One address may hold a
/// quarter of them (`netlab_common::admission`); past that it is refused.
pub const MAX_THREADS: usize = 2048;

/// Stack size of a handler thread. The default (2 MiB of address space) is far
/// more than an echo loop needs; a small stack lets thousands of threads coexist.
pub const THREAD_STACK_SIZE: usize = 64 * 1024;

/// A client that sends nothing for this long is disconnected, so that a client
/// that vanished (cable pulled, laptop closed) does not hold a thread forever.
/// Python's socketserver has no such limit.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
// ANCHOR_END: limits

// ANCHOR: handler
/// What a connection handler does: Python's `BaseRequestHandler.handle`.
///
/// `request` is the connected socket (`self.request`), `client_address` the peer
/// (`self.client_address`). The server closes the socket when `handle` returns.
/// An error ends only this connection; the server keeps serving everyone else.
pub trait RequestHandler: Send + Sync + 'static {
    fn handle(&self, request: &mut TcpStream, client_address: SocketAddr) -> io::Result<()>;
}
// ANCHOR_END: handler

/// A TCP server that runs each connection's [`RequestHandler::handle`] in its own
/// thread.
#[derive(Debug)]
pub struct ThreadingTcpServer<H> {
    listener: TcpListener,
    handler: Arc<H>,
    limits: Limits,
    /// When set, a client must send something within this: until then it holds
    /// a pending slot, not a served one.
    first_request_timeout: Option<Duration>,
    stop: Arc<AtomicBool>,
}

/// A way to stop a running server from another thread: Python's `server.shutdown()`.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl ShutdownHandle {
    /// Asks `serve_forever` to return. It is blocked in `accept()`, so after
    /// setting the flag we connect once ourselves to wake it up.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

impl<H: RequestHandler> ThreadingTcpServer<H> {
    /// Binds `addr` and listens: Python's `ThreadingTCPServer((host, port), Handler)`.
    pub fn bind(addr: SocketAddr, handler: H) -> io::Result<Self> {
        Ok(ThreadingTcpServer {
            listener: crate::listener::bind(addr)?,
            handler: Arc::new(handler),
            limits: Limits::for_slots(MAX_THREADS),
            first_request_timeout: None,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Lets one address hold at most `max` connections (a quarter of
    /// [`MAX_THREADS`] by default).
    pub fn with_max_per_address(mut self, max: usize) -> Self {
        self.limits = Limits {
            per_address: max,
            ..Limits::for_slots(MAX_THREADS)
        };
        self
    }

    /// A new client must send its first bytes within `limit`, or it is closed:
    /// connections that say nothing hold pending slots, not served ones, and
    /// only for so long. (Python's socketserver has no such limit.)
    pub fn with_first_request_timeout(mut self, limit: Duration) -> Self {
        self.first_request_timeout = Some(limit);
        self
    }

    /// The address actually bound (the port the OS picked for port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that stops [`serve_forever`](Self::serve_forever).
    pub fn shutdown_handle(&self) -> io::Result<ShutdownHandle> {
        Ok(ShutdownHandle {
            stop: Arc::clone(&self.stop),
            addr: self.local_addr()?,
        })
    }

    // ANCHOR: serve_forever
    /// Accepts connections until shut down, one thread each: Python's
    /// `server.serve_forever()`. The loop is the course's one accept loop
    /// (`netlab_common::serve`); what makes it socketserver's are the choices.
    pub fn serve_forever(&self) -> io::Result<()> {
        let handler = Arc::clone(&self.handler);
        let first_request = self.first_request_timeout;
        // Wait for a free slot *before* accepting: while all threads are busy,
        // new clients wait in the kernel's backlog (Python's socketserver does
        // the same; the servers of chapters 5 and 7 refuse instead).
        AcceptLoop::new(self.limits, WhenFull::Wait)
            .stack_size(THREAD_STACK_SIZE)
            .until(Arc::clone(&self.stop))
            .run(&self.listener, move |client| {
                // Python: request, client_address = self.socket.accept()
                let Accepted {
                    conn: mut request,
                    peer: client_address,
                    mut ticket,
                    ..
                } = client;
                // No handshake here: the first bytes a client sends make it a
                // served client (the wait above left a served slot free).
                if let Some(limit) = first_request {
                    match first_bytes_within(&request, limit) {
                        Ok(true) => {}
                        Ok(false) => return, // closed without a word
                        Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                            eprintln!(
                                "{client_address}: nothing received within {}; closed \
                                 (--first-message-timeout)",
                                netlab_common::cli::humanize_duration(limit)
                            );
                            return;
                        }
                        Err(error) => {
                            eprintln!("{client_address}: {error}");
                            return;
                        }
                    }
                }
                if let Err(refused) = ticket.promote() {
                    eprintln!("{client_address}: {refused}");
                    return;
                }
                // Python: self.RequestHandlerClass(request, client_address, self)
                if let Err(error) = serve_one(&*handler, &mut request, client_address) {
                    eprintln!("{client_address}: {error}");
                }
                // The slot is given back when `ticket` is dropped, here, even
                // if the handler panicked.
            });
        Ok(())
    }
    // ANCHOR_END: serve_forever
}

/// Runs the handler on one connection with the idle timeout set.
fn serve_one<H: RequestHandler>(
    handler: &H,
    request: &mut TcpStream,
    client_address: SocketAddr,
) -> io::Result<()> {
    request.set_read_timeout(Some(IDLE_TIMEOUT))?;
    request.set_write_timeout(Some(IDLE_TIMEOUT))?;
    handler.handle(request, client_address)
    // `request` is closed when the caller drops it, as Python's
    // `shutdown_request` closes it after `handle` returns.
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::thread;

    /// Sends back the client's address, then closes.
    struct TellAddress;

    impl RequestHandler for TellAddress {
        fn handle(&self, request: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
            request.write_all(client_address.to_string().as_bytes())
        }
    }

    #[test]
    fn each_connection_gets_the_handler_with_its_client_address() {
        let server = ThreadingTcpServer::bind("127.0.0.1:0".parse().unwrap(), TellAddress).unwrap();
        let addr = server.local_addr().unwrap();
        let stop = server.shutdown_handle().unwrap();
        let running = thread::spawn(move || server.serve_forever());
        for _ in 0..3 {
            let mut client = TcpStream::connect(addr).unwrap();
            client
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut text = String::new();
            client.read_to_string(&mut text).unwrap();
            assert_eq!(text, client.local_addr().unwrap().to_string());
        }
        stop.shutdown();
        running.join().unwrap().unwrap();
    }
}
