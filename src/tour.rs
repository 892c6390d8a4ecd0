//! The list of chapters and the code that walks through them.

use netlab_common::color::Style;
use netlab_common::{DemoResult, Narrator};

/// A chapter's demo: a lesson crate's `demo` function.
pub type Demo = fn(&Narrator) -> DemoResult;

/// One chapter of the tutorial, and what the tour runs for it.
#[derive(Debug)]
pub struct Chapter {
    /// 1 to 8, as in the tutorial's table of contents.
    pub number: u8,
    /// The tutorial's own title, e.g. `五.黏包`.
    pub chinese: &'static str,
    /// Our English title.
    pub english: &'static str,
    /// The crates whose programs this chapter runs.
    pub crates: &'static str,
    /// The book page for this chapter.
    pub book_page: &'static str,
    /// The demos, in order; `None` while the chapter's crate is not built yet.
    pub demos: Option<&'static [Demo]>,
}

/// The eight chapters, in the tutorial's order.
pub const CHAPTERS: &[Chapter] = &[
    Chapter {
        number: 1,
        chinese: "一.楔子",
        english: "Prologue",
        crates: "netlab (the tour itself)",
        book_page: "docs/src/ch01-prologue.md",
        demos: Some(&[crate::prologue::demo]),
    },
    Chapter {
        number: 2,
        chinese: "二.客户端/服务端架构",
        english: "Client/server architecture",
        crates: "tcp-demo (http)",
        book_page: "docs/src/ch02-client-server.md",
        demos: Some(&[tcp_demo::http::demo]),
    },
    Chapter {
        number: 3,
        chinese: "三.网络基础",
        english: "Network basics",
        crates: "net-basics",
        book_page: "docs/src/ch03-network-basics.md",
        demos: Some(&[net_basics::demo]),
    },
    Chapter {
        number: 4,
        chinese: "四.套接字(socket)初使用",
        english: "First sockets",
        crates: "tcp-demo, udp-demo, time-sync",
        book_page: "docs/src/ch04-first-sockets.md",
        demos: Some(&[tcp_demo::demo, udp_demo::demo, time_sync::demo]),
    },
    Chapter {
        number: 5,
        chinese: "五.黏包",
        english: "Sticky packets",
        crates: "framing",
        book_page: "docs/src/ch05-sticky-packets.md",
        demos: Some(&[framing::demo]),
    },
    Chapter {
        number: 6,
        chinese: "六.socket的更多方法",
        english: "More socket methods",
        crates: "tcp-demo (sockinfo)",
        book_page: "docs/src/ch06-socket-methods.md",
        demos: Some(&[tcp_demo::sockinfo::demo]),
    },
    Chapter {
        number: 7,
        chinese: "七.验证客户端链接的合法性",
        english: "Authenticating clients",
        crates: "auth",
        book_page: "docs/src/ch07-authentication.md",
        demos: Some(&[auth::demo]),
    },
    Chapter {
        number: 8,
        chinese: "八.socketserver模块",
        english: "socketserver",
        crates: "chat",
        book_page: "docs/src/ch08-socketserver.md",
        demos: Some(&[chat::demo]),
    },
];

/// The line printed for a chapter whose crate is not built yet.
pub const NOT_BUILT_YET: &str = "not built yet";

/// Looks a chapter up by its number.
pub fn chapter(number: u8) -> Option<&'static Chapter> {
    CHAPTERS.iter().find(|chapter| chapter.number == number)
}

/// The heading printed before a chapter's transcript.
pub fn heading(chapter: &Chapter) -> String {
    format!(
        "{} {} — {}",
        chapter.number, chapter.chinese, chapter.english
    )
}

/// One line per chapter: what `--list` prints.
pub fn list(narrator: &Narrator) {
    for chapter in CHAPTERS {
        let status = if chapter.demos.is_some() {
            String::new()
        } else {
            format!("  ({NOT_BUILT_YET})")
        };
        narrator.line(&format!(
            "{:<40} {}{status}",
            narrator.tr(&heading(chapter)),
            narrator.paint(chapter.crates, Style::DIM)
        ));
    }
}

/// How a whole tour went: which chapters' demos failed.
#[derive(Debug, Default)]
pub struct Outcome {
    pub failed: Vec<(u8, String)>,
}

/// Runs `chapters` in order, narrating each one, and reports failures without
/// stopping: one broken demo must not hide the others.
pub fn run(chapters: &[&Chapter], narrator: &Narrator) -> Outcome {
    let mut outcome = Outcome::default();
    for chapter in chapters {
        narrator.line("");
        let heading = narrator.tr(&heading(chapter));
        narrator.line(&narrator.paint(&format!("═══ {heading} ═══"), Style::BOLD));
        let Some(demos) = chapter.demos else {
            narrator.line(&narrator.tr(NOT_BUILT_YET));
            continue;
        };
        for demo in demos {
            if let Err(error) = demo(narrator) {
                let message = error.to_string();
                let failed = narrator.tr(&format!("demo failed: {message}"));
                narrator.line(&narrator.paint(&failed, Style::RED));
                outcome.failed.push((chapter.number, message));
            }
        }
    }
    narrator.line("");
    narrator.say("End of the tour: each chapter's page in docs/ explains what you saw.");
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapters_are_numbered_one_to_eight_in_order() {
        let numbers: Vec<u8> = CHAPTERS.iter().map(|c| c.number).collect();
        assert_eq!(numbers, (1..=8).collect::<Vec<u8>>());
    }

    #[test]
    fn headings_carry_the_tutorial_titles() {
        assert_eq!(heading(&CHAPTERS[4]), "5 五.黏包 — Sticky packets");
        assert_eq!(
            heading(&CHAPTERS[7]),
            "8 八.socketserver模块 — socketserver"
        );
    }

    #[test]
    fn every_book_page_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for chapter in CHAPTERS {
            assert!(
                root.join(chapter.book_page).is_file(),
                "{} is missing",
                chapter.book_page
            );
        }
    }
}
