//! 四.套接字(socket)初使用 — 基于TCP协议的socket, server端: the tutorial's first TCP
//! server, line by line. It accepts one client, prints what the client sent and
//! answers b'hi'.
//!
//! Terminal 1: `cargo run -q -p tcp-demo --example tcp_server`  (or `python3 tests/python/tcp_server.py`)
//! Terminal 2: `cargo run -q -p tcp-demo --example tcp_client`  (or `python3 tests/python/tcp_client.py`)
//!
//! The lab program, `cargo run -q -p tcp-demo -- server`, does the same with
//! timeouts, limits and explained errors.

use std::env::args;
use std::io::{Read, Write};
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    // The address: the first argument (tests pass 127.0.0.1:0), or the tutorial's.
    let addr = args().nth(1).unwrap_or_else(|| "127.0.0.1:8898".into());
    // Python: sk = socket.socket(); sk.bind(('127.0.0.1',8898)); sk.listen()
    // (one call in Rust; on Unix it also sets SO_REUSEADDR before bind: a restarted
    // server does not meet "Address already in use", see chapter 4's page)
    let sk = TcpListener::bind(addr)?;
    println!("listening on {}", sk.local_addr()?); // added, as in the Python copy
    let (mut conn, _addr) = sk.accept()?; // Python: conn,addr = sk.accept()
    let mut buf = [0u8; 1024];
    let n = conn.read(&mut buf)?; // Python: ret = conn.recv(1024)
    let ret = &buf[..n]; // the n bytes that arrived
    println!("b'{}'", ret.escape_ascii()); // Python: print(ret)
    conn.write_all(b"hi")?; // Python: conn.send(b'hi')
    drop(conn); // Python: conn.close()
    drop(sk); // Python: sk.close()
    Ok(())
}
