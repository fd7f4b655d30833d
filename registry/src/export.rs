//! `salal-registry export --org ORG`: every patient and dose record the
//! organization may see, one `salal_sync::fields::canonical_line` per line,
//! sorted by (entity code, id text), read from one consistent snapshot.
//! The same form as the clinic's `salal export`, so the two can be diffed;
//! the organization's own private fields are laid over each record
//! ([`crate::private`]), never another organization's.

use crate::error::RegistryError;
use salal_sync::fields::canonical_line;
use salal_sync::wire::Entity;
use serde_json::Value;
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::PgPool;
use std::io::Write;
use uuid::Uuid;

const PAGE: i64 = 5000;

/// Writes the export of `org` to `out`; returns how many lines.
pub async fn export(pool: &PgPool, org: Uuid, out: &mut impl Write) -> Result<u64, RegistryError> {
    if crate::orgs::name(pool, org).await?.is_none() {
        return Err(RegistryError::BadInput(format!(
            "there is no organization with id {org}"
        )));
    }
    let mut tx = pool.begin().await?;
    query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    // Entity codes are lowercase ASCII and a UUID's text sorts like its
    // bytes, so the primary key's order is (entity code, id text) order.
    let mut last: (String, Uuid) = (String::new(), Uuid::nil());
    let mut lines = 0u64;
    loop {
        let rows = query(
            "SELECT r.entity, r.id, r.fields || coalesce(pf.fields, '{}'::jsonb) AS fields
             FROM records r
             LEFT JOIN private_fields pf
               ON pf.entity = r.entity AND pf.record_id = r.id AND pf.org_id = $1
             WHERE r.entity IN ('dose', 'patient')
               AND (r.entity, r.id) > ($2, $3)
               AND EXISTS (SELECT 1 FROM patient_orgs po
                           WHERE po.patient_id = r.patient_id AND po.org_id = $1)
             ORDER BY r.entity, r.id
             LIMIT $4",
        )
        .bind(org)
        .bind(&last.0)
        .bind(last.1)
        .bind(PAGE)
        .fetch_all(&mut *tx)
        .await?;
        let count = rows.len();
        for row in rows {
            let entity_code: String = row.try_get("entity")?;
            let id: Uuid = row.try_get("id")?;
            let Some(entity) = Entity::from_code(&entity_code) else {
                continue;
            };
            let fields = match row.try_get::<Value, _>("fields")? {
                Value::Object(map) => map,
                _ => serde_json::Map::new(),
            };
            writeln!(out, "{}", canonical_line(entity, &id.to_string(), &fields))?;
            lines += 1;
            last = (entity_code, id);
        }
        if count < usize::try_from(PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }
    out.flush()?;
    tx.commit().await?;
    Ok(lines)
}
