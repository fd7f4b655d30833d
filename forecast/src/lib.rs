//! CDC CDSi evaluation and forecasting engine.
//!
//! A pure library (no IO) implementing the CDC *Logic Specification for ACIP
//! Recommendations* (v4.6) driven by the CDC supporting data: relevant patient series
//! (chapter 5), dose evaluation (chapter 6), forecasting (chapter 7), best patient series
//! (chapter 8) and vaccine group forecasts (chapter 9).
//!
//! The supporting data is parsed from XML strings: [`SupportingData::embedded`] uses the
//! files found at build time (see `build.rs`, `SALAL_CDSI_DIR`), and
//! [`SupportingData::from_xml`] takes any text. Build one [`Engine`] per process.
//!
//! ```
//! use chrono::NaiveDate;
//! use salal_forecast::{AdministeredDose, Engine, Gender, PatientInput, SeriesStatus, SupportingData};
//!
//! let engine = Engine::new(&SupportingData::embedded().expect("CDC supporting data"));
//! let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
//! let patient = PatientInput {
//!     birth_date: day(2025, 1, 10),
//!     gender: Gender::Female,
//!     assessment_date: day(2025, 6, 1),
//!     doses: vec![AdministeredDose::new(0, day(2025, 3, 12), "110")],
//!     observations: vec![],
//!     birth_country: None,
//! };
//! let assessment = engine.assess(&patient);
//! let polio = assessment.vaccine_group("Polio").expect("polio forecast");
//! assert_eq!(polio.forecast.status, SeriesStatus::NotComplete);
//! assert_eq!(polio.forecast.dose_number, Some(2));
//! // Per-dose status and reasons for the group, with translation keys for the UI.
//! let (status, reasons) = assessment.dose_status_for_group(polio, 0).expect("evaluated");
//! println!("{} {:?}", status.message_key(), reasons.iter().map(|r| r.message_key()).collect::<Vec<_>>());
//! ```

pub mod data;
pub mod dates;
pub mod error;
pub mod i18n;

pub use data::{Cvx, Gender, SupportingData};
pub use error::DataError;
pub mod check;
pub mod model;

#[cfg(test)]
mod date_properties;
mod engine;
mod evaluate;
mod forecast;
mod group;
mod select;
mod skip;
mod types;

pub use engine::Engine;
pub use model::{
    AdministeredDose, AntigenForecast, Assessment, DoseEvaluation, EvaluationReason,
    EvaluationStatus, ForecastDates, ForecastReason, PatientInput, PatientObservation,
    SeriesStatus, VaccineGroupForecast,
};
