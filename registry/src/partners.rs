//! HL7 partners: organizations that send immunization messages (VXU) to the
//! registry instead of syncing a clinic replica. `salal-registry partner add
//! --name NAME` makes the organization and its credential (shown once; only
//! the SHA-256 is kept, in `hl7_partners`), and every message a partner sends
//! is kept in `hl7_messages` with its answer (see [`crate::hl7_in`]).

use crate::error::RegistryError;
use crate::secrets::{device_secret, secret_hash};
use sqlx_core::query::query;
use sqlx_core::query_scalar::query_scalar;
use sqlx_postgres::PgPool;
use uuid::Uuid;

/// A new partner: its organization id and the credential it sends
/// (`Authorization: Bearer ID.SECRET`, or HTTP basic with the id as user name
/// and the secret as password).
#[derive(Clone, PartialEq, Eq)]
pub struct NewPartner {
    /// The organization's id.
    pub id: Uuid,
    /// The secret, shown once.
    pub secret: String,
}

impl std::fmt::Debug for NewPartner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPartner")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Makes a partner organization named `name` and its credential.
pub async fn add(pool: &PgPool, name: &str) -> Result<NewPartner, RegistryError> {
    let id = crate::orgs::add(pool, name).await?;
    let secret = device_secret()?;
    query("INSERT INTO hl7_partners (org_id, secret_hash) VALUES ($1, $2)")
        .bind(id)
        .bind(secret_hash(&secret))
        .execute(pool)
        .await?;
    Ok(NewPartner { id, secret })
}

/// Whether `id` is an active partner.
pub async fn exists(pool: &PgPool, id: Uuid) -> Result<bool, RegistryError> {
    Ok(
        query_scalar::<_, bool>("SELECT active FROM hl7_partners WHERE org_id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .unwrap_or(false),
    )
}

/// The partner a credential belongs to, if it is right.
pub async fn authenticate(
    pool: &PgPool,
    id: Uuid,
    secret: &str,
) -> Result<Option<Uuid>, RegistryError> {
    let found: Option<Uuid> = query_scalar(
        "SELECT org_id FROM hl7_partners WHERE org_id = $1 AND secret_hash = $2 AND active",
    )
    .bind(id)
    .bind(secret_hash(secret))
    .fetch_optional(pool)
    .await?;
    Ok(found)
}
