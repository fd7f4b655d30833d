//! The replica's side of sync: the outbox as a queue (pending → sent →
//! acknowledged or rejected), applying the registry's state of records, the
//! pull cursor, the per-record sync state the screens show, the canonical
//! export, and trimming acknowledged changes.
//!
//! Records that arrive from the registry are written without an outbox change,
//! so they are never pushed back. A pulled record is applied only when no
//! change of this replica to it is still unanswered
//! ([`salal_sync::merge::accept_pulled`]); otherwise it is noted in
//! `sync_refresh` and asked for again once the registry has answered.

use crate::write::{now_ms, ts};
use crate::{Store, StoreError, UserRow, Writer};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use salal_core::hlc::Stamp;
use salal_core::ids::{EventId, PatientId, UserId};
use salal_core::user::Role;
use salal_sync::fields;
use salal_sync::merge::{Accept, accept_pulled};
use salal_sync::wire::{Change, ChangeKind, Entity, Fields, Outcome, RecordRef, RecordState};
use serde_json::Value;
use uuid::Uuid;

/// Meta keys of the sync link.
pub mod meta {
    /// The registry's https URL.
    pub const REGISTRY_URL: &str = "sync.registry_url";
    /// Hex SHA-256 of the registry's certificate.
    pub const FINGERPRINT: &str = "sync.registry_fingerprint";
    /// The organization this replica belongs to.
    pub const ORGANIZATION_ID: &str = "sync.organization_id";
    /// The last registry sequence applied.
    pub const CURSOR: &str = "sync.cursor";
    /// RFC 3339 time of the last sync that reached the registry.
    pub const LAST_SUCCESS: &str = "sync.last_success";
    /// The last sync's error, in English and Spanish (JSON), empty when it worked.
    pub const LAST_ERROR: &str = "sync.last_error";
    /// The device secret, when the OS keyring cannot keep it (inside the encrypted database).
    pub const DEVICE_SECRET: &str = "sync.device_secret";
}

/// One unanswered outbox change, ready to push.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingChange {
    /// Local order.
    pub seq: i64,
    /// The wire change.
    pub change: Change,
}

/// Where a record stands with the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordSync {
    /// Changes wait to be sent (or for the registry's answer).
    Pending,
    /// The registry confirmed this state.
    Confirmed {
        /// When (registry time of the change, as this replica saw it).
        at: DateTime<Utc>,
    },
    /// The registry refused a change to it; the change is kept.
    Rejected {
        /// The code (`clock_ahead`, `conflict`, ...).
        code: String,
        /// Why and what to do, in English.
        message_en: String,
        /// Why and what to do, in Spanish.
        message_es: String,
    },
}

/// Counts for the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxCounts {
    /// Changes not yet answered by the registry.
    pub waiting: u64,
    /// Changes the registry refused (kept).
    pub rejected: u64,
    /// Changes held here, never sent: the patient declined registry participation.
    pub held: u64,
}

/// What applying one pulled record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The replica now holds the registry's state, which changed it.
    Applied,
    /// The replica already held that state (an echo of its own change): now confirmed.
    Unchanged,
    /// Kept back: local changes to it are unanswered (asked for again later).
    Deferred,
    /// Kept in the buffer: it needs a record that has not arrived yet.
    Buffered,
}

fn entity_of(text: &str) -> Result<Entity, StoreError> {
    Entity::from_code(text).ok_or_else(|| StoreError::Decode(format!("bad entity: {text}")))
}

fn inflate(body: &[u8]) -> Result<Fields, StoreError> {
    let json = zstd::stream::decode_all(body).map_err(|e| StoreError::Decode(e.to_string()))?;
    Ok(serde_json::from_slice(&json)?)
}

impl Store {
    /// A meta value.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// The oldest unanswered changes (pending or sent), at most `limit`.
    /// Organization changes name this replica's organization `org`.
    pub fn unanswered_changes(
        &self,
        limit: usize,
        org: Uuid,
    ) -> Result<Vec<PendingChange>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, op_id, entity, entity_id, hlc, kind, fields, body FROM outbox
             WHERE status IN ('pending', 'sent') ORDER BY priority DESC, seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<Vec<u8>>>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, op_id, entity, entity_id, hlc, kind, text, body) = row?;
            let entity = entity_of(&entity)?;
            let fields = match body {
                Some(body) => inflate(&body)?,
                None => legacy_fields(entity, &text)?,
            };
            let id = if entity == Entity::Organization {
                org
            } else {
                crate::read::parse(&entity_id, "record id")?
            };
            out.push(PendingChange {
                seq,
                change: Change {
                    op_id: crate::read::parse(&op_id, "op id")?,
                    entity,
                    id,
                    hlc: crate::read::parse::<Stamp>(&hlc, "clock stamp")?,
                    kind: legacy_kind(&kind)?,
                    fields,
                },
            });
        }
        Ok(out)
    }

    /// How many changes wait, and how many were refused.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        // `outbox_tally` is kept by triggers (migration 0011), so this does
        // not grow with the outbox.
        let (waiting, rejected, held): (i64, i64, i64) = self.conn.query_row(
            "SELECT coalesce(sum(CASE WHEN status IN ('pending', 'sent') THEN n END), 0),
                    coalesce(sum(CASE WHEN status = 'rejected' THEN n END), 0),
                    coalesce(sum(CASE WHEN status = 'held' THEN n END), 0)
             FROM outbox_tally",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(OutboxCounts {
            waiting: u64::try_from(waiting).unwrap_or(0),
            rejected: u64::try_from(rejected).unwrap_or(0),
            held: u64::try_from(held).unwrap_or(0),
        })
    }

    /// Records the registry asked to be fetched again.
    pub fn refresh_list(&self, limit: usize) -> Result<Vec<RecordRef>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT entity, entity_id FROM sync_refresh LIMIT ?1")?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (entity, id) = row?;
            out.push(RecordRef {
                entity: entity_of(&entity)?,
                id: crate::read::parse(&id, "record id")?,
            });
        }
        Ok(out)
    }

    /// Where one record stands with the registry. (Each query repeats the
    /// `outbox_by_record` index's condition, `status <> 'acknowledged'`: SQLite
    /// uses a partial index only when the WHERE clause names its condition.)
    pub fn record_sync(&self, entity: Entity, id: &str) -> Result<RecordSync, StoreError> {
        let rejected: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT reject_code, reject_en, reject_es FROM outbox
                 WHERE entity = ?1 AND entity_id = ?2 AND status <> 'acknowledged'
                   AND status IN ('rejected', 'held') ORDER BY seq DESC LIMIT 1",
                [entity.code(), id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((code, message_en, message_es)) = rejected {
            return Ok(RecordSync::Rejected {
                code,
                message_en,
                message_es,
            });
        }
        let waiting: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE entity = ?1 AND entity_id = ?2
                     AND status <> 'acknowledged' AND status IN ('pending', 'sent'))",
            [entity.code(), id],
            |r| r.get(0),
        )?;
        if waiting {
            return Ok(RecordSync::Pending);
        }
        let table = match entity {
            Entity::Patient => "patients",
            Entity::Dose => "events",
            Entity::User | Entity::Organization => return Ok(RecordSync::Pending),
            Entity::StorageUnit | Entity::StockTxn | Entity::Order => {
                let uuid: Uuid = crate::read::parse(id, "record id")?;
                return Ok(
                    match self
                        .inventory_confirmed(entity, uuid)?
                        .and_then(DateTime::from_timestamp_millis)
                    {
                        Some(at) => RecordSync::Confirmed { at },
                        None => RecordSync::Pending,
                    },
                );
            }
        };
        let key: rusqlite::types::Value = if entity == Entity::Dose {
            let uuid: Uuid = crate::read::parse(id, "dose id")?;
            rusqlite::types::Value::Blob(uuid.as_bytes().to_vec())
        } else {
            rusqlite::types::Value::Text(id.to_owned())
        };
        let confirmed: Option<i64> = self
            .conn
            .query_row(
                &format!("SELECT confirmed_ms FROM {table} WHERE id = ?1"),
                [key],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(match confirmed.and_then(DateTime::from_timestamp_millis) {
            Some(at) => RecordSync::Confirmed { at },
            None => RecordSync::Pending,
        })
    }

    /// Every patient and dose as canonical JSON Lines (the same form the
    /// registry's export prints), sorted by kind then id.
    pub fn export_canonical(&self, out: &mut dyn FnMut(&str)) -> Result<u64, StoreError> {
        let mut n = 0u64;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {}, duplicate_of FROM events ORDER BY id",
            crate::compact::EVENT_COLUMNS
        ))?;
        let columns = crate::compact::EVENT_COLUMNS.split(',').count();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let event = crate::compact::event_from_row(r)?;
            let event_id = event.id;
            let mut f = fields::dose_fields(&event);
            let link: Option<Vec<u8>> = r.get(columns)?;
            if let Some(link) = link.and_then(|b| Uuid::from_slice(&b).ok()) {
                f.insert(fields::DUPLICATE_OF.into(), Value::String(link.to_string()));
            }
            out(&fields::canonical_line(
                Entity::Dose,
                &event_id.to_string(),
                &f,
            ));
            n += 1;
        }
        let mut stmt = self
            .conn
            .prepare("SELECT id, details, consents, merged_into FROM patients ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let details: String = r.get(1)?;
            let consents: String = r.get(2)?;
            let merged_into: String = r.get(3)?;
            let mut f = fields::patient_fields(
                &serde_json::from_str(&details)?,
                &serde_json::from_str(&consents)?,
            );
            if !merged_into.is_empty() {
                f.insert(fields::MERGED_INTO.into(), Value::String(merged_into));
            }
            out(&fields::canonical_line(Entity::Patient, &id, &f));
            n += 1;
        }
        Ok(n)
    }
}

/// Outbox rows written before the wire field names (migration 3) used the
/// domain's serde names; the patient's `consents` becomes the two choices.
fn legacy_fields(entity: Entity, text: &str) -> Result<Fields, StoreError> {
    let mut f: Fields = serde_json::from_str(text)?;
    if entity == Entity::Patient
        && let Some(consents) = f.remove("consents")
    {
        let consents: salal_core::consent::Consents = serde_json::from_value(consents)?;
        f.insert(
            "registry_participation".into(),
            fields::participation_value(&consents.registry),
        );
        f.insert(
            "mailings".into(),
            fields::mailings_value(&consents.mailings),
        );
    }
    let known = fields::known_keys(entity);
    f.retain(|k, _| known.contains(&k.as_str()));
    Ok(f)
}

fn legacy_kind(kind: &str) -> Result<ChangeKind, StoreError> {
    match kind {
        "delete" => Ok(ChangeKind::EnteredInError),
        other => ChangeKind::from_code(other)
            .ok_or_else(|| StoreError::Decode(format!("bad change kind: {other}"))),
    }
}

impl Writer<'_> {
    /// Sets a meta value (part of this transaction).
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Notes that these changes are on their way (they may reach the registry).
    pub fn mark_sent(&mut self, seqs: &[i64]) -> Result<(), StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "UPDATE outbox SET status = 'sent' WHERE seq = ?1 AND status = 'pending'",
        )?;
        for seq in seqs {
            stmt.execute([seq])?;
        }
        Ok(())
    }

    /// Records the registry's answers. A rejected change is kept with its
    /// reason, and its record is asked for again (the registry's state).
    pub fn record_answers(
        &mut self,
        answers: &[(i64, &Change, &Outcome)],
    ) -> Result<(u64, u64), StoreError> {
        let (mut acked, mut rejected) = (0u64, 0u64);
        let at = ts(self.now);
        for (seq, change, outcome) in answers {
            match outcome {
                Outcome::Applied { seq: registry_seq }
                | Outcome::Duplicate { seq: registry_seq } => {
                    self.tx.execute(
                        "UPDATE outbox SET status = 'acknowledged', answered_at = ?2, registry_seq = ?3
                         WHERE seq = ?1",
                        params![seq, at, registry_seq],
                    )?;
                    acked += 1;
                }
                Outcome::Rejected {
                    code,
                    message_en,
                    message_es,
                } => {
                    self.tx.execute(
                        "UPDATE outbox SET status = 'rejected', answered_at = ?2, reject_code = ?3,
                            reject_en = ?4, reject_es = ?5 WHERE seq = ?1",
                        params![seq, at, code.code(), message_en, message_es],
                    )?;
                    if matches!(change.entity, Entity::Patient | Entity::Dose) {
                        self.tx.execute(
                            "INSERT OR IGNORE INTO sync_refresh (entity, entity_id) VALUES (?1, ?2)",
                            params![change.entity.code(), change.id.to_string()],
                        )?;
                    }
                    rejected += 1;
                }
            }
        }
        if rejected > 0 {
            self.audit("sync_rejected", "outbox", "", &rejected.to_string())?;
        }
        Ok((acked, rejected))
    }

    /// Notes once per page whether this replica has any unanswered change
    /// or any record waiting for a refresh, so a bootstrap skips the
    /// per-record checks.
    pub fn begin_pulled_page(&mut self) -> Result<(), StoreError> {
        let (unanswered, refresh): (bool, bool) = self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE status IN ('pending', 'sent')),
                    EXISTS (SELECT 1 FROM sync_refresh)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        self.page = Some((unanswered, refresh));
        Ok(())
    }

    fn has_unanswered(&self, entity: Entity, id: &str) -> Result<bool, StoreError> {
        if self.page.is_some_and(|(unanswered, _)| !unanswered) {
            return Ok(false);
        }
        let mut stmt = self.tx.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE entity = ?1 AND entity_id = ?2
                 AND status IN ('pending', 'sent'))",
        )?;
        Ok(stmt.query_row([entity.code(), id], |r| r.get(0))?)
    }

    /// Applies the registry's state of one record (no outbox change: it is
    /// never pushed back). Kept back while local changes to it are unanswered.
    pub fn apply_pulled(&mut self, record: &RecordState) -> Result<Applied, StoreError> {
        let id = if record.entity == Entity::Organization {
            "self".to_owned()
        } else {
            record.id.to_string()
        };
        if accept_pulled(self.has_unanswered(record.entity, &id)?) == Accept::Defer {
            self.tx.execute(
                "INSERT OR IGNORE INTO sync_refresh (entity, entity_id) VALUES (?1, ?2)",
                params![record.entity.code(), id],
            )?;
            if let Some((_, refresh)) = &mut self.page {
                *refresh = true;
            }
            return Ok(Applied::Deferred);
        }
        self.observe(record.hlc)?;
        let confirmed = DateTime::parse_from_rfc3339(&record.confirmed_at)
            .map_or(now_ms(self.now), |t| {
                u64::try_from(t.timestamp_millis()).unwrap_or(0)
            });
        let confirmed = i64::try_from(confirmed).unwrap_or(i64::MAX);
        let applied = match record.entity {
            Entity::Patient => self.apply_patient(record, confirmed)?,
            Entity::Dose => self.apply_dose(record, confirmed)?,
            Entity::User => self.apply_user(record)?,
            Entity::Organization => {
                if let Some(name) = record.fields.get("name").and_then(Value::as_str) {
                    self.set_meta("clinic_name", name)?;
                }
                Applied::Applied
            }
            Entity::StorageUnit | Entity::StockTxn | Entity::Order => {
                self.apply_inventory(record)?
            }
        };
        if self.page.is_none_or(|(_, refresh)| refresh) {
            let mut stmt = self
                .tx
                .prepare_cached("DELETE FROM sync_refresh WHERE entity = ?1 AND entity_id = ?2")?;
            stmt.execute([record.entity.code(), id.as_str()])?;
        }
        Ok(applied)
    }

    fn bad(record: &RecordState, e: &fields::FieldError) -> StoreError {
        StoreError::Decode(format!(
            "registry sent a {} that cannot be read ({e})",
            record.entity.code()
        ))
    }

    fn apply_patient(
        &mut self,
        record: &RecordState,
        confirmed: i64,
    ) -> Result<Applied, StoreError> {
        let (details, consents) =
            fields::patient_from_fields(&record.fields).map_err(|e| Writer::bad(record, &e))?;
        let id = PatientId(record.id);
        let merged_into =
            fields::merged_into(&record.fields).map_err(|e| Writer::bad(record, &e))?;
        if let Some(survivor) = merged_into {
            let survivor_here: bool = self.tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM patients WHERE id = ?1)",
                [survivor.to_string()],
                |r| r.get(0),
            )?;
            if !survivor_here {
                // The survivor comes in a later page: keep this until then.
                return self.buffer(record);
            }
        }
        let outcome = self.apply_patient_fields(id, details, consents, record, confirmed)?;
        if let Some(survivor) = merged_into {
            let moved = self.merge_locally(id, survivor)?;
            if moved {
                return Ok(Applied::Applied);
            }
        }
        Ok(outcome)
    }

    /// Marks `old` merged into `survivor` at the registry's word and moves
    /// its events to the survivor (nothing is deleted). Whether anything changed.
    fn merge_locally(&mut self, old: PatientId, survivor: PatientId) -> Result<bool, StoreError> {
        let changed = self.tx.execute(
            "UPDATE patients SET merged_into = ?2 WHERE id = ?1 AND merged_into <> ?2",
            params![old.to_string(), survivor.to_string()],
        )?;
        let moved = self.tx.execute(
            "UPDATE events SET patient_id = ?2 WHERE patient_id = ?1",
            params![
                old.as_uuid().as_bytes().as_slice(),
                survivor.as_uuid().as_bytes().as_slice()
            ],
        )?;
        if changed > 0 {
            self.audit(
                "patient_merged",
                "patient",
                &old.to_string(),
                &format!("into {survivor}; {moved} events moved"),
            )?;
        }
        Ok(changed + moved > 0)
    }

    fn apply_patient_fields(
        &mut self,
        id: PatientId,
        details: salal_core::patient::PatientDetails,
        consents: salal_core::consent::Consents,
        record: &RecordState,
        confirmed: i64,
    ) -> Result<Applied, StoreError> {
        let opted_out = consents.opted_out();
        let outcome = match self.stored_patient(id)? {
            Some((old_details, old_consents)) => {
                // The registry keeps only a minimal record of a patient who
                // declined: the clinic keeps its own chart and takes the decision.
                let details = if opted_out {
                    old_details.clone()
                } else {
                    details
                };
                let same = fields::diff(
                    &fields::patient_fields(&old_details, &old_consents),
                    &fields::patient_fields(&details, &consents),
                )
                .is_empty();
                if same {
                    Applied::Unchanged
                } else {
                    self.write_patient_row(id, &details, &consents, record.hlc)?;
                    Applied::Applied
                }
            }
            None => {
                self.insert_patient_row(id, &details, &consents, record.hlc, Some(confirmed))?;
                return Ok(Applied::Applied);
            }
        };
        let mut stmt = self
            .tx
            .prepare_cached("UPDATE patients SET confirmed_ms = ?2 WHERE id = ?1")?;
        stmt.execute(params![id.to_string(), confirmed])?;
        drop(stmt);
        if opted_out && outcome == Applied::Applied {
            // Declined at another clinic: this replica's unsent changes for
            // the patient are held here too, never pushed.
            let mut decision = Fields::new();
            decision.insert(
                "registry_participation".into(),
                fields::participation_value(&consents.registry),
            );
            self.apply_participation(Entity::Patient, &id.to_string(), &decision, 0)?;
        }
        Ok(outcome)
    }

    fn apply_dose(&mut self, record: &RecordState, confirmed: i64) -> Result<Applied, StoreError> {
        let event = fields::dose_from_fields(EventId(record.id), &record.fields)
            .map_err(|e| Writer::bad(record, &e))?;
        let patient_here: bool = {
            let mut stmt = self
                .tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM patients WHERE id = ?1)")?;
            stmt.query_row([event.patient_id.to_string()], |r| r.get(0))?
        };
        if !patient_here {
            // Its patient comes in a later page (it changed after the dose):
            // keep the state until then, never drop it.
            return self.buffer(record);
        }
        match self.stored_event(event.id)? {
            Some(existing)
                if fields::diff(
                    &fields::dose_fields(&existing),
                    &fields::dose_fields(&event),
                )
                .is_empty() =>
            {
                if self.set_duplicate_of(&event, &record.fields)? {
                    return Ok(Applied::Applied);
                }
                let mut stmt = self
                    .tx
                    .prepare_cached("UPDATE events SET confirmed_ms = ?2 WHERE id = ?1")?;
                stmt.execute(params![event.id.as_uuid().as_bytes().as_slice(), confirmed])?;
                return Ok(Applied::Unchanged);
            }
            Some(_) => self.update_event_row(&event, record.hlc, Some(confirmed))?,
            None => self.insert_event_row(&event, record.hlc, Some(confirmed))?,
        }
        self.set_duplicate_of(&event, &record.fields)?;
        Ok(Applied::Applied)
    }

    /// Keeps the registry's `duplicate_of` link of a dose. Whether it changed.
    fn set_duplicate_of(
        &mut self,
        event: &salal_core::event::Event,
        f: &Fields,
    ) -> Result<bool, StoreError> {
        let link: Option<Vec<u8>> = f
            .get(fields::DUPLICATE_OF)
            .and_then(Value::as_str)
            .and_then(|t| Uuid::try_parse(t).ok())
            .map(|u| u.as_bytes().to_vec());
        let mut stmt = self.tx.prepare_cached(
            "UPDATE events SET duplicate_of = ?2 WHERE id = ?1 AND duplicate_of IS NOT ?2",
        )?;
        let n = stmt.execute(params![event.id.as_uuid().as_bytes().as_slice(), link])?;
        Ok(n > 0)
    }

    fn apply_user(&mut self, record: &RecordState) -> Result<Applied, StoreError> {
        let f = &record.fields;
        let text = |k: &str| {
            f.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let roles = f
            .get("roles")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .filter_map(|r| r.parse::<Role>().ok())
                    .collect()
            })
            .unwrap_or_default();
        let user = UserRow {
            id: UserId(record.id),
            username: text("username"),
            display_name: text("display_name"),
            roles,
            password_hash: text("password_hash"),
            password_changed_at: DateTime::parse_from_rfc3339(&text("password_changed_at"))
                .map_or(self.now, |t| t.with_timezone(&Utc)),
            must_change_password: f
                .get("must_change_password")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            failed_attempts: 0,
            locked_until: None,
            language: text("language").parse().unwrap_or_default(),
            active: f.get("active").and_then(Value::as_bool).unwrap_or(true),
        };
        let taken: bool = self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1 AND id <> ?2)",
            params![user.username, user.id.to_string()],
            |r| r.get(0),
        )?;
        if taken {
            // Another account here already has that name: keep the registry's
            // state aside rather than lose it or break the pull.
            return self.buffer(record);
        }
        let existing: Option<String> = self
            .tx
            .query_row(
                "SELECT password_hash FROM users WHERE id = ?1",
                [user.id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        self.insert_user_row(&user, record.hlc)?;
        Ok(if existing.is_some() {
            Applied::Unchanged
        } else {
            Applied::Applied
        })
    }

    /// Keeps a registry state that cannot be applied yet in `sync_buffer`.
    fn buffer(&mut self, record: &RecordState) -> Result<Applied, StoreError> {
        self.tx.execute(
            "INSERT INTO sync_buffer (entity, entity_id, state) VALUES (?1, ?2, ?3)
             ON CONFLICT (entity, entity_id) DO UPDATE SET state = excluded.state",
            params![
                record.entity.code(),
                record.id.to_string(),
                serde_json::to_string(record)?
            ],
        )?;
        Ok(Applied::Buffered)
    }

    /// Applies buffered records whose missing piece has arrived. Returns how many.
    pub fn apply_buffered(&mut self) -> Result<u64, StoreError> {
        let states: Vec<(String, String, String)> = {
            let mut stmt = self
                .tx
                .prepare("SELECT entity, entity_id, state FROM sync_buffer")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut applied = 0;
        for (entity, id, state) in states {
            let record: RecordState = serde_json::from_str(&state)?;
            self.tx.execute(
                "DELETE FROM sync_buffer WHERE entity = ?1 AND entity_id = ?2",
                [&entity, &id],
            )?;
            if self.apply_pulled(&record)? == Applied::Applied {
                applied += 1;
            }
        }
        Ok(applied)
    }

    /// Deletes acknowledged changes answered before `before` (rejected and
    /// unanswered ones are never trimmed). Returns how many.
    pub fn trim_acknowledged(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let n = self.tx.execute(
            "DELETE FROM outbox WHERE status = 'acknowledged' AND answered_at < ?1",
            [ts(before)],
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
