//! One line per piece of data a proxy delivers: what `framing proxy --trace`
//! (chapter 5) and `udp-demo proxy --trace` (chapter 4) print.
//!
//! A line says when (seconds since the proxy started), which conversation
//! (`#1`, `#2`... in the order they began), which way, how many bytes, their
//! first bytes in hex and the same bytes as text. The text came from a peer, so
//! it is shown through [`crate::peer_text`]: a newline in the data is written
//! `\n` and never breaks the line, an escape sequence never reaches the terminal.
//!
//! ```
//! use std::time::Duration;
//! use netlab_common::trace::line;
//! assert_eq!(
//!     line(Duration::from_millis(12), 1, "client → server", b"echo hi", ""),
//!     "   0.012s  #1  client → server      7 B  65 63 68 6f 20 68 69                             |echo hi|"
//! );
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use crate::listen::is_loopback;
use crate::peer_text::visible_bytes;

/// At most this many bytes of a piece are shown, in hex and as text; a longer
/// piece ends its line with `…` and how many more bytes it had. One line per
/// piece stays readable even when a piece is 64 KiB.
pub const SHOWN_BYTES: usize = 16;

/// The trace line for `bytes` delivered `elapsed` after the proxy started, in
/// conversation `conversation`, going `direction` (e.g. `client → server`).
/// `note` (may be empty) comes last: what the proxy did to the piece, when it did
/// more than deliver it (`dropped`, `duplicate`...).
pub fn line(
    elapsed: Duration,
    conversation: u64,
    direction: &str,
    bytes: &[u8],
    note: &str,
) -> String {
    let shown = bytes.get(..SHOWN_BYTES).unwrap_or(bytes);
    let hex: Vec<String> = shown.iter().map(|byte| format!("{byte:02x}")).collect();
    let more = bytes.len() - shown.len();
    let mut text = format!(
        "{:8.3}s  #{conversation}  {direction}  {:5} B  {:<width$}  |{}|",
        elapsed.as_secs_f64(),
        bytes.len(),
        hex.join(" "),
        visible_bytes(shown),
        width = SHOWN_BYTES * 3 - 1,
    );
    if more > 0 {
        text.push_str(&format!("… (+{more} B)"));
    }
    if !note.is_empty() {
        text.push_str("  ");
        text.push_str(note);
    }
    text
}

/// The line a chaos proxy prints after `listening on`: where it forwards, and the
/// options and seed that replay this run exactly.
///
/// ```
/// use netlab_common::trace::replay_line;
/// assert_eq!(
///     replay_line("127.0.0.1:8888".parse().unwrap(), "--split 7", 42),
///     "forwarding to 127.0.0.1:8888 with --split 7 --seed 42 (the same options and seed replay this run)"
/// );
/// ```
pub fn replay_line(to: SocketAddr, options: &str, seed: u64) -> String {
    let options = if options.is_empty() {
        "no changes"
    } else {
        options
    };
    format!(
        "forwarding to {to} with {options} --seed {seed} (the same options and seed replay this run)"
    )
}

// ANCHOR: exposure
/// Whether a proxy listening on `listen` and forwarding to `to` would expose a
/// loopback-only server to the network. A server that listens on loopback chose
/// to be reachable from this machine only (chapter 5's command server refuses
/// anything else: it runs a shell); a proxy on the network in front of it would
/// undo that choice for anybody who can reach the proxy. So a proxy listens
/// beyond loopback only when it forwards beyond loopback too.
///
/// ```
/// use netlab_common::trace::exposes_a_loopback_server;
/// let addr = |text: &str| text.parse().unwrap();
/// assert!(!exposes_a_loopback_server(addr("127.0.0.1:9888"), addr("127.0.0.1:8888")));
/// assert!(exposes_a_loopback_server(addr("0.0.0.0:9888"), addr("127.0.0.1:8888")));
/// ```
pub fn exposes_a_loopback_server(listen: SocketAddr, to: SocketAddr) -> bool {
    !is_loopback(listen) && is_loopback(to)
}
// ANCHOR_END: exposure

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_piece_shows_its_first_bytes_and_how_many_more() {
        let piece = [b'a'; 20];
        let shown = line(Duration::ZERO, 2, "server → client", &piece, "");
        assert!(shown.ends_with("|aaaaaaaaaaaaaaaa|… (+4 B)"), "{shown}");
        assert!(
            shown.contains("#2  server → client     20 B  61 61"),
            "{shown}"
        );
    }

    #[test]
    fn peer_text_never_breaks_the_line() {
        let shown = line(Duration::ZERO, 1, "→", b"hi\n\x1b[2J", "dropped");
        assert!(!shown.contains('\n') && !shown.contains('\x1b'), "{shown}");
        assert!(shown.ends_with("|hi\\n\\u{1b}[2J|  dropped"), "{shown}");
    }
}
