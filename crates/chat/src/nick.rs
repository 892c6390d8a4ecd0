//! Nicknames: what a client may call itself.

use std::fmt;

/// Longest nickname, in characters.
pub const MAX_NICK_CHARS: usize = 16;

/// A valid nickname: 1 to [`MAX_NICK_CHARS`] letters or digits (any script, so
/// the tutorial's 金老板 and 哪吒 are welcome), `_` or `-`. No spaces (so that
/// `/msg NAME text` can find where the name ends), no punctuation that could be
/// mistaken for the server's `*`, `!`, `=` or `[private]` markers.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nick(String);

/// Why a nickname was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NickError {
    Empty,
    TooLong { chars: usize },
    BadChar(char),
}

impl Nick {
    /// Checks `text` and makes it a nickname.
    ///
    /// ```
    /// use chat::nick::Nick;
    /// assert!(Nick::parse("alice").is_ok());
    /// assert!(Nick::parse("哪吒").is_ok());
    /// assert!(Nick::parse("al ice").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Nick, NickError> {
        let chars = text.chars().count();
        if chars == 0 {
            return Err(NickError::Empty);
        }
        if chars > MAX_NICK_CHARS {
            return Err(NickError::TooLong { chars });
        }
        if let Some(bad) = text
            .chars()
            .find(|&c| !(c.is_alphanumeric() || c == '_' || c == '-'))
        {
            return Err(NickError::BadChar(bad));
        }
        Ok(Nick(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Nick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Nick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for NickError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NickError::Empty => write!(f, "a nickname cannot be empty"),
            NickError::TooLong { chars } => write!(
                f,
                "a nickname has at most {MAX_NICK_CHARS} characters, this one has {chars}"
            ),
            NickError::BadChar(c) => write!(
                f,
                "a nickname may hold letters, digits, '_' and '-', not {c:?}"
            ),
        }
    }
}

impl std::error::Error for NickError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_digits_underscore_and_dash_are_fine() {
        assert_eq!(Nick::parse("egg_2-b").unwrap().as_str(), "egg_2-b");
        assert!(Nick::parse("金老板").is_ok());
    }

    #[test]
    fn empty_long_and_punctuated_names_are_refused() {
        assert_eq!(Nick::parse(""), Err(NickError::Empty));
        assert_eq!(
            Nick::parse("abcdefghijklmnopq"),
            Err(NickError::TooLong { chars: 17 })
        );
        assert_eq!(Nick::parse("*bob"), Err(NickError::BadChar('*')));
        assert_eq!(Nick::parse("bob:"), Err(NickError::BadChar(':')));
    }
}
