//! The tour's chapter 8 demo: three clients in one chat room, a private message
//! and a `/quit`, all inside this process on 127.0.0.1 port 0.
//!
//! The transcript is the same on every run: each step waits for the deliveries
//! it expects (with a timeout) before the next step starts, and receipts are
//! narrated in a fixed client order after they arrived.

use std::net::SocketAddr;
use std::time::Duration;

use netlab_common::{DemoResult, Narrator};
use tokio::sync::oneshot;

use crate::client::Connection;
use crate::policy::Policy;

/// How long the demo waits for any one delivery before it gives up.
const STEP_TIMEOUT: Duration = Duration::from_secs(2);

/// A demo client: a connection and the name the transcript calls it by.
struct Client {
    name: &'static str,
    connection: Connection,
}

impl Client {
    async fn join(
        narrator: &Narrator,
        addr: SocketAddr,
        name: &'static str,
    ) -> Result<Client, Box<dyn std::error::Error + Send + Sync>> {
        narrator.send(name, "server", name.as_bytes());
        let (connection, welcome) = Connection::join(addr, name, None, STEP_TIMEOUT).await?;
        narrator.receive(name, "server", welcome.as_bytes());
        Ok(Client { name, connection })
    }

    async fn send(&mut self, narrator: &Narrator, line: &str) -> DemoResult {
        narrator.send(self.name, "server", line.as_bytes());
        self.connection.send(line).await?;
        Ok(())
    }

    /// Waits for the next line, which must be `expected`, and narrates it.
    async fn expect(&mut self, narrator: &Narrator, expected: &str) -> DemoResult {
        let line = self.connection.recv().await?;
        match line {
            Some(line) if line == expected => {
                narrator.receive(self.name, "server", line.as_bytes());
                Ok(())
            }
            other => Err(format!("{} expected {expected:?}, got {other:?}", self.name).into()),
        }
    }

    /// Waits for the server to close the connection.
    async fn expect_close(&mut self, narrator: &Narrator) -> DemoResult {
        match self.connection.recv().await? {
            None => {
                narrator.event(self.name, "connection closed by the server");
                Ok(())
            }
            Some(line) => Err(format!("{} expected the close, got {line:?}", self.name).into()),
        }
    }
}

// ANCHOR: demo
/// Chapter 8's demo (see the module documentation).
pub fn demo(narrator: &Narrator) -> DemoResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(chat_room(narrator))
}

async fn chat_room(narrator: &Narrator) -> DemoResult {
    narrator.section("chat: a tokio chat room, three clients (socketserver's idea, grown up)");
    let listener = crate::server::bind("127.0.0.1:0".parse()?)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(crate::server::run(
        listener,
        None,
        Policy::default(),
        None,
        async {
            let _ = stopped.await;
        },
    ));
    narrator.event(
        "server",
        "listening on 127.0.0.1 (port varies); one task per client",
    );
    narrator.say("every message, both ways, is one frame: a 4-byte big-endian length, then UTF-8 text (chapter 5)");
    narrator.say("the first frame a client sends is its nickname");

    let mut alice = Client::join(narrator, addr, "alice").await?;
    let mut bob = Client::join(narrator, addr, "bob").await?;
    alice.expect(narrator, "* bob joined").await?;
    let mut carol = Client::join(narrator, addr, "carol").await?;
    alice.expect(narrator, "* carol joined").await?;
    bob.expect(narrator, "* carol joined").await?;

    narrator.say("a room message reaches everyone once, the sender too");
    alice.send(narrator, "hello, everyone").await?;
    for client in [&mut alice, &mut bob, &mut carol] {
        client.expect(narrator, "alice: hello, everyone").await?;
    }

    narrator.say("/msg: a private message reaches only its target (and comes back to its sender)");
    bob.send(narrator, "/msg carol lunch at noon?").await?;
    carol
        .expect(narrator, "[private] bob: lunch at noon?")
        .await?;
    bob.expect(narrator, "[private to carol] bob: lunch at noon?")
        .await?;

    narrator.say("/quit: the server says goodbye, closes, and tells the others");
    carol.send(narrator, "/quit").await?;
    carol.expect(narrator, "= goodbye, carol").await?;
    carol.expect_close(narrator).await?;
    alice.expect(narrator, "* carol left").await?;
    bob.expect(narrator, "* carol left").await?;
    // alice heard nothing of the private message: her next line is the leave notice.

    narrator.say("Ctrl-C on the server: every client is told, then the server exits");
    let _ = stop.send(());
    for client in [&mut alice, &mut bob] {
        client
            .expect(narrator, "! server shutting down; goodbye")
            .await?;
        client.expect_close(narrator).await?;
    }
    drop((alice, bob, carol));
    tokio::time::timeout(STEP_TIMEOUT, server).await??;
    narrator.event("server", "stopped");
    Ok(())
}
// ANCHOR_END: demo

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_tells_the_same_story_every_time() {
        let (narrator, captured) = Narrator::capture();
        demo(&narrator).unwrap();
        let text = captured.text();
        for line in [
            "[alice] → server: b'alice' (5 bytes)",
            "[carol] ← server: b'[private] bob: lunch at noon?' (29 bytes)",
            "[bob] ← server: b'* carol left' (12 bytes)",
            "[carol] connection closed by the server",
            "[server] stopped",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        let (again, captured_again) = Narrator::capture();
        demo(&again).unwrap();
        assert_eq!(text, captured_again.text());
    }
}
