//! Printing `handshake`: the simulation as a two-column sequence diagram.

use std::fmt::Write;

use serde::Serialize;

use super::{ShowError, to_json};
use crate::handshake::{self, CloseMode, Row, Side};

/// Width of the arrow column between the two state columns.
const ARROW_WIDTH: usize = 40;
/// Width of a state column: the longest state name, ESTABLISHED, plus room.
const STATE_WIDTH: usize = 12;

/// The JSON document of `handshake`.
#[derive(Debug, Serialize)]
struct Simulation {
    isn_client: u32,
    isn_server: u32,
    close: &'static str,
    rows: Vec<Row>,
}

/// The name `--close` gives the mode, as the output and the JSON show it.
pub fn close_name(mode: CloseMode) -> &'static str {
    match mode {
        CloseMode::Normal => "normal",
        CloseMode::Simultaneous => "simultaneous",
        CloseMode::HalfClose => "half",
    }
}

/// `── SYN seq=1000 ──────▶` or `◀── ACK ... ──`, `width` characters wide.
pub fn arrow(label: &str, from: Side, width: usize) -> String {
    let body = format!(" {label} ");
    let dashes = width.saturating_sub(body.chars().count() + 3);
    match from {
        Side::Client => format!("──{body}{}▶", "─".repeat(dashes)),
        Side::Server => format!("◀──{body}{}", "─".repeat(dashes)),
    }
}

/// The diagram, one line per row.
pub fn diagram(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<STATE_WIDTH$} {:<ARROW_WIDTH$} server",
        "client", ""
    );
    for row in rows {
        let middle = match (&row.from, &row.segment) {
            (Some(from), Some(segment)) => arrow(&segment.to_string(), *from, ARROW_WIDTH),
            _ => format!("  ({})", row.note),
        };
        let note = match (&row.segment, row.note.is_empty()) {
            (Some(_), false) => format!("  {}", row.note),
            _ => String::new(),
        };
        let middle_width = ARROW_WIDTH.saturating_sub(middle.chars().count());
        let line = format!(
            "{:<STATE_WIDTH$} {middle}{:middle_width$} {:<STATE_WIDTH$}{note}",
            row.client_state.name(),
            "",
            row.server_state.name()
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// `net-basics handshake`: the simulated connection with these initial
/// sequence numbers, `data_len` bytes from the client and `mode`'s close.
pub fn handshake(
    isn_client: u32,
    isn_server: u32,
    mode: CloseMode,
    data_len: u32,
    json: bool,
) -> Result<String, ShowError> {
    let mode_name = close_name(mode);
    let rows = handshake::simulate(isn_client, isn_server, data_len, mode)
        .map_err(ShowError::Handshake)?;
    if json {
        return to_json(&Simulation {
            isn_client,
            isn_server,
            close: mode_name,
            rows,
        });
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "client ISN x = {isn_client}, server ISN y = {isn_server}; data = {data_len} bytes; close: {mode_name}"
    );
    out.push('\n');
    out.push_str(&diagram(&rows));
    out.push('\n');
    let _ = writeln!(
        out,
        "SYN and FIN use one sequence number each, data one per byte; ack = the next number expected."
    );
    let _ = writeln!(
        out,
        "Real stacks also retransmit lost segments, delay and combine ACKs, and wait 2MSL (Linux: 60 s) in TIME_WAIT."
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diagram_shows_the_textbook_numbers_and_states() {
        let text = handshake(1000, 5000, CloseMode::Normal, 5, false).unwrap();
        assert!(text.contains("── SYN seq=1000 "), "{text}");
        assert!(text.contains("◀── SYN+ACK seq=5000 ack=1001 "), "{text}");
        assert!(text.contains("── ACK seq=1001 ack=5001 "), "{text}");
        assert!(text.contains("ACK seq=1001 ack=5001 len=5"), "{text}");
        for state in [
            "LISTEN",
            "SYN_SENT",
            "SYN_RCVD",
            "ESTABLISHED",
            "FIN_WAIT_1",
            "FIN_WAIT_2",
            "CLOSE_WAIT",
            "LAST_ACK",
            "TIME_WAIT",
            "CLOSED",
        ] {
            assert!(text.contains(state), "{state}: {text}");
        }
    }

    #[test]
    fn arrows_point_from_the_sender() {
        assert!(arrow("SYN", Side::Client, 20).ends_with('▶'));
        assert!(arrow("ACK", Side::Server, 20).starts_with('◀'));
        assert_eq!(arrow("SYN", Side::Client, 20).chars().count(), 20);
    }
}
