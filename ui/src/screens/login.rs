//! Sign in. A wrong password says so and keeps the user name; an expired
//! password leads straight to choosing a new one.

use crate::app::{Screen, state};
use crate::i18n::t;
use crate::transport::call;
use crate::widgets::{ErrorBanner, SubmitRow, TextField, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::session::{LoginOutcome, LoginRequest};
use salal_ipc::{IpcError, cmd};

/// The sign-in screen.
#[component]
pub(crate) fn Login() -> impl IntoView {
    let app = state();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<IpcError>);
    let busy = RwSignal::new(false);
    let first = NodeRef::<Input>::new();
    let password_ref = NodeRef::<Input>::new();
    focus_on_mount(first);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = LoginRequest {
            username: username.get_untracked(),
            password: password.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match call::<_, LoginOutcome>(cmd::LOGIN, &req).await {
                Ok(LoginOutcome::SignedIn { session }) => app.signed_in(session),
                Ok(LoginOutcome::PasswordExpired) => {
                    app.go(Screen::ChangePassword {
                        username: req.username,
                        current: req.password,
                    });
                }
                Err(e) => {
                    error.set(Some(e));
                    password.set(String::new());
                    if let Some(input) = password_ref.get_untracked() {
                        input.focus().ok();
                    }
                }
            }
            busy.try_set(false);
        });
    };

    view! {
        <section class="card narrow" id="login-screen">
            <h1>{t("ui.login.title")}</h1>
            <Show when=move || app.idle_signed_out.get()>
                <p class="banner warning" role="status" id="idle-notice">{t("ui.login.idle")}</p>
            </Show>
            <ErrorBanner error=error/>
            <form on:submit=submit>
                <TextField label="ui.login.username" id="login-username" value=username node_ref=first required=true/>
                <TextField label="ui.login.password" id="login-password" value=password kind="password"
                    node_ref=password_ref required=true/>
                <SubmitRow id="login-submit" label="ui.login.submit" busy=busy/>
            </form>
        </section>
    }
}
