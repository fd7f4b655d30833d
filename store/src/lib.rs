//! The clinic's encrypted replica.
//!
//! A SQLCipher database (`salal.db`) in the clinic's data folder, opened with a
//! random 256-bit key kept in the OS keyring ([`vault`]), or with the recovery
//! key shown once at setup ([`keys`]). Beside it, `store.json` holds only the
//! store id and format (never a key).
//!
//! Every change goes through [`Store::write`]: one SQLite transaction in which
//! each [`Writer`] method changes the domain rows, appends the change to the
//! outbox and appends an audit event, so the three can never disagree. WAL
//! with `synchronous = FULL`: when `write` returns, the change is on disk.
//! Reads are plain methods on [`Store`]. [`replica`] is the sync side: the
//! outbox as a queue, applying the registry's state, the export.

mod compact;
mod db;
pub mod documents;
mod error;
pub mod keys;
mod read;
pub mod replica;
mod search;
pub mod stock;
pub mod vault;
mod write;

pub use db::{KeyringStatus, Store, StoreInfo};
pub use documents::{Contact, ContactMethod, ContactSummary, TrustedKey};
pub use error::StoreError;
pub use keys::{DbKey, RecoveryKey};
pub use read::{AuditEntry, AuditQuery, OutboxEntry};
pub use replica::{Applied, OutboxCounts, PendingChange, RecordSync};
pub use stock::{DoseCount, StockBalance, StockLevel, StoredOrder};
pub use write::{Actor, Saved, UserRow, Writer, user_fields};
