//! The tour's chapter 4 TCP demo: the first exchange and one turn of the line
//! chat, each with its server in a thread on 127.0.0.1:0.
//!
//! The lesson functions know nothing of the tour: they read and write a plain
//! connection. Here each connection is handed to them [`Watched`], so that every
//! write is narrated as a send and every read as a receipt.

use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::thread;
use std::time::Duration;

use netlab_common::narrate::Watched;
use netlab_common::{DemoResult, Narrator};

use crate::chat;
use crate::first::{self, Variant};

/// How long any step of the tour's demo may wait.
const DEMO_TIMEOUT: Duration = Duration::from_secs(2);

/// Any free port on loopback.
const ANY_PORT: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Chapter 4's TCP demo, run by the tour.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("TCP: the first server and client (tcp-demo server / client)");
    let listener = TcpListener::bind(ANY_PORT)?;
    let addr = listener.local_addr()?;
    narrator.event("server", "listening on 127.0.0.1:<port> (port varies)");
    let server_narrator = narrator.clone();
    let server = thread::spawn(move || -> std::io::Result<Vec<u8>> {
        let (conn, _) = listener.accept()?;
        first::set_timeouts(&conn, DEMO_TIMEOUT)?;
        let mut conn = Watched::new(conn, &server_narrator, "server", "client");
        first::serve_connection(&mut conn, Variant::ClientFirst)
    });
    let conn = first::connect(addr, DEMO_TIMEOUT)?;
    let mut conn = Watched::new(conn, narrator, "client", "server");
    first::client_exchange(&mut conn, Variant::ClientFirst, first::CLIENT_MESSAGE)?;
    server
        .join()
        .map_err(|_| std::io::Error::other("server thread panicked"))??;
    narrator.say("the server printed b'hello!' (Python: print(ret)) and closed the connection");

    narrator.section("TCP: one turn of the line chat (tcp-demo chat-server / chat-client)");
    let listener = TcpListener::bind(ANY_PORT)?;
    let addr = listener.local_addr()?;
    let server_narrator = narrator.clone();
    let server = thread::spawn(move || -> std::io::Result<chat::Ending> {
        let (conn, _) = listener.accept()?;
        first::set_timeouts(&conn, DEMO_TIMEOUT)?;
        let mut conn = Watched::new(conn, &server_narrator, "server", "client");
        // The server's "keyboard": one line, then q.
        let mut input = Cursor::new("你好\nq\n".as_bytes().to_vec());
        let mut shown = Vec::new();
        let mut console = chat::Console::new(&mut input, &mut shown, false);
        chat::serve_conversation(&mut conn, &mut console)
    });
    let conn = chat::connect(addr, DEMO_TIMEOUT, DEMO_TIMEOUT)?;
    let mut conn = Watched::new(conn, narrator, "client", "server");
    let mut input = Cursor::new("再见\n".as_bytes().to_vec());
    let mut shown = Vec::new();
    let mut console = chat::Console::new(&mut input, &mut shown, false);
    chat::client_conversation(&mut conn, &mut console)?;
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
