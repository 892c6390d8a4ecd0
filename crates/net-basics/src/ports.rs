//! Ports (端口): the IP address finds the machine, the port finds the program.
//!
//! 三.网络基础: a port is a 16-bit number (0–65535). Ports below 1024 are
//! "well-known" and on Unix only the administrator may listen on them; the
//! tutorial's own servers use 8898, 9000 and 8080 for that reason. Each service
//! below uses TCP or UDP as the tutorial lists it; the operating system's services
//! database (`/etc/services`) knows many more.
//!
//! ```text
//! $ net-basics ports
//! $ net-basics ports http
//! ```

use std::fmt;
use std::io::{BufReader, Read};

use serde::Serialize;

/// The services database on Unix.
pub const ETC_SERVICES: &str = "/etc/services";

/// Read at most this much of the services database (Debian's is 13 KB).
pub const MAX_SERVICES_BYTES: u64 = 1024 * 1024;

/// A well-known service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    pub port: u16,
    pub transport: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

// ANCHOR: table
/// The services the tutorial names, and a few every student meets.
pub const WELL_KNOWN: &[Service] = &[
    Service {
        port: 20,
        transport: "tcp",
        name: "ftp-data",
        description: "FTP data connection",
    },
    Service {
        port: 21,
        transport: "tcp",
        name: "ftp",
        description: "FTP (file transfer), commands",
    },
    Service {
        port: 22,
        transport: "tcp",
        name: "ssh",
        description: "SSH (secure remote shell)",
    },
    Service {
        port: 23,
        transport: "tcp",
        name: "telnet",
        description: "Telnet (remote terminal, unencrypted)",
    },
    Service {
        port: 25,
        transport: "tcp",
        name: "smtp",
        description: "SMTP (sending e-mail)",
    },
    Service {
        port: 53,
        transport: "udp",
        name: "dns",
        description: "DNS (names to addresses; TCP for large answers)",
    },
    Service {
        port: 67,
        transport: "udp",
        name: "dhcp",
        description: "DHCP server (hands out addresses)",
    },
    Service {
        port: 80,
        transport: "tcp",
        name: "http",
        description: "HTTP (the web)",
    },
    Service {
        port: 110,
        transport: "tcp",
        name: "pop3",
        description: "POP3 (fetching e-mail)",
    },
    Service {
        port: 123,
        transport: "udp",
        name: "ntp",
        description: "NTP (time synchronisation)",
    },
    Service {
        port: 161,
        transport: "udp",
        name: "snmp",
        description: "SNMP (network management)",
    },
    Service {
        port: 443,
        transport: "tcp",
        name: "https",
        description: "HTTPS (the web over TLS)",
    },
    Service {
        port: 4000,
        transport: "udp",
        name: "qq-client",
        description: "old QQ client (the tutorial's example)",
    },
    Service {
        port: 8000,
        transport: "udp",
        name: "qq-server",
        description: "old QQ server (the tutorial's example)",
    },
];
// ANCHOR_END: table

/// One answer of `ports`. Field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortEntry {
    pub port: u16,
    pub transport: String,
    pub name: String,
    /// Our description, or null for entries only the services database knows.
    pub description: Option<String>,
    /// `netlab` (the table above) or `/etc/services`.
    pub source: String,
}

impl From<&Service> for PortEntry {
    fn from(service: &Service) -> PortEntry {
        PortEntry {
            port: service.port,
            transport: service.transport.to_string(),
            name: service.name.to_string(),
            description: Some(service.description.to_string()),
            source: "netlab".to_string(),
        }
    }
}

/// The whole table.
pub fn well_known() -> Vec<PortEntry> {
    WELL_KNOWN.iter().map(PortEntry::from).collect()
}

/// Parses the services database: `name  port/proto  aliases...  # comment`.
pub fn parse_services(text: &str) -> Vec<PortEntry> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or_default();
            let mut words = line.split_whitespace();
            let name = words.next()?;
            let (port, transport) = words.next()?.split_once('/')?;
            Some(PortEntry {
                port: port.parse().ok()?,
                transport: transport.to_string(),
                name: name.to_string(),
                description: None,
                source: ETC_SERVICES.to_string(),
            })
        })
        .collect()
}

/// The services database of this machine, if there is one.
pub fn system_services() -> Option<Vec<PortEntry>> {
    let file = std::fs::File::open(ETC_SERVICES).ok()?;
    let mut text = String::new();
    BufReader::new(file.take(MAX_SERVICES_BYTES))
        .read_to_string(&mut text)
        .ok()?;
    Some(parse_services(&text))
}

/// What the student asked for: a port number or a service name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Number(u16),
    Name(String),
}

/// Text that is not a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// Nothing at all.
    Empty,
    /// Digits, but more than a port can be (over 65535).
    NotAPort(String),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Empty => {
                f.write_str("'' is not a port or a service name (expected e.g. 80 or http)")
            }
            QueryError::NotAPort(text) => write!(
                f,
                "'{text}' is not a port (expected a number from 0 to 65535)"
            ),
        }
    }
}

impl std::error::Error for QueryError {}

/// Reads a query: a number 0–65535 is a port, anything else a name.
pub fn parse_query(text: &str) -> Result<Query, QueryError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(QueryError::Empty);
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(Query::Number)
            .map_err(|_| QueryError::NotAPort(text.to_string()));
    }
    Ok(Query::Name(text.to_lowercase()))
}

/// Entries matching `query`: ours first, then the services database's (without
/// repeating a port/transport pair we already listed).
pub fn lookup(query: &Query, system: &[PortEntry]) -> Vec<PortEntry> {
    let matches = |entry: &PortEntry| match query {
        Query::Number(port) => entry.port == *port,
        Query::Name(name) => entry.name.eq_ignore_ascii_case(name),
    };
    let mut found: Vec<PortEntry> = well_known().into_iter().filter(|e| matches(e)).collect();
    for entry in system.iter().filter(|e| matches(e)) {
        if !found
            .iter()
            .any(|f| f.port == entry.port && f.transport == entry.transport)
        {
            found.push(entry.clone());
        }
    }
    found
}

/// The range a port number falls in, as IANA names them.
pub fn range_of(port: u16) -> &'static str {
    match port {
        0 => "reserved: binding port 0 asks the OS for any free port",
        1..=1023 => "well-known (system) port: only root may listen on it on Unix",
        1024..=49151 => "registered (user) port",
        _ => "dynamic (ephemeral) port: what the OS picks for clients",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_the_tutorial_names_is_in_the_table() {
        let expected = [
            (20, "tcp"),
            (21, "tcp"),
            (23, "tcp"),
            (25, "tcp"),
            (53, "udp"),
            (80, "tcp"),
            (110, "tcp"),
            (161, "udp"),
            (443, "tcp"),
            (8000, "udp"),
            (4000, "udp"),
        ];
        for (port, transport) in expected {
            assert!(
                WELL_KNOWN
                    .iter()
                    .any(|s| s.port == port && s.transport == transport),
                "{port}/{transport}"
            );
        }
    }

    #[test]
    fn services_database_lines() {
        let text = "# comment\nftp\t\t21/tcp\nhttp\t\t80/tcp\t\twww\t# WorldWideWeb HTTP\ndomain\t\t53/udp\nbroken\n";
        let entries = parse_services(text);
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].name, "http");
        assert_eq!(entries[1].port, 80);
        assert_eq!(entries[2].transport, "udp");
    }

    #[test]
    fn lookup_by_number_and_name_merges_without_duplicates() {
        let system = parse_services("http 80/tcp\nhttp 80/udp\ndomain 53/tcp\n");
        let by_number = lookup(&Query::Number(80), &system);
        assert_eq!(by_number.len(), 2);
        assert_eq!(by_number[0].source, "netlab");
        assert_eq!(by_number[1].transport, "udp");
        let by_name = lookup(&Query::Name("domain".into()), &system);
        assert_eq!(by_name.len(), 1);
        assert_eq!(lookup(&parse_query("HTTP").unwrap(), &[]).len(), 1);
    }

    #[test]
    fn bad_queries() {
        assert!(
            parse_query("70000")
                .unwrap_err()
                .to_string()
                .contains("'70000'")
        );
        assert!(parse_query("").is_err());
        assert_eq!(parse_query("8898"), Ok(Query::Number(8898)));
    }
}
