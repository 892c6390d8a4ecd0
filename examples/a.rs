//! 一.楔子 — a.py and b.py want to pass data. The tutorial's first answer: a writes
//! it to a file, b reads the file. This is a; examples/b.rs is b.
//!
//! Terminal 1: `cargo run -q --example a`  (or `python3 tests/python/a.py`)
//! Terminal 2: `cargo run -q --example b`  (or `python3 tests/python/b.py`)
//!
//! Both must see the same disk; on two computers they cannot. That is what the
//! network, and chapter 4's sockets, are for (the tour's chapter 1 shows both).

use std::env::args;

fn main() -> std::io::Result<()> {
    // The file: the first argument, or message.txt in the current directory.
    let path = args().nth(1).unwrap_or_else(|| "message.txt".into());
    let msg = "你好, b! 我是 a.";
    std::fs::write(&path, msg)?; // Python: with open(path, 'w', encoding='utf-8') as f: f.write(msg)
    println!("wrote to {path}: {msg}");
    Ok(())
}
