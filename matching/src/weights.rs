//! The scores each field adds or takes away, and the two decision thresholds.
//!
//! They are data, not code: `assets/matching/weights.json`, embedded at build time
//! ([`Weights::embedded`]) and also readable from any JSON text ([`Weights::from_json`]) so a
//! registry can try other values without a rebuild. Unknown keys are refused, so a misspelt
//! field name is an error rather than a silent zero. Every number must be finite, and the merge
//! threshold must be above the review threshold.

use crate::compare::Level;
use salal_core::search::fold;
use serde::{Deserialize, Serialize};
use thiserror::Error;

const EMBEDDED: &str = include_str!("../../assets/matching/weights.json");

/// Why a weights file was refused.
#[derive(Debug, Error)]
pub enum WeightsError {
    /// Not JSON, or not the expected shape.
    #[error("weights: {0}")]
    Json(#[from] serde_json::Error),
    /// A weight or threshold is NaN or infinite.
    #[error("weights: {field} is not a finite number")]
    NotFinite {
        /// The JSON path of the offending number.
        field: String,
    },
    /// The merge threshold is not above the review threshold.
    #[error("weights: merge threshold {merge} must be above review threshold {review}")]
    Thresholds {
        /// The upper threshold.
        merge: f64,
        /// The lower threshold.
        review: f64,
    },
    /// The dose window is longer than a year.
    #[error("weights: doses.window_days {0} is more than 366")]
    DoseWindow(u32),
}

/// The two score thresholds: at or above `merge` the pair is merged automatically, at or above
/// `review` it goes to the review queue, below it the records are distinct.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Upper threshold (automatic merge).
    pub merge: f64,
    /// Lower threshold (review queue).
    pub review: f64,
}

/// Weights of a field that either agrees or disagrees (identifiers, sex, phone…).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairWeights {
    /// Both present and equal.
    pub agree: f64,
    /// Both present and different.
    pub disagree: f64,
}

/// Weights of a given name (first, middle, mother's first name).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameWeights {
    /// Equal after folding.
    pub agree: f64,
    /// One is a nickname of the other.
    pub nickname: f64,
    /// A typing error apart.
    pub typo: f64,
    /// The words of one are among the words of the other ("María" and "María José").
    pub subset: f64,
    /// One is an initial of the other ("J" and "James").
    pub initial: f64,
    /// Clearly different.
    pub disagree: f64,
}

/// Weights of a set of surnames (the child's, or the mother's maiden name).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurnameWeights {
    /// Same surnames in the same order.
    pub agree: f64,
    /// Same surnames in another order, or hyphenated.
    pub reordered: f64,
    /// One side lacks a surname the other has (a dropped second surname).
    pub subset: f64,
    /// Every surname of the shorter side is a typing error from one of the other's.
    pub typo: f64,
    /// Some surname in common, others different.
    pub overlap: f64,
    /// No surname in common.
    pub disagree: f64,
}

/// Weights of the mother's maiden name.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaidenNameWeights {
    /// Same surnames in the same order.
    pub agree: f64,
    /// Agrees (or one side lacks a surname), but only in surnames both children carry too: in
    /// Spanish naming the child's second surname is the mother's first, so that agreement
    /// says little on its own.
    pub implied: f64,
    /// Same surnames in another order.
    pub reordered: f64,
    /// One side lacks a surname the other has.
    pub subset: f64,
    /// Every surname of the shorter side is a typing error from one of the other's.
    pub typo: f64,
    /// Some surname in common, others different.
    pub overlap: f64,
    /// No surname in common.
    pub disagree: f64,
}

/// Weights of the birth date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateWeights {
    /// The same date.
    pub agree: f64,
    /// Day and month swapped (7 March and 3 July of the same year).
    pub day_month_swapped: f64,
    /// A single digit of YYYYMMDD differs.
    pub one_digit: f64,
    /// Anything else.
    pub disagree: f64,
}

/// Weights of the street address.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressWeights {
    /// The same address after normalising.
    pub agree: f64,
    /// A typing error apart, or the same house number and street name.
    pub partial: f64,
    /// A different address.
    pub disagree: f64,
}

/// Dose de-duplication settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoseWeights {
    /// Two doses of a vaccine group at most this many days apart may be one dose.
    pub window_days: u32,
}

/// Every weight and threshold of the matcher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// Decision thresholds.
    pub thresholds: Thresholds,
    /// Registry patient id.
    pub registry_id: PairWeights,
    /// Birth-certificate number.
    pub birth_certificate: PairWeights,
    /// Medical record number within the same organization.
    pub medical_record: PairWeights,
    /// First (given) name.
    pub first_name: NameWeights,
    /// Middle name.
    pub middle_name: NameWeights,
    /// Last name and second last name together.
    pub surnames: SurnameWeights,
    /// Birth date.
    pub birth_date: DateWeights,
    /// Sex (only F and M compare; U or empty is missing).
    pub sex: PairWeights,
    /// Mother's maiden name.
    pub mother_maiden_name: MaidenNameWeights,
    /// Mother's first name.
    pub mother_first_name: NameWeights,
    /// Multiple-birth order.
    pub multiple_birth: PairWeights,
    /// Street address.
    pub address: AddressWeights,
    /// Postal code (first five characters).
    pub postal_code: PairWeights,
    /// Phone number (last 10 digits, or last 7).
    pub phone: PairWeights,
    /// First names that only say the child had none yet ("Baby Girl", "Bebé"): treated as missing.
    pub placeholder_first_names: Vec<String>,
    /// Dose de-duplication.
    pub doses: DoseWeights,
}

impl Weights {
    /// The weights shipped in `assets/matching/weights.json`.
    ///
    /// # Errors
    /// If the embedded file is invalid (a test checks it is not).
    pub fn embedded() -> Result<Weights, WeightsError> {
        Weights::from_json(EMBEDDED)
    }

    /// Reads and checks weights from JSON text.
    ///
    /// # Errors
    /// Malformed JSON, unknown or missing keys, non-finite numbers, or thresholds out of order.
    pub fn from_json(text: &str) -> Result<Weights, WeightsError> {
        let mut weights: Weights = serde_json::from_str(text)?;
        weights.validate()?;
        weights.placeholder_first_names = weights
            .placeholder_first_names
            .iter()
            .map(|p| fold(p.trim()))
            .filter(|p| !p.is_empty())
            .collect();
        Ok(weights)
    }

    fn validate(&self) -> Result<(), WeightsError> {
        let t = self.thresholds;
        let mut numbers: Vec<(String, f64)> = vec![
            ("thresholds.merge".to_owned(), t.merge),
            ("thresholds.review".to_owned(), t.review),
        ];
        for (name, w) in [
            ("registry_id", self.registry_id),
            ("birth_certificate", self.birth_certificate),
            ("medical_record", self.medical_record),
            ("sex", self.sex),
            ("multiple_birth", self.multiple_birth),
            ("postal_code", self.postal_code),
            ("phone", self.phone),
        ] {
            numbers.push((format!("{name}.agree"), w.agree));
            numbers.push((format!("{name}.disagree"), w.disagree));
        }
        for (name, w) in [
            ("first_name", self.first_name),
            ("middle_name", self.middle_name),
            ("mother_first_name", self.mother_first_name),
        ] {
            for (level, v) in [
                ("agree", w.agree),
                ("nickname", w.nickname),
                ("typo", w.typo),
                ("subset", w.subset),
                ("initial", w.initial),
                ("disagree", w.disagree),
            ] {
                numbers.push((format!("{name}.{level}"), v));
            }
        }
        let s = self.surnames;
        for (level, v) in [
            ("agree", s.agree),
            ("reordered", s.reordered),
            ("subset", s.subset),
            ("typo", s.typo),
            ("overlap", s.overlap),
            ("disagree", s.disagree),
        ] {
            numbers.push((format!("surnames.{level}"), v));
        }
        let m = self.mother_maiden_name;
        for (level, v) in [
            ("agree", m.agree),
            ("implied", m.implied),
            ("reordered", m.reordered),
            ("subset", m.subset),
            ("typo", m.typo),
            ("overlap", m.overlap),
            ("disagree", m.disagree),
        ] {
            numbers.push((format!("mother_maiden_name.{level}"), v));
        }
        let d = self.birth_date;
        for (level, v) in [
            ("agree", d.agree),
            ("day_month_swapped", d.day_month_swapped),
            ("one_digit", d.one_digit),
            ("disagree", d.disagree),
        ] {
            numbers.push((format!("birth_date.{level}"), v));
        }
        let a = self.address;
        for (level, v) in [
            ("agree", a.agree),
            ("partial", a.partial),
            ("disagree", a.disagree),
        ] {
            numbers.push((format!("address.{level}"), v));
        }
        if let Some((field, _)) = numbers.into_iter().find(|(_, v)| !v.is_finite()) {
            return Err(WeightsError::NotFinite { field });
        }
        if t.merge <= t.review {
            return Err(WeightsError::Thresholds {
                merge: t.merge,
                review: t.review,
            });
        }
        if self.doses.window_days > 366 {
            return Err(WeightsError::DoseWindow(self.doses.window_days));
        }
        Ok(())
    }
}

impl PairWeights {
    pub(crate) fn weight(&self, level: Level) -> f64 {
        match level {
            Level::Agree => self.agree,
            Level::Disagree => self.disagree,
            _ => 0.0,
        }
    }
}

impl NameWeights {
    pub(crate) fn weight(&self, level: Level) -> f64 {
        match level {
            Level::Agree => self.agree,
            Level::Nickname => self.nickname,
            Level::Typo => self.typo,
            Level::Subset => self.subset,
            Level::Initial => self.initial,
            Level::Disagree => self.disagree,
            _ => 0.0,
        }
    }
}

impl SurnameWeights {
    pub(crate) fn weight(&self, level: Level) -> f64 {
        match level {
            Level::Agree => self.agree,
            Level::Reordered => self.reordered,
            Level::Subset => self.subset,
            Level::Typo => self.typo,
            Level::Overlap => self.overlap,
            Level::Disagree => self.disagree,
            _ => 0.0,
        }
    }
}

impl MaidenNameWeights {
    pub(crate) fn weight(&self, level: Level) -> f64 {
        match level {
            Level::Agree => self.agree,
            Level::Implied => self.implied,
            Level::Reordered => self.reordered,
            Level::Subset => self.subset,
            Level::Typo => self.typo,
            Level::Overlap => self.overlap,
            Level::Disagree => self.disagree,
            _ => 0.0,
        }
    }
}

impl DateWeights {
    pub(crate) fn weight(&self, level: Level) -> f64 {
        match level {
            Level::Agree => self.agree,
            Level::DayMonthSwapped => self.day_month_swapped,
            Level::OneDigit => self.one_digit,
            Level::Disagree => self.disagree,
            _ => 0.0,
        }
    }
}

impl AddressWeights {
    pub(crate) fn weight(&self, level: Level) -> f64 {
        match level {
            Level::Agree => self.agree,
            Level::Partial => self.partial,
            Level::Disagree => self.disagree,
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_weights_are_valid() {
        let w = Weights::embedded().expect("embedded weights");
        assert!(w.thresholds.merge > w.thresholds.review);
        assert!(w.placeholder_first_names.iter().any(|p| p == "bebe"));
    }

    #[test]
    fn bad_weights_are_refused() {
        assert!(matches!(
            Weights::from_json("{"),
            Err(WeightsError::Json(_))
        ));
        let mut value: serde_json::Value = serde_json::from_str(EMBEDDED).expect("json");
        value["thresholds"]["merge"] = serde_json::json!(1.0);
        assert!(matches!(
            Weights::from_json(&value.to_string()),
            Err(WeightsError::Thresholds { .. })
        ));
        let mut value: serde_json::Value = serde_json::from_str(EMBEDDED).expect("json");
        value["sex"]["agree_typo"] = serde_json::json!(1.0);
        assert!(matches!(
            Weights::from_json(&value.to_string()),
            Err(WeightsError::Json(_))
        ));
        let mut value: serde_json::Value = serde_json::from_str(EMBEDDED).expect("json");
        value["doses"]["window_days"] = serde_json::json!(400);
        assert!(matches!(
            Weights::from_json(&value.to_string()),
            Err(WeightsError::DoseWindow(400))
        ));
    }
}
