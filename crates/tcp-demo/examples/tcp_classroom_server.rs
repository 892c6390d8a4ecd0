//! 四.套接字(socket)初使用 — 上课例题, the classroom TCP server (port 8080): this time
//! the server speaks first, b'hello', then reads the answer.
//!
//! Terminal 1: `cargo run -q -p tcp-demo --example tcp_classroom_server`  (or `python3 tests/python/tcp_classroom_server.py`)
//! Terminal 2: `cargo run -q -p tcp-demo --example tcp_classroom_client`  (or `python3 tests/python/tcp_classroom_client.py`)
//!
//! The lab program, `cargo run -q -p tcp-demo -- server --greet-first`, does the
//! same with timeouts, limits and explained errors.

use std::env::args;
use std::io::{Read, Write};
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let addr = args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".into());
    let sk = TcpListener::bind(addr)?; // Python: sk = socket.socket(); sk.bind(...); sk.listen()
    println!("listening on {}", sk.local_addr()?); // added, as in the Python copy
    let (mut conn, addr) = sk.accept()?; // Python: conn,addr = sk.accept()  # 阻塞
    // Python: print(conn) — each language describes a socket its own way.
    println!("{conn:?}");
    println!("('{}', {})", addr.ip(), addr.port()); // Python: print(addr)
    conn.write_all(b"hello")?; // Python: conn.send(b'hello')
    let mut buf = [0u8; 1024];
    let n = conn.read(&mut buf)?; // Python: msg = conn.recv(1024)  # 有发必有收
    println!("b'{}'", buf[..n].escape_ascii()); // Python: print(msg)
    drop(conn); // Python: conn.close()  # 挂电话
    drop(sk); // Python: sk.close()  # 关机
    Ok(())
}
