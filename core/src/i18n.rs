//! Translations: every text a user reads, in English and Spanish.
//!
//! Texts live in flat JSON maps `assets/i18n/<lang>/*.json` (key → text with
//! `{name}` placeholders), embedded at build time; every file of a language
//! folder is merged. Errors implement [`UserMessage`] to name their key and
//! arguments, and the UI or CLI picks the language.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

/// A language the UI speaks.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (United States).
    #[default]
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// Every language, in menu order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The ISO 639-1 code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code Salal does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language '{0}' (use en or es)")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "english" | "en-us" => Ok(Lang::En),
            "es" | "spanish" | "español" | "espanol" | "es-us" | "es-mx" => Ok(Lang::Es),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

type Catalog = HashMap<String, String>;

static CATALOGS: LazyLock<HashMap<&'static str, Catalog>> = LazyLock::new(|| {
    let mut catalogs: HashMap<&'static str, Catalog> = HashMap::new();
    for (lang, file, text) in crate::embedded::TRANSLATIONS {
        // A malformed file is caught by the catalog tests; at run time it only loses its keys.
        let entries: Catalog = serde_json::from_str(text).unwrap_or_else(|_| {
            debug_assert!(
                false,
                "translation file {lang}/{file} is not a flat JSON map"
            );
            Catalog::new()
        });
        catalogs.entry(lang).or_default().extend(entries);
    }
    catalogs
});

/// Every key of a language's catalog (for completeness checks).
#[must_use]
pub fn keys(lang: Lang) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = CATALOGS
        .get(lang.code())
        .map(|c| c.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

/// The files each language's catalog was built from, as (language, file name, text).
#[must_use]
pub fn sources() -> &'static [(&'static str, &'static str, &'static str)] {
    crate::embedded::TRANSLATIONS
}

/// The text for `key`, falling back to English, then to the key itself.
#[must_use]
pub fn tr(lang: Lang, key: &str) -> &str {
    CATALOGS
        .get(lang.code())
        .and_then(|c| c.get(key))
        .or_else(|| CATALOGS.get(Lang::En.code()).and_then(|c| c.get(key)))
        .map_or(key, String::as_str)
}

/// The text for `key` with each `{name}` replaced by its value.
#[must_use]
pub fn tr_args(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut text = tr(lang, key).to_owned();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// A date as people write it in that language: 03/07/2019 (en-US), 07/03/2019 (es).
#[must_use]
pub fn format_date(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::En => format!("{:02}/{:02}/{:04}", date.month(), date.day(), date.year()),
        Lang::Es => format!("{:02}/{:02}/{:04}", date.day(), date.month(), date.year()),
    }
}

/// A date known only to its month, as both languages write it: "03/2019".
#[must_use]
pub fn format_month(date: NaiveDate) -> String {
    format!("{:02}/{:04}", date.month(), date.year())
}

/// A date spelled out: "March 7, 2019" / "7 de marzo de 2019".
#[must_use]
pub fn format_date_long(lang: Lang, date: NaiveDate) -> String {
    let key = format!("date.month.{}", date.month());
    let month = tr(lang, &key);
    match lang {
        Lang::En => format!("{month} {}, {}", date.day(), date.year()),
        Lang::Es => format!("{} de {month} de {}", date.day(), date.year()),
    }
}

/// An error or notice a person reads: a translation key and its arguments.
pub trait UserMessage {
    /// The translation key, e.g. `error.event.date_before_birth`.
    fn message_key(&self) -> &'static str;
    /// Values for the key's `{placeholders}`; dates should already be formatted with `lang`.
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        let _ = lang;
        Vec::new()
    }
    /// The message in `lang`: what is wrong and what to do.
    fn localized(&self, lang: Lang) -> String {
        tr_args(lang, self.message_key(), &self.message_args(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn english_and_spanish_have_the_same_keys() {
        let en: BTreeSet<_> = keys(Lang::En).into_iter().collect();
        let es: BTreeSet<_> = keys(Lang::Es).into_iter().collect();
        assert!(!en.is_empty());
        let only_en: Vec<_> = en.difference(&es).collect();
        let only_es: Vec<_> = es.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in Spanish: {only_en:?}");
        assert!(only_es.is_empty(), "missing in English: {only_es:?}");
    }

    #[test]
    fn every_translation_file_is_a_flat_map_of_nonempty_texts() {
        for (lang, file, text) in sources() {
            let map: HashMap<String, serde_json::Value> =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{lang}/{file}: {e}"));
            for (key, value) in map {
                let value = value
                    .as_str()
                    .unwrap_or_else(|| panic!("{lang}/{file}: {key} is not text"));
                assert!(!value.trim().is_empty(), "{lang}/{file}: {key} is empty");
            }
        }
    }

    #[test]
    fn placeholders_match_between_languages() {
        let placeholders = |text: &str| -> BTreeSet<String> {
            text.split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}'))
                .map(|(p, _)| p.to_owned())
                .collect()
        };
        for key in keys(Lang::En) {
            assert_eq!(
                placeholders(tr(Lang::En, key)),
                placeholders(tr(Lang::Es, key)),
                "key {key}"
            );
        }
    }

    #[test]
    fn dates_follow_the_language() {
        let d = NaiveDate::from_ymd_opt(2019, 3, 7).unwrap();
        assert_eq!(format_date(Lang::En, d), "03/07/2019");
        assert_eq!(format_date(Lang::Es, d), "07/03/2019");
        assert_eq!(format_date_long(Lang::En, d), "March 7, 2019");
        assert_eq!(format_date_long(Lang::Es, d), "7 de marzo de 2019");
    }
}
