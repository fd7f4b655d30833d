//! Why a rule or settings table could not be used.
//!
//! Every variant names the table and, where there is one, the line (1-based, the
//! header is line 1) and column, so whoever edits `assets/school/*.csv` can go
//! straight to the problem.

use std::fmt;

/// Which of the two tables a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableName {
    /// The rule table (`assets/school/wa-rules.csv`).
    Rules,
    /// The settings table (`assets/school/wa-settings.csv`).
    Settings,
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TableName::Rules => "school rule table",
            TableName::Settings => "school settings table",
        })
    }
}

/// A malformed rule or settings table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// The text is not CSV the reader accepts.
    #[error("{table}: line {}: not readable as CSV: {details}", display_line(*.line))]
    Csv {
        /// Table.
        table: TableName,
        /// Line, when the reader knows it.
        line: Option<u64>,
        /// The CSV reader's description.
        details: String,
    },
    /// A row has more or fewer fields than the header.
    #[error(
        "{table}: line {}: {found} fields where the header has {expected}; check for a missing or extra comma (quote text that contains commas)",
        display_line(*.line)
    )]
    WrongFieldCount {
        /// Table.
        table: TableName,
        /// Line, when the reader knows it.
        line: Option<u64>,
        /// Fields in the header.
        expected: u64,
        /// Fields in the row.
        found: u64,
    },
    /// The header lacks a column the table needs.
    #[error("{table}: the header has no column '{column}'; add it (it may be empty on every row)")]
    MissingColumn {
        /// Table.
        table: TableName,
        /// Column name.
        column: &'static str,
    },
    /// The table has a header but no rows.
    #[error("{table}: no rows below the header")]
    EmptyTable {
        /// Table.
        table: TableName,
    },
    /// A field does not hold what its column allows.
    #[error("{table}: line {line}, column '{column}': '{value}' is not {expected}")]
    BadValue {
        /// Table.
        table: TableName,
        /// Line.
        line: u64,
        /// Column name.
        column: &'static str,
        /// The field as written.
        value: String,
        /// What the column allows.
        expected: &'static str,
    },
    /// `alt_doses` and `alt_last_dose_min_age_years` must be given together, on a row
    /// with a numeric `doses` greater than `alt_doses`.
    #[error(
        "school rule table: line {line}: give alt_doses and alt_last_dose_min_age_years together, with alt_doses below a numeric doses"
    )]
    IncompleteAlternative {
        /// Line.
        line: u64,
    },
    /// A band's ages above its minimum.
    #[error("school rule table: line {line}: band '{band}' ends at a lower age than it starts")]
    BandAgesReversed {
        /// Line.
        line: u64,
        /// Band name.
        band: String,
    },
    /// A band's setting, ages or basis differ from its first row.
    #[error(
        "school rule table: line {line}: band '{band}' has a different setting, age range or basis than on its first row"
    )]
    BandMismatch {
        /// Line.
        line: u64,
        /// Band name.
        band: String,
    },
    /// Two bands of one setting cover the same age.
    #[error("school rule table: bands '{first}' and '{second}' of {setting} cover the same age")]
    OverlappingBands {
        /// `school` or `child_care`.
        setting: &'static str,
        /// One band.
        first: String,
        /// The other band.
        second: String,
    },
    /// A rule group appears twice in one band.
    #[error("school rule table: line {line}: group '{group}' appears twice in band '{band}'")]
    DuplicateGroup {
        /// Line.
        line: u64,
        /// Band name.
        band: String,
        /// Group key.
        group: String,
    },
    /// A CDC vaccine group is listed under two rule groups, so a CIS row would be ambiguous.
    #[error(
        "school rule table: line {line}: CDC group '{cdc_group}' belongs to group '{second}' here but to '{first}' on an earlier row"
    )]
    CdcGroupInTwoGroups {
        /// Line.
        line: u64,
        /// CDC vaccine group name.
        cdc_group: String,
        /// Group key of the earlier row.
        first: String,
        /// Group key of this row.
        second: String,
    },
    /// One rule group names two different CDSi vaccine groups.
    #[error(
        "school rule table: line {line}: group '{group}' uses CDSi group '{second}' here but '{first}' on an earlier row"
    )]
    CdsiGroupMismatch {
        /// Line.
        line: u64,
        /// Group key.
        group: String,
        /// CDSi group of the earlier row.
        first: String,
        /// CDSi group of this row.
        second: String,
    },
    /// A settings key is given twice.
    #[error("school settings table: line {line}: '{key}' is set twice")]
    DuplicateSetting {
        /// Line.
        line: u64,
        /// Key.
        key: String,
    },
    /// A settings key this crate does not know (a typo would otherwise be ignored).
    #[error("school settings table: line {line}: unknown key '{key}'")]
    UnknownSetting {
        /// Line.
        line: u64,
        /// Key.
        key: String,
    },
    /// A required settings key is absent.
    #[error("school settings table: no row for '{key}'")]
    MissingSetting {
        /// Key.
        key: &'static str,
    },
    /// `exemption_kinds.<group>` names a group the rule table does not have.
    #[error("school settings table: exemption_kinds.{group} names no group of the rule table")]
    UnknownExemptionGroup {
        /// Group key.
        group: String,
    },
}

fn display_line(line: Option<u64>) -> String {
    line.map_or_else(|| "?".to_owned(), |line| line.to_string())
}
