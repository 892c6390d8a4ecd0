//! Showing bytes the way Python shows them.
//!
//! The tutorial's servers `print(ret)` what they receive, and Python prints a bytes
//! object as a literal: `b'hello!'`, `b'\xe4\xbd\xa0'`. Our Rust twins print the same
//! text, so the two programs' output can be compared side by side.

/// Formats `data` exactly as Python's `repr(bytes)` does.
///
/// Python picks single quotes unless the data contains a single quote and no double
/// quote; printable ASCII is shown as is, `\t`, `\n`, `\r` and `\\` are escaped, and
/// every other byte becomes `\xNN` (lower-case hex).
///
/// ```
/// use netlab_common::bytes::python_repr;
/// assert_eq!(python_repr(b"hi"), "b'hi'");
/// assert_eq!(python_repr("你".as_bytes()), r"b'\xe4\xbd\xa0'");
/// assert_eq!(python_repr(b"it's"), r#"b"it's""#);
/// ```
pub fn python_repr(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(data.len() + 3);
    out.push('b');
    out.push(quote);
    for &byte in data {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b if b == quote as u8 => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(byte as char),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::python_repr;

    #[test]
    fn plain_ascii_is_shown_as_is() {
        assert_eq!(python_repr(b"hello!"), "b'hello!'");
    }

    #[test]
    fn control_bytes_use_python_escapes() {
        assert_eq!(python_repr(b"a\tb\r\n\x00\x7f"), r"b'a\tb\r\n\x00\x7f'");
    }

    #[test]
    fn both_quotes_fall_back_to_single_quotes_with_escape() {
        assert_eq!(python_repr(b"'\""), r#"b'\'"'"#);
    }

    #[test]
    fn empty_bytes() {
        assert_eq!(python_repr(b""), "b''");
    }
}
