//! Properties over arbitrary records: symmetry and no panics.

use chrono::NaiveDate;
use proptest::prelude::*;
use salal_matching::{MatchRecord, Matcher, MedicalRecordNumber, blocking_keys};
use std::sync::OnceLock;

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| Matcher::embedded().expect("embedded matcher"))
}

/// Names from a small pool (so that fields often agree, nearly agree or are nicknames), or
/// anything at all.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "", "José", "jose", "Pepe", "José Luis", "Jsoe", "María", "Maria José", "Mari",
            "García", "Garcia", "García-López", "López García", "Lopez", "de la Cruz", "Bill",
            "William", "Will", "J", "Baby Girl", "Ana", "Anna",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,24}",
    ]
}

fn date() -> impl Strategy<Value = Option<NaiveDate>> {
    prop_oneof![
        1 => Just(None),
        4 => (2005i32..2027, 1u32..=12, 1u32..=12).prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
    ]
}

fn small(values: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(values.to_vec()).prop_map(str::to_owned),
        1 => "\\PC{0,16}",
    ]
}

prop_compose! {
    fn record()(
        registry_id in prop::option::of(small(&["R1", "R2"])),
        birth_certificate in small(&["", "2019-1", "2019-2"]),
        mrn in prop::option::of((small(&["org-1", "org-2"]), small(&["1", "2"]))),
        first_name in name(),
        middle_name in name(),
        last_name in name(),
        second_last_name in name(),
        birth_date in date(),
        sex in small(&["F", "M", "U", ""]),
        mother_maiden_name in name(),
        mother_first_name in name(),
        multiple_birth_order in prop::option::of(0u8..4),
        address in small(&["", "12 Oak St", "12 Oak Street", "12 Oka St", "9 Pine Ave"]),
        postal_code in small(&["", "98801", "98801-1234", "98802"]),
        phone in small(&["", "509-555-0134", "(509) 555 0134", "555-0134", "509-555-0135"]),
    ) -> MatchRecord {
        MatchRecord {
            registry_id,
            birth_certificate,
            medical_records: mrn
                .into_iter()
                .map(|(org, mrn)| MedicalRecordNumber::new(org, mrn))
                .collect(),
            first_name,
            middle_name,
            last_name,
            second_last_name,
            birth_date,
            sex,
            mother_maiden_name,
            mother_first_name,
            multiple_birth_order,
            address,
            postal_code,
            phone,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// compare(a, b) and compare(b, a) agree on the score, the decision and every level.
    #[test]
    fn comparison_is_symmetric(a in record(), b in record()) {
        let m = matcher();
        let ab = m.compare(&a, &b);
        let ba = m.compare(&b, &a);
        prop_assert_eq!(ab.score.to_bits(), ba.score.to_bits());
        prop_assert_eq!(ab.decision, ba.decision);
        prop_assert_eq!(ab.rule, ba.rule);
        prop_assert_eq!(&ab.contributions, &ba.contributions);
        prop_assert!(ab.score.is_finite());
    }

    /// A named and dated record never scores below zero against itself.
    #[test]
    fn a_named_and_dated_record_scores_positively_against_itself(a in record()) {
        let m = matcher();
        prop_assume!(!a.first_name.trim().is_empty() && !a.last_name.trim().is_empty());
        prop_assume!(a.birth_date.is_some());
        let c = m.compare(&a, &a);
        prop_assert!(c.score >= 0.0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Any text in any field: no panic anywhere (compare, best, blocking keys).
    #[test]
    fn arbitrary_text_never_panics(
        texts in prop::collection::vec("\\PC{0,40}", 12),
        raw in prop::collection::vec(any::<String>(), 3),
        order in any::<Option<u8>>(),
        days in any::<Option<i32>>(),
    ) {
        let text = |i: usize| texts.get(i).cloned().unwrap_or_default();
        let birth_date = days.and_then(NaiveDate::from_num_days_from_ce_opt);
        let a = MatchRecord {
            registry_id: Some(text(0)),
            birth_certificate: text(1),
            medical_records: vec![MedicalRecordNumber::new(text(2), raw[0].clone())],
            first_name: text(3),
            middle_name: raw[1].clone(),
            last_name: text(4),
            second_last_name: text(5),
            birth_date,
            sex: text(6),
            mother_maiden_name: text(7),
            mother_first_name: text(8),
            multiple_birth_order: order,
            address: text(9),
            postal_code: text(10),
            phone: raw[2].clone(),
        };
        let b = MatchRecord {
            first_name: text(11),
            last_name: text(3),
            birth_date: birth_date.and_then(|d| d.succ_opt()),
            ..a.clone()
        };
        let m = matcher();
        let _ = m.compare(&a, &b);
        let _ = m.compare(&a, &MatchRecord::default());
        let _ = m.best(&a, &[b.clone(), a.clone(), MatchRecord::default()]);
        let _ = blocking_keys(&a);
        let _ = blocking_keys(&b);
    }
}
