//! Background sync with the registry: one worker thread per app, so two syncs
//! never run at once. It syncs when the replica is enrolled — at start, every
//! few minutes, when a network link comes up, and when asked ("Sync now",
//! enrollment) — and backs off exponentially after a failure (15 s doubling to
//! 10 min, back to the regular interval after a success). Progress and each
//! outcome go to the UI as Tauri events (`salal_ipc::event`), never polled.
//!
//! When to sync is [`Schedule`], a pure value tested below; the thread is
//! [`start`]; the UI's way in is [`SyncHandle`].

use crate::convert::sync_status_view;
use crate::shell::Shell;
use salal_clinic::{Clinic, SyncError, SyncProgress};
use salal_ipc::event;
use salal_ipc::sync::{SyncProgressView, SyncStatusView};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tauri::{AppHandle, Emitter, Manager};

/// Between two syncs that went well.
pub(crate) const INTERVAL: Duration = Duration::from_secs(5 * 60);
/// The first wait after a failure; it doubles with each failure in a row.
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_secs(15);
/// The longest wait after failures.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);
/// How often the worker looks at the network links (and for an opened clinic).
const TICK: Duration = Duration::from_secs(5);

/// When the next sync is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Schedule {
    next: Instant,
    failures: u32,
}

impl Schedule {
    /// Due at once (the first sync after start).
    pub(crate) fn new(now: Instant) -> Schedule {
        Schedule {
            next: now,
            failures: 0,
        }
    }

    pub(crate) fn is_due(&self, now: Instant) -> bool {
        now >= self.next
    }

    /// How long until the next sync is due (zero when it is).
    pub(crate) fn wait(&self, now: Instant) -> Duration {
        self.next.saturating_duration_since(now)
    }

    /// A sync went well: the regular interval, and failures are forgotten.
    pub(crate) fn succeeded(&mut self, now: Instant) {
        self.failures = 0;
        self.next = now + INTERVAL;
    }

    /// A sync failed: wait 15 s, then 30 s, 1 min… up to 10 min.
    pub(crate) fn failed(&mut self, now: Instant) {
        let backoff = FIRST_BACKOFF
            .saturating_mul(1 << self.failures.min(16))
            .min(MAX_BACKOFF);
        self.failures = self.failures.saturating_add(1);
        self.next = now + backoff;
    }

    /// Sync at once: asked by someone, or a link came up (a failure was
    /// probably the missing network, so the backoff starts over).
    pub(crate) fn now(&mut self, now: Instant) {
        self.failures = 0;
        self.next = now;
    }
}

#[derive(Default)]
struct Wake {
    sync_now: bool,
    refresh: bool,
}

#[derive(Default)]
struct Shared {
    wake: Mutex<Wake>,
    bell: Condvar,
    syncing: AtomicBool,
}

/// Managed Tauri state: asks the worker to sync or to report the status.
#[derive(Clone, Default)]
pub(crate) struct SyncHandle {
    shared: Arc<Shared>,
}

impl SyncHandle {
    /// Sync as soon as the running one (if any) is done.
    pub(crate) fn sync_now(&self) {
        self.poke(|w| w.sync_now = true);
    }

    /// Local changes were saved: send the UI the new "waiting" count.
    pub(crate) fn changed(&self) {
        self.poke(|w| w.refresh = true);
    }

    /// Whether a sync is running.
    pub(crate) fn syncing(&self) -> bool {
        self.shared.syncing.load(Ordering::SeqCst)
    }

    fn poke(&self, set: impl FnOnce(&mut Wake)) {
        let mut wake = self
            .shared
            .wake
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        set(&mut wake);
        self.shared.bell.notify_all();
    }

    /// Waits up to `timeout` for a poke; answers what was asked.
    fn wait(&self, timeout: Duration) -> Wake {
        let guard = self
            .shared
            .wake
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (mut guard, _) = self
            .shared
            .bell
            .wait_timeout_while(guard, timeout, |w| !w.sync_now && !w.refresh)
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *guard)
    }
}

/// The status for the UI (also what the `sync_status` command answers).
pub(crate) fn status(clinic: &Clinic, syncing: bool) -> SyncStatusView {
    match clinic.sync_status() {
        Ok(status) => sync_status_view(&status, syncing),
        Err(error) => {
            #[expect(clippy::print_stderr, reason = "the shell has no other log")]
            {
                eprintln!("salal-clinic: sync status unavailable: {error}");
            }
            SyncStatusView {
                syncing,
                ..SyncStatusView::default()
            }
        }
    }
}

fn emit_status(app: &AppHandle, clinic: &Clinic, syncing: bool) {
    app.emit(event::SYNC_STATUS, status(clinic, syncing)).ok();
}

fn progress_view(progress: SyncProgress) -> SyncProgressView {
    match progress {
        SyncProgress::Pushing { sent, total } => SyncProgressView::Pushing { sent, total },
        SyncProgress::Pulling {
            received,
            remaining,
        } => SyncProgressView::Pulling {
            received,
            remaining,
        },
    }
}

/// Starts the worker thread (once, at app start).
pub(crate) fn start(app: AppHandle, handle: SyncHandle) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("salal-sync".to_owned())
        .spawn(move || run(&app, &handle))
        .map(|_| ())
}

fn run(app: &AppHandle, handle: &SyncHandle) {
    let mut schedule = Schedule::new(Instant::now());
    let mut links = Links::default();
    let mut wait = Duration::ZERO;
    loop {
        let wake = handle.wait(wait);
        // Not open, not linked, or not due: look again at the next tick at the latest.
        wait = TICK;
        let now = Instant::now();
        if links.came_up() || wake.sync_now {
            schedule.now(now);
        }
        let Some(clinic) = app.state::<Shell>().clinic_if_open() else {
            continue;
        };
        if wake.refresh {
            emit_status(app, &clinic, false);
        }
        if !clinic.is_enrolled().unwrap_or(false) {
            continue;
        }
        if !schedule.is_due(now) {
            wait = schedule.wait(now).min(TICK);
            continue;
        }
        handle.shared.syncing.store(true, Ordering::SeqCst);
        emit_status(app, &clinic, true);
        let result = clinic.sync(&mut |progress| {
            app.emit(event::SYNC_PROGRESS, progress_view(progress)).ok();
        });
        handle.shared.syncing.store(false, Ordering::SeqCst);
        let done = Instant::now();
        match result {
            Ok(_) => schedule.succeeded(done),
            // Unlinked meanwhile: nothing to retry until someone enrolls again.
            Err(SyncError::NotEnrolled) => schedule.succeeded(done),
            Err(_) => schedule.failed(done),
        }
        emit_status(app, &clinic, false);
        wait = schedule.wait(done).min(TICK);
    }
}

/// The network links that are up, to notice one coming up (Linux: sysfs;
/// elsewhere none are seen and the interval and backoff do the work).
#[derive(Default)]
struct Links {
    up: Option<BTreeSet<String>>,
}

impl Links {
    fn came_up(&mut self) -> bool {
        let now = links_up();
        let came = self
            .up
            .as_ref()
            .is_some_and(|before| now.iter().any(|l| !before.contains(l)));
        self.up = Some(now);
        came
    }
}

fn links_up() -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir("/sys/class/net") else {
        return BTreeSet::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_name() != "lo")
        .filter(|e| {
            std::fs::read_to_string(e.path().join("operstate")).is_ok_and(|s| s.trim() == "up")
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_from_15_seconds_doubling_to_10_minutes() {
        let start = Instant::now();
        let mut s = Schedule::new(start);
        assert!(s.is_due(start), "the first sync runs at once");
        let waits: Vec<u64> = (0..8)
            .map(|_| {
                s.failed(start);
                s.wait(start).as_secs()
            })
            .collect();
        assert_eq!(waits, [15, 30, 60, 120, 240, 480, 600, 600]);
        s.succeeded(start);
        assert_eq!(s.wait(start), INTERVAL, "a success resets the backoff");
        s.failed(start);
        assert_eq!(s.wait(start), FIRST_BACKOFF);
    }

    #[test]
    fn asking_or_a_link_coming_up_makes_it_due_and_resets_the_backoff() {
        let start = Instant::now();
        let mut s = Schedule::new(start);
        for _ in 0..5 {
            s.failed(start);
        }
        assert!(!s.is_due(start));
        s.now(start);
        assert!(s.is_due(start));
        s.failed(start);
        assert_eq!(s.wait(start), FIRST_BACKOFF);
    }

    #[test]
    fn a_poke_wakes_the_worker_and_says_why() {
        let handle = SyncHandle::default();
        let other = handle.clone();
        let t = std::thread::spawn(move || other.wait(Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(50));
        handle.sync_now();
        let wake = t.join().unwrap();
        assert!(wake.sync_now && !wake.refresh);
        // Nothing asked: the wait times out with nothing to do.
        let wake = handle.wait(Duration::from_millis(10));
        assert!(!wake.sync_now && !wake.refresh);
    }
}
