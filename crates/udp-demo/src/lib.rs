//! # udp-demo — the tutorial's UDP programs, in Rust, speaking the same bytes
//!
//! Chapter 4 of the tutorial 网络编程 (四.套接字初使用, 基于UDP协议的socket). Which
//! file holds which part, in the book's order (the one-file listings,
//! `examples/udp_server.rs` and the others named after the tutorial's Python
//! files, are the programs as the tutorial writes them; these files are the lab,
//! with timeouts, limits and explained errors):
//!
//! | file | what it teaches | commands |
//! |---|---|---|
//! | [`simple`] | the first UDP server and client: `b'hello'` → `b'hi'` | `udp-demo server` / `udp-demo client` |
//! | [`qq`] | the "QQ chat": one socket, many peers, a contact table | `udp-demo qq-server` / `udp-demo qq-client` |
//! | [`boundaries`] | datagrams keep their boundaries, and are truncated | `udp-demo boundaries` |
//!
//! Apart from the lessons: `demo.rs` is the tour's narrated chapter 4 UDP part
//! ([`demo`]), narrating around the lesson functions; `main.rs` is the command
//! line (arguments, binding and the `listening on` line, errors to exit codes).
//!
//! Each program talks to the tutorial's Python program in both directions (the
//! Python programs are in the workspace's `tests/python/`):
//!
//! ```text
//! terminal 1: udp-demo server                  python3 tests/python/udp_server.py
//! terminal 2: python3 tests/python/udp_client.py    udp-demo client
//! ```
//!
//! UDP is connectionless: no `listen`, no `accept`, no `connect`; every
//! `recvfrom` returns one whole datagram and the address it came from. It is also
//! unreliable: a datagram can be lost, so every client here has a `--timeout`.

pub mod boundaries;
mod demo;
pub mod qq;
pub mod simple;

pub use demo::demo;
