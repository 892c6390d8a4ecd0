//! # chat — chapter 8, 八.socketserver模块: concurrent servers
//!
//! The tutorial ends with Python's `socketserver`: a server that serves many
//! clients at once by giving each one a thread. This crate teaches that idea and
//! where it leads. The listings (`examples/socketserver_server.rs`,
//! `socketserver_client.rs`) are the tutorial's programs; the library is the lab.
//!
//! The socketserver twin:
//! - [`socketserver`]: `ThreadingTCPServer` and `BaseRequestHandler` in Rust
//!   (one thread per connection, a bounded number of them); [`listener`]: the
//!   big listen backlog.
//! - [`echo`]: the tutorial's upper-casing handler (`chat threaded-echo`), and
//!   the same echo as tokio tasks (`chat async-echo`).
//!
//! The chat room (`chat server`, `chat client`):
//! - [`policy`]: every limit, named and explained; [`nick`], [`command`],
//!   [`rate`]: nicknames, commands, the per-client token bucket.
//! - [`room`] and [`session`]: the room's rules, without any socket.
//! - [`server`]: the room on tokio, wired to TCP with chapter 5's frames and
//!   chapter 7's HMAC handshake, and with `--web` to browsers over WebSocket
//!   (the page is in `web/`); [`client`]: the terminal/pipe client.
//! - [`demo`](mod@demo): the tour's three-client story (`chat demo`).
//!
//! Machinery and tooling, apart from the lessons: [`nofile`] (raising the
//! open-file limit for a crowd), [`bench`] (`chat bench`, `chat floor` and
//! `chat echo-bench`, measuring the servers), `failure.rs` (how the binary reports
//! this library's errors).
//!
//! Terminal 1: `cargo run -p chat -- threaded-echo`
//! Terminal 2: `python3 tests/python/socketserver_client.py 127.0.0.1:9999`
//!
//! Terminal 1: `cargo run -p chat -- server --web 127.0.0.1:8080`
//! Terminals 2 and 3: `cargo run -p chat -- client --nick alice` (and `--nick bob`)
//! A browser: <http://127.0.0.1:8080/>

pub mod echo;
pub mod listener;
pub mod socketserver;

pub mod client;
pub mod command;
pub mod demo;
pub mod nick;
pub mod policy;
pub mod rate;
pub mod room;
pub mod server;
pub mod session;

pub mod nofile;

pub mod bench;
mod failure;

pub use demo::demo;
