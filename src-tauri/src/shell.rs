//! The shell's state: where the clinic's data lives, the open [`Clinic`], the
//! signed-in [`Session`], and the language to use before anyone signs in.
//!
//! One window, one user at a time: the session lives here, never in the UI.
//! The language chosen on this computer is remembered in a small file beside
//! the database so the sign-in screen opens in it next time.

use crate::errors::{CmdResult, not_set_up, not_signed_in};
use salal_clinic::{Clinic, Session};
use salal_core::i18n::Lang;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

const LANGUAGE_FILE: &str = "ui-language";

/// Managed Tauri state.
pub(crate) struct Shell {
    data_dir: PathBuf,
    clinic: Mutex<Option<Arc<Clinic>>>,
    session: Mutex<Option<Session>>,
    lang: Mutex<Lang>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here is left half-changed by a panic; keep serving.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shell {
    pub(crate) fn new(data_dir: PathBuf) -> Shell {
        let lang = std::fs::read_to_string(data_dir.join(LANGUAGE_FILE))
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_default();
        Shell {
            data_dir,
            clinic: Mutex::new(None),
            session: Mutex::new(None),
            lang: Mutex::new(lang),
        }
    }

    pub(crate) fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The language for messages now: the signed-in user's, else this computer's.
    pub(crate) fn lang(&self) -> Lang {
        lock(&self.session)
            .as_ref()
            .map_or_else(|| *lock(&self.lang), Session::language)
    }

    /// Sets this computer's language and remembers it (best effort: a read-only
    /// disk only means the next start opens in the default language).
    pub(crate) fn set_local_lang(&self, lang: Lang) {
        *lock(&self.lang) = lang;
        if self.data_dir.is_dir() {
            std::fs::write(self.data_dir.join(LANGUAGE_FILE), lang.code()).ok();
        }
    }

    pub(crate) fn clinic_if_open(&self) -> Option<Arc<Clinic>> {
        lock(&self.clinic).clone()
    }

    pub(crate) fn clinic(&self) -> CmdResult<Arc<Clinic>> {
        self.clinic_if_open().ok_or_else(|| not_set_up(self.lang()))
    }

    pub(crate) fn set_clinic(&self, clinic: Clinic) -> Arc<Clinic> {
        let clinic = Arc::new(clinic);
        *lock(&self.clinic) = Some(Arc::clone(&clinic));
        clinic
    }

    /// The open clinic and the signed-in user, or the "sign in again" error.
    pub(crate) fn signed_in(&self) -> CmdResult<(Arc<Clinic>, Session)> {
        let clinic = self.clinic()?;
        let session = lock(&self.session)
            .clone()
            .ok_or_else(|| not_signed_in(self.lang()))?;
        Ok((clinic, session))
    }

    pub(crate) fn session(&self) -> Option<Session> {
        lock(&self.session).clone()
    }

    pub(crate) fn set_session(&self, session: Option<Session>) {
        if let Some(s) = &session {
            self.set_local_lang(s.language());
        }
        *lock(&self.session) = session;
    }
}
