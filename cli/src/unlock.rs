//! Opening the clinic's database and signing in, for one command.

use crate::CliError;
use salal_clinic::{Clinic, LoginError, Session, StoreError};
use salal_core::i18n::{Lang, tr, tr_args};
use std::io::IsTerminal;
use std::path::Path;

/// A secret from an environment variable, or typed at a terminal prompt.
pub(crate) fn secret(
    env: &str,
    prompt: &str,
    missing: &str,
    lang: Lang,
) -> Result<String, CliError> {
    if let Ok(value) = std::env::var(env) {
        return Ok(value);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).map_err(|e| CliError::input(e.to_string()));
    }
    Err(CliError::input(tr(lang, missing).to_owned()))
}

/// Opens the clinic: the OS keyring first, the recovery key when the keyring cannot help.
pub(crate) fn open(dir: &Path, lang: Lang) -> Result<Clinic, CliError> {
    match Clinic::open(dir) {
        Ok(clinic) => Ok(clinic),
        Err(err @ (StoreError::KeyMissing | StoreError::KeyringUnavailable(_))) => {
            if std::env::var_os("SALAL_RECOVERY_KEY").is_none() && !std::io::stdin().is_terminal() {
                let hint = tr(lang, "cli.needs_recovery_key");
                return Err(CliError::input(format!(
                    "{} {hint}",
                    crate::CliError::from_error(&err, lang).message
                )));
            }
            let key = secret(
                "SALAL_RECOVERY_KEY",
                tr(lang, "cli.recovery_prompt"),
                "cli.needs_recovery_key",
                lang,
            )?;
            Clinic::open_with_recovery_key(dir, &key).map_err(|e| CliError::from_error(&e, lang))
        }
        Err(err) => Err(CliError::from_error(&err, lang)),
    }
}

/// Signs in the acting user (SALAL_USER / --user, SALAL_PASSWORD or a prompt).
pub(crate) fn login(clinic: &Clinic, user: Option<&str>, lang: Lang) -> Result<Session, CliError> {
    let Some(user) = user else {
        return Err(CliError::input(tr_args(
            lang,
            "error.patient.required",
            &[("field", tr(lang, "field.username").to_owned())],
        )));
    };
    let prompt = tr_args(lang, "cli.password_prompt", &[("user", user.to_owned())]);
    let password = secret("SALAL_PASSWORD", &prompt, "cli.needs_password", lang)?;
    clinic
        .login(user, &password)
        .map_err(|e: LoginError| CliError::from_error(&e, lang))
}
