//! The audit log, for administrators: who saw or changed what, filtered by
//! user, patient, days and action, on screen or as CSV. Every read of
//! patient data is in it (opening a record, the forecast, a search's or a
//! duplicate check's list, printing, exports, registry lookups) beside every
//! change. Reviewing the log is itself audited.

use crate::{Clinic, ClinicError, Session};
use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};
use salal_core::ids::PatientId;
use salal_core::user::Permission;
pub use salal_store::AuditEntry;
use salal_store::AuditQuery;

/// The most events one screen lists; the CSV has them all.
pub const AUDIT_SCREEN_LIMIT: usize = 500;

/// The most events one CSV export holds.
pub const AUDIT_EXPORT_LIMIT: usize = 1_000_000;

/// What to list; each filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Done by this user.
    pub username: Option<String>,
    /// About this patient (their record, doses, or a list they were in).
    pub patient: Option<PatientId>,
    /// From this day (this computer's time zone).
    pub from: Option<NaiveDate>,
    /// Through this day.
    pub to: Option<NaiveDate>,
    /// This action (`view`, `search`, `print`, `create`...).
    pub action: Option<String>,
}

/// The start of `day` on this computer's clock, in UTC.
fn start_of(day: NaiveDate) -> Option<DateTime<Utc>> {
    Local
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

impl AuditFilter {
    fn query(&self, limit: usize) -> AuditQuery {
        let text = |t: &Option<String>| {
            t.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        AuditQuery {
            username: text(&self.username),
            patient: self.patient,
            from: self.from.and_then(start_of),
            before: self.to.and_then(|d| d.succ_opt()).and_then(start_of),
            action: text(&self.action),
            limit,
        }
    }

    /// The filter in words, for the audit row its review leaves.
    fn describe(&self) -> String {
        serde_json::json!({
            "user": self.username,
            "patient": self.patient.map(|p| p.to_string()),
            "from": self.from.map(|d| d.to_string()),
            "to": self.to.map(|d| d.to_string()),
            "action": self.action,
        })
        .to_string()
    }
}

/// A field a spreadsheet will not run as a formula: a leading `=`, `+`,
/// `-` or `@` is prefixed with `'`.
fn formula_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

impl Clinic {
    /// The names of the patients an audit review lists (no read of their
    /// records is audited for it: the review itself is).
    pub fn audited_patient_names(
        &self,
        session: &Session,
        ids: &[PatientId],
    ) -> Result<std::collections::HashMap<PatientId, String>, ClinicError> {
        self.authorize(session, Permission::ReviewAudit)?;
        let store = self.lock();
        let mut names = std::collections::HashMap::new();
        for id in ids {
            if names.contains_key(id) {
                continue;
            }
            if let Some(patient) = store.patient(*id)? {
                names.insert(*id, patient.details.display_name());
            }
        }
        Ok(names)
    }

    /// The audit events that match, newest first (at most `limit`).
    pub fn audit_log(
        &self,
        session: &Session,
        filter: &AuditFilter,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, ClinicError> {
        self.authorize(session, Permission::ReviewAudit)?;
        let found = self.lock().audit_log(&filter.query(limit))?;
        self.audit_read(session, "audit_review", "audit", "", &filter.describe())?;
        Ok(found)
    }

    /// The audit events that match, newest first, as CSV (time in UTC, user,
    /// action, record type, record id, detail).
    pub fn audit_csv(
        &self,
        session: &Session,
        filter: &AuditFilter,
    ) -> Result<String, ClinicError> {
        self.authorize(session, Permission::ReviewAudit)?;
        let found = self.lock().audit_log(&filter.query(AUDIT_EXPORT_LIMIT))?;
        self.audit_read(session, "audit_export", "audit", "", &filter.describe())?;
        // RFC 4180 lines; writing to memory cannot fail.
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let _ = w.write_record([
            "time",
            "user",
            "action",
            "record_type",
            "record_id",
            "detail",
        ]);
        for e in &found {
            let _ = w.write_record(
                [
                    &e.at,
                    &e.username,
                    &e.action,
                    &e.entity,
                    &e.entity_id,
                    &e.detail,
                ]
                .map(|f| formula_safe(f)),
            );
        }
        Ok(String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default())
    }
}
