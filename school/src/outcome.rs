//! What [`crate::evaluate`] returns: a status per rule group and per setting, in the
//! words of WAC 246-105-050/-060, with the reason behind each and a translation key
//! for every text (`assets/i18n/<lang>/school.json`).

use chrono::NaiveDate;

use crate::rules::{Confirmed, Setting};

/// A status in the words of WAC 246-105 (fully immunized is "complete").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Status {
    /// Every required dose, or evidence of immunity, is recorded.
    Complete,
    /// Catching up within the conditional period (WAC 246-105-060(2)(a)).
    Conditional,
    /// A certificate of exemption or medical contraindication is on file.
    Exempt,
    /// Not complete, not within a conditional period and not exempt.
    OutOfCompliance,
}

impl Status {
    /// Every status, from least to most severe.
    pub const ALL: [Status; 4] = [
        Status::Complete,
        Status::Exempt,
        Status::Conditional,
        Status::OutOfCompliance,
    ];

    /// How much the status stands in the way of attendance; a setting takes the
    /// most severe status of its groups.
    #[must_use]
    pub fn severity(self) -> u8 {
        match self {
            Status::Complete => 0,
            Status::Exempt => 1,
            Status::Conditional => 2,
            Status::OutOfCompliance => 3,
        }
    }

    /// The translation key, e.g. `school.status.out_of_compliance`.
    #[must_use]
    pub fn message_key(self) -> &'static str {
        match self {
            Status::Complete => "school.status.complete",
            Status::Conditional => "school.status.conditional",
            Status::Exempt => "school.status.exempt",
            Status::OutOfCompliance => "school.status.out_of_compliance",
        }
    }
}

/// Why a rule group has its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Reason {
    /// The counted doses reach the required number.
    EnoughDoses,
    /// The smaller alternative count is met, its last dose at or after the required age.
    AltDosesAfterAge,
    /// Fewer doses than the chart, but the CDSi series is complete for the age the
    /// child started (the chart's "fewer doses may be acceptable"; unconfirmed).
    FewerDosesSeriesComplete,
    /// An age-appropriate group whose CDSi series is complete.
    SeriesComplete,
    /// Evidence of immunity is recorded and the group accepts it.
    Immune,
    /// An age-appropriate group with no dose past due.
    AgeAppropriateNotPastDue,
    /// Catching up: the next dose is due by `deadline` (recommended date plus the
    /// conditional period).
    NextDoseWithinConditionalPeriod {
        /// Last day of the conditional period.
        deadline: NaiveDate,
    },
    /// Catching up: the next dose cannot be given before `earliest`.
    NextDoseNotYetEligible {
        /// Earliest date of the next dose.
        earliest: NaiveDate,
    },
    /// Doses are missing and the conditional period has passed (or no next dose is
    /// forecast).
    MissingDoses,
    /// An age-appropriate group whose next dose was past due on `past_due`.
    PastDue {
        /// Past-due date.
        past_due: NaiveDate,
    },
    /// The forecast records a contraindication, but no exemption is on file.
    ContraindicatedWithoutExemption,
    /// An age-appropriate group with no CDSi forecast to judge it by.
    NoForecast,
    /// A certificate of exemption or medical contraindication is on file.
    Exempt,
    /// The group is not required at the child's age (Hib, pneumococcal from age 5).
    NotRequiredAtThisAge,
}

impl Reason {
    /// The translation key, e.g. `school.reason.missing_doses`.
    #[must_use]
    pub fn message_key(&self) -> &'static str {
        match self {
            Reason::EnoughDoses => "school.reason.enough_doses",
            Reason::AltDosesAfterAge => "school.reason.alt_doses_after_age",
            Reason::FewerDosesSeriesComplete => "school.reason.fewer_doses_series_complete",
            Reason::SeriesComplete => "school.reason.series_complete",
            Reason::Immune => "school.reason.immune",
            Reason::AgeAppropriateNotPastDue => "school.reason.age_appropriate_not_past_due",
            Reason::NextDoseWithinConditionalPeriod { .. } => {
                "school.reason.next_dose_within_conditional_period"
            }
            Reason::NextDoseNotYetEligible { .. } => "school.reason.next_dose_not_yet_eligible",
            Reason::MissingDoses => "school.reason.missing_doses",
            Reason::PastDue { .. } => "school.reason.past_due",
            Reason::ContraindicatedWithoutExemption => {
                "school.reason.contraindicated_without_exemption"
            }
            Reason::NoForecast => "school.reason.no_forecast",
            Reason::Exempt => "school.reason.exempt",
            Reason::NotRequiredAtThisAge => "school.reason.not_required_at_this_age",
        }
    }

    /// Values for the text's `{placeholders}`; the caller formats the dates for the
    /// reader's language.
    #[must_use]
    pub fn message_dates(&self) -> Vec<(&'static str, NaiveDate)> {
        match *self {
            Reason::NextDoseWithinConditionalPeriod { deadline } => vec![("deadline", deadline)],
            Reason::NextDoseNotYetEligible { earliest } => vec![("earliest", earliest)],
            Reason::PastDue { past_due } => vec![("past_due", past_due)],
            _ => Vec::new(),
        }
    }
}

/// The status of one rule group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupResult {
    /// Rule group key.
    pub group: String,
    /// CDC vaccine groups whose doses count.
    pub cdc_groups: Vec<String>,
    /// Status.
    pub status: Status,
    /// Doses required; `None` for an age-appropriate group.
    pub doses_required: Option<u32>,
    /// Doses that count under the group's conditions.
    pub doses_counted: u32,
    /// How firmly the sources back the rule as applied.
    pub confirmed: Confirmed,
    /// Why.
    pub reason: Reason,
}

/// The status in one setting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SettingResult {
    /// Setting.
    pub setting: Setting,
    /// Band name (its label's key is `school.band.<band>`).
    pub band: String,
    /// The most severe status of the groups (complete when there are none).
    pub status: Status,
    /// One result per rule group of the band, in table order.
    pub groups: Vec<GroupResult>,
    /// Whether a rule used is unconfirmed or inferred, or the date is outside the
    /// school year the table describes (show `school.unconfirmed`).
    pub unconfirmed: bool,
}

/// The most severe of `statuses`; complete when there are none.
pub(crate) fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
    statuses
        .into_iter()
        .max_by_key(|status| status.severity())
        .unwrap_or(Status::Complete)
}
