//! The CDC CDSi supporting data as typed Rust values (logic specification chapter 2.4
//! and Appendix A), parsed from the CDC XML with `roxmltree`.

mod antigen;
mod schedule;
mod xml;

use chrono::NaiveDate;

use crate::dates::Duration;
use crate::error::DataError;

/// A CVX vaccine code (numeric; `"08"` and `"8"` are the same code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cvx(pub u16);

impl Cvx {
    /// Parses a CVX code, ignoring surrounding spaces and leading zeros.
    pub fn parse(text: &str) -> Result<Self, DataError> {
        text.trim()
            .parse::<u16>()
            .map(Cvx)
            .map_err(|_| DataError::BadCvx(text.to_owned()))
    }
}

/// Patient gender as used by the supporting data's required gender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Gender {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Unknown or not stated.
    Unknown,
}

impl Gender {
    /// Reads `F`/`Female`, `M`/`Male`; anything else is `Unknown`.
    pub fn from_code(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "f" | "female" => Self::Female,
            "m" | "male" => Self::Male,
            _ => Self::Unknown,
        }
    }
}

/// All supporting data: the schedule file plus one entry per antigen file.
#[derive(Debug, Clone)]
pub struct SupportingData {
    /// Schedule-wide data.
    pub schedule: Schedule,
    /// Antigen supporting data, one per antigen file.
    pub antigens: Vec<AntigenData>,
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_data.rs"));
}

impl SupportingData {
    /// Parses the schedule XML and the antigen XML documents. Errors name the
    /// schedule `ScheduleSupportingData.xml` and an antigen document by its position
    /// (`antigen document 1`, …); [`SupportingData::from_named_xml`] takes real names.
    pub fn from_xml(schedule: &str, antigens: &[&str]) -> Result<Self, DataError> {
        let names: Vec<String> = (1..=antigens.len())
            .map(|i| format!("antigen document {i}"))
            .collect();
        let named: Vec<(&str, &str)> = names
            .iter()
            .map(String::as_str)
            .zip(antigens.iter().copied())
            .collect();
        Self::from_named_xml(("ScheduleSupportingData.xml", schedule), &named)
    }

    /// Parses `(file name, XML)` documents: the schedule and the antigen files. Any
    /// error names the file; a value the parser does not know is an error
    /// ([`DataError::UnknownValue`]), never a silent default.
    pub fn from_named_xml(
        schedule: (&str, &str),
        antigens: &[(&str, &str)],
    ) -> Result<Self, DataError> {
        let (schedule_name, schedule_xml) = schedule;
        let schedule = schedule::parse(schedule_xml).map_err(|e| e.in_file(schedule_name))?;
        let antigens = antigens
            .iter()
            .map(|(name, xml)| antigen::parse(xml).map_err(|e| e.in_file(name)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { schedule, antigens })
    }

    /// The supporting data found at build time (see `build.rs`; `SALAL_CDSI_DIR`).
    pub fn embedded() -> Result<Self, DataError> {
        Self::from_named_xml(
            ("ScheduleSupportingData.xml", embedded::SCHEDULE_XML),
            embedded::ANTIGEN_XML,
        )
    }
}

/// Schedule supporting data (`ScheduleSupportingData.xml`).
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// Live virus (vaccine type) conflicts.
    pub live_virus_conflicts: Vec<LiveVirusConflict>,
    /// Vaccine groups with their antigens.
    pub vaccine_groups: Vec<VaccineGroup>,
    /// CVX to antigen map.
    pub cvx_map: Vec<CvxMapping>,
    /// Coded observations.
    pub observations: Vec<Observation>,
}

/// A vaccine type conflict: `current` given too soon after `previous`.
#[derive(Debug, Clone)]
pub struct LiveVirusConflict {
    /// Conflicting (previous) vaccine type.
    pub previous: Cvx,
    /// Impacted (current) vaccine type.
    pub current: Cvx,
    /// Conflict begin interval.
    pub begin: Option<Duration>,
    /// Minimum conflict end interval (previous dose valid).
    pub min_end: Option<Duration>,
    /// Conflict end interval (previous dose not valid).
    pub end: Option<Duration>,
}

/// A vaccine group and the antigens it classifies.
#[derive(Debug, Clone)]
pub struct VaccineGroup {
    /// Name, e.g. `DTaP/Tdap/Td`.
    pub name: String,
    /// Administer full vaccine group flag (`None` when empty).
    pub administer_full: Option<bool>,
    /// Antigens in the group (from the vaccine group to antigen map).
    pub antigens: Vec<String>,
}

/// The antigens a CVX code contains.
#[derive(Debug, Clone)]
pub struct CvxMapping {
    /// The code.
    pub cvx: Cvx,
    /// Short description.
    pub description: String,
    /// Antigen associations.
    pub associations: Vec<CvxAssociation>,
}

/// One antigen of a CVX code, possibly limited to an age range at administration.
#[derive(Debug, Clone)]
pub struct CvxAssociation {
    /// Antigen name.
    pub antigen: String,
    /// Association begin age.
    pub begin_age: Option<Duration>,
    /// Association end age.
    pub end_age: Option<Duration>,
}

/// A coded observation (condition, contraindication, evidence of immunity).
#[derive(Debug, Clone)]
pub struct Observation {
    /// CDSi observation code, e.g. `055`.
    pub code: String,
    /// Title.
    pub title: String,
    /// Equivalent codes in other code systems.
    pub coded_values: Vec<CodedValue>,
}

/// A code in an external code system.
#[derive(Debug, Clone)]
pub struct CodedValue {
    /// Code.
    pub code: String,
    /// Code system, e.g. `SNOMED`.
    pub system: String,
    /// Display text.
    pub text: String,
}

/// Antigen supporting data (`AntigenSupportingData- <Antigen>-508.xml`).
#[derive(Debug, Clone)]
pub struct AntigenData {
    /// Antigen (target disease) name, from the series.
    pub name: String,
    /// Evidence of immunity.
    pub immunity: Immunity,
    /// Antigen level contraindications.
    pub antigen_contraindications: Vec<AntigenContraindication>,
    /// Vaccine level contraindications.
    pub vaccine_contraindications: Vec<VaccineContraindication>,
    /// Antigen series.
    pub series: Vec<AntigenSeries>,
}

/// Evidence of immunity definitions.
#[derive(Debug, Clone, Default)]
pub struct Immunity {
    /// Observation codes that are evidence of immunity.
    pub clinical_history: Vec<String>,
    /// Birth-date immunity rules.
    pub birth_date: Vec<BirthDateImmunity>,
}

/// Immunity by being born before a date.
#[derive(Debug, Clone)]
pub struct BirthDateImmunity {
    /// Patients born before this date are immune.
    pub date: Option<NaiveDate>,
    /// Country of birth the rule is limited to.
    pub country: Option<String>,
    /// Observation codes that exclude the rule.
    pub exclusions: Vec<String>,
}

/// An antigen contraindication.
#[derive(Debug, Clone)]
pub struct AntigenContraindication {
    /// Observation code.
    pub code: String,
    /// Text for the clinician.
    pub text: String,
    /// Begin age.
    pub begin_age: Option<Duration>,
    /// End age.
    pub end_age: Option<Duration>,
}

/// A vaccine contraindication.
#[derive(Debug, Clone)]
pub struct VaccineContraindication {
    /// Observation code.
    pub code: String,
    /// Text for the clinician.
    pub text: String,
    /// Vaccine types contraindicated.
    pub vaccines: Vec<ContraindicatedVaccine>,
}

/// A contraindicated vaccine type with its age range.
#[derive(Debug, Clone)]
pub struct ContraindicatedVaccine {
    /// Vaccine type.
    pub cvx: Cvx,
    /// Begin age.
    pub begin_age: Option<Duration>,
    /// End age.
    pub end_age: Option<Duration>,
}

/// Series type (section 4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesType {
    /// Standard, age based.
    Standard,
    /// Risk based; needs an indication.
    Risk,
    /// Only used as proof of completion.
    EvaluationOnly,
}

/// An antigen series: one path to immunity.
#[derive(Debug, Clone)]
pub struct AntigenSeries {
    /// Series name.
    pub name: String,
    /// Target disease (antigen).
    pub target_disease: String,
    /// Vaccine group.
    pub vaccine_group: String,
    /// Series type.
    pub series_type: SeriesType,
    /// Equivalent series groups.
    pub equivalent_series_groups: Vec<String>,
    /// Required genders (empty: any).
    pub required_gender: Vec<Gender>,
    /// Default series flag.
    pub default_series: bool,
    /// Product path flag.
    pub product_path: bool,
    /// Series group.
    pub series_group: String,
    /// Series priority (`A` highest).
    pub priority: String,
    /// Series preference (1 best); `None` when empty.
    pub preference: Option<u32>,
    /// Minimum age to start.
    pub min_age_to_start: Option<Duration>,
    /// Maximum age to start.
    pub max_age_to_start: Option<Duration>,
    /// Indications (risk series).
    pub indications: Vec<Indication>,
    /// Series doses.
    pub doses: Vec<SeriesDose>,
}

/// An indication for a risk series.
#[derive(Debug, Clone)]
pub struct Indication {
    /// Observation code.
    pub code: String,
    /// Begin age.
    pub begin_age: Option<Duration>,
    /// End age.
    pub end_age: Option<Duration>,
}

/// One dose of an antigen series (a target dose once instantiated for a patient).
#[derive(Debug, Clone)]
pub struct SeriesDose {
    /// Dose number text, e.g. `Dose 1`.
    pub dose_number: String,
    /// Age rules (effective / cessation dated).
    pub ages: Vec<AgeRule>,
    /// Preferable intervals.
    pub intervals: Vec<IntervalRule>,
    /// Allowable intervals.
    pub allowable_intervals: Vec<IntervalRule>,
    /// Preferable vaccines.
    pub preferable: Vec<PreferableVaccine>,
    /// Allowable vaccines.
    pub allowable: Vec<AllowableVaccine>,
    /// Inadvertent vaccine types.
    pub inadvertent: Vec<Cvx>,
    /// Conditional skips.
    pub conditional_skip: Vec<ConditionalSkip>,
    /// Recurring dose flag.
    pub recurring: bool,
    /// Seasonal recommendation.
    pub seasonal: Option<Seasonal>,
}

/// Age requirements of a series dose.
#[derive(Debug, Clone, Default)]
pub struct AgeRule {
    /// Absolute minimum age.
    pub abs_min: Option<Duration>,
    /// Minimum age.
    pub min: Option<Duration>,
    /// Earliest recommended age.
    pub earliest_rec: Option<Duration>,
    /// Latest recommended age.
    pub latest_rec: Option<Duration>,
    /// Maximum age.
    pub max: Option<Duration>,
    /// Effective date.
    pub effective: Option<NaiveDate>,
    /// Cessation date.
    pub cessation: Option<NaiveDate>,
}

/// A preferable or allowable interval.
#[derive(Debug, Clone, Default)]
pub struct IntervalRule {
    /// From immediate previous dose administered.
    pub from_previous: bool,
    /// From target dose number in series (1 based).
    pub from_target_dose: Option<usize>,
    /// From most recent of these vaccine types.
    pub from_most_recent: Vec<Cvx>,
    /// From relevant observation code.
    pub from_relevant_obs: Option<String>,
    /// Absolute minimum interval.
    pub abs_min: Option<Duration>,
    /// Minimum interval.
    pub min: Option<Duration>,
    /// Earliest recommended interval.
    pub earliest_rec: Option<Duration>,
    /// Latest recommended interval.
    pub latest_rec: Option<Duration>,
    /// Interval priority flag.
    pub priority: bool,
    /// Effective date.
    pub effective: Option<NaiveDate>,
    /// Cessation date.
    pub cessation: Option<NaiveDate>,
}

/// A preferable vaccine for a series dose.
#[derive(Debug, Clone)]
pub struct PreferableVaccine {
    /// Vaccine type.
    pub cvx: Cvx,
    /// Begin age.
    pub begin_age: Option<Duration>,
    /// End age.
    pub end_age: Option<Duration>,
    /// Trade name.
    pub trade_name: Option<String>,
    /// Manufacturer.
    pub mvx: Option<String>,
    /// Volume (ml), informative.
    pub volume: Option<String>,
    /// Forecast vaccine type flag.
    pub forecast: bool,
}

/// An allowable vaccine for a series dose.
#[derive(Debug, Clone)]
pub struct AllowableVaccine {
    /// Vaccine type.
    pub cvx: Cvx,
    /// Begin age.
    pub begin_age: Option<Duration>,
    /// End age.
    pub end_age: Option<Duration>,
}

/// Conditional skip context (section 3.3, Figure 3-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipContext {
    /// Used in evaluation only.
    Evaluation,
    /// Used in forecasting only.
    Forecast,
    /// Used in both.
    Both,
}

/// A conditional skip of a series dose.
#[derive(Debug, Clone)]
pub struct ConditionalSkip {
    /// Context.
    pub context: SkipContext,
    /// `true` when the set logic is OR (any set), else AND.
    pub set_logic_or: bool,
    /// Sets.
    pub sets: Vec<SkipSet>,
}

/// A set of conditions.
#[derive(Debug, Clone)]
pub struct SkipSet {
    /// Description.
    pub description: String,
    /// Effective date.
    pub effective: Option<NaiveDate>,
    /// Cessation date.
    pub cessation: Option<NaiveDate>,
    /// `true` when the condition logic is OR.
    pub condition_logic_or: bool,
    /// Conditions.
    pub conditions: Vec<SkipCondition>,
}

/// The kind of a conditional skip condition (section 6.2, Tables 6-6 to 6-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionKind {
    /// Age.
    Age,
    /// Completed series.
    CompletedSeries,
    /// Interval.
    Interval,
    /// Vaccine count by age.
    VaccineCountByAge,
    /// Vaccine count by date.
    VaccineCountByDate,
    /// Vaccine count by date and age (both ranges apply, CONDSKIP-1).
    VaccineCountByDateAndAge,
}

/// Dose count comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountLogic {
    /// Greater than.
    GreaterThan,
    /// Equal to.
    Equal,
    /// Less than.
    LessThan,
}

/// One conditional skip condition.
#[derive(Debug, Clone)]
pub struct SkipCondition {
    /// Kind.
    pub kind: ConditionKind,
    /// Start date.
    pub start_date: Option<NaiveDate>,
    /// End date.
    pub end_date: Option<NaiveDate>,
    /// Begin age.
    pub begin_age: Option<Duration>,
    /// End age.
    pub end_age: Option<Duration>,
    /// Interval.
    pub interval: Option<Duration>,
    /// Dose count.
    pub dose_count: Option<u32>,
    /// `true` for dose type `Valid`, `false` for `Total`.
    pub valid_only: bool,
    /// Count comparison.
    pub count_logic: CountLogic,
    /// Vaccine types counted (empty: all).
    pub vaccine_types: Vec<Cvx>,
    /// Series groups (completed series).
    pub series_groups: Vec<String>,
}

/// Seasonal recommendation dates.
#[derive(Debug, Clone, Copy)]
pub struct Seasonal {
    /// Start date.
    pub start: Option<NaiveDate>,
    /// End date.
    pub end: Option<NaiveDate>,
}
