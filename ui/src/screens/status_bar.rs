//! The status bar: language (switchable at any time, remembered for the user),
//! who is signed in, and where this computer stands with the registry: the
//! last successful sync, changes waiting, changes refused, the last error, a
//! running sync's progress, and "Sync now" (F9). All of it follows the shell's
//! sync events; nothing is polled.

use crate::app::{AppState, Screen, state};
use crate::i18n::{bilingual_tracked, moment_text, t, t_args_tracked, t_key, to_wire};
use crate::transport::call;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_core::i18n::Lang;
use salal_ipc::cmd;
use salal_ipc::session::SetLanguageRequest;
use salal_ipc::sync::SyncProgressView;

/// Asks the shell to sync now (the button and F9); nothing when not linked
/// or a sync already runs.
pub(crate) fn sync_now(app: AppState) {
    let ready = app.sync.with_untracked(|s| s.enrolled && !s.syncing);
    if !ready {
        return;
    }
    app.sync.update(|s| s.syncing = true);
    spawn_local(async move {
        if call::<_, ()>(cmd::SYNC_NOW, &()).await.is_err() {
            // Not started (signed out, unlinked meanwhile): show what is true.
            app.refresh_sync();
        }
    });
}

/// The bar at the bottom of the window.
#[component]
pub(crate) fn StatusBar() -> impl IntoView {
    let app = state();
    let change_language = move |ev: leptos::ev::Event| {
        let Ok(lang) = event_target_value(&ev).parse::<Lang>() else {
            return;
        };
        app.lang.set(lang);
        app.session.update(|s| {
            if let Some(s) = s {
                s.lang = to_wire(lang);
            }
        });
        let signed_in = app.session.with_untracked(Option::is_some);
        spawn_local(async move {
            // The language is already switched on screen; remembering it is best effort.
            call::<_, ()>(
                cmd::SET_LANGUAGE,
                &SetLanguageRequest {
                    lang: to_wire(lang),
                },
            )
            .await
            .ok();
            // Now the shell answers in it: texts it translates follow.
            app.shell_lang.set(lang);
            // Pick-list labels (sites, routes, sexes, roles...) come translated from the shell.
            if signed_in
                && let Ok(lists) = call::<_, salal_ipc::CodeLists>(cmd::CODE_LISTS, &()).await
            {
                app.codes.set(lists);
            }
        });
    };
    let sign_out = move |_| {
        spawn_local(async move {
            call::<_, ()>(cmd::LOGOUT, &()).await.ok();
            app.session.set(None);
            app.codes.set(salal_ipc::CodeLists::default());
            app.go(Screen::Login);
        });
    };
    view! {
        <footer class="statusbar" role="contentinfo">
            <label for="language-select" class="status-item">{t("ui.status.language")}</label>
            <select id="language-select" prop:value=move || app.lang.get().code().to_owned() on:change=change_language>
                {Lang::ALL.into_iter().map(|lang| {
                    let key = format!("ui.language.{}", lang.code());
                    view! { <option value=lang.code() selected=move || app.lang.get() == lang>{move || t_key(&key)}</option> }
                }).collect_view()}
            </select>
            <span class="status-item" id="status-user">
                {move || match app.session.get() {
                    Some(s) => s.display_name,
                    None => t_key("ui.status.signed_out"),
                }}
            </span>
            <Show when=move || app.session.with(Option::is_some)>
                <button class="link" id="change-my-password" on:click=move |_| {
                    if let Some(username) = app.session.with_untracked(|s| s.as_ref().map(|s| s.username.clone())) {
                        app.go(Screen::ChangePassword { username, current: String::new() });
                    }
                }>{t("ui.status.change_password")}</button>
                <button class="link" id="sign-out" on:click=sign_out>{t("ui.status.sign_out")}</button>
            </Show>
            <Show when=move || app.demo.get()>
                <span class="status-item demo">{t("ui.status.demo")}</span>
            </Show>
            <SyncState/>
        </footer>
    }
}

/// The sync part of the bar.
#[component]
fn SyncState() -> impl IntoView {
    let app = state();
    let enrolled = move || app.sync.with(|s| s.enrolled);
    let signed_in = move || app.session.with(Option::is_some);
    let last = move || {
        app.sync.with(|s| match &s.last_success {
            Some(at) => t_args_tracked(
                "ui.sync.last_success",
                &[("when", moment_text(app.lang.get(), at))],
            ),
            None => t_key("ui.sync.never"),
        })
    };
    let waiting = move || {
        t_args_tracked(
            "ui.sync.waiting",
            &[("count", app.sync.with(|s| s.waiting).to_string())],
        )
    };
    let rejected = move || app.sync.with(|s| s.rejected);
    let error = move || {
        app.sync
            .with(|s| s.last_error.as_ref().map(bilingual_tracked))
            .filter(|_| !app.sync.with(|s| s.syncing))
    };
    view! {
        <span class="status-item sync" id="status-sync" role="status" aria-live="polite">
            <Show when=enrolled fallback=|| view! { <span id="sync-not-linked">{t("ui.sync.not_linked")}</span> }>
                <span id="sync-last">{last}</span>
                <span class="sep" aria-hidden="true">"·"</span>
                <span id="sync-waiting">{waiting}</span>
                <Show when=move || { rejected() > 0 }>
                    <span class="sep" aria-hidden="true">"·"</span>
                    <span id="sync-rejected" class="sync-rejected">
                        {move || t_args_tracked("ui.sync.rejected", &[("count", rejected().to_string())])}
                    </span>
                </Show>
                <Show when=move || error().is_some()>
                    <span id="sync-error" class="sync-error" title=move || error().unwrap_or_default()>
                        {move || error().unwrap_or_default()}
                    </span>
                </Show>
                <SyncProgress/>
                <Show when=signed_in>
                    <button class="link" id="sync-now" aria-keyshortcuts="F9"
                        disabled=move || app.sync.with(|s| s.syncing)
                        on:click=move |_| sync_now(app)>
                        {t("ui.sync.now")}
                    </button>
                </Show>
            </Show>
        </span>
    }
}

/// "Syncing…" with a bar while a sync runs: sent of total, then received of
/// what the registry still has (a first sync can bring many records).
#[component]
fn SyncProgress() -> impl IntoView {
    let app = state();
    let syncing = move || app.sync.with(|s| s.syncing);
    let numbers = move || match app.sync_progress.get() {
        Some(SyncProgressView::Pushing { sent, total }) => Some((
            sent,
            total.max(sent),
            t_args_tracked(
                "ui.sync.pushing",
                &[("sent", sent.to_string()), ("total", total.to_string())],
            ),
        )),
        Some(SyncProgressView::Pulling {
            received,
            remaining,
        }) => Some((
            received,
            received + remaining,
            t_args_tracked(
                "ui.sync.pulling",
                &[
                    ("received", received.to_string()),
                    ("remaining", remaining.to_string()),
                ],
            ),
        )),
        None => None,
    };
    view! {
        <Show when=syncing>
            <span class="sync-progress" id="sync-progress">
                {move || match numbers() {
                    Some((done, all, text)) if all > 0 => view! {
                        <progress max=all.to_string() value=done.to_string()></progress>
                        <span>{text}</span>
                    }.into_any(),
                    Some((_, _, text)) => view! { <span class="spinner" aria-hidden="true"></span><span>{text}</span> }.into_any(),
                    None => view! { <span class="spinner" aria-hidden="true"></span><span>{t("ui.sync.running")}</span> }.into_any(),
                }}
            </span>
        </Show>
    }
}
