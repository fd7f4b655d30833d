//! Vaccination-level de-duplication: the same dose reported by two sources.
//!
//! After a push (and after a merge brings two records' doses together), the
//! administered and historical doses of each touched patient are compared
//! pairwise with `salal_matching::doses` (same vaccine group from the CDC CVX
//! map, dates within the window kept in `assets/matching/weights.json`,
//! compatible CVX — equal, or one an "unspecified formulation" code — and
//! compatible lots). Each group of duplicates keeps every report; the most
//! complete one is the one shown, and every other gets `duplicate_of` naming
//! it (a field only the registry sets), with a new sequence number so every
//! clinic that has the patient learns it. Entered-in-error doses, refusals
//! and other observations are never linked.

use crate::matching::{MatchError, matcher};
use crate::records::{doc_from_row, registry_stamp, stamps_json};
use salal_core::codes::CodeSets;
use salal_matching::doses::{DoseRecord, DoseRules, duplicates, most_complete};
use salal_sync::fields::DUPLICATE_OF;
use salal_sync::merge::Doc;
use serde_json::Value;
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

fn text(doc: &Doc, key: &str) -> String {
    doc.fields
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A stored dose as the de-duplication rules see it; `None` for what is never linked.
fn dose_record(doc: &Doc, owner: Option<Uuid>, codes: &CodeSets) -> Option<DoseRecord> {
    let kind = text(doc, "kind");
    if !matches!(kind.as_str(), "administered" | "historical")
        || doc.fields.get("entered_in_error").and_then(Value::as_bool) == Some(true)
    {
        return None;
    }
    let cvx = text(doc, "cvx");
    let group = codes.vaccine(&cvx)?.vaccine_groups.first()?.clone();
    Some(DoseRecord {
        vaccine_group: group,
        cvx,
        date: text(doc, "date").parse().ok()?,
        lot: text(doc, "lot_number"),
        source: owner.map(|o| o.to_string()).unwrap_or_default(),
        manufacturer: text(doc, "mvx"),
        ndc: text(doc, "ndc"),
        expiration: text(doc, "lot_expiration").parse().ok(),
        route: text(doc, "route"),
        site: text(doc, "site"),
        administered_by: text(doc, "administering_provider"),
        administered: kind == "administered",
    })
}

fn rules(codes: &CodeSets) -> Result<DoseRules, MatchError> {
    let unspecified: Vec<String> = codes
        .vaccines()
        .filter(|v| v.short_description.to_lowercase().contains("unspecified"))
        .map(|v| v.cvx.clone())
        .collect();
    Ok(DoseRules::new(matcher()?.weights(), unspecified))
}

/// Links the duplicate doses of these patients. Returns how many doses
/// changed (linked, or no longer linked). The caller's transaction holds
/// the sequence lock.
pub async fn link_duplicates(
    conn: &mut PgConnection,
    patients: &[Uuid],
) -> Result<u64, MatchError> {
    if patients.is_empty() {
        return Ok(0);
    }
    let codes = CodeSets::embedded().map_err(|e| MatchError::Data(e.to_string()))?;
    let rules = rules(codes)?;
    let rows = query(
        // Each patient's records through `records_patient`, the doses
        // picked from them after: with `entity = 'dose'` in the same scan, a
        // planner that misjudges how many doses there are (a table not yet
        // analyzed) intersects with every dose in the primary key. No row
        // locks: every writer of records holds the sequence lock, as the
        // caller does, and locking a row writes it (WAL, a dirty page).
        "WITH mine AS MATERIALIZED (
             SELECT r.entity, r.id, r.owner_org, r.patient_id, r.fields, r.stamps, r.seq
             FROM unnest($1::uuid[]) AS k(id)
             JOIN records r ON r.patient_id = k.id
         )
         SELECT id, owner_org, patient_id, fields, stamps FROM mine
         WHERE entity = 'dose' ORDER BY seq",
    )
    .bind(patients.to_vec())
    .fetch_all(&mut *conn)
    .await?;
    let mut by_patient: HashMap<Uuid, Vec<(Uuid, Doc, Option<DoseRecord>)>> = HashMap::new();
    for row in rows {
        let id: Uuid = row.try_get("id")?;
        let patient: Uuid = row.try_get("patient_id")?;
        let owner: Option<Uuid> = row.try_get("owner_org")?;
        let doc = doc_from_row("dose", id, row.try_get("fields")?, row.try_get("stamps")?)
            .map_err(|e| MatchError::Damaged(e.to_string()))?;
        let record = dose_record(&doc, owner, codes);
        by_patient
            .entry(patient)
            .or_default()
            .push((id, doc, record));
    }
    let stamp = registry_stamp();
    let mut changed = 0u64;
    for doses in by_patient.values_mut() {
        // Groups of duplicates (union of linked pairs), in the order received.
        let n = doses.len();
        let mut group: Vec<usize> = (0..n).collect();
        fn root(group: &mut [usize], mut i: usize) -> usize {
            while group[i] != i {
                group[i] = group[group[i]];
                i = group[i];
            }
            i
        }
        for i in 0..n {
            for j in (i + 1)..n {
                if let (Some(a), Some(b)) = (&doses[i].2, &doses[j].2)
                    && duplicates(a, b, &rules)
                {
                    let (ri, rj) = (root(&mut group, i), root(&mut group, j));
                    if ri != rj {
                        group[rj.max(ri)] = ri.min(rj);
                    }
                }
            }
        }
        let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
        for i in 0..n {
            let r = root(&mut group, i);
            members.entry(r).or_default().push(i);
        }
        let mut wanted: Vec<String> = vec![String::new(); n];
        for list in members.values().filter(|l| l.len() > 1) {
            let reports: Vec<DoseRecord> =
                list.iter().filter_map(|i| doses[*i].2.clone()).collect();
            let Some(best) = most_complete(&reports).and_then(|k| list.get(k)) else {
                continue;
            };
            let shown = doses[*best].0.to_string();
            for i in list {
                if i != best {
                    wanted[*i] = shown.clone();
                }
            }
        }
        for (i, (id, doc, _)) in doses.iter_mut().enumerate() {
            let now = doc
                .fields
                .get(DUPLICATE_OF)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if now == wanted[i] {
                continue;
            }
            doc.fields
                .insert(DUPLICATE_OF.to_owned(), Value::String(wanted[i].clone()));
            doc.stamps.insert(DUPLICATE_OF.to_owned(), stamp);
            query(
                "UPDATE records SET fields = $2::text::jsonb, stamps = $3::text::jsonb,
                        seq = nextval('change_seq'), updated_at = now()
                 WHERE entity = 'dose' AND id = $1",
            )
            .bind(*id)
            .bind(Value::Object(doc.fields.clone()).to_string())
            .bind(stamps_json(&doc.stamps).to_string())
            .execute(&mut *conn)
            .await?;
            changed += 1;
        }
    }
    Ok(changed)
}
