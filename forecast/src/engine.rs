//! The engine: indexes built once from the supporting data, and the processing model of
//! chapter 4 (organize history, create relevant patient series, evaluate and forecast,
//! select best series, vaccine group forecasts).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::data::{AntigenData, AntigenSeries, Cvx, SeriesType, SupportingData};
use crate::dates::Duration;
use crate::evaluate::evaluate_series;
use crate::forecast::forecast_series;
use crate::group::{merge_antigen, vaccine_group_forecast};
use crate::model::{
    AntigenForecast, Assessment, DoseEvaluation, EvaluationReason, PatientInput,
    VaccineGroupForecast,
};
use crate::select::select_best;
use crate::types::{
    ActiveObservation, Ctx, CtxParts, GroupIndex, PDose, ReasonSet, SeriesForecast, SeriesRun,
    TargetDose,
};

/// A CVX code's association with an antigen, by age at administration.
#[derive(Debug, Clone)]
struct Association {
    antigen: usize,
    begin_age: Option<Duration>,
    end_age: Option<Duration>,
}

/// The forecast of one relevant patient series, named.
#[derive(Debug, Clone)]
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "only the crate's tests ask for every series forecast"
    )
)]
pub(crate) struct SeriesForecastOf {
    /// Antigen.
    pub(crate) antigen: Arc<str>,
    /// Antigen series.
    pub(crate) series: Arc<str>,
    /// Its forecast.
    pub(crate) forecast: SeriesForecast,
}

/// The CDSi engine. Build once per process with [`Engine::new`]; [`Engine::assess`] is
/// pure and can be called from many threads.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) data: SupportingData,
    /// Antigen associations indexed by CVX number.
    cvx_antigens: Vec<Vec<Association>>,
    /// Live virus conflicts indexed by impacted (current) CVX number:
    /// (previous type, conflict index).
    conflicts_by_current: Vec<Vec<(Cvx, usize)>>,
    pub(crate) groups: Vec<GroupIndex>,
    /// Series indexes of each antigen, ordered by series group (stable).
    series_order: Vec<Vec<usize>>,
    /// Antigen names, shared with the results.
    antigen_names: Vec<Arc<str>>,
    /// Series names per antigen, shared with the results.
    series_names: Vec<Vec<Arc<str>>>,
}

impl Engine {
    /// Builds the indexes from the supporting data.
    pub fn new(data: &SupportingData) -> Self {
        let antigen_idx: HashMap<&str, usize> = data
            .antigens
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.as_str(), i))
            .collect();
        let mut cvx_antigens: Vec<Vec<Association>> = Vec::new();
        for m in &data.schedule.cvx_map {
            for a in &m.associations {
                if let Some(&antigen) = antigen_idx.get(a.antigen.as_str()) {
                    slot(&mut cvx_antigens, m.cvx).push(Association {
                        antigen,
                        begin_age: a.begin_age,
                        end_age: a.end_age,
                    });
                }
            }
        }
        let mut conflicts_by_current: Vec<Vec<(Cvx, usize)>> = Vec::new();
        for (i, c) in data.schedule.live_virus_conflicts.iter().enumerate() {
            slot(&mut conflicts_by_current, c.current).push((c.previous, i));
        }
        let groups = data
            .schedule
            .vaccine_groups
            .iter()
            .map(|g| {
                let antigens: Vec<usize> = g
                    .antigens
                    .iter()
                    .filter_map(|a| antigen_idx.get(a.as_str()).copied())
                    .collect();
                GroupIndex {
                    name: Arc::from(g.name.as_str()),
                    administer_full: g.administer_full,
                    antigen_names: antigens
                        .iter()
                        .filter_map(|&i| data.antigens.get(i).map(|a| Arc::from(a.name.as_str())))
                        .collect(),
                    antigens,
                }
            })
            .collect();
        let series_order = data
            .antigens
            .iter()
            .map(|a| {
                let mut idx: Vec<usize> = (0..a.series.len()).collect();
                idx.sort_by(|&x, &y| {
                    let gx = a.series.get(x).map(|s| group_key(&s.series_group));
                    let gy = a.series.get(y).map(|s| group_key(&s.series_group));
                    gx.cmp(&gy)
                });
                idx
            })
            .collect();
        let antigen_names = data
            .antigens
            .iter()
            .map(|a| Arc::from(a.name.as_str()))
            .collect();
        let series_names = data
            .antigens
            .iter()
            .map(|a| {
                a.series
                    .iter()
                    .map(|s| Arc::from(s.name.as_str()))
                    .collect()
            })
            .collect();
        Self {
            data: data.clone(),
            cvx_antigens,
            conflicts_by_current,
            groups,
            series_order,
            antigen_names,
            series_names,
        }
    }

    /// The supporting data the engine was built from.
    pub fn data(&self) -> &SupportingData {
        &self.data
    }

    /// Evaluates the history and forecasts every vaccine group for a patient.
    pub fn assess(&self, input: &PatientInput) -> Assessment {
        self.assess_keeping(input, None)
    }

    /// [`Engine::assess`], also returning the forecast of every relevant patient series
    /// (not only the best ones) with its unadjusted dates, for tests of the engine's
    /// own date logic.
    #[cfg(test)]
    pub(crate) fn assess_with_series(
        &self,
        input: &PatientInput,
    ) -> (Assessment, Vec<SeriesForecastOf>) {
        let mut series = Vec::new();
        let assessment = self.assess_keeping(input, Some(&mut series));
        (assessment, series)
    }

    /// The assessment; every relevant patient series forecast is pushed to `keep` when
    /// given.
    fn assess_keeping(
        &self,
        input: &PatientInput,
        mut keep: Option<&mut Vec<SeriesForecastOf>>,
    ) -> Assessment {
        let mut doses: Vec<PDose<'_>> = input
            .doses
            .iter()
            .map(|d| PDose {
                id: d.id,
                date: d.date,
                cvx: Cvx::parse(&d.cvx).ok(),
                mvx: d.mvx.as_deref().map(str::trim).filter(|m| !m.is_empty()),
                lot_expiration: d.lot_expiration,
                substandard: d.substandard,
            })
            .collect();
        doses.sort_by(|a, b| {
            (a.date, a.cvx, a.mvx, a.lot_expiration, a.substandard, a.id).cmp(&(
                b.date,
                b.cvx,
                b.mvx,
                b.lot_expiration,
                b.substandard,
                b.id,
            ))
        });
        let mut ctx = Ctx::new(CtxParts {
            data: &self.data,
            conflicts: &self.conflicts_by_current,
            dob: input.birth_date,
            assessment: input.assessment_date,
            gender: input.gender,
            observations: input
                .observations
                .iter()
                .filter(|o| o.date <= input.assessment_date)
                .map(|o| ActiveObservation {
                    code: o.code.trim(),
                    date: o.date,
                })
                .filter(|o| !o.code.is_empty())
                .collect(),
            birth_country: input.birth_country.as_deref(),
            doses,
        });
        // 4.2 Organize immunization history: antigen administered records.
        let mut per_antigen: Vec<Vec<usize>> = vec![Vec::new(); self.data.antigens.len()];
        for (i, d) in ctx.doses.iter().enumerate() {
            // Doses given on or before the assessment date only.
            if d.date > ctx.assessment {
                continue;
            }
            let Some(assocs) = d.cvx.and_then(|c| self.cvx_antigens.get(usize::from(c.0))) else {
                continue;
            };
            for a in assocs {
                if !ctx.within_ages(a.begin_age.as_ref(), a.end_age.as_ref(), d.date) {
                    continue;
                }
                if let Some(list) = per_antigen.get_mut(a.antigen)
                    && !list.contains(&i)
                {
                    list.push(i);
                }
            }
        }
        let mut antigen_forecasts =
            self.assess_antigens(&mut ctx, &per_antigen, keep.as_deref_mut());
        // CALCDTCONFLICT-2 needs the status of earlier live doses of antigens processed
        // later; when one decided a conflict without it, the antigens are assessed again
        // with the statuses of this first pass.
        if ctx.unknown_status.get() {
            ctx.earlier_pass_valid =
                std::mem::replace(&mut ctx.dose_valid, vec![None; ctx.doses.len()]);
            ctx.unknown_status.set(false);
            if let Some(keep) = keep.as_deref_mut() {
                keep.clear();
            }
            antigen_forecasts = self.assess_antigens(&mut ctx, &per_antigen, keep);
        }
        let mut vaccine_groups: Vec<VaccineGroupForecast> = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            let members: Vec<&AntigenForecast> = g
                .antigens
                .iter()
                .filter_map(|&a| {
                    antigen_forecasts
                        .get(a)
                        .and_then(|f| f.as_ref())
                        .map(|f| &f.0)
                })
                .collect();
            if members.is_empty() {
                continue;
            }
            let last_dose: Option<NaiveDate> = g
                .antigens
                .iter()
                .filter_map(|&a| per_antigen.get(a))
                .flat_map(|l| l.iter().filter_map(|&i| ctx.doses.get(i).map(|d| d.date)))
                .max();
            vaccine_groups.push(VaccineGroupForecast {
                name: Arc::clone(&g.name),
                forecast: vaccine_group_forecast(g, &members, last_dose),
                antigens: Arc::clone(&g.antigen_names),
            });
        }
        let mut antigens = Vec::new();
        let mut evaluations = Vec::new();
        for (f, e) in antigen_forecasts.into_iter().flatten() {
            antigens.push(f);
            evaluations.extend(e);
        }
        Assessment {
            vaccine_groups,
            antigens,
            evaluations,
        }
    }

    /// Chapters 5 to 8 for every antigen in supporting-data order, recording in
    /// `ctx.dose_valid` the status of each dose in the best series of each antigen.
    #[allow(clippy::type_complexity)]
    fn assess_antigens(
        &self,
        ctx: &mut Ctx<'_>,
        per_antigen: &[Vec<usize>],
        mut keep: Option<&mut Vec<SeriesForecastOf>>,
    ) -> Vec<Option<(AntigenForecast, Vec<DoseEvaluation>)>> {
        let mut antigen_forecasts: Vec<Option<(AntigenForecast, Vec<DoseEvaluation>)>> =
            vec![None; self.data.antigens.len()];
        for (ai, antigen) in self.data.antigens.iter().enumerate() {
            let adoses = per_antigen.get(ai).map(Vec::as_slice).unwrap_or(&[]);
            let order = self.series_order.get(ai).map(Vec::as_slice).unwrap_or(&[]);
            let result = self.assess_antigen(ctx, ai, antigen, order, adoses, keep.as_deref_mut());
            if let Some((forecast, evals, valid)) = result {
                for (pos, v) in valid {
                    if let Some(slot) = adoses.get(pos).and_then(|&pd| ctx.dose_valid.get_mut(pd)) {
                        *slot = Some(slot.unwrap_or(false) || v);
                    }
                }
                if let Some(slot) = antigen_forecasts.get_mut(ai) {
                    *slot = Some((forecast, evals));
                }
            }
        }
        antigen_forecasts
    }

    /// Chapters 5 to 8 for one antigen: returns its forecast, the evaluations of its doses
    /// in the chosen best series, and (antigen dose position, valid) pairs.
    #[allow(clippy::type_complexity)]
    fn assess_antigen(
        &self,
        ctx: &Ctx<'_>,
        ai: usize,
        antigen: &AntigenData,
        order: &[usize],
        adoses: &[usize],
        keep: Option<&mut Vec<SeriesForecastOf>>,
    ) -> Option<(AntigenForecast, Vec<DoseEvaluation>, Vec<(usize, bool)>)> {
        let mut runs: Vec<SeriesRun> = Vec::new();
        for &si in order {
            let Some(series) = antigen.series.get(si) else {
                continue;
            };
            if !is_relevant(ctx, series) {
                continue;
            }
            let (mut targets, evals) = evaluate_series(ctx, series, adoses, &runs, antigen);
            let forecast =
                forecast_series(ctx, antigen, series, adoses, &mut targets, &evals, &runs);
            if !started_or_startable(ctx, series, &targets) {
                continue;
            }
            runs.push(SeriesRun {
                series: si,
                targets,
                evals,
                forecast,
            });
        }
        if let Some(keep) = keep {
            keep.extend(runs.iter().filter_map(|r| {
                Some(SeriesForecastOf {
                    antigen: Arc::clone(self.antigen_names.get(ai)?),
                    series: Arc::clone(self.series_names.get(ai)?.get(r.series)?),
                    forecast: r.forecast.clone(),
                })
            }));
        }
        if runs.is_empty() {
            return None;
        }
        let best = select_best(ctx, antigen, &runs, adoses);
        let best_runs: Vec<&SeriesRun> = best.iter().filter_map(|&i| runs.get(i)).collect();
        let (dates, primary) = merge_antigen(&best_runs)?;
        let run = best_runs.get(primary)?;
        let antigen_name = self.antigen_names.get(ai)?;
        let series_name = self.series_names.get(ai).and_then(|v| v.get(run.series))?;
        let mut evaluations = Vec::new();
        let mut valid = Vec::new();
        for (pos, e) in run.evals.iter().enumerate() {
            let Some(&pd) = adoses.get(pos) else { continue };
            let Some(dose) = ctx.doses.get(pd) else {
                continue;
            };
            let (status, reasons, target) = match e {
                Some(e) => (e.status, e.reasons, e.target),
                None => continue,
            };
            valid.push((pos, status == crate::model::EvaluationStatus::Valid));
            evaluations.push(DoseEvaluation {
                dose_id: dose.id,
                antigen: Arc::clone(antigen_name),
                series_name: Arc::clone(series_name),
                target_dose: target
                    .and_then(|t| run.targets.get(t))
                    .and_then(|t| u32::try_from(t.def + 1).ok()),
                status,
                reasons: reasons_vec(reasons),
            });
        }
        Some((
            AntigenForecast {
                antigen: Arc::clone(antigen_name),
                series_name: Arc::clone(series_name),
                priority: dates.status == crate::model::SeriesStatus::NotComplete
                    && run.forecast.priority,
                forecast: dates,
            },
            evaluations,
            valid,
        ))
    }
}

/// The entry of a CVX-indexed table, growing it as needed.
fn slot<T: Default>(table: &mut Vec<T>, cvx: Cvx) -> &mut T {
    let i = usize::from(cvx.0);
    if table.len() <= i {
        table.resize_with(i + 1, T::default);
    }
    &mut table[i]
}

fn reasons_vec(set: ReasonSet) -> Vec<EvaluationReason> {
    EvaluationReason::ALL
        .iter()
        .copied()
        .filter(|r| set.contains(*r))
        .collect()
}

/// Numeric series groups sort numerically, others after them by text.
fn group_key(g: &str) -> (u32, String) {
    (g.trim().parse::<u32>().unwrap_or(u32::MAX), g.to_owned())
}

/// Minimum age to start (Appendix A: "the earliest age an antigen series may be
/// started"). Section 5.1 does not use it and chapter 8 only uses its counterpart, the
/// maximum age to start (SELECTSCORE-2). Here a series that the patient is too young to
/// start on the assessment date, and in which no dose is valid, is not kept as a
/// relevant patient series: it cannot be started yet, so it can neither be the best
/// series nor forecast a dose. A series with valid doses is kept whatever the age.
fn started_or_startable(ctx: &Ctx<'_>, series: &AntigenSeries, targets: &[TargetDose]) -> bool {
    let too_young = ctx
        .age_date(series.min_age_to_start.as_ref())
        .is_some_and(|start| ctx.assessment < start);
    !too_young || targets.iter().any(TargetDose::is_satisfied)
}

/// Section 5.1, Tables 5-4 and 5-5: is an antigen series a relevant patient series?
fn is_relevant(ctx: &Ctx<'_>, series: &AntigenSeries) -> bool {
    if !series.required_gender.is_empty() && !series.required_gender.contains(&ctx.gender) {
        return false;
    }
    match series.series_type {
        SeriesType::Standard | SeriesType::EvaluationOnly => true,
        SeriesType::Risk => series.indications.iter().any(|ind| {
            ctx.has_observation(&ind.code)
                && ctx.within_ages(ind.begin_age.as_ref(), ind.end_age.as_ref(), ctx.assessment)
        }),
    }
}
