//! Optional narration: the same lesson code runs quietly in the binary and
//! narrated in the tour.
//!
//! The binaries print what the tutorial's Python programs print (`b'hello!'`), so a
//! student can compare the two side by side. The tour wants a transcript of who sent
//! what instead. Rather than write every exchange twice, the lesson functions take a
//! `Tell`, which forwards to a [`Narrator`] when there is one and does nothing
//! otherwise. Shared by every lesson crate whose functions run both ways.

use crate::Narrator;

/// A narrator, or nobody.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tell<'a>(pub Option<&'a Narrator>);

impl<'a> Tell<'a> {
    /// Narrate to `narrator`.
    pub fn to(narrator: &'a Narrator) -> Tell<'a> {
        Tell(Some(narrator))
    }

    /// Narrate nothing (the binaries).
    pub fn quiet() -> Tell<'a> {
        Tell(None)
    }

    /// Call before the bytes go out.
    pub fn send(&self, from: &str, to: &str, bytes: &[u8]) {
        if let Some(n) = self.0 {
            n.send(from, to, bytes);
        }
    }

    /// Call after the bytes arrived.
    pub fn receive(&self, to: &str, from: &str, bytes: &[u8]) {
        if let Some(n) = self.0 {
            n.receive(to, from, bytes);
        }
    }

    pub fn event(&self, who: &str, what: &str) {
        if let Some(n) = self.0 {
            n.event(who, what);
        }
    }

    pub fn say(&self, text: &str) {
        if let Some(n) = self.0 {
            n.say(text);
        }
    }
}
