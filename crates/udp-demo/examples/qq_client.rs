//! 四.套接字(socket)初使用 — qq聊天, the client: choose a contact from the table
//! (金老板, 哪吒, egg, yuan), then send lines to them, UTF-8 encoded; `q` goes back
//! to choosing a contact.
//!
//! Terminal 1: `cargo run -q -p udp-demo --example qq_server`  (or `python3 tests/python/qq_server.py`)
//! Terminal 2: `cargo run -q -p udp-demo --example qq_client`  (or `python3 tests/python/qq_client.py`)
//!
//! The lab program, `cargo run -q -p udp-demo -- qq-client`, does the same with
//! your own contacts, a timeout for lost replies, limits and explained errors.

use std::collections::HashMap;
use std::env::args;
use std::io::{self, Write};
use std::net::UdpSocket;

const BUFSIZE: usize = 1024; // Python: BUFSIZE=1024

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
    // Every contact's address: the first argument, or the tutorial's 127.0.0.1:8081.
    let server = args().nth(1).unwrap_or_else(|| "127.0.0.1:8081".into());
    // Python: udp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    let udp_client_socket = UdpSocket::bind("0.0.0.0:0")?; // (Python binds at the first sendto)
    let qq_name_dic = HashMap::from([
        ("金老板", server.as_str()),
        ("哪吒", server.as_str()),
        ("egg", server.as_str()),
        ("yuan", server.as_str()),
    ]);
    // The end of the input stops the client (the Python copy: except EOFError).
    while let Some(qq_name) = input("请选择聊天对象: ")? {
        let qq_name = qq_name.trim(); // Python: .strip()
        loop {
            let msg = input("请输入消息,回车发送,输入q结束和他的聊天: ")?;
            let Some(msg) = msg else { return Ok(()) }; // the end of the input, here too
            let msg = msg.trim(); // Python: .strip()
            if msg == "q" {
                break;
            }
            // Python: if not msg or not qq_name or qq_name not in qq_name_dic: continue
            if msg.is_empty() || !qq_name_dic.contains_key(qq_name) {
                continue;
            }
            udp_client_socket.send_to(msg.as_bytes(), qq_name_dic[qq_name])?; // Python: sendto(msg.encode('utf-8'),qq_name_dic[qq_name])
            let mut back_msg = [0u8; BUFSIZE];
            let (n, addr) = udp_client_socket.recv_from(&mut back_msg)?; // Python: back_msg,addr = recvfrom(BUFSIZE)
            let back_msg = String::from_utf8_lossy(&back_msg[..n]);
            let (ip, port) = (addr.ip(), addr.port());
            println!("来自[{ip}:{port}]的一条消息:\x1b[1;44m{back_msg}\x1b[0m"); // Python: print('来自[%s:%s]...' % ...)
        }
    }
    Ok(()) // udp_client_socket is dropped here. Python: udp_client_socket.close()
}
