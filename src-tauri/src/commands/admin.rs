//! Users and roles, for clinic administrators.

use crate::convert::{roles, user_id};
use crate::errors::{CmdResult, to_ipc};
use crate::shell::Shell;
use salal_clinic::NewUser;
use salal_ipc::admin::{NewUserRequest, SetRolesRequest, UserRow};
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
    clinic
        .set_user_roles(&session, id, &roles(&req.roles), true)
        .map_err(|e| to_ipc(&e, lang))
}
