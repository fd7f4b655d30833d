//! Patient search: names through the FTS5 index (accents folded, prefixes),
//! birth dates through their index, chart and birth certificate numbers
//! through theirs, and the user's recent patients first.
//!
//! Ranked inside the index, so the best match is never cut from a large
//! match set: a name query first reads the patients whose names hold every
//! typed word whole (newest first, at most [`CANDIDATES`]), and only then
//! the ones matching every word as a prefix. So "ana garcia lopez" lists Ana
//! García López first on a replica with thousands of Garcías. A query with a
//! birth date reads that day's patients (a few hundred at most) and filters
//! names in memory. Merged patients are not in the index (their survivor is).

use crate::read::parse;
use crate::{Store, StoreError};
use chrono::NaiveDate;
use rusqlite::Row;
use salal_core::ids::UserId;
use salal_core::patient::PatientSummary;
use salal_core::patient::Sex;
use salal_core::search::{SearchQuery, name_tokens};

/// How many name matches of each kind (whole words, prefixes) are read before ranking.
const CANDIDATES: u32 = 200;
/// How many recent patients are considered.
const RECENT: u32 = 50;

/// Columns of `patient_summaries s`, in the order [`summary`] reads them.
const COLUMNS: &str = "s.id, s.display_name, s.birth_date, s.sex, s.guardian_name, s.rowid";

/// A search result with its patient key (higher: registered later).
struct Candidate {
    key: i64,
    summary: PatientSummary,
}

fn summary(row: &Row<'_>) -> rusqlite::Result<Result<Candidate, StoreError>> {
    let id: String = row.get(0)?;
    let display_name: String = row.get(1)?;
    let birth: String = row.get(2)?;
    let sex: String = row.get(3)?;
    let guardian_name: String = row.get(4)?;
    let key: i64 = row.get(5)?;
    Ok((|| {
        Ok(Candidate {
            key,
            summary: PatientSummary {
                id: parse(&id, "patient id")?,
                display_name,
                birth_date: parse::<NaiveDate>(&birth, "birth date")?,
                sex: Sex::from_code(&sex).unwrap_or_default(),
                guardian_name,
            },
        })
    })())
}

/// An FTS5 query matching every token, whole (`"ana" AND "garcia"`) or as a prefix.
fn fts_query(tokens: &[String], prefix: bool) -> String {
    tokens
        .iter()
        .map(|t| {
            let quoted = format!("\"{}\"", t.replace('"', "\"\""));
            if prefix { quoted + "*" } else { quoted }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn matches_names(summary: &PatientSummary, tokens: &[String]) -> bool {
    let names = name_tokens(&summary.display_name);
    tokens
        .iter()
        .all(|t| names.iter().any(|n| n.starts_with(t.as_str())))
}

/// How well the names match: whole-word matches count more than prefixes.
fn score(summary: &PatientSummary, tokens: &[String]) -> usize {
    let names = name_tokens(&summary.display_name);
    tokens
        .iter()
        .filter(|t| names.iter().any(|n| n == *t))
        .count()
}

impl Store {
    /// Finds patients by any mix of name parts and a birth date, recent ones first.
    pub fn search_patients(
        &self,
        query: &SearchQuery,
        user: Option<UserId>,
        limit: usize,
    ) -> Result<Vec<PatientSummary>, StoreError> {
        if query.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let matches = |s: &PatientSummary| {
            matches_names(s, &query.name_tokens)
                && (query.birth_dates.is_empty() || query.birth_dates.contains(&s.birth_date))
        };
        let mut results: Vec<PatientSummary> = Vec::new();
        // A chart or birth certificate number typed whole finds its patient
        // first, whatever else the word could be read as.
        if let Some(identifier) = &query.identifier {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM patients p JOIN patient_summaries s ON s.rowid = p.pk
                 WHERE (p.medical_record_number = ?1 COLLATE NOCASE AND p.medical_record_number <> '')
                    OR (p.birth_certificate_number = ?1 COLLATE NOCASE AND p.birth_certificate_number <> '')
                 ORDER BY p.pk DESC LIMIT {RECENT}"
            ))?;
            for row in stmt.query_map([identifier.trim()], summary)? {
                let candidate = row??;
                if results.len() < limit {
                    results.push(candidate.summary);
                }
            }
        }
        if let Some(user) = user {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM recent_patients r JOIN patients p ON p.id = r.patient_id
                 JOIN patient_summaries s ON s.rowid = p.pk
                 WHERE r.user_id = ?1 ORDER BY r.viewed_at DESC LIMIT {RECENT}"
            ))?;
            for row in stmt.query_map([user.to_string()], summary)? {
                let candidate = row??;
                if matches(&candidate.summary)
                    && results.len() < limit
                    && !results.iter().any(|r| r.id == candidate.summary.id)
                {
                    results.push(candidate.summary);
                }
            }
        }
        let mut others: Vec<Candidate> = Vec::new();
        if query.birth_dates.is_empty() {
            // Whole words first, then prefixes: each read newest first and
            // bounded, so a common surname's prefix matches cannot push out
            // the patient whose full name was typed.
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM patient_names f JOIN patient_summaries s ON s.rowid = f.rowid
                 WHERE patient_names MATCH ?1 ORDER BY f.rowid DESC LIMIT {CANDIDATES}"
            ))?;
            for prefix in [false, true] {
                for row in stmt.query_map([fts_query(&query.name_tokens, prefix)], summary)? {
                    others.push(row??);
                }
            }
        } else {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM patient_summaries s WHERE s.birth_date = ?1"
            ))?;
            for date in &query.birth_dates {
                for row in stmt.query_map([date.to_string()], summary)? {
                    let candidate = row??;
                    if matches(&candidate.summary) {
                        others.push(candidate);
                    }
                }
            }
        }
        // Dates in the order the user's language reads them, then more whole-word
        // matches, then the most recently registered.
        // Each key is computed once per candidate, not once per comparison.
        others.sort_by_cached_key(|c| {
            let date_rank = query
                .birth_dates
                .iter()
                .position(|d| *d == c.summary.birth_date);
            (
                date_rank,
                std::cmp::Reverse(score(&c.summary, &query.name_tokens)),
                std::cmp::Reverse(c.key),
            )
        });
        for candidate in others {
            if results.len() >= limit {
                break;
            }
            if !results.iter().any(|r| r.id == candidate.summary.id) {
                results.push(candidate.summary);
            }
        }
        Ok(results)
    }
}
