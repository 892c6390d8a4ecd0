//! 一.楔子 — b reads what a left in the file (examples/a.rs).
//!
//! Terminal 1: `cargo run -q --example a`  (or `python3 tests/python/a.py`)
//! Terminal 2: `cargo run -q --example b`  (or `python3 tests/python/b.py`)
//!
//! Nothing tells b that a has written: run b first and the file is not there yet.

use std::env::args;

fn main() -> std::io::Result<()> {
    let path = args().nth(1).unwrap_or_else(|| "message.txt".into());
    let msg = std::fs::read_to_string(&path)?; // Python: with open(path, encoding='utf-8') as f: msg = f.read()
    println!("read from {path}: {msg}");
    Ok(())
}
