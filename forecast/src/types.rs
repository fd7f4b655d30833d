//! The types the pipeline stages share (relevant series, evaluation, forecast, best
//! series, vaccine group): the per-patient context, the parsed history, target doses,
//! dose evaluations and the evaluation and forecast of one patient series. Every stage
//! module uses these; none of them depends on the engine that runs the stages.

use std::cell::Cell;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::data::{Cvx, Gender, SupportingData};
use crate::dates::Duration;
use crate::model::{
    EvaluationReason, EvaluationStatus, ForecastDates, ForecastReason, SeriesStatus,
};

/// A patient observation active on the assessment date.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActiveObservation<'a> {
    /// CDSi observation code, trimmed.
    pub(crate) code: &'a str,
    /// Observation date.
    pub(crate) date: NaiveDate,
}

/// A vaccine group with antigen indexes.
#[derive(Debug, Clone)]
pub(crate) struct GroupIndex {
    pub(crate) name: Arc<str>,
    pub(crate) administer_full: Option<bool>,
    pub(crate) antigens: Vec<usize>,
    pub(crate) antigen_names: Arc<[Arc<str>]>,
}
/// One dose of the patient's history, parsed.
#[derive(Debug, Clone)]
pub(crate) struct PDose<'a> {
    pub(crate) id: usize,
    pub(crate) date: NaiveDate,
    pub(crate) cvx: Option<Cvx>,
    pub(crate) mvx: Option<&'a str>,
    pub(crate) lot_expiration: Option<NaiveDate>,
    pub(crate) substandard: bool,
}

/// Per-patient context shared by all steps.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    /// The supporting data.
    pub(crate) data: &'a SupportingData,
    /// Live virus conflicts indexed by impacted (current) CVX number:
    /// (previous type, conflict index).
    pub(crate) conflicts: &'a [Vec<(Cvx, usize)>],
    pub(crate) dob: NaiveDate,
    pub(crate) assessment: NaiveDate,
    pub(crate) gender: Gender,
    /// The patient's observations active on the assessment date (dated on or before
    /// it), codes trimmed.
    pub(crate) observations: Vec<ActiveObservation<'a>>,
    pub(crate) birth_country: Option<&'a str>,
    /// The patient's doses sorted by date (then CVX, MVX, id).
    pub(crate) doses: Vec<PDose<'a>>,
    /// Evaluation status of each patient dose in the best series of the antigens
    /// already processed (`Some(true)` valid, `Some(false)` other, `None` not yet known);
    /// used for live virus conflicts (CALCDTCONFLICT-2).
    pub(crate) dose_valid: Vec<Option<bool>>,
    /// The same, as the engine's first pass over the patient left it, for doses of
    /// antigens not processed yet (empty on the first pass).
    pub(crate) earlier_pass_valid: Vec<Option<bool>>,
    /// Set when a live virus conflict was decided for a previous dose with no evaluation
    /// status yet, so the engine knows a second pass may decide differently.
    pub(crate) unknown_status: Cell<bool>,
    /// Memo of `dob + age` (the same ages recur across series and doses): a small
    /// direct-mapped cache.
    age_cache: [Cell<AgeSlot>; AGE_CACHE_SLOTS],
}

const AGE_CACHE_SLOTS: usize = 256;

/// One entry of the age memo; `key == None` is an empty slot.
#[derive(Debug, Clone, Copy, Default)]
struct AgeSlot {
    key: Option<Duration>,
    value: Option<NaiveDate>,
}

fn age_slot(d: &Duration) -> usize {
    let h = (i64::from(d.years) * 31 + i64::from(d.months)) * 1021 + i64::from(d.days);
    let h = h.cast_unsigned().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56;
    usize::try_from(h).unwrap_or(0) % AGE_CACHE_SLOTS
}

/// What a [`Ctx`] is built from.
pub(crate) struct CtxParts<'a> {
    pub(crate) data: &'a SupportingData,
    pub(crate) conflicts: &'a [Vec<(Cvx, usize)>],
    pub(crate) dob: NaiveDate,
    pub(crate) assessment: NaiveDate,
    pub(crate) gender: Gender,
    pub(crate) observations: Vec<ActiveObservation<'a>>,
    pub(crate) birth_country: Option<&'a str>,
    pub(crate) doses: Vec<PDose<'a>>,
}

impl<'a> Ctx<'a> {
    /// A context with no dose evaluated yet and an empty age memo.
    pub(crate) fn new(p: CtxParts<'a>) -> Self {
        let n = p.doses.len();
        Self {
            data: p.data,
            conflicts: p.conflicts,
            dob: p.dob,
            assessment: p.assessment,
            gender: p.gender,
            observations: p.observations,
            birth_country: p.birth_country,
            doses: p.doses,
            dose_valid: vec![None; n],
            earlier_pass_valid: Vec::new(),
            unknown_status: Cell::new(false),
            age_cache: std::array::from_fn(|_| Cell::new(AgeSlot::default())),
        }
    }
}

impl Ctx<'_> {
    /// Whether `date` falls in the age range `[begin, end)`; an unset bound is open.
    pub(crate) fn within_ages(
        &self,
        begin: Option<&Duration>,
        end: Option<&Duration>,
        date: NaiveDate,
    ) -> bool {
        self.age_date(begin).is_none_or(|b| b <= date)
            && self.age_date(end).is_none_or(|e| date < e)
    }

    /// `dob + age`, or `None` when the age is not set.
    pub(crate) fn age_date(&self, age: Option<&Duration>) -> Option<NaiveDate> {
        let age = age?;
        let Some(cell) = self.age_cache.get(age_slot(age)) else {
            return age.add_to(self.dob);
        };
        let slot = cell.get();
        if slot.key == Some(*age) {
            return slot.value;
        }
        let value = age.add_to(self.dob);
        cell.set(AgeSlot {
            key: Some(*age),
            value,
        });
        value
    }

    /// Whether the patient has an active observation with this code.
    pub(crate) fn has_observation(&self, code: &str) -> bool {
        self.observation_date(code).is_some()
    }

    /// The date of the most recent active observation with this code (CALCDTINT-9).
    pub(crate) fn observation_date(&self, code: &str) -> Option<NaiveDate> {
        let code = code.trim();
        if code.is_empty() {
            return None;
        }
        self.observations
            .iter()
            .filter(|o| o.code == code)
            .map(|o| o.date)
            .max()
    }

    /// The evaluation status of a patient dose as known so far (`Some(true)` valid):
    /// from the antigens already processed, else from the engine's first pass.
    pub(crate) fn dose_status(&self, dose: usize) -> Option<bool> {
        self.dose_valid
            .get(dose)
            .copied()
            .flatten()
            .or_else(|| self.earlier_pass_valid.get(dose).copied().flatten())
    }

    /// Live virus conflicts impacting a vaccine type: (conflicting type, conflict index).
    pub(crate) fn conflicts_for(&self, current: Cvx) -> &[(Cvx, usize)] {
        self.conflicts
            .get(usize::from(current.0))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// The evaluation and forecast of one relevant patient series.
#[derive(Debug, Clone)]
pub(crate) struct SeriesRun {
    pub(crate) series: usize,
    pub(crate) targets: Vec<TargetDose>,
    /// Per antigen dose (same order as the antigen's dose list).
    pub(crate) evals: Vec<Option<DoseEval>>,
    pub(crate) forecast: SeriesForecast,
}

impl SeriesRun {
    /// Number of satisfied target doses (SELECTB-21).
    pub(crate) fn valid_count(&self) -> usize {
        self.targets.iter().filter(|t| t.is_satisfied()).count()
    }
}
/// A compact set of evaluation reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ReasonSet(u16);

impl ReasonSet {
    fn bit(r: EvaluationReason) -> u16 {
        let i = EvaluationReason::ALL
            .iter()
            .position(|x| *x == r)
            .unwrap_or(0);
        1u16 << i
    }
    pub(crate) fn insert(&mut self, r: EvaluationReason) {
        self.0 |= Self::bit(r);
    }
    pub(crate) fn contains(self, r: EvaluationReason) -> bool {
        self.0 & Self::bit(r) != 0
    }
    pub(crate) fn single(r: EvaluationReason) -> Self {
        let mut s = Self::default();
        s.insert(r);
        s
    }
}

/// Target dose status (section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetStatus {
    NotSatisfied,
    Satisfied,
    Skipped,
}

/// A target dose of a patient series.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TargetDose {
    /// Index of the series dose it tracks.
    pub(crate) def: usize,
    pub(crate) status: TargetStatus,
    /// Antigen dose position that satisfied it.
    pub(crate) dose: Option<usize>,
}

impl TargetDose {
    pub(crate) fn is_satisfied(&self) -> bool {
        self.status == TargetStatus::Satisfied
    }
}

/// The evaluation of one antigen dose in one patient series.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DoseEval {
    pub(crate) status: EvaluationStatus,
    pub(crate) reasons: ReasonSet,
    /// Index into the series' target doses.
    pub(crate) target: Option<usize>,
    pub(crate) inadvertent: bool,
}
/// A patient series forecast with the extra facts best-series selection needs.
#[derive(Debug, Clone)]
pub(crate) struct SeriesForecast {
    pub(crate) dates: ForecastDates,
    /// Forecast finish date (SELECTB-12), when a dose is due.
    pub(crate) finish: Option<NaiveDate>,
    /// Whether the series can be completed before its maximum age (SELECTB-3).
    pub(crate) completable: bool,
    /// Priority patient series forecast (FORECASTPRIORITY-1).
    pub(crate) priority: bool,
    /// The dates the forecast dates were derived from, before FORECASTDT-5 and -6
    /// adjust them to the earliest date (when a dose is due).
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "read by the crate's tests of the date logic")
    )]
    pub(crate) unadjusted: Option<UnadjustedDates>,
}

/// The dates of a patient series forecast as computed from the supporting data
/// (Tables 7-12 and 7-13), before any adjustment. Kept so that tests can check the
/// engine's own dates, not only their adjusted (clamped) versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnadjustedDates {
    /// Candidate earliest date (FORECASTDTCAN-1), the forecast's earliest date.
    pub(crate) earliest: NaiveDate,
    /// Unadjusted recommended date (FORECASTDT-2).
    pub(crate) recommended: NaiveDate,
    /// Unadjusted past-due date (FORECASTDT-3), if any.
    pub(crate) past_due: Option<NaiveDate>,
    /// Minimum age date (CALCDTAGE-4).
    pub(crate) min_age: Option<NaiveDate>,
    /// Earliest recommended age date (CALCDTAGE-3).
    pub(crate) earliest_recommended_age: Option<NaiveDate>,
    /// Latest recommended age date (CALCDTAGE-2).
    pub(crate) latest_recommended_age: Option<NaiveDate>,
    /// Maximum age date (CALCDTAGE-1).
    pub(crate) max_age: Option<NaiveDate>,
}

impl SeriesForecast {
    pub(crate) fn status(status: SeriesStatus, reason: Option<ForecastReason>) -> Self {
        Self {
            dates: ForecastDates::without_dose(status, reason),
            finish: None,
            completable: status == SeriesStatus::Complete,
            priority: false,
            unadjusted: None,
        }
    }
}
