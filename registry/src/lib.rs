//! The Salal Registry: the central server every clinic syncs with.
//!
//! PostgreSQL holds the records (`registry/migrations/`); clinics talk to it
//! over HTTPS (`/sync/v1`, the wire types and merge rules of `salal-sync`).
//!
//! - [`server`]: `serve` (migrations, TLS, the listener) and [`http`]: routes and bodies.
//! - [`enroll`], [`auth`]: one-time device enrollment and bearer credentials.
//! - [`push`], [`pull`]: applying changes and answering the scoped change feed.
//! - [`keys`]: clinics' public keys for verifiable printed records.
//! - [`bundle`]: USB bundles: a clinic's changes on a stick, applied like a push, answered like a pull.
//! - [`lookup`]: a clinic finds a patient another clinic knows, and fetches the record.
//! - [`matching`]: matching new patients, merging, the review queue, the audit log.
//! - [`private`]: fields private to the organization that entered them.
//! - [`dedup`]: linking the same dose reported by two sources.
//! - [`staff`]: registry staff's tokens and the administration API (the review queue).
//! - [`optout`]: refusing data for patients who declined, the minimal record, deletion on request.
//! - [`export`]: the canonical JSON Lines export of an organization.
//! - [`hl7_check`]: the conformance verdict on HL7 files (no database).
//! - [`hl7_in`], [`partners`]: VXU messages from HL7 partners, applied like a push.
//! - [`hl7_stock`]: the stock a partner's reported doses take from its synced inventory.
//! - [`hl7_query`]: partners' queries (QBP Z34/Z44) answered with RSP Z31/Z32/Z33/Z42.
//! - [`hl7_http`], [`soap`]: HL7 over HTTPS (`/hl7/v2`, batch files) and the CDC SOAP service.
//! - [`birth_feed`]: the birth-record feed from vital records.
//! - [`orgs`], [`db`], [`tls`], [`records`], [`secrets`], [`error`]: the parts they share.

pub mod auth;
pub mod birth_feed;
pub mod bundle;
pub mod db;
pub mod dedup;
pub mod enroll;
pub mod error;
pub mod export;
pub mod hl7_apply;
pub mod hl7_check;
pub mod hl7_http;
pub mod hl7_in;
pub mod hl7_query;
pub mod hl7_stock;
pub mod http;
pub mod keys;
pub mod lookup;
pub mod matching;
pub mod optout;
pub mod orgs;
pub mod partners;
pub mod private;
pub mod pull;
pub mod push;
pub mod records;
pub mod secrets;
pub mod server;
pub mod soap;
pub mod staff;
pub mod tls;

pub use error::RegistryError;
pub use server::{ServeOptions, serve};
