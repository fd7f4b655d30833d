//! The inventory's reference tables, kept as data in `assets/inventory/` and
//! embedded at build time:
//!
//! - `reasons.csv`: reason codes for count adjustments, non-viable vaccine
//!   (wasted, expired, spoiled: whether it must be returned or only reported,
//!   and within how many days) and borrowing between funding sources.
//! - `funding.csv`: each funding source code (CDCPHINVS) and its program
//!   (`vfc`, `public`, `state`, `private`, `other`).
//! - `eligibility.csv`: which VFC eligibility codes (HL7 0064) make a child
//!   VFC-eligible.
//! - `age-groups.csv`: the age groups of the doses-administered report.
//! - `temperature.csv`: each kind of storage unit and its allowed range in °C
//!   (an empty bound means none).

use salal_core::i18n::Lang;
use serde::Deserialize;
use std::sync::OnceLock;

const REASONS: &str = include_str!("../../assets/inventory/reasons.csv");
const FUNDING: &str = include_str!("../../assets/inventory/funding.csv");
const ELIGIBILITY: &str = include_str!("../../assets/inventory/eligibility.csv");
const AGE_GROUPS: &str = include_str!("../../assets/inventory/age-groups.csv");
const TEMPERATURE: &str = include_str!("../../assets/inventory/temperature.csv");

/// What a reason code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonUse {
    /// A physical count's adjustment.
    Adjustment,
    /// Non-viable vaccine (wasted, expired, spoiled).
    Waste,
    /// Borrowing between funding sources.
    Borrow,
}

/// What must happen to non-viable vaccine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WasteAction {
    /// Unopened vaccine goes back to the distributor (expired, spoiled).
    Return,
    /// Opened or broken vaccine is reported, not returned.
    Report,
}

/// One reason code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Reason {
    /// The code (`count_error`, `expired`, ...).
    pub code: String,
    /// What it is for.
    pub applies_to: ReasonUse,
    /// For waste: the ledger kind it records (`wasted`, `expired`, `spoiled`).
    pub kind: String,
    /// For waste: return or report.
    pub action: Option<WasteAction>,
    /// For waste: days to return or report it.
    pub deadline_days: Option<i64>,
    /// English label.
    pub en: String,
    /// Spanish label.
    pub es: String,
}

impl Reason {
    /// The label in `lang`.
    #[must_use]
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Es => &self.es,
        }
    }
}

/// A funding source's program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingProgram {
    /// Vaccines for Children.
    Vfc,
    /// Other public funds (317, federal).
    Public,
    /// State-purchased.
    State,
    /// Privately purchased.
    Private,
    /// Other or unspecified.
    Other,
}

#[derive(Debug, Clone, Deserialize)]
struct FundingRow {
    code: String,
    program: FundingProgram,
}

#[derive(Debug, Clone, Deserialize)]
struct EligibilityRow {
    code: String,
    vfc_eligible: String,
}

/// One age group of the doses-administered report.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AgeGroup {
    /// The code (`under_1`, `1_6`, ...).
    pub code: String,
    /// From this age in whole months.
    pub from_months: u32,
    /// Up to and including this age in whole months (none: no upper bound).
    pub to_months: Option<u32>,
    /// English label.
    pub en: String,
    /// Spanish label.
    pub es: String,
}

impl AgeGroup {
    /// The label in `lang`.
    #[must_use]
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Es => &self.es,
        }
    }
}

/// A kind of storage unit and its allowed temperatures.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UnitKind {
    /// The code (`refrigerator`, `freezer`).
    pub kind: String,
    /// The lowest allowed temperature, °C.
    pub min_c: Option<f64>,
    /// The highest allowed temperature, °C.
    pub max_c: Option<f64>,
    /// English label.
    pub en: String,
    /// Spanish label.
    pub es: String,
}

impl UnitKind {
    /// The label in `lang`.
    #[must_use]
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Es => &self.es,
        }
    }

    /// Whether `celsius` is inside the allowed range.
    #[must_use]
    pub fn allows(&self, celsius: f64) -> bool {
        self.min_c.is_none_or(|min| celsius >= min) && self.max_c.is_none_or(|max| celsius <= max)
    }
}

/// Every table.
#[derive(Debug, Clone)]
pub struct Tables {
    /// Reason codes.
    pub reasons: Vec<Reason>,
    funding: Vec<FundingRow>,
    eligibility: Vec<EligibilityRow>,
    /// Report age groups, youngest first.
    pub age_groups: Vec<AgeGroup>,
    /// Storage unit kinds.
    pub unit_kinds: Vec<UnitKind>,
}

fn read<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<Vec<T>, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| row.map_err(|e| format!("{name} line {}: {e}", i + 2)))
        .collect()
}

impl Tables {
    /// The tables of `assets/inventory/`, parsed once.
    ///
    /// # Panics
    /// Never for the shipped tables (a test parses them); a damaged table is a build defect.
    #[must_use]
    pub fn embedded() -> &'static Tables {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        TABLES.get_or_init(|| {
            Tables::parse(REASONS, FUNDING, ELIGIBILITY, AGE_GROUPS, TEMPERATURE)
                .unwrap_or_else(|e| panic!("assets/inventory: {e}"))
        })
    }

    /// Parses the five tables.
    ///
    /// # Errors
    /// The first row that cannot be read, with its file and line.
    pub fn parse(
        reasons: &str,
        funding: &str,
        eligibility: &str,
        age_groups: &str,
        temperature: &str,
    ) -> Result<Tables, String> {
        Ok(Tables {
            reasons: read("reasons.csv", reasons)?,
            funding: read("funding.csv", funding)?,
            eligibility: read("eligibility.csv", eligibility)?,
            age_groups: read("age-groups.csv", age_groups)?,
            unit_kinds: read("temperature.csv", temperature)?,
        })
    }

    /// A reason code for `applies_to`.
    #[must_use]
    pub fn reason(&self, code: &str, applies_to: ReasonUse) -> Option<&Reason> {
        self.reasons
            .iter()
            .find(|r| r.code == code && r.applies_to == applies_to)
    }

    /// The reasons for `applies_to`, in table order.
    pub fn reasons_for(&self, applies_to: ReasonUse) -> impl Iterator<Item = &Reason> {
        self.reasons
            .iter()
            .filter(move |r| r.applies_to == applies_to)
    }

    /// A funding source's program, if the code is known.
    #[must_use]
    pub fn funding_program(&self, code: &str) -> Option<FundingProgram> {
        self.funding
            .iter()
            .find(|f| f.code.eq_ignore_ascii_case(code))
            .map(|f| f.program)
    }

    /// The funding source codes, in table order.
    pub fn funding_codes(&self) -> impl Iterator<Item = &str> {
        self.funding.iter().map(|f| f.code.as_str())
    }

    /// Whether a VFC eligibility code makes the child VFC-eligible (unknown: no).
    #[must_use]
    pub fn vfc_eligible(&self, eligibility: &str) -> bool {
        self.eligibility
            .iter()
            .any(|e| e.code.eq_ignore_ascii_case(eligibility) && e.vfc_eligible == "yes")
    }

    /// The age group of someone `months` old.
    #[must_use]
    pub fn age_group(&self, months: u32) -> Option<&AgeGroup> {
        self.age_groups
            .iter()
            .find(|g| months >= g.from_months && g.to_months.is_none_or(|to| months <= to))
    }

    /// A kind of storage unit.
    #[must_use]
    pub fn unit_kind(&self, kind: &str) -> Option<&UnitKind> {
        self.unit_kinds.iter().find(|k| k.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_tables_parse_and_cover_what_the_ledger_needs() {
        let t = Tables::embedded();
        for use_ in [ReasonUse::Adjustment, ReasonUse::Waste, ReasonUse::Borrow] {
            assert!(t.reasons_for(use_).count() >= 3, "{use_:?}");
        }
        for r in t.reasons_for(ReasonUse::Waste) {
            assert!(
                r.action.is_some() && r.deadline_days.is_some(),
                "{}",
                r.code
            );
            assert!(["wasted", "expired", "spoiled"].contains(&r.kind.as_str()));
        }
        assert_eq!(t.funding_program("VXC51"), Some(FundingProgram::Vfc));
        assert_eq!(t.funding_program("phc70"), Some(FundingProgram::Private));
        assert!(t.vfc_eligible("V02") && !t.vfc_eligible("V01") && !t.vfc_eligible("V99"));
        assert_eq!(t.age_group(0).unwrap().code, "under_1");
        assert_eq!(t.age_group(11).unwrap().code, "under_1");
        assert_eq!(t.age_group(12).unwrap().code, "1_6");
        assert_eq!(t.age_group(227).unwrap().code, "7_18");
        assert_eq!(t.age_group(900).unwrap().code, "19_up");
        let fridge = t.unit_kind("refrigerator").unwrap();
        assert!(
            fridge.allows(2.0) && fridge.allows(8.0) && !fridge.allows(8.1) && !fridge.allows(1.9)
        );
        let freezer = t.unit_kind("freezer").unwrap();
        assert!(freezer.allows(-40.0) && freezer.allows(-15.0) && !freezer.allows(-14.9));
    }

    #[test]
    fn a_damaged_table_names_its_file_and_line() {
        let err = Tables::parse(
            REASONS,
            "code,program\nVXC51,vfc\nX,nonsense\n",
            ELIGIBILITY,
            AGE_GROUPS,
            TEMPERATURE,
        )
        .unwrap_err();
        assert!(err.starts_with("funding.csv line 3"), "{err}");
    }
}
