//! Records normalised once for comparison: folded name words, digits of phones, and so on.
//!
//! Every comparison rule works on this form, so a record compared with many candidates is
//! folded only once.

use crate::record::MatchRecord;
use chrono::NaiveDate;
use salal_core::search::{fold, name_tokens};

/// At most this many words of a name or address take part (longer text is cut, never refused).
const MAX_WORDS: usize = 6;

/// Surname particles that are not compared on their own ("de la Cruz" ~ "Cruz").
const PARTICLES: [&str; 14] = [
    "de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "van", "von", "der",
];

/// Street words and their usual abbreviations (English and Spanish).
const STREET_WORDS: [(&str, &str); 16] = [
    ("street", "st"),
    ("avenue", "ave"),
    ("av", "ave"),
    ("avenida", "ave"),
    ("road", "rd"),
    ("drive", "dr"),
    ("lane", "ln"),
    ("boulevard", "blvd"),
    ("court", "ct"),
    ("place", "pl"),
    ("apartment", "apt"),
    ("unit", "apt"),
    ("north", "n"),
    ("south", "s"),
    ("east", "e"),
    ("west", "w"),
];

/// A record in the form the rules compare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Prepared {
    pub(crate) registry_id: Option<String>,
    pub(crate) birth_certificate: Option<String>,
    pub(crate) medical_records: Vec<(String, String)>,
    pub(crate) first: Vec<String>,
    pub(crate) middle: Vec<String>,
    pub(crate) surnames: Vec<String>,
    pub(crate) birth_date: Option<NaiveDate>,
    pub(crate) sex: Option<char>,
    pub(crate) mother_maiden: Vec<String>,
    pub(crate) mother_first: Vec<String>,
    pub(crate) multiple_birth: Option<u8>,
    pub(crate) address: Vec<String>,
    pub(crate) postal_code: Option<String>,
    pub(crate) phone: Option<String>,
}

fn words(text: &str) -> Vec<String> {
    let mut tokens = name_tokens(text);
    tokens.truncate(MAX_WORDS);
    tokens
}

/// Folded letters and digits only, upper case ("ab-123 " → "AB123"); `None` if nothing is left.
pub(crate) fn code(text: &str) -> Option<String> {
    let code: String = fold(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    (!code.is_empty()).then_some(code)
}

/// The digits of a phone number.
pub(crate) fn digits(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// Surname words without particles (unless the surname is nothing but particles).
pub(crate) fn surname_words(parts: &[&str]) -> Vec<String> {
    let all: Vec<String> = parts.iter().flat_map(|p| name_tokens(p)).collect();
    let mut kept: Vec<String> = all
        .iter()
        .filter(|t| !PARTICLES.contains(&t.as_str()))
        .cloned()
        .collect();
    if kept.is_empty() {
        kept = all;
    }
    kept.truncate(MAX_WORDS);
    kept
}

fn sex(text: &str) -> Option<char> {
    match fold(text.trim()).as_str() {
        "f" | "female" | "femenino" | "mujer" => Some('f'),
        "m" | "male" | "masculino" | "hombre" => Some('m'),
        _ => None,
    }
}

fn address_words(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = name_tokens(text)
        .into_iter()
        .map(|t| {
            STREET_WORDS
                .iter()
                .find(|(long, _)| *long == t)
                .map_or(t, |(_, short)| (*short).to_owned())
        })
        .collect();
    tokens.truncate(MAX_WORDS * 2);
    tokens
}

impl Prepared {
    pub(crate) fn new(record: &MatchRecord, placeholders: &[String]) -> Prepared {
        let mut first = words(&record.first_name);
        if placeholders.contains(&first.join(" ")) {
            first.clear();
        }
        let mut medical_records: Vec<(String, String)> = record
            .medical_records
            .iter()
            .filter_map(|m| Some((code(&m.org)?, code(&m.mrn)?)))
            .collect();
        medical_records.sort();
        medical_records.dedup();
        Prepared {
            registry_id: record.registry_id.as_deref().and_then(code),
            birth_certificate: code(&record.birth_certificate),
            medical_records,
            first,
            middle: words(&record.middle_name),
            surnames: surname_words(&[&record.last_name, &record.second_last_name]),
            birth_date: record.birth_date,
            sex: sex(&record.sex),
            mother_maiden: surname_words(&[&record.mother_maiden_name]),
            mother_first: words(&record.mother_first_name),
            multiple_birth: record.multiple_birth_order.filter(|n| *n > 0),
            address: address_words(&record.address),
            postal_code: code(&record.postal_code).map(|p| p.chars().take(5).collect()),
            phone: digits(&record.phone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_the_fields() {
        let record = MatchRecord {
            first_name: "Baby Girl".to_owned(),
            last_name: "de la Cruz".to_owned(),
            second_last_name: "García-López".to_owned(),
            sex: "female".to_owned(),
            address: "12 North Oak Street".to_owned(),
            phone: "(509) 555-0134".to_owned(),
            postal_code: "98801-1234".to_owned(),
            ..MatchRecord::default()
        };
        let p = Prepared::new(&record, &["baby girl".to_owned()]);
        assert!(p.first.is_empty());
        assert_eq!(p.surnames, vec!["cruz", "garcia", "lopez"]);
        assert_eq!(p.sex, Some('f'));
        assert_eq!(p.address, vec!["12", "n", "oak", "st"]);
        assert_eq!(p.phone.as_deref(), Some("5095550134"));
        assert_eq!(p.postal_code.as_deref(), Some("98801"));
        assert_eq!(surname_words(&["De La"]), vec!["de", "la"]);
    }
}
