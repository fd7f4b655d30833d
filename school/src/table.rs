//! Reading the CSV tables: the header, then typed access to each field, every problem
//! a [`RulesError`] naming the table, line and column. Fields are trimmed; a column
//! the header lacks reads as empty, so required columns are checked once, up front.

use std::collections::HashMap;

use csv::StringRecord;

use crate::error::{RulesError, TableName};

/// A parsed CSV table: column positions and the non-blank rows.
pub(crate) struct Table {
    name: TableName,
    columns: HashMap<String, usize>,
    records: Vec<(u64, StringRecord)>,
}

impl Table {
    /// Reads `text`, checking that every `required` column is in the header and that
    /// there is at least one row.
    pub(crate) fn read(
        name: TableName,
        text: &str,
        required: &[&'static str],
    ) -> Result<Table, RulesError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|error| csv_error(name, &error))?
            .clone();
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(index, header)| (header.to_owned(), index))
            .collect();
        if let Some(column) = required.iter().find(|c| !columns.contains_key(**c)) {
            return Err(RulesError::MissingColumn {
                table: name,
                column,
            });
        }
        let mut records = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|error| csv_error(name, &error))?;
            if record.iter().all(str::is_empty) {
                continue;
            }
            let line = record.position().map_or(0, csv::Position::line);
            records.push((line, record));
        }
        if records.is_empty() {
            return Err(RulesError::EmptyTable { table: name });
        }
        Ok(Table {
            name,
            columns,
            records,
        })
    }

    /// The rows, in file order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(|(line, record)| Row {
            table: self.name,
            line: *line,
            record,
            columns: &self.columns,
        })
    }
}

/// One row of a [`Table`].
#[derive(Clone, Copy)]
pub(crate) struct Row<'a> {
    table: TableName,
    line: u64,
    record: &'a StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl<'a> Row<'a> {
    /// The row's line in the file.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The field, trimmed; empty when absent.
    pub(crate) fn text(&self, column: &'static str) -> &'a str {
        self.columns
            .get(column)
            .and_then(|index| self.record.get(*index))
            .unwrap_or("")
    }

    /// The error for this row's `column` not holding what `expected` describes.
    pub(crate) fn bad(&self, column: &'static str, expected: &'static str) -> RulesError {
        RulesError::BadValue {
            table: self.table,
            line: self.line,
            column,
            value: self.text(column).to_owned(),
            expected,
        }
    }

    /// A field that must not be empty.
    pub(crate) fn required(&self, column: &'static str) -> Result<&'a str, RulesError> {
        let text = self.text(column);
        if text.is_empty() {
            Err(self.bad(column, "a value (the field is empty)"))
        } else {
            Ok(text)
        }
    }

    /// A key: lowercase ASCII letters, digits and `_`, not empty.
    pub(crate) fn key(&self, column: &'static str) -> Result<&'a str, RulesError> {
        let text = self.text(column);
        let is_key = !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if is_key {
            Ok(text)
        } else {
            Err(self.bad(column, "a key of lowercase letters, digits and '_'"))
        }
    }

    /// A whole number, or `None` when the field is empty.
    pub(crate) fn optional_u32(&self, column: &'static str) -> Result<Option<u32>, RulesError> {
        let text = self.text(column);
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| self.bad(column, "a whole number of 0 or more"))
    }

    /// A whole number that must be given.
    pub(crate) fn u32(&self, column: &'static str) -> Result<u32, RulesError> {
        self.optional_u32(column)?
            .ok_or_else(|| self.bad(column, "a whole number of 0 or more"))
    }

    /// `yes` or `no`.
    pub(crate) fn yes_no(&self, column: &'static str) -> Result<bool, RulesError> {
        match self.text(column) {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(self.bad(column, "yes or no")),
        }
    }

    /// A `|`-separated list; empty when the field is. Empty items are an error.
    pub(crate) fn list(&self, column: &'static str) -> Result<Vec<String>, RulesError> {
        let text = self.text(column);
        if text.is_empty() {
            return Ok(Vec::new());
        }
        text.split('|')
            .map(|item| {
                let item = item.trim();
                if item.is_empty() {
                    Err(self.bad(column, "a list of names separated by '|'"))
                } else {
                    Ok(item.to_owned())
                }
            })
            .collect()
    }
}

fn csv_error(table: TableName, error: &csv::Error) -> RulesError {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => RulesError::WrongFieldCount {
            table,
            line: pos.as_ref().map(csv::Position::line),
            expected: *expected_len,
            found: *len,
        },
        _ => RulesError::Csv {
            table,
            line: error.position().map(csv::Position::line),
            details: error.to_string(),
        },
    }
}
