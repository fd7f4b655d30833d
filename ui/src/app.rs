//! The application shell: shared state, which screen is showing, the status bar.
//!
//! There is no router: [`Screen`] says what is showing and each screen sets the
//! next one. On start the shell's [`AppStatus`] decides between first-run
//! setup, the recovery-key screen and sign-in.

use crate::i18n::{from_wire, t};
use crate::screens::{
    audit::Audit, change_password::ChangePassword, dose_form::DoseForm, inventory::Inventory,
    login::Login, patient_form::PatientFormScreen, patient_record::PatientRecordScreen,
    recall::Recall, recover::Recover, registry::Registry, search::Search, setup::Setup,
    status_bar::StatusBar, status_bar::sync_now, users::Users,
};
use crate::transport::{call, listen};
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_core::i18n::Lang;
use salal_ipc::documents::RecallProgressView;
use salal_ipc::session::SessionInfo;
use salal_ipc::setup::{AppStatus, ClinicState};
use salal_ipc::sync::{SyncProgressView, SyncStatusView};
use salal_ipc::{CodeLists, cmd, event};
use wasm_bindgen::JsCast;

/// What the main area shows.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Screen {
    /// Asking the shell for its status.
    Loading,
    /// The data cannot be opened.
    Unavailable(String),
    /// First-run setup.
    Setup,
    /// Reopen the data with the recovery key.
    Recover,
    /// Sign in.
    Login,
    /// Choose a new password; `current` is set when coming from an expired sign-in.
    ChangePassword { username: String, current: String },
    /// Patient search (home).
    Search,
    /// Register a patient, the form prefilled from the search text.
    Register { prefill: String },
    /// Edit a patient's demographics.
    EditPatient { id: String },
    /// A patient's record.
    Record { id: String },
    /// Record an immunization event for a patient.
    RecordDose { patient_id: String },
    /// Users and roles.
    Users,
    /// The audit log (administrators), optionally about one patient.
    Audit { patient: Option<String> },
    /// The link to the registry (administrators).
    Registry,
    /// Reminder/recall: the families due or overdue, their letters, labels, CSV and calls.
    Recall,
    /// Vaccine inventory: stock, counts, orders, reports, temperatures.
    Inventory,
}

/// State every screen can reach, all `Copy` signals.
#[derive(Clone, Copy)]
pub(crate) struct AppState {
    /// The interface language.
    pub(crate) lang: RwSignal<Lang>,
    /// The language the shell answers in: set once the shell has taken a
    /// switch, so screens showing texts the shell translated (pick lists, a
    /// record's group captions) fetch them again then, not before.
    pub(crate) shell_lang: RwSignal<Lang>,
    /// What is showing.
    pub(crate) screen: RwSignal<Screen>,
    /// The signed-in user.
    pub(crate) session: RwSignal<Option<SessionInfo>>,
    /// The clinic's name.
    pub(crate) clinic_name: RwSignal<Option<String>>,
    /// Pick lists, fetched after sign-in.
    pub(crate) codes: RwSignal<CodeLists>,
    /// A short confirmation ("Patient saved"), cleared on the next screen change.
    pub(crate) notice: RwSignal<Option<String>>,
    /// Whether this is the demo clinic.
    pub(crate) demo: RwSignal<bool>,
    /// Where this computer stands with the registry (set by the shell's events).
    pub(crate) sync: RwSignal<SyncStatusView>,
    /// The running sync's progress, while one runs.
    pub(crate) sync_progress: RwSignal<Option<SyncProgressView>>,
    /// How far the recall letters being made are (set by the shell's events).
    pub(crate) recall_progress: RwSignal<Option<RecallProgressView>>,
    /// Whether the form showing holds typed changes not saved yet (the form
    /// sets it on input; [`AppState::go_anyway`] clears it).
    pub(crate) dirty: RwSignal<bool>,
    /// A screen asked for while the form held unsaved changes: the
    /// "leave without saving?" question is showing.
    pub(crate) leaving: RwSignal<Option<Screen>>,
    /// Forms left unsaved when their users were signed out for idleness.
    pub(crate) drafts: StoredValue<Vec<crate::idle::Draft>>,
    /// The values a reopened form gets back (see [`crate::idle`]).
    pub(crate) restoring: StoredValue<Option<Vec<crate::idle::FieldValue>>>,
    /// Whether the last sign-out was for idleness (the sign-in screen says so).
    pub(crate) idle_signed_out: RwSignal<bool>,
}

impl AppState {
    /// Shows another screen; from a form with unsaved changes, asks first.
    pub(crate) fn go(&self, screen: Screen) {
        if self.dirty.get_untracked() && self.screen.with_untracked(|s| *s != screen) {
            self.leaving.set(Some(screen));
            return;
        }
        self.go_anyway(screen);
    }

    /// Shows another screen, letting go of any unsaved form (after a save,
    /// or when the user chose to leave).
    pub(crate) fn go_anyway(&self, screen: Screen) {
        self.dirty.set(false);
        self.leaving.set(None);
        self.notice.set(None);
        self.screen.set(screen);
    }

    /// Signed in: remember who, use their language, fetch the pick lists, go home.
    pub(crate) fn signed_in(&self, session: SessionInfo) {
        self.lang.set(from_wire(session.lang));
        self.shell_lang.set(from_wire(session.lang));
        self.idle_signed_out.set(false);
        let back_to = crate::idle::take_draft(*self, &session.username);
        self.session.set(Some(session));
        let codes = self.codes;
        spawn_local(async move {
            if let Ok(lists) = call::<_, CodeLists>(cmd::CODE_LISTS, &()).await {
                codes.set(lists);
            }
        });
        self.refresh_sync();
        self.go_anyway(back_to.unwrap_or(Screen::Search));
    }

    /// Asks the shell where sync stands (later changes arrive as events).
    pub(crate) fn refresh_sync(&self) {
        let sync = self.sync;
        spawn_local(async move {
            if let Ok(status) = call::<_, SyncStatusView>(cmd::SYNC_STATUS, &()).await {
                sync.set(status);
            }
        });
    }
}

/// The state from context (provided by [`App`]).
pub(crate) fn state() -> AppState {
    expect_context::<AppState>()
}

/// The whole application.
#[component]
pub(crate) fn App() -> impl IntoView {
    let app = AppState {
        lang: RwSignal::new(Lang::En),
        shell_lang: RwSignal::new(Lang::En),
        screen: RwSignal::new(Screen::Loading),
        session: RwSignal::new(None),
        clinic_name: RwSignal::new(None),
        codes: RwSignal::new(CodeLists::default()),
        notice: RwSignal::new(None),
        demo: RwSignal::new(false),
        sync: RwSignal::new(SyncStatusView::default()),
        sync_progress: RwSignal::new(None),
        recall_progress: RwSignal::new(None),
        dirty: RwSignal::new(false),
        leaving: RwSignal::new(None),
        drafts: StoredValue::new(Vec::new()),
        restoring: StoredValue::new(None),
        idle_signed_out: RwSignal::new(false),
    };
    provide_context(app);
    crate::i18n::init(app.lang);
    crate::idle::watch(app);

    // The shell's background sync reports here, unasked.
    listen(event::SYNC_STATUS, move |status: SyncStatusView| {
        if !status.syncing {
            app.sync_progress.set(None);
        }
        app.sync.set(status);
    });
    listen(event::SYNC_PROGRESS, move |progress: SyncProgressView| {
        app.sync_progress.set(Some(progress));
    });
    listen(
        event::RECALL_PROGRESS,
        move |progress: RecallProgressView| {
            app.recall_progress.set(Some(progress));
        },
    );

    spawn_local(async move {
        match call::<_, AppStatus>(cmd::APP_STATUS, &()).await {
            Ok(status) => {
                app.lang.set(from_wire(status.lang));
                app.clinic_name.set(status.clinic_name);
                app.demo.set(status.demo);
                match status.state {
                    ClinicState::NotSetUp => app.go(Screen::Setup),
                    ClinicState::NeedsRecoveryKey => app.go(Screen::Recover),
                    ClinicState::Unavailable { message } => app.go(Screen::Unavailable(message)),
                    ClinicState::Ready => {
                        app.refresh_sync();
                        match status.session {
                            Some(session) => app.signed_in(session),
                            None => app.go(Screen::Login),
                        }
                    }
                }
            }
            Err(error) => app.go(Screen::Unavailable(crate::widgets::error_text(&error))),
        }
    });

    // Once signed in, anywhere: F2 back to patient search (the home screen),
    // F7 reminder/recall, F8 inventory, F9 sync with the registry now.
    let shortcut = window_event_listener(leptos::ev::keydown, move |ev| {
        if app.session.with_untracked(Option::is_none) {
            return;
        }
        match ev.key().as_str() {
            "F2" => {
                ev.prevent_default();
                app.go(Screen::Search);
            }
            "F7" => {
                ev.prevent_default();
                app.go(Screen::Recall);
            }
            "F8" => {
                ev.prevent_default();
                app.go(Screen::Inventory);
            }
            "F9" => {
                ev.prevent_default();
                sync_now(app);
            }
            _ => {}
        }
    });
    on_cleanup(move || shortcut.remove());

    // Keep the document's language in step, for screen readers and hyphenation.
    Effect::new(move |_| {
        let code = app.lang.get().code();
        if let Some(root) = document().document_element() {
            root.set_attribute("lang", code).ok();
        }
    });

    view! {
        <div class="app">
            <header class="topbar">
                <span class="brand">{t("ui.app.name")}</span>
                <span class="clinic">{move || app.clinic_name.get().unwrap_or_default()}</span>
                <Nav/>
            </header>
            <main class="main" id="main">
                {move || {
                    let screen = app.screen.get();
                    untrack(move || render(screen))
                }}
            </main>
            <StatusBar/>
            <Show when=move || app.leaving.with(Option::is_some)>
                <LeaveDialog/>
            </Show>
        </div>
    }
}

/// "Leave without saving?": asked when a shortcut or a link would take the
/// user away from a form holding unsaved changes. Staying is the default
/// (Enter or Esc); the form and its text stay as they were.
#[component]
fn LeaveDialog() -> impl IntoView {
    let app = state();
    let stay_button = NodeRef::<leptos::html::Button>::new();
    // Where the focus was, to give it back on "stay".
    let was_focused = StoredValue::new_local(document().active_element());
    Effect::new(move |_| {
        if let Some(button) = stay_button.get() {
            button.focus().ok();
        }
    });
    let stay = move || {
        app.leaving.set(None);
        if let Some(element) = was_focused.get_value()
            && let Ok(element) = element.dyn_into::<web_sys::HtmlElement>()
        {
            element.focus().ok();
        }
    };
    let leave = move || {
        if let Some(screen) = app.leaving.get_untracked() {
            app.go_anyway(screen);
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            ev.stop_propagation();
            stay();
        }
    };
    view! {
        <div class="overlay" on:keydown=on_key>
            <section class="dialog narrow" id="leave-dialog" role="alertdialog" aria-modal="true"
                aria-labelledby="leave-title" aria-describedby="leave-body">
                <h2 id="leave-title">{t("ui.leave.title")}</h2>
                <p id="leave-body">{t("ui.leave.body")}</p>
                <div class="actions">
                    <button type="button" id="leave-stay" class="primary" node_ref=stay_button
                        on:click=move |_| stay()>{t("ui.leave.stay")}</button>
                    <button type="button" id="leave-confirm"
                        on:click=move |_| leave()>{t("ui.leave.leave")}</button>
                </div>
            </section>
        </div>
    }
}

/// Top navigation once signed in.
#[component]
fn Nav() -> impl IntoView {
    let app = state();
    let is_admin = move || app.session.with(|s| s.as_ref().is_some_and(|s| s.is_admin));
    view! {
        <Show when=move || app.session.with(Option::is_some)>
            <nav class="nav">
                <button id="nav-search" class="link" aria-keyshortcuts="F2" on:click=move |_| app.go(Screen::Search)>
                    {t("ui.nav.search")}" "<kbd>"F2"</kbd>
                </button>
                <button id="nav-recall" class="link" aria-keyshortcuts="F7" on:click=move |_| app.go(Screen::Recall)>
                    {t("ui.nav.recall")}" "<kbd>"F7"</kbd>
                </button>
                <button id="nav-inventory" class="link" aria-keyshortcuts="F8" on:click=move |_| app.go(Screen::Inventory)>
                    {t("ui.nav.inventory")}" "<kbd>"F8"</kbd>
                </button>
                <Show when=is_admin>
                    <button id="nav-users" class="link" on:click=move |_| app.go(Screen::Users)>
                        {t("ui.nav.users")}
                    </button>
                    <button id="nav-registry" class="link" on:click=move |_| app.go(Screen::Registry)>
                        {t("ui.nav.registry")}
                    </button>
                    <button id="nav-audit" class="link" on:click=move |_| app.go(Screen::Audit { patient: None })>
                        {t("ui.nav.audit")}
                    </button>
                </Show>
            </nav>
        </Show>
    }
}

fn render(screen: Screen) -> AnyView {
    match screen {
        Screen::Loading => {
            view! { <div class="center muted">{t("ui.common.loading")}</div> }.into_any()
        }
        Screen::Unavailable(message) => view! {
            <section class="card narrow">
                <h1>{t("ui.unavailable.title")}</h1>
                <p class="banner error" role="alert">{message}</p>
            </section>
        }
        .into_any(),
        Screen::Setup => view! { <Setup/> }.into_any(),
        Screen::Recover => view! { <Recover/> }.into_any(),
        Screen::Login => view! { <Login/> }.into_any(),
        Screen::ChangePassword { username, current } => {
            view! { <ChangePassword username=username current=current/> }.into_any()
        }
        Screen::Search => view! { <Search/> }.into_any(),
        Screen::Register { prefill } => {
            view! { <PatientFormScreen id=None prefill=prefill/> }.into_any()
        }
        Screen::EditPatient { id } => {
            view! { <PatientFormScreen id=Some(id) prefill=String::new()/> }.into_any()
        }
        Screen::Record { id } => view! { <PatientRecordScreen id=id/> }.into_any(),
        Screen::RecordDose { patient_id } => view! { <DoseForm patient_id=patient_id/> }.into_any(),
        Screen::Users => view! { <Users/> }.into_any(),
        Screen::Audit { patient } => view! { <Audit patient=patient/> }.into_any(),
        Screen::Registry => view! { <Registry/> }.into_any(),
        Screen::Recall => view! { <Recall/> }.into_any(),
        Screen::Inventory => view! { <Inventory/> }.into_any(),
    }
}
