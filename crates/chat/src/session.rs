//! One client's conversation with the room, without the socket: what each frame
//! it sends means, and what it is answered.
//!
//! The connection task ([`crate::server`]) reads frames and hands each to
//! [`Session::handle`]; everything a client can get wrong (bad UTF-8, unknown
//! commands, flooding, a taken nickname) is answered here with a line starting
//! with `!`, and the connection goes on. Tests call it directly.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use crate::command::{Command, HELP};
use crate::nick::Nick;
use crate::policy::Policy;
use crate::rate::TokenBucket;
use crate::room::{ClientId, Kick, Leave, Line, Member, Room, RoomError};

/// Whether the connection goes on after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// The client sent `/quit`.
    Quit,
}

/// Locks the room. A panic while the lock was held would leave it "poisoned";
/// the room's state is still consistent (every method leaves it so before it
/// could panic), so we take it anyway rather than take the whole server down.
pub fn lock(room: &Mutex<Room>) -> std::sync::MutexGuard<'_, Room> {
    room.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The text of a frame, or the error line for a frame that is not UTF-8.
fn text_of(frame: &[u8]) -> Result<&str, &'static str> {
    let text = std::str::from_utf8(frame)
        .map_err(|_| "! refused: messages must be UTF-8 text; that frame was not")?;
    // A client that sends lines with their newline (`input()` does not, but
    // `sys.stdin.readline()` does) gets the same result as one that strips it.
    let text = text.trim_end_matches(['\r', '\n']);
    // Every member's terminal shows this line. ESC, BEL, CR, LF inside it could
    // clear a screen, retitle a window or start a line that looks like another
    // member's; text-direction controls (U+202E) make it read differently. Tab is
    // harmless. Refused, as in nicknames.
    if text.chars().any(netlab_common::peer_text::is_unsafe) {
        return Err(
            "! refused: control characters (ESC, BEL, CR, LF...) and text-direction \
                    controls are not allowed in a line; only tab is",
        );
    }
    Ok(text)
}

// ANCHOR: register
/// The first frame of a connection: the nickname it wants (`alice`, or
/// `/nick alice`). On success the client is in the room and its outbox and kick
/// receiver are returned; on failure the error line to send, and the client may
/// try again.
pub fn register(
    room: &Mutex<Room>,
    frame: &[u8],
    id: ClientId,
    policy: &Policy,
) -> Result<(Session, mpsc::Receiver<Line>, oneshot::Receiver<Kick>), String> {
    let text = text_of(frame)?;
    let wanted = text.strip_prefix("/nick ").unwrap_or(text).trim();
    let nick = Nick::parse(wanted).map_err(|error| format!("! {error}"))?;
    let (outbox, inbox) = mpsc::channel(policy.outbox_capacity);
    let (kick, kicked) = oneshot::channel();
    lock(room)
        .join(nick.clone(), Member { id, outbox, kick })
        .map_err(|error| format!("! {error}"))?;
    let session = Session {
        nick,
        id,
        bucket: TokenBucket::new(policy.rate_per_sec, policy.rate_burst, Instant::now()),
        rate_per_sec: policy.rate_per_sec,
        warned: false,
    };
    Ok((session, inbox, kicked))
}
// ANCHOR_END: register

/// A registered client (see the module documentation).
#[derive(Debug)]
pub struct Session {
    nick: Nick,
    id: ClientId,
    bucket: TokenBucket,
    rate_per_sec: u32,
    /// Whether the client was already told to slow down in this flood: one
    /// warning per flood, not one per dropped message.
    warned: bool,
}

impl Session {
    pub fn nick(&self) -> &Nick {
        &self.nick
    }

    pub fn id(&self) -> ClientId {
        self.id
    }

    // ANCHOR: handle
    /// Handles one frame from the client at time `now`.
    pub fn handle(&mut self, room: &Mutex<Room>, frame: &[u8], now: Instant) -> Flow {
        let mut room = lock(room);
        let text = match text_of(frame) {
            Ok(text) => text,
            Err(error) => {
                let _ = room.reply(&self.nick, self.id, error);
                return Flow::Continue;
            }
        };
        // The rate limit: a flood is refused message by message, with one
        // warning, and the client stays connected. `/quit` always passes: a
        // client that flooded must still be able to leave properly.
        let command = Command::parse(text);
        if command != Command::Quit && !self.bucket.try_take(now) {
            if !self.warned {
                self.warned = true;
                let warning = format!(
                    "! slow down: at most {} messages per second; messages are being dropped",
                    self.rate_per_sec
                );
                let _ = room.reply(&self.nick, self.id, &warning);
            }
            return Flow::Continue;
        }
        self.warned = false;
        if text.trim().is_empty() {
            return Flow::Continue;
        }
        let result = match command {
            Command::Say(text) => room.say(&self.nick, self.id, text),
            Command::Me(action) => room.me(&self.nick, self.id, action),
            Command::Msg { to, text } => room.private(&self.nick, self.id, to, text),
            Command::List => room.list(&self.nick, self.id),
            Command::Help => HELP
                .iter()
                .try_for_each(|line| room.reply(&self.nick, self.id, line)),
            Command::Nick(wanted) => match Nick::parse(wanted) {
                Ok(new) => room.rename(&self.nick, self.id, new.clone()).map(|()| {
                    self.nick = new;
                }),
                Err(error) => room.reply(&self.nick, self.id, &format!("! {error}")),
            },
            Command::Invalid(error) => room.reply(&self.nick, self.id, &format!("! {error}")),
            Command::Quit => {
                let _ = room.reply(&self.nick, self.id, &format!("= goodbye, {}", self.nick));
                room.leave(&self.nick, self.id, Leave::Quit);
                return Flow::Quit;
            }
        };
        match result {
            Ok(()) | Err(RoomError::NotMember) => {}
            // Taken nickname, unknown /msg target: tell the client.
            Err(error) => {
                let _ = room.reply(&self.nick, self.id, &format!("! {error}"));
            }
        }
        Flow::Continue
    }
    // ANCHOR_END: handle

    /// Sends the client one line from the server (an error its connection
    /// noticed before the session could: a WebSocket binary message).
    pub fn reply(&self, room: &Mutex<Room>, line: &str) {
        let _ = lock(room).reply(&self.nick, self.id, line);
    }

    /// Sends a last line (if any) and leaves the room.
    pub fn leave(&self, room: &Mutex<Room>, last_line: Option<&str>, why: Leave) {
        let mut room = lock(room);
        if let Some(line) = last_line {
            let _ = room.reply(&self.nick, self.id, line);
        }
        room.leave(&self.nick, self.id, why);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    struct Joined {
        session: Session,
        inbox: mpsc::Receiver<Line>,
    }

    impl Joined {
        fn lines(&mut self) -> Vec<String> {
            let mut lines = Vec::new();
            while let Ok(line) = self.inbox.try_recv() {
                lines.push(line.to_string());
            }
            lines
        }
    }

    fn join(room: &Mutex<Room>, frame: &str, id: ClientId) -> Joined {
        let (session, inbox, _kicked) =
            register(room, frame.as_bytes(), id, &Policy::default()).unwrap();
        Joined { session, inbox }
    }

    fn room() -> Mutex<Room> {
        Mutex::new(Room::new(&Policy::default()))
    }

    #[test]
    fn the_first_frame_is_the_nickname_with_or_without_nick() {
        let room = room();
        let mut alice = join(&room, "alice", 1);
        let bob = join(&room, "/nick bob\n", 2);
        assert_eq!(bob.session.nick().as_str(), "bob");
        assert_eq!(alice.lines()[1], "* bob joined");
    }

    #[test]
    fn bad_or_taken_nicknames_get_an_error_line() {
        let room = room();
        let _alice = join(&room, "alice", 1);
        let policy = Policy::default();
        let taken = register(&room, b"alice", 2, &policy).unwrap_err();
        assert_eq!(taken, "! the nickname alice is taken; choose another");
        let spaced = register(&room, b"al ice", 2, &policy).unwrap_err();
        assert!(spaced.starts_with("! a nickname may hold"), "{spaced}");
        let bytes = register(&room, b"\xff", 2, &policy).unwrap_err();
        assert!(bytes.contains("UTF-8"), "{bytes}");
    }

    #[test]
    fn commands_are_carried_out() {
        let room = room();
        let mut alice = join(&room, "alice", 1);
        let mut bob = join(&room, "bob", 2);
        alice.lines();
        bob.lines();
        let now = Instant::now();
        for frame in ["hello", "/me waves", "/msg bob psst", "/nick al", "/list"] {
            alice.session.handle(&room, frame.as_bytes(), now);
        }
        assert_eq!(
            bob.lines(),
            [
                "alice: hello",
                "* alice waves",
                "[private] alice: psst",
                "* alice is now known as al"
            ]
        );
        assert_eq!(alice.lines().last().unwrap(), "= 2 in the room: al, bob");
        assert_eq!(alice.session.handle(&room, b"/quit", now), Flow::Quit);
        assert_eq!(alice.lines().last().unwrap(), "= goodbye, al");
        assert_eq!(bob.lines(), ["* al left"]);
    }

    #[test]
    fn invalid_utf8_is_refused_and_the_client_stays() {
        let room = room();
        let mut alice = join(&room, "alice", 1);
        alice.lines();
        let now = Instant::now();
        assert_eq!(alice.session.handle(&room, b"caf\xe9", now), Flow::Continue);
        alice.session.handle(&room, b"still here", now);
        let lines = alice.lines();
        assert!(lines[0].starts_with("! refused: messages must be UTF-8"));
        assert_eq!(lines[1], "alice: still here");
    }

    #[test]
    fn a_flood_is_refused_with_one_warning_then_the_rate_recovers() {
        let room = room();
        let mut alice = join(&room, "alice", 1);
        alice.lines();
        let policy = Policy::default();
        let now = Instant::now();
        let sent = policy.rate_burst + 10;
        for i in 0..sent {
            alice.session.handle(&room, format!("m{i}").as_bytes(), now);
        }
        let lines = alice.lines();
        let passed = lines.iter().filter(|l| l.starts_with("alice: ")).count();
        assert_eq!(passed, policy.rate_burst as usize);
        let warnings = lines
            .iter()
            .filter(|l| l.starts_with("! slow down"))
            .count();
        assert_eq!(warnings, 1);
        // One token per 1/rate seconds later, messages pass again.
        let later = now + Duration::from_secs(1);
        alice.session.handle(&room, b"calm now", later);
        assert_eq!(alice.lines(), ["alice: calm now"]);
    }

    #[test]
    fn a_flooder_can_still_quit() {
        let room = room();
        let mut alice = join(&room, "alice", 1);
        let now = Instant::now();
        for _ in 0..Policy::default().rate_burst {
            alice.session.handle(&room, b"spam", now);
        }
        assert_eq!(alice.session.handle(&room, b"/quit", now), Flow::Quit);
        assert_eq!(alice.lines().last().unwrap(), "= goodbye, alice");
    }

    #[test]
    fn help_lists_every_command_to_the_asker_only() {
        let room = room();
        let mut alice = join(&room, "alice", 1);
        let mut bob = join(&room, "bob", 2);
        alice.lines();
        bob.lines();
        alice.session.handle(&room, b"/help", Instant::now());
        assert_eq!(alice.lines(), HELP);
        assert!(bob.lines().is_empty());
    }

    #[test]
    fn unknown_commands_and_missing_targets_are_explained() {
        let room = room();
        let mut alice = join(&room, "alice", 1);
        alice.lines();
        let now = Instant::now();
        alice.session.handle(&room, b"/dance", now);
        alice.session.handle(&room, b"/msg nobody hi", now);
        assert_eq!(
            alice.lines(),
            [
                "! unknown command /dance; try /help",
                "! nobody called nobody is here (/list)"
            ]
        );
    }
}
