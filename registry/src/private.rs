//! Fields private to the organization that entered them.
//!
//! A patient's phone, address and medical record number and a dose's note ([`PRIVATE_FIELDS`]) are
//! kept per organization in `private_fields`, never in the shared `records`
//! row: a push splits each change ([`split`]), the shared part merges into
//! the record, the private part into the pushing organization's own row
//! (last writer wins per field, by clock stamp). A pull, a fetch, a bundle
//! reply and an export for an organization lay that organization's own row
//! over the shared record ([`OVERLAY`]), so another organization's values
//! never leave the registry. Matching may read them (inside the registry).

use crate::records::{doc_from_row, stamps_json};
use salal_core::hlc::Stamp;
use salal_sync::merge::Doc;
use salal_sync::wire::{Change, Entity, Fields};
use serde_json::Value;
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// The fields kept per organization.
pub const PRIVATE_FIELDS: &[&str] = &[
    "phone",
    "address_line",
    "city",
    "state",
    "postal_code",
    "medical_record_number",
    "note",
];

/// SQL that lays the organization `$2`'s private values over a `records r`
/// row: select `fields` and `stamps` through these expressions, with
/// [`OVERLAY_JOIN`] in the FROM clause.
pub const OVERLAY: &str = "r.fields || coalesce(pf.fields, '{}'::jsonb) AS fields,
     r.stamps || coalesce(pf.stamps, '{}'::jsonb) AS stamps";

/// The join [`OVERLAY`] needs (organization in `$2`).
pub const OVERLAY_JOIN: &str = "LEFT JOIN private_fields pf
     ON pf.entity = r.entity AND pf.record_id = r.id AND pf.org_id = $2";

/// Whether a field of this kind of record is private.
#[must_use]
pub fn is_private(entity: Entity, field: &str) -> bool {
    matches!(entity, Entity::Patient | Entity::Dose) && PRIVATE_FIELDS.contains(&field)
}

/// The change without its private fields, and those fields.
#[must_use]
pub fn split(change: &Change) -> (Change, Fields) {
    let mut shared = change.clone();
    let mut private = Fields::new();
    shared.fields.retain(|k, v| {
        if is_private(change.entity, k) {
            private.insert(k.clone(), v.clone());
            false
        } else {
            true
        }
    });
    (shared, private)
}

/// Applies private values stamped `hlc` to an organization's row, each
/// field last-writer-wins. Whether anything changed.
pub fn apply(doc: &mut Doc, values: &Fields, hlc: Stamp) -> bool {
    let mut changed = false;
    for (field, value) in values {
        let newer = doc.stamps.get(field).is_none_or(|s| hlc > *s);
        if newer && doc.fields.get(field) != Some(value) {
            doc.fields.insert(field.clone(), value.clone());
            doc.stamps.insert(field.clone(), hlc);
            changed = true;
        } else if newer {
            doc.stamps.insert(field.clone(), hlc);
        }
    }
    changed
}

/// The organization's private rows for these records.
pub async fn load(
    conn: &mut PgConnection,
    org: Uuid,
    keys: &[(Entity, Uuid)],
) -> Result<HashMap<(Entity, Uuid), Doc>, sqlx_core::Error> {
    let (entities, ids): (Vec<String>, Vec<Uuid>) = keys
        .iter()
        .filter(|(e, _)| matches!(e, Entity::Patient | Entity::Dose))
        .map(|(e, id)| (e.code().to_owned(), *id))
        .unzip();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = query(
        // LATERAL: one primary-key lookup per record, whatever the
        // statistics say (a hash join would read every private row).
        "SELECT p.entity, p.record_id, p.fields, p.stamps
         FROM unnest($1::text[], $2::uuid[]) AS k(entity, id)
         CROSS JOIN LATERAL (
             SELECT entity, record_id, fields, stamps FROM private_fields
             WHERE entity = k.entity AND record_id = k.id AND org_id = $3
         ) p",
    )
    .bind(entities)
    .bind(ids)
    .bind(org)
    .fetch_all(conn)
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let code: String = row.try_get("entity")?;
        let id: Uuid = row.try_get("record_id")?;
        let Some(entity) = Entity::from_code(&code) else {
            continue;
        };
        match doc_from_row(&code, id, row.try_get("fields")?, row.try_get("stamps")?) {
            Ok(doc) => {
                out.insert((entity, id), doc);
            }
            Err(e) => tracing::error!(error = %e, "damaged private fields left as they are"),
        }
    }
    Ok(out)
}

/// Writes the organization's changed private rows.
pub async fn store(
    conn: &mut PgConnection,
    org: Uuid,
    rows: &[((Entity, Uuid), &Doc)],
) -> Result<(), sqlx_core::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut entities = Vec::with_capacity(rows.len());
    let mut ids = Vec::with_capacity(rows.len());
    let mut fields = Vec::with_capacity(rows.len());
    let mut stamps = Vec::with_capacity(rows.len());
    for ((entity, id), doc) in rows {
        entities.push(entity.code().to_owned());
        ids.push(*id);
        fields.push(Value::Object(doc.fields.clone()).to_string());
        stamps.push(stamps_json(&doc.stamps).to_string());
    }
    query(
        "INSERT INTO private_fields (entity, record_id, org_id, fields, stamps)
         SELECT e, i, $5, f::jsonb, s::jsonb
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[]) AS t(e, i, f, s)
         ON CONFLICT (entity, record_id, org_id) DO UPDATE
           SET fields = EXCLUDED.fields, stamps = EXCLUDED.stamps",
    )
    .bind(entities)
    .bind(ids)
    .bind(fields)
    .bind(stamps)
    .bind(org)
    .execute(conn)
    .await?;
    Ok(())
}

/// The organization's own private values of these patient records, by id
/// (a feed that fills only what a record lacks reads them with the shared
/// fields, so it does not send its own values again).
pub async fn own_patient_fields(
    conn: &mut PgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Fields>, sqlx_core::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = query(
        "SELECT record_id, fields FROM private_fields
         WHERE entity = 'patient' AND org_id = $1 AND record_id = ANY($2)",
    )
    .bind(org)
    .bind(ids.to_vec())
    .fetch_all(conn)
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        if let Value::Object(fields) = row.try_get::<Value, _>("fields")? {
            out.insert(row.try_get("record_id")?, fields);
        }
    }
    Ok(out)
}
