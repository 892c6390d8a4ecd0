use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use ex_broadcast_except_sender::{MAX_LINE, QUEUE_CAPACITY, Room, serve};

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(5);

fn member(room: &mut Room, id: u64, capacity: usize) -> Receiver<String> {
    let (outbox, inbox) = sync_channel(capacity);
    room.join(id, outbox);
    inbox
}

/// Runs `broadcast` in a thread, so that a version that blocks fails the test
/// instead of hanging it.
fn broadcast(room: Room, from: u64, line: &'static str) -> (Room, Vec<u64>) {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut room = room;
        let dropped = room.broadcast(from, line);
        let _ = done_tx.send((room, dropped));
    });
    done_rx
        .recv_timeout(LIMIT)
        .expect("broadcast must never wait for a member")
}

#[test]
fn everyone_but_the_sender_gets_the_line() {
    let mut room = Room::default();
    let alice = member(&mut room, 1, 8);
    let bob = member(&mut room, 2, 8);
    let carol = member(&mut room, 3, 8);
    let (_room, dropped) = broadcast(room, 1, "alice: hi");
    assert!(dropped.is_empty());
    assert_eq!(bob.try_recv().unwrap(), "alice: hi");
    assert_eq!(carol.try_recv().unwrap(), "alice: hi");
    assert!(
        alice.try_recv().is_err(),
        "the sender got its own line back"
    );
}

#[test]
fn a_member_with_a_full_queue_is_dropped_and_the_others_still_get_the_line() {
    let mut room = Room::default();
    let _alice = member(&mut room, 1, 8);
    let _stuck = member(&mut room, 2, 1);
    let carol = member(&mut room, 3, 8);
    let (room, dropped) = broadcast(room, 1, "one");
    assert!(dropped.is_empty());
    let (room, dropped) = broadcast(room, 1, "two");
    assert_eq!(dropped, vec![2]);
    assert!(!room.members.contains_key(&2));
    assert_eq!(carol.try_recv().unwrap(), "one");
    assert_eq!(carol.try_recv().unwrap(), "two");
}

#[test]
fn a_member_whose_connection_ended_is_removed() {
    let mut room = Room::default();
    let _alice = member(&mut room, 1, 8);
    drop(member(&mut room, 2, 8));
    let (room, dropped) = broadcast(room, 1, "anyone?");
    assert_eq!(dropped, vec![2]);
    assert_eq!(room.members.len(), 1);
}

fn connect(addr: std::net::SocketAddr, name: &str) -> (TcpStream, BufReader<TcpStream>) {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    writeln!(conn, "{name}").unwrap();
    let reader = BufReader::new(conn.try_clone().unwrap());
    (conn, reader)
}

fn read_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a line within 5 s");
    line.trim_end().to_string()
}

#[test]
fn over_tcp_the_sender_does_not_hear_itself() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let room = Arc::new(Mutex::new(Room::default()));
    let server_room = Arc::clone(&room);
    thread::spawn(move || serve(listener, server_room));
    let (mut alice, mut alice_in) = connect(addr, "alice");
    let (mut bob, mut bob_in) = connect(addr, "bob");
    // Wait until both joined (the server reads names in its own threads).
    let deadline = std::time::Instant::now() + LIMIT;
    while room.lock().unwrap().members.len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "alice and bob never joined"
        );
        thread::yield_now();
    }
    writeln!(alice, "hello").unwrap();
    assert_eq!(read_line(&mut bob_in), "alice: hello");
    writeln!(bob, "hi alice").unwrap();
    // Alice's first line must be Bob's, not her own echo.
    assert_eq!(read_line(&mut alice_in), "bob: hi alice");
    assert!(QUEUE_CAPACITY > 0);
}

#[test]
fn a_client_sending_an_endless_line_is_disconnected() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || serve(listener, Arc::new(Mutex::new(Room::default()))));
    let (mut mallory, _) = connect(addr, "mallory");
    // Ten times the longest line, and no newline.
    let endless = vec![b'x'; 10 * MAX_LINE];
    let _ = mallory.write_all(&endless);
    // The server closes the connection: our read ends (0 bytes, or a reset
    // because it closed with our bytes unread) instead of waiting.
    let mut rest = Vec::new();
    match mallory.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) => assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the server kept a client sending an endless line: {e}"
        ),
    }
}
