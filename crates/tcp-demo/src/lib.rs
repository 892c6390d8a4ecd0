//! # tcp-demo — the tutorial's TCP programs, in Rust, speaking the same bytes
//!
//! Chapters 2, 4 and 6 of the tutorial 网络编程. Which file holds which part, in
//! the book's order (the one-file listings, `examples/tcp_server.rs` and the
//! others named after the tutorial's Python files, are the programs as the
//! tutorial writes them; these files are the lab, with timeouts, limits and
//! explained errors):
//!
//! | file | chapter | what it teaches | commands |
//! |---|---|---|---|
//! | [`http`] | 二.客户端/服务端架构 | B/S: a browser is just another client | `tcp-demo http` |
//! | [`first`] | 四.套接字初使用 | the first server and client: `b'hello!'` → `b'hi'` | `tcp-demo server` / `tcp-demo client` |
//! | [`reuse`] | 四 | "Address already in use", TIME_WAIT, `SO_REUSEADDR` | `tcp-demo reuse-demo`, `server --no-reuse-addr` |
//! | [`socket_params`] | 四 | `socket.socket(family, type, proto, fileno)`, each case on a real socket | `tcp-demo socket-params` |
//! | [`chat`] | 四 | the turn-taking line chat, UTF-8 over a stream | `tcp-demo chat-server` / `tcp-demo chat-client` |
//! | [`sockinfo`] | 六.socket的更多方法 | the socket method table, `send` vs `sendall` | `tcp-demo sockinfo` |
//!
//! Apart from the lessons: `demo.rs` is the tour's narrated chapter 4 ([`demo`];
//! chapters 2 and 6 narrate in [`http::demo`] and [`sockinfo::demo`]), watching
//! the lesson functions' connections from outside; `main.rs` is the command line
//! (arguments, binding and the `listening on` line, errors to exit codes).
//!
//! Each program can talk to the tutorial's Python program in both directions (the
//! Python programs are in the workspace's `tests/python/`):
//!
//! ```text
//! terminal 1: tcp-demo server                  python3 tests/python/tcp_server.py
//! terminal 2: python3 tests/python/tcp_client.py    tcp-demo client
//! ```
//!
//! This chapter is about the blocking socket API, so it uses `std::net`; socket2
//! appears only where std cannot express the lesson (turning SO_REUSEADDR off,
//! reading buffer sizes).

pub mod chat;
mod demo;
pub mod first;
pub mod http;
pub mod reuse;
pub mod socket_params;
pub mod sockinfo;

pub use demo::demo;
