//! Binding a listening socket with a listen backlog big enough for a crowd.
//!
//! `listen(backlog)` tells the kernel how many connections that finished the
//! three-way handshake may wait for `accept()`. Python's `socketserver.TCPServer`
//! uses `request_queue_size = 5`: when 64 clients connect at the same moment, the
//! queue overflows, Linux drops the extra handshakes, and those clients only get in
//! when their SYN is retransmitted one second (then two, four...) later. Our servers
//! ask for [`LISTEN_BACKLOG`]; the kernel caps it at `net.core.somaxconn`
//! (4096 on current Linux).
//!
//! The binding itself is [`netlab_common::listen::bind_tcp`], the same for every
//! TCP server of the workspace; this file names this chapter's choices.

use std::io;
use std::net::{SocketAddr, TcpListener};

use netlab_common::listen::{TcpOptions, bind_tcp};

// ANCHOR: backlog
/// How many finished handshakes may wait for `accept()`. Python's socketserver
/// asks for 5; a server that expects bursts of clients asks for far more. The
/// kernel silently caps the value at `net.core.somaxconn`.
pub const LISTEN_BACKLOG: i32 = 4096;
// ANCHOR_END: backlog

/// This chapter's servers' choices: `SO_REUSEADDR` (chapter 4: a restarted server
/// must not wait for TIME_WAIT; Python: `server.allow_reuse_address = True`) and
/// [`LISTEN_BACKLOG`] (Python: `request_queue_size = 5`).
pub const LISTEN: TcpOptions = TcpOptions {
    reuse_address: true,
    backlog: LISTEN_BACKLOG,
};

/// Binds `addr` with this chapter's [`LISTEN`] choices.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    bind_tcp(addr, LISTEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_port_zero_on_loopback() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(addr.ip().is_loopback());
        assert_ne!(addr.port(), 0);
    }
}
