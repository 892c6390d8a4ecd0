//! Rendering the client's strftime format, safely.
//!
//! The tutorial's server does `time.strftime(msg.decode('utf-8'))`. Two things in
//! that line can go wrong with input a peer controls, and a server must survive both:
//!
//! 1. The format may be nonsense. Python hands unknown specifiers such as `%Q` to the
//!    C library, which copies them through. chrono refuses them instead, and its
//!    convenient `format(fmt).to_string()` *panics* on a bad specifier — one evil
//!    datagram would kill the server. So we parse the format into items first
//!    ([`StrftimeItems`]) and reject it if any item is [`Item::Error`], naming the
//!    culprit in an `error:` reply.
//! 2. The format may be an amplifier. `%c` is 2 bytes and expands to 24; a 42-byte
//!    datagram of `%c%c%c…` would make the server send 504 bytes back to whatever
//!    address the (forged) datagram claims to come from. We keep QUIC's rule
//!    (RFC 9000 §8.1, [`netlab_common::amplification`]): counted with its 28 bytes of
//!    IPv4 and UDP headers, a reply is at most 3 times the request counted the same
//!    way ([`reply_limit`]). A rendering that would exceed it becomes an `error:`
//!    reply, and an error that would exceed it is sent in its short form
//!    ([`FormatError::brief`]), or not at all ([`reply_to`]).

use std::fmt::{self, Write as _};

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, TimeZone};
use netlab_common::amplification::max_reply_len;
use netlab_common::peer_text::visible;

/// The teacher's version of the server: an empty datagram means this format.
/// (`%X` is the locale's time, `%H:%M:%S` in the C locale and in chrono.)
pub const DEFAULT_FORMAT: &str = "%Y-%m-%d %X";

/// The longest format we accept. The tutorial's programs read with
/// `recvfrom(1024)`, so longer datagrams would be cut by a Python peer anyway.
pub const MAX_FORMAT_LEN: usize = 1024;

/// Every reply that reports a problem starts with this.
pub const ERROR_PREFIX: &str = "error:";

/// The largest reply allowed for a request of `request_len` bytes: the
/// amplification rule, 3 × (request + 28) − 28. An empty datagram may get 56
/// bytes (the default format's 19 fit), `%c` × 21 (42 bytes) 182 bytes, not 504.
///
/// ```
/// use time_sync::format::reply_limit;
/// assert_eq!(reply_limit(0), 56);
/// assert_eq!(reply_limit(42), 182);
/// ```
pub fn reply_limit(request_len: usize) -> usize {
    max_reply_len(request_len)
}

/// Why a format could not be rendered. Its `Display` is the text after `error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The datagram is not UTF-8; `offset` is where the first bad byte is.
    NotUtf8 { offset: usize },
    /// The datagram is longer than [`MAX_FORMAT_LEN`]. (`len` is what we read: the
    /// server's buffer holds one byte more than the limit, so a longer datagram
    /// shows as `MAX_FORMAT_LEN + 1`; the reply therefore does not quote it.)
    TooLong { len: usize },
    /// A specifier chrono does not know, such as `%Q`, or a lone `%` at the end.
    BadSpecifier { specifier: String },
    /// The rendered text would exceed the reply limit (amplification guard).
    ReplyTooLarge { limit: usize },
    /// chrono refused to render an item for this time (rare; e.g. a value the
    /// specifier cannot show).
    Unrenderable,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::NotUtf8 { offset } => {
                write!(
                    f,
                    "the format is not valid UTF-8 (bad byte at offset {offset})"
                )
            }
            FormatError::TooLong { .. } => write!(
                f,
                "the format is longer than the limit of {MAX_FORMAT_LEN} bytes"
            ),
            FormatError::BadSpecifier { specifier } if specifier == "%" => {
                write!(
                    f,
                    "a lone '%' at the end of the format (write '%%' for a percent sign)"
                )
            }
            // The specifier is the peer's text, and this line reaches our log:
            // a control character in it is shown as an escape (`'%\u{1b}'`).
            FormatError::BadSpecifier { specifier } => {
                write!(f, "unknown format specifier '{}'", visible(specifier))
            }
            FormatError::ReplyTooLarge { limit } => write!(
                f,
                "the reply would be longer than {limit} bytes (a reply is at most 3 times \
                 the request, both counted with 28 bytes of headers)"
            ),
            FormatError::Unrenderable => write!(f, "the format cannot be rendered for this time"),
        }
    }
}

impl std::error::Error for FormatError {}

impl FormatError {
    /// The error in a few words, for a reply where the full sentence would break
    /// the amplification rule (a lone `%` is 1 byte and may get 59 bytes back, the
    /// sentence about it has 74). Every brief reply, `error: ` included, is shorter
    /// than the 56 bytes even an empty datagram may get (a test checks it).
    pub fn brief(&self) -> String {
        match self {
            FormatError::NotUtf8 { .. } => "not UTF-8".to_string(),
            FormatError::TooLong { .. } => "format too long".to_string(),
            FormatError::BadSpecifier { specifier } if specifier == "%" => "lone '%'".to_string(),
            // At most `%` and one character, shown as an escape if need be.
            FormatError::BadSpecifier { specifier } => format!("unknown '{}'", visible(specifier)),
            FormatError::ReplyTooLarge { .. } => "reply too long".to_string(),
            FormatError::Unrenderable => "cannot render".to_string(),
        }
    }
}

// ANCHOR: validate
/// Parses `format` into chrono's items, or names the first bad specifier.
///
/// ```
/// use time_sync::format::{parse_format, FormatError};
/// assert!(parse_format("%Y-%m-%d %H:%M:%S").is_ok());
/// assert_eq!(
///     parse_format("%Q").unwrap_err(),
///     FormatError::BadSpecifier { specifier: "%Q".into() }
/// );
/// ```
pub fn parse_format(format: &str) -> Result<Vec<Item<'_>>, FormatError> {
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.iter().any(|item| matches!(item, Item::Error)) {
        // chrono says "something is wrong" but not where: find the specifier.
        return Err(FormatError::BadSpecifier {
            specifier: first_bad_specifier(format),
        });
    }
    Ok(items)
}
// ANCHOR_END: validate

/// The longest specifier chrono knows, in characters: `%:::z`.
const LONGEST_SPECIFIER: usize = 5;

/// Walks the format one specifier at a time: a specifier is valid when some prefix
/// of 2 to 5 characters starting at its `%` parses cleanly on its own.
fn first_bad_specifier(format: &str) -> String {
    let mut rest = format;
    while let Some(percent) = rest.find('%') {
        let spec = &rest[percent..];
        // Byte offsets of the ends of the 2-, 3-, 4- and 5-character prefixes.
        let ends = spec.char_indices().map(|(i, c)| i + c.len_utf8()).skip(1);
        let valid_end = ends
            .take(LONGEST_SPECIFIER - 1)
            .find(|&end| StrftimeItems::new(&spec[..end]).all(|item| item != Item::Error));
        match valid_end {
            Some(end) => rest = &spec[end..],
            None => return spec.chars().take(2).collect(),
        }
    }
    // Not reached when chrono reported an error, but stay total.
    String::from("%")
}

/// A `fmt::Write` that refuses to grow past `limit` bytes, so a hostile format
/// cannot make us build a huge string before we notice.
struct BoundedString {
    text: String,
    limit: usize,
    overflowed: bool,
}

impl fmt::Write for BoundedString {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.text.len() + s.len() > self.limit {
            self.overflowed = true;
            return Err(fmt::Error);
        }
        self.text.push_str(s);
        Ok(())
    }
}

// ANCHOR: render
/// Renders `time` with `format`, never longer than `limit` bytes.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use time_sync::format::render;
/// let time = Utc.with_ymd_and_hms(2026, 11, 25, 10, 57, 39).unwrap();
/// assert_eq!(render(&time, "%Y-%m-%d %X", 512).unwrap(), "2026-11-25 10:57:39");
/// assert!(render(&time, "%c%c%c", 30).is_err());
/// ```
pub fn render<Tz>(time: &DateTime<Tz>, format: &str, limit: usize) -> Result<String, FormatError>
where
    Tz: TimeZone,
    Tz::Offset: fmt::Display,
{
    let items = parse_format(format)?;
    let mut out = BoundedString {
        text: String::new(),
        limit,
        overflowed: false,
    };
    // `write!` returns the fmt::Error that `to_string()` would have turned into a
    // panic: here it becomes an `error:` reply instead.
    match write!(out, "{}", time.format_with_items(items.iter())) {
        Ok(()) => Ok(out.text),
        Err(fmt::Error) if out.overflowed => Err(FormatError::ReplyTooLarge { limit }),
        Err(fmt::Error) => Err(FormatError::Unrenderable),
    }
}
// ANCHOR_END: render

// ANCHOR: answer
/// The whole server-side answer to one datagram: the formatted time (never longer
/// than [`reply_limit`]), or why there is none.
pub fn answer<Tz>(request: &[u8], now: &DateTime<Tz>) -> Result<String, FormatError>
where
    Tz: TimeZone,
    Tz::Offset: fmt::Display,
{
    if request.len() > MAX_FORMAT_LEN {
        return Err(FormatError::TooLong { len: request.len() });
    }
    // Python: time_format = msg.decode('utf-8')
    let format = std::str::from_utf8(request).map_err(|e| FormatError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    // Python (teacher's version): if not msg: time_fmt = '%Y-%m-%d %X'
    let format = if format.is_empty() {
        DEFAULT_FORMAT
    } else {
        format
    };
    // Python: back_msg = strftime(time_fmt)
    render(now, format, reply_limit(request.len()))
}

/// What to send for `answer` to a request of `request_len` bytes: the time, or
/// `error: …` in full, or in brief when the full sentence would break the
/// amplification rule; `None` (send nothing) if even the brief one would. (None
/// does not happen with today's errors, which all fit an empty request's 56
/// bytes; the rule holds whatever error is added later.)
pub fn reply_to(request_len: usize, answer: &Result<String, FormatError>) -> Option<Vec<u8>> {
    let limit = reply_limit(request_len);
    let error = match answer {
        Ok(text) if text.len() <= limit => return Some(text.clone().into_bytes()),
        Ok(_) => &FormatError::ReplyTooLarge { limit },
        Err(error) => error,
    };
    [error.to_string(), error.brief()]
        .into_iter()
        .map(|text| format!("{ERROR_PREFIX} {text}"))
        .find(|reply| reply.len() <= limit)
        .map(String::into_bytes)
}

/// The reply bytes for one datagram, errors included (`None`: no reply).
pub fn reply_bytes<Tz>(request: &[u8], now: &DateTime<Tz>) -> Option<Vec<u8>>
where
    Tz: TimeZone,
    Tz::Offset: fmt::Display,
{
    reply_to(request.len(), &answer(request, now))
}
// ANCHOR_END: answer

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn tutorial_time() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 10, 57, 39).unwrap()
    }

    fn reply(request: &[u8]) -> String {
        let bytes = reply_bytes(request, &tutorial_time()).expect("a reply");
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn the_tutorial_format_renders_like_python() {
        assert_eq!(reply(b"%Y-%m-%d %H:%M:%S"), "2026-11-25 10:57:39");
    }

    #[test]
    fn an_empty_datagram_means_the_teachers_default() {
        assert_eq!(reply(b""), "2026-11-25 10:57:39");
    }

    #[test]
    fn python_style_specifiers_match() {
        assert_eq!(reply(b"%a %b %d %j"), "Wed Nov 25 329");
        assert_eq!(reply(b"%c"), "Wed Nov 25 10:57:39 2026");
        assert_eq!(reply(b"100%%"), "100%");
        assert_eq!(
            reply("今天是%Y年%m月%d日".as_bytes()),
            "今天是2026年11月25日"
        );
    }

    #[test]
    fn unknown_specifier_is_named_in_an_error_reply() {
        assert_eq!(reply(b"%Y %Q"), "error: unknown format specifier '%Q'");
    }

    #[test]
    fn lone_percent_at_the_end_is_an_error() {
        assert!(reply(b"the time is %Y %").starts_with("error: a lone '%'"));
        // One byte may get 59 back: the 74-byte sentence would amplify.
        assert_eq!(reply(b"%"), "error: lone '%'");
    }

    #[test]
    fn a_control_character_after_percent_is_named_as_an_escape() {
        assert_eq!(
            reply(b"time: %\x1b"),
            "error: unknown format specifier '%\\u{1b}'"
        );
        assert_eq!(reply(b"%\x07"), "error: unknown format specifier '%\\u{7}'");
    }

    #[test]
    fn multi_character_specifiers_are_not_mistaken_for_bad_ones() {
        assert_eq!(
            reply(b"%-d/%-m %:z %.3f %Q"),
            "error: unknown format specifier '%Q'"
        );
    }

    #[test]
    fn bad_specifier_after_non_ascii_text() {
        assert_eq!(
            reply("时间%Q".as_bytes()),
            "error: unknown format specifier '%Q'"
        );
        assert_eq!(
            reply("%时".as_bytes()),
            "error: unknown format specifier '%时'"
        );
    }

    #[test]
    fn invalid_utf8_gets_an_error_reply() {
        assert_eq!(
            reply(b"%Y\xff"),
            "error: the format is not valid UTF-8 (bad byte at offset 2)"
        );
    }

    #[test]
    fn the_issues_amplifier_gets_an_error_that_fits() {
        // `%c` × 21: 42 bytes that would render as 504; 182 are allowed.
        let request = "%c".repeat(21);
        let text = reply(request.as_bytes());
        assert!(
            text.starts_with("error: the reply would be longer than 182 bytes"),
            "{text}"
        );
        assert!(text.len() <= 182);
    }

    #[test]
    fn a_reply_may_be_three_times_the_request_counted_with_headers() {
        // `%c` n times: 2n bytes, (2n + 28) × 3 − 28 = 6n + 56 allowed, 24n rendered.
        assert_eq!(reply(b"%c%c%c").len(), 3 * 24); // 72 ≤ 74
        // 96 > 80: refused, and the full sentence (over 80 bytes) is sent in brief.
        assert_eq!(reply(b"%c%c%c%c"), "error: reply too long");
        // A literal format comes back as it is, whatever its size.
        let literal = "x".repeat(1000);
        assert_eq!(reply(literal.as_bytes()), literal);
    }

    #[test]
    fn every_brief_error_fits_the_reply_to_an_empty_datagram() {
        let errors = [
            FormatError::NotUtf8 { offset: 1000 },
            FormatError::TooLong { len: 65_507 },
            FormatError::BadSpecifier {
                specifier: "%".into(),
            },
            FormatError::BadSpecifier {
                specifier: "%\u{10ffff}".into(),
            },
            FormatError::BadSpecifier {
                specifier: "%\u{202e}".into(),
            },
            FormatError::ReplyTooLarge { limit: 56 },
            FormatError::Unrenderable,
        ];
        for error in errors {
            let brief = format!("{ERROR_PREFIX} {}", error.brief());
            assert!(brief.len() <= reply_limit(0), "{brief}");
            assert!(reply_to(0, &Err(error)).is_some());
        }
    }

    #[test]
    fn overlong_formats_are_refused() {
        let text = reply(&vec![b'x'; MAX_FORMAT_LEN + 1]);
        assert_eq!(
            text,
            "error: the format is longer than the limit of 1024 bytes"
        );
    }

    #[test]
    fn formats_full_of_percent_never_panic() {
        for n in 0..200 {
            let request = "%".repeat(n);
            let text = reply(request.as_bytes());
            assert!(text.len() <= reply_limit(n), "{n}: {text}");
        }
    }

    proptest::proptest! {
        /// Any bytes at all: an answer, never a panic, never over the limit.
        #[test]
        fn any_datagram_gets_a_bounded_answer(
            request in proptest::collection::vec(proptest::num::u8::ANY, 0..1500),
        ) {
            let bytes = reply_bytes(&request, &tutorial_time()).unwrap_or_default();
            proptest::prop_assert!(bytes.len() <= reply_limit(request.len()));
        }

        /// Formats made of specifier-like pieces, the likeliest to trip chrono.
        #[test]
        fn percent_soup_gets_a_bounded_answer(
            request in "(%[-_0#:.]?[0-9]?[a-zA-Z%:.]?|[a-z ]){0,200}",
        ) {
            let bytes = reply_bytes(request.as_bytes(), &tutorial_time()).unwrap_or_default();
            proptest::prop_assert!(bytes.len() <= reply_limit(request.len()));
        }
    }

    #[test]
    fn every_two_byte_specifier_is_answered_without_panic() {
        for byte in 0u8..=255 {
            let request = [b'%', byte];
            let bytes = reply_bytes(&request, &tutorial_time()).expect("a reply");
            assert!(bytes.len() <= reply_limit(2));
        }
    }
}
