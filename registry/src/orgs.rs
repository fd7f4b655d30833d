//! Organizations: `salal-registry org add`. Each organization is also a
//! record (entity `organization`, field `name`) that its own devices pull.

use crate::error::RegistryError;
use crate::records::{lock_seq, now_ms, stamps_json};
use salal_core::hlc::Stamp;
use serde_json::{Map, Value};
use sqlx_core::query::query;
use sqlx_postgres::PgPool;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Creates an organization named `name`; returns its new id.
pub async fn add(pool: &PgPool, name: &str) -> Result<Uuid, RegistryError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(RegistryError::BadInput(
            "the organization needs a name: --name \"Clinic name\"".to_owned(),
        ));
    }
    let id = crate::secrets::new_id()?;
    let mut fields = Map::new();
    fields.insert("name".to_owned(), Value::String(name.to_owned()));
    let mut stamps = BTreeMap::new();
    stamps.insert(
        "name".to_owned(),
        Stamp {
            wall_ms: now_ms(),
            counter: 0,
            replica: 0,
        },
    );
    let mut tx = pool.begin().await?;
    lock_seq(&mut tx).await?;
    query("INSERT INTO organizations (id, name) VALUES ($1, $2)")
        .bind(id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    query(
        "INSERT INTO records (entity, id, owner_org, patient_id, fields, stamps, seq, updated_at)
         VALUES ('organization', $1, $1, NULL, $2, $3, nextval('change_seq'), now())",
    )
    .bind(id)
    .bind(Value::Object(fields))
    .bind(stamps_json(&stamps))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The organization's name, if it exists.
pub async fn name(pool: &PgPool, id: Uuid) -> Result<Option<String>, RegistryError> {
    Ok(
        sqlx_core::query_scalar::query_scalar("SELECT name FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}
