//! # time-sync — chapter 4 (四.套接字初使用): the time server, and real NTP
//!
//! The tutorial's last UDP program is a time server (时间服务器): a client sends a
//! strftime format such as `%Y-%m-%d %H:%M:%S`, the server replies with its local
//! time in that format. This crate is that server and its client, hardened the way
//! a UDP service must be (bad formats, invalid UTF-8, amplification), and then the
//! real thing: clocks are synchronised with NTP, whose four timestamps give the
//! offset between two clocks and the network delay. Our SNTP client and server
//! talk to chrony, the NTP implementation most Linux distributions ship.
//!
//! Which file holds which part of the chapter, in the order the book reads them
//! (the one-file listings, `examples/time_server.rs` and `examples/time_client.rs`,
//! are the tutorial's programs as they are; these files are the lab):
//!
//! | file | part of the chapter | command |
//! |---|---|---|
//! | [`format`](mod@format) | rendering a peer's strftime format without panicking, and without amplifying | |
//! | [`format_server`], [`format_client`] | the tutorial's UDP time server and client | `server`, `client` |
//! | [`droplog`] | what a UDP server does about its peers' mistakes: keep serving, log without flooding | |
//! | [`timestamp`] | NTP's 64-bit timestamps: 1900 epoch, 32-bit fraction, eras | |
//! | [`packet`] | the 48-byte NTP header, as named big-endian fields | |
//! | [`exchange`] | T1..T4, offset θ and delay δ | |
//! | [`sntp_client`], [`sntp_server`] | SNTP (RFC 4330) both ways | `sntp`, `sntp-server --plain --threads 1` |
//! | [`explain`] | one exchange, drawn | `explain` |
//! | [`demo`](mod@demo) | the tour's narrated chapter 4 (time part) | `cargo run -q -- --chapter 4` |
//!
//! Apart from the lesson, the machinery of "Speed: many requests in flight":
//!
//! | file | what it adds | command |
//! |---|---|---|
//! | [`fast`] | one socket per core on one port (`SO_REUSEPORT`), one thread each | `sntp-server` |
//! | `fast/batch.rs` (Linux) | `recvmmsg`/`sendmmsg`: many datagrams per system call | `sntp-server` (without `--plain`) |
//! | [`fast::bench`] | requests per second and latency, many requests in flight | `bench` |
//!
//! `main.rs` is the command line: it parses the arguments, calls these modules and
//! turns their errors into the conventional messages and exit codes.
//!
//! Terminal 1: `cargo run -p time-sync -- server`
//! Terminal 2: `cargo run -p time-sync -- client --format '%Y-%m-%d %H:%M:%S'`
//!
//! Terminal 1: `cargo run -p time-sync -- sntp-server`
//! Terminal 2: `cargo run -p time-sync -- sntp --addr 127.0.0.1:12300`

pub mod demo;
pub mod droplog;
pub mod exchange;
pub mod explain;
pub mod fast;
pub mod format;
pub mod format_client;
pub mod format_server;
pub mod packet;
pub mod sntp_client;
pub mod sntp_server;
pub mod timestamp;

pub use demo::demo;
