//! Dose de-duplication: when two reported doses are one dose, and which report to show.
//!
//! Two reports are the same dose when they are of the same vaccine group, their dates are at
//! most `doses.window_days` apart (from `assets/matching/weights.json`), their CVX codes are
//! compatible (equal, or one of them is an "unspecified formulation" code, which the caller
//! names: the list comes from the CVX code set, not from this crate) and their lots are
//! compatible (equal after folding and dropping spaces and punctuation, or one is empty).
//! Of a group of duplicates the most complete report is shown ([`most_complete`]).

use crate::prepare::code;
use crate::weights::Weights;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A dose as one source reported it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DoseRecord {
    /// CDC vaccine group ("DTAP", "HepB", …).
    pub vaccine_group: String,
    /// CVX code.
    pub cvx: String,
    /// Date administered.
    pub date: NaiveDate,
    /// Lot number; empty if not reported.
    #[serde(default)]
    pub lot: String,
    /// Who reported it (organization id, "historical card", …).
    #[serde(default)]
    pub source: String,
    /// Manufacturer (MVX); empty if not reported.
    #[serde(default)]
    pub manufacturer: String,
    /// NDC of the product; empty if not reported.
    #[serde(default)]
    pub ndc: String,
    /// Lot expiration date.
    #[serde(default)]
    pub expiration: Option<NaiveDate>,
    /// Route code; empty if not reported.
    #[serde(default)]
    pub route: String,
    /// Body site code; empty if not reported.
    #[serde(default)]
    pub site: String,
    /// Who gave the dose; empty if not reported.
    #[serde(default)]
    pub administered_by: String,
    /// Whether the source administered the dose itself (not transcribed from history).
    #[serde(default)]
    pub administered: bool,
}

impl DoseRecord {
    /// How many of the optional facts this report fills in (the completeness score).
    #[must_use]
    pub fn filled_fields(&self) -> usize {
        let texts = [
            &self.lot,
            &self.manufacturer,
            &self.ndc,
            &self.route,
            &self.site,
            &self.administered_by,
        ];
        texts.iter().filter(|t| !t.trim().is_empty()).count()
            + usize::from(self.expiration.is_some())
            + usize::from(self.administered)
            + usize::from(!self.cvx.trim().is_empty())
    }
}

/// What makes two dose reports duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DoseRules {
    /// The longest gap, in days, between two reports of one dose.
    pub window_days: u32,
    /// CVX codes meaning "unspecified formulation" (compatible with any CVX of their group).
    pub unspecified_cvx: BTreeSet<String>,
}

impl DoseRules {
    /// Rules with the window of `weights` and the caller's unspecified CVX codes.
    #[must_use]
    pub fn new<I, S>(weights: &Weights, unspecified_cvx: I) -> DoseRules
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        DoseRules {
            window_days: weights.doses.window_days,
            unspecified_cvx: unspecified_cvx
                .into_iter()
                .filter_map(|c| cvx(c.as_ref()))
                .collect(),
        }
    }
}

/// A CVX code without spaces or leading zeros ("08" and "8" are one code).
fn cvx(text: &str) -> Option<String> {
    let code = code(text)?;
    let trimmed = code.trim_start_matches('0');
    Some(if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    })
}

/// Whether two reports are one dose (see the module doc).
#[must_use]
pub fn duplicates(a: &DoseRecord, b: &DoseRecord, rules: &DoseRules) -> bool {
    let (Some(group_a), Some(group_b)) = (code(&a.vaccine_group), code(&b.vaccine_group)) else {
        return false;
    };
    if group_a != group_b {
        return false;
    }
    let gap = (a.date - b.date).num_days().unsigned_abs();
    if gap > u64::from(rules.window_days) {
        return false;
    }
    let cvx_ok = match (cvx(&a.cvx), cvx(&b.cvx)) {
        (Some(x), Some(y)) => {
            x == y || rules.unspecified_cvx.contains(&x) || rules.unspecified_cvx.contains(&y)
        }
        // A report without a CVX says nothing against the other.
        _ => true,
    };
    let lot_ok = match (code(&a.lot), code(&b.lot)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    cvx_ok && lot_ok
}

/// Which of several reports of one dose to show: the one with the most filled fields; on a
/// tie the earliest source, i.e. the first in the slice (callers pass reports in the order
/// they were received). `None` for no reports.
#[must_use]
pub fn most_complete(doses: &[DoseRecord]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, dose) in doses.iter().enumerate() {
        let filled = dose.filled_fields();
        if best.is_none_or(|(_, most)| filled > most) {
            best = Some((i, filled));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dose(group: &str, cvx: &str, day: u32, lot: &str) -> DoseRecord {
        DoseRecord {
            vaccine_group: group.to_owned(),
            cvx: cvx.to_owned(),
            date: NaiveDate::from_ymd_opt(2024, 5, day).unwrap_or_default(),
            lot: lot.to_owned(),
            source: "clinic".to_owned(),
            ..DoseRecord::default()
        }
    }

    fn rules() -> DoseRules {
        let weights = Weights::embedded().expect("weights");
        DoseRules::new(&weights, ["107", "45", "088"])
    }

    #[test]
    fn same_dose_reported_twice() {
        let r = rules();
        assert!(duplicates(
            &dose("DTAP", "20", 10, "AB12"),
            &dose("dtap", "20", 12, "ab-12 "),
            &r
        ));
        // Unspecified DTaP (107) against a specific DTaP product.
        assert!(duplicates(
            &dose("DTAP", "107", 10, ""),
            &dose("DTAP", "20", 10, "AB12"),
            &r
        ));
        // Leading zeros do not matter: "88" is the listed "088".
        assert!(duplicates(
            &dose("FLU", "88", 10, ""),
            &dose("FLU", "141", 11, ""),
            &r
        ));
    }

    #[test]
    fn different_doses() {
        let r = rules();
        assert!(!duplicates(
            &dose("DTAP", "20", 1, "AB12"),
            &dose("DTAP", "20", 10, "AB12"),
            &r
        ));
        assert!(!duplicates(
            &dose("DTAP", "20", 10, "AB12"),
            &dose("DTAP", "110", 10, "AB12"),
            &r
        ));
        assert!(!duplicates(
            &dose("DTAP", "20", 10, "AB12"),
            &dose("DTAP", "20", 10, "XY99"),
            &r
        ));
        assert!(!duplicates(
            &dose("DTAP", "20", 10, ""),
            &dose("HEPB", "45", 10, ""),
            &r
        ));
        assert!(!duplicates(
            &dose("", "20", 10, ""),
            &dose("", "20", 10, ""),
            &r
        ));
    }

    #[test]
    fn most_complete_report_wins_and_ties_go_to_the_first() {
        let mut card = dose("MMR", "03", 3, "");
        card.source = "card".to_owned();
        let mut clinic = dose("MMR", "03", 3, "L1");
        clinic.manufacturer = "MSD".to_owned();
        clinic.administered = true;
        assert_eq!(most_complete(&[card.clone(), clinic.clone()]), Some(1));
        assert_eq!(most_complete(&[clinic.clone(), clinic]), Some(0));
        assert_eq!(most_complete(&[card]), Some(0));
        assert_eq!(most_complete(&[]), None);
    }
}
