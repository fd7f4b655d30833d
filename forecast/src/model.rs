//! Public input and output types of the engine: the patient, the doses given, and the
//! evaluation and forecast results with typed, translatable reasons.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::data::Gender;

/// A dose administered to the patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdministeredDose {
    /// Caller's identifier for the dose (returned in evaluations).
    pub id: usize,
    /// Date administered.
    pub date: NaiveDate,
    /// CVX code, e.g. `"08"`.
    pub cvx: String,
    /// MVX manufacturer code, if known.
    pub mvx: Option<String>,
    /// Lot expiration date, if known (a dose given after it is sub-standard).
    pub lot_expiration: Option<NaiveDate>,
    /// Dose condition flag (recall, cold chain break, …): the dose is sub-standard.
    pub substandard: bool,
}

impl AdministeredDose {
    /// A dose with just an id, date and CVX code.
    pub fn new(id: usize, date: NaiveDate, cvx: impl Into<String>) -> Self {
        Self {
            id,
            date,
            cvx: cvx.into(),
            mvx: None,
            lot_expiration: None,
            substandard: false,
        }
    }
}

/// A patient observation (condition, contraindication, evidence of immunity): a CDSi
/// observation code and the date it was observed. The date is the reference date of
/// an interval "from relevant observation" (CALCDTINT-9), e.g. the onset of pregnancy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientObservation {
    /// CDSi observation code, e.g. `"170"`.
    pub code: String,
    /// Date observed (or, for a condition, its onset).
    pub date: NaiveDate,
}

impl PatientObservation {
    /// An observation with a code and a date.
    pub fn new(code: impl Into<String>, date: NaiveDate) -> Self {
        Self {
            code: code.into(),
            date,
        }
    }
}

/// Everything the engine needs to know about a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientInput {
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Gender.
    pub gender: Gender,
    /// "Today" for the assessment.
    pub assessment_date: NaiveDate,
    /// Dose history, in any order.
    pub doses: Vec<AdministeredDose>,
    /// Patient observations (CDSi coded observations such as `"055"`, with their dates).
    /// One dated after the assessment date is not active yet and is ignored.
    pub observations: Vec<PatientObservation>,
    /// Country of birth as the supporting data spells it (e.g. `"U.S."`), if known;
    /// used by birth-date evidence of immunity (Table 7-3). When unknown, a rule limited
    /// to a country is applied as if the patient was born there.
    pub birth_country: Option<String>,
}

/// Evaluation status of a dose (logic specification section 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EvaluationStatus {
    /// Counts toward the series.
    Valid,
    /// Does not count.
    NotValid,
    /// Not needed (series complete or given too old).
    Extraneous,
    /// Expired lot or dose condition.
    SubStandard,
}

impl EvaluationStatus {
    /// CDC wording.
    pub fn as_cdc_text(self) -> &'static str {
        match self {
            Self::Valid => "Valid",
            Self::NotValid => "Not Valid",
            Self::Extraneous => "Extraneous",
            Self::SubStandard => "Sub standard",
        }
    }

    /// Translation key.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Valid => "forecast.evaluation.valid",
            Self::NotValid => "forecast.evaluation.not_valid",
            Self::Extraneous => "forecast.evaluation.extraneous",
            Self::SubStandard => "forecast.evaluation.sub_standard",
        }
    }

    /// Every variant.
    pub const ALL: [Self; 4] = [
        Self::Valid,
        Self::NotValid,
        Self::Extraneous,
        Self::SubStandard,
    ];
}

/// Why a dose was evaluated as it was (chapter 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EvaluationReason {
    /// Given before the absolute minimum age.
    AgeTooYoung,
    /// Given within the 4-day grace period before the minimum age (still valid).
    AgeGracePeriod,
    /// Given on or after the maximum age.
    AgeTooOld,
    /// Given before the absolute minimum interval.
    IntervalTooSoon,
    /// Given within the grace period before the minimum interval (still valid).
    IntervalGracePeriod,
    /// Given too soon after a conflicting live virus vaccine.
    LiveVirusConflict,
    /// A vaccine type that should not have been given for this dose.
    InadvertentVaccine,
    /// The series was already complete.
    SeriesAlreadyComplete,
    /// Not a preferable or allowable vaccine for the dose.
    NotPreferableOrAllowable,
    /// Given after the lot expired, or with a dose condition.
    ExpiredOrSubStandard,
}

impl EvaluationReason {
    /// CDC wording, as used in the CDC test cases.
    pub fn as_cdc_text(self) -> &'static str {
        match self {
            Self::AgeTooYoung => "Age: Too Young",
            Self::AgeGracePeriod => "Age: Grace Period",
            Self::AgeTooOld => "Age: Too Old",
            Self::IntervalTooSoon => "Interval: Too Soon",
            Self::IntervalGracePeriod => "Interval: Grace Period",
            Self::LiveVirusConflict => "Live Virus Conflict",
            Self::InadvertentVaccine => "Inadvertent Vaccine",
            Self::SeriesAlreadyComplete => "Series Already Complete",
            Self::NotPreferableOrAllowable => "Not a preferable or allowable vaccine",
            Self::ExpiredOrSubStandard => "Sub standard",
        }
    }

    /// Translation key.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::AgeTooYoung => "forecast.reason.age_too_young",
            Self::AgeGracePeriod => "forecast.reason.age_grace_period",
            Self::AgeTooOld => "forecast.reason.age_too_old",
            Self::IntervalTooSoon => "forecast.reason.interval_too_soon",
            Self::IntervalGracePeriod => "forecast.reason.interval_grace_period",
            Self::LiveVirusConflict => "forecast.reason.live_virus_conflict",
            Self::InadvertentVaccine => "forecast.reason.inadvertent_vaccine",
            Self::SeriesAlreadyComplete => "forecast.reason.series_already_complete",
            Self::NotPreferableOrAllowable => "forecast.reason.not_preferable_or_allowable",
            Self::ExpiredOrSubStandard => "forecast.reason.expired_or_sub_standard",
        }
    }

    /// Whether the reason explains a dose that does not count (not just a grace period).
    pub fn is_problem(self) -> bool {
        !matches!(self, Self::AgeGracePeriod | Self::IntervalGracePeriod)
    }

    /// Every variant.
    pub const ALL: [Self; 10] = [
        Self::AgeTooYoung,
        Self::AgeGracePeriod,
        Self::AgeTooOld,
        Self::IntervalTooSoon,
        Self::IntervalGracePeriod,
        Self::LiveVirusConflict,
        Self::InadvertentVaccine,
        Self::SeriesAlreadyComplete,
        Self::NotPreferableOrAllowable,
        Self::ExpiredOrSubStandard,
    ];
}

/// Patient series / vaccine group status (section 3.2, Table 7-10, Table 9-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SeriesStatus {
    /// More doses are needed.
    NotComplete,
    /// The series is complete.
    Complete,
    /// The patient has evidence of immunity.
    Immune,
    /// Too old to receive (more) doses.
    AgedOut,
    /// A contraindication applies.
    Contraindicated,
    /// Not recommended (e.g. past the season, history makes doses unnecessary).
    NotRecommended,
}

impl SeriesStatus {
    /// CDC wording.
    pub fn as_cdc_text(self) -> &'static str {
        match self {
            Self::NotComplete => "Not Complete",
            Self::Complete => "Complete",
            Self::Immune => "Immune",
            Self::AgedOut => "Aged Out",
            Self::Contraindicated => "Contraindicated",
            Self::NotRecommended => "Not Recommended",
        }
    }

    /// Translation key.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::NotComplete => "forecast.status.not_complete",
            Self::Complete => "forecast.status.complete",
            Self::Immune => "forecast.status.immune",
            Self::AgedOut => "forecast.status.aged_out",
            Self::Contraindicated => "forecast.status.contraindicated",
            Self::NotRecommended => "forecast.status.not_recommended",
        }
    }

    /// Every variant.
    pub const ALL: [Self; 6] = [
        Self::NotComplete,
        Self::Complete,
        Self::Immune,
        Self::AgedOut,
        Self::Contraindicated,
        Self::NotRecommended,
    ];
}

/// Why no further dose is forecast (Table 7-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ForecastReason {
    /// Patient series is complete.
    SeriesComplete,
    /// Not recommended at this time due to past immunization history.
    PastImmunizationHistory,
    /// Patient has evidence of immunity.
    EvidenceOfImmunity,
    /// Patient has a contraindication.
    Contraindication,
    /// Past the seasonal recommendation end date.
    PastSeasonalEnd,
    /// Patient has exceeded the maximum age.
    ExceededMaximumAge,
    /// Patient is unable to finish the series before the maximum age.
    CannotFinishBeforeMaximumAge,
}

impl ForecastReason {
    /// Translation key.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::SeriesComplete => "forecast.forecast_reason.series_complete",
            Self::PastImmunizationHistory => "forecast.forecast_reason.past_immunization_history",
            Self::EvidenceOfImmunity => "forecast.forecast_reason.evidence_of_immunity",
            Self::Contraindication => "forecast.forecast_reason.contraindication",
            Self::PastSeasonalEnd => "forecast.forecast_reason.past_seasonal_end",
            Self::ExceededMaximumAge => "forecast.forecast_reason.exceeded_maximum_age",
            Self::CannotFinishBeforeMaximumAge => {
                "forecast.forecast_reason.cannot_finish_before_maximum_age"
            }
        }
    }

    /// Every variant.
    pub const ALL: [Self; 7] = [
        Self::SeriesComplete,
        Self::PastImmunizationHistory,
        Self::EvidenceOfImmunity,
        Self::Contraindication,
        Self::PastSeasonalEnd,
        Self::ExceededMaximumAge,
        Self::CannotFinishBeforeMaximumAge,
    ];
}

/// Forecast fields shared by antigen and vaccine group forecasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastDates {
    /// Status.
    pub status: SeriesStatus,
    /// Dose number forecast (1 based) when a dose is due.
    pub dose_number: Option<u32>,
    /// Earliest date the next dose would be valid (without grace period).
    pub earliest: Option<NaiveDate>,
    /// Recommended date.
    pub recommended: Option<NaiveDate>,
    /// Past-due date.
    pub past_due: Option<NaiveDate>,
    /// Latest date (day before the maximum age).
    pub latest: Option<NaiveDate>,
    /// Why no dose is forecast, when none is.
    pub reason: Option<ForecastReason>,
    /// CVX codes recommended for the next dose (FORECASTRECVAC-1, FORECASTVG-9).
    pub recommended_vaccines: Vec<String>,
}

impl ForecastDates {
    /// A forecast with a status (and why) but no dose due.
    #[must_use]
    pub fn without_dose(status: SeriesStatus, reason: Option<ForecastReason>) -> ForecastDates {
        ForecastDates {
            status,
            dose_number: None,
            earliest: None,
            recommended: None,
            past_due: None,
            latest: None,
            reason,
            recommended_vaccines: Vec::new(),
        }
    }
}

/// The forecast for one vaccine group (chapter 9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaccineGroupForecast {
    /// Vaccine group name, as in the schedule data (e.g. `DTaP/Tdap/Td`).
    pub name: Arc<str>,
    /// Status and dates.
    pub forecast: ForecastDates,
    /// Antigens of the group.
    pub antigens: Arc<[Arc<str>]>,
}

/// The forecast of the best patient series of one antigen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AntigenForecast {
    /// Antigen name.
    pub antigen: Arc<str>,
    /// Name of the best patient series used.
    pub series_name: Arc<str>,
    /// Status and dates.
    pub forecast: ForecastDates,
    /// Whether this is a priority patient series forecast (FORECASTPRIORITY-1): every
    /// preferable interval of the forecast target dose has the interval priority flag.
    pub priority: bool,
}

/// The evaluation of one administered dose for one antigen, in that antigen's best
/// patient series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoseEvaluation {
    /// The dose's `id` from the input.
    pub dose_id: usize,
    /// Antigen.
    pub antigen: Arc<str>,
    /// Series used.
    pub series_name: Arc<str>,
    /// Target dose number (1 based) the dose was evaluated against, if any.
    pub target_dose: Option<u32>,
    /// Status.
    pub status: EvaluationStatus,
    /// Reasons (problems first; grace periods for valid doses).
    pub reasons: Vec<EvaluationReason>,
}

/// The full result for a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// One forecast per vaccine group of the schedule.
    pub vaccine_groups: Vec<VaccineGroupForecast>,
    /// One forecast per antigen with a best patient series.
    pub antigens: Vec<AntigenForecast>,
    /// Dose evaluations, per dose and antigen.
    pub evaluations: Vec<DoseEvaluation>,
}

impl Assessment {
    /// The forecast of a vaccine group by name (case-insensitive).
    pub fn vaccine_group(&self, name: &str) -> Option<&VaccineGroupForecast> {
        self.vaccine_groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }

    /// The status of a dose for a vaccine group: `Not Valid` if not valid for any of the
    /// group's antigens in the dose, else `Valid` if valid for any, else the first
    /// status found. Reasons are those of the antigens with that status. A dose holding
    /// none of the group's antigens is reported with its own antigens' evaluations.
    pub fn dose_status_for_group(
        &self,
        group: &VaccineGroupForecast,
        dose_id: usize,
    ) -> Option<(EvaluationStatus, Vec<EvaluationReason>)> {
        let mut evals: Vec<&DoseEvaluation> = self
            .evaluations
            .iter()
            .filter(|e| e.dose_id == dose_id && group.antigens.contains(&e.antigen))
            .collect();
        if evals.is_empty() {
            // A dose with none of the group's antigens: its own evaluation.
            evals = self
                .evaluations
                .iter()
                .filter(|e| e.dose_id == dose_id)
                .collect();
        }
        let pick = [
            EvaluationStatus::NotValid,
            EvaluationStatus::SubStandard,
            EvaluationStatus::Valid,
            EvaluationStatus::Extraneous,
        ];
        for status in pick {
            let mut reasons: Vec<EvaluationReason> = Vec::new();
            let mut found = false;
            for e in evals.iter().filter(|e| e.status == status) {
                found = true;
                for r in &e.reasons {
                    if !reasons.contains(r) {
                        reasons.push(*r);
                    }
                }
            }
            if found {
                return Some((status, reasons));
            }
        }
        None
    }
}
