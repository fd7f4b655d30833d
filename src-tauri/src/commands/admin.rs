//! Users and roles, for clinic administrators.

use crate::convert::{roles, user_id};
use crate::errors::{CmdResult, to_ipc};
use crate::shell::Shell;
use salal_clinic::NewUser;
use salal_clinic::audit::{AUDIT_SCREEN_LIMIT, AuditFilter};
use salal_ipc::admin::{
    AuditPage, AuditRequest, NewUserRequest, ResetPasswordRequest, SetActiveRequest,
    SetRolesRequest, UserRow,
};
use salal_ipc::documents::SavedFile;
use tauri::AppHandle;
use tauri::State;

/// Every user account.
#[tauri::command(async)]
pub(crate) fn list_users(shell: State<'_, Shell>) -> CmdResult<Vec<UserRow>> {
    let (clinic, session) = shell.signed_in()?;
    let users = clinic
        .users(&session)
        .map_err(|e| to_ipc(&e, shell.lang()))?;
    Ok(users
        .into_iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            username: u.username,
            display_name: u.display_name,
            roles: u.roles.iter().map(|r| r.code().to_owned()).collect(),
            active: u.active,
        })
        .collect())
}

/// Adds a user, who chooses their own password at first sign-in.
#[tauri::command(async)]
pub(crate) fn create_user(shell: State<'_, Shell>, req: NewUserRequest) -> CmdResult<()> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let new = NewUser {
        username: req.username,
        display_name: req.display_name,
        roles: roles(&req.roles),
        temporary_password: req.password,
        language: lang,
    };
    clinic
        .create_user(&session, &new)
        .map(|_| ())
        .map_err(|e| to_ipc(&e, lang))
}

/// Replaces a user's roles (the account stays active).
#[tauri::command(async)]
pub(crate) fn set_user_roles(shell: State<'_, Shell>, req: SetRolesRequest) -> CmdResult<()> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = user_id(&req.user_id, lang)?;
    // A role change keeps the account as active or inactive as it is.
    let active = clinic
        .users(&session)
        .map_err(|e| to_ipc(&e, lang))?
        .into_iter()
        .find(|u| u.id == id)
        .is_none_or(|u| u.active);
    clinic
        .set_user_roles(&session, id, &roles(&req.roles), active)
        .map_err(|e| to_ipc(&e, lang))
}

/// Deactivates or reactivates an account.
#[tauri::command(async)]
pub(crate) fn set_user_active(shell: State<'_, Shell>, req: SetActiveRequest) -> CmdResult<()> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = user_id(&req.user_id, lang)?;
    clinic
        .set_user_active(&session, id, req.active)
        .map_err(|e| to_ipc(&e, lang))
}

/// Gives a user a temporary password, to be replaced at their next sign-in.
#[tauri::command(async)]
pub(crate) fn reset_user_password(
    shell: State<'_, Shell>,
    req: ResetPasswordRequest,
) -> CmdResult<()> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = user_id(&req.user_id, lang)?;
    clinic
        .reset_password(&session, id, &req.temporary_password)
        .map_err(|e| to_ipc(&e, lang))
}

/// The audit log, filtered, newest first.
#[tauri::command(async)]
pub(crate) fn audit_log(shell: State<'_, Shell>, req: AuditRequest) -> CmdResult<AuditPage> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let filter = crate::convert::audit_filter(&req, lang)?;
    let mut rows = clinic
        .audit_log(&session, &filter, AUDIT_SCREEN_LIMIT + 1)
        .map_err(|e| to_ipc(&e, lang))?;
    let more = rows.len() > AUDIT_SCREEN_LIMIT;
    rows.truncate(AUDIT_SCREEN_LIMIT);
    Ok(AuditPage {
        rows: crate::convert::audit_rows(&clinic, &session, &rows, lang),
        more,
        actions: crate::convert::audit_actions(lang),
    })
}

/// The filtered audit log as a CSV file in the documents folder.
#[tauri::command(async)]
pub(crate) fn audit_export(
    app: AppHandle,
    shell: State<'_, Shell>,
    req: AuditRequest,
) -> CmdResult<SavedFile> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let filter: AuditFilter = crate::convert::audit_filter(&req, lang)?;
    let csv = clinic
        .audit_csv(&session, &filter)
        .map_err(|e| to_ipc(&e, lang))?;
    let name = crate::files::file_name(
        salal_core::i18n::tr(lang, "ui.audit.file_prefix"),
        &[],
        clinic.today(),
        "csv",
    );
    crate::commands::documents::save(&app, &shell, &name, csv.as_bytes(), lang)
}
