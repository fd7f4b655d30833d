//! How a record is kept in the `records` table: fields as jsonb, per-field
//! stamps as jsonb text (`Stamp`'s sortable text form), one change sequence
//! number; and the advisory lock every writer of sequence numbers takes.

use crate::error::ApiError;
use salal_core::hlc::Stamp;
use salal_sync::merge::Doc;
use salal_sync::wire::{Entity, Fields, RecordState};
use serde_json::{Map, Value};
use sqlx_core::row::Row;
use sqlx_postgres::{PgConnection, PgRow};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The `pg_advisory_xact_lock` key every transaction that takes numbers from
/// `change_seq` holds until it commits, so numbers become visible in order
/// and a pull can never skip a number that commits later.
pub const SEQ_LOCK_KEY: i64 = 0x5a1a_1000_0001;

/// Takes the sequence lock for the rest of the transaction.
pub async fn lock_seq(conn: &mut PgConnection) -> Result<(), sqlx_core::Error> {
    sqlx_core::query::query("SELECT pg_advisory_xact_lock($1)")
        .bind(SEQ_LOCK_KEY)
        .execute(conn)
        .await?;
    Ok(())
}

/// The registry's clock, in ms since the epoch.
#[must_use]
pub fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

/// The stamps as stored: `{"field": "WALLMS-COUNTER-REPLICA"}`.
#[must_use]
pub fn stamps_json(stamps: &BTreeMap<String, Stamp>) -> Value {
    Value::Object(
        stamps
            .iter()
            .map(|(k, s)| (k.clone(), Value::String(s.to_string())))
            .collect::<Map<String, Value>>(),
    )
}

/// A stored row that does not hold a record (never written by this registry).
#[derive(Debug, thiserror::Error)]
#[error("record {entity} {id} is damaged in the database: {what}")]
pub struct BadRow {
    /// Its kind.
    pub entity: String,
    /// Its id.
    pub id: Uuid,
    /// What is wrong.
    pub what: String,
}

/// A record's kind, id and document from a `records` row (columns
/// `entity`, `id`, `fields`, `stamps`); a damaged row is logged and answered
/// as an internal error.
pub fn row_doc(row: &PgRow) -> Result<(Entity, Uuid, Doc), ApiError> {
    let entity_code: String = row.try_get("entity")?;
    let id: Uuid = row.try_get("id")?;
    let Some(entity) = Entity::from_code(&entity_code) else {
        tracing::error!(entity = %entity_code, %id, "unknown entity in records");
        return Err(ApiError::internal());
    };
    let doc = doc_from_row(
        &entity_code,
        id,
        row.try_get("fields")?,
        row.try_get("stamps")?,
    )
    .map_err(|e| {
        tracing::error!(error = %e, "damaged record");
        ApiError::internal()
    })?;
    Ok((entity, id, doc))
}

/// A record's document from its stored columns.
pub fn doc_from_row(entity: &str, id: Uuid, fields: Value, stamps: Value) -> Result<Doc, BadRow> {
    let bad = |what: String| BadRow {
        entity: entity.to_owned(),
        id,
        what,
    };
    let Value::Object(fields) = fields else {
        return Err(bad("fields is not an object".to_owned()));
    };
    let Value::Object(stamps) = stamps else {
        return Err(bad("stamps is not an object".to_owned()));
    };
    let mut parsed = BTreeMap::new();
    for (key, value) in stamps {
        let stamp = value
            .as_str()
            .and_then(|text| text.parse::<Stamp>().ok())
            .ok_or_else(|| bad(format!("the stamp of {key} is not a stamp")))?;
        parsed.insert(key, stamp);
    }
    Ok(Doc {
        fields,
        stamps: parsed,
    })
}

/// The wire form of a record's current state.
#[must_use]
pub fn record_state(
    entity: Entity,
    id: Uuid,
    seq: i64,
    fields: Fields,
    hlc: Option<Stamp>,
    updated_at: chrono::DateTime<chrono::Utc>,
) -> RecordState {
    RecordState {
        entity,
        id,
        seq,
        fields,
        hlc: hlc.unwrap_or(Stamp {
            wall_ms: 0,
            counter: 0,
            replica: 0,
        }),
        confirmed_at: updated_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    }
}

/// A stamp of the registry's own (replica 0), for the fields it sets itself
/// (merges, opt-out reductions, duplicate links).
#[must_use]
pub fn registry_stamp() -> Stamp {
    Stamp {
        wall_ms: now_ms(),
        counter: 0,
        replica: 0,
    }
}

/// Rewrites a patient record's fields and stamps under a new sequence number.
/// The caller's transaction holds the sequence lock.
pub async fn store_patient_doc(
    conn: &mut PgConnection,
    id: Uuid,
    doc: &Doc,
) -> Result<(), sqlx_core::Error> {
    sqlx_core::query::query(
        "UPDATE records SET fields = $2::text::jsonb, stamps = $3::text::jsonb,
                seq = nextval('change_seq'), updated_at = now()
         WHERE entity = 'patient' AND id = $1",
    )
    .bind(id)
    .bind(Value::Object(doc.fields.clone()).to_string())
    .bind(stamps_json(&doc.stamps).to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// A stable id derived from `name` within `namespace` (a name-based UUID,
/// version 5: SHA-1 per RFC 9562). Feeds derive every record id from the
/// sender's own identifiers (a birth-certificate number, an HL7 filler order
/// id), so sending the same data again names the same records and changes
/// nothing.
#[must_use]
pub fn derived_id(namespace: Uuid, name: &str) -> Uuid {
    let mut context = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
    context.update(namespace.as_bytes());
    context.update(name.as_bytes());
    let digest = context.finish();
    let mut bytes = [0u8; 16];
    for (byte, value) in bytes.iter_mut().zip(digest.as_ref()) {
        *byte = *value;
    }
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

/// A change from a feed (a partner, the birth-record feed) whose op id is
/// derived from `namespace` and the change's content: the same change sent
/// again is a duplicate, never applied twice.
#[must_use]
pub fn derived_change(
    namespace: Uuid,
    entity: salal_sync::wire::Entity,
    id: Uuid,
    kind: salal_sync::wire::ChangeKind,
    hlc: salal_core::hlc::Stamp,
    fields: salal_sync::wire::Fields,
) -> salal_sync::wire::Change {
    // The fields as compact JSON, as `Value::Object(fields)` prints them,
    // without copying the map first.
    let mut content = format!("op:{}:{id}:{}:", entity.code(), kind.code());
    let json = serde_json::to_string(&fields).unwrap_or_default();
    content.push_str(&json);
    salal_sync::wire::Change {
        op_id: derived_id(namespace, &content),
        entity,
        id,
        hlc,
        kind,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salal_sync::wire::ChangeKind;

    #[test]
    fn a_derived_change_keeps_the_op_id_of_its_content() {
        let namespace = Uuid::from_u128(7);
        let id = Uuid::from_u128(9);
        let mut fields = Fields::new();
        fields.insert(
            "first_name".to_owned(),
            Value::String("Ana \"Lu\"".to_owned()),
        );
        fields.insert(
            "birth_date".to_owned(),
            Value::String("2019-07-03".to_owned()),
        );
        fields.insert("doses".to_owned(), serde_json::json!([1, {"a": null}]));
        let stamp = salal_core::hlc::Stamp {
            wall_ms: 1,
            counter: 2,
            replica: 3,
        };
        let change = derived_change(
            namespace,
            Entity::Patient,
            id,
            ChangeKind::Create,
            stamp,
            fields.clone(),
        );
        // The op id a message got from earlier builds, so a message sent
        // again after an upgrade is still a duplicate.
        let content = format!("op:patient:{id}:create:{}", Value::Object(fields.clone()));
        assert_eq!(change.op_id, derived_id(namespace, &content));
        fields.insert("first_name".to_owned(), Value::String("Ana".to_owned()));
        let other = derived_change(
            namespace,
            Entity::Patient,
            id,
            ChangeKind::Create,
            stamp,
            fields,
        );
        assert_ne!(change.op_id, other.op_id);
    }
}
