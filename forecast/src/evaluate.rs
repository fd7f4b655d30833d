//! Evaluation of the doses administered against the target doses of one relevant
//! patient series (logic specification section 4.4, Figure 4-6, and chapter 6).

use chrono::NaiveDate;

use crate::data::{AgeRule, AntigenData, AntigenSeries, IntervalRule, SeriesDose, SkipContext};
use crate::model::{EvaluationReason, EvaluationStatus, SeriesStatus};
use crate::skip::{SkipInput, can_skip};
use crate::types::{Ctx, DoseEval, PDose, ReasonSet, SeriesRun, TargetDose, TargetStatus};

/// RELEVANT-1/2: is a dated component in effect on `date`?
pub(crate) fn in_effect(
    effective: Option<NaiveDate>,
    cessation: Option<NaiveDate>,
    date: NaiveDate,
) -> bool {
    effective.is_none_or(|e| date >= e) && cessation.is_none_or(|c| date <= c)
}

/// The age rule of a series dose in effect on `date`.
pub(crate) fn age_rule(dose: &SeriesDose, date: NaiveDate) -> Option<&AgeRule> {
    dose.ages
        .iter()
        .find(|a| in_effect(a.effective, a.cessation, date))
}

/// Series groups of `runs` with a patient series status of Complete (Table 6-7).
pub(crate) fn completed_groups<'a>(antigen: &'a AntigenData, runs: &[SeriesRun]) -> Vec<&'a str> {
    runs.iter()
        .filter(|r| r.forecast.dates.status == SeriesStatus::Complete)
        .filter_map(|r| {
            antigen
                .series
                .get(r.series)
                .map(|s| s.series_group.as_str())
        })
        .collect()
}

/// Reference date of an interval (CALCDTINT-1, -2, -8, -9), looking only at antigen
/// doses before position `limit` (an observation's date does not depend on it).
pub(crate) fn interval_reference(
    ctx: &Ctx<'_>,
    rule: &IntervalRule,
    adoses: &[usize],
    evals: &[Option<DoseEval>],
    targets: &[TargetDose],
    limit: usize,
) -> Option<NaiveDate> {
    let date_of = |pos: usize| {
        adoses
            .get(pos)
            .and_then(|&pd| ctx.doses.get(pd))
            .map(|d| d.date)
    };
    if rule.from_previous {
        // CALCDTINT-1: the most immediate previous dose that is valid or not valid and
        // not an inadvertent administration.
        return (0..limit).rev().find_map(|pos| {
            let e = evals.get(pos).and_then(|e| e.as_ref())?;
            (matches!(
                e.status,
                EvaluationStatus::Valid | EvaluationStatus::NotValid
            ) && !e.inadvertent)
                .then(|| date_of(pos))
                .flatten()
        });
    }
    if let Some(n) = rule.from_target_dose {
        // CALCDTINT-2.
        let def = n.checked_sub(1)?;
        return targets
            .iter()
            .find(|t| t.def == def && t.is_satisfied())
            .and_then(|t| t.dose)
            .filter(|&p| p < limit)
            .and_then(date_of);
    }
    if !rule.from_most_recent.is_empty() {
        // CALCDTINT-8.
        return (0..limit).rev().find_map(|pos| {
            let d = adoses.get(pos).and_then(|&pd| ctx.doses.get(pd))?;
            let inadvertent = evals
                .get(pos)
                .and_then(|e| e.as_ref())
                .is_some_and(|e| e.inadvertent);
            (!inadvertent && d.cvx.is_some_and(|c| rule.from_most_recent.contains(&c)))
                .then_some(d.date)
        });
    }
    // CALCDTINT-9: the date of the most recent active patient observation with the
    // interval's relevant observation code. With no such observation there is no
    // reference date, as with an interval from a dose not given.
    rule.from_relevant_obs
        .as_deref()
        .and_then(|code| ctx.observation_date(code))
}

/// Evaluates every antigen dose against the series (Figure 4-6).
pub(crate) fn evaluate_series(
    ctx: &Ctx<'_>,
    series: &AntigenSeries,
    adoses: &[usize],
    prior: &[SeriesRun],
    antigen: &AntigenData,
) -> (Vec<TargetDose>, Vec<Option<DoseEval>>) {
    let mut targets: Vec<TargetDose> = (0..series.doses.len())
        .map(|def| TargetDose {
            def,
            status: TargetStatus::NotSatisfied,
            dose: None,
        })
        .collect();
    let mut evals: Vec<Option<DoseEval>> = vec![None; adoses.len()];
    let completed = completed_groups(antigen, prior);
    let mut t = 0usize;
    for (pos, &pd) in adoses.iter().enumerate() {
        let Some(dose) = ctx.doses.get(pd) else {
            continue;
        };
        // 6.2: skip target doses that the conditional skip allows.
        while let Some(def) = targets.get(t).and_then(|td| series.doses.get(td.def)) {
            let input = SkipInput {
                ctx,
                context: SkipContext::Evaluation,
                reference: dose.date,
                doses: adoses.get(..pos).unwrap_or(&[]),
                evals: evals.get(..pos).unwrap_or(&[]),
                completed_groups: &completed,
            };
            if can_skip(def, &input) {
                if let Some(td) = targets.get_mut(t) {
                    td.status = TargetStatus::Skipped;
                }
                t += 1;
            } else {
                break;
            }
        }
        let Some(def) = targets.get(t).and_then(|td| series.doses.get(td.def)) else {
            // Section 4.4 step 6a: no more target doses.
            if let Some(slot) = evals.get_mut(pos) {
                *slot = Some(DoseEval {
                    status: EvaluationStatus::Extraneous,
                    reasons: ReasonSet::single(EvaluationReason::SeriesAlreadyComplete),
                    target: None,
                    inadvertent: false,
                });
            }
            continue;
        };
        let result = evaluate_dose(ctx, def, dose, pos, adoses, &evals, &targets);
        let eval = DoseEval {
            target: Some(t),
            ..result
        };
        if let Some(slot) = evals.get_mut(pos) {
            *slot = Some(eval);
        }
        if eval.status == EvaluationStatus::Valid {
            let def_idx = targets.get(t).map(|td| td.def).unwrap_or(0);
            if let Some(td) = targets.get_mut(t) {
                td.status = TargetStatus::Satisfied;
                td.dose = Some(pos);
            }
            // Step 5: a recurring dose is followed by an identical target dose.
            if def.recurring {
                targets.insert(
                    t + 1,
                    TargetDose {
                        def: def_idx,
                        status: TargetStatus::NotSatisfied,
                        dose: None,
                    },
                );
            }
            t += 1;
        }
    }
    (targets, evals)
}

/// Chapter 6 for one dose against one target dose.
fn evaluate_dose(
    ctx: &Ctx<'_>,
    def: &SeriesDose,
    dose: &PDose<'_>,
    pos: usize,
    adoses: &[usize],
    evals: &[Option<DoseEval>],
    targets: &[TargetDose],
) -> DoseEval {
    let date = dose.date;
    let mut reasons = ReasonSet::default();
    // 6.1 Table 6-3: expired lot or dose condition.
    if dose.substandard || dose.lot_expiration.is_some_and(|exp| date > exp) {
        return DoseEval {
            status: EvaluationStatus::SubStandard,
            reasons: ReasonSet::single(EvaluationReason::ExpiredOrSubStandard),
            target: None,
            inadvertent: false,
        };
    }
    // 6.3 Table 6-13: inadvertent vaccine.
    if dose.cvx.is_some_and(|c| def.inadvertent.contains(&c)) {
        return DoseEval {
            status: EvaluationStatus::NotValid,
            reasons: ReasonSet::single(EvaluationReason::InadvertentVaccine),
            target: None,
            inadvertent: true,
        };
    }
    // 6.4 Table 6-15: age.
    let mut age_ok = true;
    let mut too_old = false;
    if let Some(rule) = age_rule(def, date) {
        let abs_min = ctx.age_date(rule.abs_min.as_ref());
        let min = ctx.age_date(rule.min.as_ref());
        let max = ctx.age_date(rule.max.as_ref());
        if abs_min.is_some_and(|d| date < d) {
            age_ok = false;
            reasons.insert(EvaluationReason::AgeTooYoung);
        } else if max.is_some_and(|d| date >= d) {
            age_ok = false;
            too_old = true;
            reasons.insert(EvaluationReason::AgeTooOld);
        } else if min.is_some_and(|d| date < d) {
            reasons.insert(EvaluationReason::AgeGracePeriod);
        }
    }
    // 6.5 Table 6-18: preferable intervals (all must be met).
    let mut preferable_ok = true;
    let mut grace = false;
    for rule in def
        .intervals
        .iter()
        .filter(|r| in_effect(r.effective, r.cessation, date))
    {
        let Some(reference) = interval_reference(ctx, rule, adoses, evals, targets, pos) else {
            continue;
        };
        let abs_min = rule.abs_min.as_ref().and_then(|i| i.add_to(reference));
        let min = rule.min.as_ref().and_then(|i| i.add_to(reference));
        if abs_min.is_some_and(|d| date < d) {
            preferable_ok = false;
        } else if min.is_some_and(|d| date < d) {
            grace = true;
        }
    }
    let mut interval_ok = preferable_ok;
    if !preferable_ok {
        // 6.6 Table 6-21: allowable intervals; none defined means not valid.
        let mut any = false;
        let mut all = true;
        for rule in def
            .allowable_intervals
            .iter()
            .filter(|r| in_effect(r.effective, r.cessation, date))
        {
            let Some(reference) = interval_reference(ctx, rule, adoses, evals, targets, pos) else {
                continue;
            };
            any = true;
            let abs_min = rule.abs_min.as_ref().and_then(|i| i.add_to(reference));
            if abs_min.is_some_and(|d| date < d) {
                all = false;
            }
        }
        interval_ok = any && all;
    }
    if !interval_ok {
        reasons.insert(EvaluationReason::IntervalTooSoon);
    } else if grace && preferable_ok {
        reasons.insert(EvaluationReason::IntervalGracePeriod);
    }
    // 6.7: vaccine conflicts (CALCDTCONFLICT-1, -2, CONFLICT-3).
    let conflict = in_conflict(ctx, dose, pos, adoses, evals);
    if conflict {
        reasons.insert(EvaluationReason::LiveVirusConflict);
    }
    // 6.8 / 6.9: preferable or allowable vaccine.
    let vaccine_ok = is_preferable(ctx, def, dose) || is_allowable(ctx, def, dose);
    if !vaccine_ok {
        reasons.insert(EvaluationReason::NotPreferableOrAllowable);
    }
    // 6.10 Table 6-31.
    let status = if too_old {
        EvaluationStatus::Extraneous
    } else if age_ok && interval_ok && !conflict && vaccine_ok {
        EvaluationStatus::Valid
    } else {
        EvaluationStatus::NotValid
    };
    DoseEval {
        status,
        reasons,
        target: None,
        inadvertent: false,
    }
}

/// CONFLICT-3: is the dose an impacted vaccine dose administered?
///
/// CALCDTCONFLICT-2 ends the conflict at the minimum conflict end interval when the
/// previous (conflicting) dose is valid or has no evaluation status, and at the longer
/// conflict end interval when it has another status. A previous dose of this antigen
/// has already been evaluated in this patient series (`evals`, positions before `pos`),
/// so that status is used. A dose of other antigens only takes its status from the best
/// series of the antigens already processed (valid if valid for any), else from the
/// engine's first pass over the patient ([`Ctx::earlier_pass_valid`]); with neither it has
/// no evaluation status yet. `unknown_status` is set when that last case decided.
fn in_conflict(
    ctx: &Ctx<'_>,
    dose: &PDose<'_>,
    pos: usize,
    adoses: &[usize],
    evals: &[Option<DoseEval>],
) -> bool {
    let Some(cvx) = dose.cvx else { return false };
    let list = ctx.conflicts_for(cvx);
    if list.is_empty() {
        return false;
    }
    for (i, prev) in ctx.doses.iter().enumerate() {
        if prev.date >= dose.date {
            break;
        }
        let Some(pc) = prev.cvx else { continue };
        for &(previous, ci) in list {
            if previous != pc {
                continue;
            }
            let Some(c) = ctx.data.schedule.live_virus_conflicts.get(ci) else {
                continue;
            };
            let begin = c
                .begin
                .as_ref()
                .and_then(|b| b.add_to(prev.date))
                .unwrap_or(prev.date);
            let in_this_series = adoses
                .iter()
                .take(pos)
                .position(|&pd| pd == i)
                .and_then(|p| evals.get(p).copied().flatten())
                .map(|e| e.status == EvaluationStatus::Valid);
            let status = in_this_series.or_else(|| ctx.dose_status(i));
            if status.is_none() {
                ctx.unknown_status.set(true);
            }
            let end_interval = if status.unwrap_or(true) {
                c.min_end.as_ref()
            } else {
                c.end.as_ref()
            };
            let Some(end) = end_interval.and_then(|e| e.add_to(prev.date)) else {
                continue;
            };
            if dose.date >= begin && dose.date < end {
                return true;
            }
        }
    }
    false
}

fn mvx_matches(wanted: Option<&str>, given: Option<&str>) -> bool {
    match (wanted, given) {
        (Some(w), Some(g)) => w.eq_ignore_ascii_case(g),
        _ => true,
    }
}

/// Table 6-26 (volume is not used, as the specification says).
fn is_preferable(ctx: &Ctx<'_>, def: &SeriesDose, dose: &PDose<'_>) -> bool {
    let Some(cvx) = dose.cvx else { return false };
    def.preferable.iter().any(|p| {
        p.cvx == cvx
            && ctx.within_ages(p.begin_age.as_ref(), p.end_age.as_ref(), dose.date)
            && mvx_matches(p.mvx.as_deref(), dose.mvx)
    })
}

/// Table 6-29.
fn is_allowable(ctx: &Ctx<'_>, def: &SeriesDose, dose: &PDose<'_>) -> bool {
    let Some(cvx) = dose.cvx else { return false };
    def.allowable.iter().any(|p| {
        p.cvx == cvx && ctx.within_ages(p.begin_age.as_ref(), p.end_age.as_ref(), dose.date)
    })
}
