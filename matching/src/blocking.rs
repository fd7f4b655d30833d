//! Blocking keys: cheap index keys that fetch the candidates worth comparing.
//!
//! The registry indexes every patient under each of its keys and compares a new record only
//! with the patients sharing at least one key. The keys are chosen so that every true pair of
//! the corruption model in [`crate::corpus`] (at most two corruptions per pair) shares one:
//!
//! | key | made of | survives |
//! |---|---|---|
//! | `id:` | registry id | everything but a missing id |
//! | `bc:` | birth-certificate number (letters and digits) | name and date errors |
//! | `mrn:` | organization and medical record number | name and date errors |
//! | `ph:` | last 7 digits of the phone | name and date errors |
//! | `df:` | birth date + Soundex of the first given name | surname errors, moved family, missing fields |
//! | `sd:` | Soundex of each surname word + month and day (in either order) | year errors, day/month swaps, surname typos |
//! | `sm:` | each surname word as spelled (folded) + birth year and month | day errors, first-name errors |
//! | `sn:` | each surname word as spelled (folded) + birth year and day | month errors, first-name errors |
//! | `md:`, `mm:`, `mn:` | the same three for each word of the mother's maiden name | the child's name errors with a date error |
//!
//! A date error changes one of year, month and day (or swaps day and month), so one of the
//! three date forms of a surname or maiden-name key survives it. No key is as wide as "born that
//! day" or "this surname sound, born that year": those blocks grow with the registry (about 270
//! children a day, hundreds a year for one Soundex code at a million records) and every candidate
//! is loaded and compared. The birth date goes with the first name's sound, which is what is left
//! when the surnames themselves are mistyped.
//!
//! Only the month-and-day form is phonetic. Soundex keeps a surname's first letter and its
//! consonant sounds, so most typing errors (`Garcia`/`Garsia`) and spelling variants keep the
//! key, but one code is shared by many surnames; with a year and a month the word as spelled
//! makes blocks about three times smaller, and a mistyped surname still shares its `sd:` key, the
//! mother's keys or `df:`. A surname of two words gives keys for each, so an error in one still
//! leaves the other. The registry also skips a non-identifier key shared by more records than its
//! cap (`matching::MAX_BLOCK`): such a key tells nobody apart, and the record's other keys still
//! find its pairs.

use crate::prepare::{code, digits, surname_words};
use crate::record::MatchRecord;
use crate::similarity::soundex;
use chrono::Datelike;
use salal_core::search::name_tokens;

/// The version of the key scheme: the registry rebuilds every patient's keys when the
/// version it built them with differs (2: `df:`, `sm:`, `sn:`, `md:`, `mm:`, `mn:` in place of
/// `dob:`, `sy:` and `my:`).
pub const KEYS_VERSION: u32 = 2;

/// The phonetic key of a word: its Soundex, or the word itself when it has no ASCII letter.
fn sound(word: &str) -> String {
    soundex(word).unwrap_or_else(|| word.chars().take(8).collect())
}

/// The keys under which the registry indexes a record (sorted, without repeats).
#[must_use]
pub fn blocking_keys(record: &MatchRecord) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    if let Some(id) = record.registry_id.as_deref().and_then(code) {
        keys.push(format!("id:{id}"));
    }
    if let Some(bc) = code(&record.birth_certificate) {
        keys.push(format!("bc:{bc}"));
    }
    for m in &record.medical_records {
        if let (Some(org), Some(mrn)) = (code(&m.org), code(&m.mrn)) {
            keys.push(format!("mrn:{org}:{mrn}"));
        }
    }
    if let Some(phone) = digits(&record.phone)
        && phone.len() >= 7
    {
        keys.push(format!("ph:{}", &phone[phone.len() - 7..]));
    }
    let surnames = surname_words(&[&record.last_name, &record.second_last_name]);
    let mother = surname_words(&[&record.mother_maiden_name]);
    if let Some(date) = record.birth_date {
        let (y, m, d) = (date.year(), date.month(), date.day());
        let (low, high) = (m.min(d), m.max(d));
        if let Some(first) = name_tokens(&record.first_name).first() {
            keys.push(format!("df:{}:{}", date.format("%Y-%m-%d"), sound(first)));
        }
        for (prefix, words) in [("s", &surnames), ("m", &mother)] {
            for word in words {
                let s = sound(word);
                let spelled = code(word).unwrap_or_else(|| s.clone());
                keys.push(format!("{prefix}d:{s}:{low:02}{high:02}"));
                keys.push(format!("{prefix}m:{spelled}:{y}-{m:02}"));
                keys.push(format!("{prefix}n:{spelled}:{y}d{d:02}"));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn keys_of_a_record() {
        let record = MatchRecord {
            first_name: "Ana".to_owned(),
            last_name: "García".to_owned(),
            second_last_name: "López".to_owned(),
            birth_date: NaiveDate::from_ymd_opt(2019, 7, 3),
            phone: "(509) 555-0134".to_owned(),
            birth_certificate: "2019-123".to_owned(),
            ..MatchRecord::default()
        };
        let keys = blocking_keys(&record);
        for key in [
            "bc:2019123",
            "ph:5550134",
            "df:2019-07-03:A500",
            "sm:GARCIA:2019-07",
            "sn:LOPEZ:2019d03",
            "sd:G620:0307",
        ] {
            assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
        }
        assert!(blocking_keys(&MatchRecord::default()).is_empty());
    }
}
