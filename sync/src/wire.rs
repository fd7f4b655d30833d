//! The `/sync/v1` wire format: what a clinic and the registry send each other.
//!
//! These types are the protocol's own (never `salal-core` types), so a rename
//! in the domain cannot change the wire. Field maps (`Fields`) carry the
//! versioned field names listed in [`crate::fields`]. Every body is JSON,
//! compressed with zstd ([`crate::codec`]).
//!
//! - `POST /sync/v1/enroll`   [`EnrollRequest`] → [`EnrollResponse`] (no credential yet: the code is one)
//! - `POST /sync/v1/push`     [`PushRequest`] → [`PushResponse`]
//! - `POST /sync/v1/pull`     [`PullRequest`] → [`PullResponse`] (also the bootstrap snapshot, from cursor 0)
//! - `POST /sync/v1/lookup`   [`LookupRequest`] → [`LookupResponse`] (patients another clinic knows, as summaries)
//! - `POST /sync/v1/fetch`    [`FetchRequest`] → [`FetchResponse`] (one of them, with every dose, to keep here)
//!
//! Authenticated calls carry `Authorization: Bearer DEVICE_ID.SECRET` and
//! `Salal-Protocol: 1`. Errors come back as [`ErrorBody`] with an HTTP status.

use salal_core::hlc::Stamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// The protocol version this build speaks (header `Salal-Protocol`).
pub const PROTOCOL_VERSION: u32 = 1;
/// The header naming the protocol version.
pub const PROTOCOL_HEADER: &str = "salal-protocol";
/// At most this many changes in one push.
pub const MAX_PUSH_BATCH: usize = 2000;
/// At most this many records in one pull answer.
pub const MAX_PULL_BATCH: u32 = 5000;
/// The registry refuses stamps further than this ahead of its own clock.
pub const MAX_CLOCK_AHEAD_MS: u64 = 5 * 60 * 1000;

/// A record's field values, by wire field name.
pub type Fields = Map<String, Value>;

/// What kind of record a change is about.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// A patient's demographics and consent choices.
    Patient,
    /// An immunization event (dose, refusal, contraindication, immunity).
    Dose,
    /// A user account of the organization (replicates to its own devices only).
    User,
    /// The organization itself (its name).
    Organization,
    /// A refrigerator or freezer of the organization (name and kind).
    StorageUnit,
    /// One stock ledger transaction (append-only: created once, never changed).
    StockTxn,
    /// A vaccine order (its state only moves forward).
    Order,
}

/// Every kind of record.
pub const ENTITIES: [Entity; 7] = [
    Entity::Patient,
    Entity::Dose,
    Entity::User,
    Entity::Organization,
    Entity::StorageUnit,
    Entity::StockTxn,
    Entity::Order,
];

impl Entity {
    /// The stable text form (as in the outbox and the registry's tables).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Entity::Patient => "patient",
            Entity::Dose => "dose",
            Entity::User => "user",
            Entity::Organization => "organization",
            Entity::StorageUnit => "storage_unit",
            Entity::StockTxn => "stock_txn",
            Entity::Order => "order",
        }
    }

    /// From the text form.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Entity> {
        ENTITIES.into_iter().find(|e| e.code() == code)
    }
}

/// What a change does.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Creates the record (once: the same id again is a duplicate or a conflict).
    Create,
    /// Sets the fields given, each last-writer-wins by clock stamp.
    Update,
    /// Marks a dose entered in error (a tombstone that beats concurrent edits).
    EnteredInError,
    /// Undoes "entered in error" (only an explicit, later restore does).
    Restore,
}

impl ChangeKind {
    /// The stable text form.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Create => "create",
            ChangeKind::Update => "update",
            ChangeKind::EnteredInError => "entered_in_error",
            ChangeKind::Restore => "restore",
        }
    }

    /// From the text form.
    #[must_use]
    pub fn from_code(code: &str) -> Option<ChangeKind> {
        [
            ChangeKind::Create,
            ChangeKind::Update,
            ChangeKind::EnteredInError,
            ChangeKind::Restore,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// One change from a clinic's outbox.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Change {
    /// Unique forever: pushing it again is answered `duplicate`.
    pub op_id: Uuid,
    /// Which kind of record.
    pub entity: Entity,
    /// The record's id (chosen where the record was born).
    pub id: Uuid,
    /// The change's one clock stamp.
    pub hlc: Stamp,
    /// What it does.
    pub kind: ChangeKind,
    /// Only the fields that changed (all of them for a create).
    pub fields: Fields,
}

/// A batch of changes, oldest first.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct PushRequest {
    /// At most [`MAX_PUSH_BATCH`].
    pub changes: Vec<Change>,
}

/// Why the registry refused a change. The clinic keeps the change and shows why.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The stamp is more than [`MAX_CLOCK_AHEAD_MS`] ahead of the registry's clock.
    ClockAhead,
    /// The fields are not valid for this kind of record.
    Invalid,
    /// The same id was created before with other content.
    Conflict,
    /// An update or tombstone names a record the registry does not have.
    UnknownRecord,
    /// This device's organization may not change that record.
    NotPermitted,
    /// The patient declined registry participation: no new data is accepted.
    OptedOut,
}

impl RejectCode {
    /// The stable text form.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            RejectCode::ClockAhead => "clock_ahead",
            RejectCode::Invalid => "invalid",
            RejectCode::Conflict => "conflict",
            RejectCode::UnknownRecord => "unknown_record",
            RejectCode::NotPermitted => "not_permitted",
            RejectCode::OptedOut => "opted_out",
        }
    }

    /// From the text form.
    #[must_use]
    pub fn from_code(code: &str) -> Option<RejectCode> {
        [
            RejectCode::ClockAhead,
            RejectCode::Invalid,
            RejectCode::Conflict,
            RejectCode::UnknownRecord,
            RejectCode::NotPermitted,
            RejectCode::OptedOut,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// The registry's answer for one change.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied now; `seq` is the registry's sequence number for it.
    Applied {
        /// Server sequence.
        seq: i64,
    },
    /// Already had it (a retry): nothing changed.
    Duplicate {
        /// The sequence it was applied at (0 if it was a no-op create).
        seq: i64,
    },
    /// Refused; never applied. Sending it again is answered the same way.
    Rejected {
        /// Why, for programs.
        code: RejectCode,
        /// Why and what to do, in English.
        message_en: String,
        /// Why and what to do, in Spanish.
        message_es: String,
    },
}

/// The answer for one change, by op id.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct OpResult {
    /// The change answered.
    pub op_id: Uuid,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The answer to a push: one result per change, in order. Sent only once
/// the changes are durable in the registry's database.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct PushResponse {
    /// One per change pushed.
    pub results: Vec<OpResult>,
    /// The registry's clock (ms since the epoch), so a clinic can tell its clock is wrong.
    pub server_time_ms: u64,
}

/// Names a record.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub struct RecordRef {
    /// Kind.
    pub entity: Entity,
    /// Id.
    pub id: Uuid,
}

/// Asks for what changed after `after`, scoped to what the device's organization may see.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct PullRequest {
    /// The cursor: the last registry sequence already applied (0 for a bootstrap).
    pub after: i64,
    /// At most this many records (capped at [`MAX_PULL_BATCH`]).
    pub limit: u32,
    /// Records whose current state the clinic asks for whatever the cursor
    /// (it skipped them while it had unanswered changes of its own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refresh: Vec<RecordRef>,
}

/// The registry's current state of one record.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RecordState {
    /// Kind.
    pub entity: Entity,
    /// Id.
    pub id: Uuid,
    /// The registry sequence of its latest change.
    pub seq: i64,
    /// Every field's current value (the whole record, not a patch).
    pub fields: Fields,
    /// The newest stamp among its fields (the clinic observes it).
    pub hlc: Stamp,
    /// When the registry last changed it (RFC 3339).
    pub confirmed_at: String,
}

/// Records changed after the cursor, oldest first, each once in its latest state.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct PullResponse {
    /// The records.
    pub records: Vec<RecordState>,
    /// States of the records asked for in `refresh` (absent ones are unknown to the registry).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refreshed: Vec<RecordState>,
    /// The cursor to save with these records (in the same transaction).
    pub cursor: i64,
    /// Whether more records wait after `cursor`.
    pub more: bool,
    /// How many records wait after the request's cursor in all (for progress).
    pub remaining: u64,
    /// The registry's clock (ms since the epoch).
    pub server_time_ms: u64,
}

/// A device asks to join an organization with a one-time code.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The secret part of the enrollment code.
    pub code: String,
    /// The device's own id (chosen on the device).
    pub device_id: Uuid,
    /// The device's replica number in clock stamps.
    pub replica: u32,
    /// A name for the device (host name), for the registry's staff.
    pub device_name: String,
}

/// The device's credential. Shown once; the device keeps it in its OS keyring.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The organization the device now belongs to.
    pub organization_id: Uuid,
    /// Its name.
    pub organization_name: String,
    /// The device's secret; with its id it makes the bearer credential.
    pub device_secret: String,
    /// The registry's clock (ms since the epoch).
    pub server_time_ms: u64,
}

/// An error answer (any non-2xx status).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    /// For programs: `unauthorized`, `bad_request`, `enrollment_code`, `protocol`, `unavailable`, ...
    pub code: String,
    /// In English.
    pub message_en: String,
    /// In Spanish.
    pub message_es: String,
}

/// A clinic's public key for verifiable printed records (Ed25519, 32 bytes, base64).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ClinicKey {
    /// The first 8 bytes of the key's SHA-256, as 16 hex digits.
    pub key_id: String,
    /// The 32-byte public key, standard base64.
    pub public_key: String,
}

/// Publishes this clinic's key (if given) and asks for the keys published after `after`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, Default)]
pub struct KeysRequest {
    /// This clinic's key, to publish (publishing the same key again changes nothing).
    pub publish: Option<ClinicKey>,
    /// The `cursor` of the last answer (0 for all).
    pub after: i64,
}

/// A published key and the organization it belongs to.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PublishedKey {
    /// The key.
    #[serde(flatten)]
    pub key: ClinicKey,
    /// The organization's name, as the registry knows it.
    pub organization_name: String,
}

/// The keys published after the request's cursor.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct KeysResponse {
    /// Keys, oldest first.
    pub keys: Vec<PublishedKey>,
    /// Where the next request starts.
    pub cursor: i64,
}

/// At most this many candidates in one lookup answer.
pub const MAX_LOOKUP_CANDIDATES: usize = 10;

/// Asks the registry for patients it knows (from any clinic) that may be the
/// person described: a name ("first last", either order), a birth date, and
/// a birth-certificate number if the family has one.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct LookupRequest {
    /// The name as typed: given name(s) and surname(s), in either order.
    pub name: String,
    /// The birth date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<chrono::NaiveDate>,
    /// A birth-certificate number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
}

/// One patient the registry may mean: only what a clerk needs to recognize
/// the child (never the address, phone or any other field).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct LookupCandidate {
    /// The registry's id of the patient (what [`FetchRequest`] names).
    pub id: Uuid,
    /// "Last SecondLast, First Middle".
    pub display_name: String,
    /// The birth date, if the registry has it.
    pub birth_date: Option<chrono::NaiveDate>,
    /// Sex code (F, M, X, U), or empty.
    pub sex: String,
    /// The organization that last recorded something for the patient.
    pub last_seen_by: String,
    /// How well the candidate matches the query (the matcher's score; higher is better).
    pub score: f64,
}

/// The candidates, best first, at most [`MAX_LOOKUP_CANDIDATES`].
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct LookupResponse {
    /// Best first.
    pub candidates: Vec<LookupCandidate>,
}

/// Brings a patient the lookup found into this clinic: from now on its
/// organization sees the patient (pull brings later changes).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct FetchRequest {
    /// A candidate's id (a merged record's id names its survivor).
    pub patient_id: Uuid,
}

/// The patient (the survivor, if the id asked for was merged) and every dose
/// of it from every provider, in sequence order.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct FetchResponse {
    /// Each in its current state, by sequence number (so a dose may come
    /// before its patient: apply them all in one transaction).
    pub records: Vec<RecordState>,
}
