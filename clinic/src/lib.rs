//! The clinic's use cases: the one API that the desktop app, the `salal` CLI
//! and the tests call. Nothing above this crate touches the store directly.
//!
//! Open a [`Clinic`] (first-run [`Clinic::setup`], then [`Clinic::open`] with the
//! key from the OS keyring, or [`Clinic::open_with_recovery_key`]), sign in with
//! [`Clinic::login`] to get a [`Session`], and pass the session to every use
//! case: patients ([`patients`]), immunization events ([`events`]), users
//! ([`auth`]). Each use case that changes anything is one store transaction
//! (domain rows + outbox change + audit event), and returns a typed error
//! whose message exists in English and Spanish.

pub mod audit;
pub mod auth;
pub mod bundle;
pub mod documents;
mod duplicates;
mod error;
pub mod events;
pub mod forecast;
pub mod inventory;
pub mod password;
pub mod patients;
pub mod recall;
pub mod sync;

use chrono::{DateTime, Local, NaiveDate, Utc};
use salal_core::codes::CodeSets;
use salal_core::i18n::Lang;
use salal_core::ids::UserId;
use salal_core::user::{Permission, Role, permits};
use salal_store::{Actor, Store};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

pub use auth::{NewUser, UserSummary};
pub use bundle::{BundleError, BundleExport, BundleImport};
pub use documents::{ConsentFormKind, Verified};
pub use duplicates::likely_same_person;
pub use error::{
    ChangePasswordError, ClinicError, CreateUserError, DocumentError, LoginError, RecordEventError,
    RegisterPatientError, SetupError, StockError,
};
pub use events::{EventView, PatientRecord, VaccineGroupHistory};
pub use forecast::{DoseVerdict, DueState, GroupForecast, PatientForecast};
pub use patients::{ImportError, ImportedPatient, PatientEdit};
pub use recall::{NewContact, RecallDue, RecallEntry, RecallQuery, recall_csv};
pub use salal_forecast::{EvaluationReason, EvaluationStatus, SeriesStatus};
pub use salal_store::{
    Contact, ContactMethod, ContactSummary, KeyringStatus, RecoveryKey, StoreError,
};
pub use sync::{
    RecordSync, RecordSyncStates, RegistryCandidate, SyncError, SyncProgress, SyncReport,
    SyncStatus,
};

/// Where "now" comes from (the wall clock, or a fixed time in tests).
pub type TimeSource = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What first-run setup needs.
#[derive(Debug, Clone, Default)]
pub struct SetupRequest {
    /// The clinic's name.
    pub clinic_name: String,
    /// The first administrator's sign-in name.
    pub admin_username: String,
    /// Their full name.
    pub admin_display_name: String,
    /// Their password (must meet the rules).
    pub admin_password: String,
    /// Their UI language.
    pub language: Lang,
}

/// What setup hands back once: the recovery key and whether the keyring kept the key.
#[derive(Debug)]
pub struct SetupReceipt {
    /// Show it once, to print or write down.
    pub recovery_key: RecoveryKey,
    /// Whether the OS keyring holds the database key.
    pub keyring: KeyringStatus,
}

/// A signed-in user. Only [`Clinic::login`] and friends make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    user_id: UserId,
    username: String,
    display_name: String,
    roles: Vec<Role>,
    language: Lang,
}

impl Session {
    /// The user's id.
    #[must_use]
    pub fn user_id(&self) -> UserId {
        self.user_id
    }
    /// The sign-in name.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }
    /// The full name.
    #[must_use]
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    /// The roles held.
    #[must_use]
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }
    /// The user's UI language.
    #[must_use]
    pub fn language(&self) -> Lang {
        self.language
    }
    /// Whether the roles permit `permission`.
    #[must_use]
    pub fn may(&self, permission: Permission) -> bool {
        permits(&self.roles, permission)
    }
    pub(crate) fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id),
            username: self.username.clone(),
        }
    }
}

/// An open clinic database and the rules around it.
pub struct Clinic {
    store: Mutex<Store>,
    codes: &'static CodeSets,
    time: TimeSource,
    password_max_age_days: i64,
    outbox_retention_days: i64,
}

impl std::fmt::Debug for Clinic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clinic").finish_non_exhaustive()
    }
}

/// Days a password stays valid unless configured otherwise.
pub const DEFAULT_PASSWORD_MAX_AGE_DAYS: i64 = 90;

fn code_sets() -> Result<&'static CodeSets, StoreError> {
    CodeSets::embedded().map_err(|e| StoreError::Decode(e.to_string()))
}

impl Clinic {
    fn from_store(store: Store) -> Result<Clinic, StoreError> {
        Ok(Clinic {
            store: Mutex::new(store),
            codes: code_sets()?,
            time: Arc::new(Utc::now),
            password_max_age_days: DEFAULT_PASSWORD_MAX_AGE_DAYS,
            outbox_retention_days: sync::DEFAULT_OUTBOX_RETENTION_DAYS,
        })
    }

    /// Whether `data_dir` already holds a clinic (possibly needing the recovery key).
    #[must_use]
    pub fn is_initialized(data_dir: &Path) -> bool {
        // A database whose store.json was lost still counts: the recovery key opens it.
        Store::exists(data_dir) || Store::needs_recovery(data_dir)
    }

    /// First-run setup: creates the encrypted database, the clinic and its first
    /// administrator (who holds every role). Returns the recovery key, to show once.
    pub fn setup(
        data_dir: &Path,
        request: &SetupRequest,
    ) -> Result<(Clinic, SetupReceipt), SetupError> {
        Clinic::setup_at(data_dir, request, Utc::now())
    }

    /// [`Clinic::setup`] as of a given time (for tests of expiry).
    pub fn setup_at(
        data_dir: &Path,
        request: &SetupRequest,
        now: DateTime<Utc>,
    ) -> Result<(Clinic, SetupReceipt), SetupError> {
        let clinic_name = request.clinic_name.trim();
        let username = request.admin_username.trim();
        if clinic_name.is_empty() {
            return Err(SetupError::Required("clinic_name"));
        }
        if username.is_empty() {
            return Err(SetupError::Required("username"));
        }
        password::check_rules(&request.admin_password, username, &[clinic_name])?;
        let display_name = if request.admin_display_name.trim().is_empty() {
            username
        } else {
            request.admin_display_name.trim()
        };
        let admin = salal_store::UserRow {
            id: UserId::generate(),
            username: username.to_owned(),
            display_name: display_name.to_owned(),
            roles: Role::ALL.to_vec(),
            password_hash: password::hash(&request.admin_password)?,
            password_changed_at: now,
            must_change_password: false,
            failed_attempts: 0,
            locked_until: None,
            language: request.language,
            active: true,
        };
        // The clinic and its administrator are written before the folder counts as set up.
        let (store, recovery_key, keyring) =
            Store::create_with(data_dir, &Actor::setup(), now, |w| {
                w.set_clinic_name(clinic_name)?;
                w.insert_user(&admin)
            })?;
        let clinic = Clinic::from_store(store)?;
        Ok((
            clinic,
            SetupReceipt {
                recovery_key,
                keyring,
            },
        ))
    }

    /// Opens the clinic in `data_dir` with the key from the OS keyring.
    pub fn open(data_dir: &Path) -> Result<Clinic, StoreError> {
        Clinic::from_store(Store::open(data_dir)?)
    }

    /// Opens the clinic with the recovery key (and restores the keyring entry where possible).
    pub fn open_with_recovery_key(
        data_dir: &Path,
        recovery_key: &str,
    ) -> Result<Clinic, StoreError> {
        Clinic::from_store(Store::open_with_recovery_key(data_dir, recovery_key)?)
    }

    /// Uses `time` as "now" (tests of expiry and lockout).
    #[must_use]
    pub fn with_time_source(mut self, time: TimeSource) -> Clinic {
        self.time = time;
        self
    }

    /// Sets the password expiry period.
    #[must_use]
    pub fn with_password_max_age_days(mut self, days: i64) -> Clinic {
        self.password_max_age_days = days;
        self
    }

    /// Keeps acknowledged outbox changes this many days before trimming them.
    #[must_use]
    pub fn with_outbox_retention_days(mut self, days: i64) -> Clinic {
        self.outbox_retention_days = days;
        self
    }

    /// The code sets (vaccines, manufacturers, HL7 tables) for pickers.
    #[must_use]
    pub fn codes(&self) -> &'static CodeSets {
        self.codes
    }

    /// The clinic's name.
    pub fn clinic_name(&self) -> Result<String, ClinicError> {
        Ok(self.lock().clinic_name()?.unwrap_or_default())
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        (self.time)()
    }

    /// Today's date where the clinic is.
    #[must_use]
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&Local).date_naive()
    }

    /// Checks the signed-in user's CURRENT state for a use case: a user
    /// deactivated, or whose roles were changed, since signing in is held to
    /// what the store says now, not to the copy taken at sign-in.
    pub(crate) fn authorize(
        &self,
        session: &Session,
        permission: Permission,
    ) -> Result<(), ClinicError> {
        let user = self.lock().user(session.user_id)?;
        match user {
            Some(user) if !user.active => Err(ClinicError::AccountInactive),
            Some(user) if permits(&user.roles, permission) => Ok(()),
            Some(_) => Err(ClinicError::NotPermitted),
            None => Err(ClinicError::AccountInactive),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave a transaction half-applied
        // (SQLite rolls it back), so the store is still consistent: keep going.
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Audits a read of patient data (who saw what). Reading stays possible
    /// on a full disk: the read is then logged here as not audited.
    pub(crate) fn audit_read(
        &self,
        session: &Session,
        action: &str,
        entity: &str,
        id: &str,
        detail: &str,
    ) -> Result<(), ClinicError> {
        match self.lock().write(&session.actor(), self.now(), |w| {
            w.audit(action, entity, id, detail)
        }) {
            Ok(()) => Ok(()),
            Err(salal_store::StoreError::DiskFull) => {
                tracing::warn!(action, entity, id, "disk full: read not audited");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the database key from the OS keyring (the recovery key still opens it).
    pub fn forget_keyring_key(&self) -> Result<(), ClinicError> {
        Ok(self.lock().forget_keyring_key()?)
    }

    /// Direct read access to the store, for integrity checks in tests and tools.
    #[doc(hidden)]
    pub fn store_for_inspection(&self) -> MutexGuard<'_, Store> {
        self.lock()
    }
}
