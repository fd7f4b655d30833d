//! USB bundles, the clinic's side: sync for a clinic that never gets a
//! network (the format, its encryption and its keys are `salal_sync::bundle`'s).
//!
//! [`Clinic::export_bundle`] writes every unanswered outbox change (in
//! outbox order, in batches of a push's size), the pull cursor and the
//! records waiting for a refresh, encrypted and signed with the device's
//! bundle key under a fresh random nonce. Each bundle gets the next export
//! number of this computer (kept in the store's `meta` as
//! [`EXPORT_NUMBER`], counted in the same transaction that marks the changes
//! sent) and a random id; the registry refuses a bundle it already imported
//! and one older than a bundle it already imported. The changes are marked
//! sent as a push marks them: they stay unanswered, and so go in every later
//! bundle and push, until an answer comes back.
//!
//! [`Clinic::import_bundle_reply`] checks the registry's reply is for this
//! device, unchanged, and newer than the last reply applied here (kept in
//! `meta` as [`LAST_REPLY`]: the export number and bundle id it answered,
//! and when it was applied). The same reply again is refused as already
//! applied, a reply to an older bundle as older; neither changes anything.
//! A newer reply has its answers recorded for the changes still waiting (as
//! a push records them), then each pulled page applied with its cursor in one
//! transaction (as a network pull applies a page); [`LAST_REPLY`] is written
//! last, so an import cut short can be run again (its answers are then for
//! changes already answered, and its records not newer than the cursor). A
//! reply older than this replica's cursor (a network sync came after it)
//! gives only its answers, so it can never take a record back to an older
//! state. A reply also raises the export number to at least the one it
//! answers, so the next bundle is newer than any the registry has seen.

use crate::Clinic;
use crate::sync::{PUSH_BATCH, SyncError, SyncReport, sync_actor};
use chrono::{DateTime, Local, Utc};
use ring::rand::SystemRandom;
use salal_core::i18n::{Lang, UserMessage, format_date_long};
use salal_store::StoreError;
use salal_store::replica::{PendingChange, meta};
use salal_sync::bundle::{self, Bundle, BundleError as FileError, BundleKey, Kind, SealError};
use salal_sync::wire::{Change, OpResult, PullResponse, RecordRef};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// At most this many changes in one bundle (the rest go in the next one).
pub const MAX_BUNDLE_CHANGES: usize = 100 * PUSH_BATCH;
/// At most this many records asked to be refreshed (as a network pull asks).
const MAX_REFRESH: usize = 1000;
/// The most the batches' JSON may take: the body's bound less room for the
/// rest of it (the refresh list, the numbers).
const MAX_BATCHES_BYTES: usize = bundle::MAX_BODY_BYTES - 1024 * 1024;
/// `meta` key: the export number of the last bundle written (none yet: 0).
pub const EXPORT_NUMBER: &str = "bundle.export_number";
/// `meta` key: the last reply applied, as [`LastReply`] JSON.
pub const LAST_REPLY: &str = "bundle.last_reply";

/// The last reply applied (the value of [`LAST_REPLY`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastReply {
    /// The export number of the bundle it answered.
    pub export_number: u64,
    /// The id of the bundle it answered.
    pub bundle_id: Uuid,
    /// When this computer applied it.
    pub applied_at: DateTime<Utc>,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BundleExport {
    /// Changes in the bundle.
    pub changes: u64,
    /// The bundle's export number.
    pub export_number: u64,
    /// Unanswered changes that did not fit (they go in a later bundle).
    pub remaining: u64,
}

/// What importing a reply did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BundleImport {
    /// Answers recorded and records applied, as a network sync reports them.
    pub report: SyncReport,
    /// More records wait at the registry: another bundle brings them.
    pub more: bool,
    /// The reply is older than what this replica has: only its answers counted.
    pub stale: bool,
}

/// A bundle that could not be written or a reply that could not be imported.
/// Nothing saved is lost; a failed import changed nothing it had not finished.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// This computer is not linked to a registry (enroll it once, online).
    #[error("not enrolled with a registry")]
    NotEnrolled,
    /// The reply cannot be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The bundle cannot be written.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// Not a reply, another version, or changed after it was written.
    #[error("{path}: {error}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        error: FileError,
    },
    /// A reply the registry wrote for another computer.
    #[error("{path} is a reply for another device")]
    OtherDevice {
        /// The file.
        path: PathBuf,
    },
    /// This very reply was applied before; nothing was changed.
    #[error("{path} was already imported at {at}")]
    AlreadyImported {
        /// The file.
        path: PathBuf,
        /// When it was applied.
        at: DateTime<Utc>,
    },
    /// The reply answers an older bundle than the last reply applied; nothing was changed.
    #[error("{path} answers bundle {found}, older than bundle {applied} whose reply was applied")]
    OlderReply {
        /// The file.
        path: PathBuf,
        /// The export number it answers.
        found: u64,
        /// The export number of the last reply applied.
        applied: u64,
    },
    /// The bundle could not be encrypted (the random source failed); nothing was written.
    #[error("cannot seal the bundle: {0}")]
    Seal(#[from] SealError),
    /// Recording the answers or applying the records failed.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BundleError {
    /// Whether the system failed (disk full, the database): the CLI exits 1.
    #[must_use]
    pub fn is_system_failure(&self) -> bool {
        let store = match self {
            BundleError::Write { .. } | BundleError::Seal(_) => return true,
            BundleError::Store(e) | BundleError::Sync(SyncError::Store(e)) => e,
            _ => return false,
        };
        matches!(
            store,
            StoreError::DiskFull
                | StoreError::Busy
                | StoreError::Corrupt
                | StoreError::Io { .. }
                | StoreError::Database(_)
        )
    }
}

impl UserMessage for BundleError {
    fn message_key(&self) -> &'static str {
        match self {
            BundleError::NotEnrolled => "error.sync.not_enrolled",
            BundleError::Read { .. } => "error.bundle.read",
            BundleError::Write { .. } => "error.bundle.write",
            BundleError::File { error, .. } => match error {
                FileError::Garbled(_) | FileError::TooLarge(_) => "error.bundle.garbled",
                FileError::Version { .. } => "error.bundle.version",
                FileError::WrongKind { .. } => "error.bundle.is_bundle",
                FileError::Tampered => "error.bundle.tampered",
            },
            BundleError::OtherDevice { .. } => "error.bundle.other_device",
            BundleError::AlreadyImported { .. } => "error.bundle.reply_already_imported",
            BundleError::OlderReply { .. } => "error.bundle.reply_older",
            BundleError::Seal(SealError::Random) => "error.bundle.random",
            BundleError::Seal(_) => "error.bundle.seal",
            BundleError::Sync(e) => e.message_key(),
            BundleError::Store(e) => e.message_key(),
        }
    }

    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            BundleError::Read { path, reason } | BundleError::Write { path, reason } => vec![
                ("path", path.display().to_string()),
                ("reason", reason.clone()),
            ],
            BundleError::File { path, error } => {
                let mut args = vec![("path", path.display().to_string())];
                match error {
                    FileError::Garbled(why) => args.push(("reason", why.clone())),
                    FileError::TooLarge(n) => args.push(("reason", format!("{n} bytes"))),
                    FileError::Version { found } => args.push(("version", found.to_string())),
                    FileError::WrongKind { .. } | FileError::Tampered => {}
                }
                args
            }
            BundleError::OtherDevice { path } | BundleError::OlderReply { path, .. } => {
                vec![("path", path.display().to_string())]
            }
            BundleError::AlreadyImported { path, at } => {
                let local = at.with_timezone(&Local);
                vec![
                    ("path", path.display().to_string()),
                    ("date", format_date_long(lang, local.date_naive())),
                    ("time", local.format("%H:%M").to_string()),
                ]
            }
            BundleError::Seal(e) => vec![("reason", e.to_string())],
            BundleError::Sync(e) => e.message_args(lang),
            BundleError::Store(e) => e.message_args(lang),
            BundleError::NotEnrolled => Vec::new(),
        }
    }
}

/// The device, its organization and its bundle key (as [`Clinic::sync`]'s link has them).
struct Credential {
    device_id: Uuid,
    org: Uuid,
    key: BundleKey,
}

impl Clinic {
    fn bundle_credential(&self) -> Result<Credential, BundleError> {
        let store = self.lock();
        if store.meta(meta::REGISTRY_URL)?.is_none() {
            return Err(BundleError::NotEnrolled);
        }
        let org: Uuid = store
            .meta(meta::ORGANIZATION_ID)?
            .and_then(|o| o.parse().ok())
            .ok_or(BundleError::NotEnrolled)?;
        let secret = store.device_secret()?.ok_or(BundleError::NotEnrolled)?;
        Ok(Credential {
            device_id: store.info().device_id.0,
            org,
            key: BundleKey::from_secret(&secret),
        })
    }

    /// Writes a USB bundle to `path` (durably: a temporary file, fsync,
    /// rename): every unanswered change, up to [`MAX_BUNDLE_CHANGES`], with
    /// the pull cursor, numbered one more than the last bundle. Exporting
    /// again is safe: the new bundle supersedes the old one (the registry
    /// refuses the old one once it imported the new), and the registry
    /// answers a change it already has `duplicate`.
    pub fn export_bundle(&self, path: &Path) -> Result<BundleExport, BundleError> {
        let credential = self.bundle_credential()?;
        let rng = SystemRandom::new();
        // One lock from reading the last export number to counting this one.
        let mut store = self.lock();
        let waiting = store.outbox_counts()?.waiting;
        let pending = store.unanswered_changes(MAX_BUNDLE_CHANGES, credential.org)?;
        let (batches, seqs) = batches(&pending);
        let cursor = store
            .meta(meta::CURSOR)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let export_number = last_export_number(&store)?.saturating_add(1);
        let bundle = Bundle {
            device_id: credential.device_id,
            organization_id: credential.org,
            export_number,
            bundle_id: bundle::random_id(&rng)?,
            created_ms: u64::try_from(self.now().timestamp_millis()).unwrap_or(0),
            cursor,
            refresh: store.refresh_list(MAX_REFRESH)?,
            batches,
        };
        let sealed = bundle::encode_bundle(&bundle, &credential.key, &rng)?;
        let changes = u64::try_from(seqs.len()).unwrap_or(u64::MAX);
        // Marked sent before they leave, as a push marks what it sends.
        store.write(&sync_actor(), self.now(), |w| {
            w.mark_sent(&seqs)?;
            w.set_meta(EXPORT_NUMBER, &export_number.to_string())?;
            w.audit(
                "bundle_export",
                "outbox",
                &export_number.to_string(),
                &format!(
                    "bundle {export_number}: {changes} changes, cursor {}",
                    bundle.cursor
                ),
            )
        })?;
        drop(store);
        salal_sync::durable::write_durably(path, &sealed).map_err(|e| BundleError::Write {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(BundleExport {
            changes,
            export_number,
            remaining: waiting.saturating_sub(changes),
        })
    }

    /// Imports the registry's reply to this computer's bundle from `path`.
    pub fn import_bundle_reply(&self, path: &Path) -> Result<BundleImport, BundleError> {
        let credential = self.bundle_credential()?;
        let file_error = |error| BundleError::File {
            path: path.to_owned(),
            error,
        };
        let bytes = read_bounded(path)?;
        let sealed = bundle::read(&bytes).map_err(file_error)?;
        if sealed.kind() != Kind::Reply {
            return Err(file_error(FileError::WrongKind {
                expected: Kind::Reply,
                found: sealed.kind(),
            }));
        }
        if sealed.device_id() != credential.device_id {
            return Err(BundleError::OtherDevice {
                path: path.to_owned(),
            });
        }
        let reply = sealed.open_reply(&credential.key).map_err(file_error)?;

        // Replays: the same reply, or one to an older bundle, changes nothing.
        let last = last_reply(&self.lock())?;
        if let Some(last) = &last {
            if last.export_number == reply.export_number && last.bundle_id == reply.bundle_id {
                return Err(BundleError::AlreadyImported {
                    path: path.to_owned(),
                    at: last.applied_at,
                });
            }
            if reply.export_number <= last.export_number {
                return Err(BundleError::OlderReply {
                    path: path.to_owned(),
                    found: reply.export_number,
                    applied: last.export_number,
                });
            }
        }

        let mut done = BundleImport {
            more: reply.more,
            ..BundleImport::default()
        };

        // The answers, for the changes still waiting for one.
        let (batch, results) = {
            let store = self.lock();
            let mut waiting: HashMap<Uuid, PendingChange> = store
                .unanswered_changes(usize::MAX, credential.org)?
                .into_iter()
                .map(|c| (c.change.op_id, c))
                .collect();
            let mut batch = Vec::new();
            let mut results: Vec<OpResult> = Vec::new();
            for result in &reply.results {
                if let Some(change) = waiting.remove(&result.op_id) {
                    batch.push(change);
                    results.push(result.clone());
                }
            }
            (batch, results)
        };
        for (changes, answers) in batch.chunks(PUSH_BATCH).zip(results.chunks(PUSH_BATCH)) {
            let (acked, rejected) = self.record_push_answers(changes, answers)?;
            done.report.pushed += acked;
            done.report.rejected += rejected;
        }

        // The pages, each with its cursor, newer than what this replica has.
        let (cursor, refresh) = {
            let store = self.lock();
            let cursor: i64 = store
                .meta(meta::CURSOR)?
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let refresh: HashSet<RecordRef> = store.refresh_list(usize::MAX)?.into_iter().collect();
            (cursor, refresh)
        };
        done.stale = reply.cursor < cursor;
        if !done.stale {
            let mut at = cursor;
            for page in &reply.pages {
                let Some(page) = newer_part(page, cursor, at, &refresh) else {
                    continue;
                };
                done.report.pulled += self.apply_page(&page)?;
                at = page.cursor;
            }
        }

        // Last: this reply is applied (a later import of it is refused), the
        // next bundle is numbered above it, and "last sync" is when the
        // registry wrote it, if that is later.
        {
            let mut store = self.lock();
            let last_success = store
                .meta(meta::LAST_SUCCESS)?
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok());
            let synced_at = DateTime::from_timestamp_millis(
                i64::try_from(reply.server_time_ms).unwrap_or(i64::MAX),
            )
            .filter(|at| last_success.is_none_or(|last| last < *at));
            let raise = last_export_number(&store)? < reply.export_number;
            let applied = LastReply {
                export_number: reply.export_number,
                bundle_id: reply.bundle_id,
                applied_at: self.now(),
            };
            let applied = serde_json::to_string(&applied).map_err(|e| {
                BundleError::Store(StoreError::Decode(format!("the last reply: {e}")))
            })?;
            store.write(&sync_actor(), self.now(), |w| {
                w.set_meta(LAST_REPLY, &applied)?;
                if raise {
                    w.set_meta(EXPORT_NUMBER, &reply.export_number.to_string())?;
                }
                if let Some(at) = synced_at {
                    w.set_meta(meta::LAST_SUCCESS, &at.to_rfc3339())?;
                }
                w.audit(
                    "bundle_import",
                    "registry",
                    &reply.export_number.to_string(),
                    &format!(
                        "reply to bundle {}: {} answered, {} pulled, cursor {}",
                        reply.export_number,
                        done.report.pushed + done.report.rejected,
                        done.report.pulled,
                        reply.cursor
                    ),
                )
            })?;
        }
        self.trim_outbox()?;
        Ok(done)
    }
}

/// The export number of the last bundle written (0 before the first).
fn last_export_number(store: &salal_store::Store) -> Result<u64, StoreError> {
    Ok(store
        .meta(EXPORT_NUMBER)?
        .and_then(|n| n.parse().ok())
        .unwrap_or(0))
}

/// The last reply applied, if any (a value this version cannot read counts as none).
fn last_reply(store: &salal_store::Store) -> Result<Option<LastReply>, StoreError> {
    Ok(store
        .meta(LAST_REPLY)?
        .and_then(|v| serde_json::from_str(&v).ok()))
}

/// The changes in batches of a push's size, and their outbox numbers. The
/// bundle stays within what a reader decodes; what does not fit waits.
fn batches(pending: &[PendingChange]) -> (Vec<Vec<Change>>, Vec<i64>) {
    let mut batches = Vec::new();
    let mut seqs = Vec::new();
    let mut size = 0usize;
    for chunk in pending.chunks(PUSH_BATCH) {
        let changes: Vec<Change> = chunk.iter().map(|c| c.change.clone()).collect();
        let len = serde_json::to_vec(&changes).map_or(usize::MAX, |json| json.len());
        if !batches.is_empty() && size.saturating_add(len) > MAX_BATCHES_BYTES {
            break;
        }
        size = size.saturating_add(len);
        seqs.extend(chunk.iter().map(|c| c.seq));
        batches.push(changes);
    }
    (batches, seqs)
}

/// What of `page` this replica does not have yet: its records after the
/// replica's `cursor`, the refreshed records it still waits for, and the
/// cursor (never moved back from `at`). `None` when that is nothing.
fn newer_part(
    page: &PullResponse,
    cursor: i64,
    at: i64,
    refresh: &HashSet<RecordRef>,
) -> Option<PullResponse> {
    let records: Vec<_> = page
        .records
        .iter()
        .filter(|r| r.seq > cursor)
        .cloned()
        .collect();
    let refreshed: Vec<_> = page
        .refreshed
        .iter()
        .filter(|r| {
            refresh.contains(&RecordRef {
                entity: r.entity,
                id: r.id,
            })
        })
        .cloned()
        .collect();
    let next = page.cursor.max(at);
    if records.is_empty() && refreshed.is_empty() && next == at {
        return None;
    }
    Some(PullResponse {
        records,
        refreshed,
        cursor: next,
        more: page.more,
        remaining: page.remaining,
        server_time_ms: page.server_time_ms,
    })
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, BundleError> {
    let fail = |reason: String| BundleError::Read {
        path: path.to_owned(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(bundle::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > bundle::MAX_FILE_BYTES {
        return Err(BundleError::File {
            path: path.to_owned(),
            error: FileError::TooLarge(bytes.len() as u64),
        });
    }
    Ok(bytes)
}
