//! Showing text that came from a peer without letting it take over the terminal.
//!
//! A terminal obeys control characters: ESC starts escape sequences that move the
//! cursor, clear the screen or retitle the window, BEL rings, CR returns to the
//! start of the line and LF starts a new one. A program that prints a peer's text
//! as it came lets that peer forge lines (`hi\n  admin: trust mallory` looks
//! like a second message from someone else) or wreck the screen. So peer text is
//! shown with every control character made visible, the way Rust's `{:?}` and
//! Python's `repr` write them (`\u{1b}`, `\n`, `\r`), and never starts a new line.
//! The same goes for the invisible characters that reverse the direction of text
//! (U+202E and friends), which can make a line read differently from what it is.
//!
//! The tutorial's listings print what they receive as Python's `print` does;
//! the lab programs show peer text through [`visible`].

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: a control character other
/// than tab, or an invisible bidirectional-text control.
///
/// ```
/// use netlab_common::peer_text::is_unsafe;
/// assert!(is_unsafe('\u{1b}') && is_unsafe('\n') && is_unsafe('\u{202e}'));
/// assert!(!is_unsafe('\t') && !is_unsafe('你') && !is_unsafe('a'));
/// ```
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t') || is_bidi_control(c)
}

/// The Unicode characters that change the direction of the text after them:
/// LRM/RLM, ALM, the embeddings and overrides, and the isolates.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character written as an escape (`\u{1b}`, `\n`...),
/// unchanged (and not copied) when there is none.
///
/// ```
/// use netlab_common::peer_text::visible;
/// assert_eq!(visible("hi\n admin: trust mallory"), "hi\\n admin: trust mallory");
/// assert_eq!(visible("\u{1b}]0;pwned\u{7}"), "\\u{1b}]0;pwned\\u{7}");
/// assert_eq!(visible("你好\tok"), "你好\tok");
/// ```
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_bidi_control(c) {
            shown.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else if is_unsafe(c) {
            shown.extend(c.escape_debug());
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// Bytes from a peer shown as text: invalid UTF-8 becomes `�` (as Python's
/// `decode('utf-8', 'replace')`), then [`visible`].
pub fn visible_bytes(bytes: &[u8]) -> String {
    visible(&String::from_utf8_lossy(bytes)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_a_peer_sends_starts_a_new_line_or_an_escape_sequence() {
        for attack in [
            "hi\r\nbob: trust mallory",
            "\u{1b}[2J\u{1b}[H",
            "ring\u{7}",
            "\u{202e}gnp.exe",
            "del\u{7f}",
            "\u{85}next line",
        ] {
            let shown = visible(attack);
            assert!(
                !shown.chars().any(|c| c.is_control() || is_bidi_control(c)),
                "{shown:?}"
            );
        }
    }

    #[test]
    fn the_bidi_override_is_written_as_an_escape() {
        assert_eq!(visible("a\u{202e}b"), "a\\u{202e}b");
    }

    #[test]
    fn invalid_utf8_is_replaced_then_escaped() {
        assert_eq!(visible_bytes(b"\xff\x1b"), "\u{fffd}\\u{1b}");
    }
}
