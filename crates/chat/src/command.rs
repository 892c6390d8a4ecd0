//! What a client's line means: a message to the room, or a `/command`.

/// The help text `/help` sends, one line per command.
pub const HELP: &[&str] = &[
    "= commands:",
    "=   /nick NAME       change your nickname",
    "=   /list            who is in the room",
    "=   /msg NAME TEXT   a private message to NAME",
    "=   /me ACTION       an action, shown as '* you ACTION'",
    "=   /quit            leave the room",
    "=   /help            this text",
    "= anything else is sent to everybody in the room",
];

// ANCHOR: command
/// One line from a client, parsed. Borrowed from the line: parsing allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command<'a> {
    /// Plain text for everybody.
    Say(&'a str),
    Nick(&'a str),
    List,
    Msg {
        to: &'a str,
        text: &'a str,
    },
    Me(&'a str),
    Quit,
    Help,
    /// A line starting with `/` that is not a command we know, or lacks its
    /// argument: the client gets an error instead of the room getting the typo.
    Invalid(String),
}

impl<'a> Command<'a> {
    /// Parses a line. `//text` sends `/text` to the room (so a line can start
    /// with a slash).
    ///
    /// ```
    /// use chat::command::Command;
    /// assert_eq!(Command::parse("/msg bob hi there"), Command::Msg { to: "bob", text: "hi there" });
    /// assert_eq!(Command::parse("hello"), Command::Say("hello"));
    /// ```
    pub fn parse(line: &'a str) -> Command<'a> {
        if let Some(escaped) = line.strip_prefix("//") {
            return Command::Say(&line[line.len() - escaped.len() - 1..]);
        }
        let Some(rest) = line.strip_prefix('/') else {
            return Command::Say(line);
        };
        let (name, arg) = match rest.split_once(' ') {
            Some((name, arg)) => (name, arg.trim()),
            None => (rest, ""),
        };
        match (name, arg) {
            ("nick", "") => Command::Invalid("usage: /nick NAME".into()),
            ("nick", name) => Command::Nick(name),
            ("list", _) => Command::List,
            ("me", "") => Command::Invalid("usage: /me ACTION".into()),
            ("me", action) => Command::Me(action),
            ("quit", _) => Command::Quit,
            ("help", _) => Command::Help,
            ("msg", arg) => match arg.split_once(' ') {
                Some((to, text)) if !text.trim().is_empty() => Command::Msg {
                    to,
                    text: text.trim(),
                },
                _ => Command::Invalid("usage: /msg NAME TEXT".into()),
            },
            (other, _) => Command::Invalid(format!("unknown command /{other}; try /help")),
        }
    }
}
// ANCHOR_END: command

#[cfg(test)]
mod tests {
    use super::Command;

    #[test]
    fn plain_text_is_said() {
        assert_eq!(Command::parse("hi all"), Command::Say("hi all"));
    }

    #[test]
    fn double_slash_sends_a_slash() {
        assert_eq!(Command::parse("//etc/hosts"), Command::Say("/etc/hosts"));
    }

    #[test]
    fn commands_and_their_arguments() {
        assert_eq!(Command::parse("/nick 哪吒"), Command::Nick("哪吒"));
        assert_eq!(Command::parse("/list"), Command::List);
        assert_eq!(Command::parse("/me waves"), Command::Me("waves"));
        assert_eq!(Command::parse("/quit"), Command::Quit);
        assert_eq!(Command::parse("/help"), Command::Help);
        assert_eq!(
            Command::parse("/msg bob  see you"),
            Command::Msg {
                to: "bob",
                text: "see you"
            }
        );
    }

    #[test]
    fn missing_arguments_and_unknown_commands_are_invalid() {
        assert!(matches!(Command::parse("/msg bob"), Command::Invalid(_)));
        assert!(matches!(Command::parse("/nick"), Command::Invalid(_)));
        assert!(matches!(Command::parse("/dance"), Command::Invalid(_)));
    }
}
