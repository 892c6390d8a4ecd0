//! 四.套接字(socket)初使用 — 时间服务器, client端: asks the time server once for the
//! time in a strftime format and prints the answer.
//!
//! Terminal 1: `cargo run -q -p time-sync --example time_server`  (or `python3 tests/python/time_server.py`)
//! Terminal 2: `cargo run -q -p time-sync --example time_client`  (or `python3 tests/python/time_client.py`)
//!
//! The lab program, `cargo run -q -p time-sync -- client`, does the same, asks
//! again every `--interval` if you like, and explains a lost reply.

use std::env::args;
use std::net::UdpSocket;
use std::time::Duration;

fn main() -> std::io::Result<()> {
    let mut args = args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9000".into());
    let time_format = args.next().unwrap_or_else(|| "%Y-%m-%d %H:%M:%S".into());
    // Python: sk = socket.socket(type=socket.SOCK_DGRAM) (bound at the first sendto)
    let sk = UdpSocket::bind("0.0.0.0:0")?;
    // Added, as in the Python copy: a lost datagram must not leave us waiting forever.
    sk.set_read_timeout(Some(Duration::from_secs(10)))?; // Python: sk.settimeout(10)
    sk.send_to(time_format.as_bytes(), &addr)?; // Python: sk.sendto('%Y-%m-%d %H:%M:%S'.encode('utf-8'),(...))
    let mut buf = [0u8; 1024];
    let (n, _addr) = sk.recv_from(&mut buf)?; // Python: msg,addr = sk.recvfrom(1024)
    println!("{}", String::from_utf8_lossy(&buf[..n])); // Python: print(msg.decode('utf-8'))
    Ok(()) // sk is dropped here. Python: sk.close()
}
