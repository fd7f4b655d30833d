//! Writes. Each [`Writer`] method changes the domain rows, appends the change
//! to the outbox (sync.md format: op id, entity, id, clock stamp, kind, the
//! changed fields) and appends an audit event, all in the caller's one
//! transaction, with ONE clock stamp shared by the row and its outbox change.
//! Every change owes an audit row; a transaction that still owes one is
//! refused at commit, so no change can skip it (a write that changed nothing,
//! such as a retried save, commits as a no-op). Records are created under ids
//! chosen where they were born: the same id with the same content is a no-op,
//! with other content an [`StoreError::IdConflict`].

use crate::StoreError;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, Transaction, params};
use salal_core::consent::{Consents, RegistryParticipation};
use salal_core::event::Event;
use salal_core::hlc::{Clock, Stamp};
use salal_core::i18n::Lang;
use salal_core::ids::{DeviceId, EventId, OpId, PatientId, UserId};
use salal_core::patient::PatientDetails;
use salal_core::user::Role;
use salal_sync::fields;
use salal_sync::wire::{ChangeKind, Entity, Fields};
use serde::Serialize;
use serde_json::{Map, Value};

/// Who is making a change (for the audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The signed-in user, if any (none during first-run setup).
    pub user_id: Option<UserId>,
    /// Their user name, or what is acting ("setup", "cli").
    pub username: String,
}

impl Actor {
    /// The actor for first-run setup, before any user exists.
    #[must_use]
    pub fn setup() -> Actor {
        Actor {
            user_id: None,
            username: "setup".to_owned(),
        }
    }
}

/// A user account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    /// Id.
    pub id: UserId,
    /// Sign-in name (case-insensitive, unique).
    pub username: String,
    /// Full name.
    pub display_name: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// `pbkdf2-sha256$iterations$salt$hash`.
    #[serde(skip)]
    pub password_hash: String,
    /// When the password was last set.
    pub password_changed_at: DateTime<Utc>,
    /// The next sign-in must set a new password (set by an admin reset).
    pub must_change_password: bool,
    /// Failed sign-ins since the last success.
    pub failed_attempts: u32,
    /// Locked until then after too many failures.
    pub locked_until: Option<DateTime<Utc>>,
    /// Preferred UI language.
    pub language: Lang,
    /// Disabled accounts cannot sign in.
    pub active: bool,
}

pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The open transaction of one [`crate::Store::write`].
pub struct Writer<'a> {
    pub(crate) tx: Transaction<'a>,
    pub(crate) clock: &'a mut Clock,
    pub(crate) actor: &'a Actor,
    pub(crate) now: DateTime<Utc>,
    pub(crate) device: DeviceId,
    /// The changes whose audit row is still owed, as (entity, id): every
    /// change adds one, and only an audit row naming that same record pays it.
    pub(crate) audit_owed: Vec<(&'static str, String)>,
    pub(crate) last_stamp: Option<Stamp>,
    /// While applying a pulled page: (any unanswered change, any record to refresh).
    pub(crate) page: Option<(bool, bool)>,
}

pub(crate) fn now_ms(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp_millis()).unwrap_or(0)
}

/// What saving a record with a caller-chosen id did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The record is new.
    Created,
    /// A record with this id and the same content was already saved: nothing changed.
    Unchanged,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(
        tx: Transaction<'a>,
        clock: &'a mut Clock,
        actor: &'a Actor,
        now: DateTime<Utc>,
        device: DeviceId,
    ) -> Self {
        Writer {
            tx,
            clock,
            actor,
            now,
            device,
            audit_owed: Vec::new(),
            last_stamp: None,
            page: None,
        }
    }

    pub(crate) fn commit(self) -> Result<(), StoreError> {
        if let Some((entity, id)) = self.audit_owed.first() {
            return Err(StoreError::Database(format!(
                "{} change(s) without an audit event were refused (the first: {entity} {id})",
                self.audit_owed.len()
            )));
        }
        if let Some(stamp) = self.last_stamp {
            self.tx.execute(
                "INSERT INTO meta (key, value) VALUES ('hlc_last', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [stamp.to_string()],
            )?;
        }
        self.tx.commit()?;
        Ok(())
    }

    /// The time of this write.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub(crate) fn stamp(&mut self) -> Result<Stamp, StoreError> {
        let stamp = self
            .clock
            .tick(now_ms(self.now))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        self.last_stamp = Some(stamp);
        Ok(stamp)
    }

    /// Merges a stamp that came from the registry into this replica's clock;
    /// one too far ahead of this computer's clock means the clock is wrong.
    pub(crate) fn observe(&mut self, remote: Stamp) -> Result<(), StoreError> {
        let merged = self
            .clock
            .observe(remote, now_ms(self.now))
            .map_err(|e| match e {
                salal_core::hlc::ClockError::TooFarAhead { ahead_ms, .. } => {
                    StoreError::ClockBehind { ahead_ms }
                }
                other @ salal_core::hlc::ClockError::CounterOverflow => {
                    StoreError::Database(other.to_string())
                }
            })?;
        self.last_stamp = Some(merged);
        Ok(())
    }

    /// Appends one change to the outbox with `stamp` (the same stamp the row
    /// carries: one stamp per change). The body is zstd-compressed JSON.
    fn outbox(
        &mut self,
        entity: Entity,
        id: &str,
        kind: ChangeKind,
        fields: &Fields,
        stamp: Stamp,
    ) -> Result<(), StoreError> {
        self.audit_owed.push((entity.code(), id.to_owned()));
        let json = serde_json::to_vec(fields)?;
        let body =
            zstd::bulk::compress(&json, 3).map_err(|e| StoreError::Database(e.to_string()))?;
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO outbox (op_id, entity, entity_id, hlc, kind, fields, body, created_at, status)
             VALUES (?1, ?2, ?3, ?4, ?5, '', ?6, ?7, 'pending')",
        )?;
        stmt.execute(params![
            OpId::generate().to_string(),
            entity.code(),
            id,
            stamp.to_string(),
            kind.code(),
            body,
            ts(self.now)
        ])?;
        drop(stmt);
        let seq = self.tx.last_insert_rowid();
        self.apply_participation(entity, id, fields, seq)
    }

    /// Registry participation decides what the outbox may send: a decline
    /// goes first (with the patient's other unsent changes, so the registry
    /// knows the patient), and from then on the patient's other changes are
    /// held here with the reason, never pushed and never lost; participating
    /// again releases them.
    pub(crate) fn apply_participation(
        &mut self,
        entity: Entity,
        id: &str,
        fields: &Fields,
        seq: i64,
    ) -> Result<(), StoreError> {
        let patient = match entity {
            Entity::Patient => id.to_owned(),
            Entity::Dose => match fields.get(fields::PATIENT_ID).and_then(Value::as_str) {
                Some(patient) => patient.to_owned(),
                None => {
                    let uuid: uuid::Uuid = crate::read::parse(id, "dose id")?;
                    let found: Option<Vec<u8>> = self
                        .tx
                        .query_row(
                            "SELECT patient_id FROM events WHERE id = ?1",
                            [uuid.as_bytes().as_slice()],
                            |r| r.get(0),
                        )
                        .optional()?;
                    match found.and_then(|b| uuid::Uuid::from_slice(&b).ok()) {
                        Some(p) => p.hyphenated().to_string(),
                        None => return Ok(()),
                    }
                }
            },
            _ => return Ok(()),
        };
        let decides = entity == Entity::Patient && fields.contains_key("registry_participation");
        let opted_out: bool = self
            .tx
            .query_row(
                "SELECT registry_participation = 'opted_out' FROM patients WHERE id = ?1",
                [&patient],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false);
        let doses = |tx: &Transaction<'_>| -> Result<Vec<String>, StoreError> {
            let uuid: uuid::Uuid = crate::read::parse(&patient, "patient id")?;
            let mut stmt = tx.prepare_cached("SELECT id FROM events WHERE patient_id = ?1")?;
            let rows = stmt.query_map([uuid.as_bytes().as_slice()], |r| r.get::<_, Vec<u8>>(0))?;
            let mut out = Vec::new();
            for row in rows {
                if let Ok(u) = uuid::Uuid::from_slice(&row?) {
                    out.push(u.hyphenated().to_string());
                }
            }
            Ok(out)
        };
        if decides && opted_out {
            self.tx.execute(
                "UPDATE outbox SET priority = 1 WHERE entity = 'patient' AND entity_id = ?1
                 AND status <> 'acknowledged' AND status IN ('pending', 'sent')",
                [&patient],
            )?;
            let (en, es) = salal_sync::wire::RejectCode::OptedOut.messages("");
            let mut hold = self.tx.prepare_cached(
                "UPDATE outbox SET status = 'held', reject_code = 'opted_out', reject_en = ?2,
                        reject_es = ?3
                 WHERE entity = 'dose' AND entity_id = ?1
                   AND status <> 'acknowledged' AND status = 'pending'",
            )?;
            for dose in doses(&self.tx)? {
                hold.execute(params![dose, en, es])?;
            }
        } else if decides
            && self.tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'held')",
                [],
                |r| r.get::<_, bool>(0),
            )?
        {
            // Participating again: what was held for the patient is sent.
            self.tx.execute(
                "UPDATE outbox SET status = 'pending', reject_code = NULL, reject_en = NULL,
                        reject_es = NULL
                 WHERE entity = 'patient' AND entity_id = ?1 AND status = 'held'",
                [&patient],
            )?;
            let mut release = self.tx.prepare_cached(
                "UPDATE outbox SET status = 'pending', reject_code = NULL, reject_en = NULL,
                        reject_es = NULL
                 WHERE entity = 'dose' AND entity_id = ?1 AND status = 'held'",
            )?;
            for dose in doses(&self.tx)? {
                release.execute([dose])?;
            }
        } else if opted_out {
            let (en, es) = salal_sync::wire::RejectCode::OptedOut.messages("");
            self.tx.execute(
                "UPDATE outbox SET status = 'held', reject_code = 'opted_out', reject_en = ?2,
                        reject_es = ?3 WHERE seq = ?1",
                params![seq, en, es],
            )?;
        }
        Ok(())
    }

    /// One change: its outbox entry and its audit row (`audit` is the action
    /// and the detail), with the row's stamp.
    pub(crate) fn record_change(
        &mut self,
        entity: Entity,
        id: &str,
        kind: ChangeKind,
        fields: &Fields,
        stamp: Stamp,
        audit: (&str, &str),
    ) -> Result<(), StoreError> {
        self.outbox(entity, id, kind, fields, stamp)?;
        self.audit(audit.0, entity.code(), id, audit.1)
    }

    /// Appends an audit event (also used on its own for views and sign-ins).
    pub fn audit(
        &mut self,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO audit_log (at_ms, user_id, username, device_id, action, entity, entity_id, detail)
             VALUES (?1, ?2, ?3, '', ?4, ?5, ?6, ?7)",
        )?;
        stmt.execute(params![
            self.now.timestamp_millis(),
            self.actor.user_id.map(|u| u.as_uuid().as_bytes().to_vec()),
            self.actor.username,
            action,
            entity,
            crate::compact::record_key(entity_id),
            detail
        ])?;
        if let Some(at) = self
            .audit_owed
            .iter()
            .position(|(e, i)| *e == entity && i == entity_id)
        {
            self.audit_owed.swap_remove(at);
        }
        Ok(())
    }

    /// Sets the clinic's name (first-run setup, or a rename).
    pub fn set_clinic_name(&mut self, name: &str) -> Result<(), StoreError> {
        let stamp = self.stamp()?;
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES ('clinic_name', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [name],
        )?;
        let mut fields = Map::new();
        fields.insert("name".to_owned(), Value::String(name.to_owned()));
        self.record_change(
            Entity::Organization,
            "self",
            ChangeKind::Update,
            &fields,
            stamp,
            ("update", "clinic name"),
        )
    }

    /// Adds a user.
    pub fn insert_user(&mut self, user: &UserRow) -> Result<(), StoreError> {
        let stamp = self.stamp()?;
        self.insert_user_row(user, stamp)?;
        let fields = user_fields(user);
        self.record_change(
            Entity::User,
            &user.id.to_string(),
            ChangeKind::Create,
            &fields,
            stamp,
            ("create", &user.username),
        )
    }

    pub(crate) fn insert_user_row(
        &mut self,
        user: &UserRow,
        stamp: Stamp,
    ) -> Result<(), StoreError> {
        let roles: Vec<&str> = user.roles.iter().map(|r| r.code()).collect();
        self.tx.execute(
            "INSERT INTO users (id, username, display_name, roles, password_hash, password_changed_at,
                must_change_password, failed_attempts, locked_until, language, active, created_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, NULL, ?8, ?9, ?10, ?11)
             ON CONFLICT (id) DO UPDATE SET username = excluded.username,
                display_name = excluded.display_name, roles = excluded.roles,
                password_hash = excluded.password_hash, password_changed_at = excluded.password_changed_at,
                must_change_password = excluded.must_change_password, language = excluded.language,
                active = excluded.active, hlc = excluded.hlc",
            params![
                user.id.to_string(),
                user.username,
                user.display_name,
                serde_json::to_string(&roles)?,
                user.password_hash,
                ts(user.password_changed_at),
                user.must_change_password,
                user.language.code(),
                user.active,
                ts(self.now),
                stamp.to_string()
            ],
        )?;
        Ok(())
    }

    /// Replaces a user's password hash.
    pub fn set_user_password(
        &mut self,
        id: UserId,
        password_hash: &str,
        must_change_password: bool,
    ) -> Result<(), StoreError> {
        let stamp = self.stamp()?;
        self.tx.execute(
            "UPDATE users SET password_hash = ?2, password_changed_at = ?3, must_change_password = ?4,
                failed_attempts = 0, locked_until = NULL, hlc = ?5 WHERE id = ?1",
            params![
                id.to_string(),
                password_hash,
                ts(self.now),
                must_change_password,
                stamp.to_string()
            ],
        )?;
        let mut fields = Map::new();
        fields.insert(
            "password_hash".to_owned(),
            Value::String(password_hash.to_owned()),
        );
        fields.insert(
            "password_changed_at".to_owned(),
            Value::String(ts(self.now)),
        );
        fields.insert(
            "must_change_password".to_owned(),
            Value::Bool(must_change_password),
        );
        self.record_change(
            Entity::User,
            &id.to_string(),
            ChangeKind::Update,
            &fields,
            stamp,
            ("password_change", ""),
        )
    }

    /// Replaces a user's roles and active flag.
    pub fn set_user_roles(
        &mut self,
        id: UserId,
        roles: &[Role],
        active: bool,
    ) -> Result<(), StoreError> {
        let stamp = self.stamp()?;
        let codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
        let roles_json = serde_json::to_string(&codes)?;
        self.tx.execute(
            "UPDATE users SET roles = ?2, active = ?3, hlc = ?4 WHERE id = ?1",
            params![id.to_string(), roles_json, active, stamp.to_string()],
        )?;
        let mut fields = Map::new();
        fields.insert("roles".to_owned(), serde_json::to_value(&codes)?);
        fields.insert("active".to_owned(), Value::Bool(active));
        let detail = serde_json::json!({ "roles": codes, "active": active }).to_string();
        self.record_change(
            Entity::User,
            &id.to_string(),
            ChangeKind::Update,
            &fields,
            stamp,
            ("roles_change", &detail),
        )
    }

    /// Remembers a user's UI language.
    pub fn set_user_language(&mut self, id: UserId, lang: Lang) -> Result<(), StoreError> {
        let stamp = self.stamp()?;
        self.tx.execute(
            "UPDATE users SET language = ?2, hlc = ?3 WHERE id = ?1",
            params![id.to_string(), lang.code(), stamp.to_string()],
        )?;
        let mut fields = Map::new();
        fields.insert("language".to_owned(), Value::String(lang.code().to_owned()));
        self.record_change(
            Entity::User,
            &id.to_string(),
            ChangeKind::Update,
            &fields,
            stamp,
            ("language_change", lang.code()),
        )
    }

    /// Records a failed or successful sign-in. Lockout state is this device's
    /// own (it works offline), so it is audited but not synced.
    pub fn record_sign_in(
        &mut self,
        id: UserId,
        success: bool,
        failed_attempts: u32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE users SET failed_attempts = ?2, locked_until = ?3 WHERE id = ?1",
            params![id.to_string(), failed_attempts, locked_until.map(ts)],
        )?;
        let action = if success { "sign_in" } else { "sign_in_failed" };
        let detail = if locked_until.is_some() { "locked" } else { "" };
        self.audit(action, "user", &id.to_string(), detail)
    }

    pub(crate) fn stored_patient(
        &self,
        id: PatientId,
    ) -> Result<Option<(PatientDetails, Consents)>, StoreError> {
        crate::read::patient_by_id(&self.tx, id)
    }

    /// Registers a patient under an id chosen where the record was born.
    /// Saving the same id again with the same content changes nothing
    /// ([`Saved::Unchanged`]); with other content it is [`StoreError::IdConflict`].
    pub fn insert_patient(
        &mut self,
        id: PatientId,
        details: &PatientDetails,
        consents: &Consents,
    ) -> Result<Saved, StoreError> {
        let fields = fields::patient_fields(details, consents);
        if let Some((old_details, old_consents)) = self.stored_patient(id)? {
            let existing = fields::patient_fields(&old_details, &old_consents);
            return if fields::diff(&existing, &fields).is_empty() {
                Ok(Saved::Unchanged)
            } else {
                Err(StoreError::IdConflict("patient"))
            };
        }
        let stamp = self.stamp()?;
        self.insert_patient_row(id, details, consents, stamp, None)?;
        self.record_change(
            Entity::Patient,
            &id.to_string(),
            ChangeKind::Create,
            &fields,
            stamp,
            ("create", ""),
        )?;
        Ok(Saved::Created)
    }

    pub(crate) fn insert_patient_row(
        &mut self,
        id: PatientId,
        details: &PatientDetails,
        consents: &Consents,
        stamp: Stamp,
        confirmed_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut row = patient_row(id, details, consents, self.now, stamp)?;
        row.push(confirmed_ms.map_or(SqlValue::Null, SqlValue::Integer));
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO patients (id, first_name, middle_name, last_name, second_last_name, birth_date, sex,
                birth_certificate_number, details, registry_participation, consents, created_at, updated_at, hlc,
                confirmed_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14)",
        )?;
        stmt.execute(rusqlite::params_from_iter(row))?;
        crate::stock::refresh_dose_ages(&self.tx, &id.to_string())
    }

    /// Replaces a patient's details; the outbox gets only the fields that
    /// changed, so a concurrent edit of other fields elsewhere survives.
    /// Returns false if the patient does not exist.
    pub fn update_patient(
        &mut self,
        id: PatientId,
        details: &PatientDetails,
    ) -> Result<bool, StoreError> {
        let Some((old_details, consents)) = self.stored_patient(id)? else {
            return Ok(false);
        };
        let changed = fields::diff(
            &fields::patient_fields(&old_details, &consents),
            &fields::patient_fields(details, &consents),
        );
        if changed.is_empty() {
            return Ok(true);
        }
        let stamp = self.stamp()?;
        self.write_patient_row(id, details, &consents, stamp)?;
        let names: Vec<&str> = changed.keys().map(String::as_str).collect();
        self.record_change(
            Entity::Patient,
            &id.to_string(),
            ChangeKind::Update,
            &changed,
            stamp,
            ("update", &names.join(",")),
        )?;
        Ok(true)
    }

    pub(crate) fn write_patient_row(
        &mut self,
        id: PatientId,
        details: &PatientDetails,
        consents: &Consents,
        stamp: Stamp,
    ) -> Result<usize, StoreError> {
        let row = patient_row(id, details, consents, self.now, stamp)?;
        let mut stmt = self.tx.prepare_cached(
            "UPDATE patients SET first_name = ?2, middle_name = ?3, last_name = ?4, second_last_name = ?5,
                birth_date = ?6, sex = ?7, birth_certificate_number = ?8, details = ?9,
                registry_participation = ?10, consents = ?11, updated_at = ?12, hlc = ?13
             WHERE id = ?1",
        )?;
        let n = stmt.execute(rusqlite::params_from_iter(row))?;
        crate::stock::refresh_dose_ages(&self.tx, &id.to_string())?;
        Ok(n)
    }

    /// Records the patient's consent choices (only the choice that changed
    /// travels). Returns false if the patient does not exist.
    pub fn set_consents(&mut self, id: PatientId, consents: &Consents) -> Result<bool, StoreError> {
        let Some((details, old_consents)) = self.stored_patient(id)? else {
            return Ok(false);
        };
        let changed = fields::diff(
            &fields::patient_fields(&details, &old_consents),
            &fields::patient_fields(&details, consents),
        );
        if changed.is_empty() {
            return Ok(true);
        }
        let stamp = self.stamp()?;
        self.write_patient_row(id, &details, consents, stamp)?;
        self.record_change(
            Entity::Patient,
            &id.to_string(),
            ChangeKind::Update,
            &changed,
            stamp,
            ("consent_change", participation_code(&consents.registry)),
        )?;
        Ok(true)
    }

    pub(crate) fn stored_event(&self, id: EventId) -> Result<Option<Event>, StoreError> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT {} FROM events WHERE id = ?1",
            crate::compact::EVENT_COLUMNS
        ))?;
        let mut rows = stmt.query([id.as_uuid().as_bytes().as_slice()])?;
        rows.next()?.map(crate::compact::event_from_row).transpose()
    }

    /// Records an immunization event under the id chosen where it was born.
    /// The same id again with the same content changes nothing (a retried
    /// save: [`Saved::Unchanged`]); with other content it is [`StoreError::IdConflict`].
    pub fn insert_event(&mut self, event: &Event) -> Result<Saved, StoreError> {
        let fields = fields::dose_create_fields(event);
        if let Some(existing) = self.stored_event(event.id)? {
            return if fields::diff(&fields::dose_create_fields(&existing), &fields).is_empty() {
                Ok(Saved::Unchanged)
            } else {
                Err(StoreError::IdConflict("dose"))
            };
        }
        let stamp = self.stamp()?;
        self.insert_event_row(event, stamp, None)?;
        self.record_change(
            Entity::Dose,
            &event.id.to_string(),
            ChangeKind::Create,
            &fields,
            stamp,
            ("create", event.details.kind.code()),
        )?;
        Ok(Saved::Created)
    }

    pub(crate) fn insert_event_row(
        &mut self,
        event: &Event,
        stamp: Stamp,
        confirmed_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut row = crate::compact::event_row(event, stamp, confirmed_ms)?;
        row.push(SqlValue::Integer(self.now.timestamp_millis()));
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO events (id, patient_id, date, body, entered_in_error, entered_in_error_reason,
                recorded_by, hlc, confirmed_ms, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        stmt.execute(rusqlite::params_from_iter(row))?;
        crate::stock::put_dose_fact(&self.tx, event)
    }

    /// Rewrites an existing event's row (keeping when it was first saved).
    pub(crate) fn update_event_row(
        &mut self,
        event: &Event,
        stamp: Stamp,
        confirmed_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        let row = crate::compact::event_row(event, stamp, confirmed_ms)?;
        let mut stmt = self.tx.prepare_cached(
            "UPDATE events SET patient_id = ?2, date = ?3, body = ?4, legacy_details = NULL,
                entered_in_error = ?5, entered_in_error_reason = ?6, recorded_by = ?7, hlc = ?8,
                confirmed_ms = ?9 WHERE id = ?1",
        )?;
        stmt.execute(rusqlite::params_from_iter(row))?;
        crate::stock::put_dose_fact(&self.tx, event)
    }

    /// Marks an event "entered in error" (a tombstone: kept, never counted).
    /// Marking it again changes nothing. Returns false if there is no such event.
    pub fn mark_event_entered_in_error(
        &mut self,
        id: EventId,
        reason: &str,
    ) -> Result<bool, StoreError> {
        self.set_entered_in_error(id, true, reason)
    }

    /// Undoes "entered in error" (the only way to). Restoring a dose that is
    /// not in error changes nothing. Returns false if there is no such event.
    pub fn restore_event(&mut self, id: EventId) -> Result<bool, StoreError> {
        self.set_entered_in_error(id, false, "")
    }

    fn set_entered_in_error(
        &mut self,
        id: EventId,
        in_error: bool,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let Some(existing) = self.stored_event(id)? else {
            return Ok(false);
        };
        if existing.entered_in_error == in_error {
            return Ok(true);
        }
        let stamp = self.stamp()?;
        self.tx.execute(
            "UPDATE events SET entered_in_error = ?2, entered_in_error_reason = ?3, hlc = ?4 WHERE id = ?1",
            params![
                id.as_uuid().as_bytes().as_slice(),
                in_error,
                reason,
                stamp.to_string()
            ],
        )?;
        crate::stock::put_dose_fact(
            &self.tx,
            &Event {
                entered_in_error: in_error,
                ..existing
            },
        )?;
        let mut fields = Map::new();
        let kind = if in_error {
            fields.insert(
                fields::ENTERED_IN_ERROR_REASON.to_owned(),
                Value::String(reason.to_owned()),
            );
            ChangeKind::EnteredInError
        } else {
            ChangeKind::Restore
        };
        let action = if in_error {
            "entered_in_error"
        } else {
            "restore"
        };
        self.record_change(
            Entity::Dose,
            &id.to_string(),
            kind,
            &fields,
            stamp,
            (action, reason),
        )?;
        Ok(true)
    }

    /// Notes that the current user opened a patient's record (audit + recent list).
    pub fn record_patient_view(&mut self, id: PatientId) -> Result<(), StoreError> {
        if let Some(user) = self.actor.user_id {
            self.tx.execute(
                "INSERT INTO recent_patients (user_id, patient_id, viewed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id, patient_id) DO UPDATE SET viewed_at = excluded.viewed_at",
                params![user.to_string(), id.to_string(), ts(self.now)],
            )?;
        }
        self.audit("view", "patient", &id.to_string(), "")
    }
}

/// A patient row's values, in the column order both the insert and the
/// update bind: id, names, birth date, sex, certificate, details,
/// participation, consents, time, stamp.
fn patient_row(
    id: PatientId,
    details: &PatientDetails,
    consents: &Consents,
    now: DateTime<Utc>,
    stamp: Stamp,
) -> Result<Vec<SqlValue>, StoreError> {
    let text = |t: &str| SqlValue::Text(t.to_owned());
    Ok(vec![
        text(&id.to_string()),
        text(&details.first_name),
        text(&details.middle_name),
        text(&details.last_name),
        text(&details.second_last_name),
        text(
            &details
                .birth_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        text(details.sex.code()),
        text(&details.birth_certificate_number),
        SqlValue::Text(serde_json::to_string(details)?),
        text(participation_code(&consents.registry)),
        SqlValue::Text(serde_json::to_string(consents)?),
        SqlValue::Text(ts(now)),
        SqlValue::Text(stamp.to_string()),
    ])
}

/// A user's synced fields (never the device-local lockout state).
#[must_use]
pub fn user_fields(user: &UserRow) -> Fields {
    let roles: Vec<Value> = user
        .roles
        .iter()
        .map(|r| Value::String(r.code().to_owned()))
        .collect();
    let mut f = Map::new();
    f.insert("username".into(), Value::String(user.username.clone()));
    f.insert(
        "display_name".into(),
        Value::String(user.display_name.clone()),
    );
    f.insert("roles".into(), Value::Array(roles));
    f.insert(
        "password_hash".into(),
        Value::String(user.password_hash.clone()),
    );
    f.insert(
        "password_changed_at".into(),
        Value::String(ts(user.password_changed_at)),
    );
    f.insert(
        "must_change_password".into(),
        Value::Bool(user.must_change_password),
    );
    f.insert(
        "language".into(),
        Value::String(user.language.code().to_owned()),
    );
    f.insert("active".into(), Value::Bool(user.active));
    f
}

pub(crate) fn participation_code(registry: &RegistryParticipation) -> &'static str {
    match registry {
        RegistryParticipation::Participating => "participating",
        RegistryParticipation::OptedOut { .. } => "opted_out",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn a_change_without_its_audit_row_is_refused_even_beside_another_audited_one() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _, _) = Store::create(dir.path()).unwrap();
        let now = chrono::Utc::now();
        let result: Result<(), StoreError> = store.write(&Actor::setup(), now, |w| {
            // One change fully recorded...
            w.set_clinic_name("Valle")?;
            // ...and one that skips its audit row: the old one-flag check let this through.
            let stamp = w.stamp()?;
            w.outbox(
                Entity::Organization,
                "self",
                ChangeKind::Update,
                &Map::new(),
                stamp,
            )
        });
        let err = result.unwrap_err();
        assert!(err.to_string().contains("without an audit event"), "{err}");
        // Nothing of the refused transaction was kept.
        assert_eq!(store.clinic_name().unwrap(), None);
        assert!(store.outbox(0, 10).unwrap().is_empty());
    }

    #[test]
    fn an_audit_row_for_another_record_does_not_pay_for_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _, _) = Store::create(dir.path()).unwrap();
        let now = chrono::Utc::now();
        let changed = PatientId::generate().to_string();
        let seen = PatientId::generate().to_string();
        let result: Result<(), StoreError> = store.write(&Actor::setup(), now, |w| {
            let stamp = w.stamp()?;
            w.outbox(
                Entity::Patient,
                &changed,
                ChangeKind::Update,
                &Map::new(),
                stamp,
            )?;
            // A view of some other patient is audited in the same transaction.
            w.audit("view", "patient", &seen, "")
        });
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains("without an audit event") && err.contains(&changed),
            "{err}"
        );
        assert!(store.outbox(0, 10).unwrap().is_empty());
        // The same change with its own audit row goes through.
        store
            .write(&Actor::setup(), now, |w| {
                let stamp = w.stamp()?;
                w.outbox(
                    Entity::Patient,
                    &changed,
                    ChangeKind::Update,
                    &Map::new(),
                    stamp,
                )?;
                w.audit("update", "patient", &changed, "")
            })
            .unwrap();
        assert_eq!(store.outbox(0, 10).unwrap().len(), 1);
    }
}
