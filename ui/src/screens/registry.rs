//! The link to the registry, for clinic administrators: enroll this computer
//! with the registry's address and a one-time enrollment code; once linked,
//! where it stands (the background sync then runs by itself).

use crate::app::{Screen, state};
use crate::i18n::{bilingual_tracked, moment_text, t, t_args_tracked, t_key, t_now};
use crate::screens::status_bar::sync_now;
use crate::transport::call;
use crate::widgets::{ErrorBanner, Submit, SubmitRow, TextField, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use salal_ipc::sync::{EnrollRequest, SyncStatusView};
use salal_ipc::{IpcError, cmd};

/// The registry screen.
#[component]
pub(crate) fn Registry() -> impl IntoView {
    let app = state();
    app.refresh_sync();
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            app.go(Screen::Search);
        }
    };
    view! {
        <section class="card narrow" id="registry-screen" on:keydown=on_key>
            <h1>{t("ui.registry.title")}</h1>
            <Show when=move || app.notice.with(Option::is_some)>
                <p class="banner success" role="status" id="notice">{move || app.notice.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || app.sync.with(|s| s.enrolled) fallback=|| view! { <EnrollForm/> }>
                <Linked/>
            </Show>
        </section>
    }
}

/// Registry address and enrollment code.
#[component]
fn EnrollForm() -> impl IntoView {
    let app = state();
    let url = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let submit = Submit::new();
    let first = NodeRef::<Input>::new();
    focus_on_mount(first);
    let enroll = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(move || {
            let registry_url = url.get_untracked().trim().to_owned();
            if !registry_url.starts_with("https://") {
                return Err(
                    IpcError::new("form.registry_url", t_now("ui.registry.bad_url"))
                        .with_field("registry_url"),
                );
            }
            let req = EnrollRequest {
                registry_url,
                code: code.get_untracked().trim().to_owned(),
            };
            Ok(async move {
                let status = call::<_, SyncStatusView>(cmd::ENROLL, &req).await?;
                app.notice.set(Some(crate::i18n::t_args(
                    "ui.registry.enrolled",
                    &[("url", status.registry_url.clone())],
                )));
                app.sync.set(status);
                Ok(())
            })
        });
    };
    view! {
        <p class="lead">{t("ui.registry.intro")}</p>
        <ErrorBanner error=submit.error/>
        <form on:submit=enroll id="enroll-form">
            <TextField label="ui.registry.url" id="enroll-url" value=url hint="ui.registry.url_hint"
                node_ref=first required=true class="wide"/>
            <TextField label="ui.registry.code" id="enroll-code" value=code hint="ui.registry.code_hint"
                required=true class="wide"/>
            <SubmitRow id="enroll-submit" label="ui.registry.enroll" busy=submit.busy/>
        </form>
    }
}

/// Linked: the registry's address and the sync state in full.
#[component]
fn Linked() -> impl IntoView {
    let app = state();
    let url = move || app.sync.with(|s| s.registry_url.clone());
    let last = move || {
        app.sync.with(|s| match &s.last_success {
            Some(at) => moment_text(app.lang.get(), at),
            None => t_key("ui.sync.never"),
        })
    };
    let count = move |pick: fn(&SyncStatusView) -> u64| move || app.sync.with(pick).to_string();
    let error = move || {
        app.sync
            .with(|s| s.last_error.as_ref().map(bilingual_tracked))
    };
    view! {
        <p id="registry-linked">{move || t_args_tracked("ui.registry.linked", &[("url", url())])}</p>
        <dl class="facts">
            <dt>{t("ui.registry.last_success")}</dt>
            <dd id="registry-last">{last}</dd>
            <dt>{t("ui.registry.waiting")}</dt>
            <dd id="registry-waiting">{count(|s| s.waiting)}</dd>
            <dt>{t("ui.registry.rejected")}</dt>
            <dd id="registry-rejected">{count(|s| s.rejected)}</dd>
        </dl>
        <Show when=move || error().is_some()>
            <p class="banner error" role="alert" id="registry-error">{move || error().unwrap_or_default()}</p>
        </Show>
        <div class="actions">
            <button class="primary" id="registry-sync-now" aria-keyshortcuts="F9"
                disabled=move || app.sync.with(|s| s.syncing)
                on:click=move |_| sync_now(app)>
                {t("ui.sync.now")}
            </button>
        </div>
    }
}
