//! The chat room's state: who is here, and how a line reaches them.
//!
//! This is the part of the server that has nothing to do with sockets, so it is
//! tested without any. Each member is a nickname with a bounded queue (its
//! *outbox*); the connection's writer task empties the queue onto the socket.
//! The room lives behind one `std::sync::Mutex`, taken briefly for each message:
//!
//! - **Exactly once, in order.** A message is put into every outbox while the
//!   lock is held, so every member sees the room's messages in one and the same
//!   order, and each sender's messages in the order it sent them.
//! - **A slow member never stalls the room.** Putting into an outbox never
//!   waits (`try_send`). A member whose outbox is full is removed on the spot and
//!   told why by its writer; everyone else goes on. (tokio's `examples/chat.rs`
//!   uses unbounded channels instead: simpler, but one stuck reader there makes the
//!   server's memory grow without limit.)
//!
//! Why a plain mutex and not an async one: nothing here awaits, and the work under
//! the lock is a loop of `try_send`s, far shorter than a task switch.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::nick::Nick;
use crate::policy::{LIST_MAX_NAMES, Policy};

/// One line for a client. Shared: a message to 1,000 members is one allocation
/// and 1,000 reference counts, not 1,000 copies.
pub type Line = Arc<str>;

/// Tells connections apart even when a nickname is reused.
pub type ClientId = u64;

/// Why a member's writer must stop at once, without sending what is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kick {
    /// Its outbox was full: it does not read fast enough.
    TooSlow,
}

impl Kick {
    /// The last line the member is sent (if it still reads at all).
    pub fn farewell(self) -> &'static str {
        match self {
            Kick::TooSlow => {
                "! disconnected: you did not keep up with the room (too many messages waiting)"
            }
        }
    }
}

/// Why a member left; decides the notice the others see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// It sent `/quit`.
    Quit,
    /// It closed the connection without `/quit`.
    Closed,
    /// The connection broke (reset, or closed in the middle of a frame).
    Lost,
    /// It sent nothing for the idle timeout.
    Idle,
    /// It broke a rule it cannot continue after (an oversized frame).
    Refused,
    /// Its outbox overflowed.
    TooSlow,
    /// The server is shutting down.
    Shutdown,
}

impl Leave {
    fn notice(self, nick: &Nick) -> String {
        match self {
            Leave::Quit | Leave::Closed | Leave::Shutdown => format!("* {nick} left"),
            Leave::Lost => format!("* {nick} left (connection lost)"),
            Leave::Idle => format!("* {nick} left (idle)"),
            Leave::Refused => format!("* {nick} left (broke a limit)"),
            Leave::TooSlow => format!("* {nick} was dropped (too slow to keep up)"),
        }
    }
}

/// What a connection hands the room when it joins.
#[derive(Debug)]
pub struct Member {
    pub id: ClientId,
    pub outbox: mpsc::Sender<Line>,
    pub kick: oneshot::Sender<Kick>,
}

/// Why a room operation was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomError {
    /// The nickname belongs to someone else.
    Taken(Nick),
    /// `/msg` to a nickname nobody has.
    NoSuchUser(String),
    /// The caller is no longer a member (it was dropped a moment ago).
    NotMember,
}

impl fmt::Display for RoomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoomError::Taken(nick) => write!(f, "the nickname {nick} is taken; choose another"),
            RoomError::NoSuchUser(nick) => write!(f, "nobody called {nick} is here (/list)"),
            RoomError::NotMember => write!(f, "you are not in the room"),
        }
    }
}

impl std::error::Error for RoomError {}

/// The room (see the module documentation).
#[derive(Debug)]
pub struct Room {
    /// Sorted by nickname, so `/list` needs no sorting.
    members: BTreeMap<Nick, Member>,
    notice_max_members: usize,
    /// Set at shutdown: everybody leaves at once, and nobody needs to hear about
    /// everybody else leaving.
    closing: bool,
}

impl Room {
    pub fn new(policy: &Policy) -> Room {
        Room {
            members: BTreeMap::new(),
            notice_max_members: policy.notice_max_members,
            closing: false,
        }
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Whether `nick` is held by the connection `id`.
    pub fn is_member(&self, nick: &Nick, id: ClientId) -> bool {
        self.members.get(nick).is_some_and(|m| m.id == id)
    }

    /// Stops join and leave notices: the server is shutting down.
    pub fn close(&mut self) {
        self.closing = true;
    }

    // ANCHOR: join
    /// Adds a member under `nick`, welcomes it and tells the others.
    pub fn join(&mut self, nick: Nick, member: Member) -> Result<(), RoomError> {
        if self.members.contains_key(&nick) {
            return Err(RoomError::Taken(nick));
        }
        let id = member.id;
        self.members.insert(nick.clone(), member);
        let welcome = format!(
            "= welcome, {nick}! in the room: {} (/help for commands)",
            self.names()
        );
        self.send_to(&nick, &welcome);
        if self.announces() {
            self.broadcast(&format!("* {nick} joined"), Some(id));
        }
        Ok(())
    }
    // ANCHOR_END: join

    /// Removes the member `nick` if it is still the connection `id`, and tells the
    /// others why it left.
    pub fn leave(&mut self, nick: &Nick, id: ClientId, why: Leave) {
        if self.is_member(nick, id) {
            self.members.remove(nick);
            if self.announces() {
                self.broadcast(&why.notice(nick), None);
            }
        }
    }

    /// `alice: text` to every member, the sender too: its copy confirms that the
    /// room has the message, and where it stands in the room's order.
    pub fn say(&mut self, nick: &Nick, id: ClientId, text: &str) -> Result<(), RoomError> {
        self.check(nick, id)?;
        self.broadcast(&format!("{nick}: {text}"), None);
        Ok(())
    }

    /// `/me waves` → `* alice waves` to every member.
    pub fn me(&mut self, nick: &Nick, id: ClientId, action: &str) -> Result<(), RoomError> {
        self.check(nick, id)?;
        self.broadcast(&format!("* {nick} {action}"), None);
        Ok(())
    }

    /// `/msg bob text`: `[private] alice: text` to bob only, and a copy marked
    /// `[private to bob]` back to the sender.
    pub fn private(
        &mut self,
        nick: &Nick,
        id: ClientId,
        to: &str,
        text: &str,
    ) -> Result<(), RoomError> {
        self.check(nick, id)?;
        let target = Nick::parse(to)
            .ok()
            .filter(|target| self.members.contains_key(target))
            .ok_or_else(|| RoomError::NoSuchUser(to.to_string()))?;
        self.send_to(&target, &format!("[private] {nick}: {text}"));
        self.send_to(nick, &format!("[private to {target}] {nick}: {text}"));
        Ok(())
    }

    /// `/nick new`: renames the member and tells the room.
    pub fn rename(&mut self, nick: &Nick, id: ClientId, new: Nick) -> Result<(), RoomError> {
        self.check(nick, id)?;
        if self.members.contains_key(&new) {
            return Err(RoomError::Taken(new));
        }
        if let Some(member) = self.members.remove(nick) {
            self.members.insert(new.clone(), member);
        }
        let notice = format!("* {nick} is now known as {new}");
        if self.announces() {
            self.broadcast(&notice, None);
        } else {
            self.send_to(&new, &notice);
        }
        Ok(())
    }

    /// `/list`: sends the member the names in the room.
    pub fn list(&mut self, nick: &Nick, id: ClientId) -> Result<(), RoomError> {
        self.check(nick, id)?;
        let line = format!("= {} in the room: {}", self.members.len(), self.names());
        self.send_to(nick, &line);
        Ok(())
    }

    /// Sends one line to one member (replies, errors, `/help`).
    pub fn reply(&mut self, nick: &Nick, id: ClientId, line: &str) -> Result<(), RoomError> {
        self.check(nick, id)?;
        self.send_to(nick, line);
        Ok(())
    }

    fn check(&self, nick: &Nick, id: ClientId) -> Result<(), RoomError> {
        if self.is_member(nick, id) {
            Ok(())
        } else {
            Err(RoomError::NotMember)
        }
    }

    fn announces(&self) -> bool {
        !self.closing && self.members.len() <= self.notice_max_members
    }

    /// The names, at most [`LIST_MAX_NAMES`] of them, comma separated.
    fn names(&self) -> String {
        let mut names: Vec<&str> = self
            .members
            .keys()
            .take(LIST_MAX_NAMES)
            .map(Nick::as_str)
            .collect();
        let more = self.members.len().saturating_sub(LIST_MAX_NAMES);
        let more_text = format!("and {more} more");
        if more > 0 {
            names.push(&more_text);
        }
        names.join(", ")
    }

    // ANCHOR: broadcast
    /// Puts `line` into every outbox (except `except`'s). Never waits: a full
    /// outbox gets its member dropped.
    fn broadcast(&mut self, line: &str, except: Option<ClientId>) {
        let line: Line = Arc::from(line);
        let mut failed = Vec::new();
        for (nick, member) in &self.members {
            if Some(member.id) == except {
                continue;
            }
            if let Err(error) = member.outbox.try_send(Arc::clone(&line)) {
                failed.push((nick.clone(), error));
            }
        }
        self.remove_failed(failed);
    }
    // ANCHOR_END: broadcast

    fn send_to(&mut self, nick: &Nick, line: &str) {
        let Some(member) = self.members.get(nick) else {
            return;
        };
        if let Err(error) = member.outbox.try_send(Arc::from(line)) {
            self.remove_failed(vec![(nick.clone(), error)]);
        }
    }

    // ANCHOR: drop_slow
    /// Removes the members whose outbox refused a line: full (too slow: its
    /// writer is told to stop now) or closed (its connection is already gone).
    /// Telling the others may overflow more outboxes, hence the work list.
    fn remove_failed(&mut self, mut failed: Vec<(Nick, mpsc::error::TrySendError<Line>)>) {
        while let Some((nick, error)) = failed.pop() {
            let Some(member) = self.members.remove(&nick) else {
                continue;
            };
            let why = match error {
                mpsc::error::TrySendError::Full(_) => {
                    // The receiver may be gone already; then there is nobody to tell.
                    let _ = member.kick.send(Kick::TooSlow);
                    Leave::TooSlow
                }
                mpsc::error::TrySendError::Closed(_) => Leave::Lost,
            };
            if !self.announces() {
                continue;
            }
            let notice: Line = Arc::from(why.notice(&nick));
            for (other, member) in &self.members {
                if let Err(error) = member.outbox.try_send(Arc::clone(&notice)) {
                    failed.push((other.clone(), error));
                }
            }
        }
    }
    // ANCHOR_END: drop_slow
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Client {
        nick: Nick,
        id: ClientId,
        inbox: mpsc::Receiver<Line>,
        kicked: oneshot::Receiver<Kick>,
    }

    impl Client {
        fn lines(&mut self) -> Vec<String> {
            let mut lines = Vec::new();
            while let Ok(line) = self.inbox.try_recv() {
                lines.push(line.to_string());
            }
            lines
        }
    }

    fn join(room: &mut Room, name: &str, id: ClientId, capacity: usize) -> Client {
        let (outbox, inbox) = mpsc::channel(capacity);
        let (kick, kicked) = oneshot::channel();
        let nick = Nick::parse(name).unwrap();
        room.join(nick.clone(), Member { id, outbox, kick })
            .unwrap();
        Client {
            nick,
            id,
            inbox,
            kicked,
        }
    }

    fn room() -> Room {
        Room::new(&Policy::default())
    }

    #[test]
    fn a_newcomer_is_welcomed_and_announced_to_the_others() {
        let mut room = room();
        let mut alice = join(&mut room, "alice", 1, 8);
        let mut bob = join(&mut room, "bob", 2, 8);
        assert_eq!(
            alice.lines(),
            [
                "= welcome, alice! in the room: alice (/help for commands)",
                "* bob joined"
            ]
        );
        assert_eq!(
            bob.lines(),
            ["= welcome, bob! in the room: alice, bob (/help for commands)"]
        );
    }

    #[test]
    fn everyone_gets_each_message_once_in_order() {
        let mut room = room();
        let mut alice = join(&mut room, "alice", 1, 8);
        let mut bob = join(&mut room, "bob", 2, 8);
        alice.lines();
        bob.lines();
        room.say(&alice.nick, alice.id, "one").unwrap();
        room.say(&bob.nick, bob.id, "two").unwrap();
        room.me(&alice.nick, alice.id, "waves").unwrap();
        let expected = ["alice: one", "bob: two", "* alice waves"];
        assert_eq!(alice.lines(), expected);
        assert_eq!(bob.lines(), expected);
    }

    #[test]
    fn a_private_message_reaches_only_its_target_and_the_sender() {
        let mut room = room();
        let mut alice = join(&mut room, "alice", 1, 8);
        let mut bob = join(&mut room, "bob", 2, 8);
        let mut carol = join(&mut room, "carol", 3, 8);
        alice.lines();
        bob.lines();
        carol.lines();
        room.private(&alice.nick, alice.id, "bob", "psst").unwrap();
        assert_eq!(bob.lines(), ["[private] alice: psst"]);
        assert_eq!(alice.lines(), ["[private to bob] alice: psst"]);
        assert!(carol.lines().is_empty());
        assert_eq!(
            room.private(&alice.nick, alice.id, "dave", "hi"),
            Err(RoomError::NoSuchUser("dave".into()))
        );
    }

    #[test]
    fn a_taken_nickname_is_refused_on_join_and_on_rename() {
        let mut room = room();
        let alice = join(&mut room, "alice", 1, 8);
        let _bob = join(&mut room, "bob", 2, 8);
        let (outbox, _inbox) = mpsc::channel(8);
        let (kick, _kicked) = oneshot::channel();
        let taken = room.join(
            Nick::parse("bob").unwrap(),
            Member {
                id: 3,
                outbox,
                kick,
            },
        );
        assert_eq!(taken, Err(RoomError::Taken(Nick::parse("bob").unwrap())));
        let renamed = room.rename(&alice.nick, alice.id, Nick::parse("bob").unwrap());
        assert!(matches!(renamed, Err(RoomError::Taken(_))));
    }

    #[test]
    fn rename_and_leave_are_announced() {
        let mut room = room();
        let alice = join(&mut room, "alice", 1, 8);
        let mut bob = join(&mut room, "bob", 2, 8);
        bob.lines();
        let al = Nick::parse("al").unwrap();
        room.rename(&alice.nick, alice.id, al.clone()).unwrap();
        room.leave(&al, alice.id, Leave::Quit);
        assert_eq!(bob.lines(), ["* alice is now known as al", "* al left"]);
        assert_eq!(room.len(), 1);
    }

    #[test]
    fn a_full_outbox_drops_that_member_and_the_others_carry_on() {
        let mut room = room();
        let mut alice = join(&mut room, "alice", 1, 100);
        // slow never reads: its outbox holds 2 lines, the welcome is one.
        let mut slow = join(&mut room, "slow", 2, 2);
        alice.lines();
        for i in 0..5 {
            room.say(&alice.nick, alice.id, &format!("m{i}")).unwrap();
        }
        assert_eq!(slow.kicked.try_recv(), Ok(Kick::TooSlow));
        assert!(!room.is_member(&slow.nick, slow.id));
        assert_eq!(
            alice.lines(),
            [
                "alice: m0",
                "alice: m1",
                "* slow was dropped (too slow to keep up)",
                "alice: m2",
                "alice: m3",
                "alice: m4"
            ]
        );
        // A dropped member's late message is refused, not sent.
        assert_eq!(
            room.say(&slow.nick, slow.id, "still here?"),
            Err(RoomError::NotMember)
        );
    }

    #[test]
    fn a_reused_nickname_is_not_removed_by_the_old_connection() {
        let mut room = room();
        let old = join(&mut room, "bob", 1, 8);
        room.leave(&old.nick, old.id, Leave::Lost);
        let new = join(&mut room, "bob", 2, 8);
        room.leave(&old.nick, old.id, Leave::Lost);
        assert!(room.is_member(&new.nick, new.id));
    }

    #[test]
    fn big_rooms_skip_join_notices_and_lists_are_capped() {
        let policy = Policy {
            notice_max_members: 2,
            ..Policy::default()
        };
        let mut room = Room::new(&policy);
        let mut first = join(&mut room, "u000", 0, 8);
        let _others: Vec<Client> = (1..=LIST_MAX_NAMES + 1)
            .map(|i| join(&mut room, &format!("u{i:03}"), i as u64, 8))
            .collect();
        let lines = first.lines();
        assert_eq!(lines.len(), 2, "{lines:?}"); // welcome, then u001 joined
        room.list(&first.nick, first.id).unwrap();
        let list = first.lines().pop().unwrap();
        assert!(list.starts_with("= 102 in the room: u000, u001"), "{list}");
        assert!(list.ends_with(", u099, and 2 more"), "{list}");
    }

    #[test]
    fn closing_the_room_silences_the_leave_notices() {
        let mut room = room();
        let alice = join(&mut room, "alice", 1, 8);
        let mut bob = join(&mut room, "bob", 2, 8);
        bob.lines();
        room.close();
        room.leave(&alice.nick, alice.id, Leave::Shutdown);
        assert!(bob.lines().is_empty());
    }
}
