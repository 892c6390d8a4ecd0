//! The tour's chapter 4 UDP demo: the hello/hi exchange, then message
//! boundaries and truncation.
//!
//! The lesson functions know nothing of the tour. The exchange is narrated
//! around them: the client's send before it goes out, and the rest once the
//! client has its reply and the server's thread has returned what it received,
//! so the transcript keeps the order of the events on the wire on every run.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::thread;
use std::time::Duration;

use netlab_common::bytes::python_repr;
use netlab_common::{DemoResult, Narrator};

use crate::{boundaries, simple};

/// How long any step of the tour's demo may wait.
const DEMO_TIMEOUT: Duration = Duration::from_secs(2);

/// Any free port on loopback.
const ANY_PORT: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Chapter 4's UDP demo, run by the tour.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("UDP: the first server and client (udp-demo server / client)");
    let server = simple::bind(ANY_PORT)?;
    let addr = server.local_addr()?;
    server.set_read_timeout(Some(DEMO_TIMEOUT))?;
    narrator.event(
        "server",
        "bound 127.0.0.1:<port> (port varies); no listen, no accept",
    );
    let handle = thread::spawn(move || simple::serve_one(&server));
    narrator.send("client", "server", simple::CLIENT_MESSAGE);
    let (reply, _) = simple::run_client(addr, simple::CLIENT_MESSAGE, DEMO_TIMEOUT)?;
    let datagram = handle
        .join()
        .map_err(|_| std::io::Error::other("server thread panicked"))??;
    // The server received the datagram and answered before the client's
    // recvfrom returned: its two lines come first.
    narrator.receive("server", "client", &datagram.data);
    narrator.send("server", "client", simple::SERVER_REPLY);
    narrator.receive("client", "server", &reply);
    narrator.say(&format!(
        "the server printed {} (Python: print(msg)) and answered the address recvfrom gave it",
        python_repr(&datagram.data)
    ));
    narrator.say(&format!(
        "the client printed {} ('127.0.0.1', <port>) (Python: print(back_msg.decode('utf-8'), addr))",
        String::from_utf8_lossy(&reply)
    ));
    boundaries::demo(narrator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_narrates_hello_hi_and_the_boundaries() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        assert!(
            text.contains("[client] → server: b'hello' (5 bytes)"),
            "{text}"
        );
        assert!(
            text.contains("[client] ← server: b'hi' (2 bytes)"),
            "{text}"
        );
        assert!(
            text.contains("MSG_TRUNC was set: the datagram had 2000 bytes"),
            "{text}"
        );
    }

    #[test]
    fn demo_is_the_same_every_run() {
        let run = || {
            let (narrator, captured) = Narrator::capture();
            demo(&narrator).unwrap();
            captured.text()
        };
        assert_eq!(run(), run());
    }
}
