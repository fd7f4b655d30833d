//! Registry patient matching and dose de-duplication, as pure functions.
//!
//! When a clinic reports a patient, the registry must decide whether it already knows that
//! person. [`Matcher::compare`] scores two [`MatchRecord`]s field by field and decides
//! [`Decision::Merge`], [`Decision::Review`] (registry staff look) or [`Decision::Distinct`];
//! [`Matcher::best`] picks among the candidates that [`blocking_keys`] fetched. The weights and
//! thresholds are data (`assets/matching/weights.json`), and so are the nicknames
//! (`assets/matching/nicknames.csv`); both are embedded at build time.
//!
//! Names are folded with `salal_core::search::fold` (case and accents), and typing errors are
//! measured with a restricted Damerau-Levenshtein distance written in [`similarity`] (no string
//! similarity crate). [`doses`] says when two reported doses are one, and which report to show.
//! [`corpus`] generates labelled pairs under a documented corruption model, which the tests and
//! the `quality` example measure the matcher against.
//!
//! Nothing here reads files, the network or the clock, and no input makes it panic.

pub mod blocking;
pub mod compare;
pub mod corpus;
pub mod doses;
pub mod nicknames;
mod prepare;
pub mod record;
pub mod similarity;
pub mod weights;

pub use blocking::{KEYS_VERSION, blocking_keys};
pub use compare::{
    Comparison, Contribution, Decision, Field, Level, Matcher, MatcherError, Outcome, Rule,
};
pub use doses::{DoseRecord, DoseRules, duplicates, most_complete};
pub use nicknames::{NicknameError, Nicknames};
pub use record::{MatchRecord, MedicalRecordNumber};
pub use weights::{Weights, WeightsError};
