//! Start-up and first run: the clinic's state on this computer, setup, and
//! reopening the data with the recovery key.

use crate::convert::{lang_from_wire, lang_to_wire, session_info};
use crate::errors::{CmdResult, to_ipc};
use crate::shell::Shell;
use salal_clinic::{Clinic, SetupRequest as ClinicSetup, StoreError};
use salal_core::i18n::UserMessage;
use salal_ipc::setup::{AppStatus, ClinicState, RecoverRequest, SetupRequest, SetupResult};
use tauri::State;

/// Whether a clinic exists here, opening it with the keyring's key if it does.
#[tauri::command(async)]
pub(crate) fn app_status(shell: State<'_, Shell>) -> CmdResult<AppStatus> {
    let lang = shell.lang();
    let state = if shell.clinic_if_open().is_some() {
        ClinicState::Ready
    } else if !Clinic::is_initialized(shell.data_dir()) {
        ClinicState::NotSetUp
    } else {
        match Clinic::open(shell.data_dir()) {
            Ok(clinic) => {
                shell.set_clinic(clinic);
                ClinicState::Ready
            }
            Err(
                StoreError::KeyMissing | StoreError::WrongKey | StoreError::KeyringUnavailable(_),
            ) => ClinicState::NeedsRecoveryKey,
            Err(error) => ClinicState::Unavailable {
                message: error.localized(lang),
            },
        }
    };
    let clinic_name = shell.clinic_if_open().and_then(|c| c.clinic_name().ok());
    Ok(AppStatus {
        state,
        lang: lang_to_wire(lang),
        clinic_name,
        session: shell
            .signed_in()
            .ok()
            .map(|(_, session)| session_info(&session, shell.idle_limit())),
        demo: std::env::var_os("SALAL_DEMO").is_some_and(|v| v == "1"),
    })
}

/// First run: creates the encrypted database, the clinic and its first administrator.
#[tauri::command(async)]
pub(crate) fn setup_clinic(shell: State<'_, Shell>, req: SetupRequest) -> CmdResult<SetupResult> {
    let lang = lang_from_wire(req.lang);
    let request = ClinicSetup {
        clinic_name: req.clinic_name,
        admin_username: req.admin_username,
        admin_display_name: req.admin_display_name,
        admin_password: req.admin_password,
        language: lang,
    };
    let (clinic, receipt) =
        Clinic::setup(shell.data_dir(), &request).map_err(|e| to_ipc(&e, lang))?;
    shell.set_clinic(clinic);
    shell.set_local_lang(lang);
    Ok(SetupResult {
        recovery_key: receipt.recovery_key.as_str().to_owned(),
    })
}

/// Opens the data with the recovery key; answers the clinic's name.
#[tauri::command(async)]
pub(crate) fn recover_with_key(
    shell: State<'_, Shell>,
    req: RecoverRequest,
) -> CmdResult<Option<String>> {
    let lang = shell.lang();
    let clinic = Clinic::open_with_recovery_key(shell.data_dir(), req.recovery_key.trim())
        .map_err(|e| to_ipc(&e, lang))?;
    let clinic = shell.set_clinic(clinic);
    Ok(clinic.clinic_name().ok())
}
