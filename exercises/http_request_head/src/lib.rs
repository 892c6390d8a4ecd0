//! Exercise: read what the browser sent, request line and headers. Read
//! README.md first.

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
        // TODO: `Host` and `host` are the same header.
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
    }

    /// The length of the body that follows the head: `Content-Length`, 0 without
    /// one. Only digits are a length (not `+5`, `-1` or `0x10`); two
    /// `Content-Length` headers must agree.
    pub fn content_length(&self) -> Result<u64, HeadError> {
        // TODO: Rust's parse accepts `+5`; a second, different Content-Length is
        // not noticed; and the name's case matters here.
        match self.header("Content-Length") {
            None => Ok(0),
            Some(value) => value
                .parse()
                .map_err(|_| HeadError::ContentLength(value.to_string())),
        }
    }
}

/// Parses a request head: lines separated by `\r\n`, the request line first, then
/// one header per line; an empty line (or the end of the text) ends it.
pub fn parse_head(head: &str) -> Result<Request, HeadError> {
    // TODO: the request line is not checked, a value with a colon is cut at it,
    // `Host : x` is accepted, and nothing limits the number of headers.
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let version = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    for line in lines.take_while(|line| !line.is_empty()) {
        let mut pieces = line.split(':');
        let name = pieces.next().unwrap_or_default();
        let Some(value) = pieces.next() else {
            return Err(HeadError::Header(line.to_string()));
        };
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let _ = MAX_HEADERS;
    Ok(Request {
        method,
        target,
        version,
        headers,
    })
}
