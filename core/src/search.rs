//! Patient search queries as front-desk staff type them.
//!
//! A query mixes name parts and at most one birth date. Names are folded
//! (lower case, accents removed: "García" ~ "garcia") and split on anything
//! that is not a letter or digit, so hyphenated and two-part surnames match
//! in any order. Birth dates are read in the forms people type: `3/7/2019`,
//! `03072019`, `2019-03-07`, `3-7-19`. A date like 3/7/2019 is ambiguous
//! (March 7 in the US, July 3 in most Spanish-speaking countries); both are
//! kept, the reading of the user's language first. One word with a digit in
//! it may also be a chart or birth certificate number.

use crate::i18n::Lang;
use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases and strips accents: "GARCÍA Núñez" → "garcia nunez".
#[must_use]
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The folded words of a text, split on anything that is not a letter or digit.
#[must_use]
pub fn name_tokens(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A parsed search query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    /// Folded name prefixes, all of which must match some name part.
    pub name_tokens: Vec<String>,
    /// Candidate birth dates (any may match), the most likely first.
    pub birth_dates: Vec<NaiveDate>,
    /// The query as typed when it is one word with a digit in it: it may be
    /// a chart (medical record) number or a birth certificate number.
    pub identifier: Option<String>,
}

impl SearchQuery {
    /// Reads a query typed by a user speaking `lang`, as of `today` (for two-digit years).
    #[must_use]
    pub fn parse(text: &str, lang: Lang, today: NaiveDate) -> SearchQuery {
        let mut query = SearchQuery::default();
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .collect();
        if let [word] = words.as_slice()
            && word.chars().any(|c| c.is_ascii_digit())
        {
            query.identifier = Some((*word).to_owned());
        }
        let mut i = 0;
        while i < words.len() {
            if let Some((date, used)) = spelled_date(&words[i..], today) {
                query.add_date(date);
                i += used;
                continue;
            }
            let dates = parse_birth_date(words[i], lang, today);
            if dates.is_empty() {
                query.name_tokens.extend(name_tokens(words[i]));
            } else {
                for d in dates {
                    query.add_date(d);
                }
            }
            i += 1;
        }
        query
    }

    fn add_date(&mut self, date: NaiveDate) {
        if !self.birth_dates.contains(&date) {
            self.birth_dates.push(date);
        }
    }

    /// Whether nothing searchable was typed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.name_tokens.is_empty() && self.birth_dates.is_empty() && self.identifier.is_none()
    }
}

fn year_from(text: &str, today: NaiveDate) -> Option<i32> {
    use chrono::Datelike;
    let n: i32 = text.parse().ok()?;
    match text.len() {
        4 => Some(n),
        2 => {
            let century = today.year() / 100 * 100;
            let year = century + n;
            Some(if year > today.year() {
                year - 100
            } else {
                year
            })
        }
        _ => None,
    }
}

/// English and Spanish month names; a word matches a month when it is at
/// least its first three letters (accents and case folded): "mar", "march",
/// "marzo", "sept", "setiembre".
const MONTHS: [(&str, &str, &str); 12] = [
    ("january", "enero", ""),
    ("february", "febrero", ""),
    ("march", "marzo", ""),
    ("april", "abril", ""),
    ("may", "mayo", ""),
    ("june", "junio", ""),
    ("july", "julio", ""),
    ("august", "agosto", ""),
    ("september", "septiembre", "setiembre"),
    ("october", "octubre", ""),
    ("november", "noviembre", ""),
    ("december", "diciembre", ""),
];

fn month_number(word: &str) -> Option<u32> {
    let word = fold(word.trim_end_matches('.'));
    if word.chars().count() < 3 || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    MONTHS
        .iter()
        .position(|(en, es, other)| {
            [en, es, other]
                .iter()
                .any(|name| !name.is_empty() && name.starts_with(word.as_str()))
        })
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn day_number(word: &str) -> Option<u32> {
    let word = word.trim_end_matches(['.', 'º', 'o']);
    let word = word
        .strip_suffix("st")
        .or_else(|| word.strip_suffix("nd"))
        .or_else(|| word.strip_suffix("rd"))
        .or_else(|| word.strip_suffix("th"))
        .unwrap_or(word);
    if (1..=2).contains(&word.len()) {
        word.parse().ok().filter(|d| (1..=31).contains(d))
    } else {
        None
    }
}

/// A date spelled with a month name at the start of `words` ("7 mar 2019",
/// "march 7 2019", "7 de marzo de 2019"), and how many words it took.
fn spelled_date(words: &[&str], today: NaiveDate) -> Option<(NaiveDate, usize)> {
    let is_de = |w: &&str| fold(w) == "de";
    let mut parts: Vec<(usize, &str)> = Vec::new();
    for (i, w) in words.iter().enumerate().take(5) {
        if !is_de(w) {
            parts.push((i, w));
        }
        if parts.len() == 3 {
            break;
        }
    }
    let [(_, a), (_, b), (last, c)] = parts[..] else {
        return None;
    };
    let year = year_from(c, today)?;
    let (day, month) = match (day_number(a), month_number(a)) {
        (Some(day), _) => (day, month_number(b)?),
        (None, Some(month)) => (day_number(b)?, month),
        (None, None) => return None,
    };
    Some((NaiveDate::from_ymd_opt(year, month, day)?, last + 1))
}

/// The dates a word could mean, the reading of `lang` first; empty if it is no date.
#[must_use]
pub fn parse_birth_date(word: &str, lang: Lang, today: NaiveDate) -> Vec<NaiveDate> {
    let word = word.trim();
    let parts: Vec<&str> = word.split(['/', '-', '.']).collect();
    let (a, b, year, iso) = match parts[..] {
        [y, m, d] if y.len() == 4 => (m, d, year_from(y, today), true),
        [a, b, y] if (1..=2).contains(&a.len()) && (1..=2).contains(&b.len()) => {
            (a, b, year_from(y, today), false)
        }
        // Six digits: MMDDYY (DDMMYY read too, first in Spanish).
        [digits] if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) => (
            &digits[..2],
            &digits[2..4],
            year_from(&digits[4..], today),
            false,
        ),
        [digits] if digits.len() == 8 && digits.chars().all(|c| c.is_ascii_digit()) => {
            if let Ok(d) = NaiveDate::parse_from_str(digits, "%Y%m%d")
                && (digits.starts_with("19") || digits.starts_with("20"))
            {
                return vec![d];
            }
            (
                &digits[..2],
                &digits[2..4],
                year_from(&digits[4..], today),
                false,
            )
        }
        _ => return Vec::new(),
    };
    let (Some(year), Ok(a), Ok(b)) = (year, a.parse::<u32>(), b.parse::<u32>()) else {
        return Vec::new();
    };
    if iso {
        return NaiveDate::from_ymd_opt(year, a, b).into_iter().collect();
    }
    let month_first = NaiveDate::from_ymd_opt(year, a, b);
    let day_first = NaiveDate::from_ymd_opt(year, b, a);
    let ordered = match lang {
        Lang::En => [month_first, day_first],
        Lang::Es => [day_first, month_first],
    };
    let mut dates: Vec<NaiveDate> = Vec::new();
    for d in ordered.into_iter().flatten() {
        if !dates.contains(&d) {
            dates.push(d);
        }
    }
    dates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    const TODAY: fn() -> NaiveDate = || day(2026, 11, 25);

    #[test]
    fn folding_removes_accents_and_case() {
        assert_eq!(fold("García NÚÑEZ"), "garcia nunez");
        assert_eq!(
            name_tokens("Smith-Jones  O'Brien"),
            vec!["smith", "jones", "o", "brien"]
        );
    }

    #[test]
    fn birth_dates_in_every_typed_form() {
        let march7 = day(2019, 3, 7);
        for typed in [
            "3/7/2019",
            "03072019",
            "2019-03-07",
            "03/07/2019",
            "3-7-19",
            "20190307",
        ] {
            let dates = parse_birth_date(typed, Lang::En, TODAY());
            assert_eq!(dates.first(), Some(&march7), "{typed}");
        }
        assert_eq!(
            parse_birth_date("3/7/2019", Lang::Es, TODAY()),
            vec![day(2019, 7, 3), march7]
        );
        assert_eq!(
            parse_birth_date("25/12/2020", Lang::En, TODAY()),
            vec![day(2020, 12, 25)]
        );
        assert_eq!(parse_birth_date("030719", Lang::En, TODAY())[0], march7);
        assert_eq!(parse_birth_date("070319", Lang::Es, TODAY())[0], march7);
        for typed in [
            "7 mar 2019",
            "march 7 2019",
            "March 7, 2019",
            "7 de marzo de 2019",
            "7 Mar. 2019",
            "mar 7th 2019",
        ] {
            let q = SearchQuery::parse(typed, Lang::En, TODAY());
            assert_eq!(q.birth_dates, vec![march7], "{typed}");
            assert!(q.name_tokens.is_empty(), "{typed}: {:?}", q.name_tokens);
        }
        let q = SearchQuery::parse("ana garcia 7 marzo 2019", Lang::Es, TODAY());
        assert_eq!(q.name_tokens, vec!["ana", "garcia"]);
        assert_eq!(q.birth_dates, vec![march7]);
        // A month-like name without a day and a year stays a name.
        let q = SearchQuery::parse("april mayo", Lang::En, TODAY());
        assert_eq!(q.name_tokens, vec!["april", "mayo"]);
        assert!(parse_birth_date("garcia", Lang::En, TODAY()).is_empty());
        assert!(parse_birth_date("13/13/2020", Lang::En, TODAY()).is_empty());
    }

    #[test]
    fn query_splits_names_and_dates() {
        let q = SearchQuery::parse("García-López 3/7/2019", Lang::En, TODAY());
        assert_eq!(q.name_tokens, vec!["garcia", "lopez"]);
        assert_eq!(q.birth_dates[0], day(2019, 3, 7));
        assert!(SearchQuery::parse("  ", Lang::En, TODAY()).is_empty());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any typed text parses without panicking, and folding is idempotent.
        #[test]
        fn any_query_parses_and_folding_is_stable(text in "\\PC{0,40}") {
            let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
            let q = SearchQuery::parse(&text, Lang::Es, today);
            for token in &q.name_tokens {
                prop_assert_eq!(fold(token), token.clone());
                prop_assert!(!token.is_empty());
            }
        }

        /// Every date, typed in each supported form, is read back (first, in its own language's reading).
        #[test]
        fn typed_birth_dates_round_trip(days in 0i64..40_000) {
            let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
            let date = NaiveDate::from_ymd_opt(1915, 1, 1).unwrap() + chrono::Days::new(days.unsigned_abs());
            prop_assume!(date <= today);
            for (typed, lang) in [
                (date.format("%-m/%-d/%Y").to_string(), Lang::En),
                (date.format("%m%d%Y").to_string(), Lang::En),
                (date.format("%Y-%m-%d").to_string(), Lang::En),
                (date.format("%-d/%-m/%Y").to_string(), Lang::Es),
            ] {
                let dates = parse_birth_date(&typed, lang, today);
                prop_assert_eq!(dates.first(), Some(&date), "{}", typed);
            }
        }
    }
}
