//! Reading the values a student types on the command line: a client's
//! `--addr HOST:PORT`, and every `--timeout` and `--interval` (`500ms`, `2s`, `1m`).
//!
//! Servers bind an IP address (`127.0.0.1:8898`), so their `--addr` is a plain
//! `SocketAddr`. A client may also name its server, `localhost:8898`, as a student
//! would type it; the name is resolved once, when the arguments are read.
//!
//! Port 0 is where the two differ: to a server it means "any free port" (the
//! system picks one at bind), but nothing listens on port 0, so a client cannot
//! send to it. The system only says `Invalid argument (os error 22)`; we say why.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// The address of a server to talk to: `127.0.0.1:9999`, `[::1]:9999`, or a name
/// such as `localhost:9999`, resolved here. A name's first IPv4 address is preferred:
/// our servers listen on 127.0.0.1 by default, and `localhost` may resolve to `::1`
/// first.
///
/// ```
/// use netlab_common::cli::parse_peer;
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
/// use netlab_common::cli::check_destination;
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

/// `1.5s`, `250ms`, `2m`: a duration the way a student typed it.
pub fn humanize_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(60_000) && millis > 0 {
        format!("{}m", millis / 60_000)
    } else if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else if millis >= 1000 {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        format!("{millis}ms")
    }
}

/// The shortest duration [`parse_duration`] accepts.
pub const MIN_DURATION: Duration = Duration::from_millis(1);

/// The longest duration [`parse_duration`] accepts: a year. Longer than any useful
/// timeout, and short enough that "now + duration" never overflows a clock.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Parses `500ms`, `2s`, `1.5s`, `3m` or a bare number of seconds: the value of the
/// `--timeout` and `--interval` options of every lesson. Zero (or less than 1ms) is
/// refused: it is never a useful timeout.
///
/// ```
/// use std::time::Duration;
/// use netlab_common::cli::parse_duration;
/// assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
/// assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
/// assert!(parse_duration("soon").is_err());
/// assert!(parse_duration("0").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit_seconds) = if let Some(number) = text.strip_suffix("ms") {
        (number, 0.001)
    } else if let Some(number) = text.strip_suffix('s') {
        (number, 1.0)
    } else if let Some(number) = text.strip_suffix('m') {
        (number, 60.0)
    } else {
        (text, 1.0)
    };
    let expected = || format!("'{text}' is not a duration (expected e.g. 500ms, 2s, 1.5s or 1m)");
    let value: f64 = number.trim().parse().map_err(|_| expected())?;
    if !value.is_finite() || value < 0.0 {
        return Err(expected());
    }
    if value * unit_seconds > MAX_DURATION.as_secs_f64() {
        return Err(format!(
            "'{text}' is too long: a timeout or interval is at most a year (1ms to 525600m)"
        ));
    }
    let duration = Duration::from_secs_f64(value * unit_seconds);
    // Every duration option is a timeout or an interval. A zero read timeout is an
    // error for the OS (and would mean "wait forever" in some APIs), so refuse it
    // here, where the student typed it, rather than fail later at run time.
    if duration < MIN_DURATION {
        return Err(format!(
            "'{text}' is too short: a timeout or interval must be at least 1ms (1ms to 525600m)"
        ));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("3m"), Ok(Duration::from_secs(180)));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("NaN").is_err());
        assert!(parse_duration("0s").unwrap_err().contains("at least 1ms"));
        assert!(parse_duration("0.1ms").is_err());
        assert_eq!(humanize_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(humanize_duration(Duration::from_secs(3)), "3s");
        assert_eq!(humanize_duration(Duration::from_millis(1500)), "1.5s");
    }
}
