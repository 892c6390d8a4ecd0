//! The narrated transcript of a demo.
//!
//! The tour (`cargo run`) runs each chapter's programs inside one process: a server
//! in a thread or a task, clients against it. A [`Narrator`] prints what happens as a
//! transcript a student can follow: who sent which bytes, what arrived, and what it
//! shows. Every lesson crate exposes a `demo(&Narrator) -> DemoResult` function that
//! the tour calls.
//!
//! The narrator is cheap to clone and can be shared between threads. To keep the
//! transcript the same on every run, narrate a send *before* the bytes go out and a
//! receipt *after* they arrived: then the order of the lines follows the order of
//! the events on the wire, whatever the scheduler does.

use std::error::Error;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use crate::bytes::python_repr;
use crate::color::Style;

/// What a demo function returns.
pub type DemoResult = Result<(), Box<dyn Error + Send + Sync>>;

/// Where the transcript goes, shared by every clone of a narrator.
type SharedWriter = Arc<Mutex<Box<dyn Write + Send>>>;

/// Turns a line of narration into the reader's language (the tour's Chinese
/// catalogue); the identity when there is none.
pub type Translate = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// Prints a demo's transcript. Clone it freely; clones write to the same place.
#[derive(Clone)]
pub struct Narrator {
    out: SharedWriter,
    color: bool,
    translate: Option<Translate>,
}

impl std::fmt::Debug for Narrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Narrator")
            .field("color", &self.color)
            .field("translated", &self.translate.is_some())
            .finish()
    }
}

/// The transcript captured by [`Narrator::capture`].
#[derive(Clone, Debug, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Narrator {
    /// A narrator writing to `out`, with colour when `color` is true.
    pub fn new(out: impl Write + Send + 'static, color: bool) -> Narrator {
        Narrator {
            out: Arc::new(Mutex::new(Box::new(out))),
            color,
            translate: None,
        }
    }

    /// This narrator, speaking through `translate`: the narrator's own words
    /// (section titles, comments, events, labels) are translated; the bytes it
    /// shows and the program output it quotes are not.
    pub fn translated(mut self, translate: Translate) -> Narrator {
        self.translate = Some(translate);
        self
    }

    /// `text` in the reader's language.
    pub fn tr(&self, text: &str) -> String {
        match &self.translate {
            Some(translate) => translate(text),
            None => text.to_string(),
        }
    }

    /// A narrator writing to stdout, coloured when stdout is a terminal.
    pub fn stdout() -> Narrator {
        Narrator::new(io::stdout(), crate::color::stdout_supports_color())
    }

    /// A narrator writing into memory, without colour: what tests use.
    pub fn capture() -> (Narrator, Captured) {
        let captured = Captured::default();
        (Narrator::new(captured.clone(), false), captured)
    }

    /// Whether this narrator colours its output.
    pub fn color(&self) -> bool {
        self.color
    }

    /// `text` in `style` if this narrator colours.
    pub fn paint(&self, text: &str, style: Style) -> String {
        style.paint(text, self.color)
    }

    /// Writes one line of the transcript as it is.
    pub fn line(&self, text: &str) {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        // The transcript is for reading; if the terminal went away there is
        // nobody to tell, so a failed write is ignored on purpose.
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// A section heading inside a chapter, e.g. `TCP: the first server`.
    pub fn section(&self, title: &str) {
        self.line("");
        self.line(&self.paint(&format!("── {}", self.tr(title)), Style::BOLD));
    }

    /// The narrator's own comment: what just happened and what it shows.
    pub fn say(&self, text: &str) {
        self.line(&format!("   {}", self.paint(&self.tr(text), Style::DIM)));
    }

    /// `who` did something worth a line (bound, accepted, closed...).
    pub fn event(&self, who: &str, what: &str) {
        self.line(&format!("{} {}", self.actor(who), self.tr(what)));
    }

    /// `from` sends `bytes` to `to`. Call it before the bytes go out.
    pub fn send(&self, from: &str, to: &str, bytes: &[u8]) {
        self.line(&format!(
            "{} → {to}: {}",
            self.actor(from),
            self.wire(bytes, Style::GREEN)
        ));
    }

    /// `to` received `bytes` from `from`. Call it after they arrived.
    pub fn receive(&self, to: &str, from: &str, bytes: &[u8]) {
        self.line(&format!(
            "{} ← {from}: {}",
            self.actor(to),
            self.wire(bytes, Style::CYAN)
        ));
    }

    /// `bytes` as Python writes them, then their count: `b'hi' (2 bytes)`. The
    /// bytes are the same in every language; the count is the narrator's words
    /// (`(2 bytes)` is one line of the catalogue).
    fn wire(&self, bytes: &[u8], style: Style) -> String {
        beside(
            &self.paint(&python_repr(bytes), style),
            &self.tr(&format!("({} bytes)", bytes.len())),
        )
    }

    /// A labelled value, e.g. `binary = 01100100.00000100...`.
    pub fn show(&self, label: &str, value: &str) {
        self.line(&format!("   {} {value}", pad(&self.tr(label), 12)));
    }

    fn actor(&self, who: &str) -> String {
        self.paint(&format!("[{who}]"), Style::YELLOW)
    }
}

/// How many terminal columns `text` takes: a CJK character (a translated
/// label, a chapter's Chinese title) takes two, everything else one.
pub fn columns(text: &str) -> usize {
    text.chars().map(width).sum()
}

/// How many terminal columns `c` takes: two for a CJK character (full-width
/// punctuation included), one for everything else.
fn width(c: char) -> usize {
    if c >= '\u{2e80}' { 2 } else { 1 }
}

/// `value` (bytes, a program's output), then the narrator's `words` about it,
/// apart by a space, unless the words open with a full-width character (a
/// Chinese `（`), which brings its own space; the words alone without a value.
///
/// ```
/// use netlab_common::narrate::beside;
/// assert_eq!(beside("b'hi'", "(2 bytes)"), "b'hi' (2 bytes)");
/// assert_eq!(beside("b'hi'", "（2 字节）"), "b'hi'（2 字节）");
/// assert_eq!(beside("", "closed"), "closed");
/// ```
pub fn beside(value: &str, words: &str) -> String {
    let space = if value.is_empty() || words.chars().next().is_some_and(|c| width(c) == 2) {
        ""
    } else {
        " "
    };
    format!("{value}{space}{words}")
}

/// `text` followed by spaces up to `width` terminal columns (see [`columns`]),
/// so that a column after it lines up in either language.
///
/// ```
/// use netlab_common::narrate::pad;
/// assert_eq!(pad("mask", 6), "mask  ");
/// assert_eq!(pad("掩码", 6), "掩码  ");
/// assert_eq!(pad("too long", 3), "too long");
/// ```
pub fn pad(text: &str, width: usize) -> String {
    let spaces = width.saturating_sub(columns(text));
    format!("{text}{}", " ".repeat(spaces))
}

/// A connection the tour watches: every write is narrated as a send (before the
/// bytes go out) and every read as a receipt (after they arrived), then passed
/// on. The lesson code reads and writes as usual and knows nothing of the tour:
/// it takes any `Read + Write`, and the tour hands it a `Watched` connection.
///
/// ```
/// use std::io::{Read, Write};
/// use netlab_common::narrate::{Narrator, Watched};
/// let (narrator, transcript) = Narrator::capture();
/// let mut wire: Vec<u8> = Vec::new();
/// Watched::new(&mut wire, &narrator, "client", "server").write_all(b"hello!").unwrap();
/// assert_eq!(wire, b"hello!");
/// assert_eq!(transcript.text(), "[client] → server: b'hello!' (6 bytes)\n");
/// ```
#[derive(Debug)]
pub struct Watched<'a, S> {
    inner: S,
    narrator: &'a Narrator,
    me: &'a str,
    peer: &'a str,
}

impl<'a, S> Watched<'a, S> {
    /// `inner`, seen from `me`, talking to `peer`.
    pub fn new(inner: S, narrator: &'a Narrator, me: &'a str, peer: &'a str) -> Self {
        Watched {
            inner,
            narrator,
            me,
            peer,
        }
    }

    /// The connection itself, e.g. to shut it down.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The connection itself, unwatched again.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: io::Read> io::Read for Watched<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(arrived) = buf.get(..n).filter(|bytes| !bytes.is_empty()) {
            self.narrator.receive(self.me, self.peer, arrived);
        }
        Ok(n)
    }
}

impl<S: Write> Write for Watched<'_, S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Narrated before the bytes go out, so the receipt can never be printed
        // first. A short write (rare with a demo's few bytes) narrates its
        // unwritten rest again with the next call; `write_all` narrates once.
        self.narrator.send(self.me, self.peer, buf);
        self.inner.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        // One line for one `write_all` (sendall), however many writes it takes.
        self.narrator.send(self.me, self.peer, buf);
        self.inner.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::Narrator;

    #[test]
    fn captured_transcript_shows_bytes_like_python() {
        let (narrator, captured) = Narrator::capture();
        narrator.send("client", "server", b"hello!");
        narrator.receive("server", "client", b"hello!");
        assert_eq!(
            captured.text(),
            "[client] → server: b'hello!' (6 bytes)\n[server] ← client: b'hello!' (6 bytes)\n"
        );
    }

    #[test]
    fn a_translated_narrator_translates_the_count_not_the_bytes() {
        let (narrator, captured) = Narrator::capture();
        let narrator = narrator.translated(std::sync::Arc::new(|text: &str| {
            text.replace("bytes)", "字节）").replace('(', "（")
        }));
        narrator.send("client", "server", b"(hi) bytes)");
        narrator.receive("server", "client", b"hi");
        assert_eq!(
            captured.text(),
            "[client] → server: b'(hi) bytes)'（11 字节）\n[server] ← client: b'hi'（2 字节）\n"
        );
    }

    #[test]
    fn clones_share_one_transcript() {
        let (narrator, captured) = Narrator::capture();
        let clone = narrator.clone();
        std::thread::spawn(move || clone.event("server", "accepted a client"))
            .join()
            .unwrap();
        assert_eq!(captured.text(), "[server] accepted a client\n");
    }

    #[test]
    fn shown_values_line_up_whatever_the_labels_language() {
        let (narrator, captured) = Narrator::capture();
        narrator.show("mask", "255.255.255.0");
        narrator.show("子网掩码", "255.255.255.0");
        let text = captured.text();
        let at: Vec<usize> = text
            .lines()
            .map(|line| super::columns(&line[..line.find("255").unwrap()]))
            .collect();
        assert_eq!(at, [16, 16], "{text}");
    }

    #[test]
    fn capture_has_no_colour() {
        let (narrator, captured) = Narrator::capture();
        narrator.section("TCP");
        assert!(!captured.text().contains('\x1b'));
    }
}
