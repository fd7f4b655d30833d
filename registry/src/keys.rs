//! Clinics' public signing keys: each clinic publishes the Ed25519 key it signs
//! printed records with, and every clinic reads all of them, so a certificate
//! printed at one clinic verifies at any other (and at a school with any copy).

use crate::auth::Device;
use crate::error::ApiError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use salal_sync::wire::{ClinicKey, KeysRequest, KeysResponse, PublishedKey};
use sqlx_core::query::query;
use sqlx_core::query_as::query_as;
use sqlx_postgres::PgPool;
use uuid::Uuid;

/// At most this many keys per answer.
pub const MAX_KEYS_PER_ANSWER: i64 = 10_000;

fn key_id(public_key: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, public_key);
    digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Publishes the device's clinic key (once; again is a no-op) and answers the keys after the cursor.
pub async fn exchange(
    pool: &PgPool,
    device: Device,
    request: &KeysRequest,
) -> Result<KeysResponse, ApiError> {
    if let Some(key) = &request.publish {
        let bytes = STANDARD
            .decode(key.public_key.trim())
            .map_err(|_| ApiError::bad_request("the public key is not base64"))?;
        if bytes.len() != 32 || key_id(&bytes) != key.key_id {
            return Err(ApiError::bad_request(
                "the public key is not 32 bytes or does not match its key id",
            ));
        }
        // Inserts take the table lock so their numbers commit in order and a
        // reader's cursor never passes a key still being written.
        let mut tx = pool.begin().await?;
        query("LOCK TABLE clinic_keys IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        query(
            "INSERT INTO clinic_keys (key_id, org_id, public_key, published_by)
             VALUES ($1, $2, $3, $4) ON CONFLICT (key_id) DO NOTHING",
        )
        .bind(&key.key_id)
        .bind(device.org)
        .bind(&bytes)
        .bind(device.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let owner: Option<(Uuid,)> = query_as("SELECT org_id FROM clinic_keys WHERE key_id = $1")
            .bind(&key.key_id)
            .fetch_optional(pool)
            .await?;
        if owner.map(|(o,)| o) != Some(device.org) {
            return Err(ApiError::key_taken());
        }
    }
    let rows: Vec<(String, Vec<u8>, String, i64)> = query_as(
        "SELECT k.key_id, k.public_key, o.name, k.seq FROM clinic_keys k
         JOIN organizations o ON o.id = k.org_id
         WHERE k.seq > $1 ORDER BY k.seq LIMIT $2",
    )
    .bind(request.after)
    .bind(MAX_KEYS_PER_ANSWER)
    .fetch_all(pool)
    .await?;
    let cursor = rows.last().map_or(request.after, |r| r.3);
    Ok(KeysResponse {
        keys: rows
            .into_iter()
            .map(|(key_id, public_key, organization_name, _)| PublishedKey {
                key: ClinicKey {
                    key_id,
                    public_key: STANDARD.encode(public_key),
                },
                organization_name,
            })
            .collect(),
        cursor,
    })
}
