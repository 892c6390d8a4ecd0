//! Buggy submission: `Content-Length` read with `parse::<u64>()` alone.
//!
//! Rust's `u64::from_str` accepts `+5`. A server that reads `+5` as 5 while a proxy
//! in front of it refuses it, or reads it differently, disagrees about where the body
//! ends: that is how requests are smuggled. Only digits are a length.
//!
//! Caught by: content_length_is_digits_only

use std::fmt;

/// The most header lines a request may have. Browsers send about 15.
pub const MAX_HEADERS: usize = 100;

/// A request head, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub version: String,
    /// The headers in the order they came, names as sent, values trimmed.
    pub headers: Vec<(String, String)>,
}

/// What is wrong with a request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadError {
    /// Not `METHOD TARGET HTTP/1.0` or `HTTP/1.1`, separated by single spaces.
    RequestLine(String),
    /// A header line that is not `Name: value`.
    Header(String),
    /// More than `MAX_HEADERS` header lines.
    TooManyHeaders,
    /// A `Content-Length` that is not one number of digits.
    ContentLength(String),
}

impl fmt::Display for HeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeadError::RequestLine(line) => write!(f, "bad request line {line:?}"),
            HeadError::Header(line) => write!(f, "bad header line {line:?}"),
            HeadError::TooManyHeaders => write!(f, "more than {MAX_HEADERS} headers"),
            HeadError::ContentLength(value) => write!(f, "bad Content-Length {value:?}"),
        }
    }
}

impl std::error::Error for HeadError {}

impl Request {
    /// The value of header `name`, whatever the case of its name: `Host`, `host`
    /// and `HOST` are one header. The first one, if it came twice.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The length of the body that follows the head: `Content-Length`, 0 without
    /// one. Only digits are a length (not `+5`, `-1` or `0x10`); two
    /// `Content-Length` headers must agree.
    pub fn content_length(&self) -> Result<u64, HeadError> {
        let mut length = None;
        for (name, value) in &self.headers {
            if !name.eq_ignore_ascii_case("Content-Length") {
                continue;
            }
            let bad = || HeadError::ContentLength(value.clone());
            let this: u64 = value.parse().map_err(|_| bad())?;
            if length.is_some_and(|earlier| earlier != this) {
                return Err(bad());
            }
            length = Some(this);
        }
        Ok(length.unwrap_or(0))
    }
}

/// Parses a request head: lines separated by `\r\n`, the request line first, then
/// one header per line; an empty line (or the end of the text) ends it.
pub fn parse_head(head: &str) -> Result<Request, HeadError> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts.as_slice() else {
        return Err(HeadError::RequestLine(request_line.to_string()));
    };
    if method.is_empty() || target.is_empty() || !matches!(*version, "HTTP/1.0" | "HTTP/1.1") {
        return Err(HeadError::RequestLine(request_line.to_string()));
    }
    let mut headers = Vec::new();
    for line in lines.take_while(|line| !line.is_empty()) {
        if headers.len() == MAX_HEADERS {
            return Err(HeadError::TooManyHeaders);
        }
        // Split at the first colon only: a value may hold more (Host: 127.0.0.1:8898).
        let Some((name, value)) = line.split_once(':') else {
            return Err(HeadError::Header(line.to_string()));
        };
        // No space inside or after a name (RFC 9112 §5.1): `Host : x` is refused,
        // as servers and proxies reading it differently is how requests are smuggled.
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(HeadError::Header(line.to_string()));
        }
        headers.push((
            name.to_string(),
            value.trim_matches([' ', '\t']).to_string(),
        ));
    }
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
        headers,
    })
}
