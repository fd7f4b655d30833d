//! Reads: users, patients, events, the outbox and the audit log.

use crate::compact::{EVENT_COLUMNS, event_from_row};
use crate::{Store, StoreError, UserRow};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};
use salal_core::consent::Consents;
use salal_core::event::Event;
use salal_core::i18n::Lang;
use salal_core::ids::{EventId, PatientId, UserId};
use salal_core::patient::{Patient, PatientDetails, PatientSummary, Sex};
use salal_core::user::Role;

/// One outbox change, as it will be pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Local order.
    pub seq: i64,
    /// Unique forever.
    pub op_id: String,
    /// patient, dose, user, organization.
    pub entity: String,
    /// The entity's id.
    pub entity_id: String,
    /// Clock stamp.
    pub hlc: String,
    /// create, update, delete.
    pub kind: String,
    /// The changed fields (JSON).
    pub fields: String,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When.
    pub at: String,
    /// Who.
    pub username: String,
    /// What was done.
    pub action: String,
    /// To what kind of thing.
    pub entity: String,
    /// To which.
    pub entity_id: String,
    /// More about it (what was asked and who was listed, for a search).
    pub detail: String,
}

/// Which audit events to list ([`Store::audit_log`]); every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Done by this user (user name, any case).
    pub username: Option<String>,
    /// About this patient: their record, their doses, or a list they were shown in.
    pub patient: Option<PatientId>,
    /// At or after this moment.
    pub from: Option<DateTime<Utc>>,
    /// Before this moment.
    pub before: Option<DateTime<Utc>>,
    /// This action (`view`, `search`, `print`...).
    pub action: Option<String>,
    /// At most this many, newest first.
    pub limit: usize,
}

fn audit_entry(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let at_ms: i64 = r.get(0)?;
    Ok(AuditEntry {
        at: DateTime::from_timestamp_millis(at_ms)
            .map(crate::write::ts)
            .unwrap_or_default(),
        username: r.get(1)?,
        action: r.get(2)?,
        entity: r.get(3)?,
        entity_id: crate::compact::record_key_text(&r.get(4)?),
        detail: r.get(5)?,
    })
}

pub(crate) fn parse<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Decode(format!("bad {what}: {text}")))
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Decode(format!("bad time: {text}")))
}

const USER_COLUMNS: &str = "id, username, display_name, roles, password_hash, password_changed_at,
    must_change_password, failed_attempts, locked_until, language, active";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<Result<UserRow, StoreError>> {
    let id: String = row.get(0)?;
    let roles: String = row.get(3)?;
    let changed: String = row.get(5)?;
    let locked: Option<String> = row.get(8)?;
    let language: String = row.get(9)?;
    let username: String = row.get(1)?;
    let display_name: String = row.get(2)?;
    let password_hash: String = row.get(4)?;
    let must_change_password: bool = row.get(6)?;
    let failed_attempts: u32 = row.get(7)?;
    let active: bool = row.get(10)?;
    Ok((|| {
        let role_codes: Vec<String> = serde_json::from_str(&roles)?;
        Ok(UserRow {
            id: parse(&id, "user id")?,
            username,
            display_name,
            roles: role_codes
                .iter()
                .map(|r| parse::<Role>(r, "role"))
                .collect::<Result<_, _>>()?,
            password_hash,
            password_changed_at: parse_time(&changed)?,
            must_change_password,
            failed_attempts,
            locked_until: locked.as_deref().map(parse_time).transpose()?,
            language: language.parse().unwrap_or(Lang::En),
            active,
        })
    })())
}

pub(crate) fn summary_from_row(
    row: &Row<'_>,
) -> rusqlite::Result<Result<PatientSummary, StoreError>> {
    // Columns: id, first, middle, last, second_last, birth_date, sex, details
    let id: String = row.get(0)?;
    let first: String = row.get(1)?;
    let middle: String = row.get(2)?;
    let last: String = row.get(3)?;
    let second: String = row.get(4)?;
    let birth: String = row.get(5)?;
    let sex: String = row.get(6)?;
    let details: String = row.get(7)?;
    Ok((|| {
        let guardian_name = serde_json::from_str::<PatientDetails>(&details)?.guardian_name;
        Ok(PatientSummary {
            id: parse(&id, "patient id")?,
            display_name: salal_core::patient::display_name(&first, &middle, &last, &second),
            birth_date: parse::<NaiveDate>(&birth, "birth date")?,
            sex: Sex::from_code(&sex).unwrap_or_default(),
            guardian_name,
        })
    })())
}

pub(crate) const SUMMARY_COLUMNS: &str = "p.id, p.first_name, p.middle_name, p.last_name, p.second_last_name, p.birth_date, p.sex, p.details";

/// A patient's details and consent choices, read through any connection (the
/// store's, or a write transaction's).
pub(crate) fn patient_by_id(
    conn: &rusqlite::Connection,
    id: PatientId,
) -> Result<Option<(PatientDetails, Consents)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT details, consents FROM patients WHERE id = ?1")?;
    let row: Option<(String, String)> = stmt
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(details, consents)| {
        Ok((
            serde_json::from_str(&details)?,
            serde_json::from_str(&consents)?,
        ))
    })
    .transpose()
}

impl Store {
    /// The clinic's name.
    pub fn clinic_name(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'clinic_name'",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The user with this sign-in name (case-insensitive).
    pub fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"),
                [username.trim()],
                user_from_row,
            )
            .optional()?
            .transpose()
    }

    /// The user with this id.
    pub fn user(&self, id: UserId) -> Result<Option<UserRow>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
                [id.to_string()],
                user_from_row,
            )
            .optional()?
            .transpose()
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))?;
        let rows = stmt.query_map([], user_from_row)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(|x| x))
            .collect()
    }

    /// A patient. For a patient the registry merged into another, the
    /// survivor (its `id` says which), so every screen shows the one record.
    pub fn patient(&self, id: PatientId) -> Result<Option<Patient>, StoreError> {
        let id = self.surviving_patient(id)?;
        Ok(
            patient_by_id(&self.conn, id)?.map(|(details, consents)| Patient {
                id,
                details,
                consents,
            }),
        )
    }

    /// The record a patient id now lives in: itself, or the survivor the
    /// registry merged it into (followed to the end of the chain).
    pub fn surviving_patient(&self, id: PatientId) -> Result<PatientId, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT merged_into FROM patients WHERE id = ?1")?;
        let mut current = id;
        // A chain is short (each merge re-points to the end); the bound only
        // guards against a damaged cycle.
        for _ in 0..16 {
            let next: Option<String> = stmt
                .query_row([current.to_string()], |r| r.get(0))
                .optional()?;
            match next.filter(|t| !t.is_empty()) {
                Some(text) => current = parse(&text, "merged patient id")?,
                None => break,
            }
        }
        Ok(current)
    }

    /// A patient's immunization events, oldest first. Of a dose another
    /// source reported too (linked by the registry), the most complete report.
    pub fn patient_events(&self, id: PatientId) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE patient_id = ?1 AND duplicate_of IS NULL
             ORDER BY date, created_ms"
        ))?;
        let mut rows = stmt.query([id.as_uuid().as_bytes().as_slice()])?;
        let mut events = Vec::new();
        while let Some(row) = rows.next()? {
            events.push(event_from_row(row)?);
        }
        Ok(events)
    }

    /// The patient an event belongs to.
    pub fn event_patient(&self, id: EventId) -> Result<Option<PatientId>, StoreError> {
        let patient: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT patient_id FROM events WHERE id = ?1",
                [id.as_uuid().as_bytes().as_slice()],
                |r| r.get(0),
            )
            .optional()?;
        patient
            .map(|p| crate::compact::uuid_from(&p).map(PatientId))
            .transpose()
    }

    /// Every patient born between `from` and `to` (inclusive), by birth date (for reminder/recall).
    pub fn patients_born_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Patient>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, details, consents FROM patients
             WHERE birth_date BETWEEN ?1 AND ?2 ORDER BY birth_date, id",
        )?;
        let mut rows = stmt.query([from.to_string(), to.to_string()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let details: String = r.get(1)?;
            let consents: String = r.get(2)?;
            out.push(Patient {
                id: id.parse().map_err(|e: salal_core::ids::ParseIdError| {
                    StoreError::Decode(e.to_string())
                })?,
                details: serde_json::from_str(&details)?,
                consents: serde_json::from_str(&consents)?,
            });
        }
        Ok(out)
    }

    /// Patients born on `date`, with their full details (for duplicate checks).
    pub fn patients_born_on(
        &self,
        date: NaiveDate,
    ) -> Result<Vec<(PatientSummary, PatientDetails)>, StoreError> {
        self.summaries_with_details("p.birth_date = ?1", &date.to_string())
    }

    /// Patients with this birth certificate number.
    pub fn patients_with_birth_certificate(
        &self,
        number: &str,
    ) -> Result<Vec<(PatientSummary, PatientDetails)>, StoreError> {
        self.summaries_with_details(
            "p.birth_certificate_number = ?1 COLLATE NOCASE",
            number.trim(),
        )
    }

    /// Patients with this chart (medical record) number.
    pub fn patients_with_medical_record_number(
        &self,
        number: &str,
    ) -> Result<Vec<(PatientSummary, PatientDetails)>, StoreError> {
        self.summaries_with_details(
            "p.medical_record_number = ?1 COLLATE NOCASE AND p.medical_record_number <> ''",
            number.trim(),
        )
    }

    fn summaries_with_details(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Vec<(PatientSummary, PatientDetails)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM patients p WHERE {condition}"
        ))?;
        let rows = stmt.query_map([value], |row| {
            let summary = summary_from_row(row)?;
            let details: String = row.get(7)?;
            Ok((summary, details))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (summary, details) = row?;
            out.push((summary?, serde_json::from_str(&details)?));
        }
        Ok(out)
    }

    /// The clock stamp stored on a patient's row (for tests of the one-stamp rule).
    #[doc(hidden)]
    pub fn patient_stamp_for_test(&self, id: PatientId) -> Result<String, StoreError> {
        Ok(self.conn.query_row(
            "SELECT hlc FROM patients WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )?)
    }

    /// How many patients.
    pub fn patient_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM patients", [], |r| r.get(0))?)
    }

    /// Outbox changes in order, from `after_seq` (bodies inflated to JSON text).
    pub fn outbox(&self, after_seq: i64, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, op_id, entity, entity_id, hlc, kind, fields, body FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after_seq, limit], |r| {
            Ok((
                OutboxEntry {
                    seq: r.get(0)?,
                    op_id: r.get(1)?,
                    entity: r.get(2)?,
                    entity_id: r.get(3)?,
                    hlc: r.get(4)?,
                    kind: r.get(5)?,
                    fields: r.get(6)?,
                },
                r.get::<_, Option<Vec<u8>>>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (mut entry, body) = row?;
            if let Some(body) = body {
                let json = zstd::stream::decode_all(&body[..])
                    .map_err(|e| StoreError::Decode(e.to_string()))?;
                entry.fields =
                    String::from_utf8(json).map_err(|e| StoreError::Decode(e.to_string()))?;
            }
            out.push(entry);
        }
        Ok(out)
    }

    /// The audit log for one entity, oldest first.
    pub fn audit_for(&self, entity: &str, entity_id: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT at_ms, username, action, entity, entity_id, detail FROM audit_log
             WHERE entity = ?1 AND entity_id = ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(
            params![entity, crate::compact::record_key(entity_id)],
            audit_entry,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The audit events that match `query`, newest first. A patient's events
    /// are those about their record and their doses, and the searches and
    /// duplicate checks that listed them.
    pub fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let patient_key = query
            .patient
            .map(|id| crate::compact::record_key(&id.to_string()));
        let patient_text = query.patient.map(|id| id.to_string());
        let mut stmt = self.conn.prepare_cached(
            "SELECT at_ms, username, action, entity, entity_id, detail FROM audit_log
             WHERE (?1 IS NULL OR username = ?1 COLLATE NOCASE)
               AND (?2 IS NULL
                    OR (entity = 'patient' AND entity_id = ?2)
                    OR (entity = 'dose' AND entity_id IN (SELECT id FROM events WHERE patient_id = ?2))
                    OR (entity = 'patient' AND entity_id = '' AND instr(detail, ?3) > 0))
               AND (?4 IS NULL OR at_ms >= ?4)
               AND (?5 IS NULL OR at_ms < ?5)
               AND (?6 IS NULL OR action = ?6)
             ORDER BY seq DESC LIMIT ?7",
        )?;
        let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(
            params![
                query.username.as_deref().map(str::trim),
                patient_key,
                patient_text,
                query.from.map(|t| t.timestamp_millis()),
                query.before.map(|t| t.timestamp_millis()),
                query.action.as_deref().map(str::trim),
                limit
            ],
            audit_entry,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Row counts of (events, outbox changes for doses, audit events for doses), for integrity checks.
    pub fn dose_integrity_counts(&self) -> Result<(i64, i64, i64), StoreError> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM events),
                    (SELECT count(*) FROM outbox WHERE entity = 'dose' AND kind = 'create'),
                    (SELECT count(*) FROM audit_log WHERE entity = 'dose' AND action = 'create')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }
}
