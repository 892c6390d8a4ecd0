use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ex_line_reader::{MAX_LINE, read_line, serve_lines};

/// No test waits longer than this for anything.
const LIMIT: Duration = Duration::from_secs(5);

/// All the lines of `bytes`, read with `read_line`.
fn lines_of(bytes: &[u8]) -> io::Result<Vec<String>> {
    let mut reader = BufReader::new(bytes);
    let mut lines = Vec::new();
    while let Some(line) = read_line(&mut reader)? {
        lines.push(line);
    }
    Ok(lines)
}

#[test]
fn lines_without_their_ends() {
    assert_eq!(lines_of(b"one\ntwo\n").unwrap(), ["one", "two"]);
    assert_eq!(lines_of(b"").unwrap(), Vec::<String>::new());
    assert_eq!(lines_of(b"\n\n").unwrap(), ["", ""]);
}

#[test]
fn crlf_is_removed_too() {
    assert_eq!(
        lines_of(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap(),
        ["GET / HTTP/1.1", "Host: x"],
        "a line from Windows, telnet or HTTP ends with \\r\\n: both go"
    );
}

#[test]
fn a_last_line_without_a_newline_is_a_line() {
    assert_eq!(lines_of(b"one\nlast").unwrap(), ["one", "last"]);
}

#[test]
fn a_line_of_exactly_the_limit_is_read() {
    let line = "x".repeat(MAX_LINE);
    assert_eq!(
        lines_of(format!("{line}\r\n").as_bytes()).unwrap(),
        [line.clone()]
    );
    assert_eq!(lines_of(line.as_bytes()).unwrap(), [line]);
}

#[test]
fn a_line_longer_than_the_limit_is_an_error() {
    for bytes in [
        vec![b'x'; 10 * MAX_LINE],
        [vec![b'x'; MAX_LINE + 1], b"\n".to_vec()].concat(),
    ] {
        let error = lines_of(&bytes).expect_err("a line over MAX_LINE bytes");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
    }
}

#[test]
fn a_line_split_at_every_position_is_read_whole() {
    // A BufReader of 4 bytes over a slice: its buffer never holds a whole line.
    let bytes = b"hello\r\nworld\n";
    let mut reader = BufReader::with_capacity(4, &bytes[..]);
    assert_eq!(read_line(&mut reader).unwrap().as_deref(), Some("hello"));
    assert_eq!(read_line(&mut reader).unwrap().as_deref(), Some("world"));
    assert_eq!(read_line(&mut reader).unwrap(), None);
}

/// A server running `serve_lines` on one connection; its result comes back.
fn start() -> (SocketAddr, mpsc::Receiver<io::Result<u64>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        let _ = tx.send(serve_lines(conn));
    });
    (addr, rx)
}

fn connect(addr: SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    let reader = BufReader::new(conn.try_clone().unwrap());
    (conn, reader)
}

fn answer(reader: &mut BufReader<TcpStream>, after: &str) -> String {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) => panic!("the server closed the connection instead of answering {after:?}"),
        Ok(_) => line,
        Err(e) => panic!(
            "no answer to {after:?} within 5 s ({e}): is it still in a BufWriter that \
             nobody flushed?"
        ),
    }
}

#[test]
fn each_line_is_answered_at_once() {
    let (addr, served) = start();
    let (mut conn, mut reader) = connect(addr);
    // One line, then wait for its answer before sending the next.
    conn.write_all(b"hello\n").unwrap();
    assert_eq!(answer(&mut reader, "hello"), "HELLO\n");
    conn.write_all("你好, world\r\n".as_bytes()).unwrap();
    assert_eq!(answer(&mut reader, "你好, world"), "你好, WORLD\n");
    conn.shutdown(Shutdown::Write).unwrap();
    let count = served
        .recv_timeout(LIMIT)
        .expect("serve_lines returns when the client closes");
    assert_eq!(count.unwrap(), 2);
}

#[test]
fn two_lines_in_one_packet_get_two_answers() {
    let (addr, _served) = start();
    let (mut conn, mut reader) = connect(addr);
    // Both lines in one write: they arrive together, and one read takes both.
    conn.write_all(b"one\ntwo\n").unwrap();
    assert_eq!(answer(&mut reader, "one"), "ONE\n");
    assert_eq!(
        answer(&mut reader, "two (sent in the same packet as one)"),
        "TWO\n",
        "keep one BufReader for the whole connection: a new one forgets what the \
         last one had read ahead"
    );
}

#[test]
fn a_client_sending_an_endless_line_is_refused() {
    let (addr, served) = start();
    let (mut conn, _reader) = connect(addr);
    let _ = conn.write_all(&vec![b'x'; 10 * MAX_LINE]);
    let result = served
        .recv_timeout(LIMIT)
        .expect("serve_lines gives up on an endless line");
    let error = result.expect_err("an endless line is an error");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
    let mut rest = Vec::new();
    let _ = conn.read_to_end(&mut rest);
}
