//! The store's errors: typed, classified from SQLite's codes, each with a
//! message in English and Spanish that says what happened and what to do.

use salal_core::i18n::{Lang, UserMessage};
use std::path::PathBuf;

/// Everything that can go wrong opening or using the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No Salal data in this folder yet.
    #[error("no Salal data in {0}")]
    NotInitialized(PathBuf),
    /// Setup was already done in this folder.
    #[error("Salal data already exists in {0}")]
    AlreadyInitialized(PathBuf),
    /// The OS keyring could not be reached; the recovery key is needed.
    #[error("the OS keyring is not available: {0}")]
    KeyringUnavailable(String),
    /// The keyring has no key for this database (new computer, or the entry was removed).
    #[error("the keyring holds no key for this database")]
    KeyMissing,
    /// The key does not open the database.
    #[error("the key does not open this database")]
    WrongKey,
    /// The recovery key typed is malformed or has a typo.
    #[error("the recovery key is not valid: {0}")]
    RecoveryKeyInvalid(&'static str),
    /// The disk (or the database's size limit) is full.
    #[error("the disk is full")]
    DiskFull,
    /// Another program holds the database.
    #[error("the database is busy or locked by another program")]
    Busy,
    /// The file is damaged.
    #[error("the database file is damaged")]
    Corrupt,
    /// The database was written by a newer Salal.
    #[error("the database schema version {found} is newer than this program ({supported})")]
    TooNew {
        /// Version in the file.
        found: u32,
        /// Newest version this program knows.
        supported: u32,
    },
    /// A file outside the database could not be read or written.
    #[error("file error at {path}: {message}")]
    Io {
        /// Which file.
        path: PathBuf,
        /// What happened.
        message: String,
    },
    /// A stored value could not be read back.
    #[error("stored data could not be read: {0}")]
    Decode(String),
    /// A record with this id was saved before with other content.
    #[error("a different {0} was already saved with this id")]
    IdConflict(&'static str),
    /// The registry's clock is far ahead of this computer's: its clock is behind.
    #[error("this computer's clock is {ahead_ms} ms behind the registry")]
    ClockBehind {
        /// How far behind.
        ahead_ms: u64,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, err: &std::io::Error) -> Self {
        if err.raw_os_error() == Some(28) {
            return StoreError::DiskFull;
        }
        StoreError::Io {
            path: path.into(),
            message: err.to_string(),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match err.sqlite_error_code() {
            Some(C::DiskFull) => StoreError::DiskFull,
            Some(C::DatabaseBusy | C::DatabaseLocked) => StoreError::Busy,
            Some(C::NotADatabase) => StoreError::WrongKey,
            Some(C::DatabaseCorrupt) => StoreError::Corrupt,
            _ => StoreError::Database(err.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Decode(err.to_string())
    }
}

impl UserMessage for StoreError {
    fn message_key(&self) -> &'static str {
        match self {
            StoreError::NotInitialized(_) => "error.store.not_initialized",
            StoreError::AlreadyInitialized(_) => "error.store.already_initialized",
            StoreError::KeyringUnavailable(_) => "error.store.keyring_unavailable",
            StoreError::KeyMissing => "error.store.key_missing",
            StoreError::WrongKey => "error.store.wrong_key",
            StoreError::RecoveryKeyInvalid(_) => "error.store.recovery_key_invalid",
            StoreError::DiskFull => "error.store.disk_full",
            StoreError::Busy => "error.store.busy",
            StoreError::Corrupt => "error.store.corrupt",
            StoreError::TooNew { .. } => "error.store.too_new",
            StoreError::Io { .. } => "error.store.io",
            StoreError::IdConflict(_) => "error.store.id_conflict",
            StoreError::ClockBehind { .. } => "error.store.clock_behind",
            StoreError::Decode(_) | StoreError::Database(_) => "error.store.internal",
        }
    }

    fn message_args(&self, _lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            StoreError::NotInitialized(path) | StoreError::AlreadyInitialized(path) => {
                vec![("path", path.display().to_string())]
            }
            StoreError::Io { path, .. } => vec![("path", path.display().to_string())],
            StoreError::ClockBehind { ahead_ms } => {
                vec![("minutes", (ahead_ms / 60_000).to_string())]
            }
            _ => Vec::new(),
        }
    }
}
