use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use ex_concurrent_echo::serve;

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(5);

/// A server running `serve` on 127.0.0.1:0 in a thread.
fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || serve(&listener));
    addr
}

fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    conn
}

/// Sends `text` and reads back as many bytes.
fn echo(conn: &mut TcpStream, text: &str) -> Vec<u8> {
    conn.write_all(text.as_bytes()).unwrap();
    let mut back = vec![0u8; text.len()];
    if let Err(e) = conn.read_exact(&mut back) {
        panic!(
            "sent {} bytes {text:?}, expected {} bytes back within 5 s, got none ({e}): \
             is another client blocking the server?",
            text.len(),
            text.len()
        );
    }
    back
}

#[test]
fn echoes_upper_cased_like_python_bytes_upper() {
    let addr = start();
    let mut conn = connect(addr);
    assert_eq!(echo(&mut conn, "hello"), b"HELLO");
    assert_eq!(echo(&mut conn, "straße 你好"), "STRAßE 你好".as_bytes());
}

#[test]
fn a_second_client_is_served_while_the_first_is_still_connected() {
    let addr = start();
    let mut alice = connect(addr);
    assert_eq!(echo(&mut alice, "alice"), b"ALICE");
    // Alice stays connected. A sequential server never gets to Bob.
    let mut bob = connect(addr);
    assert_eq!(echo(&mut bob, "bob"), b"BOB");
    assert_eq!(echo(&mut alice, "still here"), b"STILL HERE");
}

#[test]
fn sixteen_clients_connected_at_once_are_all_served() {
    let addr = start();
    // Everyone connects, talks, and stays connected until everyone had an
    // answer: only a concurrent server answers them all.
    let all_connected = Arc::new(Barrier::new(16));
    let all_answered = Arc::new(Barrier::new(16));
    let clients: Vec<_> = (0..16)
        .map(|i| {
            let (all_connected, all_answered) =
                (Arc::clone(&all_connected), Arc::clone(&all_answered));
            thread::spawn(move || {
                let mut conn = connect(addr);
                all_connected.wait();
                conn.write_all(format!("client {i}").as_bytes()).unwrap();
                let mut back = vec![0u8; format!("client {i}").len()];
                let answered = conn.read_exact(&mut back).is_ok();
                all_answered.wait();
                answered.then_some(back)
            })
        })
        .collect();
    for (i, client) in clients.into_iter().enumerate() {
        let back = client.join().unwrap();
        assert_eq!(
            back,
            Some(format!("CLIENT {i}").into_bytes()),
            "client {i} was not served"
        );
    }
}

#[test]
fn a_client_that_resets_does_not_stop_the_server() {
    let addr = start();
    let mut first = connect(addr);
    first.write_all(b"bye").unwrap();
    drop(first);
    let mut second = connect(addr);
    assert_eq!(echo(&mut second, "ok"), b"OK");
}
