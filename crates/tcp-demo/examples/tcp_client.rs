//! 四.套接字(socket)初使用 — 基于TCP协议的socket, client端: the tutorial's first TCP
//! client, line by line. It sends b'hello!' and prints the answer.
//!
//! Terminal 1: `cargo run -q -p tcp-demo --example tcp_server`  (or `python3 tests/python/tcp_server.py`)
//! Terminal 2: `cargo run -q -p tcp-demo --example tcp_client`  (or `python3 tests/python/tcp_client.py`)
//!
//! The lab program, `cargo run -q -p tcp-demo -- client`, does the same with
//! timeouts and explained errors.

use std::env::args;
use std::io::{Read, Write};
use std::net::TcpStream;

fn main() -> std::io::Result<()> {
    // The tutorial's client dials 8080 while its server listens on 8898: we use 8898.
    let addr = args().nth(1).unwrap_or_else(|| "127.0.0.1:8898".into());
    let mut sk = TcpStream::connect(addr)?; // Python: sk = socket.socket(); sk.connect(...)
    sk.write_all(b"hello!")?; // Python: sk.send(b'hello!')
    let mut buf = [0u8; 1024];
    let n = sk.read(&mut buf)?; // Python: ret = sk.recv(1024)
    println!("b'{}'", buf[..n].escape_ascii()); // Python: print(ret)
    drop(sk); // Python: sk.close()
    Ok(())
}
