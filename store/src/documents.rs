//! What printing and reminder/recall keep: the keys that verify printed records
//! and the contacts made with each family (letter, call), so the next recall
//! run can skip a family just written to, or escalate to a call.
//!
//! Contacts stay in this replica (they are the clinic's own work list, not part
//! of the patient's registry record); each one is audited.

use crate::error::StoreError;
use crate::{Store, Writer};
use rusqlite::{OptionalExtension, params};
use salal_core::ids::PatientId;
use std::collections::HashMap;

/// Meta key of this clinic's private signing key (PKCS#8, base64), inside the encrypted database.
pub const SIGNING_KEY_META: &str = "attest.signing_key";
/// Meta key of the registry's key feed cursor.
pub const KEYS_CURSOR_META: &str = "sync.keys_cursor";
/// Meta key recording that the own key reached the registry.
pub const KEY_PUBLISHED_META: &str = "sync.key_published";

/// A public key this replica trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// Key id (16 hex digits).
    pub key_id: String,
    /// The 32-byte Ed25519 public key.
    pub public_key: Vec<u8>,
    /// The clinic it belongs to.
    pub clinic_name: String,
    /// Whether it is this clinic's own key.
    pub own: bool,
}

/// How a family was contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactMethod {
    /// A reminder/recall letter.
    Letter,
    /// A phone call.
    Call,
}

impl ContactMethod {
    /// The stored code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ContactMethod::Letter => "letter",
            ContactMethod::Call => "call",
        }
    }

    /// From the stored code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<ContactMethod> {
        match code {
            "letter" => Some(ContactMethod::Letter),
            "call" => Some(ContactMethod::Call),
            _ => None,
        }
    }
}

/// One contact with a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Id chosen where the contact is recorded (saving it again changes nothing).
    pub id: uuid::Uuid,
    /// Whose.
    pub patient_id: PatientId,
    /// When (ms since the epoch).
    pub at_ms: i64,
    /// How.
    pub method: ContactMethod,
    /// What came of it (free text, may be empty).
    pub outcome: String,
    /// The vaccine groups it was about, comma-separated.
    pub groups: String,
    /// Who made it.
    pub username: String,
}

/// A patient's contact history in short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContactSummary {
    /// Letters sent.
    pub letters: u32,
    /// Calls made.
    pub calls: u32,
    /// The latest contact (ms since the epoch).
    pub last_at_ms: Option<i64>,
}

impl Store {
    /// This clinic's private signing key (PKCS#8), if one was made.
    pub fn signing_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        use base64::Engine as _;
        self.meta(SIGNING_KEY_META)?
            .map(|text| {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| StoreError::Decode(format!("signing key: {e}")))
            })
            .transpose()
    }

    /// Every key this replica trusts.
    pub fn trusted_keys(&self) -> Result<Vec<TrustedKey>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key_id, public_key, clinic_name, own FROM signing_keys ORDER BY key_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TrustedKey {
                key_id: r.get(0)?,
                public_key: r.get(1)?,
                clinic_name: r.get(2)?,
                own: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A patient's contacts, oldest first.
    pub fn contacts(&self, patient: PatientId) -> Result<Vec<Contact>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at_ms, method, outcome, groups, username FROM recall_contacts
             WHERE patient_id = ?1 ORDER BY at_ms, id",
        )?;
        let mut rows = stmt.query([patient.as_uuid().as_bytes().as_slice()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: Vec<u8> = r.get(0)?;
            let method: String = r.get(2)?;
            out.push(Contact {
                id: uuid::Uuid::from_slice(&id)
                    .map_err(|e| StoreError::Decode(format!("contact id: {e}")))?,
                patient_id: patient,
                at_ms: r.get(1)?,
                method: ContactMethod::from_code(&method)
                    .ok_or_else(|| StoreError::Decode(format!("contact method {method}")))?,
                outcome: r.get(3)?,
                groups: r.get(4)?,
                username: r.get(5)?,
            });
        }
        Ok(out)
    }

    /// Every patient's contact summary.
    pub fn contact_summaries(&self) -> Result<HashMap<PatientId, ContactSummary>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT patient_id, method, count(*), max(at_ms) FROM recall_contacts
             GROUP BY patient_id, method",
        )?;
        let mut rows = stmt.query([])?;
        let mut out: HashMap<PatientId, ContactSummary> = HashMap::new();
        while let Some(r) = rows.next()? {
            let id: Vec<u8> = r.get(0)?;
            let Ok(uuid) = uuid::Uuid::from_slice(&id) else {
                continue;
            };
            let method: String = r.get(1)?;
            let count: i64 = r.get(2)?;
            let last: i64 = r.get(3)?;
            let entry = out.entry(PatientId(uuid)).or_default();
            let count = u32::try_from(count).unwrap_or(u32::MAX);
            match ContactMethod::from_code(&method) {
                Some(ContactMethod::Letter) => entry.letters += count,
                Some(ContactMethod::Call) => entry.calls += count,
                None => {}
            }
            entry.last_at_ms = Some(entry.last_at_ms.map_or(last, |l| l.max(last)));
        }
        Ok(out)
    }
}

impl Writer<'_> {
    /// Keeps this clinic's new signing key (private part in meta, public part trusted).
    pub fn save_own_signing_key(
        &mut self,
        pkcs8: &[u8],
        key_id: &str,
        public_key: &[u8],
        clinic_name: &str,
    ) -> Result<(), StoreError> {
        use base64::Engine as _;
        self.set_meta(
            SIGNING_KEY_META,
            &base64::engine::general_purpose::STANDARD.encode(pkcs8),
        )?;
        self.trust_key(key_id, public_key, clinic_name, true)?;
        self.audit("create_signing_key", "signing_key", key_id, "")
    }

    /// Trusts a public key (a key already known keeps its own flag; the clinic name is refreshed).
    pub fn trust_key(
        &mut self,
        key_id: &str,
        public_key: &[u8],
        clinic_name: &str,
        own: bool,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO signing_keys (key_id, public_key, clinic_name, own) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key_id) DO UPDATE SET clinic_name = excluded.clinic_name",
            params![key_id, public_key, clinic_name, own],
        )?;
        Ok(())
    }

    /// Records a contact with a family; the same id again changes nothing.
    pub fn record_contact(&mut self, contact: &Contact) -> Result<bool, StoreError> {
        let id = contact.id.as_bytes().as_slice();
        let exists: Option<i64> = self
            .tx
            .query_row("SELECT 1 FROM recall_contacts WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_some() {
            return Ok(false);
        }
        self.tx.execute(
            "INSERT INTO recall_contacts (id, patient_id, at_ms, method, outcome, groups, username)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                contact.patient_id.as_uuid().as_bytes().as_slice(),
                contact.at_ms,
                contact.method.code(),
                contact.outcome,
                contact.groups,
                contact.username
            ],
        )?;
        self.audit(
            &format!("recall_{}", contact.method.code()),
            "patient",
            &contact.patient_id.to_string(),
            &contact.groups,
        )?;
        Ok(true)
    }
}
