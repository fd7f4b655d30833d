//! Sync between clinic replicas and the Salal Registry (`/sync/v1`).
//!
//! - [`wire`]: the protocol's own versioned types (push, pull, enroll).
//! - [`fields`]: the wire's field names and the conversion to and from domain records.
//! - [`inventory_fields`]: the same for storage units, stock transactions and orders.
//! - [`merge`]: the merge rules as pure functions: the registry decides with
//!   [`merge::apply`]; a clinic follows [`merge::accept_pulled`].
//! - [`codec`]: zstd-compressed JSON bodies, decoded with a size bound.
//! - [`enroll`]: one-time enrollment codes that pin the registry's certificate.
//! - [`durable`]: writing a file whole or not at all.
//! - [`bundle`]: USB bundles and their replies (sync without a network), encrypted (AES-256-GCM) and signed (HMAC-SHA256), replays refused.
//! - `client` (feature `client`): the HTTPS client, rustls pinned to that certificate.
//!
//! Everything but `client` is pure: no IO, no clock, no randomness.

pub mod bundle;
pub mod codec;
pub mod durable;
pub mod enroll;
pub mod fields;
pub mod inventory_fields;
pub mod merge;
pub mod wire;

#[cfg(feature = "client")]
pub mod client;
