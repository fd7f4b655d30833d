//! Every failure crosses to the UI as an [`IpcError`]: a stable code (the
//! translation key without its `error.` prefix) and the message in the user's
//! language. Internal details are logged, never shown.

use salal_core::i18n::{Lang, UserMessage, tr};
use salal_ipc::IpcError;

/// What every command returns.
pub(crate) type CmdResult<T> = Result<T, IpcError>;

/// The wire form of a domain error.
pub(crate) fn to_ipc<E: UserMessage>(error: &E, lang: Lang) -> IpcError {
    let key = error.message_key();
    IpcError::new(
        key.strip_prefix("error.").unwrap_or(key),
        error.localized(lang),
    )
}

/// An error whose text lives in the UI's translation file.
pub(crate) fn ui_error(code: &str, key: &str, lang: Lang) -> IpcError {
    IpcError::new(code, tr(lang, key))
}

pub(crate) fn not_signed_in(lang: Lang) -> IpcError {
    ui_error("session.not_signed_in", "ui.error.not_signed_in", lang)
}

/// The session ended after `limit` without use.
pub(crate) fn idle_signed_out(lang: Lang, limit: std::time::Duration) -> IpcError {
    let minutes = (limit.as_secs_f64() / 60.0).ceil().max(1.0);
    IpcError::new(
        "session.idle",
        salal_core::i18n::tr_args(
            lang,
            "ui.error.idle_signed_out",
            &[("minutes", format!("{minutes:.0}"))],
        ),
    )
}

pub(crate) fn not_set_up(lang: Lang) -> IpcError {
    ui_error("clinic.not_set_up", "ui.error.not_set_up", lang)
}

pub(crate) fn bad_id(lang: Lang) -> IpcError {
    ui_error("request.bad_id", "ui.error.bad_id", lang)
}
