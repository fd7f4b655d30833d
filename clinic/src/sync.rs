//! Sync with the Salal Registry: enrollment, one full sync (push, then pull
//! until caught up), the status the app shows, and the canonical export.
//!
//! The registry decides; this replica converges to it (see `salal_sync::merge`).
//! Push sends the outbox oldest first in bounded batches and records each
//! answer in one transaction; pull applies each page with its cursor in one
//! transaction. Any step may be cut off and repeated: pushes are idempotent by
//! op id, pulls by cursor. The store is locked only between network calls, so
//! the app stays usable while a sync runs. Finding a patient another clinic
//! knows, and bringing the record here, is [`lookup`].

mod lookup;

pub use lookup::RegistryCandidate;

use crate::error::ClinicError;
use crate::{Clinic, SetupReceipt};
use chrono::{DateTime, Utc};
use salal_core::i18n::{Lang, UserMessage};
pub use salal_store::RecordSync;
use salal_store::replica::{PendingChange, meta};
use salal_store::{Actor, Applied, Store, StoreError};
use salal_sync::client::{ClientError, RegistryClient};
use salal_sync::enroll::{EnrollmentCode, hex, unhex};
use salal_sync::wire::{
    EnrollRequest, Entity, MAX_CLOCK_AHEAD_MS, MAX_PULL_BATCH, OpResult, PullRequest, PushRequest,
    RecordRef,
};
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

/// Changes per push.
pub const PUSH_BATCH: usize = 1000;
/// Records asked for per pull page.
pub const PULL_BATCH: u32 = MAX_PULL_BATCH;
/// How long acknowledged changes stay in the outbox by default.
pub const DEFAULT_OUTBOX_RETENTION_DAYS: i64 = 30;
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// What one sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Changes the registry acknowledged (applied now, or already had).
    pub pushed: u64,
    /// Records whose registry state changed this replica.
    pub pulled: u64,
    /// Changes the registry refused (kept, shown with the reason).
    pub rejected: u64,
    /// Compressed bytes sent in pushes.
    pub bytes_pushed: u64,
}

/// Progress of a running sync, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncProgress {
    /// Sending changes.
    Pushing {
        /// Sent so far.
        sent: u64,
        /// To send in all (when the sync began).
        total: u64,
    },
    /// Receiving records.
    Pulling {
        /// Received so far.
        received: u64,
        /// Still waiting at the registry (an upper bound).
        remaining: u64,
    },
}

/// Where this replica stands with the registry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncStatus {
    /// The registry's address, once enrolled.
    pub registry_url: Option<String>,
    /// When a sync last reached the registry.
    pub last_success: Option<DateTime<Utc>>,
    /// Changes waiting to be sent or answered.
    pub waiting: u64,
    /// Changes the registry refused.
    pub rejected: u64,
    /// The last sync's error, in English and Spanish.
    pub last_error: Option<(String, String)>,
}

/// The sync state of a patient's record and of each of its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSyncStates {
    /// The patient's demographics.
    pub patient: RecordSync,
    /// Each event, by id.
    pub events: Vec<(salal_core::ids::EventId, RecordSync)>,
}

/// A sync or an enrollment that did not complete. Nothing saved is lost.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// This computer is not linked to a registry yet.
    #[error("not enrolled with a registry")]
    NotEnrolled,
    /// The text is not an enrollment code.
    #[error("not an enrollment code")]
    BadCode,
    /// This computer is already linked to another registry.
    #[error("already enrolled with {0}")]
    AlreadyEnrolled(String),
    /// No answer from the registry (network, registry down, timeout).
    #[error("registry unreachable at {url}: {reason}")]
    Unreachable {
        /// Where.
        url: String,
        /// What the network said.
        reason: String,
    },
    /// A registry lookup or fetch got no answer (no network, registry down).
    #[error("registry lookup: unreachable at {url}: {reason}")]
    LookupUnreachable {
        /// Where.
        url: String,
        /// What the network said.
        reason: String,
    },
    /// The registry refused the request.
    #[error("registry refused ({status}): {message_en}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Its message in English.
        message_en: String,
        /// Its message in Spanish.
        message_es: String,
    },
    /// The registry's answer was not what the protocol says.
    #[error("unreadable answer from the registry: {0}")]
    BadAnswer(String),
    /// The store failed (disk full, clock behind, ...).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Setting up the new replica failed.
    #[error(transparent)]
    Clinic(#[from] ClinicError),
}

impl From<ClientError> for SyncError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Unreachable { url, reason } => SyncError::Unreachable { url, reason },
            ClientError::Refused { status, body } => SyncError::Refused {
                status,
                message_en: body.message_en,
                message_es: body.message_es,
            },
            ClientError::BadAnswer(why) => SyncError::BadAnswer(why),
            ClientError::BadUrl(url) => SyncError::Unreachable {
                url,
                reason: "not an https:// address".to_owned(),
            },
        }
    }
}

impl SyncError {
    /// Whether the registry could not be reached at all (the CLI exits 1).
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            SyncError::Unreachable { .. }
                | SyncError::LookupUnreachable { .. }
                | SyncError::BadAnswer(_)
        ) || matches!(self, SyncError::Refused { status, .. } if *status >= 500)
    }
}

impl UserMessage for SyncError {
    fn message_key(&self) -> &'static str {
        match self {
            SyncError::NotEnrolled => "error.sync.not_enrolled",
            SyncError::BadCode => "error.sync.bad_code",
            SyncError::AlreadyEnrolled(_) => "error.sync.already_enrolled",
            SyncError::Unreachable { .. } => "error.sync.unreachable",
            SyncError::LookupUnreachable { .. } => "error.sync.lookup_unreachable",
            SyncError::Refused { .. } => "error.sync.refused",
            SyncError::BadAnswer(_) => "error.sync.bad_answer",
            SyncError::Store(e) => e.message_key(),
            SyncError::Clinic(e) => e.message_key(),
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            SyncError::AlreadyEnrolled(url) => vec![("url", url.clone())],
            SyncError::Unreachable { url, reason }
            | SyncError::LookupUnreachable { url, reason } => {
                vec![("url", url.clone()), ("reason", reason.clone())]
            }
            SyncError::Refused {
                message_en,
                message_es,
                ..
            } => vec![(
                "message",
                match lang {
                    Lang::Es => message_es.clone(),
                    Lang::En => message_en.clone(),
                },
            )],
            SyncError::Store(e) => e.message_args(lang),
            SyncError::Clinic(e) => e.message_args(lang),
            _ => Vec::new(),
        }
    }
}

fn device_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "clinic computer".to_owned())
}

pub(crate) fn sync_actor() -> Actor {
    Actor {
        user_id: None,
        username: "sync".to_owned(),
    }
}

/// The link to the registry, as kept in the replica.
struct Link {
    client: RegistryClient,
    org: Uuid,
}

fn millis(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}

impl Clinic {
    /// Links this existing replica to a registry with a one-time enrollment
    /// code (which pins the registry's certificate). Changes made so far are
    /// pushed by the next sync. Enrolling again with the same registry is
    /// allowed (a retry after a lost answer).
    pub fn enroll(&self, registry_url: &str, code: &str) -> Result<(), SyncError> {
        let code: EnrollmentCode = code.parse().map_err(|_| SyncError::BadCode)?;
        let (device_id, replica) = {
            let store = self.lock();
            if let Some(url) = store.meta(meta::REGISTRY_URL)? {
                if url.trim_end_matches('/') != registry_url.trim().trim_end_matches('/') {
                    return Err(SyncError::AlreadyEnrolled(url));
                }
                if store.device_secret()?.is_some() {
                    // Already linked to this registry: nothing to do (a rerun).
                    return Ok(());
                }
            }
            (store.info().device_id, store.info().replica)
        };
        let client = RegistryClient::new(registry_url, code.fingerprint, CALL_TIMEOUT)?;
        let answer = client.enroll(&EnrollRequest {
            code: code.secret.clone(),
            device_id: device_id.0,
            replica,
            device_name: device_name(),
        })?;
        let mut store = self.lock();
        store.save_device_secret(&sync_actor(), &answer.device_secret)?;
        let has_name = store.clinic_name()?.is_some_and(|n| !n.is_empty());
        store.write(&sync_actor(), self.now(), |w| {
            if !has_name {
                w.set_meta("clinic_name", &answer.organization_name)?;
            }
            w.set_meta(meta::REGISTRY_URL, client.base_url())?;
            w.set_meta(meta::FINGERPRINT, &hex(&code.fingerprint))?;
            w.set_meta(meta::ORGANIZATION_ID, &answer.organization_id.to_string())?;
            w.audit(
                "enroll",
                "organization",
                &answer.organization_id.to_string(),
                client.base_url(),
            )
        })?;
        Ok(())
    }

    /// Creates the encrypted replica of a new computer of an enrolled clinic
    /// in the empty `data_dir` (key in the OS keyring; the recovery key is
    /// returned to show at once). It has no users until [`Clinic::enroll`]
    /// and the first [`Clinic::sync`] bring the clinic's from the registry.
    /// Made first, so a cut enrollment or bootstrap resumes on the same device.
    pub fn create_for_enrollment(data_dir: &Path) -> Result<(Clinic, SetupReceipt), SyncError> {
        let (store, recovery_key, keyring) =
            Store::create_with(data_dir, &sync_actor(), Utc::now(), |w| {
                w.audit("create", "replica", "", "for enrollment")
            })?;
        Ok((
            Clinic::from_store(store)?,
            SetupReceipt {
                recovery_key,
                keyring,
            },
        ))
    }

    /// [`Clinic::create_for_enrollment`], [`Clinic::enroll`] and a first
    /// [`Clinic::sync`] (the bootstrap), in that order.
    pub fn enroll_new(
        data_dir: &Path,
        registry_url: &str,
        code: &str,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<(Clinic, SetupReceipt, SyncReport), SyncError> {
        code.parse::<EnrollmentCode>()
            .map_err(|_| SyncError::BadCode)?;
        let (clinic, receipt) = Clinic::create_for_enrollment(data_dir)?;
        clinic.enroll(registry_url, code)?;
        let report = clinic.sync(progress)?;
        Ok((clinic, receipt, report))
    }

    fn link(&self) -> Result<Link, SyncError> {
        let store = self.lock();
        let Some(url) = store.meta(meta::REGISTRY_URL)? else {
            return Err(SyncError::NotEnrolled);
        };
        let fingerprint = store
            .meta(meta::FINGERPRINT)?
            .and_then(|f| unhex::<32>(&f))
            .ok_or(SyncError::NotEnrolled)?;
        let org: Uuid = store
            .meta(meta::ORGANIZATION_ID)?
            .and_then(|o| o.parse().ok())
            .ok_or(SyncError::NotEnrolled)?;
        let secret = store.device_secret()?.ok_or(SyncError::NotEnrolled)?;
        let client = RegistryClient::new(&url, fingerprint, CALL_TIMEOUT)?
            .with_credential(store.info().device_id.0, &secret);
        Ok(Link { client, org })
    }

    /// Whether this replica is linked to a registry.
    pub fn is_enrolled(&self) -> Result<bool, ClinicError> {
        Ok(self.lock().meta(meta::REGISTRY_URL)?.is_some())
    }

    /// One full sync: push every waiting change, then pull until caught up.
    /// Records the outcome (last success or the error) for the status bar.
    pub fn sync(&self, progress: &mut dyn FnMut(SyncProgress)) -> Result<SyncReport, SyncError> {
        let link = self.link()?;
        let result = self.sync_with(&link, progress);
        let now = self.now();
        let outcome = match &result {
            Ok(_) => (Some(now.to_rfc3339()), String::new()),
            Err(e) => (
                None,
                serde_json::json!([e.localized(Lang::En), e.localized(Lang::Es)]).to_string(),
            ),
        };
        // Recording the outcome must not hide the sync's own result.
        let recorded = self.lock().write(&sync_actor(), now, |w| {
            if let Some(at) = &outcome.0 {
                w.set_meta(meta::LAST_SUCCESS, at)?;
            }
            w.set_meta(meta::LAST_ERROR, &outcome.1)
        });
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record the sync outcome");
        }
        result
    }

    fn sync_with(
        &self,
        link: &Link,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        self.push_all(link, &mut report, progress)?;
        self.pull_all(link, &mut report, progress)?;
        self.exchange_keys(link)?;
        self.trim_outbox()?;
        Ok(report)
    }

    /// Deletes acknowledged changes older than the retention (after a sync).
    pub(crate) fn trim_outbox(&self) -> Result<(), SyncError> {
        let retention = chrono::Duration::days(self.outbox_retention_days);
        let before = self.now() - retention;
        let mut store = self.lock();
        let trimmed = store.write(&sync_actor(), self.now(), |w| {
            let trimmed = w.trim_acknowledged(before)?;
            if trimmed > 0 {
                w.audit("outbox_trim", "outbox", "", &trimmed.to_string())?;
            }
            Ok::<_, StoreError>(trimmed)
        })?;
        if trimmed > 0 {
            store.reclaim_free_pages()?;
        }
        Ok(())
    }

    /// Publishes this clinic's signing key (once) and learns the keys other
    /// clinics published, so records they print verify here.
    fn exchange_keys(&self, link: &Link) -> Result<(), SyncError> {
        use base64::Engine as _;
        use salal_store::documents::{KEY_PUBLISHED_META, KEYS_CURSOR_META};
        let b64 = base64::engine::general_purpose::STANDARD;
        let (own, published, mut cursor) = {
            let store = self.lock();
            (
                store.trusted_keys()?.into_iter().find(|k| k.own),
                store.meta(KEY_PUBLISHED_META)?,
                store
                    .meta(KEYS_CURSOR_META)?
                    .and_then(|c| c.parse::<i64>().ok())
                    .unwrap_or(0),
            )
        };
        let mut publish = own
            .filter(|k| published.as_deref() != Some(k.key_id.as_str()))
            .map(|k| salal_sync::wire::ClinicKey {
                key_id: k.key_id,
                public_key: b64.encode(&k.public_key),
            });
        loop {
            let answer = link.client.keys(&salal_sync::wire::KeysRequest {
                publish: publish.clone(),
                after: cursor,
            })?;
            let done = answer.keys.is_empty() || answer.cursor <= cursor;
            self.lock().write(&sync_actor(), self.now(), |w| {
                for key in &answer.keys {
                    let Ok(bytes) = b64.decode(&key.key.public_key) else {
                        continue;
                    };
                    if bytes.len() == 32 && salal_attest::key_id(&bytes) == key.key.key_id {
                        w.trust_key(&key.key.key_id, &bytes, &key.organization_name, false)?;
                    }
                }
                if let Some(p) = &publish {
                    w.set_meta(KEY_PUBLISHED_META, &p.key_id)?;
                }
                w.set_meta(KEYS_CURSOR_META, &answer.cursor.to_string())
            })?;
            publish = None;
            cursor = answer.cursor;
            if done {
                return Ok(());
            }
        }
    }

    fn push_all(
        &self,
        link: &Link,
        report: &mut SyncReport,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<(), SyncError> {
        let total = self.lock().outbox_counts()?.waiting;
        let mut sent = 0u64;
        progress(SyncProgress::Pushing { sent, total });
        loop {
            let batch = self.lock().unanswered_changes(PUSH_BATCH, link.org)?;
            if batch.is_empty() {
                return Ok(());
            }
            let seqs: Vec<i64> = batch.iter().map(|c| c.seq).collect();
            self.lock()
                .write(&sync_actor(), self.now(), |w| w.mark_sent(&seqs))?;
            let request = PushRequest {
                changes: batch.iter().map(|c| c.change.clone()).collect(),
            };
            let (answer, bytes) = link.client.push(&request)?;
            report.bytes_pushed += u64::try_from(bytes).unwrap_or(0);
            let (acked, rejected) = self.record_push_answers(&batch, &answer.results)?;
            report.pushed += acked;
            report.rejected += rejected;
            sent += acked + rejected;
            progress(SyncProgress::Pushing {
                sent,
                total: total.max(sent),
            });
            self.check_clock(answer.server_time_ms);
        }
    }

    /// Records the registry's answers to `batch` (one per change, in its
    /// order) in one transaction; returns (acknowledged, rejected).
    pub(crate) fn record_push_answers(
        &self,
        batch: &[PendingChange],
        results: &[OpResult],
    ) -> Result<(u64, u64), SyncError> {
        let answers_match = results.len() == batch.len()
            && results
                .iter()
                .zip(batch)
                .all(|(r, c)| r.op_id == c.change.op_id);
        if !answers_match {
            return Err(SyncError::BadAnswer(
                "push answers do not match the changes sent".to_owned(),
            ));
        }
        let answers: Vec<_> = batch
            .iter()
            .zip(results)
            .map(|(c, r)| (c.seq, &c.change, &r.outcome))
            .collect();
        Ok(self
            .lock()
            .write(&sync_actor(), self.now(), |w| w.record_answers(&answers))?)
    }

    fn pull_all(
        &self,
        link: &Link,
        report: &mut SyncReport,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<(), SyncError> {
        let (after, refresh): (i64, Vec<RecordRef>) = {
            let store = self.lock();
            let after = store
                .meta(meta::CURSOR)?
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            (after, store.refresh_list(1000)?)
        };
        let mut received = 0u64;
        let mut after = after;
        let mut next = link.client.pull(&PullRequest {
            after,
            limit: PULL_BATCH,
            refresh,
        })?;
        loop {
            let answer = next;
            if answer.cursor < after {
                return Err(SyncError::BadAnswer("the pull cursor went back".to_owned()));
            }
            after = answer.cursor;
            // The next page is fetched while this one is applied.
            let (changed, prefetched) = std::thread::scope(|scope| {
                let prefetch = answer.more.then(|| {
                    scope.spawn(|| {
                        link.client.pull(&PullRequest {
                            after: answer.cursor,
                            limit: PULL_BATCH,
                            refresh: Vec::new(),
                        })
                    })
                });
                let changed = self.apply_page(&answer);
                let prefetched = prefetch.map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(ClientError::BadAnswer("the page fetch stopped".to_owned()))
                    })
                });
                (changed, prefetched)
            });
            report.pulled += changed?;
            received += u64::try_from(answer.records.len()).unwrap_or(0);
            progress(SyncProgress::Pulling {
                received,
                remaining: answer
                    .remaining
                    .saturating_sub(u64::try_from(answer.records.len()).unwrap_or(0)),
            });
            self.check_clock(answer.server_time_ms);
            match prefetched {
                None => return Ok(()),
                Some(page) => next = page?,
            }
        }
    }

    /// Applies one pulled page and its cursor in one transaction; returns
    /// how many records it changed.
    pub(crate) fn apply_page(
        &self,
        answer: &salal_sync::wire::PullResponse,
    ) -> Result<u64, SyncError> {
        Ok(self.lock().write(&sync_actor(), self.now(), |w| {
            w.begin_pulled_page()?;
            let mut changed = 0u64;
            for record in answer.refreshed.iter().chain(&answer.records) {
                if w.apply_pulled(record)? == Applied::Applied {
                    changed += 1;
                }
            }
            changed += w.apply_buffered()?;
            w.set_meta(meta::CURSOR, &answer.cursor.to_string())?;
            if !answer.records.is_empty() || !answer.refreshed.is_empty() {
                w.audit(
                    "sync_pull",
                    "registry",
                    &answer.cursor.to_string(),
                    &(answer.records.len() + answer.refreshed.len()).to_string(),
                )?;
            }
            Ok::<_, StoreError>(changed)
        })?)
    }

    fn check_clock(&self, server_time_ms: u64) {
        let here = millis(self.now());
        let skew = here.abs_diff(server_time_ms);
        if skew > MAX_CLOCK_AHEAD_MS {
            tracing::warn!(
                skew_ms = skew,
                "this computer's clock differs from the registry's"
            );
        }
    }

    /// When a sync last reached the registry (without counting the outbox).
    pub fn last_sync_success(&self) -> Result<Option<DateTime<Utc>>, ClinicError> {
        Ok(last_success(&self.lock())?)
    }

    /// Where this replica stands with the registry (for the status bar).
    pub fn sync_status(&self) -> Result<SyncStatus, ClinicError> {
        let store = self.lock();
        let counts = store.outbox_counts()?;
        let last_error = store
            .meta(meta::LAST_ERROR)?
            .filter(|e| !e.is_empty())
            .and_then(|e| serde_json::from_str::<(String, String)>(&e).ok());
        Ok(SyncStatus {
            registry_url: store.meta(meta::REGISTRY_URL)?,
            last_success: last_success(&store)?,
            waiting: counts.waiting,
            rejected: counts.rejected,
            last_error,
        })
    }

    /// Where a patient's record and each of its events stand with the
    /// registry (pending, confirmed with time, or rejected with the reason).
    pub fn record_sync_states(
        &self,
        session: &crate::Session,
        patient: salal_core::ids::PatientId,
    ) -> Result<RecordSyncStates, ClinicError> {
        self.authorize(session, salal_core::user::Permission::ViewPatients)?;
        let store = self.lock();
        let events = store
            .patient_events(patient)?
            .into_iter()
            .map(|e| {
                let state = store.record_sync(Entity::Dose, &e.id.to_string())?;
                Ok((e.id, state))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(RecordSyncStates {
            patient: store.record_sync(Entity::Patient, &patient.to_string())?,
            events,
        })
    }

    /// Every patient and dose in this replica as canonical JSON Lines (the
    /// form `salal-registry export` prints). The read is audited.
    pub fn export_canonical(
        &self,
        actor_name: &str,
        out: &mut dyn FnMut(&str),
    ) -> Result<u64, ClinicError> {
        let mut store = self.lock();
        let n = store.export_canonical(out)?;
        let actor = Actor {
            user_id: None,
            username: actor_name.to_owned(),
        };
        match store.write(&actor, self.now(), |w| {
            w.audit("export", "replica", "", &n.to_string())
        }) {
            Ok(()) | Err(StoreError::DiskFull) => Ok(n),
            Err(e) => Err(e.into()),
        }
    }
}

fn last_success(store: &salal_store::Store) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(store
        .meta(meta::LAST_SUCCESS)?
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc)))
}
