//! The tour's chapter 5, last part: a conversation behind the proxy. The
//! server answers `dir` with one `send` of 23 bytes; `framing proxy --split 7`
//! delivers it in four pieces, and the client's `recv(1024)` takes them one
//! by one. The pieces the proxy delivered are narrated once the conversation
//! is over, so the transcript is the same on every run.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use netlab_common::bytes::python_repr;
use netlab_common::{DemoResult, Narrator};

use super::carry_both;
use super::chaos::{Chaos, Split};
use super::link::{Direction, Watcher};
use crate::sticky::pretend_to_run;

/// How long any step of the demo may wait (normally microseconds).
const DEMO_TIMEOUT: Duration = Duration::from_secs(5);

/// Remembers every piece the proxy delivered, in order.
#[derive(Debug, Default)]
struct Pieces(Mutex<Vec<(Direction, Vec<u8>)>>);

impl Watcher for Pieces {
    fn delivered(&self, direction: Direction, piece: &[u8]) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((direction, piece.to_vec()));
    }
}

fn timed(conn: &TcpStream) -> std::io::Result<()> {
    conn.set_read_timeout(Some(DEMO_TIMEOUT))?;
    conn.set_write_timeout(Some(DEMO_TIMEOUT))?;
    conn.set_nodelay(true)
}

/// The tour's proxied conversation.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.section("五.黏包 (c): any program behind `framing proxy --split 7`");
    let server_listener = TcpListener::bind("127.0.0.1:0")?;
    let server_addr = server_listener.local_addr()?;
    let server_side = thread::spawn(move || -> std::io::Result<()> {
        let (mut conn, _) = server_listener.accept()?;
        timed(&conn)?;
        let mut buf = [0u8; 1024];
        let n = conn.read(&mut buf)?; // Python: cmd = conn.recv(1024)
        conn.write_all(&pretend_to_run(buf.get(..n).unwrap_or_default()))?;
        Ok(()) // closing the connection: the answer is all there is
    });
    let proxy_listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect_timeout(&proxy_listener.local_addr()?, DEMO_TIMEOUT)?;
    timed(&client)?;
    let (from_client, _) = proxy_listener.accept()?;
    let to_server = TcpStream::connect_timeout(&server_addr, DEMO_TIMEOUT)?;
    for conn in [&from_client, &to_server] {
        timed(conn)?;
    }
    let chaos = Chaos {
        split: Some(Split::Fixed(7)),
        ..Chaos::default()
    };
    let pieces = Pieces::default();
    let (up, down) = thread::scope(|scope| {
        let proxy = scope.spawn(|| carry_both(&from_client, &to_server, &chaos, 1, 1, &pieces));
        let client_side = (|| -> std::io::Result<()> {
            narrator.send("client", "server", b"dir");
            client.write_all(b"dir")?; // Python: phone.send(b'dir')
            let mut buf = [0u8; 1024];
            loop {
                let n = client.read(&mut buf)?; // Python: data = phone.recv(1024)
                if n == 0 {
                    break;
                }
                narrator.event(
                    "client",
                    &format!("recv(1024) → {n} bytes: {}", python_repr(&buf[..n])),
                );
            }
            client.shutdown(Shutdown::Write)
        })();
        let relayed = proxy.join().unwrap_or_else(|_| {
            (
                Err(std::io::Error::other("proxy panicked")),
                Ok(Default::default()),
            )
        });
        (client_side.and(relayed.0), relayed.1)
    });
    up?;
    down?;
    server_side.join().map_err(|_| "demo server panicked")??;
    let pieces = pieces
        .0
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let answer: Vec<String> = pieces
        .iter()
        .filter(|(direction, _)| *direction == Direction::ServerToClient)
        .map(|(_, piece)| format!("{} ", piece.len()))
        .collect();
    narrator.say(&format!(
        "the server sent its answer with one send(); the proxy delivered it in pieces of {}bytes,",
        answer.concat()
    ));
    narrator.say("each its own write, and each recv(1024) took one: the same with any program,");
    narrator
        .say("the tutorial's Python included. `--merge 50` does the opposite: 黏包 on purpose.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_reads_the_answer_in_pieces_of_seven_every_run() {
        let (first, one) = Narrator::capture();
        demo(&first).unwrap();
        let (second, two) = Narrator::capture();
        demo(&second).unwrap();
        assert_eq!(one.text(), two.text());
        let text = one.text();
        assert!(text.contains("recv(1024) → 7 bytes: b'a.txt  '"), "{text}");
        assert!(text.contains("pieces of 7 7 7 2 bytes"), "{text}");
    }
}
