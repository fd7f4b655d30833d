//! Device enrollment: issuing one-time codes (`salal-registry enroll-code`)
//! and redeeming them (`POST /sync/v1/enroll`). Only the SHA-256 of a code's
//! secret and of a device's secret are ever stored.

use crate::error::{ApiError, RegistryError};
use crate::records::now_ms;
use crate::secrets;
use salal_sync::enroll::EnrollmentCode;
use salal_sync::wire::{EnrollRequest, EnrollResponse};
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::PgPool;
use uuid::Uuid;

/// Issues a code for `org` valid for `days` days, pinned to `fingerprint`.
pub async fn issue_code(
    pool: &PgPool,
    org: Uuid,
    days: u32,
    fingerprint: [u8; 32],
) -> Result<EnrollmentCode, RegistryError> {
    if days == 0 || days > 365 {
        return Err(RegistryError::BadInput(format!(
            "--days {days}: a code can be valid for 1 to 365 days"
        )));
    }
    if crate::orgs::name(pool, org).await?.is_none() {
        return Err(RegistryError::BadInput(format!(
            "there is no organization with id {org}; create one with: salal-registry org add --name NAME"
        )));
    }
    let code = EnrollmentCode::new(secrets::random::<16>()?, fingerprint);
    query(
        "INSERT INTO enrollment_codes (secret_hash, org_id, expires_at)
         VALUES ($1, $2, now() + make_interval(days => $3))",
    )
    .bind(EnrollmentCode::secret_hash(&code.secret))
    .bind(org)
    .bind(i32::try_from(days).unwrap_or(7))
    .execute(pool)
    .await?;
    Ok(code)
}

/// The secret a request carries: the code's secret part, or (leniently) the whole code.
fn secret_of(code: &str) -> String {
    code.parse::<EnrollmentCode>()
        .map_or_else(|_| code.trim().to_owned(), |c| c.secret)
}

/// Redeems a code for the device in `request`.
pub async fn redeem(pool: &PgPool, request: &EnrollRequest) -> Result<EnrollResponse, ApiError> {
    let hash = EnrollmentCode::secret_hash(&secret_of(&request.code));
    let mut tx = pool.begin().await?;
    let row = query(
        "SELECT c.org_id, c.used_by_device, c.used_at IS NOT NULL AS used,
                c.expires_at > now() AS valid, o.name
         FROM enrollment_codes c JOIN organizations o ON o.id = c.org_id
         WHERE c.secret_hash = $1 FOR UPDATE OF c",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(ApiError::enrollment_code)?;
    let org: Uuid = row.try_get("org_id")?;
    let used_by: Option<Uuid> = row.try_get("used_by_device")?;
    let used: bool = row.try_get("used")?;
    let valid: bool = row.try_get("valid")?;
    let org_name: String = row.try_get("name")?;
    // A retry by the same device (its answer was lost) gets a fresh secret.
    let retry = used && used_by == Some(request.device_id);
    if !valid || (used && !retry) {
        return Err(ApiError::enrollment_code());
    }
    let secret = secrets::device_secret().map_err(|_| ApiError::internal())?;
    let name: String = request.device_name.chars().take(200).collect();
    let stored = query(
        "INSERT INTO devices (id, org_id, name, replica, secret_hash)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE
           SET name = EXCLUDED.name, replica = EXCLUDED.replica,
               secret_hash = EXCLUDED.secret_hash, enrolled_at = now()
           WHERE devices.org_id = EXCLUDED.org_id",
    )
    .bind(request.device_id)
    .bind(org)
    .bind(name)
    .bind(i64::from(request.replica))
    .bind(secrets::secret_hash(&secret))
    .execute(&mut *tx)
    .await?;
    if stored.rows_affected() == 0 {
        return Err(ApiError::device_taken());
    }
    crate::bundle::keep_key(&mut tx, request.device_id, &secret).await?;
    query(
        "UPDATE enrollment_codes SET used_at = now(), used_by_device = $2 WHERE secret_hash = $1",
    )
    .bind(&hash)
    .bind(request.device_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(device = %request.device_id, %org, retry, "device enrolled");
    Ok(EnrollResponse {
        organization_id: org,
        organization_name: org_name,
        device_secret: secret,
        server_time_ms: now_ms(),
    })
}

/// The certificate fingerprint codes pin: from `tls_dir/cert.pem` when given
/// (making the pair if absent, as `serve` would), else the one `serve` recorded.
pub async fn fingerprint(
    pool: &PgPool,
    tls_dir: Option<&std::path::Path>,
) -> Result<[u8; 32], RegistryError> {
    if let Some(dir) = tls_dir {
        return Ok(crate::tls::ensure(dir)?.fingerprint);
    }
    let recorded = crate::db::setting(pool, crate::db::FINGERPRINT_KEY).await?;
    recorded
        .as_deref()
        .and_then(salal_sync::enroll::unhex::<32>)
        .ok_or_else(|| {
            RegistryError::BadInput(
                "the registry's certificate is not known yet: start `salal-registry serve` once, or pass --tls-dir DIR (the folder serve uses)".to_owned(),
            )
        })
}
