//! The status bar: language (switchable at any time, remembered for the user),
//! who is signed in, and the sync state.

use crate::app::{Screen, state};
use crate::i18n::{t, t_key, to_wire};
use crate::transport::call;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_core::i18n::Lang;
use salal_ipc::cmd;
use salal_ipc::session::SetLanguageRequest;

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
            // Pick-list labels (sexes, roles) come translated from the shell.
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
                <button class="link" id="sign-out" on:click=sign_out>{t("ui.status.sign_out")}</button>
            </Show>
            <Show when=move || app.demo.get()>
                <span class="status-item demo">{t("ui.status.demo")}</span>
            </Show>
            <span class="status-item sync" id="status-sync">{t("ui.status.sync_off")}</span>
        </footer>
    }
}
