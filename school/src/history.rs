//! What the caller knows about a child: doses with their CDSi evaluation, the CDSi
//! forecast per vaccine group, evidence of immunity and exemptions.
//!
//! This crate runs no evaluation of its own: `valid` and the outlook come from the
//! CDSi engine (the `forecast` crate), so ACIP minimum ages and intervals are already
//! applied. The rule table only adds Washington's own conditions on top (Tdap at 10
//! or older, MMR on or after the 1st birthday, ...).

use chrono::NaiveDate;

/// One administered dose, as the school rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolDose {
    /// Date given.
    pub date: NaiveDate,
    /// CDC vaccine groups of the product (CVX code set names: `DTAP`, `HIB`, ...); a
    /// combination vaccine lists each.
    pub cdc_groups: Vec<String>,
    /// Whether the CDSi evaluation counted the dose.
    pub valid: bool,
}

/// The CDSi forecast of one vaccine group on the evaluation date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOutlook {
    /// CDSi vaccine group name (`DTaP/Tdap/Td`, `Polio`, ...).
    pub cdsi_group: String,
    /// Series complete, immune, aged out or not recommended.
    pub complete: bool,
    /// Immune (evidence of immunity recorded in the CDSi input).
    pub immune: bool,
    /// A contraindication stops the series.
    pub contraindicated: bool,
    /// Earliest date of the next dose.
    pub earliest: Option<NaiveDate>,
    /// Recommended date of the next dose.
    pub recommended: Option<NaiveDate>,
    /// Date the next dose is past due.
    pub past_due: Option<NaiveDate>,
}

/// A child's record, as input to [`crate::evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildHistory {
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Administered doses, in any order.
    pub doses: Vec<SchoolDose>,
    /// CDSi forecasts, one per vaccine group.
    pub outlook: Vec<GroupOutlook>,
    /// CDC vaccine groups with evidence of immunity recorded (health-care-provider
    /// verified disease history or serology; not a parent's report).
    pub immunity_cdc_groups: Vec<String>,
    /// Rule group keys (`mmr`, ...) with a certificate of exemption or a medical
    /// contraindication on file. The caller checks the exemption kind is allowed for
    /// the group ([`crate::Rules::exemption_kinds`]).
    pub exempt_groups: Vec<String>,
}
