//! Every text the crate names has an English and a Spanish translation in
//! `assets/i18n/<lang>/school.json`, with the same placeholders.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use salal_school::{Reason, Setting, Status, UNCONFIRMED_MESSAGE_KEY, group_message_key};

use crate::support::rules;

const EN: &str = include_str!("../../../assets/i18n/en/school.json");
const ES: &str = include_str!("../../../assets/i18n/es/school.json");

fn catalog(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).expect("a flat JSON map of texts")
}

fn placeholders(text: &str) -> BTreeSet<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}'))
        .map(|(name, _)| name)
        .collect()
}

fn every_reason() -> Vec<Reason> {
    let day = NaiveDate::default();
    vec![
        Reason::EnoughDoses,
        Reason::AltDosesAfterAge,
        Reason::FewerDosesSeriesComplete,
        Reason::SeriesComplete,
        Reason::Immune,
        Reason::AgeAppropriateNotPastDue,
        Reason::NextDoseWithinConditionalPeriod { deadline: day },
        Reason::NextDoseNotYetEligible { earliest: day },
        Reason::MissingDoses,
        Reason::PastDue { past_due: day },
        Reason::ContraindicatedWithoutExemption,
        Reason::NoForecast,
        Reason::Exempt,
        Reason::NotRequiredAtThisAge,
    ]
}

#[test]
fn english_and_spanish_have_the_same_keys_and_placeholders() {
    let en = catalog(EN);
    let es = catalog(ES);
    assert_eq!(en.keys().collect::<Vec<_>>(), es.keys().collect::<Vec<_>>());
    for (key, text) in &en {
        assert_eq!(placeholders(text), placeholders(&es[key]), "{key}");
    }
}

#[test]
fn every_key_the_crate_names_is_translated() {
    let mut keys: Vec<String> = vec![UNCONFIRMED_MESSAGE_KEY.to_owned()];
    keys.extend(Status::ALL.iter().map(|s| s.message_key().to_owned()));
    keys.extend([Setting::School, Setting::ChildCare].map(|s| s.message_key().to_owned()));
    for band in rules().bands() {
        keys.push(band.message_key());
        keys.extend(band.groups.iter().map(|g| group_message_key(&g.group)));
    }
    for catalog in [catalog(EN), catalog(ES)] {
        for key in &keys {
            assert!(catalog.contains_key(key), "{key} is not translated");
        }
        for reason in every_reason() {
            let text = catalog
                .get(reason.message_key())
                .unwrap_or_else(|| panic!("{} is not translated", reason.message_key()));
            let named: BTreeSet<&str> = reason.message_dates().iter().map(|(n, _)| *n).collect();
            assert_eq!(placeholders(text), named, "{}", reason.message_key());
        }
    }
}

#[test]
fn every_reason_text_is_used() {
    let used: BTreeSet<&str> = every_reason().iter().map(Reason::message_key).collect();
    for key in catalog(EN)
        .keys()
        .filter(|k| k.starts_with("school.reason."))
    {
        assert!(used.contains(key.as_str()), "{key} names no reason");
    }
}
