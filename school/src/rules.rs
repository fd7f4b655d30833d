//! The rule table (`assets/school/wa-rules.csv`): one row per (setting, band, rule
//! group), read into [`Band`]s holding [`GroupRule`]s.
//!
//! Terms: a *setting* is school or child care; a *band* is the age range on the
//! school year's first day that picks a column of the DOH chart (`k_6`, ...); a *rule
//! group* (`hepb`, `dtap`, `tdap`, ...) is one requirement of a band, counting the
//! doses of some CDC vaccine groups (the CVX code set's names: `DTAP`, `TDAP`, ...)
//! and reading the forecast of one CDSi vaccine group (`DTaP/Tdap/Td`, ...).
//! `assets/school/README.md` describes every column. Parsing checks the table's
//! shape, not its medicine: bands of a setting must not overlap, a CDC group belongs
//! to one rule group only (so a CIS row maps to one group), and a rule group always
//! reads the same CDSi group.

use std::sync::OnceLock;

use chrono::NaiveDate;

use crate::error::{RulesError, TableName};
use crate::settings::{ExemptionKind, Settings};
use crate::table::{Row, Table};
use crate::year::SchoolYear;

/// The rule table as shipped, embedded at build time.
const EMBEDDED_RULES: &str = include_str!("../../assets/school/wa-rules.csv");
/// The settings table as shipped.
const EMBEDDED_SETTINGS: &str = include_str!("../../assets/school/wa-settings.csv");

/// Where a child's immunizations are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Setting {
    /// School, including preschool (WAC 246-105, school chart).
    School,
    /// Licensed child care (WAC 246-105 and DCYF WAC 110-300-0210).
    ChildCare,
}

impl Setting {
    /// The key used in the rule table: `school` or `child_care`.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Setting::School => "school",
            Setting::ChildCare => "child_care",
        }
    }

    /// The translation key of the setting's name, e.g. `school.setting.child_care`.
    #[must_use]
    pub fn message_key(self) -> &'static str {
        match self {
            Setting::School => "school.setting.school",
            Setting::ChildCare => "school.setting.child_care",
        }
    }

    fn from_key(key: &str) -> Option<Setting> {
        match key {
            "school" => Some(Setting::School),
            "child_care" => Some(Setting::ChildCare),
            _ => None,
        }
    }
}

/// How firmly the sources back a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Confirmed {
    /// Stated by the cited source.
    Yes,
    /// Derived from what the sources say, but not stated (e.g. the 2025-26 Tdap rule).
    Inferred,
    /// The sources could not be read or are silent (e.g. the child-care per-age counts).
    Unconfirmed,
}

impl Confirmed {
    pub(crate) fn from_key(key: &str) -> Option<Confirmed> {
        match key {
            "yes" => Some(Confirmed::Yes),
            "inferred" => Some(Confirmed::Inferred),
            "unconfirmed" => Some(Confirmed::Unconfirmed),
            _ => None,
        }
    }
}

/// How a band's ages relate to the chart the sources describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum BandBasis {
    /// The chart column is itself defined by age (child care; 4 years old on 1 September).
    Age,
    /// The chart column is a grade range, inferred from age because Salal records no grades.
    GradeFromAge,
}

impl BandBasis {
    fn from_key(key: &str) -> Option<BandBasis> {
        match key {
            "age" => Some(BandBasis::Age),
            "grade_from_age" => Some(BandBasis::GradeFromAge),
            _ => None,
        }
    }
}

/// How many doses a rule group needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Doses {
    /// A fixed number of counted doses.
    Count(u32),
    /// Whatever the CDSi forecast says for the child's age: compliant unless the next
    /// dose is past due.
    AgeAppropriate,
}

/// Fewer doses accepted when the last of them was given at or after an age
/// (DTaP: 4 if dose 4 on or after the 4th birthday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct AltDoses {
    /// Doses accepted.
    pub doses: u32,
    /// Minimum age in years at the last of them.
    pub last_dose_min_age_years: u32,
}

/// One requirement of a band.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct GroupRule {
    /// Rule group key (`hepb`, `dtap`, `tdap`, `polio`, `mmr`, `varicella`, `hib`,
    /// `pneumococcal`).
    pub group: String,
    /// CDC vaccine groups whose doses count.
    pub cdc_groups: Vec<String>,
    /// CDC vaccine groups printed on the same CIS row whose doses do not count
    /// (Td for the Tdap requirement).
    pub uncounted_cdc_groups: Vec<String>,
    /// CDSi vaccine group whose forecast is read.
    pub cdsi_group: String,
    /// Doses needed.
    pub doses: Doses,
    /// Fewer doses accepted after an age.
    pub alt: Option<AltDoses>,
    /// Every counted dose given at this age or older (Tdap: 10).
    pub min_age_at_dose_years: Option<u32>,
    /// The first counted dose given at this age or older (MMR, varicella: 1).
    pub first_dose_min_age_years: Option<u32>,
    /// The dose completing the count given at this age in days or older (Hep B: 168).
    pub last_dose_min_age_days: Option<u32>,
    /// Days between counted doses, at least (MMR, varicella: 28).
    pub min_dose_spacing_days: Option<u32>,
    /// Not required from this age on (Hib, pneumococcal: 5).
    pub required_until_age_years: Option<u32>,
    /// Whether recorded evidence of immunity satisfies the group.
    pub immunity_accepted: bool,
    /// Whether a complete CDSi series with fewer doses than `doses` is accepted (the
    /// chart's "fewer doses may be acceptable" footnote; always reported unconfirmed).
    pub fewer_doses_if_cdsi_complete: bool,
    /// How firmly the sources back the row.
    pub confirmed: Confirmed,
    /// Where the row comes from.
    pub source: String,
}

/// An age range of one setting and its requirements.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Band {
    /// Setting.
    pub setting: Setting,
    /// Band name (`child_care_under_5`, `preschool_k_age4`, `k_6`, `grades_7_12`).
    pub name: String,
    /// Youngest age in whole years on the school year's first day.
    pub min_age_years_on_start: u32,
    /// Oldest age, if any.
    pub max_age_years_on_start: Option<u32>,
    /// Whether the ages stand for grades.
    pub basis: BandBasis,
    /// Requirements, in table order.
    pub groups: Vec<GroupRule>,
}

impl Band {
    /// Whether a child of `age` on the school year's first day belongs to the band.
    #[must_use]
    pub fn contains_age(&self, age: u32) -> bool {
        age >= self.min_age_years_on_start
            && self.max_age_years_on_start.is_none_or(|max| age <= max)
    }

    /// The translation key of the band's label, e.g. `school.band.k_6`.
    #[must_use]
    pub fn message_key(&self) -> String {
        format!("school.band.{}", self.name)
    }

    fn overlaps(&self, other: &Band) -> bool {
        let below =
            |band: &Band, age: u32| band.max_age_years_on_start.is_none_or(|max| age <= max);
        below(self, other.min_age_years_on_start) && below(other, self.min_age_years_on_start)
    }
}

/// The Washington rules: bands with their requirements, and the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    bands: Vec<Band>,
    settings: Settings,
}

/// Columns the rule table must have (a `note` column is allowed and ignored).
const COLUMNS: [&str; 21] = [
    "setting",
    "band",
    "band_min_age_years_on_sep1",
    "band_max_age_years_on_sep1",
    "band_basis",
    "group",
    "cdc_groups",
    "uncounted_cdc_groups",
    "cdsi_group",
    "doses",
    "alt_doses",
    "alt_last_dose_min_age_years",
    "min_age_at_dose_years",
    "first_dose_min_age_years",
    "last_dose_min_age_days",
    "min_dose_spacing_days",
    "required_until_age_years",
    "immunity_accepted",
    "fewer_doses_if_cdsi_complete",
    "confirmed",
    "source",
];

impl Rules {
    /// The tables shipped in `assets/school/`, parsed on first use.
    ///
    /// # Errors
    /// The shipped tables are malformed (the crate's tests catch this before release).
    pub fn embedded() -> Result<&'static Rules, RulesError> {
        static EMBEDDED: OnceLock<Result<Rules, RulesError>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| Rules::parse(EMBEDDED_RULES, EMBEDDED_SETTINGS))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parses a rule table and a settings table.
    ///
    /// # Errors
    /// The first problem found, with its table, line and column.
    pub fn parse(rules_csv: &str, settings_csv: &str) -> Result<Rules, RulesError> {
        let settings = Settings::parse(settings_csv)?;
        let table = Table::read(TableName::Rules, rules_csv, &COLUMNS)?;
        let mut bands: Vec<Band> = Vec::new();
        let mut checks = Consistency::default();
        for row in table.rows() {
            let band = band_of_row(&row)?;
            let rule = group_rule(&row)?;
            checks.check(&row, &rule)?;
            match bands.iter_mut().find(|b| b.name == band.name) {
                Some(existing) => {
                    let same_band = existing.setting == band.setting
                        && existing.min_age_years_on_start == band.min_age_years_on_start
                        && existing.max_age_years_on_start == band.max_age_years_on_start
                        && existing.basis == band.basis;
                    if !same_band {
                        return Err(RulesError::BandMismatch {
                            line: row.line(),
                            band: band.name,
                        });
                    }
                    if existing.groups.iter().any(|g| g.group == rule.group) {
                        return Err(RulesError::DuplicateGroup {
                            line: row.line(),
                            band: band.name,
                            group: rule.group,
                        });
                    }
                    existing.groups.push(rule);
                }
                None => bands.push(Band {
                    groups: vec![rule],
                    ..band
                }),
            }
        }
        for (index, first) in bands.iter().enumerate() {
            let clash = bands
                .iter()
                .skip(index + 1)
                .find(|second| second.setting == first.setting && first.overlaps(second));
            if let Some(second) = clash {
                return Err(RulesError::OverlappingBands {
                    setting: first.setting.key(),
                    first: first.name.clone(),
                    second: second.name.clone(),
                });
            }
        }
        let groups_known = |group: &str| {
            bands
                .iter()
                .any(|band| band.groups.iter().any(|rule| rule.group == group))
        };
        if let Some(group) = settings.exemption_groups().find(|g| !groups_known(g)) {
            return Err(RulesError::UnknownExemptionGroup {
                group: group.to_owned(),
            });
        }
        Ok(Rules { bands, settings })
    }

    /// Every band, in table order.
    #[must_use]
    pub fn bands(&self) -> &[Band] {
        &self.bands
    }

    /// A band by name.
    #[must_use]
    pub fn band(&self, name: &str) -> Option<&Band> {
        self.bands.iter().find(|band| band.name == name)
    }

    /// The settings table.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The school year containing `as_of` (it starts on the settings' start day).
    #[must_use]
    pub fn school_year_of(&self, as_of: NaiveDate) -> Option<SchoolYear> {
        SchoolYear::containing(
            as_of,
            self.settings.school_year_start_month,
            self.settings.school_year_start_day,
        )
    }

    /// The exemption kinds that may exempt `group` (MMR: no personal exemption).
    #[must_use]
    pub fn exemption_kinds(&self, group: &str) -> &[ExemptionKind] {
        self.settings.exemption_kinds(group)
    }

    /// The rule group a CDC vaccine group's doses belong to, counted or not.
    pub(crate) fn group_for_cdc_group(&self, cdc_group: &str) -> Option<&str> {
        self.bands
            .iter()
            .flat_map(|band| &band.groups)
            .find(|rule| {
                rule.cdc_groups
                    .iter()
                    .chain(&rule.uncounted_cdc_groups)
                    .any(|name| name.eq_ignore_ascii_case(cdc_group))
            })
            .map(|rule| rule.group.as_str())
    }
}

/// The band columns of a row (its groups are added by the caller).
fn band_of_row(row: &Row<'_>) -> Result<Band, RulesError> {
    let setting = Setting::from_key(row.text("setting"))
        .ok_or_else(|| row.bad("setting", "school or child_care"))?;
    let name = row.key("band")?.to_owned();
    let min_age = row.u32("band_min_age_years_on_sep1")?;
    let max_age = row.optional_u32("band_max_age_years_on_sep1")?;
    if max_age.is_some_and(|max| max < min_age) {
        return Err(RulesError::BandAgesReversed {
            line: row.line(),
            band: name,
        });
    }
    let basis = BandBasis::from_key(row.text("band_basis"))
        .ok_or_else(|| row.bad("band_basis", "age or grade_from_age"))?;
    Ok(Band {
        setting,
        name,
        min_age_years_on_start: min_age,
        max_age_years_on_start: max_age,
        basis,
        groups: Vec::new(),
    })
}

fn group_rule(row: &Row<'_>) -> Result<GroupRule, RulesError> {
    let doses = match row.text("doses") {
        "age_appropriate" => Doses::AgeAppropriate,
        text => match text.parse::<u32>() {
            Ok(count) if count > 0 => Doses::Count(count),
            _ => return Err(row.bad("doses", "a number of doses (1 or more) or age_appropriate")),
        },
    };
    let alt = match (
        row.optional_u32("alt_doses")?,
        row.optional_u32("alt_last_dose_min_age_years")?,
        doses,
    ) {
        (None, None, _) => None,
        (Some(alt_doses), Some(age), Doses::Count(count)) if alt_doses > 0 && alt_doses < count => {
            Some(AltDoses {
                doses: alt_doses,
                last_dose_min_age_years: age,
            })
        }
        _ => return Err(RulesError::IncompleteAlternative { line: row.line() }),
    };
    let cdc_groups = row.list("cdc_groups")?;
    if cdc_groups.is_empty() {
        return Err(row.bad("cdc_groups", "one or more CDC vaccine group names"));
    }
    let confirmed = Confirmed::from_key(row.text("confirmed"))
        .ok_or_else(|| row.bad("confirmed", "yes, unconfirmed or inferred"))?;
    Ok(GroupRule {
        group: row.key("group")?.to_owned(),
        cdc_groups,
        uncounted_cdc_groups: row.list("uncounted_cdc_groups")?,
        cdsi_group: row.required("cdsi_group")?.to_owned(),
        doses,
        alt,
        min_age_at_dose_years: row.optional_u32("min_age_at_dose_years")?,
        first_dose_min_age_years: row.optional_u32("first_dose_min_age_years")?,
        last_dose_min_age_days: row.optional_u32("last_dose_min_age_days")?,
        min_dose_spacing_days: row.optional_u32("min_dose_spacing_days")?,
        required_until_age_years: row.optional_u32("required_until_age_years")?,
        immunity_accepted: row.yes_no("immunity_accepted")?,
        fewer_doses_if_cdsi_complete: row.yes_no("fewer_doses_if_cdsi_complete")?,
        confirmed,
        source: row.required("source")?.to_owned(),
    })
}

/// Cross-row checks: each CDC group in one rule group, each rule group one CDSi group.
#[derive(Default)]
struct Consistency {
    cdc_group_owner: Vec<(String, String)>,
    cdsi_group_of: Vec<(String, String)>,
}

impl Consistency {
    fn check(&mut self, row: &Row<'_>, rule: &GroupRule) -> Result<(), RulesError> {
        for cdc_group in rule.cdc_groups.iter().chain(&rule.uncounted_cdc_groups) {
            let owner = self
                .cdc_group_owner
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(cdc_group));
            match owner {
                Some((_, group)) if *group != rule.group => {
                    return Err(RulesError::CdcGroupInTwoGroups {
                        line: row.line(),
                        cdc_group: cdc_group.clone(),
                        first: group.clone(),
                        second: rule.group.clone(),
                    });
                }
                Some(_) => {}
                None => self
                    .cdc_group_owner
                    .push((cdc_group.clone(), rule.group.clone())),
            }
        }
        match self
            .cdsi_group_of
            .iter()
            .find(|(group, _)| *group == rule.group)
        {
            Some((_, cdsi)) if !cdsi.eq_ignore_ascii_case(&rule.cdsi_group) => {
                Err(RulesError::CdsiGroupMismatch {
                    line: row.line(),
                    group: rule.group.clone(),
                    first: cdsi.clone(),
                    second: rule.cdsi_group.clone(),
                })
            }
            Some(_) => Ok(()),
            None => {
                self.cdsi_group_of
                    .push((rule.group.clone(), rule.cdsi_group.clone()));
                Ok(())
            }
        }
    }
}
