//! Fixture notation shared by the tests: dates as `"YYYY-MM-DD"`, doses as a date and
//! CDC groups, a complete K-6 record computed from a birth date, and one `check`
//! helper that evaluates a child with the shipped rules.

use chrono::{Months, NaiveDate};
use salal_school::{
    ChildHistory, GroupOutlook, GroupResult, Reason, Rules, SchoolDose, Setting, SettingResult,
    Status, evaluate,
};

/// Every CDSi group the shipped table reads.
pub(crate) const CDSI_GROUPS: [&str; 7] = [
    "HepB",
    "DTaP/Tdap/Td",
    "Polio",
    "MMR",
    "Varicella",
    "Hib",
    "Pneumococcal",
];

pub(crate) fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("fixture dates are YYYY-MM-DD")
}

pub(crate) fn rules() -> &'static Rules {
    Rules::embedded().expect("the shipped tables parse")
}

/// A valid dose of the given CDC groups.
pub(crate) fn dose(on: &str, cdc_groups: &[&str]) -> SchoolDose {
    dose_on(date(on), cdc_groups)
}

pub(crate) fn dose_on(on: NaiveDate, cdc_groups: &[&str]) -> SchoolDose {
    SchoolDose {
        date: on,
        cdc_groups: cdc_groups.iter().map(|g| (*g).to_owned()).collect(),
        valid: true,
    }
}

/// A child with doses and nothing else recorded.
pub(crate) fn child(birth: &str, doses: Vec<SchoolDose>) -> ChildHistory {
    ChildHistory {
        birth_date: date(birth),
        doses,
        outlook: Vec::new(),
        immunity_cdc_groups: Vec::new(),
        exempt_groups: Vec::new(),
    }
}

/// The K-6 doses at usual ages: Hep B at 0, 2 and 7 months; DTaP at 2, 4, 6 and 15
/// months and 4 years 1 month; polio at 2, 4 and 7 months and 4 years 1 month (the
/// last two as DTaP-IPV); MMR and varicella at 12 months 5 days and 4 years 1 month.
pub(crate) fn complete_k6(birth: &str) -> Vec<SchoolDose> {
    let birth = date(birth);
    let at = |months: u32, days: u64| {
        birth
            .checked_add_months(Months::new(months))
            .and_then(|d| d.checked_add_days(chrono::Days::new(days)))
            .expect("fixture dates are in range")
    };
    vec![
        dose_on(at(0, 0), &["HepB"]),
        dose_on(at(2, 0), &["HepB"]),
        dose_on(at(7, 0), &["HepB"]),
        dose_on(at(2, 0), &["DTAP", "POLIO"]),
        dose_on(at(4, 0), &["DTAP", "POLIO"]),
        dose_on(at(6, 0), &["DTAP"]),
        dose_on(at(7, 0), &["POLIO"]),
        dose_on(at(15, 0), &["DTAP"]),
        dose_on(at(49, 0), &["DTAP", "POLIO"]),
        dose_on(at(12, 5), &["MMR"]),
        dose_on(at(49, 0), &["MMR"]),
        dose_on(at(12, 5), &["VARICELLA"]),
        dose_on(at(49, 0), &["VARICELLA"]),
    ]
}

/// `doses` without those of `cdc_group`; a combination keeps its other groups.
pub(crate) fn without(doses: Vec<SchoolDose>, cdc_group: &str) -> Vec<SchoolDose> {
    doses
        .into_iter()
        .filter_map(|mut dose| {
            dose.cdc_groups.retain(|g| g != cdc_group);
            (!dose.cdc_groups.is_empty()).then_some(dose)
        })
        .collect()
}

/// A forecast that is not complete, with a next dose on the given dates.
pub(crate) fn next_dose(
    cdsi_group: &str,
    earliest: &str,
    recommended: &str,
    past_due: &str,
) -> GroupOutlook {
    GroupOutlook {
        cdsi_group: cdsi_group.to_owned(),
        complete: false,
        immune: false,
        contraindicated: false,
        earliest: Some(date(earliest)),
        recommended: Some(date(recommended)),
        past_due: Some(date(past_due)),
    }
}

/// A complete forecast.
pub(crate) fn complete(cdsi_group: &str) -> GroupOutlook {
    GroupOutlook {
        cdsi_group: cdsi_group.to_owned(),
        complete: true,
        immune: false,
        contraindicated: false,
        earliest: None,
        recommended: None,
        past_due: None,
    }
}

/// Every CDSi group with its next dose due in 2026 (nothing past due in 2025).
pub(crate) fn up_to_date_in_2025() -> Vec<GroupOutlook> {
    CDSI_GROUPS
        .iter()
        .map(|g| next_dose(g, "2026-01-01", "2026-01-01", "2026-03-01"))
        .collect()
}

/// Replaces (or adds) the outlook of one CDSi group.
pub(crate) fn with_outlook(mut outlook: Vec<GroupOutlook>, one: GroupOutlook) -> Vec<GroupOutlook> {
    outlook.retain(|o| o.cdsi_group != one.cdsi_group);
    outlook.push(one);
    outlook
}

/// Evaluates with the shipped rules.
pub(crate) fn check(child: &ChildHistory, as_of: &str) -> Vec<SettingResult> {
    evaluate(rules(), child, date(as_of))
}

/// The settings and bands that applied, with their status.
pub(crate) fn summary(results: &[SettingResult]) -> Vec<(Setting, &str, Status)> {
    results
        .iter()
        .map(|r| (r.setting, r.band.as_str(), r.status))
        .collect()
}

/// The result of one setting.
pub(crate) fn setting(results: &[SettingResult], setting: Setting) -> &SettingResult {
    results
        .iter()
        .find(|r| r.setting == setting)
        .unwrap_or_else(|| panic!("no {setting:?} result in {results:#?}"))
}

/// One group of one setting.
pub(crate) fn group<'a>(
    results: &'a [SettingResult],
    in_setting: Setting,
    group: &str,
) -> &'a GroupResult {
    let result = setting(results, in_setting);
    result
        .groups
        .iter()
        .find(|g| g.group == group)
        .unwrap_or_else(|| panic!("no group {group} in {result:#?}"))
}

/// A group's status and reason.
pub(crate) fn outcome(results: &[SettingResult], in_setting: Setting, g: &str) -> (Status, Reason) {
    let found = group(results, in_setting, g);
    (found.status, found.reason)
}
