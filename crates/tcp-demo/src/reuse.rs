//! 四.套接字初使用 — "Address already in use" and `SO_REUSEADDR`.
//!
//! Restart the first server right after it served a client and the operating
//! system may refuse: `OSError: [Errno 98] Address already in use`. The
//! connection the server just closed is not gone yet. The side that closes first
//! keeps its end in the TIME_WAIT state for a while (on Linux 60 seconds), so
//! that late packets of the old connection cannot be mistaken for a new one, and
//! while it does, the port counts as used. The tutorial's fix is one line before
//! `bind`: `sk.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)`, which allows binding a
//! port whose only users are old connections.
//!
//! Rust's `TcpListener::bind` already sets SO_REUSEADDR on Unix, so to show the
//! error we build the socket with socket2 and choose the option ourselves: that
//! is [`netlab_common::listen::bind_tcp`], written once for every TCP server of
//! the workspace; this file names this chapter's choices ([`LISTEN`]).
//!
//! ```text
//! tcp-demo reuse-demo                          # both outcomes, in one run
//! tcp-demo server --no-reuse-addr              # terminal 1, then run a client,
//! tcp-demo client; tcp-demo server --no-reuse-addr   # and restart: refused
//! ```

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use netlab_common::failure::explain_bind;
use netlab_common::listen::{TcpOptions, bind_tcp};
use netlab_common::{DemoResult, Narrator};

use crate::first::{self, Variant};

/// How many connections may wait to be accepted. Python's `sk.listen()` without
/// an argument picks `min(SOMAXCONN, 128)`; we use the same.
pub const LISTEN_BACKLOG: i32 = 128;

/// How this chapter's TCP servers bind: like the tutorial's fixed server,
/// `SO_REUSEADDR` on before `bind`, and Python's backlog. (`server
/// --no-reuse-addr` turns the option off, to show the error.)
pub const LISTEN: TcpOptions = TcpOptions {
    reuse_address: true,
    backlog: LISTEN_BACKLOG,
};

/// How long any step of the demo may take before it counts as failed.
const DEMO_TIMEOUT: Duration = Duration::from_secs(2);

/// [`LISTEN`], with SO_REUSEADDR on or off.
fn options(reuse_address: bool) -> TcpOptions {
    TcpOptions {
        reuse_address,
        ..LISTEN
    }
}

/// One run of the first server and client on `listener`, ending with the server's
/// side of the connection in TIME_WAIT.
fn one_exchange(listener: &TcpListener) -> io::Result<()> {
    let addr = listener.local_addr()?;
    let mut client = TcpStream::connect_timeout(&addr, DEMO_TIMEOUT)?;
    client.set_read_timeout(Some(DEMO_TIMEOUT))?;
    std::io::Write::write_all(&mut client, first::CLIENT_MESSAGE)?;
    first::accept_and_serve(listener, Variant::ClientFirst, DEMO_TIMEOUT)?;
    // Read the reply and then the end of the stream: once we have seen EOF the
    // server has closed first, and dropping the client completes the four-way
    // close. The server's end is now in TIME_WAIT (or about to be).
    let mut rest = Vec::new();
    client.read_to_end(&mut rest)?;
    Ok(())
}

/// Tries to bind `addr` again, and narrates what happened: the OS error and
/// the line a student reads for it, with the port (which varies) hidden.
fn try_rebind(narrator: &Narrator, addr: SocketAddr, reuse_address: bool) {
    let label = format!("same port, SO_REUSEADDR={}", u8::from(reuse_address));
    match bind_tcp(addr, options(reuse_address)) {
        Ok(_) => narrator.event("restart", &format!("{label}: bound fine")),
        Err(error) => {
            narrator.event("restart", &format!("{label}: {error}"));
            if let Some(explanation) = explain_bind(addr, &error) {
                narrator.say(&explanation.replace(&addr.to_string(), "127.0.0.1:<port>"));
            }
        }
    }
}

/// Both outcomes in one run: restart without SO_REUSEADDR (refused), then with it
/// (fine); and why the *first* server needs the option too. Deterministic: the
/// port is chosen by the OS and never printed.
// ANCHOR: demo
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("Address already in use: TIME_WAIT and SO_REUSEADDR");
    let any_port: SocketAddr = ([127, 0, 0, 1], 0).into();

    // 1. The tutorial's fixed server: SO_REUSEADDR on, one client served.
    let listener = bind_tcp(any_port, options(true))?;
    let addr = listener.local_addr()?;
    narrator.event(
        "server",
        "bound with SO_REUSEADDR=1 on 127.0.0.1:<port> (port varies)",
    );
    one_exchange(&listener)?;
    drop(listener); // Python: sk.close()
    narrator.event(
        "server",
        "served b'hello!' → b'hi', closed first, and exited",
    );
    narrator.say("its side of the connection now waits in TIME_WAIT, holding the port");

    try_rebind(narrator, addr, false);
    try_rebind(narrator, addr, true);

    // 2. A server that never set the option: its old connection inherited
    //    SO_REUSEADDR=0 from the listener, and Linux then refuses even a new
    //    socket that sets it. Both runs need the option.
    narrator.line("");
    let listener = bind_tcp(any_port, options(false))?;
    let addr = listener.local_addr()?;
    narrator.event("server", "bound with SO_REUSEADDR=0 (like --no-reuse-addr)");
    one_exchange(&listener)?;
    drop(listener);
    narrator.event("server", "served one client, closed first, and exited");
    try_rebind(narrator, addr, true);
    narrator.say(
        "the old connection inherited SO_REUSEADDR=0 from its listener, so even a \
         new socket with the option is refused: set it in every run, before bind",
    );
    Ok(())
}
// ANCHOR_END: demo

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_reuse_addr_a_restart_after_a_client_fails() {
        let any: SocketAddr = ([127, 0, 0, 1], 0).into();
        let listener = bind_tcp(any, options(true)).unwrap();
        let addr = listener.local_addr().unwrap();
        one_exchange(&listener).unwrap();
        drop(listener);
        let error = bind_tcp(addr, options(false)).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
        assert!(bind_tcp(addr, options(true)).is_ok());
    }

    #[test]
    fn demo_shows_both_outcomes() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        assert!(
            text.contains("SO_REUSEADDR=0: Address already in use"),
            "{text}"
        );
        assert!(text.contains("SO_REUSEADDR=1: bound fine"), "{text}");
        assert!(text.contains("is in use"), "{text}");
        // Ports vary: every address in the transcript is shown as 127.0.0.1:<port>.
        assert!(
            text.match_indices("127.0.0.1:")
                .all(|(at, m)| text[at + m.len()..].starts_with("<port>")),
            "{text}"
        );
    }
}
