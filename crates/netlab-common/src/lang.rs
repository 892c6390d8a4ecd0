//! Which language a program speaks to its reader: English or Chinese.
//!
//! The course is read in both. A program takes `--lang en|zh`; without it, it
//! follows the environment the way command-line programs do: the first of
//! `LC_ALL`, `LC_MESSAGES` and `LANG` that is set and not empty decides, and a
//! value starting with `zh` (`zh_CN.UTF-8`, `zh_TW`) means Chinese. Anything else
//! (unset, `C`, `en_US.UTF-8`) means English. Only what the program *says*
//! changes: the bytes on the wire and the output of the programs it quotes never do.

use std::fmt;
use std::str::FromStr;

/// A language of the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// The language the environment asks for (see the module documentation).
    pub fn from_env() -> Lang {
        let var = |name| std::env::var(name).ok();
        Lang::from_locale(var("LC_ALL"), var("LC_MESSAGES"), var("LANG"))
    }

    /// The rule itself, on the three variables' values.
    ///
    /// ```
    /// use netlab_common::lang::Lang;
    /// let s = |v: &str| Some(v.to_string());
    /// assert_eq!(Lang::from_locale(None, None, s("zh_CN.UTF-8")), Lang::Zh);
    /// assert_eq!(Lang::from_locale(s("C"), None, s("zh_CN.UTF-8")), Lang::En);
    /// assert_eq!(Lang::from_locale(s(""), s("zh_TW"), None), Lang::Zh);
    /// assert_eq!(Lang::from_locale(None, None, None), Lang::En);
    /// ```
    pub fn from_locale(
        lc_all: Option<String>,
        lc_messages: Option<String>,
        lang: Option<String>,
    ) -> Lang {
        let chosen = [lc_all, lc_messages, lang]
            .into_iter()
            .flatten()
            .find(|value| !value.is_empty());
        match chosen {
            Some(value) if value.starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }

    /// `--lang` if given, the environment otherwise.
    pub fn or_from_env(flag: Option<Lang>) -> Lang {
        flag.unwrap_or_else(Lang::from_env)
    }
}

impl FromStr for Lang {
    type Err = String;

    /// `en` or `zh` (what `--lang` takes).
    fn from_str(text: &str) -> Result<Lang, String> {
        match text {
            "en" => Ok(Lang::En),
            "zh" => Ok(Lang::Zh),
            other => Err(format!(
                "'{other}' is not a language of the course (en or zh)"
            )),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        })
    }
}
