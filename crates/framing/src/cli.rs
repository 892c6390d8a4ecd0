//! The command-line options of chapter 5's network programs, written once:
//! `framing cmd-server`, `cmd-client`, `receive` and `send` take them, and so do
//! their twins behind chapter 7's handshake (`auth cmd-server`, ...); `framing
//! proxy` takes [`ProxyArgs`]. Each turns into the library's configuration with
//! `config()`; a server's has no gate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::builder::RangedU64ValueParser;
use netlab_common::admission::Limits;
use netlab_common::cli::{parse_duration, parse_peer};

use crate::command::{self, ClientConfig, Protocol, ServerConfig};
use crate::proxy::chaos::{Chaos, Split, parse_split};
use crate::proxy::{self, ProxyConfig};
use crate::transfer::{
    self, DEFAULT_MAX_FILE_SIZE, HashPlacement, ReceiveConfig, Rules, SendConfig, SendReport,
};

/// `cmd-server`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct CmdServerArgs {
    /// Address to listen on (the tutorial's is 127.0.0.1:8888; port 0 = any).
    #[arg(long, default_value = "127.0.0.1:8888")]
    pub addr: SocketAddr,
    /// How messages are delimited: raw (the problem), ack or prefix (fixes).
    #[arg(long, value_enum, default_value = "raw")]
    pub protocol: Protocol,
    /// Clients one address may have at once (1 to 16; default 4, a quarter of
    /// the slots).
    #[arg(long, default_value_t = Limits::for_slots(command::MAX_CLIENTS).per_address,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=command::MAX_CLIENTS as u64))]
    pub max_per_address: usize,
    /// A new client must send its first command within this (e.g. 10s, 2m);
    /// until then it holds a waiting slot, not one of the 16 served ones.
    /// (Behind chapter 7's handshake, the handshake's deadline applies instead.)
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub first_command_timeout: Duration,
}

impl CmdServerArgs {
    /// The server these options describe, without a gate.
    pub fn config(&self) -> ServerConfig {
        ServerConfig {
            addr: self.addr,
            protocol: self.protocol,
            limits: Limits {
                per_address: self.max_per_address,
                ..Limits::for_slots(command::MAX_CLIENTS)
            },
            first_command_timeout: self.first_command_timeout,
            gate: None,
        }
    }
}

/// `cmd-client`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct CmdClientArgs {
    /// The server's address, HOST:PORT (a name such as localhost works too).
    #[arg(long, default_value = "127.0.0.1:8888", value_parser = parse_peer)]
    pub addr: SocketAddr,
    /// Must match the server's --protocol.
    #[arg(long, value_enum, default_value = "raw")]
    pub protocol: Protocol,
    /// How long to wait for the server (connecting, each answer).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Print one JSON document with every command and its answer.
    #[arg(long)]
    pub json: bool,
}

impl CmdClientArgs {
    /// The client these options describe.
    pub fn config(&self) -> ClientConfig {
        ClientConfig {
            addr: self.addr,
            protocol: self.protocol,
            timeout: self.timeout,
            json: self.json,
        }
    }
}

/// `receive`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct ReceiveArgs {
    /// Where received files are stored (must exist).
    #[arg(long)]
    pub dir: PathBuf,
    /// Address to listen on (port 0 = any).
    #[arg(long, default_value = "127.0.0.1:8889")]
    pub addr: SocketAddr,
    /// Refuse files larger than this (e.g. 512MiB, 2GiB).
    #[arg(long, default_value_t = DEFAULT_MAX_FILE_SIZE, value_parser = parse_size)]
    pub max_size: u64,
    /// Replace a file that is already in --dir (by default it is kept and the
    /// upload refused).
    #[arg(long)]
    pub overwrite: bool,
    /// Drop a sender that stays silent this long.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// The whole header must arrive within this time (one deadline, not per read).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,
    /// Drop an upload slower than this many bytes per second, averaged over
    /// --rate-window (1 to 1099511627776; default 64 KiB/s).
    #[arg(long, default_value_t = transfer::MIN_RATE, value_parser = clap::value_parser!(u64).range(1..=1 << 40))]
    pub min_rate: u64,
    /// The window over which --min-rate is averaged.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub rate_window: Duration,
    /// Uploads one address may have at once, sending or still in their header
    /// (1 to 8; default 2, a quarter of the slots).
    #[arg(long, default_value_t = Limits::for_slots(transfer::MAX_UPLOADS).per_address,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=transfer::MAX_UPLOADS as u64))]
    pub max_per_address: usize,
}

impl ReceiveArgs {
    /// The receiver these options describe, without a gate.
    pub fn config(&self) -> ReceiveConfig {
        ReceiveConfig {
            addr: self.addr,
            dir: self.dir.clone(),
            rules: Rules {
                max_size: self.max_size,
                overwrite: self.overwrite,
                header_timeout: self.header_timeout,
                min_rate: self.min_rate,
                rate_window: self.rate_window,
            },
            limits: Limits {
                per_address: self.max_per_address,
                ..Limits::for_slots(transfer::MAX_UPLOADS)
            },
            timeout: self.timeout,
            gate: None,
        }
    }
}

/// `send`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct SendArgs {
    /// The file to send; the receiver stores it under its file name.
    pub file: PathBuf,
    /// The receiver's address, HOST:PORT (a name such as localhost works too).
    #[arg(long, default_value = "127.0.0.1:8889", value_parser = parse_peer)]
    pub addr: SocketAddr,
    /// How long to wait for the receiver (connecting, each write, the verdict).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Where the file's SHA-256 goes: in the header (the course's protocol: the
    /// file is read twice) or in a trailer after the data (one pass; the
    /// receiver must be this version of `receive`).
    #[arg(long, value_enum, default_value = "header")]
    pub hash: HashPlacement,
    /// Print one JSON document (name, size, sha256, hash, seconds) instead of text.
    #[arg(long)]
    pub json: bool,
}

impl SendArgs {
    /// The send these options describe (a progress bar unless `--json`).
    pub fn config(&self) -> SendConfig {
        SendConfig {
            addr: self.addr,
            path: self.file.clone(),
            timeout: self.timeout,
            progress: !self.json,
            hash: self.hash,
        }
    }

    /// Prints what `send` reports: one JSON document with `--json`, one line
    /// otherwise.
    pub fn print(&self, report: &SendReport) -> Result<(), serde_json::Error> {
        if self.json {
            println!("{}", serde_json::to_string(report)?);
        } else {
            println!("{report}");
        }
        Ok(())
    }
}

/// The longest `--merge`, `--delay` or `--jitter`, in milliseconds: ten
/// seconds is already far beyond any network a lesson imitates.
pub const MAX_CHAOS_MS: u64 = 10_000;

/// `proxy`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct ProxyArgs {
    /// Address to listen on (port 0 = any). Beyond loopback only when --to is
    /// beyond loopback too.
    #[arg(long, default_value = proxy::DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// The server to forward to, HOST:PORT (default: cmd-server's).
    #[arg(long, default_value = "127.0.0.1:8888", value_parser = parse_peer)]
    pub to: SocketAddr,
    /// Deliver the bytes in pieces of N bytes, or of random sizes from A to B
    /// bytes (N or A..B, each 1 to 65536), each piece its own write (拆包).
    #[arg(long, value_name = "N|A..B", value_parser = parse_split)]
    pub split: Option<Split>,
    /// Hold bytes for MS milliseconds after the first of them arrived, then
    /// deliver all of them in one write (黏包); 1 to 10000.
    #[arg(long, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=MAX_CHAOS_MS))]
    pub merge: Option<u64>,
    /// Deliver every piece MS milliseconds after it arrived, each direction;
    /// 0 to 10000.
    #[arg(long, value_name = "MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=MAX_CHAOS_MS))]
    pub delay: u64,
    /// Add up to MS milliseconds more to each piece's delay, drawn for each
    /// piece (pieces still arrive in order); 0 to 10000.
    #[arg(long, value_name = "MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=MAX_CHAOS_MS))]
    pub jitter: u64,
    /// The seed of every random choice, 0 to 4294967295: the same seed and
    /// options give the same pieces and delays. Without it, one is drawn and
    /// printed.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=u64::from(u32::MAX)))]
    pub seed: Option<u64>,
    /// Print one line per delivered piece: time, conversation, direction, size,
    /// hex and text.
    #[arg(long)]
    pub trace: bool,
    /// Write the conversations into this capture file for Wireshark or tshark
    /// (Ethernet/IPv4/TCP, synthesized: handshake, one segment per delivered
    /// piece, close).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
}

impl ProxyArgs {
    /// The proxy these options describe; without `--seed`, a seed from the
    /// clock (any number will do, as long as it is printed).
    pub fn config(&self) -> ProxyConfig {
        let seed = self.seed.unwrap_or_else(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.subsec_nanos());
            u64::from(nanos)
        });
        ProxyConfig {
            listen: self.listen,
            to: self.to,
            chaos: Chaos {
                split: self.split.clone(),
                merge: self.merge.map(Duration::from_millis),
                delay: Duration::from_millis(self.delay),
                jitter: Duration::from_millis(self.jitter),
            },
            seed,
            trace: self.trace,
            pcap: self.pcap.clone(),
        }
    }
}

/// Parses `1GiB`, `512MiB`, `64KiB`, `1G`, `100M` or a plain number of bytes
/// (suffixes are binary: 1G = 1 GiB).
///
/// ```
/// use framing::cli::parse_size;
/// assert_eq!(parse_size("1GiB"), Ok(1 << 30));
/// assert_eq!(parse_size("100M"), Ok(100 << 20));
/// assert!(parse_size("lots").is_err());
/// ```
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" | "kb" => 10,
        "m" | "mib" | "mb" => 20,
        "g" | "gib" | "gb" => 30,
        _ => {
            return Err(format!(
                "'{text}' is not a size (expected e.g. 1GiB, 512MiB, 4096)"
            ));
        }
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size (expected e.g. 1GiB, 512MiB, 4096)"))?;
    number
        .checked_mul(1 << shift)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("'{text}' is not a usable size (1 byte to 16 EiB)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1TiB").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
