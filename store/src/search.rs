//! Patient search: names through the FTS5 index (accents folded, prefixes),
//! birth dates through their index, and the user's recent patients first.
//!
//! Kept fast on a million patients by never sorting a large match set: a
//! name query reads at most [`CANDIDATES`] matches in index order and ranks
//! those; a query with a birth date reads that day's patients (a few hundred
//! at most) and filters names in memory.

use crate::read::{SUMMARY_COLUMNS, summary_from_row};
use crate::{Store, StoreError};
use salal_core::ids::UserId;
use salal_core::patient::PatientSummary;
use salal_core::search::{SearchQuery, name_tokens};

/// How many name matches are read before ranking.
const CANDIDATES: u32 = 200;
/// How many recent patients are considered.
const RECENT: u32 = 50;

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
        if let Some(user) = user {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM recent_patients r JOIN patients p ON p.id = r.patient_id
                 WHERE r.user_id = ?1 ORDER BY r.viewed_at DESC LIMIT {RECENT}"
            ))?;
            for row in stmt.query_map([user.to_string()], summary_from_row)? {
                let summary = row??;
                if matches(&summary) && results.len() < limit {
                    results.push(summary);
                }
            }
        }
        let mut others: Vec<PatientSummary> = Vec::new();
        if query.birth_dates.is_empty() {
            let fts: String = query
                .name_tokens
                .iter()
                .map(|t| format!("\"{t}\"*"))
                .collect::<Vec<_>>()
                .join(" AND ");
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM patient_names f JOIN patients p ON p.rowid = f.rowid
                 WHERE patient_names MATCH ?1 LIMIT {CANDIDATES}"
            ))?;
            for row in stmt.query_map([fts], summary_from_row)? {
                others.push(row??);
            }
        } else {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM patients p WHERE p.birth_date = ?1"
            ))?;
            for date in &query.birth_dates {
                for row in stmt.query_map([date.to_string()], summary_from_row)? {
                    let summary = row??;
                    if matches(&summary) {
                        others.push(summary);
                    }
                }
            }
        }
        // Dates in the order the user's language reads them, then better name matches, then alphabetical.
        others.sort_by(|a, b| {
            let date_rank =
                |s: &PatientSummary| query.birth_dates.iter().position(|d| *d == s.birth_date);
            date_rank(a)
                .cmp(&date_rank(b))
                .then(score(b, &query.name_tokens).cmp(&score(a, &query.name_tokens)))
                .then_with(|| a.display_name.cmp(&b.display_name))
        });
        for summary in others {
            if results.len() >= limit {
                break;
            }
            if !results.iter().any(|r| r.id == summary.id) {
                results.push(summary);
            }
        }
        Ok(results)
    }
}
