//! The PostgreSQL connection pool, the embedded migrations and the small
//! `settings` table (the server's certificate fingerprint lives there).

use crate::error::RegistryError;
use sqlx_core::connection::Connection;
use sqlx_core::migrate::Migrator;
use sqlx_core::query::query;
use sqlx_core::query_scalar::query_scalar;
use sqlx_postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use std::time::Duration;

/// The settings key of the server certificate's SHA-256 fingerprint (hex).
pub const FINGERPRINT_KEY: &str = "tls_fingerprint";

/// How long a request waits for a database connection before answering 503.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// The URL with its password hidden, for messages.
#[must_use]
pub fn redact(url: &str) -> String {
    match sqlx_core::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Opens a pool on `url` and checks that the server answers.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, RegistryError> {
    let options: PgConnectOptions = url.parse().map_err(|e| {
        RegistryError::BadInput(format!(
            "'{}' is not a PostgreSQL URL ({e}); expected postgres://USER@HOST:PORT/DATABASE",
            redact(url)
        ))
    })?;
    // Every statement planned for its own parameters. sqlx prepares each
    // statement once per connection, and PostgreSQL may then switch to one
    // generic plan, made from the statistics of the moment: a plan made while
    // a table was nearly empty (a sequential scan) then stays for millions of
    // rows, and `id = ANY($1)` on a large table reads all of it. A custom plan
    // sees the table's current size and the array it is given.
    let options = options.options([("plan_cache_mode", "force_custom_plan")]);
    // One direct connection first: the pool would only say "timed out",
    // this says "connection refused" or "database does not exist".
    let probe = tokio::time::timeout(ACQUIRE_TIMEOUT * 2, PgConnection::connect_with(&options))
        .await
        .unwrap_or_else(|_| Err(sqlx_core::Error::PoolTimedOut))
        .map_err(|e| RegistryError::DatabaseUnreachable {
            url: redact(url),
            reason: e.to_string(),
        })?;
    let _ = probe.close().await;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(true)
        .connect_lazy_with(options))
}

/// The registry's migrations (`registry/migrations/`, embedded at build time).
#[must_use]
pub fn migrator() -> Migrator {
    Migrator::with_migrations(include!(concat!(env!("OUT_DIR"), "/migrations.rs")))
}

/// Brings the schema up to date.
pub async fn migrate(pool: &PgPool) -> Result<(), RegistryError> {
    migrator().run(pool).await?;
    Ok(())
}

/// Reads a setting.
pub async fn setting(pool: &PgPool, key: &str) -> Result<Option<String>, RegistryError> {
    Ok(query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?)
}

/// Writes a setting.
pub async fn set_setting(pool: &PgPool, key: &str, value: &str) -> Result<(), RegistryError> {
    query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
    )
    .bind(key)
    .bind(value)
    .execute(pool)
    .await?;
    Ok(())
}
