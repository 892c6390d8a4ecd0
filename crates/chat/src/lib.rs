//! # chat — chapter 8, 八.socketserver模块: concurrent servers
//!
//! The tutorial ends with Python's `socketserver`: a server that serves many
//! clients at once by giving each one a thread. This crate teaches that idea and
//! where it leads:
//!
//! - [`socketserver`] and [`echo`]: `ThreadingTCPServer` and the tutorial's
//!   upper-casing echo handler in Rust (`chat threaded-echo`), and the same echo
//!   on tokio (`chat async-echo`).
//!
//! Terminal 1: `cargo run -p chat -- threaded-echo`
//! Terminal 2: `python3 tests/python/socketserver_client.py 127.0.0.1:9999`

pub mod bench;
pub mod client;
pub mod command;
pub mod demo;
pub mod echo;
pub mod echo_bench;
pub mod listener;
pub mod nick;
pub mod policy;
pub mod rate;
pub mod room;
pub mod server;
pub mod session;
pub mod socketserver;

pub use demo::demo;
