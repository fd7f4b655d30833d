//! Best patient series selection (logic specification chapter 8).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::data::{AntigenData, AntigenSeries, SeriesType};
use crate::model::{EvaluationStatus, SeriesStatus};
use crate::types::{Ctx, SeriesRun};

struct Scored<'a> {
    run: usize,
    series: &'a AntigenSeries,
    r: &'a SeriesRun,
    score: i32,
}

/// Returns the indexes (into `runs`) of the best patient series.
pub(crate) fn select_best(
    ctx: &Ctx<'_>,
    antigen: &AntigenData,
    runs: &[SeriesRun],
    adoses: &[usize],
) -> Vec<usize> {
    // Group runs by series group, keeping order of first appearance.
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let Some(s) = antigen.series.get(r.series) else {
            continue;
        };
        match groups.iter_mut().find(|(g, _)| *g == s.series_group) {
            Some((_, v)) => v.push(i),
            None => groups.push((s.series_group.as_str(), vec![i])),
        }
    }
    let mut prioritized: HashMap<&str, usize> = HashMap::new();
    for (g, members) in &groups {
        if let Some(p) = prioritized_in_group(ctx, antigen, runs, members, adoses) {
            prioritized.insert(g, p);
        }
    }
    // 8.8 Table 8-14.
    let mut best = Vec::new();
    for (g, _) in &groups {
        let Some(&p) = prioritized.get(g) else {
            continue;
        };
        let (Some(run), Some(series)) = (
            runs.get(p),
            runs.get(p).and_then(|r| antigen.series.get(r.series)),
        ) else {
            continue;
        };
        if run.forecast.dates.status == SeriesStatus::Complete {
            best.push(p);
            continue;
        }
        let equivalents: Vec<(&SeriesRun, &AntigenSeries)> = series
            .equivalent_series_groups
            .iter()
            .filter(|eg| eg.as_str() != *g)
            .filter_map(|eg| prioritized.get(eg.as_str()))
            .filter_map(|&i| {
                runs.get(i)
                    .and_then(|r| antigen.series.get(r.series).map(|s| (r, s)))
            })
            .collect();
        if equivalents
            .iter()
            .any(|(r, _)| r.forecast.dates.status == SeriesStatus::Complete)
        {
            continue;
        }
        match series.series_type {
            SeriesType::EvaluationOnly => {}
            SeriesType::Risk => best.push(p),
            SeriesType::Standard => {
                if !equivalents
                    .iter()
                    .any(|(_, s)| s.series_type == SeriesType::Risk)
                {
                    best.push(p);
                }
            }
        }
    }
    best
}

fn first_valid_date(ctx: &Ctx<'_>, run: &SeriesRun, adoses: &[usize]) -> Option<NaiveDate> {
    run.evals
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_some_and(|e| e.status == EvaluationStatus::Valid))
        .find_map(|(pos, _)| {
            adoses
                .get(pos)
                .and_then(|&pd| ctx.doses.get(pd))
                .map(|d| d.date)
        })
}

/// 8.1 to 8.7 for one series group.
fn prioritized_in_group(
    ctx: &Ctx<'_>,
    antigen: &AntigenData,
    runs: &[SeriesRun],
    members: &[usize],
    adoses: &[usize],
) -> Option<usize> {
    let mut entries: Vec<(usize, &SeriesRun, &AntigenSeries)> = members
        .iter()
        .filter_map(|&i| {
            runs.get(i)
                .and_then(|r| antigen.series.get(r.series).map(|s| (i, r, s)))
        })
        .collect();
    // 8.1 pre-filter ("determine if any series should be removed from consideration"):
    // when no series of the group has a valid dose, a series the patient has aged out of
    // cannot be started, so it is dropped in favour of those that can still be; otherwise
    // Table 8-3 would pick an aged-out default series (e.g. a childhood series for an
    // unvaccinated adult) over a series meant for the patient's age.
    let aged_out = |r: &SeriesRun| r.forecast.dates.status == SeriesStatus::AgedOut;
    if entries.iter().all(|(_, r, _)| r.valid_count() == 0)
        && entries.iter().any(|(_, r, _)| !aged_out(r))
    {
        entries.retain(|(_, r, _)| !aged_out(r));
    }
    let default = entries
        .iter()
        .find(|(_, _, s)| s.default_series)
        .map(|(i, _, _)| *i);
    let all_contra = entries
        .iter()
        .all(|(_, r, _)| r.forecast.dates.status == SeriesStatus::Contraindicated);
    let all_zero = entries.iter().all(|(_, r, _)| r.valid_count() == 0);
    let top_priority = entries
        .iter()
        .map(|(_, _, s)| s.priority.as_str())
        .min()
        .unwrap_or("");
    // SELECTB-24 and SELECTSCORE-2.
    let scorable: Vec<&(usize, &SeriesRun, &AntigenSeries)> = entries
        .iter()
        .filter(|(_, r, s)| {
            let candidate = r.forecast.dates.status != SeriesStatus::Contraindicated || all_contra;
            match s.series_type {
                SeriesType::Risk => candidate && s.priority.as_str() <= top_priority,
                SeriesType::Standard => {
                    if !candidate {
                        return false;
                    }
                    if r.valid_count() > 0 {
                        let max_start = ctx.age_date(s.max_age_to_start.as_ref());
                        let first = first_valid_date(ctx, r, adoses);
                        first.is_some_and(|f| max_start.is_none_or(|m| f < m))
                    } else {
                        all_zero && default.is_none()
                    }
                }
                SeriesType::EvaluationOnly => r.forecast.dates.status == SeriesStatus::Complete,
            }
        })
        .collect();
    let is_complete = |r: &SeriesRun| r.forecast.dates.status == SeriesStatus::Complete;
    let is_in_process =
        |r: &SeriesRun| r.valid_count() > 0 && r.forecast.dates.status == SeriesStatus::NotComplete;
    // Table 8-3.
    match scorable.len() {
        0 => return default,
        1 => return scorable.first().map(|e| e.0),
        _ => {}
    }
    let complete: Vec<_> = scorable.iter().filter(|e| is_complete(e.1)).collect();
    let in_process: Vec<_> = scorable.iter().filter(|e| is_in_process(e.1)).collect();
    if complete.len() == 1 {
        return complete.first().map(|e| e.0);
    }
    if complete.is_empty() && in_process.len() == 1 {
        return in_process.first().map(|e| e.0);
    }
    if complete.is_empty() && in_process.is_empty() && default.is_some() {
        return default;
    }
    // Table 8-5: which series are scored, and with which rules.
    let mut scored: Vec<Scored<'_>> = Vec::new();
    let rules;
    if complete.len() >= 2 {
        rules = Rules::Complete;
        scored.extend(complete.iter().map(|e| Scored {
            run: e.0,
            series: e.2,
            r: e.1,
            score: 0,
        }));
    } else if in_process.len() >= 2 {
        rules = Rules::InProcess;
        scored.extend(in_process.iter().map(|e| Scored {
            run: e.0,
            series: e.2,
            r: e.1,
            score: 0,
        }));
    } else {
        rules = if scorable.iter().all(|e| e.1.valid_count() == 0) {
            Rules::NoValid
        } else {
            Rules::InProcess
        };
        scored.extend(scorable.iter().map(|e| Scored {
            run: e.0,
            series: e.2,
            r: e.1,
            score: 0,
        }));
    }
    score(ctx, &mut scored, rules);
    // SELECTBEST-2.
    scored
        .iter()
        .max_by(|a, b| {
            a.score.cmp(&b.score).then_with(|| {
                let pa = a.series.preference.unwrap_or(u32::MAX);
                let pb = b.series.preference.unwrap_or(u32::MAX);
                pb.cmp(&pa)
            })
        })
        .map(|s| s.run)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rules {
    Complete,
    InProcess,
    NoValid,
}

/// Awards points for a condition: `+win` when only one series meets it, 0 each when
/// two or more do (if `tie_zero`), `-win` when not met.
fn award(scored: &mut [Scored<'_>], met: &[bool], win: i32, tie_zero: bool) {
    let n = met.iter().filter(|&&m| m).count();
    for (s, &m) in scored.iter_mut().zip(met) {
        s.score += if m {
            if n >= 2 && tie_zero { 0 } else { win }
        } else {
            -win
        };
    }
}

/// Tables 8-7, 8-9 and 8-11.
fn score(ctx: &Ctx<'_>, scored: &mut [Scored<'_>], rules: Rules) {
    let valid: Vec<usize> = scored.iter().map(|s| s.r.valid_count()).collect();
    let max_valid = valid.iter().copied().max().unwrap_or(0);
    let most_valid: Vec<bool> = valid.iter().map(|&v| v == max_valid).collect();
    match rules {
        Rules::Complete => award(scored, &most_valid, 1, true),
        Rules::InProcess => {
            // SELECTB-2 and SELECTB-23.
            let product_all_valid: Vec<bool> = scored
                .iter()
                .map(|s| {
                    s.series.product_path
                        && s.r
                            .evals
                            .iter()
                            .flatten()
                            .filter(|e| e.target.is_some())
                            .all(|e| e.status == EvaluationStatus::Valid)
                })
                .collect();
            award(scored, &product_all_valid, 2, false);
            let completable: Vec<bool> = scored.iter().map(|s| s.r.forecast.completable).collect();
            award(scored, &completable, 3, false);
            award(scored, &most_valid, 2, true);
            // SELECTB-5.
            let remaining: Vec<usize> = scored
                .iter()
                .map(|s| {
                    s.r.targets
                        .iter()
                        .filter(|t| {
                            !t.is_satisfied() && t.status != crate::types::TargetStatus::Skipped
                        })
                        .count()
                })
                .collect();
            let min_remaining = remaining.iter().copied().min().unwrap_or(0);
            let closest: Vec<bool> = remaining.iter().map(|&r| r == min_remaining).collect();
            award(scored, &closest, 2, true);
            // SELECTB-11.
            let earliest_finish = scored
                .iter()
                .filter(|s| s.r.forecast.completable)
                .filter_map(|s| s.r.forecast.finish)
                .min();
            let finish_first: Vec<bool> = scored
                .iter()
                .map(|s| {
                    s.r.forecast.completable
                        && s.r.forecast.finish.is_some()
                        && s.r.forecast.finish == earliest_finish
                })
                .collect();
            award(scored, &finish_first, 1, true);
        }
        Rules::NoValid => {
            // SELECTB-14: start date taken as the forecast earliest date.
            let starts: Vec<Option<NaiveDate>> = scored
                .iter()
                .map(|s| {
                    let min_start = ctx.age_date(s.series.min_age_to_start.as_ref());
                    match (s.r.forecast.dates.earliest, min_start) {
                        (Some(e), Some(m)) => Some(e.max(m)),
                        (e, m) => e.or(m),
                    }
                })
                .collect();
            let first = starts.iter().flatten().min().copied();
            let start_first: Vec<bool> =
                starts.iter().map(|s| s.is_some() && *s == first).collect();
            award(scored, &start_first, 1, true);
            let completable: Vec<bool> = scored.iter().map(|s| s.r.forecast.completable).collect();
            award(scored, &completable, 1, false);
            let not_product: Vec<bool> = scored.iter().map(|s| !s.series.product_path).collect();
            award(scored, &not_product, 1, false);
        }
    }
}
