//! Merging patient series forecasts into antigen and vaccine group forecasts
//! (logic specification chapter 9).

use chrono::NaiveDate;

use crate::model::{AntigenForecast, ForecastDates, SeriesStatus};
use crate::types::{GroupIndex, SeriesRun};

/// Order in which statuses win when an antigen has several best patient series and none
/// is Not Complete: a due dose from any best series is forecast; otherwise the first
/// status in this list present among them is reported.
const ANTIGEN_STATUS_ORDER: [SeriesStatus; 5] = [
    SeriesStatus::Contraindicated,
    SeriesStatus::Complete,
    SeriesStatus::Immune,
    SeriesStatus::NotRecommended,
    SeriesStatus::AgedOut,
];

/// Merges the best patient series of one antigen into one forecast. Section 4.6 says
/// only series of the same kind are blended and a patient may get more than one
/// forecast; here one forecast per antigen is produced: the Not Complete best series
/// are blended with the FORECASTVG-2 to -6 rules, otherwise the status follows
/// [`ANTIGEN_STATUS_ORDER`]. Returns the forecast and the index of the series whose
/// evaluations represent the antigen.
pub(crate) fn merge_antigen(best: &[&SeriesRun]) -> Option<(ForecastDates, usize)> {
    let due: Vec<(usize, &ForecastDates)> = best
        .iter()
        .enumerate()
        .filter(|(_, r)| r.forecast.dates.status == SeriesStatus::NotComplete)
        .map(|(i, r)| (i, &r.forecast.dates))
        .collect();
    if !due.is_empty() {
        let primary = due
            .iter()
            .min_by_key(|(_, d)| d.earliest)
            .map(|(i, _)| *i)
            .unwrap_or(0);
        let list: Vec<&ForecastDates> = due.iter().map(|(_, d)| *d).collect();
        let earliest = list.iter().filter_map(|d| d.earliest).min();
        let dose_number = due
            .iter()
            .find(|(i, _)| *i == primary)
            .and_then(|(_, d)| d.dose_number);
        return Some((blend(&list, earliest, dose_number), primary));
    }
    for status in ANTIGEN_STATUS_ORDER {
        if let Some(i) = best.iter().position(|r| r.forecast.dates.status == status) {
            return best.get(i).map(|r| (r.forecast.dates.clone(), i));
        }
    }
    best.first().map(|r| (r.forecast.dates.clone(), 0))
}

/// FORECASTVG-2 to FORECASTVG-6 given the group's earliest date.
fn blend(
    list: &[&ForecastDates],
    earliest: Option<NaiveDate>,
    dose_number: Option<u32>,
) -> ForecastDates {
    let recommended = list.iter().filter_map(|d| d.recommended).min();
    let past_due = list.iter().filter_map(|d| d.past_due).min();
    let latest = list.iter().filter_map(|d| d.latest).min();
    let later = |d: Option<NaiveDate>| match (d, earliest) {
        (Some(d), Some(e)) => Some(d.max(e)),
        (d, _) => d,
    };
    let mut recommended_vaccines: Vec<String> = Vec::new();
    for v in list.iter().flat_map(|d| d.recommended_vaccines.iter()) {
        if !recommended_vaccines.contains(v) {
            recommended_vaccines.push(v.clone());
        }
    }
    ForecastDates {
        status: SeriesStatus::NotComplete,
        dose_number,
        earliest,
        recommended: later(recommended).or(earliest),
        past_due: later(past_due),
        latest,
        reason: None,
        recommended_vaccines,
    }
}

/// Chapter 9: the vaccine group forecast from its antigens' forecasts. `last_dose` is
/// the latest date of the doses containing an antigen of the group (MULTIANTVG-1).
pub(crate) fn vaccine_group_forecast(
    group: &GroupIndex,
    members: &[&AntigenForecast],
    last_dose: Option<NaiveDate>,
) -> ForecastDates {
    if let [only] = members {
        // SINGLEANTVG-1 and -2.
        return only.forecast.clone();
    }
    // Table 9-4.
    let has = |s: SeriesStatus| members.iter().any(|m| m.forecast.status == s);
    let all = |f: &dyn Fn(SeriesStatus) -> bool| members.iter().all(|m| f(m.forecast.status));
    let status = if has(SeriesStatus::Contraindicated) {
        SeriesStatus::Contraindicated
    } else if has(SeriesStatus::AgedOut) {
        SeriesStatus::AgedOut
    } else if has(SeriesStatus::NotRecommended) {
        SeriesStatus::NotRecommended
    } else if has(SeriesStatus::NotComplete) {
        SeriesStatus::NotComplete
    } else if all(&|s| s == SeriesStatus::Immune) {
        SeriesStatus::Immune
    } else if all(&|s| matches!(s, SeriesStatus::Complete | SeriesStatus::Immune)) {
        SeriesStatus::Complete
    } else {
        SeriesStatus::NotRecommended
    };
    if status != SeriesStatus::NotComplete {
        let reason = members
            .iter()
            .find(|m| m.forecast.status == status)
            .and_then(|m| m.forecast.reason);
        return ForecastDates::without_dose(status, reason);
    }
    let due_members: Vec<&&AntigenForecast> = members
        .iter()
        .filter(|m| m.forecast.status == SeriesStatus::NotComplete)
        .collect();
    let due: Vec<&ForecastDates> = due_members.iter().map(|m| &m.forecast).collect();
    // MULTIANTVG-1 with FORECASTPRIORITY-1.
    let earliest = if due_members.iter().any(|m| m.priority) {
        let first = due.iter().filter_map(|d| d.earliest).min();
        match (first, last_dose) {
            (Some(f), Some(l)) => Some(f.max(l)),
            (f, _) => f,
        }
    } else {
        due.iter().filter_map(|d| d.earliest).max()
    };
    // FORECASTDN-2.
    let numbers = due.iter().filter_map(|d| d.dose_number);
    let dose_number = if group.administer_full == Some(false) {
        numbers.max()
    } else {
        numbers.min()
    };
    blend(&due, earliest, dose_number)
}
