//! Salal's domain: the words the clinic app, the registry and the tests share.
//!
//! Everything here is pure: no files, no network, no database, no clock (time
//! and randomness are passed in, or come from the `rng` feature for id
//! generation). The crate also builds for `wasm32-unknown-unknown` so the UI
//! uses the same types and translations.
//!
//! Start with [`patient`] and [`event`] (immunization events: administered and
//! historical doses, refusals, contraindications, evidence of immunity), then
//! [`codes`] (CVX, MVX, NDC and HL7 tables read from the shared code sets) and
//! [`i18n`] (English and Spanish messages for every user-facing error).

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

pub mod codes;
pub mod consent;
pub mod event;
pub mod hlc;
pub mod i18n;
pub mod ids;
pub mod patient;
pub mod search;
pub mod user;

pub use chrono::NaiveDate;
