//! One test per matching rule: what each corruption scores and how each rule decides.

use chrono::NaiveDate;
use salal_matching::{
    Decision, Field, Level, MatchRecord, Matcher, MedicalRecordNumber, Rule, Weights,
};

fn matcher() -> Matcher {
    Matcher::embedded().expect("embedded matcher")
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A complete registry record.
fn maria() -> MatchRecord {
    MatchRecord {
        registry_id: Some("R0000001".to_owned()),
        birth_certificate: String::new(),
        medical_records: vec![MedicalRecordNumber::new("org-01", "000123")],
        first_name: "María".to_owned(),
        middle_name: String::new(),
        last_name: "García".to_owned(),
        second_last_name: "López".to_owned(),
        birth_date: date(2019, 3, 7),
        sex: "F".to_owned(),
        mother_maiden_name: "López Ruiz".to_owned(),
        mother_first_name: "Guadalupe".to_owned(),
        multiple_birth_order: None,
        address: "1423 Oak St".to_owned(),
        postal_code: "98801".to_owned(),
        phone: "(509) 555-0134".to_owned(),
    }
}

/// The same child as reported by another clinic (no shared identifier).
fn reported() -> MatchRecord {
    MatchRecord {
        registry_id: None,
        medical_records: vec![MedicalRecordNumber::new("org-02", "A-77")],
        ..maria()
    }
}

#[test]
fn identical_demographics_merge() {
    let c = matcher().compare(&maria(), &reported());
    assert_eq!(c.decision, Decision::Merge);
    assert_eq!(c.rule, Rule::Score);
    assert!(c.score >= matcher().weights().thresholds.merge);
    assert_eq!(c.contributions.len(), 14);
}

#[test]
fn accents_and_case_are_folded() {
    let b = MatchRecord {
        first_name: "MARIA".to_owned(),
        last_name: "garcia".to_owned(),
        second_last_name: "LOPEZ".to_owned(),
        mother_maiden_name: "lopez ruiz".to_owned(),
        ..reported()
    };
    let c = matcher().compare(&maria(), &b);
    assert_eq!(c.level(Field::FirstName), Level::Agree);
    assert_eq!(c.level(Field::Surnames), Level::Agree);
    assert_eq!(c.decision, Decision::Merge);
}

#[test]
fn swapped_surnames_agree() {
    let b = MatchRecord {
        last_name: "López".to_owned(),
        second_last_name: "García".to_owned(),
        ..reported()
    };
    let c = matcher().compare(&maria(), &b);
    assert_eq!(c.level(Field::Surnames), Level::Reordered);
    assert_eq!(c.decision, Decision::Merge);
}

#[test]
fn hyphenated_surnames_agree() {
    let b = MatchRecord {
        last_name: "García-López".to_owned(),
        second_last_name: String::new(),
        ..reported()
    };
    let c = matcher().compare(&maria(), &b);
    assert_eq!(c.level(Field::Surnames), Level::Agree);
    assert_eq!(c.decision, Decision::Merge);
}

#[test]
fn dropped_second_surname_is_a_subset() {
    let b = MatchRecord {
        second_last_name: String::new(),
        ..reported()
    };
    let c = matcher().compare(&maria(), &b);
    assert_eq!(c.level(Field::Surnames), Level::Subset);
    assert_eq!(c.decision, Decision::Merge);
}

#[test]
fn typing_errors_are_partial_agreement() {
    let b = MatchRecord {
        first_name: "Mraia".to_owned(),
        last_name: "Garcia".to_owned(),
        second_last_name: "Lopes".to_owned(),
        ..reported()
    };
    let c = matcher().compare(&maria(), &b);
    assert_eq!(c.level(Field::FirstName), Level::Typo);
    assert_eq!(c.level(Field::Surnames), Level::Typo);
    assert_eq!(c.decision, Decision::Merge);
}

#[test]
fn nicknames_match_both_ways_in_both_languages() {
    let m = matcher();
    for (full, nick) in [
        ("Francisco", "Paco"),
        ("José", "Pepe"),
        ("Guadalupe", "Lupe"),
        ("William", "Bill"),
        ("Elizabeth", "Liz"),
    ] {
        let a = MatchRecord {
            first_name: full.to_owned(),
            ..maria()
        };
        let b = MatchRecord {
            first_name: nick.to_owned(),
            ..reported()
        };
        let c = m.compare(&a, &b);
        assert_eq!(c.level(Field::FirstName), Level::Nickname, "{full}/{nick}");
        assert_eq!(c.decision, Decision::Merge, "{full}/{nick}");
        assert_eq!(m.compare(&b, &a).decision, Decision::Merge);
    }
}

#[test]
fn day_and_month_swapped() {
    let b = MatchRecord {
        birth_date: date(2019, 7, 3),
        ..reported()
    };
    let c = matcher().compare(&maria(), &b);
    assert_eq!(c.level(Field::BirthDate), Level::DayMonthSwapped);
    assert_eq!(c.decision, Decision::Merge);
}

#[test]
fn one_digit_off() {
    for other in [date(2018, 3, 7), date(2019, 3, 17), date(2019, 3, 8)] {
        let b = MatchRecord {
            birth_date: other,
            ..reported()
        };
        let c = matcher().compare(&maria(), &b);
        assert_eq!(c.level(Field::BirthDate), Level::OneDigit, "{other:?}");
        assert_eq!(c.decision, Decision::Merge, "{other:?}");
    }
}

#[test]
fn a_different_birth_date_is_strong_evidence_against() {
    let b = MatchRecord {
        birth_date: date(2021, 11, 30),
        ..reported()
    };
    let c = matcher().compare(&maria(), &b);
    assert_eq!(c.level(Field::BirthDate), Level::Disagree);
    assert_ne!(c.decision, Decision::Merge);
}

#[test]
fn name_and_birth_date_alone_are_not_enough_to_merge() {
    let a = MatchRecord {
        first_name: "José".to_owned(),
        last_name: "García".to_owned(),
        birth_date: date(2015, 1, 1),
        ..MatchRecord::default()
    };
    let c = matcher().compare(&a, &a.clone());
    assert_eq!(c.decision, Decision::Review);
}

#[test]
fn same_identifier_merges() {
    let m = matcher();
    // Same registry id, names spelled differently.
    let a = maria();
    let b = MatchRecord {
        first_name: "Mari".to_owned(),
        second_last_name: String::new(),
        address: String::new(),
        phone: String::new(),
        ..maria()
    };
    let c = m.compare(&a, &b);
    assert_eq!(c.level(Field::RegistryId), Level::Agree);
    assert_eq!(
        (c.decision, c.rule),
        (Decision::Merge, Rule::IdentifierMatch)
    );

    // Same MRN of the same organization, little else.
    let b = MatchRecord {
        medical_records: vec![
            MedicalRecordNumber::new("org-09", "5"),
            MedicalRecordNumber::new(" ORG-01", "000123 "),
        ],
        first_name: "M".to_owned(),
        last_name: "Garcia".to_owned(),
        birth_date: date(2019, 3, 7),
        ..MatchRecord::default()
    };
    assert_eq!(m.compare(&a, &b).rule, Rule::IdentifierMatch);

    // Same birth certificate.
    let a = MatchRecord {
        birth_certificate: "2019-004512".to_owned(),
        ..reported()
    };
    let b = MatchRecord {
        birth_certificate: "2019004512".to_owned(),
        medical_records: Vec::new(),
        last_name: "Garsia".to_owned(),
        address: "88 Pine Ave".to_owned(),
        ..reported()
    };
    let c = m.compare(&a, &b);
    assert_eq!(c.level(Field::BirthCertificate), Level::Agree);
    assert_eq!(c.decision, Decision::Merge);
}

#[test]
fn identifiers_with_hard_conflicts_go_to_review() {
    let m = matcher();
    let a = MatchRecord {
        birth_certificate: "2019-004512".to_owned(),
        ..reported()
    };
    // Same birth certificate, completely different birth date.
    let b = MatchRecord {
        birth_date: date(2012, 10, 30),
        ..a.clone()
    };
    let c = m.compare(&a, &b);
    assert_eq!(
        (c.decision, c.rule),
        (Decision::Review, Rule::IdentifierConflict)
    );
    // Same registry id but different birth certificates.
    let a = MatchRecord {
        birth_certificate: "2019-004512".to_owned(),
        ..maria()
    };
    let b = MatchRecord {
        birth_certificate: "2019-009999".to_owned(),
        ..maria()
    };
    let c = m.compare(&a, &b);
    assert_eq!(
        (c.decision, c.rule),
        (Decision::Review, Rule::IdentifierConflict)
    );
}

#[test]
fn different_birth_certificates_keep_people_apart() {
    let a = MatchRecord {
        birth_certificate: "2019-004512".to_owned(),
        ..reported()
    };
    let b = MatchRecord {
        birth_certificate: "2019-004513".to_owned(),
        medical_records: Vec::new(),
        ..reported()
    };
    let c = matcher().compare(&a, &b);
    assert_eq!(c.level(Field::BirthCertificate), Level::Disagree);
    assert_eq!(c.decision, Decision::Distinct);
}

#[test]
fn twins_are_never_merged() {
    let m = matcher();
    let one = MatchRecord {
        multiple_birth_order: Some(1),
        ..maria()
    };
    // Clearly different first name: distinct.
    let two = MatchRecord {
        registry_id: None,
        medical_records: vec![MedicalRecordNumber::new("org-01", "000124")],
        first_name: "Sofía".to_owned(),
        multiple_birth_order: Some(2),
        ..maria()
    };
    let c = m.compare(&one, &two);
    assert_eq!((c.decision, c.rule), (Decision::Distinct, Rule::Twins));
    // Birth order unknown, names still clearly different: distinct.
    let two = MatchRecord {
        multiple_birth_order: None,
        ..two
    };
    assert_eq!(m.compare(&one, &two).decision, Decision::Distinct);
    // Similar names of different sexes, birth order unknown: at most review.
    let daniel = MatchRecord {
        first_name: "Daniel".to_owned(),
        sex: "M".to_owned(),
        multiple_birth_order: None,
        ..reported()
    };
    let daniela = MatchRecord {
        first_name: "Daniela".to_owned(),
        sex: "F".to_owned(),
        ..reported()
    };
    let c = m.compare(&daniel, &daniela);
    assert_eq!(c.rule, Rule::Twins);
    assert!(c.decision <= Decision::Review);
    // Same name, different birth order (a data-entry twin or a duplicate): review, not merge.
    let first = MatchRecord {
        multiple_birth_order: Some(1),
        ..reported()
    };
    let second = MatchRecord {
        multiple_birth_order: Some(2),
        ..reported()
    };
    let c = m.compare(&first, &second);
    assert_eq!((c.decision, c.rule), (Decision::Review, Rule::Twins));
}

#[test]
fn clearly_different_first_names() {
    let m = matcher();
    assert!(m.first_names_differ("Sofía", "María"));
    assert!(!m.first_names_differ("Paco", "Francisco"));
    assert!(!m.first_names_differ("Jsoe", "José"));
    assert!(!m.first_names_differ("María", "María José"));
    assert!(!m.first_names_differ("", "María"));
}

#[test]
fn siblings_are_distinct() {
    let brother = MatchRecord {
        first_name: "Mateo".to_owned(),
        sex: "M".to_owned(),
        birth_date: date(2021, 1, 15),
        ..reported()
    };
    let c = matcher().compare(&maria(), &brother);
    assert_eq!(c.decision, Decision::Distinct);
}

#[test]
fn placeholder_first_names_are_missing() {
    let newborn = MatchRecord {
        first_name: "Baby Girl".to_owned(),
        ..reported()
    };
    let c = matcher().compare(&maria(), &newborn);
    assert_eq!(c.level(Field::FirstName), Level::Missing);
    assert_eq!(c.decision, Decision::Merge);
    let bebe = MatchRecord {
        first_name: "Bebé".to_owned(),
        ..reported()
    };
    assert_eq!(
        matcher().compare(&maria(), &bebe).level(Field::FirstName),
        Level::Missing
    );
}

#[test]
fn phones_compare_on_their_digits() {
    let b = MatchRecord {
        phone: "+1 509 555 0134".to_owned(),
        ..reported()
    };
    assert_eq!(
        matcher().compare(&maria(), &b).level(Field::Phone),
        Level::Agree
    );
    let b = MatchRecord {
        phone: "555-0134".to_owned(),
        ..reported()
    };
    assert_eq!(
        matcher().compare(&maria(), &b).level(Field::Phone),
        Level::Agree
    );
}

#[test]
fn mother_maiden_name_implied_by_the_childs_surname_counts_little() {
    let a = MatchRecord {
        mother_maiden_name: "López".to_owned(),
        ..reported()
    };
    let c = matcher().compare(&a, &a.clone());
    assert_eq!(c.level(Field::MotherMaidenName), Level::Implied);
    // "López Ruiz" on both sides: Ruiz is evidence of its own.
    let c = matcher().compare(&maria(), &reported());
    assert_eq!(c.level(Field::MotherMaidenName), Level::Agree);
}

#[test]
fn best_candidate_and_ambiguity() {
    let m = matcher();
    let other = MatchRecord {
        registry_id: Some("R0000002".to_owned()),
        first_name: "Lucía".to_owned(),
        birth_date: date(2016, 8, 1),
        ..maria()
    };
    let outcome = m.best(&reported(), &[other.clone(), maria()]);
    assert_eq!(outcome.decision, Decision::Merge);
    assert_eq!(outcome.best, Some(1));
    assert!(!outcome.ambiguous);
    assert_eq!(outcome.reviewable, vec![1]);

    // The registry already holds two copies: never merge with an ambiguous choice.
    let copy = MatchRecord {
        registry_id: Some("R0000003".to_owned()),
        ..maria()
    };
    let outcome = m.best(&reported(), &[maria(), other, copy]);
    assert_eq!(outcome.decision, Decision::Review);
    assert!(outcome.ambiguous);
    assert_eq!(outcome.best, Some(0));
    assert_eq!(outcome.reviewable, vec![0, 2]);

    let outcome = m.best(&reported(), &[]);
    assert_eq!((outcome.decision, outcome.best), (Decision::Distinct, None));
}

#[test]
fn weights_are_data() {
    let text = include_str!("../../assets/matching/weights.json");
    let mut value: serde_json::Value = serde_json::from_str(text).expect("json");
    // With a merge threshold out of reach, identical demographics only reach review.
    value["thresholds"]["merge"] = serde_json::json!(1000.0);
    let weights = Weights::from_json(&value.to_string()).expect("weights");
    let m = Matcher::new(weights, matcher().nicknames().clone());
    assert_eq!(m.compare(&maria(), &reported()).decision, Decision::Review);
}
