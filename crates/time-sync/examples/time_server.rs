//! 四.套接字(socket)初使用 — 时间服务器, the teacher's version (老师版本): a UDP server
//! that answers each datagram with the time in the strftime format the datagram
//! holds; an empty datagram means '%Y-%m-%d %X'.
//!
//! Terminal 1: `cargo run -q -p time-sync --example time_server`  (or `python3 tests/python/time_server.py`)
//! Terminal 2: `cargo run -q -p time-sync --example time_client`  (or `python3 tests/python/time_client.py`)
//!
//! The lab program, `cargo run -q -p time-sync -- server`, does the same with
//! validated formats, replies no bigger than the request, and explained errors.

use std::env::args;
use std::fmt::Write as _;
use std::net::UdpSocket;

use chrono::Local;

fn main() -> std::io::Result<()> {
    let ip_port = args().nth(1).unwrap_or_else(|| "127.0.0.1:9000".into());
    let bufsize = 1024;
    // Python: tcp_server = socket(AF_INET, SOCK_DGRAM) — a UDP socket, whatever its name.
    // Python: tcp_server.setsockopt(SOL_SOCKET,SO_REUSEADDR,1): for UDP it only matters
    // when two servers share a port, and std has no switch for it; left out.
    let tcp_server = UdpSocket::bind(ip_port)?; // Python: tcp_server.bind(ip_port)
    println!("listening on {}", tcp_server.local_addr()?); // added, as in the Python copy
    let mut buf = vec![0u8; bufsize];
    loop {
        let (n, addr) = tcp_server.recv_from(&mut buf)?; // Python: msg, addr = tcp_server.recvfrom(bufsize)
        let msg = &buf[..n];
        println!("===> b'{}'", msg.escape_ascii()); // Python: print('===>', msg)
        let time_fmt = if msg.is_empty() {
            "%Y-%m-%d %X".to_string() // Python: if not msg: time_fmt = '%Y-%m-%d %X'
        } else {
            // Python: msg.decode('utf-8') raises on invalid bytes and ends the server.
            String::from_utf8_lossy(msg).into_owned()
        };
        // Python: back_msg = strftime(time_fmt). chrono's format(..).to_string() PANICS
        // on a specifier it does not know, such as %Q: one datagram would end the
        // server. write! returns the error instead, and the client gets an answer.
        // (Python's strftime copies %Q through on Linux, but raises ValueError on
        // Windows and for a NUL byte; uncaught, that too ends the teacher's server.)
        let mut back_msg = String::new();
        if write!(back_msg, "{}", Local::now().format(&time_fmt)).is_err() {
            back_msg = format!("error: cannot format {time_fmt:?}");
        }
        tcp_server.send_to(back_msg.as_bytes(), addr)?; // Python: tcp_server.sendto(back_msg.encode('utf-8'), addr)
    }
}
