//! The settings table (`assets/school/wa-settings.csv`): values that hold for every
//! rule row, as `key,value,confirmed,source` rows.
//!
//! Keys: `school_year` (the year the rule table describes, `2025-26`),
//! `school_year_start` (`MM-DD`), `conditional_period_days` (WAC 246-105-060(2)(a)),
//! `grace_days` (the ACIP 4-day grace applied to the table's own minimum ages and
//! intervals), and `exemption_kinds.default` / `exemption_kinds.<group>` (which
//! certificate-of-exemption kinds may exempt a group). Unknown keys are errors so a
//! typo cannot be silently ignored.

use chrono::NaiveDate;

use crate::error::{RulesError, TableName};
use crate::rules::Confirmed;
use crate::table::{Row, Table};
use crate::year::SchoolYear;

/// A kind of certificate of exemption (COE, DOH 348-106; RCW 28A.210.090).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ExemptionKind {
    /// A practitioner judges the vaccine not advisable (temporary or permanent).
    Medical,
    /// Religious.
    Religious,
    /// Membership in a church that forbids medical treatment.
    ReligiousMembership,
    /// Personal or philosophical.
    Personal,
}

impl ExemptionKind {
    fn from_key(key: &str) -> Option<ExemptionKind> {
        match key {
            "medical" => Some(ExemptionKind::Medical),
            "religious" => Some(ExemptionKind::Religious),
            "religious_membership" => Some(ExemptionKind::ReligiousMembership),
            "personal" => Some(ExemptionKind::Personal),
            _ => None,
        }
    }
}

/// Values shared by every rule row.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// The school year the rule table describes.
    pub school_year: SchoolYear,
    /// Month the school year starts (9).
    pub school_year_start_month: u32,
    /// Day of the month the school year starts (1).
    pub school_year_start_day: u32,
    /// Days after a next dose's recommended date during which a catching-up child is
    /// conditional (30).
    pub conditional_period_days: u32,
    /// Days of grace on the table's minimum ages and spacings (ACIP: 4).
    pub grace_days: u32,
    /// Whether the grace days are confirmed for Washington.
    pub grace_days_confirmed: Confirmed,
    default_exemption_kinds: Vec<ExemptionKind>,
    exemption_kinds: Vec<(String, Vec<ExemptionKind>)>,
}

const COLUMNS: [&str; 4] = ["key", "value", "confirmed", "source"];

impl Settings {
    /// Parses the settings table.
    pub(crate) fn parse(text: &str) -> Result<Settings, RulesError> {
        let table = Table::read(TableName::Settings, text, &COLUMNS)?;
        // The year, and the error to give if its start day does not exist.
        let mut school_year: Option<(i32, RulesError)> = None;
        let mut start: Option<(u32, u32)> = None;
        let mut conditional_period_days = None;
        let mut grace: Option<(u32, Confirmed)> = None;
        let mut default_exemption_kinds: Option<Vec<ExemptionKind>> = None;
        let mut exemption_kinds: Vec<(String, Vec<ExemptionKind>)> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for row in table.rows() {
            let key = row.required("key")?;
            if seen.contains(&key) {
                return Err(RulesError::DuplicateSetting {
                    line: row.line(),
                    key: key.to_owned(),
                });
            }
            seen.push(key);
            let confirmed = Confirmed::from_key(row.text("confirmed"))
                .ok_or_else(|| row.bad("confirmed", "yes, unconfirmed or inferred"))?;
            match key {
                "school_year" => {
                    let year = parse_school_year(&row)?;
                    let out_of_range = row.bad("value", "a school year the calendar supports");
                    school_year = Some((year, out_of_range));
                }
                "school_year_start" => start = Some(parse_month_day(&row)?),
                "conditional_period_days" => conditional_period_days = Some(row.u32("value")?),
                "grace_days" => grace = Some((row.u32("value")?, confirmed)),
                "exemption_kinds.default" => default_exemption_kinds = Some(parse_kinds(&row)?),
                _ => match key.strip_prefix("exemption_kinds.") {
                    Some(group) if !group.is_empty() => {
                        exemption_kinds.push((group.to_owned(), parse_kinds(&row)?));
                    }
                    _ => {
                        return Err(RulesError::UnknownSetting {
                            line: row.line(),
                            key: key.to_owned(),
                        });
                    }
                },
            }
        }
        let (school_year, out_of_range) =
            school_year.ok_or(RulesError::MissingSetting { key: "school_year" })?;
        let (month, day) = start.ok_or(RulesError::MissingSetting {
            key: "school_year_start",
        })?;
        let first_day = NaiveDate::from_ymd_opt(school_year, month, day).ok_or(out_of_range)?;
        let (grace_days, grace_days_confirmed) =
            grace.ok_or(RulesError::MissingSetting { key: "grace_days" })?;
        Ok(Settings {
            school_year: SchoolYear::starting(first_day),
            school_year_start_month: month,
            school_year_start_day: day,
            conditional_period_days: conditional_period_days.ok_or(RulesError::MissingSetting {
                key: "conditional_period_days",
            })?,
            grace_days,
            grace_days_confirmed,
            default_exemption_kinds: default_exemption_kinds.ok_or(RulesError::MissingSetting {
                key: "exemption_kinds.default",
            })?,
            exemption_kinds,
        })
    }

    /// The exemption kinds that may exempt `group` (a rule group key).
    #[must_use]
    pub fn exemption_kinds(&self, group: &str) -> &[ExemptionKind] {
        self.exemption_kinds
            .iter()
            .find(|(key, _)| key == group)
            .map_or(&self.default_exemption_kinds, |(_, kinds)| kinds)
    }

    /// The groups with their own `exemption_kinds.<group>` row.
    pub(crate) fn exemption_groups(&self) -> impl Iterator<Item = &str> {
        self.exemption_kinds.iter().map(|(group, _)| group.as_str())
    }
}

fn parse_school_year(row: &Row<'_>) -> Result<i32, RulesError> {
    let bad = || row.bad("value", "a school year such as 2025-26");
    let (first, second) = row.text("value").split_once('-').ok_or_else(bad)?;
    let year: i32 = first.parse().map_err(|_| bad())?;
    let next: i32 = second.parse().map_err(|_| bad())?;
    let expected = year.checked_add(1).ok_or_else(bad)?.rem_euclid(100);
    if second.len() == 2 && next == expected {
        Ok(year)
    } else {
        Err(bad())
    }
}

fn parse_month_day(row: &Row<'_>) -> Result<(u32, u32), RulesError> {
    let bad = || row.bad("value", "a month and day such as 09-01");
    let (month, day) = row.text("value").split_once('-').ok_or_else(bad)?;
    let month: u32 = month.parse().map_err(|_| bad())?;
    let day: u32 = day.parse().map_err(|_| bad())?;
    // Checked against a common year, so the start exists every year.
    NaiveDate::from_ymd_opt(2001, month, day).ok_or_else(bad)?;
    Ok((month, day))
}

fn parse_kinds(row: &Row<'_>) -> Result<Vec<ExemptionKind>, RulesError> {
    let expected =
        "exemption kinds (medical, religious, religious_membership, personal) separated by '|'";
    let names = row.list("value")?;
    if names.is_empty() {
        return Err(row.bad("value", expected));
    }
    names
        .iter()
        .map(|name| ExemptionKind::from_key(name).ok_or_else(|| row.bad("value", expected)))
        .collect()
}
