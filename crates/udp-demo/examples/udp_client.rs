//! 四.套接字(socket)初使用 — 基于UDP协议的socket, client端: the tutorial's first UDP
//! client, line by line. It sends b'hello' and prints the answer and who sent it.
//!
//! Terminal 1: `cargo run -q -p udp-demo --example udp_server`  (or `python3 tests/python/udp_server.py`)
//! Terminal 2: `cargo run -q -p udp-demo --example udp_client`  (or `python3 tests/python/udp_client.py`)
//!
//! The lab program, `cargo run -q -p udp-demo -- client`, does the same with a
//! timeout: a lost datagram would leave this one waiting forever, as in Python.

use std::env::args;
use std::net::UdpSocket;

fn main() -> std::io::Result<()> {
    let ip_port = args().nth(1).unwrap_or_else(|| "127.0.0.1:9000".into());
    // Python: udp_sk = socket.socket(type=socket.SOCK_DGRAM). Python binds the
    // socket to ('0.0.0.0', any free port) by itself at the first sendto; Rust
    // asks for it in so many words.
    let udp_sk = UdpSocket::bind("0.0.0.0:0")?;
    udp_sk.send_to(b"hello", &ip_port)?; // Python: udp_sk.sendto(b'hello',ip_port)
    let mut buf = [0u8; 1024];
    let (n, addr) = udp_sk.recv_from(&mut buf)?; // Python: back_msg,addr = udp_sk.recvfrom(1024)
    let back_msg = String::from_utf8_lossy(&buf[..n]); // Python: back_msg.decode('utf-8')
    println!("{back_msg} ('{}', {})", addr.ip(), addr.port()); // Python: print(back_msg.decode('utf-8'),addr)
    Ok(())
}
