//! 四.套接字(socket)初使用 — tcp 聊天小工具, 服务器端: the tutorial's chat server. It
//! takes turns with one client: a line from the keyboard, sent UTF-8 encoded, then
//! the client's line; `q` ends the conversation and the server accepts the next one.
//!
//! Terminal 1: `cargo run -q -p tcp-demo --example chat_server`  (or `python3 tests/python/chat_server.py`)
//! Terminal 2: `cargo run -q -p tcp-demo --example chat_client`  (or `python3 tests/python/chat_client.py`)
//!
//! The lab program, `cargo run -q -p tcp-demo -- chat-server`, does the same with
//! timeouts, limits, characters cut in half and explained errors.

use std::env::args;
use std::io::{self, Read, Write};
use std::net::TcpListener;

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
    // The tutorial binds a classroom machine's 192.168.21.36:9000; we use 127.0.0.1.
    let addr = args().nth(1).unwrap_or_else(|| "127.0.0.1:9000".into());
    // Python: sk.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1) — std's bind
    // already sets SO_REUSEADDR on Unix. Python: sk.bind(...); sk.listen()
    let sk = TcpListener::bind(addr)?;
    println!("listening on {}", sk.local_addr()?); // added, as in the Python copy
    'serve: loop {
        let (mut conn, _addr) = sk.accept()?; // Python: conn,addr = sk.accept()
        loop {
            // The end of the input stops the server (the Python copy: except EOFError).
            let Some(inp) = input(">>>")? else {
                break 'serve;
            };
            if inp == "q" {
                conn.write_all(inp.as_bytes())?; // Python: conn.send(inp.encode('utf-8'))
                break;
            }
            // A Rust String is UTF-8 already: its bytes are inp.encode('utf-8').
            conn.write_all(inp.as_bytes())?; // Python: conn.send(inp.encode('utf-8'))
            let mut buf = [0u8; 1024];
            let n = conn.read(&mut buf)?; // Python: msg = conn.recv(1024)
            let msg = &buf[..n];
            if msg == b"q" {
                break;
            }
            // Python's decode('utf-8') raises on invalid bytes; lossy shows them as �.
            println!("{}", String::from_utf8_lossy(msg)); // Python: print(msg.decode('utf-8'))
        } // conn is dropped here. Python: conn.close()  # 四次挥手
    }
    Ok(()) // Python: sk.close()
}
