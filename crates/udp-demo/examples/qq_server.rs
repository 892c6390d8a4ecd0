//! 四.套接字(socket)初使用 — qq聊天, the server: one UDP socket talks to every
//! client. Each datagram brings its sender's address; the server shows the message
//! on a blue background and sends back a line typed at the keyboard.
//!
//! Terminal 1: `cargo run -q -p udp-demo --example qq_server`  (or `python3 tests/python/qq_server.py`)
//! Terminal 2: `cargo run -q -p udp-demo --example qq_client`  (or `python3 tests/python/qq_client.py`)
//!
//! The lab program, `cargo run -q -p udp-demo -- qq-server`, does the same with
//! limits, colour only on a terminal, and explained errors.

use std::env::args;
use std::io::{self, Write};
use std::net::UdpSocket;

/// Python's `input(prompt)`: prints the prompt, reads one line from the keyboard
/// (or a pipe) without its newline; `None` at the end of the input (Python:
/// `EOFError`).
fn input(prompt: &str) -> io::Result<Option<String>> {
    print!("{prompt}");
    io::stdout().flush()?; // print! without a newline does not flush by itself
    let mut line = String::new();
    let n = io::stdin().read_line(&mut line)?; // 0 bytes: the end of the input
    Ok((n > 0).then(|| line.trim_end_matches('\n').to_string()))
}

fn main() -> io::Result<()> {
    let ip_port = args().nth(1).unwrap_or_else(|| "127.0.0.1:8081".into());
    // Python: udp_server_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); .bind(ip_port)
    let udp_server_sock = UdpSocket::bind(ip_port)?;
    println!("listening on {}", udp_server_sock.local_addr()?); // added, as in the Python copy
    let mut buf = [0u8; 1024];
    loop {
        let (n, addr) = udp_server_sock.recv_from(&mut buf)?; // Python: qq_msg,addr = udp_server_sock.recvfrom(1024)
        let qq_msg = String::from_utf8_lossy(&buf[..n]); // Python: qq_msg.decode('utf-8')
        // Python: print('来自[%s:%s]的一条消息:\033[1;44m%s\033[0m' %(addr[0],addr[1],...))
        let (ip, port) = (addr.ip(), addr.port());
        println!("来自[{ip}:{port}]的一条消息:\x1b[1;44m{qq_msg}\x1b[0m");
        // The end of the input stops the server (the Python copy: except EOFError).
        let Some(back_msg) = input("回复消息: ")? else {
            return Ok(());
        };
        let back_msg = back_msg.trim(); // Python: .strip()
        udp_server_sock.send_to(back_msg.as_bytes(), addr)?; // Python: sendto(back_msg.encode('utf-8'),addr)
    }
}
