//! Reading a client's `--addr HOST:PORT`.
//!
//! Servers bind an IP address (`127.0.0.1:8898`), so their `--addr` is a plain
//! `SocketAddr`. A client may also name its server, `localhost:8898`, as a student
//! would type it; the name is resolved once, when the arguments are read.

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
/// ```
pub fn parse_peer(text: &str) -> Result<SocketAddr, String> {
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
    fn a_name_prefers_ipv4_like_our_servers() {
        assert_eq!(
            parse_peer("localhost:123").map(|a| a.is_ipv4()),
            Ok(true),
            "localhost should resolve to 127.0.0.1 on the machines we run on"
        );
    }
}
