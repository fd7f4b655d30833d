//! Immunization events: the "record a dose" form and the record's rows.

use serde::{Deserialize, Serialize};

/// What kind of event is being recorded.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Given here, today or on the date entered.
    #[default]
    Administered,
    /// Given elsewhere, copied from a card or another record.
    Historical,
    /// The patient or guardian declined the vaccine.
    Refusal,
    /// A contraindication or precaution.
    Contraindication,
    /// Evidence of immunity (e.g. history of disease).
    Immunity,
}

impl EventKind {
    /// Every kind, in the order the form offers them.
    pub const ALL: [EventKind; 5] = [
        EventKind::Administered,
        EventKind::Historical,
        EventKind::Refusal,
        EventKind::Contraindication,
        EventKind::Immunity,
    ];

    /// The stable text form (also the translation key suffix).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Administered => "administered",
            EventKind::Historical => "historical",
            EventKind::Refusal => "refusal",
            EventKind::Contraindication => "contraindication",
            EventKind::Immunity => "immunity",
        }
    }
}

/// The "record a dose" form. Empty text means "not given"; the shell validates.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EventForm {
    /// The new event's id (UUID text), chosen when the form opened, so saving
    /// the same form twice saves one event; empty lets the shell choose.
    pub id: String,
    /// The patient's id.
    pub patient_id: String,
    /// What kind of event.
    pub kind: EventKind,
    /// Vaccine CVX code.
    pub cvx: String,
    /// ISO date of the event.
    pub date: String,
    /// Lot number.
    pub lot_number: String,
    /// ISO expiry date of the lot.
    pub lot_expiry: String,
    /// Manufacturer MVX code.
    pub mvx: String,
    /// Body site code.
    pub site: String,
    /// Route code.
    pub route: String,
    /// Amount in mL, as typed ("0.5").
    pub amount_ml: String,
    /// Whether the Vaccine Information Statement was given.
    pub vis_given: bool,
    /// VFC eligibility code.
    pub vfc_eligibility: String,
    /// Funding source code.
    pub funding_source: String,
    /// Administering provider's name.
    pub administering_provider: String,
    /// Where a historical dose was given, if known.
    pub source_note: String,
    /// Refusal reason code.
    pub refusal_reason: String,
    /// Contraindication code.
    pub contraindication: String,
    /// Evidence-of-immunity code.
    pub immunity: String,
    /// The lot in stock the dose is taken from (its id, UUID text); empty
    /// when the lot was typed by hand. A dose from stock takes its lot
    /// number, expiry and funding source from the lot.
    pub lot_id: String,
    /// The storage unit of that lot (empty: the unit holding the most of it).
    pub stock_unit: String,
    /// The codes of the warnings the clinician confirmed (see
    /// [`crate::inventory::DoseWarningView`]).
    pub confirmed: Vec<String>,
}

/// What saving the dose form did.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EventSaved {
    /// Saved.
    Saved {
        /// The new event's id.
        id: String,
        /// Warnings to show, already in the user's language (a lot whose
        /// stock went below zero…); the event is saved.
        warnings: Vec<String>,
    },
    /// Nothing was saved: these warnings need the clinician's confirmation
    /// first; the form sends their codes in [`EventForm::confirmed`].
    NeedsConfirmation {
        /// Each warning, with its code and message.
        warnings: Vec<crate::inventory::DoseWarningView>,
    },
}

/// One event as the record lists it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct EventRow {
    /// The event's id.
    pub id: String,
    /// What kind of event.
    pub kind: EventKind,
    /// ISO date.
    pub date: String,
    /// Vaccine CVX code.
    pub cvx: String,
    /// Vaccine name.
    pub vaccine: String,
    /// Lot number, if recorded.
    pub lot_number: String,
    /// A short detail line: site/route/amount, refusal reason, source…
    pub detail: String,
    /// Entered in error: shown struck through, never counted.
    pub entered_in_error: bool,
    /// Why it was entered in error.
    #[serde(default)]
    pub entered_in_error_reason: String,
}

/// Mark an event entered in error.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct EnteredInErrorRequest {
    /// The patient's id.
    pub patient_id: String,
    /// The event's id.
    pub event_id: String,
    /// Why it was entered in error (required).
    #[serde(default)]
    pub reason: String,
}
