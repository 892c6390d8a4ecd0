use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ex_tcp_echo_server::{handle_client, serve};

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(5);

/// A server running `serve` on 127.0.0.1:0 in a thread.
fn start(idle_timeout: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || serve(&listener, idle_timeout));
    addr
}

fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    conn
}

/// Sends `data`, closes our side, and reads everything echoed back.
fn echo_all(addr: SocketAddr, data: &[u8]) -> Vec<u8> {
    let mut conn = connect(addr);
    let writer = {
        let mut conn = conn.try_clone().unwrap();
        let data = data.to_vec();
        thread::spawn(move || {
            conn.write_all(&data).unwrap();
            conn.shutdown(Shutdown::Write).unwrap();
        })
    };
    let mut back = Vec::new();
    conn.read_to_end(&mut back)
        .expect("the echo should end when we close");
    writer.join().unwrap();
    back
}

#[test]
fn echoes_the_tutorials_hello() {
    let addr = start(LIMIT);
    assert_eq!(echo_all(addr, b"hello!"), b"hello!");
}

#[test]
fn echoes_several_messages_on_one_connection() {
    let addr = start(LIMIT);
    let mut conn = connect(addr);
    for message in [&b"one"[..], "你好".as_bytes(), b"three"] {
        conn.write_all(message).unwrap();
        let mut back = vec![0u8; message.len()];
        conn.read_exact(&mut back).expect("each message comes back");
        assert_eq!(back, message);
    }
}

#[test]
fn echoes_a_big_message_completely() {
    let addr = start(LIMIT);
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(echo_all(addr, &data), data);
}

#[test]
fn returns_the_number_of_bytes_echoed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = thread::spawn(move || echo_all(addr, &[7u8; 3000]));
    let (conn, _) = listener.accept().unwrap();
    assert_eq!(handle_client(conn, LIMIT).unwrap(), 3000);
    assert_eq!(client.join().unwrap().len(), 3000);
}

#[test]
fn a_silent_client_does_not_block_the_next_one() {
    let addr = start(Duration::from_millis(200));
    let _silent = connect(addr);
    // The server drops the silent client after 200ms and serves us.
    assert_eq!(echo_all(addr, b"still there?"), b"still there?");
}

#[test]
fn a_silent_client_is_an_error_after_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let _silent = connect(listener.local_addr().unwrap());
    let (conn, _) = listener.accept().unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let _ = done_tx.send(handle_client(conn, Duration::from_millis(100)));
    });
    let result = done_rx
        .recv_timeout(LIMIT)
        .expect("handle_client must give up on a silent client");
    assert!(result.is_err());
}
