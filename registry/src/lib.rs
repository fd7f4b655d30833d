//! The Salal Registry: the central server every clinic syncs with.
//!
//! PostgreSQL holds the records (`registry/migrations/`); clinics talk to it
//! over HTTPS (`/sync/v1`, the wire types and merge rules of `salal-sync`).
//!
//! - [`server`]: `serve` (migrations, TLS, the listener) and [`http`]: routes and bodies.
//! - [`enroll`], [`auth`]: one-time device enrollment and bearer credentials.
//! - [`push`], [`pull`]: applying changes and answering the scoped change feed.
//! - [`keys`]: clinics' public keys for verifiable printed records.
//! - [`export`]: the canonical JSON Lines export of an organization.
//! - [`orgs`], [`db`], [`tls`], [`records`], [`secrets`], [`error`]: the parts they share.

pub mod auth;
pub mod db;
pub mod enroll;
pub mod error;
pub mod export;
pub mod http;
pub mod keys;
pub mod orgs;
pub mod pull;
pub mod push;
pub mod records;
pub mod secrets;
pub mod server;
pub mod tls;

pub use error::RegistryError;
pub use server::{ServeOptions, serve};
