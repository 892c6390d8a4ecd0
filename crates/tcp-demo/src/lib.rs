//! # tcp-demo — the tutorial's TCP programs, in Rust, speaking the same bytes
//!
//! Chapters 2, 4 and 6 of the tutorial 网络编程:
//!
//! | module | chapter | what it teaches | commands |
//! |---|---|---|---|
//! | [`first`] | 四.套接字初使用 | the first server and client: `b'hello!'` → `b'hi'` | `tcp-demo server` / `tcp-demo client` |
//! | [`reuse`] | 四 | "Address already in use", TIME_WAIT, `SO_REUSEADDR` | `tcp-demo reuse-demo`, `server --no-reuse-addr` |
//! | [`socket_params`] | 四 | `socket.socket(family, type, proto, fileno)`, each case on a real socket | `tcp-demo socket-params` |
//! | [`chat`] | 四 | the turn-taking line chat, UTF-8 over a stream | `tcp-demo chat-server` / `tcp-demo chat-client` |
//! | [`http`] | 二.客户端/服务端架构 | B/S: a browser is just another client | `tcp-demo http` |
//! | [`sockinfo`] | 六.socket的更多方法 | the socket method table, `send` vs `sendall` | `tcp-demo sockinfo` |
//!
//! Each program can talk to the tutorial's Python program in both directions (the
//! Python programs are in the workspace's `tests/python/`):
//!
//! ```text
//! terminal 1: tcp-demo server                  python3 tests/python/tcp_server.py
//! terminal 2: python3 tests/python/tcp_client.py    tcp-demo client
//! ```
//!
//! This chapter is about the blocking socket API, so it uses `std::net`; socket2
//! appears only where std cannot express the lesson (turning SO_REUSEADDR off,
//! reading buffer sizes).

pub mod chat;
pub mod first;
pub mod http;
pub mod reuse;
pub mod socket_params;
pub mod sockinfo;

pub use netlab_common::Tell;

use std::io::Cursor;
use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use netlab_common::{DemoResult, Narrator};

use first::Variant;

/// How long any step of the tour's demo may wait.
const DEMO_TIMEOUT: Duration = Duration::from_secs(2);

/// Chapter 4's TCP demo, run by the tour: the first exchange and one turn of the
/// line chat, each with its server in a thread on 127.0.0.1:0.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("TCP: the first server and client (tcp-demo server / client)");
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    narrator.event("server", "listening on 127.0.0.1:<port> (port varies)");
    let server_narrator = narrator.clone();
    let server = thread::spawn(move || {
        first::accept_and_serve(
            &listener,
            Variant::ClientFirst,
            DEMO_TIMEOUT,
            Tell::to(&server_narrator),
        )
    });
    first::run_client(
        addr,
        Variant::ClientFirst,
        first::CLIENT_MESSAGE,
        DEMO_TIMEOUT,
        Tell::to(narrator),
    )?;
    server
        .join()
        .map_err(|_| std::io::Error::other("server thread panicked"))??;
    narrator.say("the server printed b'hello!' (Python: print(ret)) and closed the connection");

    narrator.section("TCP: one turn of the line chat (tcp-demo chat-server / chat-client)");
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server_narrator = narrator.clone();
    let server = thread::spawn(move || -> std::io::Result<chat::Ending> {
        let (mut conn, _) = listener.accept()?;
        // The server's "keyboard": one line, then q.
        let mut input = Cursor::new("你好\nq\n".as_bytes().to_vec());
        let mut shown = Vec::new();
        let mut console = chat::Console {
            input: &mut input,
            output: &mut shown,
            prompt: false,
            input_ended: false,
        };
        chat::serve_conversation(
            &mut conn,
            &mut console,
            DEMO_TIMEOUT,
            Tell::to(&server_narrator),
        )
    });
    let mut conn = chat::connect(addr, DEMO_TIMEOUT)?;
    let mut input = Cursor::new("再见\n".as_bytes().to_vec());
    let mut shown = Vec::new();
    let mut console = chat::Console {
        input: &mut input,
        output: &mut shown,
        prompt: false,
        input_ended: false,
    };
    chat::client_conversation(&mut conn, &mut console, DEMO_TIMEOUT, Tell::to(narrator))?;
    server
        .join()
        .map_err(|_| std::io::Error::other("server thread panicked"))??;
    narrator.say("each line travels as its UTF-8 bytes: 你 is b'\\xe4\\xbd\\xa0', three bytes");
    narrator.say("q ends the conversation on both sides; the server would accept the next client");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_narrates_the_first_exchange_and_a_chat_turn() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        assert!(
            text.contains("[client] → server: b'hello!' (6 bytes)"),
            "{text}"
        );
        assert!(
            text.contains("[server] ← client: b'hello!' (6 bytes)"),
            "{text}"
        );
        assert!(
            text.contains("[client] ← server: b'hi' (2 bytes)"),
            "{text}"
        );
        assert!(
            text.contains(r"[server] → client: b'\xe4\xbd\xa0\xe5\xa5\xbd' (6 bytes)"),
            "{text}"
        );
        assert!(text.contains("[server] → client: b'q' (1 bytes)"), "{text}");
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
