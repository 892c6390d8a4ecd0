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

/// Prints a demo's transcript. Clone it freely; clones write to the same place.
#[derive(Clone)]
pub struct Narrator {
    out: SharedWriter,
    color: bool,
}

impl std::fmt::Debug for Narrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Narrator")
            .field("color", &self.color)
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
        self.line(&self.paint(&format!("── {title}"), Style::BOLD));
    }

    /// The narrator's own comment: what just happened and what it shows.
    pub fn say(&self, text: &str) {
        self.line(&format!("   {}", self.paint(text, Style::DIM)));
    }

    /// `who` did something worth a line (bound, accepted, closed...).
    pub fn event(&self, who: &str, what: &str) {
        self.line(&format!("{} {what}", self.actor(who)));
    }

    /// `from` sends `bytes` to `to`. Call it before the bytes go out.
    pub fn send(&self, from: &str, to: &str, bytes: &[u8]) {
        self.line(&format!(
            "{} → {to}: {} ({} bytes)",
            self.actor(from),
            self.paint(&python_repr(bytes), Style::GREEN),
            bytes.len()
        ));
    }

    /// `to` received `bytes` from `from`. Call it after they arrived.
    pub fn receive(&self, to: &str, from: &str, bytes: &[u8]) {
        self.line(&format!(
            "{} ← {from}: {} ({} bytes)",
            self.actor(to),
            self.paint(&python_repr(bytes), Style::CYAN),
            bytes.len()
        ));
    }

    /// A labelled value, e.g. `binary = 01100100.00000100...`.
    pub fn show(&self, label: &str, value: &str) {
        self.line(&format!("   {label:<12} {value}"));
    }

    fn actor(&self, who: &str) -> String {
        self.paint(&format!("[{who}]"), Style::YELLOW)
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
    fn clones_share_one_transcript() {
        let (narrator, captured) = Narrator::capture();
        let clone = narrator.clone();
        std::thread::spawn(move || clone.event("server", "accepted a client"))
            .join()
            .unwrap();
        assert_eq!(captured.text(), "[server] accepted a client\n");
    }

    #[test]
    fn capture_has_no_colour() {
        let (narrator, captured) = Narrator::capture();
        narrator.section("TCP");
        assert!(!captured.text().contains('\x1b'));
    }
}
