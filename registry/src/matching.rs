//! Patient matching at the registry, and merging.
//!
//! Every patient record a push creates is compared ([`salal_matching`]) with
//! the records that share one of its blocking keys (`match_keys`): above the
//! upper threshold the new record is merged into the one already here; between
//! the thresholds the pair waits in the review queue (`match_reviews`) for
//! registry staff; below it they stay two. Twins are never merged
//! automatically (the matcher's own rule). A pair staff called distinct is
//! never proposed again.
//!
//! A merge ([`merge`]) never deletes: the survivor gains every field the old
//! record knew and it did not, every dose of the old record is re-pointed to
//! the survivor, the old record keeps its fields plus `merged_into`, and every
//! organization that knew the old record now sees the survivor. Each of those
//! records takes a new sequence number (survivor first, then the doses, then
//! the old record), so a clinic's pull brings the survivor before the notice
//! that re-points its rows. Changes that still name the old id are applied to
//! the survivor ([`survivors`], used by the push).
//!
//! Everything here runs inside the caller's transaction, which holds the
//! sequence lock ([`crate::records::lock_seq`]).

use crate::records::{doc_from_row, registry_stamp, store_patient_doc};
use salal_matching::{Decision, MatchRecord, Matcher, MedicalRecordNumber, blocking_keys};
use salal_sync::fields::{MERGED_INTO, PATIENT_ID, is_empty};
use salal_sync::merge::Doc;
use serde_json::Value;
use sqlx_core::query::query;
use sqlx_core::query_scalar::query_scalar;
use sqlx_core::row::Row;
use sqlx_postgres::PgConnection;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use uuid::Uuid;

/// Why a merge or a review decision could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// No patient record with that id.
    #[error("there is no patient {0} at the registry")]
    NoPatient(Uuid),
    /// The two ids name one record (or one was already merged into the other).
    #[error("{0} and {1} are already one record")]
    Same(Uuid, Uuid),
    /// The matcher's data (weights, nicknames) could not be read.
    #[error("the matching data cannot be read: {0}")]
    Data(String),
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx_core::Error),
    /// A stored record is damaged.
    #[error("{0}")]
    Damaged(String),
}

/// The shared matcher (weights and nicknames from `assets/matching/`).
pub fn matcher() -> Result<&'static Matcher, MatchError> {
    static MATCHER: OnceLock<Result<Matcher, String>> = OnceLock::new();
    MATCHER
        .get_or_init(|| Matcher::embedded().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| MatchError::Data(e.clone()))
}

fn text(fields: &serde_json::Map<String, Value>, key: &str) -> String {
    fields
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The pseudo-field [`load_patients`] adds: every organization's medical
/// record number for the patient, as `[[org, number], ...]`.
const MEDICAL_RECORDS: &str = "_medical_records";

/// What the matcher compares, from a patient record's fields (and, when
/// loaded for matching, every organization's medical record number).
#[must_use]
pub fn match_record(id: Uuid, fields: &serde_json::Map<String, Value>) -> MatchRecord {
    let medical_records = fields
        .get(MEDICAL_RECORDS)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|pair| {
            let org = pair.get(0)?.as_str()?;
            let number = pair.get(1)?.as_str()?;
            (!number.trim().is_empty()).then(|| MedicalRecordNumber::new(org, number))
        })
        .collect();
    MatchRecord {
        registry_id: Some(id.to_string()),
        birth_certificate: text(fields, "birth_certificate_number"),
        medical_records,
        first_name: text(fields, "first_name"),
        middle_name: text(fields, "middle_name"),
        last_name: text(fields, "last_name"),
        second_last_name: text(fields, "second_last_name"),
        birth_date: text(fields, "birth_date").parse().ok(),
        sex: text(fields, "sex"),
        mother_maiden_name: text(fields, "mother_maiden_name"),
        mother_first_name: text(fields, "mother_first_name"),
        multiple_birth_order: fields
            .get("multiple_birth_order")
            .and_then(Value::as_u64)
            .and_then(|n| u8::try_from(n).ok()),
        address: text(fields, "address_line"),
        postal_code: text(fields, "postal_code"),
        phone: text(fields, "phone"),
    }
}

/// What matching did with a push's new patients.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Matched {
    /// New records merged into one already here.
    pub merged: u64,
    /// Pairs put in the review queue.
    pub queued: u64,
    /// The records new ones were merged into (their doses now sit together).
    pub survivors: Vec<Uuid>,
}

fn damaged(e: impl std::fmt::Display) -> MatchError {
    MatchError::Damaged(e.to_string())
}

/// Loads patient records by id: (fields, merged_into).
async fn load_patients(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, serde_json::Map<String, Value>>, MatchError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Matching reads the private fields too (the owner's), inside the
    // registry, and every organization's medical record number. The pieces
    // are laid over each other here rather than in SQL: jsonb concatenation
    // rebuilds every document in the server, on the writer's critical path.
    let rows = query(
        "SELECT r.id, r.fields, pf.fields AS own, mrn.orgs, mrn.numbers
         FROM unnest($1::uuid[]) AS k(id)
         JOIN records r ON r.entity = 'patient' AND r.id = k.id
         LEFT JOIN LATERAL (
             SELECT fields FROM private_fields
             WHERE entity = 'patient' AND record_id = r.id AND org_id = r.owner_org
         ) pf ON true
         LEFT JOIN LATERAL (
             SELECT array_agg(m.org_id::text) AS orgs,
                    array_agg(m.fields->>'medical_record_number') AS numbers
             FROM private_fields m
             WHERE m.entity = 'patient' AND m.record_id = r.id
               AND m.fields ? 'medical_record_number'
         ) mrn ON true",
    )
    .bind(ids.to_vec())
    .fetch_all(&mut *conn)
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let id: Uuid = row.try_get("id")?;
        let Value::Object(mut fields) = row.try_get::<Value, _>("fields")? else {
            continue;
        };
        if let Some(Value::Object(own)) = row.try_get::<Option<Value>, _>("own")? {
            fields.extend(own);
        }
        let orgs: Vec<String> = row
            .try_get::<Option<Vec<String>>, _>("orgs")?
            .unwrap_or_default();
        let numbers: Vec<Option<String>> = row
            .try_get::<Option<Vec<Option<String>>>, _>("numbers")?
            .unwrap_or_default();
        let medical_records = orgs
            .into_iter()
            .zip(numbers)
            .map(|(org, number)| {
                Value::Array(vec![
                    Value::String(org),
                    number.map_or(Value::Null, Value::String),
                ])
            })
            .collect();
        fields.insert(MEDICAL_RECORDS.to_owned(), Value::Array(medical_records));
        out.insert(id, fields);
    }
    Ok(out)
}

/// The most records a non-identifier blocking key may name and still fetch
/// candidates. A key shared by more tells nobody apart (a name sound and a
/// date that many children have): it is skipped, and the record's other keys
/// find its pairs. Identifier keys (registry id, birth certificate, medical
/// record number, phone) are never skipped.
pub const MAX_BLOCK: i64 = 300;

/// The most records an identifier key fetches (a shared family phone, a
/// reused chart number).
const MAX_IDENTIFIER_BLOCK: i64 = 5000;

/// How a blocking key is stored in `match_keys`: the first 8 bytes of its
/// SHA-256, as a signed 64-bit integer. A fixed-size key keeps the index
/// small and its comparisons cheap (a text key compares under the
/// database's collation); a collision only adds a candidate, which the
/// matcher scores like any other.
#[must_use]
pub fn key_hash(key: &str) -> i64 {
    let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.as_ref()[..8]);
    i64::from_be_bytes(first)
}

fn identifier_key(key: &str) -> bool {
    ["id:", "bc:", "mrn:", "ph:"]
        .iter()
        .any(|prefix| key.starts_with(prefix))
}

/// Candidates already read in this transaction: the patients sharing each
/// blocking key looked up, and their fields. A round of HL7 messages looks
/// its probes' candidates up once ([`find_matches_cached`]) and the push's
/// matching of the records it creates ([`match_new_patients_cached`]) reuses
/// them, reading only keys and records it lacks. Whoever writes a patient
/// record forgets it here first ([`CandidateCache::forget`]), so what is
/// kept is always what the database holds.
#[derive(Debug, Default)]
pub struct CandidateCache {
    /// Every key looked up, with the patients it named (capped as read).
    by_key: HashMap<String, Vec<Uuid>>,
    /// The fields of patients read (the owner's private fields laid over).
    known: HashMap<Uuid, serde_json::Map<String, Value>>,
}

impl CandidateCache {
    /// Forgets `ids` (their records are about to change, or changed).
    pub fn forget(&mut self, ids: &[Uuid]) {
        if ids.is_empty() {
            return;
        }
        let gone: HashSet<&Uuid> = ids.iter().collect();
        for id in ids {
            self.known.remove(id);
        }
        for patients in self.by_key.values_mut() {
            patients.retain(|p| !gone.contains(p));
        }
    }

    /// Records that `id` now has `keys` (a key never looked up stays unknown).
    fn add_keys(&mut self, id: Uuid, keys: &[String]) {
        for key in keys {
            if let Some(patients) = self.by_key.get_mut(key) {
                patients.push(id);
            }
        }
    }
}

/// The patients sharing each of `keys` (blocking keys), and their records,
/// read through `cache`. Each key reads at most one record past its cap
/// ([`MAX_BLOCK`]), so a common key costs as little as a rare one.
async fn candidates_by_key(
    conn: &mut PgConnection,
    keys: Vec<String>,
    cache: &mut CandidateCache,
) -> Result<
    (
        HashMap<String, Vec<Uuid>>,
        HashMap<Uuid, serde_json::Map<String, Value>>,
    ),
    MatchError,
> {
    let missing: Vec<String> = keys
        .iter()
        .filter(|k| !cache.by_key.contains_key(*k))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let hashes: Vec<i64> = missing.iter().map(|k| key_hash(k)).collect();
        let limits: Vec<i64> = missing
            .iter()
            .map(|k| {
                if identifier_key(k) {
                    MAX_IDENTIFIER_BLOCK
                } else {
                    MAX_BLOCK + 1
                }
            })
            .collect();
        let rows = query(
            "SELECT k.key, m.patient_id FROM unnest($1::int8[], $2::int8[]) AS k(key, lim)
             CROSS JOIN LATERAL (
                 SELECT patient_id FROM match_keys WHERE key = k.key LIMIT k.lim
             ) m",
        )
        .bind(&hashes)
        .bind(&limits)
        .fetch_all(&mut *conn)
        .await?;
        // Two keys of one lookup with the same hash (never seen: 64 bits)
        // both get the patients; a patient fetched by a colliding key is only
        // one more candidate for the matcher to tell apart.
        let mut named: HashMap<i64, Vec<usize>> = HashMap::with_capacity(missing.len());
        for (i, hash) in hashes.iter().enumerate() {
            named.entry(*hash).or_default().push(i);
        }
        let mut found: Vec<Vec<Uuid>> = vec![Vec::new(); missing.len()];
        for row in rows {
            let hash: i64 = row.try_get("key")?;
            let patient: Uuid = row.try_get("patient_id")?;
            for &i in named.get(&hash).into_iter().flatten() {
                found[i].push(patient);
            }
        }
        cache.by_key.extend(missing.into_iter().zip(found));
    }
    let mut by_key: HashMap<String, Vec<Uuid>> = keys
        .into_iter()
        .filter_map(|k| {
            let ids = cache.by_key.get(&k)?.clone();
            (!ids.is_empty()).then_some((k, ids))
        })
        .collect();
    by_key.retain(|key, ids| {
        identifier_key(key) || i64::try_from(ids.len()).is_ok_and(|n| n <= MAX_BLOCK)
    });
    let ids: HashSet<Uuid> = by_key.values().flatten().copied().collect();
    let unread: Vec<Uuid> = ids
        .iter()
        .filter(|id| !cache.known.contains_key(*id))
        .copied()
        .collect();
    cache.known.extend(load_patients(conn, &unread).await?);
    let known = ids
        .into_iter()
        .filter_map(|id| Some((id, cache.known.get(&id)?.clone())))
        .collect();
    Ok((by_key, known))
}

/// Matches the patients a push created against the registry, merging or
/// queueing as the matcher decides, and refreshes the blocking keys of the
/// patients it updated. Returns what it did.
pub async fn match_new_patients(
    conn: &mut PgConnection,
    created: &[Uuid],
    updated: &[Uuid],
) -> Result<Matched, MatchError> {
    match_new_patients_cached(conn, created, updated, &mut CandidateCache::default()).await
}

/// [`match_new_patients`] reading candidates through `cache`, which must not
/// hold `created` or `updated` (forget them before writing them). What the
/// matching merges is forgotten again.
pub async fn match_new_patients_cached(
    conn: &mut PgConnection,
    created: &[Uuid],
    updated: &[Uuid],
    cache: &mut CandidateCache,
) -> Result<Matched, MatchError> {
    let matched = match_new_inner(conn, created, updated, cache).await?;
    cache.forget(&matched.survivors);
    cache.forget(created);
    Ok(matched)
}

async fn match_new_inner(
    conn: &mut PgConnection,
    created: &[Uuid],
    updated: &[Uuid],
    cache: &mut CandidateCache,
) -> Result<Matched, MatchError> {
    cache.forget(created);
    let mut matched = Matched::default();
    if created.is_empty() && updated.is_empty() {
        return Ok(matched);
    }
    let matcher = matcher()?;
    if !updated.is_empty() {
        let records = load_patients(conn, updated).await?;
        let keep: Vec<Uuid> = records
            .iter()
            .filter(|(_, f)| !f.contains_key(MERGED_INTO))
            .map(|(id, _)| *id)
            .collect();
        query("DELETE FROM match_keys WHERE patient_id = ANY($1)")
            .bind(keep.clone())
            .execute(&mut *conn)
            .await?;
        let mut keys = Vec::new();
        cache.forget(&keep);
        for id in keep {
            if let Some(fields) = records.get(&id) {
                let own = blocking_keys(&match_record(id, fields));
                cache.add_keys(id, &own);
                cache.known.insert(id, fields.clone());
                keys.extend(own.into_iter().map(|k| (k, id)));
            }
        }
        insert_keys(conn, &keys).await?;
    }
    if created.is_empty() {
        return Ok(matched);
    }
    let new_records = load_patients(conn, created).await?;
    let mut new_keys: Vec<(Uuid, Vec<String>)> = Vec::with_capacity(created.len());
    for id in created {
        if let Some(fields) = new_records.get(id) {
            new_keys.push((*id, blocking_keys(&match_record(*id, fields))));
        }
    }
    let all_keys: Vec<String> = new_keys
        .iter()
        .flat_map(|(_, keys)| keys.iter().cloned())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Candidates already here, by key.
    let (mut by_key, mut known) = candidates_by_key(conn, all_keys, cache).await?;
    let distinct = distinct_pairs(conn, created).await?;

    let mut keys_to_add: Vec<(String, Uuid)> = Vec::new();
    for (id, keys) in &new_keys {
        let Some(fields) = new_records.get(id) else {
            continue;
        };
        let mut seen = HashSet::new();
        let candidates: Vec<Uuid> = keys
            .iter()
            .filter_map(|k| by_key.get(k))
            .flatten()
            .copied()
            .filter(|c| c != id && seen.insert(*c))
            .filter(|c| !distinct.contains(&ordered(*id, *c)))
            .filter(|c| known.get(c).is_some_and(|f| !f.contains_key(MERGED_INTO)))
            .collect();
        let records: Vec<MatchRecord> = candidates
            .iter()
            .filter_map(|c| known.get(c).map(|f| match_record(*c, f)))
            .collect();
        let outcome = matcher.best(&match_record(*id, fields), &records);
        let best = outcome.best.and_then(|i| candidates.get(i).copied());
        let score = outcome.comparison.as_ref().map_or(0.0, |c| c.score);
        match (outcome.decision, best) {
            (Decision::Merge, Some(survivor)) => {
                merge(conn, survivor, *id, "matching", Some(score)).await?;
                matched.merged += 1;
                matched.survivors.push(survivor_of(conn, survivor).await?);
                continue;
            }
            (Decision::Review, Some(_)) => {
                for i in &outcome.reviewable {
                    if let Some(other) = candidates.get(*i) {
                        let comparison = matcher.compare(&match_record(*id, fields), &records[*i]);
                        queue(
                            conn,
                            *id,
                            *other,
                            comparison.score,
                            &format!("{:?}", comparison.rule),
                        )
                        .await?;
                        matched.queued += 1;
                    }
                }
            }
            _ => {}
        }
        // Still its own record: later records of this push may match it.
        for key in keys {
            by_key.entry(key.clone()).or_default().push(*id);
            keys_to_add.push((key.clone(), *id));
        }
        known.insert(*id, fields.clone());
    }
    insert_keys(conn, &keys_to_add).await?;
    Ok(matched)
}

/// The record already at the registry that `record` is, as the matcher
/// decides over the candidates sharing a blocking key: `Some((id, Merge))`
/// for one record the matcher would merge with, `Some((id, Review))` when a
/// person must look, `None` when no candidate comes close. Merged records are
/// never candidates (their keys name their survivors). Feeds call this
/// before they write, so a child already known is updated, not created again.
pub async fn find_match(
    conn: &mut PgConnection,
    record: &MatchRecord,
) -> Result<Option<(Uuid, Decision)>, MatchError> {
    let mut found = find_matches(conn, std::slice::from_ref(record), false).await?;
    Ok(found.pop().flatten())
}

/// [`find_match`] for many records at once (one query for the candidates of
/// all of them). With `identifiers_only`, candidates are only the records
/// sharing a registry id, birth certificate or medical record number (the
/// cheap, certain part; the full matching still runs when the new records are
/// written).
pub async fn find_matches(
    conn: &mut PgConnection,
    records: &[MatchRecord],
    identifiers_only: bool,
) -> Result<Vec<Option<(Uuid, Decision)>>, MatchError> {
    let identifier = |key: &String| {
        !identifiers_only
            || key.starts_with("id:")
            || key.starts_with("bc:")
            || key.starts_with("mrn:")
    };
    let keys: Vec<Vec<String>> = records
        .iter()
        .map(|r| blocking_keys(r).into_iter().filter(identifier).collect())
        .collect();
    find_matches_keyed(conn, records, &keys).await
}

/// [`find_matches`] for records whose blocking keys are already known
/// (`keys[i]` are `records[i]`'s, as `salal_matching::blocking_keys` makes them).
pub async fn find_matches_keyed(
    conn: &mut PgConnection,
    records: &[MatchRecord],
    keys: &[Vec<String>],
) -> Result<Vec<Option<(Uuid, Decision)>>, MatchError> {
    find_matches_cached(conn, records, keys, &mut CandidateCache::default()).await
}

/// [`find_matches_keyed`] reading candidates through `cache`.
pub async fn find_matches_cached(
    conn: &mut PgConnection,
    records: &[MatchRecord],
    keys: &[Vec<String>],
    cache: &mut CandidateCache,
) -> Result<Vec<Option<(Uuid, Decision)>>, MatchError> {
    let matcher = matcher()?;
    let all_keys: Vec<String> = keys
        .iter()
        .flatten()
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if all_keys.is_empty() {
        return Ok(vec![None; records.len()]);
    }
    let (by_key, known) = candidates_by_key(conn, all_keys, cache).await?;
    let mut out = Vec::with_capacity(records.len());
    for (record, keys) in records.iter().zip(keys) {
        let mut candidates: Vec<Uuid> = keys
            .iter()
            .filter_map(|k| by_key.get(k))
            .flatten()
            .copied()
            .filter(|c| known.get(c).is_some_and(|f| !f.contains_key(MERGED_INTO)))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        candidates.sort_unstable();
        let compared: Vec<MatchRecord> = candidates
            .iter()
            .filter_map(|c| known.get(c).map(|f| match_record(*c, f)))
            .collect();
        let outcome = matcher.best(record, &compared);
        out.push(
            match (
                outcome.decision,
                outcome.best.and_then(|i| candidates.get(i)),
            ) {
                (Decision::Distinct, _) | (_, None) => None,
                (decision, Some(id)) => Some((*id, decision)),
            },
        );
    }
    Ok(out)
}

/// One record at the registry a query could name, as the matcher scored it.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The record.
    pub id: Uuid,
    /// Its fields as matching reads them (shared fields and every
    /// organization's private ones: never send them as they are).
    pub fields: serde_json::Map<String, Value>,
    /// The matcher's score against the query.
    pub score: f64,
    /// The matcher's decision for this pair alone.
    pub decision: Decision,
}

/// Every record sharing a blocking key with a query, scored.
#[derive(Debug, Clone)]
pub struct Candidates {
    /// The matcher's decision over all of them ([`Matcher::best`]): `Merge`
    /// only when exactly one record is the one asked for.
    pub decision: Decision,
    /// Best first (the one to merge with first when `decision` is `Merge`).
    pub list: Vec<Candidate>,
}

/// The records `record` could be, as the matcher decides over the
/// candidates sharing one of its blocking keys (merged records never
/// listed). Queries from partners use it to tell one match from several.
pub async fn candidates(
    conn: &mut PgConnection,
    record: &MatchRecord,
) -> Result<Candidates, MatchError> {
    let matcher = matcher()?;
    let keys = blocking_keys(record);
    if keys.is_empty() {
        return Ok(Candidates {
            decision: Decision::Distinct,
            list: Vec::new(),
        });
    }
    let (by_key, mut known) = candidates_by_key(conn, keys, &mut CandidateCache::default()).await?;
    let mut ids: Vec<Uuid> = by_key
        .values()
        .flatten()
        .copied()
        .filter(|c| known.get(c).is_some_and(|f| !f.contains_key(MERGED_INTO)))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    ids.sort_unstable();
    let compared: Vec<MatchRecord> = ids
        .iter()
        .filter_map(|c| known.get(c).map(|f| match_record(*c, f)))
        .collect();
    let outcome = matcher.best(record, &compared);
    let best = outcome.best.and_then(|i| ids.get(i).copied());
    let mut list: Vec<Candidate> = ids
        .iter()
        .zip(&compared)
        .filter_map(|(id, other)| {
            let comparison = matcher.compare(record, other);
            Some(Candidate {
                id: *id,
                fields: known.remove(id)?,
                score: comparison.score,
                decision: comparison.decision,
            })
        })
        .collect();
    list.sort_by(|a, b| {
        (Some(b.id) == best)
            .cmp(&(Some(a.id) == best))
            .then(b.score.total_cmp(&a.score))
            .then(a.id.cmp(&b.id))
    });
    Ok(Candidates {
        decision: outcome.decision,
        list,
    })
}

/// The `settings` key holding the blocking-key scheme the stored keys were
/// built with ([`salal_matching::KEYS_VERSION`]).
pub const KEYS_SETTING: &str = "blocking_keys_version";

/// How many patients [`rekey`] rebuilds per transaction.
const REKEY_BATCH: i64 = 2000;

/// Rebuilds the blocking keys of every patient record that is not merged
/// (in batches, each its own transaction holding the sequence lock) when
/// they were built with another key scheme than this build's, and records
/// the scheme. Returns how many records were rebuilt (0 when the keys were
/// current). `salal-registry migrate` calls it.
pub async fn rekey_if_needed(pool: &sqlx_postgres::PgPool) -> Result<u64, MatchError> {
    let current = salal_matching::KEYS_VERSION.to_string();
    let stored: Option<String> = query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(KEYS_SETTING)
        .fetch_optional(pool)
        .await?;
    if stored.as_deref() == Some(current.as_str()) {
        return Ok(0);
    }
    let mut after = Uuid::nil();
    let mut rebuilt = 0u64;
    loop {
        let mut tx = pool.begin().await?;
        crate::records::lock_seq(&mut tx).await?;
        let ids: Vec<Uuid> = query_scalar(
            "SELECT id FROM records WHERE entity = 'patient' AND id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(REKEY_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        after = last;
        let records = load_patients(&mut tx, &ids).await?;
        let keep: Vec<Uuid> = records
            .iter()
            .filter(|(_, f)| !f.contains_key(MERGED_INTO))
            .map(|(id, _)| *id)
            .collect();
        query("DELETE FROM match_keys WHERE patient_id = ANY($1)")
            .bind(keep.clone())
            .execute(&mut *tx)
            .await?;
        let mut keys = Vec::new();
        for id in &keep {
            if let Some(fields) = records.get(id) {
                keys.extend(
                    blocking_keys(&match_record(*id, fields))
                        .into_iter()
                        .map(|k| (k, *id)),
                );
            }
        }
        insert_keys(&mut tx, &keys).await?;
        tx.commit().await?;
        rebuilt += u64::try_from(keep.len()).unwrap_or(u64::MAX);
    }
    query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
    )
    .bind(KEYS_SETTING)
    .bind(&current)
    .execute(pool)
    .await?;
    Ok(rebuilt)
}

/// The current fields of patient records (the owner's private fields laid
/// over, as matching reads them), by id.
pub async fn patient_fields(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, serde_json::Map<String, Value>>, MatchError> {
    load_patients(conn, ids).await
}

fn ordered(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a < b { (a, b) } else { (b, a) }
}

async fn insert_keys(conn: &mut PgConnection, keys: &[(String, Uuid)]) -> Result<(), MatchError> {
    if keys.is_empty() {
        return Ok(());
    }
    let (hashes, ids): (Vec<i64>, Vec<Uuid>) =
        keys.iter().map(|(k, id)| (key_hash(k), *id)).unzip();
    query(
        "INSERT INTO match_keys (key, patient_id)
         SELECT k, p FROM unnest($1::int8[], $2::uuid[]) AS t(k, p)
         ON CONFLICT DO NOTHING",
    )
    .bind(hashes)
    .bind(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Pairs staff called distinct that involve any of `ids`.
async fn distinct_pairs(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<HashSet<(Uuid, Uuid)>, MatchError> {
    let rows = query(
        "SELECT patient_a, patient_b FROM match_reviews
         WHERE status = 'distinct' AND (patient_a = ANY($1) OR patient_b = ANY($1))",
    )
    .bind(ids.to_vec())
    .fetch_all(conn)
    .await?;
    let mut out = HashSet::with_capacity(rows.len());
    for row in rows {
        out.insert((row.try_get("patient_a")?, row.try_get("patient_b")?));
    }
    Ok(out)
}

/// Puts a pair in the review queue (once).
async fn queue(
    conn: &mut PgConnection,
    a: Uuid,
    b: Uuid,
    score: f64,
    detail: &str,
) -> Result<(), MatchError> {
    let (a, b) = ordered(a, b);
    query(
        "INSERT INTO match_reviews (patient_a, patient_b, score, detail)
         VALUES ($1, $2, $3, $4) ON CONFLICT (patient_a, patient_b) DO NOTHING",
    )
    .bind(a)
    .bind(b)
    .bind(score)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// The record a (possibly merged) patient id now lives in.
pub async fn survivor_of(conn: &mut PgConnection, id: Uuid) -> Result<Uuid, MatchError> {
    let survivor: Option<Uuid> =
        query_scalar("SELECT survivor_id FROM patient_merges WHERE old_id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(survivor.unwrap_or(id))
}

/// For each of `ids` that was merged: the survivor it now lives in.
pub async fn survivors(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Uuid>, sqlx_core::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = query("SELECT old_id, survivor_id FROM patient_merges WHERE old_id = ANY($1)")
        .bind(ids.to_vec())
        .fetch_all(conn)
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        out.insert(row.try_get("old_id")?, row.try_get("survivor_id")?);
    }
    Ok(out)
}

async fn load_doc(conn: &mut PgConnection, id: Uuid) -> Result<Doc, MatchError> {
    let row =
        query("SELECT fields, stamps FROM records WHERE entity = 'patient' AND id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(MatchError::NoPatient(id))?;
    doc_from_row(
        "patient",
        id,
        row.try_get("fields")?,
        row.try_get("stamps")?,
    )
    .map_err(damaged)
}

/// Merges patient `old` into `survivor` (see the module doc); `by` names who
/// decided (`matching`, or a staff member). Audited.
pub async fn merge(
    conn: &mut PgConnection,
    survivor: Uuid,
    old: Uuid,
    by: &str,
    score: Option<f64>,
) -> Result<(), MatchError> {
    let survivor = survivor_of(conn, survivor).await?;
    let old_now = survivor_of(conn, old).await?;
    if survivor == old || old_now != old {
        return Err(MatchError::Same(survivor, old));
    }
    let mut kept = load_doc(conn, survivor).await?;
    let mut merged = load_doc(conn, old).await?;
    if kept.fields.contains_key(MERGED_INTO) {
        return Err(MatchError::Same(survivor, old));
    }
    // The survivor keeps its own values and gains what only the old record knew.
    for (field, value) in &merged.fields {
        if field == MERGED_INTO || is_empty(value) {
            continue;
        }
        if kept.fields.get(field).is_none_or(is_empty) {
            kept.fields.insert(field.clone(), value.clone());
            if let Some(stamp) = merged.stamps.get(field) {
                kept.stamps.insert(field.clone(), *stamp);
            }
        }
    }
    let stamp = registry_stamp();
    if crate::optout::is_opted_out(&merged.fields) && !crate::optout::is_opted_out(&kept.fields) {
        // The family declined at the clinic that made the other record: the
        // decline holds for the one record.
        if let Some(decline) = merged.fields.get("registry_participation") {
            kept.fields
                .insert("registry_participation".to_owned(), decline.clone());
            kept.stamps
                .insert("registry_participation".to_owned(), stamp);
        }
    }
    store_patient_doc(conn, survivor, &kept).await?;
    query(
        "UPDATE records SET patient_id = $2,
                fields = jsonb_set(fields, ARRAY[$3::text], to_jsonb($2::text)),
                stamps = jsonb_set(stamps, ARRAY[$3::text], to_jsonb($4::text)),
                seq = nextval('change_seq'), updated_at = now()
         WHERE entity = 'dose' AND patient_id = $1",
    )
    .bind(old)
    .bind(survivor)
    .bind(PATIENT_ID)
    .bind(stamp.to_string())
    .execute(&mut *conn)
    .await?;
    merged
        .fields
        .insert(MERGED_INTO.to_owned(), Value::String(survivor.to_string()));
    merged.stamps.insert(MERGED_INTO.to_owned(), stamp);
    store_patient_doc(conn, old, &merged).await?;
    query(
        "INSERT INTO patient_orgs (patient_id, org_id)
         SELECT $2, org_id FROM patient_orgs WHERE patient_id = $1
         ON CONFLICT DO NOTHING",
    )
    .bind(old)
    .bind(survivor)
    .execute(&mut *conn)
    .await?;
    // Each organization's private values of the old record go with it to
    // the survivor, still private to that organization.
    query(
        "INSERT INTO private_fields (entity, record_id, org_id, fields, stamps)
         SELECT 'patient', $2, org_id, fields, stamps FROM private_fields
         WHERE entity = 'patient' AND record_id = $1
         ON CONFLICT (entity, record_id, org_id) DO NOTHING",
    )
    .bind(old)
    .bind(survivor)
    .execute(&mut *conn)
    .await?;
    query(
        "INSERT INTO match_keys (key, patient_id)
         SELECT key, $2 FROM match_keys WHERE patient_id = $1 ON CONFLICT DO NOTHING",
    )
    .bind(old)
    .bind(survivor)
    .execute(&mut *conn)
    .await?;
    query("DELETE FROM match_keys WHERE patient_id = $1")
        .bind(old)
        .execute(&mut *conn)
        .await?;
    query("UPDATE patient_merges SET survivor_id = $2 WHERE survivor_id = $1")
        .bind(old)
        .bind(survivor)
        .execute(&mut *conn)
        .await?;
    query(
        "INSERT INTO patient_merges (old_id, survivor_id, score, decided_by)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(old)
    .bind(survivor)
    .bind(score)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    // An opted-out survivor keeps only its minimal record (the doses just
    // moved to it included).
    crate::optout::enforce(conn, survivor).await?;
    let (a, b) = ordered(survivor, old);
    query(
        "UPDATE match_reviews SET status = 'merged', decided_by = $3, decided_at = now()
         WHERE status = 'open' AND ((patient_a = $1 AND patient_b = $2)
            OR patient_a = $4 OR patient_b = $4)",
    )
    .bind(a)
    .bind(b)
    .bind(by)
    .bind(old)
    .execute(&mut *conn)
    .await?;
    audit(
        conn,
        by,
        None,
        "patient_merge",
        Some(old),
        &format!(
            "into {survivor}{}",
            score.map_or(String::new(), |s| format!(" (score {s:.1})"))
        ),
    )
    .await?;
    Ok(())
}

/// Records that staff found `a` and `b` to be different people: the pair
/// leaves the queue and is never proposed again. Audited.
pub async fn mark_distinct(
    conn: &mut PgConnection,
    a: Uuid,
    b: Uuid,
    by: &str,
) -> Result<(), MatchError> {
    if a == b {
        return Err(MatchError::Same(a, b));
    }
    for id in [a, b] {
        load_doc(conn, id).await?;
    }
    let (a, b) = ordered(a, b);
    query(
        "INSERT INTO match_reviews (patient_a, patient_b, score, status, decided_by, decided_at)
         VALUES ($1, $2, 0, 'distinct', $3, now())
         ON CONFLICT (patient_a, patient_b) DO UPDATE
           SET status = 'distinct', decided_by = EXCLUDED.decided_by, decided_at = now()",
    )
    .bind(a)
    .bind(b)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    audit(
        conn,
        by,
        None,
        "patient_distinct",
        Some(a),
        &format!("from {b}"),
    )
    .await?;
    Ok(())
}

/// Appends a row to the registry's audit log.
pub async fn audit(
    conn: &mut PgConnection,
    actor: &str,
    org: Option<Uuid>,
    action: &str,
    patient: Option<Uuid>,
    detail: &str,
) -> Result<(), sqlx_core::Error> {
    query(
        "INSERT INTO audit (actor, org_id, action, patient_id, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor)
    .bind(org)
    .bind(action)
    .bind(patient)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// One pair waiting in the review queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// One record (the smaller id).
    pub a: Uuid,
    /// The other.
    pub b: Uuid,
    /// The matcher's score.
    pub score: f64,
    /// "Last, First" and birth date of each.
    pub a_summary: String,
    /// The same for `b`.
    pub b_summary: String,
}

fn summary(fields: &serde_json::Map<String, Value>) -> String {
    let last = [text(fields, "last_name"), text(fields, "second_last_name")]
        .join(" ")
        .trim()
        .to_owned();
    let first = [text(fields, "first_name"), text(fields, "middle_name")]
        .join(" ")
        .trim()
        .to_owned();
    format!("{last}, {first} {}", text(fields, "birth_date"))
}

/// The open pairs, oldest first.
pub async fn open_reviews(conn: &mut PgConnection) -> Result<Vec<Review>, MatchError> {
    let rows = query(
        "SELECT m.patient_a, m.patient_b, m.score, a.fields AS a_fields, b.fields AS b_fields
         FROM match_reviews m
         JOIN records a ON a.entity = 'patient' AND a.id = m.patient_a
         JOIN records b ON b.entity = 'patient' AND b.id = m.patient_b
         WHERE m.status = 'open' ORDER BY m.created_at, m.id",
    )
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let fields = |column: &str| -> Result<serde_json::Map<String, Value>, MatchError> {
            match row.try_get::<Value, _>(column)? {
                Value::Object(map) => Ok(map),
                _ => Err(damaged("a patient's fields are not an object")),
            }
        };
        out.push(Review {
            a: row.try_get("patient_a")?,
            b: row.try_get("patient_b")?,
            score: row.try_get("score")?,
            a_summary: summary(&fields("a_fields")?),
            b_summary: summary(&fields("b_fields")?),
        });
    }
    Ok(out)
}
