//! The shell's state: where the clinic's data lives, the open [`Clinic`], the
//! signed-in [`Session`], and the language to use before anyone signs in.
//!
//! One window, one user at a time: the session lives here, never in the UI.
//! A session unused for the idle limit (`SALAL_IDLE_MINUTES`, default 15) is
//! ended here whatever the UI does: "use" is the UI's [`cmd::STILL_HERE`]
//! reports of typing and clicks, never its background calls.
//!
//! [`cmd::STILL_HERE`]: salal_ipc::cmd::STILL_HERE
//! The language chosen on this computer is remembered in a small file beside
//! the database so the sign-in screen opens in it next time.

use crate::errors::{CmdResult, idle_signed_out, not_set_up, not_signed_in};
use salal_clinic::{Clinic, Session};
use salal_core::i18n::Lang;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

const LANGUAGE_FILE: &str = "ui-language";

/// The idle limit when `SALAL_IDLE_MINUTES` does not set one.
const DEFAULT_IDLE_MINUTES: f64 = 15.0;

/// The idle limit: `SALAL_IDLE_MINUTES` (minutes, fractions allowed, at
/// least 0.05), else 15 minutes.
fn idle_limit_from_env() -> Duration {
    std::env::var("SALAL_IDLE_MINUTES")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|m| m.is_finite() && *m >= 0.05 && *m <= 24.0 * 60.0)
        .map_or(Duration::from_secs_f64(DEFAULT_IDLE_MINUTES * 60.0), |m| {
            Duration::from_secs_f64(m * 60.0)
        })
}

/// Managed Tauri state.
pub(crate) struct Shell {
    data_dir: PathBuf,
    clinic: Mutex<Option<Arc<Clinic>>>,
    session: Mutex<Option<Session>>,
    lang: Mutex<Lang>,
    /// When the signed-in user last typed or clicked (as the UI reported).
    last_use: Mutex<Instant>,
    idle_limit: Duration,
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
            last_use: Mutex::new(Instant::now()),
            idle_limit: idle_limit_from_env(),
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
        let mut slot = lock(&self.session);
        let Some(session) = slot.clone() else {
            drop(slot);
            return Err(not_signed_in(self.lang()));
        };
        if lock(&self.last_use).elapsed() > self.idle_limit {
            *slot = None;
            drop(slot);
            return Err(idle_signed_out(self.lang(), self.idle_limit));
        }
        Ok((clinic, session))
    }

    /// How long a session may go unused.
    pub(crate) fn idle_limit(&self) -> Duration {
        self.idle_limit
    }

    /// The user typed or clicked: the session stays open (if it still is).
    pub(crate) fn still_here(&self) -> CmdResult<()> {
        self.signed_in()?;
        *lock(&self.last_use) = Instant::now();
        Ok(())
    }

    pub(crate) fn set_session(&self, session: Option<Session>) {
        if let Some(s) = &session {
            self.set_local_lang(s.language());
            *lock(&self.last_use) = Instant::now();
        }
        *lock(&self.session) = session;
    }
}
