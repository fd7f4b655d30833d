//! `salal-registry import-bundle FILE --reply REPLY`: the registry's side of
//! a USB bundle (see `salal_sync::bundle` for the format, its encryption and
//! its keys).
//!
//! The bundle is checked before anything is applied: its envelope, its
//! device (enrolled, with a bundle key), its HMAC and GCM tag (it is then
//! decrypted), and that it is not a replay (`bundle_imports`, migration
//! 0006): a bundle id already imported from the device is refused as
//! already imported (with when), and a bundle whose export number is at or
//! below the highest imported from the device as superseded by a newer one.
//! A refused bundle changes nothing and gets no reply. Its changes then go
//! through [`crate::push::push`] with the device's identity, in batches of at
//! most `MAX_PUSH_BATCH`, exactly as `POST /sync/v1/push` applies them (each
//! batch one transaction, answered `duplicate` for a change already applied).
//! The records the device's organization may see after the bundle's cursor
//! come from [`crate::pull::pull`], page by page until nothing more waits or
//! the reply is as large as a reply may be (the next bundle then starts where
//! it stopped); the records whose change was rejected are refreshed, as the
//! pull after a network push refreshes them. The reply names the bundle it
//! answers (export number and id), is encrypted and signed with the device's
//! key under a fresh random nonce, and is written durably (temporary file,
//! fsync, rename). Only then is the bundle recorded as imported: an import
//! cut short (the database, a full disk) can be run again with the same
//! bundle, and applies nothing twice. Two imports of one bundle at the same
//! moment both apply idempotently and write equal replies; the clinic applies
//! one and refuses the other.
//!
//! The key the registry checks and decrypts with is kept in
//! `device_bundle_keys`: [`keep_key`] at enrollment (which also forgets the
//! device's imported bundles: none opens under the new key) and
//! `crate::auth` on every authenticated request.

use crate::auth::Device;
use crate::error::{ApiError, RegistryError};
use crate::records::now_ms;
use chrono::{DateTime, Local, Utc};
use ring::rand::SystemRandom;
use salal_core::i18n::{Lang, UserMessage, format_date_long};
use salal_sync::bundle::{self, BundleError, BundleKey, Kind, Reply, SealError};
use salal_sync::wire::{
    Change, Entity, ErrorBody, MAX_PULL_BATCH, MAX_PUSH_BATCH, OpResult, Outcome, PullRequest,
    PushRequest, RecordRef,
};
use sqlx_core::query::query;
use sqlx_core::query_scalar::query_scalar;
use sqlx_core::row::Row;
use sqlx_postgres::{PgConnection, PgPool};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// Keeps (or replaces) the bundle key of `device`, derived from its secret.
/// A new key forgets the bundles imported from the device: they were sealed
/// with the old key, so none of them opens any more, and the device's next
/// bundle may start its numbers again (a computer restored from a backup).
pub async fn keep_key(
    conn: &mut PgConnection,
    device: Uuid,
    secret: &str,
) -> Result<(), sqlx_core::Error> {
    query(
        "WITH k AS (
           INSERT INTO device_bundle_keys (device_id, key) VALUES ($1, $2)
           ON CONFLICT (device_id) DO UPDATE SET key = EXCLUDED.key, updated_at = now()
             WHERE device_bundle_keys.key <> EXCLUDED.key
           RETURNING device_id
         )
         DELETE FROM bundle_imports WHERE device_id IN (SELECT device_id FROM k)",
    )
    .bind(device)
    .bind(BundleKey::from_secret(secret).as_bytes().to_vec())
    .execute(conn)
    .await?;
    Ok(())
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Changes applied now.
    pub applied: u64,
    /// Changes the registry already had.
    pub duplicate: u64,
    /// Changes refused (the clinic keeps them and shows why).
    pub rejected: u64,
    /// Records in the reply (pulled and refreshed).
    pub records: u64,
    /// Whether more records wait for the next bundle.
    pub more: bool,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Exactly this line, in every language: scripts read it.
        write!(
            f,
            "bundle: {} applied, {} duplicate, {} rejected; {} records in the reply",
            self.applied, self.duplicate, self.rejected, self.records
        )
    }
}

/// Why a bundle was not imported. Nothing of it was applied unless it was
/// verified (a failure while applying leaves earlier batches applied, and a
/// second import answers them `duplicate`).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bundle file cannot be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The reply cannot be written.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// Not a bundle, another version, changed after it was written.
    #[error("{path}: {error}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        error: BundleError,
    },
    /// The device is not enrolled here.
    #[error("device {0} is not enrolled with this registry")]
    UnknownDevice(Uuid),
    /// The device has no bundle key yet (enrolled before bundles, never synced since).
    #[error("device {0} has no bundle key")]
    NoKey(Uuid),
    /// This very bundle was imported before; nothing was applied.
    #[error("bundle {export_number} of device {device} was already imported at {at}")]
    AlreadyImported {
        /// The device.
        device: Uuid,
        /// The bundle's export number.
        export_number: u64,
        /// When it was imported.
        at: DateTime<Utc>,
    },
    /// A newer bundle from the device was imported already; nothing was applied.
    #[error(
        "bundle {export_number} of device {device} is older than bundle {newest}, already imported"
    )]
    Superseded {
        /// The device.
        device: Uuid,
        /// The bundle's export number.
        export_number: u64,
        /// The highest export number imported from the device.
        newest: i64,
    },
    /// The reply could not be encrypted (the random source failed); nothing was written.
    #[error("cannot seal the reply: {0}")]
    Seal(#[from] SealError),
    /// Applying or pulling failed (the registry's own answer).
    #[error("{}", .0.message_en)]
    Refused(ErrorBody, bool),
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx_core::Error),
}

impl From<ApiError> for ImportError {
    fn from(e: ApiError) -> Self {
        ImportError::Refused(e.body, e.status.is_server_error())
    }
}

impl UserMessage for ImportError {
    fn message_key(&self) -> &'static str {
        match self {
            ImportError::Read { .. } => "registry.bundle.read",
            ImportError::Write { .. } => "registry.bundle.write",
            ImportError::File { error, .. } => match error {
                BundleError::Garbled(_) | BundleError::TooLarge(_) => "registry.bundle.garbled",
                BundleError::Version { .. } => "registry.bundle.version",
                BundleError::WrongKind { .. } => "registry.bundle.is_reply",
                BundleError::Tampered => "registry.bundle.tampered",
            },
            ImportError::UnknownDevice(_) => "registry.bundle.unknown_device",
            ImportError::NoKey(_) => "registry.bundle.no_key",
            ImportError::AlreadyImported { .. } => "registry.bundle.already_imported",
            ImportError::Superseded { .. } => "registry.bundle.superseded",
            ImportError::Seal(SealError::Random) => "registry.bundle.random",
            ImportError::Seal(_) => "registry.bundle.seal",
            ImportError::Refused(..) => "registry.bundle.refused",
            ImportError::Database(_) => "registry.bundle.database",
        }
    }

    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            ImportError::Read { path, reason } | ImportError::Write { path, reason } => vec![
                ("path", path.display().to_string()),
                ("reason", reason.clone()),
            ],
            ImportError::File { path, error } => {
                let mut args = vec![("path", path.display().to_string())];
                match error {
                    BundleError::Garbled(why) => args.push(("reason", why.clone())),
                    BundleError::TooLarge(n) => args.push(("reason", format!("{n} bytes"))),
                    BundleError::Version { found } => args.push(("version", found.to_string())),
                    BundleError::WrongKind { .. } | BundleError::Tampered => {}
                }
                args
            }
            ImportError::UnknownDevice(id) | ImportError::NoKey(id) => {
                vec![("device", id.to_string())]
            }
            ImportError::AlreadyImported {
                device,
                export_number,
                at,
            } => {
                let local = at.with_timezone(&Local);
                vec![
                    ("device", device.to_string()),
                    ("number", export_number.to_string()),
                    ("date", format_date_long(lang, local.date_naive())),
                    ("time", local.format("%H:%M").to_string()),
                ]
            }
            ImportError::Superseded {
                device,
                export_number,
                newest,
            } => vec![
                ("device", device.to_string()),
                ("number", export_number.to_string()),
                ("newest", newest.to_string()),
            ],
            ImportError::Seal(e) => vec![("reason", e.to_string())],
            ImportError::Refused(body, _) => vec![(
                "message",
                match lang {
                    Lang::Es => body.message_es.clone(),
                    Lang::En => body.message_en.clone(),
                },
            )],
            ImportError::Database(e) => vec![("reason", e.to_string())],
        }
    }
}

impl ImportError {
    /// As a command's error, the message in `lang`: the file's and the
    /// device's problems are bad input (exit 2), the rest failures (exit 1).
    #[must_use]
    pub fn into_registry_error(self, lang: Lang) -> RegistryError {
        let message = self.localized(lang);
        match self {
            ImportError::Database(e) => RegistryError::Database(e),
            ImportError::Write { .. } | ImportError::Seal(_) | ImportError::Refused(_, true) => {
                RegistryError::Io(std::io::Error::other(message))
            }
            _ => RegistryError::BadInput(message),
        }
    }
}

/// Reads the bundle at `file`, applies it, writes the reply to `reply`.
pub async fn import_file(
    pool: &PgPool,
    file: &Path,
    reply: &Path,
) -> Result<ImportSummary, ImportError> {
    let bytes = read_bounded(file).map_err(|reason| ImportError::Read {
        path: file.to_owned(),
        reason,
    })?;
    let deliver = |sealed: &[u8]| {
        salal_sync::durable::write_durably(reply, sealed).map_err(|e| ImportError::Write {
            path: reply.to_owned(),
            reason: e.to_string(),
        })
    };
    import(pool, &bytes, deliver).await.map_err(|e| match e {
        ImportError::File { error, .. } => ImportError::File {
            path: file.to_owned(),
            error,
        },
        other => other,
    })
}

/// Applies one bundle's bytes and hands the sealed reply to `deliver`. The
/// bundle is recorded as imported (so importing it again is refused) only
/// once `deliver` succeeded.
pub async fn import(
    pool: &PgPool,
    bytes: &[u8],
    deliver: impl FnOnce(&[u8]) -> Result<(), ImportError>,
) -> Result<ImportSummary, ImportError> {
    let file_error = |error| ImportError::File {
        path: PathBuf::new(),
        error,
    };
    let sealed = bundle::read(bytes).map_err(file_error)?;
    if sealed.kind() != Kind::Bundle {
        return Err(file_error(BundleError::WrongKind {
            expected: Kind::Bundle,
            found: sealed.kind(),
        }));
    }
    let device_id = sealed.device_id();
    let row = query(
        "SELECT d.org_id, k.key FROM devices d
         LEFT JOIN device_bundle_keys k ON k.device_id = d.id
         WHERE d.id = $1",
    )
    .bind(device_id)
    .fetch_optional(pool)
    .await?
    .ok_or(ImportError::UnknownDevice(device_id))?;
    let org: Uuid = row.try_get("org_id")?;
    let key: Option<Vec<u8>> = row.try_get("key")?;
    let key = key
        .as_deref()
        .and_then(BundleKey::from_bytes)
        .ok_or(ImportError::NoKey(device_id))?;
    let bundle = sealed.open_bundle(&key).map_err(file_error)?;
    // Opened, so its numbers are the device's own; open_bundle keeps them within i64.
    let export_number = i64::try_from(bundle.export_number)
        .map_err(|_| file_error(BundleError::Garbled("export number".to_owned())))?;
    refuse_replay(pool, device_id, bundle.bundle_id, bundle.export_number).await?;
    let device = Device { id: device_id, org };
    query("UPDATE devices SET last_seen = now() WHERE id = $1")
        .bind(device_id)
        .execute(pool)
        .await?;

    let mut summary = ImportSummary::default();
    let records: Vec<RecordRef> = bundle
        .changes()
        .map(|c| RecordRef {
            entity: c.entity,
            id: c.id,
        })
        .collect();
    let mut changes: Vec<Change> = bundle.batches.into_iter().flatten().collect();
    let mut results: Vec<OpResult> = Vec::with_capacity(changes.len());
    while !changes.is_empty() {
        let rest = changes.split_off(changes.len().min(MAX_PUSH_BATCH));
        let batch = std::mem::replace(&mut changes, rest);
        let answer = crate::push::push(pool, device, &PushRequest { changes: batch }).await?;
        results.extend(answer.results);
    }
    // As the pull after a network push does, ask again for the records whose change was refused.
    let mut refresh: Vec<RecordRef> = bundle.refresh;
    for (record, result) in records.iter().zip(&results) {
        match result.outcome {
            Outcome::Applied { .. } => summary.applied += 1,
            Outcome::Duplicate { .. } => summary.duplicate += 1,
            Outcome::Rejected { .. } => {
                summary.rejected += 1;
                if matches!(record.entity, Entity::Patient | Entity::Dose) {
                    refresh.push(*record);
                }
            }
        }
    }
    refresh.sort_unstable();
    refresh.dedup();
    refresh.truncate(crate::pull::MAX_REFRESH);

    let mut pages = Vec::new();
    let mut after = bundle.cursor.max(0);
    let mut size = 0usize;
    let more = loop {
        let page = crate::pull::pull(
            pool,
            device,
            &PullRequest {
                after,
                limit: MAX_PULL_BATCH,
                refresh: std::mem::take(&mut refresh),
            },
        )
        .await?;
        let more = page.more && page.cursor > after;
        after = page.cursor;
        summary.records += u64::try_from(page.records.len() + page.refreshed.len()).unwrap_or(0);
        size = size.saturating_add(serde_json::to_vec(&page).map_or(usize::MAX, |j| j.len()));
        pages.push(page);
        // A page is at most MAX_PULL_BATCH records, far below the bound.
        if !more || size > bundle::MAX_BODY_BYTES / 2 {
            break more;
        }
    };
    summary.more = more;
    let reply = Reply {
        device_id,
        export_number: bundle.export_number,
        bundle_id: bundle.bundle_id,
        results,
        after: bundle.cursor,
        pages,
        cursor: after,
        more,
        server_time_ms: now_ms(),
    };
    deliver(&bundle::encode_reply(&reply, &key, &SystemRandom::new())?)?;
    // A concurrent import of the same bundle may have recorded it first: its
    // reply is as good as this one.
    query(
        "INSERT INTO bundle_imports (device_id, bundle_id, export_number) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(device_id)
    .bind(bundle.bundle_id)
    .bind(export_number)
    .execute(pool)
    .await?;
    tracing::info!(
        device = %device_id,
        export_number,
        applied = summary.applied,
        duplicate = summary.duplicate,
        rejected = summary.rejected,
        records = summary.records,
        "bundle imported"
    );
    Ok(summary)
}

/// Refuses a bundle already imported from `device`, or older than one that was.
async fn refuse_replay(
    pool: &PgPool,
    device: Uuid,
    bundle_id: Uuid,
    export_number: u64,
) -> Result<(), ImportError> {
    let imported: Option<DateTime<Utc>> = query_scalar(
        "SELECT imported_at FROM bundle_imports WHERE device_id = $1 AND bundle_id = $2",
    )
    .bind(device)
    .bind(bundle_id)
    .fetch_optional(pool)
    .await?;
    if let Some(at) = imported {
        return Err(ImportError::AlreadyImported {
            device,
            export_number,
            at,
        });
    }
    let newest: Option<i64> =
        query_scalar("SELECT max(export_number) FROM bundle_imports WHERE device_id = $1")
            .bind(device)
            .fetch_one(pool)
            .await?;
    match newest {
        Some(newest) if i64::try_from(export_number).is_ok_and(|n| n <= newest) => {
            Err(ImportError::Superseded {
                device,
                export_number,
                newest,
            })
        }
        _ => Ok(()),
    }
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(bundle::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > bundle::MAX_FILE_BYTES {
        return Err(format!(
            "larger than {} MiB",
            bundle::MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    Ok(bytes)
}
