//! Forecast for one relevant patient series (logic specification chapter 7): conditional
//! skip, evidence of immunity, contraindications, forecast need, dates, validation.

use chrono::NaiveDate;

use crate::data::{AntigenData, AntigenSeries, SkipContext};
use crate::dates::add_days;
use crate::evaluate::{age_rule, completed_groups, in_effect, interval_reference};
use crate::model::{ForecastDates, ForecastReason, SeriesStatus};
use crate::skip::{SkipInput, can_skip};
use crate::types::{
    Ctx, DoseEval, SeriesForecast, SeriesRun, TargetDose, TargetStatus, UnadjustedDates,
};

/// Chapter 7 for one series. Marks target doses skipped in forecast context.
pub(crate) fn forecast_series(
    ctx: &Ctx<'_>,
    antigen: &AntigenData,
    series: &AntigenSeries,
    adoses: &[usize],
    targets: &mut [TargetDose],
    evals: &[Option<DoseEval>],
    prior: &[SeriesRun],
) -> SeriesForecast {
    let completed = completed_groups(antigen, prior);
    let mut t = targets
        .iter()
        .position(|td| td.status == TargetStatus::NotSatisfied)
        .unwrap_or(targets.len());
    let mut reference = ctx.assessment;
    // Bounded: each round either returns or skips one more target dose.
    for _ in 0..=targets.len() {
        // 7.1: conditional skip at the reference date (assessment date, then earliest date in 7.6).
        while let Some(def) = targets.get(t).and_then(|td| series.doses.get(td.def)) {
            let input = SkipInput {
                ctx,
                context: SkipContext::Forecast,
                reference,
                doses: adoses,
                evals,
                completed_groups: &completed,
            };
            if !can_skip(def, &input) {
                break;
            }
            if let Some(td) = targets.get_mut(t) {
                td.status = TargetStatus::Skipped;
            }
            t += 1;
        }
        let any_satisfied = targets.iter().any(TargetDose::is_satisfied);
        let Some(def) = targets.get(t).and_then(|td| series.doses.get(td.def)) else {
            // Table 7-10, rules 2 and 3.
            return if any_satisfied {
                SeriesForecast::status(SeriesStatus::Complete, Some(ForecastReason::SeriesComplete))
            } else {
                SeriesForecast::status(
                    SeriesStatus::NotRecommended,
                    Some(ForecastReason::PastImmunizationHistory),
                )
            };
        };
        // 7.2 Table 7-3: evidence of immunity.
        if has_immunity(ctx, antigen) {
            return SeriesForecast::status(
                SeriesStatus::Immune,
                Some(ForecastReason::EvidenceOfImmunity),
            );
        }
        // 7.3 Tables 7-5 to 7-7: contraindications.
        if is_contraindicated(ctx, antigen, def) {
            return SeriesForecast::status(
                SeriesStatus::Contraindicated,
                Some(ForecastReason::Contraindication),
            );
        }
        // Table 7-10: seasonal recommendation end date.
        if def
            .seasonal
            .and_then(|s| s.end)
            .is_some_and(|end| ctx.assessment > end)
        {
            return SeriesForecast::status(
                SeriesStatus::NotRecommended,
                Some(ForecastReason::PastSeasonalEnd),
            );
        }
        let age = age_rule(def, ctx.assessment);
        let max_age_date = age.and_then(|a| ctx.age_date(a.max.as_ref()));
        if max_age_date.is_some_and(|m| ctx.assessment >= m) {
            return SeriesForecast::status(
                SeriesStatus::AgedOut,
                Some(ForecastReason::ExceededMaximumAge),
            );
        }
        // FORECASTDTCAN-1: candidate earliest date.
        let mut earliest = age
            .and_then(|a| ctx.age_date(a.min.as_ref()))
            .unwrap_or(ctx.dob);
        let mut rec_intervals: Option<NaiveDate> = None;
        let mut late_intervals: Option<NaiveDate> = None;
        let active = || {
            def.intervals
                .iter()
                .filter(|r| in_effect(r.effective, r.cessation, ctx.assessment))
        };
        for rule in active() {
            let Some(reference) =
                interval_reference(ctx, rule, adoses, evals, targets, adoses.len())
            else {
                continue;
            };
            if let Some(d) = rule.min.as_ref().and_then(|i| i.add_to(reference)) {
                earliest = earliest.max(d);
            }
            if let Some(d) = rule.earliest_rec.as_ref().and_then(|i| i.add_to(reference)) {
                rec_intervals = Some(rec_intervals.map_or(d, |x| x.max(d)));
            }
            if let Some(d) = rule.latest_rec.as_ref().and_then(|i| i.add_to(reference)) {
                late_intervals = Some(late_intervals.map_or(d, |x| x.max(d)));
            }
        }
        // CALCDTCONFLICT-3: forecast conflict end dates.
        for p in &def.preferable {
            let list = ctx.conflicts_for(p.cvx);
            for d in ctx.doses.iter().filter(|d| d.date <= ctx.assessment) {
                let Some(dc) = d.cvx else { continue };
                for &(previous, ci) in list {
                    if previous != dc {
                        continue;
                    }
                    let Some(c) = ctx.data.schedule.live_virus_conflicts.get(ci) else {
                        continue;
                    };
                    if let Some(end) = c.end.as_ref().and_then(|e| e.add_to(d.date)) {
                        earliest = earliest.max(end);
                    }
                }
            }
        }
        if let Some(start) = def.seasonal.and_then(|s| s.start) {
            earliest = earliest.max(start);
        }
        // Latest date administered of the doses evaluated in this series.
        for (pos, &pd) in adoses.iter().enumerate() {
            if evals.get(pos).is_some_and(Option::is_some)
                && let Some(d) = ctx.doses.get(pd)
            {
                earliest = earliest.max(d.date);
            }
        }
        if max_age_date.is_some_and(|m| earliest >= m) {
            return SeriesForecast::status(
                SeriesStatus::AgedOut,
                Some(ForecastReason::CannotFinishBeforeMaximumAge),
            );
        }
        // 7.6: validate the recommendation at the earliest date.
        if reference != earliest {
            let input = SkipInput {
                ctx,
                context: SkipContext::Forecast,
                reference: earliest,
                doses: adoses,
                evals,
                completed_groups: &completed,
            };
            if can_skip(def, &input) {
                if let Some(td) = targets.get_mut(t) {
                    td.status = TargetStatus::Skipped;
                }
                t += 1;
                reference = ctx.assessment;
                continue;
            }
        }
        // 7.5 Table 7-13.
        let earliest_recommended_age = age.and_then(|a| ctx.age_date(a.earliest_rec.as_ref()));
        let latest_recommended_age = age.and_then(|a| ctx.age_date(a.latest_rec.as_ref()));
        let unadjusted_rec = earliest_recommended_age
            .or(rec_intervals)
            .unwrap_or(earliest);
        let recommended = unadjusted_rec.max(earliest);
        let unadjusted_past_due = latest_recommended_age
            .or(late_intervals)
            .and_then(|d| add_days(d, -1));
        let past_due = unadjusted_past_due.map(|d| d.max(earliest));
        let latest = max_age_date.and_then(|d| add_days(d, -1));
        // FORECASTDN-1.
        let satisfied = targets
            .iter()
            .filter(|td| td.is_satisfied())
            .filter(|td| {
                let start = series
                    .doses
                    .get(td.def)
                    .and_then(|d| d.seasonal)
                    .and_then(|s| s.start);
                match (
                    start,
                    td.dose
                        .and_then(|p| adoses.get(p))
                        .and_then(|&pd| ctx.doses.get(pd)),
                ) {
                    (Some(start), Some(d)) => d.date >= start,
                    _ => true,
                }
            })
            .count();
        let dose_number = u32::try_from(satisfied + 1).ok();
        // SELECTB-12 / SELECTB-3: forecast finish date and completability. SELECTB-12
        // adds "the latest minimum interval from the remaining target doses" to the
        // earliest date; here each remaining target dose adds its own minimum interval
        // (and waits for its minimum age), which reads that rule for a chain of doses.
        let mut finish = earliest;
        for td in targets.iter().skip(t + 1) {
            let Some(next) = series.doses.get(td.def) else {
                continue;
            };
            let rule = age_rule(next, ctx.assessment);
            let step = next
                .intervals
                .iter()
                .filter(|r| r.from_previous)
                .filter_map(|r| r.min.as_ref().and_then(|i| i.add_to(finish)))
                .max()
                .unwrap_or(finish);
            let min_age = rule
                .and_then(|a| ctx.age_date(a.min.as_ref()))
                .unwrap_or(finish);
            finish = step.max(min_age);
        }
        let last_max = series
            .doses
            .last()
            .and_then(|d| age_rule(d, ctx.assessment))
            .and_then(|a| ctx.age_date(a.max.as_ref()));
        let completable = last_max.is_none_or(|m| finish < m);
        let priority = active().next().is_some() && active().all(|r| r.priority);
        // FORECASTRECVAC-1.
        let within = |begin: Option<NaiveDate>, end: Option<NaiveDate>, d: NaiveDate| {
            begin.is_none_or(|b| d >= b) && end.is_none_or(|e| d < e)
        };
        let recommended_vaccines = def
            .preferable
            .iter()
            .filter(|p| p.forecast && !vaccine_contraindicated(ctx, antigen, p.cvx))
            .filter(|p| {
                let (b, e) = (
                    ctx.age_date(p.begin_age.as_ref()),
                    ctx.age_date(p.end_age.as_ref()),
                );
                within(b, e, earliest) || within(b, e, recommended)
            })
            .map(|p| format!("{:02}", p.cvx.0))
            .fold(Vec::new(), |mut acc, c| {
                if !acc.contains(&c) {
                    acc.push(c);
                }
                acc
            });
        return SeriesForecast {
            dates: ForecastDates {
                status: SeriesStatus::NotComplete,
                dose_number,
                earliest: Some(earliest),
                recommended: Some(recommended),
                past_due,
                latest,
                reason: None,
                recommended_vaccines,
            },
            finish: Some(finish),
            completable,
            priority,
            unadjusted: Some(UnadjustedDates {
                earliest,
                recommended: unadjusted_rec,
                past_due: unadjusted_past_due,
                min_age: age.and_then(|a| ctx.age_date(a.min.as_ref())),
                earliest_recommended_age,
                latest_recommended_age,
                max_age: max_age_date,
            }),
        };
    }
    SeriesForecast::status(
        SeriesStatus::NotRecommended,
        Some(ForecastReason::PastImmunizationHistory),
    )
}

/// Table 7-3.
fn has_immunity(ctx: &Ctx<'_>, antigen: &AntigenData) -> bool {
    if antigen
        .immunity
        .clinical_history
        .iter()
        .any(|c| ctx.has_observation(c))
    {
        return true;
    }
    antigen.immunity.birth_date.iter().any(|b| {
        // Table 7-3 compares the patient's country of birth with the rule's (ignoring
        // case and punctuation). An unknown country is taken as matching: the supporting
        // data describes the U.S. schedule and the CDC cases carry no country. A known,
        // different country never matches.
        let country_ok = match (&b.country, ctx.birth_country) {
            (Some(want), Some(got)) => same_country(want, got),
            _ => true,
        };
        b.date.is_some_and(|d| ctx.dob < d)
            && country_ok
            && !b.exclusions.iter().any(|e| ctx.has_observation(e))
    })
}

fn same_country(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect::<String>()
    };
    norm(a) == norm(b)
}

/// Tables 7-5 to 7-7.
fn is_contraindicated(ctx: &Ctx<'_>, antigen: &AntigenData, def: &crate::data::SeriesDose) -> bool {
    let within = |begin: Option<&crate::dates::Duration>, end: Option<&crate::dates::Duration>| {
        ctx.age_date(begin).is_none_or(|b| b <= ctx.assessment)
            && ctx.age_date(end).is_none_or(|e| ctx.assessment < e)
    };
    if antigen
        .antigen_contraindications
        .iter()
        .any(|c| ctx.has_observation(&c.code) && within(c.begin_age.as_ref(), c.end_age.as_ref()))
    {
        return true;
    }
    if def.preferable.is_empty() || ctx.observations.is_empty() {
        return false;
    }
    def.preferable
        .iter()
        .all(|p| vaccine_contraindicated(ctx, antigen, p.cvx))
}

/// Table 7-6: does a vaccine contraindication apply to this vaccine type?
fn vaccine_contraindicated(ctx: &Ctx<'_>, antigen: &AntigenData, cvx: crate::data::Cvx) -> bool {
    if ctx.observations.is_empty() {
        return false;
    }
    antigen.vaccine_contraindications.iter().any(|c| {
        ctx.has_observation(&c.code)
            && c.vaccines.iter().any(|v| {
                v.cvx == cvx
                    && ctx
                        .age_date(v.begin_age.as_ref())
                        .is_none_or(|b| b <= ctx.assessment)
                    && ctx
                        .age_date(v.end_age.as_ref())
                        .is_none_or(|e| ctx.assessment < e)
            })
    })
}
