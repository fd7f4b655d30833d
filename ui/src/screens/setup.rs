//! First-run setup: the clinic, its first administrator, then the recovery key
//! (shown once, to print or write down) with a confirmation step.

use crate::app::{Screen, state};
use crate::i18n::{t, t_now, to_wire};
use crate::transport::call;
use crate::widgets::{ErrorBanner, SubmitRow, TextField, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::setup::{SetupRequest, SetupResult};
use salal_ipc::{IpcError, cmd};

/// The setup screen.
#[component]
pub(crate) fn Setup() -> impl IntoView {
    let recovery_key = RwSignal::new(None::<String>);
    view! {
        {move || match recovery_key.get() {
            None => view! { <SetupForm recovery_key=recovery_key/> }.into_any(),
            Some(key) => view! { <RecoveryKey key=key/> }.into_any(),
        }}
    }
}

#[component]
fn SetupForm(recovery_key: RwSignal<Option<String>>) -> impl IntoView {
    let app = state();
    let clinic = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = RwSignal::new(None::<IpcError>);
    let busy = RwSignal::new(false);
    let first = NodeRef::<Input>::new();
    focus_on_mount(first);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if password.get_untracked() != confirm.get_untracked() {
            error.set(Some(IpcError::new(
                "form.password_mismatch",
                t_now("ui.error.password_mismatch"),
            )));
            return;
        }
        let req = SetupRequest {
            clinic_name: clinic.get_untracked(),
            admin_username: username.get_untracked(),
            admin_display_name: display_name.get_untracked(),
            admin_password: password.get_untracked(),
            lang: to_wire(app.lang.get_untracked()),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match call::<_, SetupResult>(cmd::SETUP, &req).await {
                Ok(result) => {
                    app.clinic_name.set(Some(req.clinic_name));
                    recovery_key.set(Some(result.recovery_key));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.try_set(false);
        });
    };

    view! {
        <section class="card medium" id="setup-screen">
            <h1>{t("ui.setup.title")}</h1>
            <p class="lead">{t("ui.setup.intro")}</p>
            <ErrorBanner error=error/>
            <form on:submit=submit>
                <TextField label="ui.setup.clinic_name" id="setup-clinic" value=clinic node_ref=first required=true/>
                <h2>{t("ui.setup.admin_heading")}</h2>
                <div class="row">
                    <TextField label="ui.setup.admin_display_name" id="setup-display-name" value=display_name required=true/>
                    <TextField label="ui.setup.admin_username" id="setup-username" value=username required=true/>
                </div>
                <div class="row">
                    <TextField label="ui.setup.password" id="setup-password" value=password kind="password" required=true/>
                    <TextField label="ui.setup.password_confirm" id="setup-password-confirm" value=confirm kind="password" required=true/>
                </div>
                <p class="hint">{t("ui.setup.password_rules")}</p>
                <SubmitRow id="setup-submit" label="ui.setup.submit" busy=busy/>
            </form>
        </section>
    }
}

/// The recovery key, once: print or write it down, then confirm its last group.
#[component]
fn RecoveryKey(key: String) -> impl IntoView {
    let app = state();
    let written = RwSignal::new(false);
    let last_group = RwSignal::new(String::new());
    let error = RwSignal::new(None::<IpcError>);
    let expected: String = key.rsplit(['-', ' ']).next().unwrap_or_default().to_owned();
    let checkbox = NodeRef::<Input>::new();
    Effect::new(move |_| {
        if let Some(input) = checkbox.get() {
            input.focus().ok();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = last_group.get_untracked().trim().to_uppercase();
        if !written.get_untracked() || typed != expected.to_uppercase() {
            error.set(Some(IpcError::new(
                "form.recovery_confirm",
                t_now("ui.error.recovery_confirm"),
            )));
            return;
        }
        app.go(Screen::Login);
    };
    let print = move |_| {
        window().print().ok();
    };
    view! {
        <section class="card medium" id="recovery-screen">
            <h1>{t("ui.recovery.title")}</h1>
            <p class="lead">{t("ui.recovery.intro")}</p>
            <p class="recovery-key" id="recovery-key" aria-label=t("ui.recovery.key_label")>{key}</p>
            <button type="button" id="recovery-print" on:click=print>{t("ui.recovery.print")}</button>
            <ErrorBanner error=error/>
            <form on:submit=submit class="no-print">
                <label class="check">
                    <input type="checkbox" id="recovery-written" node_ref=checkbox bind:checked=written/>
                    {t("ui.recovery.written")}
                </label>
                <TextField label="ui.recovery.confirm_last" id="recovery-confirm" value=last_group class="narrow"/>
                <div class="actions">
                    <button type="submit" id="recovery-continue" class="primary">{t("ui.recovery.continue")}</button>
                </div>
            </form>
        </section>
    }
}
