//! 四.套接字(socket)初使用 — tcp 聊天小工具, client: the tutorial's chat client. It
//! prints the server's line, then sends one of its own, UTF-8 encoded; `q` from
//! either side ends the conversation.
//!
//! Terminal 1: `cargo run -q -p tcp-demo --example chat_server`  (or `python3 tests/python/chat_server.py`)
//! Terminal 2: `cargo run -q -p tcp-demo --example chat_client`  (or `python3 tests/python/chat_client.py`)
//!
//! The lab program, `cargo run -q -p tcp-demo -- chat-client`, does the same with
//! timeouts, limits, characters cut in half and explained errors.

use std::env::args;
use std::io::{self, Read, Write};
use std::net::TcpStream;

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
    let addr = args().nth(1).unwrap_or_else(|| "127.0.0.1:9000".into());
    let mut sk = TcpStream::connect(addr)?; // Python: sk = socket.socket(); sk.connect(...)
    loop {
        let mut buf = [0u8; 1024];
        let n = sk.read(&mut buf)?; // Python: msg = sk.recv(1024)
        let msg = &buf[..n];
        println!("{}", String::from_utf8_lossy(msg)); // Python: print(msg.decode('utf-8'))
        if msg == b"q" {
            break;
        }
        // The end of the input ends the conversation (Python: an EOFError traceback).
        let Some(inp) = input(">>>")? else { break };
        // Python sends in both branches of `if inp == 'q'`: one send here does.
        sk.write_all(inp.as_bytes())?; // Python: sk.send(inp.encode('utf-8'))
        if inp == "q" {
            break;
        }
    }
    Ok(()) // sk is dropped here. Python: sk.close()
}
