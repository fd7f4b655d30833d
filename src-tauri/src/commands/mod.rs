//! The Tauri commands, one module per area. Each takes one `req` argument (a
//! `salal_ipc` type), calls `salal_clinic`, and answers `Result<_, IpcError>`.
//! All run off the UI thread (`async` attribute): password hashing and
//! database work never freeze the window.

pub(crate) mod admin;
pub(crate) mod documents;
pub(crate) mod events;
pub(crate) mod forecast;
pub(crate) mod inventory;
pub(crate) mod lookup;
pub(crate) mod patients;
pub(crate) mod session;
pub(crate) mod setup;
pub(crate) mod sync;
