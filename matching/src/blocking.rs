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
//! | `dob:` | birth date | name errors, moved family, missing fields |
//! | `ph:` | last 7 digits of the phone | name and date errors |
//! | `sy:` | Soundex of each surname word + birth year | day/month errors, surname order, dropped surname |
//! | `sd:` | Soundex of each surname word + month and day (in either order) | year errors, day/month swaps |
//! | `my:` | Soundex of each word of the mother's maiden name + birth year | child's name errors |
//!
//! Soundex keeps a surname's first letter and its consonant sounds, so most typing errors
//! (`Garcia`/`Garsia`) and spelling variants keep the key; a surname of two words gives two keys,
//! so an error in one still leaves the other.

use crate::prepare::{code, digits, surname_words};
use crate::record::MatchRecord;
use crate::similarity::soundex;
use chrono::Datelike;

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
        keys.push(format!("dob:{}", date.format("%Y-%m-%d")));
        let (m, d) = (date.month(), date.day());
        let (low, high) = (m.min(d), m.max(d));
        for word in &surnames {
            let s = sound(word);
            keys.push(format!("sy:{s}:{}", date.year()));
            keys.push(format!("sd:{s}:{low:02}{high:02}"));
        }
        for word in &mother {
            keys.push(format!("my:{}:{}", sound(word), date.year()));
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
            "dob:2019-07-03",
            "ph:5550134",
            "sy:G620:2019",
            "sy:L120:2019",
            "sd:G620:0307",
        ] {
            assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
        }
        assert!(blocking_keys(&MatchRecord::default()).is_empty());
    }
}
