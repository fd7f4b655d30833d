//! Washington school and child-care immunization rules, and a child's status under
//! them: complete, conditional, exempt or out of compliance (WAC 246-105-050/-060).
//!
//! The rules are data: `assets/school/wa-rules.csv` (one row per setting, band and
//! rule group) and `assets/school/wa-settings.csv`, embedded and parsed on first use
//! by [`Rules::embedded`]; `assets/school/README.md` describes the columns. No
//! vaccine is special-cased in the code: every count, age and interval is a column.
//! The crate is pure: it takes the CDSi evaluation and forecast the caller already
//! has ([`ChildHistory`]) and returns values.
//!
//! Start with [`evaluate`] (`evaluate.rs` documents every status rule); `count.rs`
//! says which doses count; `rules.rs` reads the table.
//!
//! Grades are not recorded in Salal, so school bands are inferred from the child's age
//! on the first day of the school year (1 September); in the shipped table 4 is the
//! preschool / kindergarten age-4 column, 5 to 11 is K-6 and 12 or older is grades 7-12.

mod count;
mod error;
mod evaluate;
mod history;
mod outcome;
mod rules;
mod settings;
mod table;
mod year;

pub use error::{RulesError, TableName};
pub use evaluate::evaluate;
pub use history::{ChildHistory, GroupOutlook, SchoolDose};
pub use outcome::{GroupResult, Reason, SettingResult, Status};
pub use rules::{AltDoses, Band, BandBasis, Confirmed, Doses, GroupRule, Rules, Setting};
pub use settings::{ExemptionKind, Settings};
pub use year::{SchoolYear, age_in_years, birthday, has_reached_age};

/// The translation key of the notice shown when a result is unconfirmed.
pub const UNCONFIRMED_MESSAGE_KEY: &str = "school.unconfirmed";

/// The rule group key (`hepb`, `dtap`, ...) a CIS row's CDC groups belong to, for the
/// print layer; CDC groups printed on a row without counting (Td on the Tdap row)
/// map too. `None` for a group no rule uses (e.g. `FLU`).
#[must_use]
pub fn group_for_cdc_group<'a>(rules: &'a Rules, cdc_group: &str) -> Option<&'a str> {
    rules.group_for_cdc_group(cdc_group)
}

/// The translation key of a rule group's name, e.g. `school.group.mmr`.
#[must_use]
pub fn group_message_key(group: &str) -> String {
    format!("school.group.{group}")
}
