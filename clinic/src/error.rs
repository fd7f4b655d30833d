//! The errors of the clinic's use cases: one enum per use case, each variant
//! with a message in English and Spanish that says what is wrong and what to do.

use chrono::{DateTime, Utc};
use salal_core::event::EventFieldError;
use salal_core::i18n::{Lang, UserMessage, format_date, tr};
use salal_core::patient::{PatientFieldError, PatientSummary};
use salal_store::StoreError;

use crate::password::PasswordRuleError;

/// Joins several field messages into one text.
fn joined<E: UserMessage>(errors: &[E], lang: Lang) -> String {
    errors
        .iter()
        .map(|e| e.localized(lang))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Errors shared by the simpler use cases.
#[derive(Debug, thiserror::Error)]
pub enum ClinicError {
    /// The signed-in user's roles do not allow this.
    #[error("not permitted")]
    NotPermitted,
    /// No such patient.
    #[error("patient not found")]
    PatientNotFound,
    /// No such immunization event.
    #[error("record not found")]
    EventNotFound,
    /// No such user.
    #[error("user not found")]
    UserNotFound,
    /// The signed-in account was deactivated (or removed) since signing in.
    #[error("the signed-in account is no longer active")]
    AccountInactive,
    /// "Entered in error" needs to say why.
    #[error("say why the record was entered in error")]
    ReasonRequired,
    /// An administrator tried to deactivate their own account.
    #[error("an administrator cannot deactivate their own account")]
    OwnAccount,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserMessage for ClinicError {
    fn message_key(&self) -> &'static str {
        match self {
            ClinicError::NotPermitted => "error.not_permitted",
            ClinicError::PatientNotFound => "error.patient.not_found",
            ClinicError::EventNotFound => "error.event.not_found",
            ClinicError::UserNotFound => "error.user.not_found",
            ClinicError::AccountInactive => "error.session.inactive",
            ClinicError::OwnAccount => "error.user.own_account",
            ClinicError::ReasonRequired => "error.event.reason_required",
            ClinicError::Store(e) => e.message_key(),
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            ClinicError::Store(e) => e.message_args(lang),
            _ => Vec::new(),
        }
    }
}

/// First-run setup failed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A required field is empty.
    #[error("required field {0} is empty")]
    Required(&'static str),
    /// The administrator's password breaks a rule.
    #[error(transparent)]
    WeakPassword(#[from] PasswordRuleError),
    /// The store could not be created.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserMessage for SetupError {
    fn message_key(&self) -> &'static str {
        match self {
            SetupError::Required(_) => "error.patient.required",
            SetupError::WeakPassword(e) => e.message_key(),
            SetupError::Store(e) => e.message_key(),
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            SetupError::Required(field) => {
                vec![("field", tr(lang, &format!("field.{field}")).to_owned())]
            }
            SetupError::WeakPassword(e) => e.message_args(lang),
            SetupError::Store(e) => e.message_args(lang),
        }
    }
}

/// Signing in failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown user or wrong password (deliberately not saying which).
    #[error("user name or password is wrong")]
    BadCredentials,
    /// Too many failed attempts.
    #[error("account locked until {until}")]
    LockedOut {
        /// When the lock ends.
        until: DateTime<Utc>,
    },
    /// The password is older than the expiry period, or was reset by an administrator.
    #[error("the password must be changed")]
    PasswordExpired,
    /// The account was disabled.
    #[error("account disabled")]
    AccountDisabled,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserMessage for LoginError {
    fn message_key(&self) -> &'static str {
        match self {
            LoginError::BadCredentials => "error.login.bad_credentials",
            LoginError::LockedOut { .. } => "error.login.locked_out",
            LoginError::PasswordExpired => "error.login.password_expired",
            LoginError::AccountDisabled => "error.login.account_disabled",
            LoginError::Store(e) => e.message_key(),
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            LoginError::LockedOut { until } => {
                let local = until.with_timezone(&chrono::Local);
                vec![(
                    "until",
                    format!(
                        "{} {}",
                        format_date(lang, local.date_naive()),
                        local.format("%H:%M")
                    ),
                )]
            }
            LoginError::Store(e) => e.message_args(lang),
            _ => Vec::new(),
        }
    }
}

/// Changing a password failed.
#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    /// The current password was not accepted.
    #[error(transparent)]
    Login(LoginError),
    /// The new password breaks a rule.
    #[error(transparent)]
    Rule(#[from] PasswordRuleError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserMessage for ChangePasswordError {
    fn message_key(&self) -> &'static str {
        match self {
            ChangePasswordError::Login(e) => e.message_key(),
            ChangePasswordError::Rule(e) => e.message_key(),
            ChangePasswordError::Store(e) => e.message_key(),
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            ChangePasswordError::Login(e) => e.message_args(lang),
            ChangePasswordError::Rule(e) => e.message_args(lang),
            ChangePasswordError::Store(e) => e.message_args(lang),
        }
    }
}

/// Adding a user failed.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// Another user has this name.
    #[error("user name {0} is taken")]
    UsernameTaken(String),
    /// A required field is empty.
    #[error("required field {0} is empty")]
    Required(&'static str),
    /// The password breaks a rule.
    #[error(transparent)]
    Rule(#[from] PasswordRuleError),
    /// Not permitted, or the store failed.
    #[error(transparent)]
    Clinic(#[from] ClinicError),
}

impl From<StoreError> for CreateUserError {
    fn from(e: StoreError) -> Self {
        CreateUserError::Clinic(ClinicError::Store(e))
    }
}

impl UserMessage for CreateUserError {
    fn message_key(&self) -> &'static str {
        match self {
            CreateUserError::UsernameTaken(_) => "error.user.taken",
            CreateUserError::Required(_) => "error.patient.required",
            CreateUserError::Rule(e) => e.message_key(),
            CreateUserError::Clinic(e) => e.message_key(),
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            CreateUserError::UsernameTaken(name) => vec![("username", name.clone())],
            CreateUserError::Required(field) => {
                vec![("field", tr(lang, &format!("field.{field}")).to_owned())]
            }
            CreateUserError::Rule(e) => e.message_args(lang),
            CreateUserError::Clinic(e) => e.message_args(lang),
        }
    }
}

/// Registering or editing a patient failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterPatientError {
    /// What was typed has problems (all of them listed).
    #[error("patient details are not valid: {0:?}")]
    Invalid(Vec<PatientFieldError>),
    /// Patients that are probably the same person already exist; confirm to register anyway.
    #[error("{} likely duplicate(s)", .0.len())]
    LikelyDuplicates(Vec<PatientSummary>),
    /// Not permitted, not found, or the store failed.
    #[error(transparent)]
    Clinic(#[from] ClinicError),
}

impl From<StoreError> for RegisterPatientError {
    fn from(e: StoreError) -> Self {
        RegisterPatientError::Clinic(ClinicError::Store(e))
    }
}

impl UserMessage for RegisterPatientError {
    fn message_key(&self) -> &'static str {
        match self {
            RegisterPatientError::Invalid(_) => "error.fields",
            RegisterPatientError::LikelyDuplicates(_) => "error.patient.likely_duplicates",
            RegisterPatientError::Clinic(e) => e.message_key(),
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            RegisterPatientError::Invalid(errors) => vec![("details", joined(errors, lang))],
            RegisterPatientError::LikelyDuplicates(found) => {
                vec![("count", found.len().to_string())]
            }
            RegisterPatientError::Clinic(e) => e.message_args(lang),
        }
    }
}

/// Recording an immunization event failed; nothing was saved.
#[derive(Debug, thiserror::Error)]
pub enum RecordEventError {
    /// What was entered has problems (all of them listed).
    #[error("record is not valid: {0:?}")]
    Invalid(Vec<EventFieldError>),
    /// Warnings the clinician has not confirmed yet (an expired lot, funding
    /// that does not match the child's VFC eligibility).
    #[error("{} warning(s) to confirm", .0.len())]
    NeedsConfirmation(Vec<crate::inventory::DoseWarning>),
    /// The lot to take the dose from could not be used.
    #[error(transparent)]
    Stock(Box<StockError>),
    /// Not permitted, no such patient, or the store failed.
    #[error(transparent)]
    Clinic(#[from] ClinicError),
}

impl From<StoreError> for RecordEventError {
    fn from(e: StoreError) -> Self {
        RecordEventError::Clinic(ClinicError::Store(e))
    }
}

impl UserMessage for RecordEventError {
    fn message_key(&self) -> &'static str {
        match self {
            RecordEventError::Invalid(_) => "error.fields",
            RecordEventError::NeedsConfirmation(_) => "inventory.warning.confirm",
            RecordEventError::Stock(e) => e.message_key(),
            RecordEventError::Clinic(e) => e.message_key(),
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            RecordEventError::Invalid(errors) => {
                // One sentence for all missing fields, then the other problems.
                let missing: Vec<String> = errors
                    .iter()
                    .filter_map(|e| match e {
                        EventFieldError::Required(field) => {
                            Some(tr(lang, &format!("field.{field}")).to_owned())
                        }
                        _ => None,
                    })
                    .collect();
                let others: Vec<&EventFieldError> = errors
                    .iter()
                    .filter(|e| !matches!(e, EventFieldError::Required(_)))
                    .collect();
                let mut parts: Vec<String> = others.iter().map(|e| e.localized(lang)).collect();
                if !missing.is_empty() {
                    parts.push(salal_core::i18n::tr_args(
                        lang,
                        "error.event.missing_fields",
                        &[("fields", missing.join(", "))],
                    ));
                }
                vec![("details", parts.join(" "))]
            }
            RecordEventError::NeedsConfirmation(warnings) => {
                vec![("warnings", joined(warnings, lang))]
            }
            RecordEventError::Stock(e) => e.message_args(lang),
            RecordEventError::Clinic(e) => e.message_args(lang),
        }
    }
}

/// A document could not be made, or a verification code is not valid.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// Not permitted, no such patient, or the store failed.
    #[error(transparent)]
    Clinic(#[from] ClinicError),
    /// The layout failed.
    #[error(transparent)]
    Print(#[from] salal_print::PrintError),
    /// A table the documents are built from is damaged.
    #[error("document data: {0}")]
    Data(String),
    /// A verification code is not valid.
    #[error(transparent)]
    Invalid(#[from] salal_attest::VerifyError),
}

impl From<StoreError> for DocumentError {
    fn from(e: StoreError) -> Self {
        DocumentError::Clinic(ClinicError::Store(e))
    }
}

impl UserMessage for DocumentError {
    fn message_key(&self) -> &'static str {
        use salal_attest::{ParseError, VerifyError};
        match self {
            DocumentError::Clinic(e) => e.message_key(),
            DocumentError::Print(e) => e.message_key(),
            DocumentError::Data(_) => "error.document.data",
            DocumentError::Invalid(VerifyError::Malformed(ParseError::NotSalal)) => {
                "doc.invalid.not_salal"
            }
            DocumentError::Invalid(VerifyError::Malformed(ParseError::FieldCount(_))) => {
                "doc.invalid.cut_off"
            }
            DocumentError::Invalid(VerifyError::Malformed(ParseError::BadField(_))) => {
                "doc.invalid.bad_field"
            }
            DocumentError::Invalid(VerifyError::UnknownKey(_)) => "doc.invalid.unknown_key",
            DocumentError::Invalid(VerifyError::BadSignature) => "doc.invalid.bad_signature",
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        use salal_attest::{ParseError, VerifyError};
        match self {
            DocumentError::Clinic(e) => e.message_args(lang),
            DocumentError::Print(e) => e.message_args(lang),
            DocumentError::Data(e) => vec![("details", e.clone())],
            DocumentError::Invalid(VerifyError::Malformed(ParseError::BadField(field))) => {
                vec![(
                    "field",
                    tr(lang, &format!("doc.field.{}", field.replace(' ', "_"))).to_owned(),
                )]
            }
            DocumentError::Invalid(VerifyError::UnknownKey(key)) => vec![("key", key.clone())],
            DocumentError::Invalid(_) => Vec::new(),
        }
    }
}

/// An inventory action was refused.
#[derive(Debug, thiserror::Error)]
pub enum StockError {
    /// Not permitted, or the store failed.
    #[error(transparent)]
    Clinic(#[from] ClinicError),
    /// The ledger's rules refused it (quantity, reason, funding, order state, count).
    #[error(transparent)]
    Rule(#[from] salal_inventory::InventoryError),
    /// The scanned barcode could not be read as a vaccine package.
    #[error(transparent)]
    Scan(#[from] salal_gs1::Gs1Error),
    /// A data logger's file could not be read.
    #[error(transparent)]
    Temperature(#[from] salal_inventory::temperature::TemperatureError),
    /// A report could not be laid out.
    #[error(transparent)]
    Print(#[from] salal_print::PrintError),
    /// A typed NDC is not a vaccine in the CDC's NDC code set.
    #[error("unknown NDC {ndc}")]
    UnknownNdc {
        /// What was typed.
        ndc: String,
    },
    /// No lot in stock has that number (or id).
    #[error("no lot {lot} in stock")]
    LotNotFound {
        /// What was asked for.
        lot: String,
    },
    /// More than one lot or storage unit holds that lot number.
    #[error("lot {lot} is in {places} places")]
    LotAmbiguous {
        /// What was asked for.
        lot: String,
        /// Where it is (funding and unit of each).
        places: String,
    },
    /// More than one storage unit exists and none was named.
    #[error("a storage unit must be named")]
    UnitRequired {
        /// The units there are.
        units: String,
    },
    /// A storage unit kind that is not in `assets/inventory/temperature.csv`.
    #[error("unknown storage unit kind {kind}")]
    UnknownUnitKind {
        /// What was given.
        kind: String,
    },
    /// No such storage unit.
    #[error("no storage unit {name}")]
    UnitNotFound {
        /// What was given.
        name: String,
    },
    /// No such order.
    #[error("order not found")]
    OrderNotFound,
    /// A dates range that ends before it starts.
    #[error("the period ends before it starts")]
    BadPeriod,
}

impl From<StoreError> for StockError {
    fn from(e: StoreError) -> Self {
        StockError::Clinic(ClinicError::Store(e))
    }
}

impl UserMessage for StockError {
    fn message_key(&self) -> &'static str {
        match self {
            StockError::Clinic(e) => e.message_key(),
            StockError::Rule(e) => e.message_key(),
            StockError::Scan(e) => e.message_key(),
            StockError::Temperature(e) => e.message_key(),
            StockError::Print(e) => e.message_key(),
            StockError::UnknownNdc { .. } => "inventory.error.unknown_ndc",
            StockError::LotNotFound { .. } => "inventory.error.lot_not_found",
            StockError::LotAmbiguous { .. } => "inventory.error.lot_ambiguous",
            StockError::UnitRequired { .. } => "inventory.error.unit_required",
            StockError::UnknownUnitKind { .. } => "inventory.error.unknown_unit_kind",
            StockError::UnitNotFound { .. } => "inventory.error.unit_not_found",
            StockError::OrderNotFound => "inventory.error.order_not_found",
            StockError::BadPeriod => "inventory.error.bad_period",
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            StockError::Clinic(e) => e.message_args(lang),
            StockError::Rule(e) => e.message_args(lang),
            StockError::Scan(e) => e.message_args(lang),
            StockError::Temperature(e) => e.message_args(lang),
            StockError::Print(e) => e.message_args(lang),
            StockError::UnknownNdc { ndc } => vec![("ndc", ndc.clone())],
            StockError::LotNotFound { lot } => vec![("lot", lot.clone())],
            StockError::LotAmbiguous { lot, places } => {
                vec![("lot", lot.clone()), ("places", places.clone())]
            }
            StockError::UnitRequired { units } => vec![("units", units.clone())],
            StockError::UnknownUnitKind { kind } => vec![("kind", kind.clone())],
            StockError::UnitNotFound { name } => vec![("name", name.clone())],
            StockError::OrderNotFound | StockError::BadPeriod => Vec::new(),
        }
    }
}
