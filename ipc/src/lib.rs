//! The wire between the Salal Clinic UI (wasm32) and its desktop shell (Tauri).
//!
//! Only these types cross the boundary. The shell converts them to and from the
//! `clinic` and `core` types, so renaming a domain field cannot silently change
//! what the UI sends or reads. Every command answers `Result<T, IpcError>`; the
//! error carries a stable `code` to branch on and a `message` already written in
//! the user's language.
//!
//! Start with [`cmd`] (the command names), then the request and result types of
//! each screen: [`setup`], [`session`], [`patient`], [`dose`], [`forecast`], [`admin`], [`sync`],
//! [`documents`] (printing and reminder/recall), [`inventory`] (vaccine stock, orders and reports),
//! [`lookup`] (searching the registry for a patient another clinic knows).
//! The shell also pushes events to the UI; their names are in [`event`].
//! Dates travel as ISO 8601 text (`YYYY-MM-DD`), ids as UUID text.

pub mod admin;
pub mod documents;
pub mod dose;
pub mod forecast;
pub mod inventory;
pub mod lookup;
pub mod patient;
pub mod session;
pub mod setup;
pub mod sync;

use serde::{Deserialize, Serialize};

/// The names of the shell's commands, shared so the two sides cannot drift.
pub mod cmd {
    /// [`crate::setup::AppStatus`]: is a clinic set up, who is signed in.
    pub const APP_STATUS: &str = "app_status";
    /// First run: create the clinic and its first administrator.
    pub const SETUP: &str = "setup_clinic";
    /// Reopen the clinic's data with the recovery key when the keyring lost it.
    pub const RECOVER: &str = "recover_with_key";
    /// Sign in.
    pub const LOGIN: &str = "login";
    /// Sign out.
    pub const LOGOUT: &str = "logout";
    /// The user is still at the keyboard (the UI says so while they type or
    /// click, a few times per idle period); keeps the session from timing out.
    pub const STILL_HERE: &str = "still_here";
    /// Change a password (forced when it has expired).
    pub const CHANGE_PASSWORD: &str = "change_password";
    /// Switch the interface language (remembered per user once signed in).
    pub const SET_LANGUAGE: &str = "set_language";
    /// Pick lists: vaccines, routes, sites, VFC eligibility, funding sources…
    pub const CODE_LISTS: &str = "code_lists";
    /// Patient search (home screen).
    pub const SEARCH_PATIENTS: &str = "search_patients";
    /// Register a new patient.
    pub const REGISTER_PATIENT: &str = "register_patient";
    /// Update a patient's demographics.
    pub const UPDATE_PATIENT: &str = "update_patient";
    /// A patient's full record.
    pub const PATIENT_RECORD: &str = "patient_record";
    /// A patient's forecast: what is due per vaccine group, and why a dose does not count.
    pub const PATIENT_FORECAST: &str = "patient_forecast";
    /// Record an immunization event.
    pub const RECORD_EVENT: &str = "record_event";
    /// Mark an event entered in error.
    pub const MARK_ENTERED_IN_ERROR: &str = "mark_entered_in_error";
    /// Record a consent choice.
    pub const SET_CONSENT: &str = "set_consent";
    /// List user accounts (administrators).
    pub const LIST_USERS: &str = "list_users";
    /// Create a user account (administrators).
    pub const CREATE_USER: &str = "create_user";
    /// Change a user's roles (administrators).
    pub const SET_USER_ROLES: &str = "set_user_roles";
    /// Deactivate or reactivate a user account (administrators).
    pub const SET_USER_ACTIVE: &str = "set_user_active";
    /// Give a user a temporary password to change at sign-in (administrators).
    pub const RESET_USER_PASSWORD: &str = "reset_user_password";
    /// The audit log, filtered (administrators).
    pub const AUDIT_LOG: &str = "audit_log";
    /// The filtered audit log as CSV in the documents folder (administrators).
    pub const AUDIT_EXPORT: &str = "audit_export";
    /// [`crate::sync::SyncStatusView`] now (later ones arrive as [`crate::event::SYNC_STATUS`]).
    pub const SYNC_STATUS: &str = "sync_status";
    /// Sync with the registry now (the result arrives as events).
    pub const SYNC_NOW: &str = "sync_now";
    /// [`crate::sync::RecordSyncStates`] of a patient's record.
    pub const RECORD_SYNC_STATES: &str = "record_sync_states";
    /// Link this computer to a registry (administrators).
    pub const ENROLL: &str = "enroll";
    /// The folder documents are saved in (full path).
    pub const DOCUMENTS_FOLDER: &str = "documents_folder";
    /// Save (and optionally print) a document about a patient: [`crate::documents::PrintRequest`].
    pub const PRINT_DOCUMENT: &str = "print_document";
    /// The families to remind: [`crate::documents::RecallRequest`].
    pub const RECALL_LIST: &str = "recall_list";
    /// Letters, labels or CSV of the last list found: [`crate::documents::RecallExportRequest`].
    pub const RECALL_EXPORT: &str = "recall_export";
    /// Record a call to a family: [`crate::documents::RecordCallRequest`].
    pub const RECORD_CALL: &str = "record_call";
    /// The Inventory screen's [`crate::inventory::StockOverview`].
    pub const STOCK_OVERVIEW: &str = "stock_overview";
    /// The Inventory screen's pick lists: [`crate::inventory::StockChoices`].
    pub const STOCK_CHOICES: &str = "stock_choices";
    /// The lots the dose form offers: [`crate::inventory::LotsForDoseRequest`].
    pub const LOTS_FOR_DOSE: &str = "lots_for_dose";
    /// Receive doses into stock: [`crate::inventory::ReceiveRequest`].
    pub const RECEIVE_STOCK: &str = "receive_stock";
    /// Record a physical count: [`crate::inventory::CountRequest`].
    pub const COUNT_STOCK: &str = "count_stock";
    /// Doses leaving stock: [`crate::inventory::RemoveRequest`].
    pub const REMOVE_STOCK: &str = "remove_stock";
    /// Non-viable vaccine in a period: [`crate::inventory::PeriodRequest`].
    pub const NON_VIABLE: &str = "non_viable";
    /// The physical counts in a period: [`crate::inventory::PeriodRequest`].
    pub const COUNT_HISTORY: &str = "count_history";
    /// Add a storage unit or change its kind: [`crate::inventory::SaveUnitRequest`].
    pub const SAVE_STORAGE_UNIT: &str = "save_storage_unit";
    /// Import a data logger's file: [`crate::inventory::TemperatureRequest`].
    pub const IMPORT_TEMPERATURES: &str = "import_temperatures";
    /// What to order, from recent use and stock levels.
    pub const SUGGESTED_ORDER: &str = "suggested_order";
    /// Start an order: [`crate::inventory::CreateOrderRequest`].
    pub const CREATE_ORDER: &str = "create_order";
    /// Every order, newest first.
    pub const ORDERS: &str = "orders";
    /// Move an order forward: [`crate::inventory::AdvanceOrderRequest`].
    pub const ADVANCE_ORDER: &str = "advance_order";
    /// Receive a shipment against an order: [`crate::inventory::ReceiveOrderRequest`].
    pub const RECEIVE_ORDER: &str = "receive_order";
    /// Save an order as ExIS CSV: [`crate::inventory::ExportOrderRequest`].
    pub const EXPORT_ORDER: &str = "export_order";
    /// Doses administered in a period: [`crate::inventory::PeriodRequest`].
    pub const DOSES_REPORT: &str = "doses_report";
    /// Save a report as CSV or PDF: [`crate::inventory::SaveReportRequest`].
    pub const SAVE_REPORT: &str = "save_report";
    /// Patients the registry knows: [`crate::lookup::RegistryLookupRequest`].
    pub const LOOKUP_REGISTRY: &str = "lookup_registry";
    /// Bring one into this computer: [`crate::lookup::FetchFromRegistryRequest`]; answers its id here.
    pub const FETCH_FROM_REGISTRY: &str = "fetch_from_registry";
}

/// The names of the events the shell sends the UI unasked.
pub mod event {
    /// A running sync's [`crate::sync::SyncProgressView`].
    pub const SYNC_PROGRESS: &str = "sync-progress";
    /// [`crate::sync::SyncStatusView`], when a sync starts and ends and when local changes wait.
    pub const SYNC_STATUS: &str = "sync-status";
    /// [`crate::documents::RecallProgressView`] while recall letters are laid out.
    pub const RECALL_PROGRESS: &str = "recall-progress";
}

/// A language the interface speaks (same codes as `salal_core::i18n::Lang`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Spanish.
    Es,
}

/// Why a command failed: a stable code to branch on and a message for the user,
/// already in the user's language. Never a panic, never a raw internal text.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct IpcError {
    /// Stable, dotted code, e.g. `login.bad_credentials`, `event.date_in_future`.
    pub code: String,
    /// What happened and what to do, in the user's language.
    pub message: String,
    /// The form field the error is about, when there is one (e.g. `date`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IpcError {
    /// An error with no particular field.
    #[must_use]
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            field: None,
        }
    }

    /// The same error, pointing at a form field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// A code and its display text, for pick lists.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CodeItem {
    /// The code stored and exchanged (CVX, HL7 table value…).
    pub code: String,
    /// What a person reads.
    pub label: String,
}

/// Every pick list a form needs, fetched once after sign-in.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct CodeLists {
    /// Active vaccines by CVX, labelled with their short description.
    pub vaccines: Vec<CodeItem>,
    /// Routes of administration.
    pub routes: Vec<CodeItem>,
    /// Body sites.
    pub sites: Vec<CodeItem>,
    /// VFC eligibility.
    pub vfc_eligibility: Vec<CodeItem>,
    /// Funding sources.
    pub funding_sources: Vec<CodeItem>,
    /// Refusal reasons.
    pub refusal_reasons: Vec<CodeItem>,
    /// Contraindications and precautions.
    pub contraindications: Vec<CodeItem>,
    /// Evidence of immunity (disease history).
    pub immunities: Vec<CodeItem>,
    /// Sexes a patient may be registered with.
    pub sexes: Vec<CodeItem>,
    /// Roles a user may hold.
    pub roles: Vec<CodeItem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_languages_have_a_stable_wire_form() {
        let e = IpcError::new("login.bad_credentials", "Wrong user name or password.");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"login.bad_credentials","message":"Wrong user name or password."}"#
        );
        let e = e.with_field("password");
        let back: IpcError = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
        assert_eq!(serde_json::to_string(&Lang::Es).unwrap(), r#""es""#);
    }
}
