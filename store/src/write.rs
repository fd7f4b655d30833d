//! Writes. Each [`Writer`] method changes the domain rows, appends the change
//! to the outbox (sync.md format: op id, entity, id, clock stamp, kind, the
//! changed fields) and appends an audit event, all in the caller's one
//! transaction. A transaction that wrote nothing to the audit log is refused
//! at commit, so no change can skip it (a write that changed nothing, such as
//! a retried save, commits as a no-op).

use crate::StoreError;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use salal_core::consent::{Consents, RegistryParticipation};
use salal_core::event::Event;
use salal_core::hlc::{Clock, Stamp};
use salal_core::i18n::Lang;
use salal_core::ids::{DeviceId, EventId, OpId, PatientId, UserId};
use salal_core::patient::PatientDetails;
use salal_core::user::Role;
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
    tx: Transaction<'a>,
    clock: &'a mut Clock,
    actor: &'a Actor,
    now: DateTime<Utc>,
    device: DeviceId,
    audited: bool,
    changed: bool,
    last_stamp: Option<Stamp>,
}

fn now_ms(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp_millis()).unwrap_or(0)
}

/// The top-level fields of `new` that differ from `old` (a patch).
fn patch(old: &Value, new: &Value) -> Map<String, Value> {
    let mut changed = Map::new();
    if let (Value::Object(old), Value::Object(new)) = (old, new) {
        for (key, value) in new {
            if old.get(key) != Some(value) {
                changed.insert(key.clone(), value.clone());
            }
        }
        // A field that disappeared was cleared: send it as null, never drop the change.
        for key in old.keys().filter(|k| !new.contains_key(*k)) {
            changed.insert(key.clone(), Value::Null);
        }
    }
    changed
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
            audited: false,
            changed: false,
            last_stamp: None,
        }
    }

    pub(crate) fn commit(self) -> Result<(), StoreError> {
        if self.changed && !self.audited {
            return Err(StoreError::Database(
                "a write without an audit event was refused".to_owned(),
            ));
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

    fn stamp(&mut self) -> Result<Stamp, StoreError> {
        let stamp = self
            .clock
            .tick(now_ms(self.now))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        self.last_stamp = Some(stamp);
        Ok(stamp)
    }

    fn outbox(
        &mut self,
        entity: &str,
        id: &str,
        kind: &str,
        fields: &Map<String, Value>,
    ) -> Result<Stamp, StoreError> {
        self.changed = true;
        let stamp = self.stamp()?;
        self.tx.execute(
            "INSERT INTO outbox (op_id, entity, entity_id, hlc, kind, fields, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                OpId::generate().to_string(),
                entity,
                id,
                stamp.to_string(),
                kind,
                serde_json::to_string(fields)?,
                ts(self.now)
            ],
        )?;
        Ok(stamp)
    }

    /// Appends an audit event (also used on its own for views and sign-ins).
    pub fn audit(
        &mut self,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO audit_log (at, user_id, username, device_id, action, entity, entity_id, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                ts(self.now),
                self.actor.user_id.map(|u| u.to_string()),
                self.actor.username,
                self.device.to_string(),
                action,
                entity,
                entity_id,
                detail
            ],
        )?;
        self.audited = true;
        Ok(())
    }

    fn object<T: Serialize>(value: &T) -> Result<Map<String, Value>, StoreError> {
        match serde_json::to_value(value)? {
            Value::Object(map) => Ok(map),
            other => {
                let mut map = Map::new();
                map.insert("value".to_owned(), other);
                Ok(map)
            }
        }
    }

    /// Sets the clinic's name (first-run setup, or a rename).
    pub fn set_clinic_name(&mut self, name: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES ('clinic_name', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [name],
        )?;
        let mut fields = Map::new();
        fields.insert("name".to_owned(), Value::String(name.to_owned()));
        self.outbox("organization", "self", "update", &fields)?;
        self.audit("update", "organization", "self", "clinic name")
    }

    /// Adds a user.
    pub fn insert_user(&mut self, user: &UserRow) -> Result<(), StoreError> {
        let stamp = self.stamp()?;
        let roles: Vec<&str> = user.roles.iter().map(|r| r.code()).collect();
        self.tx.execute(
            "INSERT INTO users (id, username, display_name, roles, password_hash, password_changed_at,
                must_change_password, failed_attempts, locked_until, language, active, created_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, NULL, ?8, ?9, ?10, ?11)",
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
        let mut fields = Writer::object(user)?;
        fields.insert(
            "password_hash".to_owned(),
            Value::String(user.password_hash.clone()),
        );
        self.outbox("user", &user.id.to_string(), "create", &fields)?;
        self.audit("create", "user", &user.id.to_string(), &user.username)
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
            params![id.to_string(), password_hash, ts(self.now), must_change_password, stamp.to_string()],
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
        self.outbox("user", &id.to_string(), "update", &fields)?;
        self.audit("password_change", "user", &id.to_string(), "")
    }

    /// Replaces a user's roles and active flag.
    pub fn set_user_roles(
        &mut self,
        id: UserId,
        roles: &[Role],
        active: bool,
    ) -> Result<(), StoreError> {
        let codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
        let roles_json = serde_json::to_string(&codes)?;
        self.tx.execute(
            "UPDATE users SET roles = ?2, active = ?3 WHERE id = ?1",
            params![id.to_string(), roles_json, active],
        )?;
        let mut fields = Map::new();
        fields.insert("roles".to_owned(), serde_json::to_value(&codes)?);
        fields.insert("active".to_owned(), Value::Bool(active));
        self.outbox("user", &id.to_string(), "update", &fields)?;
        self.audit("roles_change", "user", &id.to_string(), &roles_json)
    }

    /// Remembers a user's UI language.
    pub fn set_user_language(&mut self, id: UserId, lang: Lang) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE users SET language = ?2 WHERE id = ?1",
            params![id.to_string(), lang.code()],
        )?;
        let mut fields = Map::new();
        fields.insert("language".to_owned(), Value::String(lang.code().to_owned()));
        self.outbox("user", &id.to_string(), "update", &fields)?;
        self.audit("language_change", "user", &id.to_string(), lang.code())
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

    /// Registers a patient.
    pub fn insert_patient(
        &mut self,
        id: PatientId,
        details: &PatientDetails,
        consents: &Consents,
    ) -> Result<(), StoreError> {
        let stamp = self.stamp()?;
        let birth = details
            .birth_date
            .map(|d| d.to_string())
            .unwrap_or_default();
        self.tx.execute(
            "INSERT INTO patients (id, first_name, middle_name, last_name, second_last_name, birth_date, sex,
                birth_certificate_number, details, registry_participation, consents, created_at, updated_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)",
            params![
                id.to_string(),
                details.first_name,
                details.middle_name,
                details.last_name,
                details.second_last_name,
                birth,
                details.sex.code(),
                details.birth_certificate_number,
                serde_json::to_string(details)?,
                participation_code(&consents.registry),
                serde_json::to_string(consents)?,
                ts(self.now),
                stamp.to_string()
            ],
        )?;
        let mut fields = Writer::object(details)?;
        fields.insert("consents".to_owned(), serde_json::to_value(consents)?);
        self.outbox("patient", &id.to_string(), "create", &fields)?;
        self.audit("create", "patient", &id.to_string(), "")
    }

    /// Replaces a patient's details; the outbox gets only the fields that changed.
    /// Returns false if the patient does not exist.
    pub fn update_patient(
        &mut self,
        id: PatientId,
        details: &PatientDetails,
    ) -> Result<bool, StoreError> {
        let old: Option<String> = self
            .tx
            .query_row(
                "SELECT details FROM patients WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(old) = old else { return Ok(false) };
        let old: Value = serde_json::from_str(&old)?;
        let new = serde_json::to_value(details)?;
        let changed = patch(&old, &new);
        if changed.is_empty() {
            return Ok(true);
        }
        let stamp = self.stamp()?;
        self.tx.execute(
            "UPDATE patients SET first_name = ?2, middle_name = ?3, last_name = ?4, second_last_name = ?5,
                birth_date = ?6, sex = ?7, birth_certificate_number = ?8, details = ?9, updated_at = ?10, hlc = ?11
             WHERE id = ?1",
            params![
                id.to_string(),
                details.first_name,
                details.middle_name,
                details.last_name,
                details.second_last_name,
                details.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                details.sex.code(),
                details.birth_certificate_number,
                new.to_string(),
                ts(self.now),
                stamp.to_string()
            ],
        )?;
        self.outbox("patient", &id.to_string(), "update", &changed)?;
        let names: Vec<&str> = changed.keys().map(String::as_str).collect();
        self.audit("update", "patient", &id.to_string(), &names.join(","))?;
        Ok(true)
    }

    /// Records the patient's consent choices. Returns false if the patient does not exist.
    pub fn set_consents(&mut self, id: PatientId, consents: &Consents) -> Result<bool, StoreError> {
        let stamp = self.stamp()?;
        let n = self.tx.execute(
            "UPDATE patients SET consents = ?2, registry_participation = ?3, updated_at = ?4, hlc = ?5 WHERE id = ?1",
            params![
                id.to_string(),
                serde_json::to_string(consents)?,
                participation_code(&consents.registry),
                ts(self.now),
                stamp.to_string()
            ],
        )?;
        if n == 0 {
            return Ok(false);
        }
        let mut fields = Map::new();
        fields.insert("consents".to_owned(), serde_json::to_value(consents)?);
        self.outbox("patient", &id.to_string(), "update", &fields)?;
        self.audit(
            "consent_change",
            "patient",
            &id.to_string(),
            participation_code(&consents.registry),
        )?;
        Ok(true)
    }

    /// Records an immunization event. Returns false, changing nothing, if an
    /// event with this id already exists (a retried save).
    pub fn insert_event(&mut self, event: &Event) -> Result<bool, StoreError> {
        let exists: bool = self
            .tx
            .query_row(
                "SELECT 1 FROM events WHERE id = ?1",
                [event.id.to_string()],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        if exists {
            return Ok(false);
        }
        let stamp = self.stamp()?;
        let d = &event.details;
        self.tx.execute(
            "INSERT INTO events (id, patient_id, kind, cvx, date, lot_number, details, entered_in_error,
                entered_in_error_reason, recorded_by, created_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, '', ?8, ?9, ?10)",
            params![
                event.id.to_string(),
                event.patient_id.to_string(),
                d.kind.code(),
                d.cvx,
                d.date.map(|x| x.to_string()).unwrap_or_default(),
                d.lot_number,
                serde_json::to_string(d)?,
                event.recorded_by,
                ts(self.now),
                stamp.to_string()
            ],
        )?;
        let mut fields = Writer::object(d)?;
        fields.insert(
            "patient_id".to_owned(),
            Value::String(event.patient_id.to_string()),
        );
        fields.insert(
            "recorded_by".to_owned(),
            Value::String(event.recorded_by.clone()),
        );
        self.outbox("dose", &event.id.to_string(), "create", &fields)?;
        self.audit("create", "dose", &event.id.to_string(), d.kind.code())?;
        Ok(true)
    }

    /// Marks an event "entered in error" (a tombstone: kept, never counted).
    /// Returns false if there is no such event.
    pub fn mark_event_entered_in_error(
        &mut self,
        id: EventId,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let stamp = self.stamp()?;
        let n = self.tx.execute(
            "UPDATE events SET entered_in_error = 1, entered_in_error_reason = ?2, hlc = ?3 WHERE id = ?1",
            params![id.to_string(), reason, stamp.to_string()],
        )?;
        if n == 0 {
            return Ok(false);
        }
        let mut fields = Map::new();
        fields.insert("entered_in_error".to_owned(), Value::Bool(true));
        fields.insert(
            "entered_in_error_reason".to_owned(),
            Value::String(reason.to_owned()),
        );
        self.outbox("dose", &id.to_string(), "delete", &fields)?;
        self.audit("entered_in_error", "dose", &id.to_string(), reason)?;
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

fn participation_code(registry: &RegistryParticipation) -> &'static str {
    match registry {
        RegistryParticipation::Participating => "participating",
        RegistryParticipation::OptedOut { .. } => "opted_out",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_keeps_only_changed_fields() {
        let old = serde_json::json!({"a": 1, "b": "x", "c": null, "d": "gone"});
        let new = serde_json::json!({"a": 1, "b": "y", "c": 2});
        let p = patch(&old, &new);
        assert_eq!(p.len(), 3);
        assert_eq!(p["d"], serde_json::Value::Null);
        assert_eq!(p["b"], "y");
        assert_eq!(p["c"], 2);
    }
}
