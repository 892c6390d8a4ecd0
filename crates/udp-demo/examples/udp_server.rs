//! 四.套接字(socket)初使用 — 基于UDP协议的socket, server端: the tutorial's first UDP
//! server, line by line. No listen, no accept: it receives one datagram, prints it
//! and answers b'hi' to the address the datagram came from.
//!
//! Terminal 1: `cargo run -q -p udp-demo --example udp_server`  (or `python3 tests/python/udp_server.py`)
//! Terminal 2: `cargo run -q -p udp-demo --example udp_client`  (or `python3 tests/python/udp_client.py`)
//!
//! The lab program, `cargo run -q -p udp-demo -- server`, does the same and also
//! reports a datagram cut short by the 1024-byte buffer, with explained errors.

use std::env::args;
use std::net::UdpSocket;

fn main() -> std::io::Result<()> {
    let addr = args().nth(1).unwrap_or_else(|| "127.0.0.1:9000".into());
    // Python: udp_sk = socket.socket(type=socket.SOCK_DGRAM); udp_sk.bind(('127.0.0.1',9000))
    let udp_sk = UdpSocket::bind(addr)?;
    println!("listening on {}", udp_sk.local_addr()?); // added, as in the Python copy
    let mut buf = [0u8; 1024];
    let (n, addr) = udp_sk.recv_from(&mut buf)?; // Python: msg,addr = udp_sk.recvfrom(1024)
    let msg = &buf[..n]; // one whole datagram (cut at 1024 bytes if it was longer)
    println!("b'{}'", msg.escape_ascii()); // Python: print(msg)
    udp_sk.send_to(b"hi", addr)?; // Python: udp_sk.sendto(b'hi',addr)
    drop(udp_sk); // Python: udp_sk.close()
    Ok(())
}
