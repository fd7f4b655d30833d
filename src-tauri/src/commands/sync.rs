//! Sync with the registry: the status now, "Sync now", each record's state,
//! and enrollment (administrators). The syncing itself is the background
//! worker's (`crate::sync`); these commands only ask it.

use crate::convert::{patient_id, record_sync_states as states_wire};
use crate::errors::{CmdResult, to_ipc};
use crate::shell::Shell;
use crate::sync::{SyncHandle, status};
use salal_clinic::{ClinicError, SyncError};
use salal_core::user::Permission;
use salal_ipc::patient::RecordRequest;
use salal_ipc::sync::{EnrollRequest, RecordSyncStates, SyncStatusView};
use tauri::State;

/// Where this computer stands with the registry; not linked (and nothing
/// else) while no clinic is open.
#[tauri::command(async)]
pub(crate) fn sync_status(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
) -> CmdResult<SyncStatusView> {
    Ok(shell
        .clinic_if_open()
        .map(|clinic| status(&clinic, sync.syncing()))
        .unwrap_or_default())
}

/// Syncs as soon as possible; progress and the outcome arrive as events.
#[tauri::command(async)]
pub(crate) fn sync_now(shell: State<'_, Shell>, sync: State<'_, SyncHandle>) -> CmdResult<()> {
    let (clinic, _session) = shell.signed_in()?;
    let lang = shell.lang();
    if !clinic.is_enrolled().map_err(|e| to_ipc(&e, lang))? {
        return Err(to_ipc(&SyncError::NotEnrolled, lang));
    }
    sync.sync_now();
    Ok(())
}

/// Where a patient's record and each of its events stand with the registry.
#[tauri::command(async)]
pub(crate) fn record_sync_states(
    shell: State<'_, Shell>,
    req: RecordRequest,
) -> CmdResult<RecordSyncStates> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = patient_id(&req.id, lang)?;
    let states = clinic
        .record_sync_states(&session, id)
        .map_err(|e| to_ipc(&e, lang))?;
    Ok(states_wire(&states))
}

/// Links this computer to a registry with a one-time code; the first sync
/// starts at once. Answers the new status (with the registry's address).
#[tauri::command(async)]
pub(crate) fn enroll(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: EnrollRequest,
) -> CmdResult<SyncStatusView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    // `Clinic::enroll` takes no session; the administrators' rule is kept here.
    if !session.may(Permission::ManageUsers) {
        return Err(to_ipc(&ClinicError::NotPermitted, lang));
    }
    clinic
        .enroll(req.registry_url.trim(), req.code.trim())
        .map_err(|e| to_ipc(&e, lang))?;
    sync.sync_now();
    Ok(status(&clinic, sync.syncing()))
}
