//! # udp-demo — the tutorial's UDP programs, in Rust, speaking the same bytes
//!
//! Chapter 4 of the tutorial 网络编程 (四.套接字初使用, 基于UDP协议的socket):
//!
//! | module | what it teaches | commands |
//! |---|---|---|
//! | [`simple`] | the first UDP server and client: `b'hello'` → `b'hi'` | `udp-demo server` / `udp-demo client` |
//! | [`qq`] | the "QQ chat": one socket, many peers, a contact table | `udp-demo qq-server` / `udp-demo qq-client` |
//! | [`boundaries`] | datagrams keep their boundaries, and are truncated | `udp-demo boundaries` |
//!
//! Each program talks to the tutorial's Python program in both directions (the
//! Python programs are in the workspace's `tests/python/`):
//!
//! ```text
//! terminal 1: udp-demo server                  python3 tests/python/udp_server.py
//! terminal 2: python3 tests/python/udp_client.py    udp-demo client
//! ```
//!
//! UDP is connectionless: no `listen`, no `accept`, no `connect`; every
//! `recvfrom` returns one whole datagram and the address it came from. It is also
//! unreliable: a datagram can be lost, so every client here has a `--timeout`.

pub mod boundaries;
pub mod qq;
pub mod simple;

pub use netlab_common::Tell;

use std::thread;
use std::time::Duration;

use netlab_common::bytes::python_repr;
use netlab_common::{DemoResult, Narrator};

/// How long any step of the tour's demo may wait.
const DEMO_TIMEOUT: Duration = Duration::from_secs(2);

/// Chapter 4's UDP demo, run by the tour: the hello/hi exchange, then message
/// boundaries and truncation.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("UDP: the first server and client (udp-demo server / client)");
    let server = simple::bind(([127, 0, 0, 1], 0).into())?;
    let addr = server.local_addr()?;
    server.set_read_timeout(Some(DEMO_TIMEOUT))?;
    narrator.event(
        "server",
        "bound 127.0.0.1:<port> (port varies); no listen, no accept",
    );
    let server_narrator = narrator.clone();
    let handle = thread::spawn(move || simple::serve_one(&server, Tell::to(&server_narrator)));
    let (reply, _) = simple::run_client(
        addr,
        simple::CLIENT_MESSAGE,
        DEMO_TIMEOUT,
        Tell::to(narrator),
    )?;
    let datagram = handle
        .join()
        .map_err(|_| std::io::Error::other("server thread panicked"))??;
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
