//! Reading a client's `--addr HOST:PORT`.
//!
//! Servers bind an IP address (`127.0.0.1:8898`), so their `--addr` is a plain
//! `SocketAddr`. A client may also name its server, `localhost:8898`, as a student
//! would type it; the name is resolved once, when the arguments are read.
//!
//! Port 0 is where the two differ: to a server it means "any free port" (the
//! system picks one at bind), but nothing listens on port 0, so a client cannot
//! send to it. The system only says `Invalid argument (os error 22)`; we say why.

use std::net::{SocketAddr, ToSocketAddrs};

/// The address of a server to talk to: `127.0.0.1:9999`, `[::1]:9999`, or a name
/// such as `localhost:9999`, resolved here. A name's first IPv4 address is preferred:
/// our servers listen on 127.0.0.1 by default, and `localhost` may resolve to `::1`
/// first.
///
/// ```
/// use netlab_common::addr::parse_peer;
/// assert_eq!(parse_peer("127.0.0.1:9999"), Ok("127.0.0.1:9999".parse().unwrap()));
/// assert!(parse_peer("localhost:9999").unwrap().ip().is_loopback());
/// assert!(parse_peer("9999").is_err());
/// assert!(parse_peer("127.0.0.1:0").unwrap_err().contains("port 0"));
/// ```
pub fn parse_peer(text: &str) -> Result<SocketAddr, String> {
    let addr = resolve_peer(text)?;
    check_destination(addr).map_err(|why| format!("'{text}': {why}"))
}

/// Refuses an address a client cannot send to: one with port 0.
///
/// ```
/// use netlab_common::addr::check_destination;
/// assert!(check_destination("127.0.0.1:9000".parse().unwrap()).is_ok());
/// let why = check_destination("127.0.0.1:0".parse().unwrap()).unwrap_err();
/// assert!(why.contains("a client must name the server's port"), "{why}");
/// ```
pub fn check_destination(addr: SocketAddr) -> Result<SocketAddr, String> {
    if addr.port() == 0 {
        return Err(
            "port 0 is not a destination (port 0 means 'any free port' for a server; \
             a client must name the server's port, the one its `listening on` line shows)"
                .to_string(),
        );
    }
    Ok(addr)
}

fn resolve_peer(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let expected = || format!("'{text}' is not HOST:PORT (e.g. 127.0.0.1:PORT or localhost:PORT)");
    if !text.contains(':') {
        return Err(expected());
    }
    let addrs: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| format!("{}: {e}", expected()))?
        .collect();
    addrs
        .iter()
        .find(|addr| addr.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(expected)
}

#[cfg(test)]
mod tests {
    use super::parse_peer;

    #[test]
    fn peers_may_be_addresses_or_names() {
        assert_eq!(parse_peer("[::1]:9999"), Ok("[::1]:9999".parse().unwrap()));
        assert_eq!(
            parse_peer("localhost:9999").map(|a| (a.ip().is_loopback(), a.port())),
            Ok((true, 9999))
        );
        for bad in [
            "localhost",
            "",
            "localhost:port",
            "no such host:1",
            "nowhere",
        ] {
            let error = parse_peer(bad).unwrap_err();
            assert!(error.contains(&format!("'{bad}'")), "{error}");
        }
    }

    #[test]
    fn port_0_is_refused_with_the_reason() {
        for bad in ["127.0.0.1:0", "[::1]:0", "localhost:0"] {
            let error = parse_peer(bad).unwrap_err();
            assert!(
                error.starts_with(&format!("'{bad}': port 0 is not a destination")),
                "{error}"
            );
        }
    }

    #[test]
    fn a_name_prefers_ipv4_like_our_servers() {
        assert_eq!(
            parse_peer("localhost:123").map(|a| a.is_ipv4()),
            Ok(true),
            "localhost should resolve to 127.0.0.1 on the machines we run on"
        );
    }
}
