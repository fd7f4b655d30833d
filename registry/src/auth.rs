//! Device authentication: `Authorization: Bearer <device id, 32 hex>.<secret>`
//! checked against the stored SHA-256 of the secret; a success also records
//! the device's `last_seen` and keeps its USB bundle key.

use crate::error::ApiError;
use axum::http::HeaderMap;
use sqlx_postgres::PgPool;
use uuid::Uuid;

/// The device a request comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Device {
    /// Its id.
    pub id: Uuid,
    /// Its organization.
    pub org: Uuid,
}

/// The device id and secret in the `Authorization` header, if well formed.
#[must_use]
pub fn credential(headers: &HeaderMap) -> Option<(Uuid, String)> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    let (id, secret) = token.split_once('.')?;
    if id.len() != 32 || secret.is_empty() {
        return None;
    }
    Some((Uuid::try_parse(id).ok()?, secret.to_owned()))
}

/// Checks the credential and returns the device (401 when absent or wrong).
pub async fn authenticate(pool: &PgPool, headers: &HeaderMap) -> Result<Device, ApiError> {
    let (id, secret) = credential(headers).ok_or_else(ApiError::unauthorized)?;
    // The same statement keeps the device's bundle key (a device enrolled
    // before bundles gets one on its next request; see `crate::bundle`).
    let org: Option<Uuid> = sqlx_core::query_scalar::query_scalar(
        "WITH d AS (
           UPDATE devices SET last_seen = now() WHERE id = $1 AND secret_hash = $2
           RETURNING id, org_id
         ), k AS (
           INSERT INTO device_bundle_keys (device_id, key) SELECT id, $3 FROM d
           ON CONFLICT (device_id) DO UPDATE SET key = EXCLUDED.key, updated_at = now()
             WHERE device_bundle_keys.key <> EXCLUDED.key
         )
         SELECT org_id FROM d",
    )
    .bind(id)
    .bind(crate::secrets::secret_hash(&secret))
    .bind(
        salal_sync::bundle::BundleKey::from_secret(&secret)
            .as_bytes()
            .to_vec(),
    )
    .fetch_optional(pool)
    .await?;
    org.map(|org| Device { id, org })
        .ok_or_else(ApiError::unauthorized)
}
