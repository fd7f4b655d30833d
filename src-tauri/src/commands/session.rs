//! Sign in and out, password changes, the language, and the pick lists.

use crate::convert::{self, lang_from_wire, session_info};
use crate::errors::{CmdResult, to_ipc};
use crate::shell::Shell;
use salal_clinic::LoginError;
use salal_ipc::CodeLists;
use salal_ipc::session::{
    ChangePasswordRequest, LoginOutcome, LoginRequest, SessionInfo, SetLanguageRequest,
};
use tauri::State;

/// Signs in; an expired password is an outcome (go choose a new one), not an error.
#[tauri::command(async)]
pub(crate) fn login(shell: State<'_, Shell>, req: LoginRequest) -> CmdResult<LoginOutcome> {
    let clinic = shell.clinic()?;
    match clinic.login(req.username.trim(), &req.password) {
        Ok(session) => {
            let info = session_info(&session, shell.idle_limit());
            shell.set_session(Some(session));
            Ok(LoginOutcome::SignedIn { session: info })
        }
        Err(LoginError::PasswordExpired) => Ok(LoginOutcome::PasswordExpired),
        Err(error) => Err(to_ipc(&error, shell.lang())),
    }
}

/// Signs out.
#[tauri::command(async)]
pub(crate) fn logout(shell: State<'_, Shell>) -> CmdResult<()> {
    shell.set_session(None);
    Ok(())
}

/// The user typed or clicked: keeps the session from ending for idleness.
#[tauri::command(async)]
pub(crate) fn still_here(shell: State<'_, Shell>) -> CmdResult<()> {
    shell.still_here()
}

/// Changes a password and signs in with the new one.
#[tauri::command(async)]
pub(crate) fn change_password(
    shell: State<'_, Shell>,
    req: ChangePasswordRequest,
) -> CmdResult<SessionInfo> {
    let clinic = shell.clinic()?;
    let session = clinic
        .change_password(
            req.username.trim(),
            &req.current_password,
            &req.new_password,
        )
        .map_err(|e| to_ipc(&e, shell.lang()))?;
    let info = session_info(&session, shell.idle_limit());
    shell.set_session(Some(session));
    Ok(info)
}

/// Switches the language: for the signed-in user (kept in their account) and this computer.
#[tauri::command(async)]
pub(crate) fn set_language(shell: State<'_, Shell>, req: SetLanguageRequest) -> CmdResult<()> {
    let lang = lang_from_wire(req.lang);
    shell.set_local_lang(lang);
    if let Ok((clinic, session)) = shell.signed_in() {
        let session = clinic
            .set_language(&session, lang)
            .map_err(|e| to_ipc(&e, lang))?;
        shell.set_session(Some(session));
    }
    Ok(())
}

/// Every pick list, labelled in the current language.
#[tauri::command(async)]
pub(crate) fn code_lists(shell: State<'_, Shell>) -> CmdResult<CodeLists> {
    let (clinic, _session) = shell.signed_in()?;
    Ok(convert::code_lists(clinic.codes(), shell.lang()))
}
