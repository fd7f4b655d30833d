//! Counting the doses a rule group accepts.
//!
//! A dose is a candidate when the CDSi evaluation counted it (`valid`), it is dated
//! between the birth date and the evaluation date, and one of its CDC vaccine groups
//! is one the rule counts. Candidates are taken oldest first, one per day (two
//! records of a group on one day are one dose), and each must meet the row's own
//! conditions: `min_age_at_dose_years` for every dose, `first_dose_min_age_years` for
//! the first counted one, `min_dose_spacing_days` since the previous counted one, and
//! `last_dose_min_age_days` for the dose that completes the count. A candidate
//! failing a condition is skipped and the next one is tried, as a repeated dose
//! replaces one given too early. `grace_days` loosen every one of those limits.

use chrono::{Days, NaiveDate};

use crate::history::SchoolDose;
use crate::rules::{AltDoses, Doses, GroupRule};
use crate::year::birthday;

/// The dates of the counted doses, oldest first.
pub(crate) fn counted_doses(
    rule: &GroupRule,
    birth: NaiveDate,
    doses: &[SchoolDose],
    as_of: NaiveDate,
    grace_days: u32,
) -> Vec<NaiveDate> {
    let mut candidates: Vec<NaiveDate> = doses
        .iter()
        .filter(|dose| dose.valid && dose.date >= birth && dose.date <= as_of)
        .filter(|dose| {
            dose.cdc_groups.iter().any(|group| {
                rule.cdc_groups
                    .iter()
                    .any(|counted| counted.eq_ignore_ascii_case(group))
            })
        })
        .map(|dose| dose.date)
        .collect();
    candidates.sort_unstable();
    candidates.dedup();

    let completing = match rule.doses {
        Doses::Count(count) => usize::try_from(count).ok(),
        Doses::AgeAppropriate => None,
    };
    let mut counted: Vec<NaiveDate> = Vec::new();
    for date in candidates {
        let at_age = |years: u32| age_reached(birth, date, years, grace_days);
        if rule
            .min_age_at_dose_years
            .is_some_and(|years| !at_age(years))
        {
            continue;
        }
        if counted.is_empty() && rule.first_dose_min_age_years.is_some_and(|y| !at_age(y)) {
            continue;
        }
        if let (Some(previous), Some(spacing)) = (counted.last(), rule.min_dose_spacing_days) {
            let apart = date.signed_duration_since(*previous).num_days();
            if apart.saturating_add(i64::from(grace_days)) < i64::from(spacing) {
                continue;
            }
        }
        let completes = completing.is_some_and(|count| counted.len().saturating_add(1) == count);
        if completes
            && rule
                .last_dose_min_age_days
                .is_some_and(|days| !days_of_age_reached(birth, date, days, grace_days))
        {
            continue;
        }
        counted.push(date);
    }
    counted
}

/// Whether the alternative count is met: `alt.doses` counted doses, the last of them
/// at `alt.last_dose_min_age_years` or older.
pub(crate) fn alt_met(
    alt: AltDoses,
    birth: NaiveDate,
    counted: &[NaiveDate],
    grace_days: u32,
) -> bool {
    usize::try_from(alt.doses)
        .ok()
        .and_then(|doses| doses.checked_sub(1))
        .and_then(|index| counted.get(index))
        .is_some_and(|date| age_reached(birth, *date, alt.last_dose_min_age_years, grace_days))
}

/// Whether `date` is on or after the `years`-th birthday, less the grace days.
fn age_reached(birth: NaiveDate, date: NaiveDate, years: u32, grace_days: u32) -> bool {
    birthday(birth, years).is_some_and(|day| less_grace(day, grace_days) <= date)
}

/// Whether the child is `days` old on `date`, less the grace days.
fn days_of_age_reached(birth: NaiveDate, date: NaiveDate, days: u32, grace_days: u32) -> bool {
    birth
        .checked_add_days(Days::new(u64::from(days)))
        .is_some_and(|day| less_grace(day, grace_days) <= date)
}

fn less_grace(date: NaiveDate, grace_days: u32) -> NaiveDate {
    date.checked_sub_days(Days::new(u64::from(grace_days)))
        .unwrap_or(NaiveDate::MIN)
}
