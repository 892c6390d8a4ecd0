//! Colour only when stdout is a terminal, and never with `NO_COLOR` set
//! (<https://no-color.org>): a pipe, a file or a test never sees escape codes.

use std::io::IsTerminal;

/// Whether output written to stdout may carry ANSI colour codes.
pub fn stdout_supports_color() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    !no_color && std::io::stdout().is_terminal()
}

/// An ANSI style: the numbers between `\x1b[` and `m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style(pub &'static str);

impl Style {
    pub const BOLD: Style = Style("1");
    pub const DIM: Style = Style("2");
    pub const RED: Style = Style("31");
    pub const GREEN: Style = Style("32");
    pub const YELLOW: Style = Style("33");
    pub const BLUE: Style = Style("34");
    pub const MAGENTA: Style = Style("35");
    pub const CYAN: Style = Style("36");
    /// The tutorial's QQ server prints messages as `\033[1;44m…\033[0m`:
    /// bold on a blue background.
    pub const TUTORIAL_BLUE_BACKGROUND: Style = Style("1;44");

    /// `text` wrapped in this style when `enabled`, untouched otherwise.
    pub fn paint(self, text: &str, enabled: bool) -> String {
        if enabled {
            format!("\x1b[{}m{text}\x1b[0m", self.0)
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Style;

    #[test]
    fn paint_wraps_only_when_enabled() {
        assert_eq!(Style::GREEN.paint("ok", false), "ok");
        assert_eq!(Style::GREEN.paint("ok", true), "\x1b[32mok\x1b[0m");
    }

    #[test]
    fn tutorial_colour_matches_the_python_escape() {
        assert_eq!(
            Style::TUTORIAL_BLUE_BACKGROUND.paint("hi", true),
            "\x1b[1;44mhi\x1b[0m"
        );
    }
}
