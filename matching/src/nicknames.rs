//! Nicknames: which given names the registry treats as the same person's.
//!
//! The table is data, `assets/matching/nicknames.csv` (columns `name,nickname`, English and
//! Spanish pairs such as `william,bill` or `francisco,paco`), embedded at build time. Both
//! columns are folded (lower case, accents removed), and the relation is symmetric: "Paco" is
//! a nickname of "Francisco" and "Francisco" of "Paco". It is not transitive: "Bill" and
//! "Will" are both William's, but not each other's.

use salal_core::search::fold;
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

const EMBEDDED: &str = include_str!("../../assets/matching/nicknames.csv");

/// Why a nickname table was refused.
#[derive(Debug, Error)]
pub enum NicknameError {
    /// Not readable as CSV.
    #[error("nicknames: {0}")]
    Csv(#[from] csv::Error),
    /// The header is not `name,nickname`.
    #[error("nicknames: the header must be name,nickname")]
    Header,
    /// A row with an empty name or nickname, or a name that is its own nickname.
    #[error("nicknames: row {row} is incomplete or names itself")]
    Row {
        /// The row number (1 is the first row after the header).
        row: usize,
    },
}

/// A symmetric, folded nickname relation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nicknames {
    related: BTreeMap<String, BTreeSet<String>>,
}

impl Nicknames {
    /// The table shipped in `assets/matching/nicknames.csv`.
    ///
    /// # Errors
    /// If the embedded file is invalid (a test checks it is not).
    pub fn embedded() -> Result<Nicknames, NicknameError> {
        Nicknames::from_csv(EMBEDDED)
    }

    /// Reads a `name,nickname` CSV table.
    ///
    /// # Errors
    /// Malformed CSV, a wrong header or an incomplete row.
    pub fn from_csv(text: &str) -> Result<Nicknames, NicknameError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = reader.headers()?;
        if header.len() != 2 || header.get(0) != Some("name") || header.get(1) != Some("nickname") {
            return Err(NicknameError::Header);
        }
        let mut table = Nicknames::default();
        for (i, row) in reader.records().enumerate() {
            let row = row?;
            let name = fold(row.get(0).unwrap_or_default());
            let nick = fold(row.get(1).unwrap_or_default());
            if name.is_empty() || nick.is_empty() || name == nick {
                return Err(NicknameError::Row { row: i + 1 });
            }
            table.add(&name, &nick);
        }
        Ok(table)
    }

    fn add(&mut self, a: &str, b: &str) {
        self.related
            .entry(a.to_owned())
            .or_default()
            .insert(b.to_owned());
        self.related
            .entry(b.to_owned())
            .or_default()
            .insert(a.to_owned());
    }

    /// Whether one name is a nickname of the other (either way; accents and case ignored).
    #[must_use]
    pub fn related(&self, a: &str, b: &str) -> bool {
        let (a, b) = (fold(a.trim()), fold(b.trim()));
        self.related_folded(&a, &b)
    }

    /// [`Nicknames::related`] for names already folded and trimmed.
    pub(crate) fn related_folded(&self, a: &str, b: &str) -> bool {
        self.related.get(a).is_some_and(|set| set.contains(b))
    }

    /// The folded nicknames (and full names) related to a name.
    pub fn of<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.related
            .get(&fold(name.trim()))
            .into_iter()
            .flat_map(|set| set.iter().map(String::as_str))
    }

    /// How many symmetric pairs the table holds.
    #[must_use]
    pub fn pair_count(&self) -> usize {
        self.related.values().map(BTreeSet::len).sum::<usize>() / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_is_symmetric_and_folded() {
        let n = Nicknames::embedded().expect("embedded nicknames");
        assert!(n.pair_count() >= 80, "{}", n.pair_count());
        assert!(n.related("William", "Bill"));
        assert!(n.related("bill", "WILLIAM"));
        assert!(n.related("José", "Pepe"));
        assert!(n.related("jose", "pepe"));
        assert!(n.related("Chuy", "Jesús"));
        assert!(!n.related("Bill", "Will"));
        assert!(!n.related("William", "Robert"));
        assert!(n.of("Francisco").any(|x| x == "paco"));
    }

    #[test]
    fn bad_tables_are_refused() {
        assert!(matches!(
            Nicknames::from_csv("a,b\nx,y\n"),
            Err(NicknameError::Header)
        ));
        assert!(matches!(
            Nicknames::from_csv("name,nickname\nbill,\n"),
            Err(NicknameError::Row { row: 1 })
        ));
        assert!(matches!(
            Nicknames::from_csv("name,nickname\nbill,bill\n"),
            Err(NicknameError::Row { row: 1 })
        ));
        assert!(Nicknames::from_csv("name,nickname\nbill\n").is_err());
    }
}
