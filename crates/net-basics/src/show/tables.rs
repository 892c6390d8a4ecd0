//! Printing `ports` and `layers`.

use std::fmt::Write;

use super::{ShowError, to_json};
use crate::layers::{LAYERS, SOCKET_NOTE};
use crate::ports::{self, PortEntry, Query};

fn port_lines(entries: &[PortEntry]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<6} {:<4} {:<10} description", "port", "", "name");
    for e in entries {
        let description = e
            .description
            .clone()
            .unwrap_or_else(|| format!("(from {})", e.source));
        let _ = writeln!(
            out,
            "{:<6} {:<4} {:<10} {description}",
            e.port, e.transport, e.name
        );
    }
    out
}

/// `net-basics ports`: the well-known table, or what `query` finds in it and
/// in the system's services database.
pub fn ports(query: Option<Query>, json: bool) -> Result<String, ShowError> {
    let Some(query) = query else {
        let entries = ports::well_known();
        if json {
            return to_json(&entries);
        }
        let mut out = port_lines(&entries);
        out.push('\n');
        let _ = writeln!(
            out,
            "The IP address finds the machine, the port finds the program. Ports below 1024 are \
             well-known: only root may listen on them on Unix. Look up more with `net-basics ports NAME|NUMBER`."
        );
        return Ok(out);
    };
    let system = ports::system_services();
    let found = ports::lookup(&query, system.as_deref().unwrap_or_default());
    if json {
        return to_json(&found);
    }
    let mut out = String::new();
    if found.is_empty() {
        let _ = writeln!(
            out,
            "no well-known service for {}",
            match &query {
                Query::Number(n) => n.to_string(),
                Query::Name(name) => format!("'{name}'"),
            }
        );
    } else {
        out.push_str(&port_lines(&found));
    }
    if let Query::Number(port) = query {
        let _ = writeln!(out, "\nport {port}: {}", ports::range_of(port));
    }
    if system.is_none() {
        let _ = writeln!(
            out,
            "(no {} on this machine: only netlab's own table was searched)",
            ports::ETC_SERVICES
        );
    }
    Ok(out)
}

/// `net-basics layers`: the OSI, TCP/IP 5-layer and 4-layer models side by side.
pub fn layers(json: bool) -> Result<String, ShowError> {
    if json {
        return to_json(&LAYERS);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<2} {:<22} {:<12} {:<12} {:<40} protocols",
        "", "OSI (7)", "TCP/IP (5)", "TCP/IP (4)", "devices"
    );
    let mut previous: Option<(&str, &str)> = None;
    for layer in LAYERS {
        // A layer that continues the one above is left blank in the merged columns,
        // so the 5- and 4-layer models read as merged cells.
        let five = if previous.is_some_and(|(p5, _)| p5 == layer.tcp_ip_5) {
            ""
        } else {
            layer.tcp_ip_5
        };
        let four = if previous.is_some_and(|(_, p4)| p4 == layer.tcp_ip_4) {
            ""
        } else {
            layer.tcp_ip_4
        };
        previous = Some((layer.tcp_ip_5, layer.tcp_ip_4));
        let osi = format!("{} {}", layer.osi, layer.chinese);
        // CJK characters take two columns on a terminal: pad by display width.
        let pad = 22usize.saturating_sub(layer.osi.len() + 1 + 2 * layer.chinese.chars().count());
        let _ = writeln!(
            out,
            "{:<2} {osi}{:pad$} {:<12} {:<12} {:<40} {}",
            layer.osi_number, "", five, four, layer.devices, layer.protocols
        );
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "Each layer adds its own header in front of the data from the layer above (see `net-basics encap`)."
    );
    let _ = writeln!(
        out,
        "Addresses: application = name/URL, transport = port, network = IP address, data link = MAC address."
    );
    let _ = writeln!(out, "{SOCKET_NOTE}.");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line as terminal columns: a CJK character takes two.
    fn columns(line: &str) -> Vec<char> {
        let mut cells = Vec::new();
        for c in line.chars() {
            cells.push(c);
            if c >= '\u{2e80}' {
                cells.push('\0'); // the second half of a wide character
            }
        }
        cells
    }

    #[test]
    fn layer_columns_line_up_despite_chinese_names() {
        let text = layers(false).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let header = columns(lines[0]);
        let five_at = lines[0].find("TCP/IP (5)").unwrap();
        let four_at = lines[0].find("TCP/IP (4)").unwrap();
        assert_eq!(header[five_at], 'T');
        let mut previous: Option<&crate::layers::Layer> = None;
        for (layer, line) in LAYERS.iter().zip(&lines[1..]) {
            let cells = columns(line);
            let cell = |at: usize| -> String {
                cells[at..at + 12]
                    .iter()
                    .filter(|c| **c != '\0')
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            };
            // A layer continuing the one above is blank: a merged cell.
            let five = match previous {
                Some(p) if p.tcp_ip_5 == layer.tcp_ip_5 => "",
                _ => layer.tcp_ip_5,
            };
            let four = match previous {
                Some(p) if p.tcp_ip_4 == layer.tcp_ip_4 => "",
                _ => layer.tcp_ip_4,
            };
            assert_eq!(cell(five_at), five, "{line}");
            assert_eq!(cell(four_at), four, "{line}");
            previous = Some(layer);
        }
    }

    #[test]
    fn a_port_without_a_service_still_names_its_range() {
        let text = ports(Some(Query::Number(49999)), false).unwrap();
        assert!(text.contains("no well-known service for 49999"), "{text}");
        assert!(text.contains("dynamic (ephemeral) port"), "{text}");
    }

    #[test]
    fn the_table_lists_the_tutorials_qq_ports_as_udp() {
        let text = ports(None, false).unwrap();
        for port in ["8000", "4000"] {
            assert!(
                text.lines()
                    .any(|l| l.starts_with(port) && l.contains("udp") && l.contains("QQ")),
                "{port}: {text}"
            );
        }
    }
}
