//! Immunization events: administered doses, historical doses, refusals,
//! contraindications/precautions and evidence of immunity.
//!
//! [`NewEvent`] is what a clinician enters; [`NewEvent::validate`] checks it
//! against the patient's birth date, today and the code sets, and returns
//! every problem as a typed [`EventFieldError`]. The required fields of an
//! administered dose follow the CDC HL7 v2.5.1 Immunization IG (RXA-5 vaccine,
//! RXA-3 date, RXA-6 amount, RXA-15 lot, RXR-1/2 route and site, and the
//! OBX 64994-7 VFC eligibility and 30963-3 funding source observations).

use crate::codes::{CodeSets, Table, normalize_cvx};
use crate::i18n::{Lang, UserMessage, format_date, tr};
use crate::ids::{EventId, PatientId};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// What kind of immunization event.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Given here, now (RXA-9 = 00).
    #[default]
    Administered,
    /// Given elsewhere, recorded from a card or another record (RXA-9 = 01..08).
    Historical,
    /// The patient or parent declined the vaccine (RXA-20 = RE).
    Refusal,
    /// A contraindication or precaution (OBX 30945-0).
    Contraindication,
    /// Evidence of immunity: history of disease or serology (OBX 59784-9).
    EvidenceOfImmunity,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 5] = [
        EventKind::Administered,
        EventKind::Historical,
        EventKind::Refusal,
        EventKind::Contraindication,
        EventKind::EvidenceOfImmunity,
    ];

    /// The stable text form.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Administered => "administered",
            EventKind::Historical => "historical",
            EventKind::Refusal => "refusal",
            EventKind::Contraindication => "contraindication",
            EventKind::EvidenceOfImmunity => "evidence_of_immunity",
        }
    }

    /// From the text form.
    #[must_use]
    pub fn from_code(code: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    /// Whether the event is a dose the patient received.
    #[must_use]
    pub fn is_dose(self) -> bool {
        matches!(self, EventKind::Administered | EventKind::Historical)
    }
}

/// A Vaccine Information Statement given to the patient.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct VisGiven {
    /// The VIS edition's fully encoded string (see `CodeSets::vis_for`).
    pub document: String,
    /// The date it was given.
    pub presented_on: NaiveDate,
}

/// How much of an event's date is known.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatePrecision {
    /// The day is known.
    #[default]
    Day,
    /// Only the month and year (a paper card that shows no day, as the HL7
    /// IG allows for historical doses). The date is then the first of that
    /// month: the earliest day the dose can have been given, so its own
    /// minimum ages and intervals are never taken as met when they might not be.
    Month,
}

impl DatePrecision {
    /// Whether the day is known (the usual case, left out of stored records).
    #[must_use]
    pub fn is_day(&self) -> bool {
        *self == DatePrecision::Day
    }

    /// The wire form: `day` or `month`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            DatePrecision::Day => "day",
            DatePrecision::Month => "month",
        }
    }

    /// From the wire form (empty is `day`).
    #[must_use]
    pub fn from_code(code: &str) -> Option<DatePrecision> {
        match code.trim() {
            "" | "day" => Some(DatePrecision::Day),
            "month" => Some(DatePrecision::Month),
            _ => None,
        }
    }

    /// The first of the month an ISO `YYYY-MM` names (a date known only to
    /// its month); `None` for anything else, a full date included.
    #[must_use]
    pub fn parse_iso_month(text: &str) -> Option<NaiveDate> {
        let (y, m) = text.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
    }

    /// A date of this precision, as `lang` writes it.
    #[must_use]
    pub fn format(self, lang: Lang, date: NaiveDate) -> String {
        match self {
            DatePrecision::Day => format_date(lang, date),
            DatePrecision::Month => crate::i18n::format_month(date),
        }
    }
}

/// What a clinician enters for one event. Text fields are empty when not given
/// (and left out of its stored JSON, which keeps a large history small).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewEvent {
    /// Chosen by the caller to make a retried save idempotent; a fresh id if `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<EventId>,
    /// The kind of event.
    pub kind: EventKind,
    /// Vaccine (CVX). For a refusal, the vaccine refused.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cvx: String,
    /// The date given (or refused, or observed).
    pub date: Option<NaiveDate>,
    /// How much of `date` is known (only a historical dose may lack its day).
    #[serde(skip_serializing_if = "DatePrecision::is_day")]
    pub date_precision: DatePrecision,
    /// Package NDC, when scanned or known.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ndc: String,
    /// Manufacturer (MVX).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mvx: String,
    /// Lot number.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lot_number: String,
    /// Lot expiry date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot_expiration: Option<NaiveDate>,
    /// Amount in mL, as typed ("0.5").
    #[serde(skip_serializing_if = "String::is_empty")]
    pub amount_ml: String,
    /// Route code (NCIT or HL70162).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub route: String,
    /// Site code (HL70163).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub site: String,
    /// VFC eligibility (HL70064).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub vfc_eligibility: String,
    /// Funding source of the dose (CDCPHINVS).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub funding_source: String,
    /// Who gave the dose.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub administering_provider: String,
    /// For a historical dose: where the information came from (NIP001).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub information_source: String,
    /// For a refusal: the reason (NIP002).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub refusal_reason: String,
    /// For a contraindication or immunity: the coded observation.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub observation_code: String,
    /// VIS documents given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vis: Vec<VisGiven>,
    /// Free-text note.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The user saw the expired-lot warning and records the dose anyway.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub confirm_expired_lot: bool,
}

/// A stored event.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Event {
    /// Id.
    pub id: EventId,
    /// Whose.
    pub patient_id: PatientId,
    /// What was entered (with `id` set and codes normalized).
    pub details: NewEvent,
    /// Marked "entered in error": kept, shown struck through, never counted.
    pub entered_in_error: bool,
    /// Why it was marked in error.
    pub entered_in_error_reason: String,
    /// Who recorded it.
    pub recorded_by: String,
}

/// One problem with an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum EventFieldError {
    /// A field this kind of event needs is empty.
    #[error("required field {0} is empty")]
    Required(&'static str),
    /// Only a historical dose (from a card) may have a date without its day.
    #[error("only a historical dose may have a date without its day")]
    PartialDateNotHistorical,
    /// The date is before the patient was born.
    #[error("date {date} is before the birth date {birth}")]
    DateBeforeBirth {
        /// Event date.
        date: NaiveDate,
        /// Birth date.
        birth: NaiveDate,
    },
    /// The date is after today.
    #[error("date {date} is in the future (today is {today})")]
    DateInFuture {
        /// Event date.
        date: NaiveDate,
        /// Today.
        today: NaiveDate,
    },
    /// No vaccine has this CVX code.
    #[error("unknown CVX code '{0}'")]
    UnknownCvx(String),
    /// No manufacturer has this MVX code.
    #[error("unknown MVX code '{0}'")]
    UnknownMvx(String),
    /// The NDC is not in the crosswalk.
    #[error("unknown NDC '{0}'")]
    UnknownNdc(String),
    /// The NDC is a different vaccine from the CVX chosen.
    #[error("NDC {ndc} is CVX {ndc_cvx}, not {cvx}")]
    NdcDoesNotMatch {
        /// NDC.
        ndc: String,
        /// The NDC's vaccine.
        ndc_cvx: String,
        /// The vaccine chosen.
        cvx: String,
    },
    /// A code is not in its table.
    #[error("'{code}' is not a valid {table:?} code")]
    UnknownCode {
        /// Which table.
        table: Table,
        /// The code.
        code: String,
    },
    /// The lot had expired on the date given (not yet confirmed).
    #[error("lot {lot} expired on {expired_on}, before the dose date {date}")]
    LotExpired {
        /// Lot number.
        lot: String,
        /// Expiry.
        expired_on: NaiveDate,
        /// Dose date.
        date: NaiveDate,
    },
    /// The amount is not a plausible number of mL.
    #[error("amount '{0}' is not a number of mL between 0 and 10")]
    BadAmount(String),
}

fn field_name(lang: Lang, field: &str) -> String {
    tr(lang, &format!("field.{field}")).to_owned()
}

fn table_label(lang: Lang, table: Table) -> String {
    tr(lang, &format!("table.{table:?}")).to_owned()
}

impl UserMessage for EventFieldError {
    fn message_key(&self) -> &'static str {
        match self {
            EventFieldError::Required(_) => "error.event.required",
            EventFieldError::PartialDateNotHistorical => "error.event.partial_date",
            EventFieldError::DateBeforeBirth { .. } => "error.event.date_before_birth",
            EventFieldError::DateInFuture { .. } => "error.event.date_in_future",
            EventFieldError::UnknownCvx(_) => "error.event.unknown_cvx",
            EventFieldError::UnknownMvx(_) => "error.event.unknown_mvx",
            EventFieldError::UnknownNdc(_) => "error.event.unknown_ndc",
            EventFieldError::NdcDoesNotMatch { .. } => "error.event.ndc_mismatch",
            EventFieldError::UnknownCode { .. } => "error.event.unknown_code",
            EventFieldError::LotExpired { .. } => "error.event.lot_expired",
            EventFieldError::BadAmount(_) => "error.event.bad_amount",
        }
    }

    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            EventFieldError::Required(field) => vec![("field", field_name(lang, field))],
            EventFieldError::PartialDateNotHistorical => Vec::new(),
            EventFieldError::DateBeforeBirth { date, birth } => {
                vec![
                    ("date", format_date(lang, *date)),
                    ("birth", format_date(lang, *birth)),
                ]
            }
            EventFieldError::DateInFuture { date, today } => {
                vec![
                    ("date", format_date(lang, *date)),
                    ("today", format_date(lang, *today)),
                ]
            }
            EventFieldError::UnknownCvx(code)
            | EventFieldError::UnknownMvx(code)
            | EventFieldError::UnknownNdc(code)
            | EventFieldError::BadAmount(code) => vec![("code", code.clone())],
            EventFieldError::NdcDoesNotMatch { ndc, ndc_cvx, cvx } => {
                vec![
                    ("ndc", ndc.clone()),
                    ("ndc_cvx", ndc_cvx.clone()),
                    ("cvx", cvx.clone()),
                ]
            }
            EventFieldError::UnknownCode { table, code } => {
                vec![("table", table_label(lang, *table)), ("code", code.clone())]
            }
            EventFieldError::LotExpired {
                lot,
                expired_on,
                date,
            } => vec![
                ("lot", lot.clone()),
                ("expired_on", format_date(lang, *expired_on)),
                ("date", format_date(lang, *date)),
            ],
        }
    }
}

impl NewEvent {
    /// Trims text and normalizes codes (CVX "8" → "08", upper-case MVX).
    #[must_use]
    pub fn normalized(mut self) -> Self {
        for f in [
            &mut self.ndc,
            &mut self.lot_number,
            &mut self.amount_ml,
            &mut self.route,
            &mut self.site,
            &mut self.vfc_eligibility,
            &mut self.funding_source,
            &mut self.administering_provider,
            &mut self.information_source,
            &mut self.refusal_reason,
            &mut self.observation_code,
            &mut self.note,
        ] {
            *f = f.trim().to_owned();
        }
        self.cvx = normalize_cvx(&self.cvx);
        self.mvx = self.mvx.trim().to_ascii_uppercase();
        // A date known to its month is kept as the first of that month.
        if self.date_precision == DatePrecision::Month {
            self.date = self.date.and_then(|d| d.with_day(1));
        }
        self
    }

    /// Every problem with the event for a patient born on `birth` as of `today`.
    #[must_use]
    pub fn validate(
        &self,
        birth: NaiveDate,
        today: NaiveDate,
        codes: &CodeSets,
    ) -> Vec<EventFieldError> {
        let mut errors = Vec::new();
        let require = |field: &'static str, value: &str, errors: &mut Vec<EventFieldError>| {
            if value.trim().is_empty() {
                errors.push(EventFieldError::Required(field));
            }
        };
        // A month-only date is before birth only when its whole month is.
        let born = match self.date_precision {
            DatePrecision::Day => birth,
            DatePrecision::Month => birth.with_day(1).unwrap_or(birth),
        };
        if self.date_precision == DatePrecision::Month && self.kind != EventKind::Historical {
            errors.push(EventFieldError::PartialDateNotHistorical);
        }
        match self.date {
            None => errors.push(EventFieldError::Required("date")),
            Some(date) if date < born => {
                errors.push(EventFieldError::DateBeforeBirth { date, birth })
            }
            Some(date) if date > today => {
                errors.push(EventFieldError::DateInFuture { date, today })
            }
            Some(_) => {}
        }
        let needs_vaccine = !matches!(
            self.kind,
            EventKind::EvidenceOfImmunity | EventKind::Contraindication
        );
        if needs_vaccine {
            require("cvx", &self.cvx, &mut errors);
        }
        if !self.cvx.is_empty() && codes.vaccine(&self.cvx).is_none() {
            errors.push(EventFieldError::UnknownCvx(self.cvx.clone()));
        }
        if !self.mvx.is_empty() && codes.manufacturer(&self.mvx).is_none() {
            errors.push(EventFieldError::UnknownMvx(self.mvx.clone()));
        }
        if !self.ndc.is_empty() {
            match codes.ndc(&self.ndc) {
                None => errors.push(EventFieldError::UnknownNdc(self.ndc.clone())),
                Some(product) if !self.cvx.is_empty() && product.cvx != self.cvx => {
                    errors.push(EventFieldError::NdcDoesNotMatch {
                        ndc: self.ndc.clone(),
                        ndc_cvx: product.cvx.clone(),
                        cvx: self.cvx.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        match self.kind {
            EventKind::Administered => {
                require("lot_number", &self.lot_number, &mut errors);
                require("amount_ml", &self.amount_ml, &mut errors);
                require("route", &self.route, &mut errors);
                require("site", &self.site, &mut errors);
                require("vfc_eligibility", &self.vfc_eligibility, &mut errors);
                require("funding_source", &self.funding_source, &mut errors);
                require(
                    "administering_provider",
                    &self.administering_provider,
                    &mut errors,
                );
                if let (Some(expired_on), Some(date)) = (self.lot_expiration, self.date)
                    && expired_on < date
                    && !self.confirm_expired_lot
                {
                    errors.push(EventFieldError::LotExpired {
                        lot: self.lot_number.clone(),
                        expired_on,
                        date,
                    });
                }
            }
            EventKind::Historical => {}
            EventKind::Refusal => require("refusal_reason", &self.refusal_reason, &mut errors),
            EventKind::Contraindication | EventKind::EvidenceOfImmunity => {
                require("observation_code", &self.observation_code, &mut errors);
            }
        }
        if !self.amount_ml.is_empty() {
            let ok = self
                .amount_ml
                .replace(',', ".")
                .parse::<f64>()
                .is_ok_and(|ml| ml > 0.0 && ml <= 10.0);
            if !ok {
                errors.push(EventFieldError::BadAmount(self.amount_ml.clone()));
            }
        }
        let observation_table = match self.kind {
            EventKind::Contraindication => Some(Table::Contraindication),
            EventKind::EvidenceOfImmunity => Some(Table::EvidenceOfImmunity),
            _ => None,
        };
        for (table, code) in [
            (Some(Table::Route), &self.route),
            (Some(Table::Site), &self.site),
            (Some(Table::VfcEligibility), &self.vfc_eligibility),
            (Some(Table::FundingSource), &self.funding_source),
            (Some(Table::InformationSource), &self.information_source),
            (Some(Table::RefusalReason), &self.refusal_reason),
            (observation_table, &self.observation_code),
        ] {
            if let Some(table) = table
                && !code.is_empty()
                && codes.lookup(table, code).is_none()
            {
                errors.push(EventFieldError::UnknownCode {
                    table,
                    code: code.clone(),
                });
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A complete administered dose of MMR on 2026-01-10.
    fn administered() -> NewEvent {
        NewEvent {
            kind: EventKind::Administered,
            cvx: "3".into(),
            date: Some(day(2026, 1, 10)),
            lot_number: "L123".into(),
            lot_expiration: Some(day(2027, 1, 1)),
            amount_ml: "0.5".into(),
            route: "C38299".into(),
            site: "LA".into(),
            vfc_eligibility: "V02".into(),
            funding_source: "VXC50".into(),
            administering_provider: "RN Ana Pérez".into(),
            ..NewEvent::default()
        }
        .normalized()
    }

    fn check(event: &NewEvent) -> Vec<EventFieldError> {
        event.validate(
            day(2025, 1, 1),
            day(2026, 1, 10),
            CodeSets::embedded().unwrap(),
        )
    }

    #[test]
    fn a_card_that_shows_only_month_and_year_is_a_historical_dose_on_the_first() {
        let card = NewEvent {
            kind: EventKind::Historical,
            cvx: "08".into(),
            date: Some(day(2025, 1, 20)),
            date_precision: DatePrecision::Month,
            information_source: "01".into(),
            ..NewEvent::default()
        }
        .normalized();
        assert_eq!(
            card.date,
            Some(day(2025, 1, 1)),
            "kept as the first of the month"
        );
        // Born 2025-01-01 in `check`: the birth month itself is not before birth.
        assert_eq!(check(&card), vec![]);
        let json = serde_json::to_string(&card).unwrap();
        assert!(json.contains(r#""date_precision":"month""#), "{json}");
        assert!(
            !serde_json::to_string(&administered())
                .unwrap()
                .contains("date_precision"),
            "a full date stays out of the stored record"
        );
        assert_eq!(
            DatePrecision::Month.format(Lang::Es, day(2025, 1, 1)),
            "01/2025"
        );
        // A dose given here always has its day.
        let given = NewEvent {
            date_precision: DatePrecision::Month,
            ..administered()
        }
        .normalized();
        assert!(check(&given).contains(&EventFieldError::PartialDateNotHistorical));
        // A month before the birth month is before birth.
        let early = NewEvent {
            date: Some(day(2024, 12, 5)),
            ..card
        }
        .normalized();
        assert!(matches!(
            check(&early).as_slice(),
            [EventFieldError::DateBeforeBirth { .. }]
        ));
    }

    #[test]
    fn a_complete_administered_dose_is_valid() {
        assert_eq!(check(&administered()), vec![]);
    }

    #[test]
    fn dates_before_birth_or_in_the_future_are_refused() {
        let mut e = administered();
        e.date = Some(day(2024, 12, 31));
        assert!(matches!(
            check(&e)[..],
            [EventFieldError::DateBeforeBirth { .. }]
        ));
        e.date = Some(day(2026, 1, 11));
        assert!(matches!(
            check(&e)[..],
            [EventFieldError::DateInFuture { .. }]
        ));
    }

    #[test]
    fn unknown_codes_and_missing_fields_are_each_reported() {
        let mut e = administered();
        e.cvx = "999999".into();
        e.route = "ZZ".into();
        e.lot_number.clear();
        let errors = check(&e);
        assert!(errors.contains(&EventFieldError::UnknownCvx("999999".into())));
        assert!(errors.contains(&EventFieldError::Required("lot_number")));
        assert!(errors.contains(&EventFieldError::UnknownCode {
            table: Table::Route,
            code: "ZZ".into()
        }));
    }

    #[test]
    fn expired_lot_needs_confirmation() {
        let mut e = administered();
        e.lot_expiration = Some(day(2026, 1, 9));
        assert!(matches!(
            check(&e)[..],
            [EventFieldError::LotExpired { .. }]
        ));
        e.confirm_expired_lot = true;
        assert_eq!(check(&e), vec![]);
    }

    #[test]
    fn historical_doses_need_only_vaccine_and_date() {
        let e = NewEvent {
            kind: EventKind::Historical,
            cvx: "08".into(),
            date: Some(day(2025, 2, 1)),
            ..NewEvent::default()
        };
        assert_eq!(check(&e), vec![]);
        let refusal = NewEvent {
            kind: EventKind::Refusal,
            cvx: "08".into(),
            date: Some(day(2025, 2, 1)),
            ..NewEvent::default()
        };
        assert_eq!(
            check(&refusal),
            vec![EventFieldError::Required("refusal_reason")]
        );
    }

    #[test]
    fn every_error_reads_well_in_both_languages() {
        let errors = [
            EventFieldError::Required("lot_number"),
            EventFieldError::DateBeforeBirth {
                date: day(2024, 1, 2),
                birth: day(2025, 1, 1),
            },
            EventFieldError::DateInFuture {
                date: day(2027, 1, 2),
                today: day(2026, 1, 1),
            },
            EventFieldError::UnknownCvx("999".into()),
            EventFieldError::UnknownMvx("ZZZ".into()),
            EventFieldError::UnknownNdc("1".into()),
            EventFieldError::NdcDoesNotMatch {
                ndc: "1".into(),
                ndc_cvx: "03".into(),
                cvx: "08".into(),
            },
            EventFieldError::UnknownCode {
                table: Table::Site,
                code: "ZZ".into(),
            },
            EventFieldError::LotExpired {
                lot: "L1".into(),
                expired_on: day(2025, 1, 1),
                date: day(2025, 2, 1),
            },
            EventFieldError::BadAmount("abc".into()),
        ];
        for e in errors {
            for lang in Lang::ALL {
                let text = e.localized(lang);
                assert!(
                    !text.contains('{') && !text.starts_with("error."),
                    "{lang}: {text}"
                );
            }
            assert_ne!(e.localized(Lang::En), e.localized(Lang::Es));
        }
    }
}
