//! Properties over arbitrary children and dates: evaluation never panics, a
//! setting's status is its most severe group status, and exempting every group
//! leaves nothing conditional or out of compliance. Table parsing never panics either.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use salal_school::{ChildHistory, GroupOutlook, Rules, SchoolDose, Status, evaluate};

use crate::support::{CDSI_GROUPS, rules};

const CDC_GROUPS: [&str; 11] = [
    "HepB",
    "DTAP",
    "TDAP",
    "Td",
    "POLIO",
    "MMR",
    "VARICELLA",
    "HIB",
    "PneumoPCV",
    "PneumoPPV",
    "FLU",
];
const RULE_GROUPS: [&str; 8] = [
    "hepb",
    "dtap",
    "tdap",
    "polio",
    "mmr",
    "varicella",
    "hib",
    "pneumococcal",
];

/// Mostly dates around the present, sometimes anywhere chrono can represent.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    let near = NaiveDate::from_ymd_opt(1995, 1, 1).map_or(0, |d| d.num_days_from_ce());
    prop_oneof![
        4 => near..near + 365 * 40,
        1 => NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce(),
    ]
    .prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).unwrap_or_default())
}

fn names(from: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    proptest::sample::subsequence(from, 0..=3)
        .prop_map(|picked| picked.into_iter().map(str::to_owned).collect())
}

fn any_dose() -> impl Strategy<Value = SchoolDose> {
    (any_date(), names(&CDC_GROUPS), any::<bool>()).prop_map(|(date, cdc_groups, valid)| {
        SchoolDose {
            date,
            cdc_groups,
            valid,
        }
    })
}

fn any_outlook() -> impl Strategy<Value = GroupOutlook> {
    (
        proptest::sample::select(&CDSI_GROUPS[..]),
        any::<(bool, bool, bool)>(),
        proptest::option::of(any_date()),
        proptest::option::of(any_date()),
        proptest::option::of(any_date()),
    )
        .prop_map(
            |(group, (complete, immune, contraindicated), earliest, recommended, past_due)| {
                GroupOutlook {
                    cdsi_group: group.to_owned(),
                    complete,
                    immune,
                    contraindicated,
                    earliest,
                    recommended,
                    past_due,
                }
            },
        )
}

fn any_child() -> impl Strategy<Value = ChildHistory> {
    (
        any_date(),
        proptest::collection::vec(any_dose(), 0..16),
        proptest::collection::vec(any_outlook(), 0..8),
        names(&CDC_GROUPS),
        names(&RULE_GROUPS),
    )
        .prop_map(
            |(birth_date, doses, outlook, immunity_cdc_groups, exempt_groups)| ChildHistory {
                birth_date,
                doses,
                outlook,
                immunity_cdc_groups,
                exempt_groups,
            },
        )
}

fn worst(statuses: impl Iterator<Item = Status>) -> Status {
    statuses
        .max_by_key(|s| s.severity())
        .unwrap_or(Status::Complete)
}

proptest! {
    /// Any child on any date: no panic, and each setting is as bad as its worst group.
    #[test]
    fn a_setting_is_its_worst_group(child in any_child(), as_of in any_date()) {
        for result in evaluate(rules(), &child, as_of) {
            prop_assert!(!result.groups.is_empty());
            prop_assert_eq!(result.status, worst(result.groups.iter().map(|g| g.status)));
            for group in &result.groups {
                let exempt = child.exempt_groups.contains(&group.group);
                prop_assert!(group.status != Status::Exempt || exempt);
            }
        }
    }

    /// With an exemption for every group, no setting is conditional or out of compliance.
    #[test]
    fn exempting_everything_leaves_nothing_outstanding(
        mut child in any_child(),
        as_of in any_date(),
    ) {
        child.exempt_groups = RULE_GROUPS.iter().map(|g| (*g).to_owned()).collect();
        for result in evaluate(rules(), &child, as_of) {
            prop_assert!(matches!(result.status, Status::Complete | Status::Exempt));
        }
    }

    /// Arbitrary edits of the shipped tables give a value or a typed error.
    #[test]
    fn parsing_edited_tables_never_panics(
        cut in 0usize..4000,
        insert in "[a-z0-9_,|\"\n -]{0,12}",
    ) {
        let rules_csv = include_str!("../../../assets/school/wa-rules.csv");
        let settings_csv = include_str!("../../../assets/school/wa-settings.csv");
        let at = rules_csv.char_indices().map(|(i, _)| i).find(|i| *i >= cut).unwrap_or(rules_csv.len());
        let edited = format!("{}{insert}{}", &rules_csv[..at], &rules_csv[at..]);
        let _parsed = Rules::parse(&edited, settings_csv);
        let edited_settings = format!("{settings_csv}{insert}");
        let _parsed = Rules::parse(rules_csv, &edited_settings);
    }
}
