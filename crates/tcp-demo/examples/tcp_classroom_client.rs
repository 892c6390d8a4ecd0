//! 四.套接字(socket)初使用 — 上课例题, the classroom TCP client: it reads the
//! server's greeting, then answers b'byebye!'.
//!
//! Terminal 1: `cargo run -q -p tcp-demo --example tcp_classroom_server`  (or `python3 tests/python/tcp_classroom_server.py`)
//! Terminal 2: `cargo run -q -p tcp-demo --example tcp_classroom_client`  (or `python3 tests/python/tcp_classroom_client.py`)
//!
//! The lab program, `cargo run -q -p tcp-demo -- client --greet-first`, does the
//! same with timeouts and explained errors.

use std::env::args;
use std::io::{Read, Write};
use std::net::TcpStream;

fn main() -> std::io::Result<()> {
    let addr = args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".into());
    let mut sk = TcpStream::connect(addr)?; // Python: sk = socket.socket(); sk.connect(...)  # 买个手机, 拨号
    let mut buf = [0u8; 1024];
    let n = sk.read(&mut buf)?; // Python: ret = sk.recv(1024)
    println!("b'{}'", buf[..n].escape_ascii()); // Python: print(ret)
    sk.write_all(b"byebye!")?; // Python: sk.send(b'byebye!')
    drop(sk); // Python: sk.close()
    Ok(())
}
