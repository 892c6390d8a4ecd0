//! The tour in Chinese (`cargo run -- --lang zh`, or a Chinese locale).
//!
//! The lesson crates narrate in English; the tour translates each line of
//! narration through a catalogue, `src/tour.zh.toml`, one entry per line. An
//! entry's `en` may hold `{}` for a part that varies (a port, a count, a quoted
//! value); `zh` repeats those parts where Chinese puts them: `{}` takes the next
//! one in order, `{2}` the second, when Chinese needs another order.
//! Only the narrator's own words are translated: the bytes on the wire and the
//! programs' output it quotes are the same in both languages. A line the
//! catalogue does not know stays English (and the tour's test lists it).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use netlab_common::narrate::Translate;
use serde::Deserialize;

/// The catalogue's text, built into the binary.
const CATALOGUE: &str = include_str!("tour.zh.toml");

#[derive(Debug, Deserialize)]
struct File {
    line: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    en: String,
    zh: String,
}

/// The Chinese catalogue of the tour's narration.
#[derive(Debug, Default)]
pub struct Catalogue {
    exact: HashMap<String, String>,
    /// Entries with `{}`: the English split at each `{}`, and the Chinese.
    patterns: Vec<(Vec<String>, String)>,
    /// Lines asked for that no entry matched.
    misses: Mutex<BTreeSet<String>>,
}

impl Catalogue {
    /// The catalogue built into the tour.
    pub fn chinese() -> Result<Catalogue, String> {
        Catalogue::parse(CATALOGUE)
    }

    /// A catalogue from TOML text (`[[line]] en = "..." zh = "..."`).
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let file: File = toml::from_str(text).map_err(|e| format!("tour.zh.toml: {e}"))?;
        let mut catalogue = Catalogue::default();
        for entry in file.line {
            let holes_en = entry.en.matches("{}").count();
            let used = references(&entry.zh);
            let all_used = (1..=holes_en).all(|n| used.contains(&n));
            if used.iter().any(|&n| n == 0 || n > holes_en) || !all_used {
                return Err(format!(
                    "tour.zh.toml: the Chinese of {:?} must use each of its {holes_en} {{}} parts",
                    entry.en
                ));
            }
            if holes_en == 0 {
                catalogue.exact.insert(entry.en, entry.zh);
            } else {
                let parts = entry.en.split("{}").map(str::to_string).collect();
                catalogue.patterns.push((parts, entry.zh));
            }
        }
        Ok(catalogue)
    }

    /// `text` in Chinese, or as it is when no entry matches (and it is noted).
    pub fn translate(&self, text: &str) -> String {
        if text.trim().is_empty() {
            return text.to_string();
        }
        if let Some(zh) = self.exact.get(text) {
            return zh.clone();
        }
        for (parts, zh) in &self.patterns {
            if let Some(holes) = fill(parts, text) {
                return render(zh, &holes);
            }
        }
        self.misses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(text.to_string());
        text.to_string()
    }

    /// The lines no entry matched so far, sorted.
    pub fn misses(&self) -> Vec<String> {
        let misses = self.misses.lock().unwrap_or_else(PoisonError::into_inner);
        misses.iter().cloned().collect()
    }

    /// This catalogue as a narrator's translation.
    pub fn into_translate(self: Arc<Self>) -> Translate {
        Arc::new(move |text: &str| self.translate(text))
    }
}

/// The holes a Chinese text uses, numbered from 1: `{}` is the next in order,
/// `{N}` the N-th.
fn references(zh: &str) -> Vec<usize> {
    let mut used = Vec::new();
    let mut next = 1;
    for (n, _) in holes_in(zh) {
        match n {
            Some(n) => used.push(n),
            None => {
                used.push(next);
                next += 1;
            }
        }
    }
    used
}

/// Each `{}` or `{N}` in `zh`: its number (None for `{}`) and its byte range.
fn holes_in(zh: &str) -> Vec<(Option<usize>, std::ops::Range<usize>)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = zh[from..].find('{').map(|at| from + at) {
        let Some(close) = zh[open..].find('}').map(|at| open + at) else {
            break;
        };
        let inside = &zh[open + 1..close];
        if inside.is_empty() {
            found.push((None, open..close + 1));
        } else if let Ok(n) = inside.parse() {
            found.push((Some(n), open..close + 1));
        }
        from = close + 1;
    }
    found
}

/// `zh` with its holes filled from `holes` (the English parts, in order).
fn render(zh: &str, holes: &[&str]) -> String {
    let mut out = String::new();
    let mut last = 0;
    let mut next = 0;
    for (n, range) in holes_in(zh) {
        out.push_str(&zh[last..range.start]);
        let index = match n {
            Some(n) => n - 1,
            None => {
                next += 1;
                next - 1
            }
        };
        out.push_str(holes.get(index).copied().unwrap_or_default());
        last = range.end;
    }
    out.push_str(&zh[last..]);
    out
}

/// The parts of `text` that fill the holes between `parts` (the English of a
/// pattern split at its `{}`), or `None` when it does not match.
fn fill<'t>(parts: &[String], text: &'t str) -> Option<Vec<&'t str>> {
    let (first, rest) = parts.split_first()?;
    let mut remaining = text.strip_prefix(first.as_str())?;
    let mut holes = Vec::new();
    for (i, part) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        let at = if last {
            // The last part must end the text.
            remaining.len().checked_sub(part.len())?
        } else if part.is_empty() {
            return None; // two holes side by side cannot be told apart
        } else {
            remaining.find(part.as_str())?
        };
        if last && !remaining.ends_with(part.as_str()) {
            return None;
        }
        holes.push(&remaining[..at]);
        remaining = &remaining[at + part.len()..];
    }
    Some(holes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[[line]]
en = "the server printed {} and closed the connection"
zh = "服务端打印了 {}，然后关闭了连接"

[[line]]
en = "End of the tour."
zh = "导览结束。"

[[line]]
en = "{} of {} clients"
zh = "{2} 个客户端中的 {1} 个"
"#;

    #[test]
    fn exact_lines_and_patterns_are_translated() {
        let catalogue = Catalogue::parse(SAMPLE).unwrap();
        assert_eq!(catalogue.translate("End of the tour."), "导览结束。");
        assert_eq!(
            catalogue.translate("the server printed b'hello!' and closed the connection"),
            "服务端打印了 b'hello!'，然后关闭了连接"
        );
        assert_eq!(catalogue.translate("3 of 4 clients"), "4 个客户端中的 3 个");
        assert!(catalogue.misses().is_empty());
    }

    #[test]
    fn an_unknown_line_stays_english_and_is_noted() {
        let catalogue = Catalogue::parse(SAMPLE).unwrap();
        assert_eq!(catalogue.translate("something new"), "something new");
        assert_eq!(catalogue.misses(), ["something new"]);
    }

    #[test]
    fn a_chinese_text_must_use_every_part() {
        let bad = "[[line]]\nen = \"{} and {}\"\nzh = \"只有 {}\"\n";
        assert!(Catalogue::parse(bad).is_err());
    }

    #[test]
    fn the_built_in_catalogue_parses() {
        Catalogue::chinese().unwrap();
    }
}
