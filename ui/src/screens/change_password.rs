//! Choose a new password: forced after expiry (the current one was just typed
//! at sign-in), or on request.

use crate::app::{Screen, state};
use crate::i18n::{t, t_now};
use crate::transport::call;
use crate::widgets::{ErrorBanner, SubmitRow, TextField, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::session::{ChangePasswordRequest, SessionInfo};
use salal_ipc::{IpcError, cmd};

/// The password change screen.
#[component]
pub(crate) fn ChangePassword(username: String, current: String) -> impl IntoView {
    let app = state();
    let forced = !current.is_empty();
    let current = RwSignal::new(current);
    let new_password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = RwSignal::new(None::<IpcError>);
    let busy = RwSignal::new(false);
    let first = NodeRef::<Input>::new();
    focus_on_mount(first);
    let user = username.clone();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if new_password.get_untracked() != confirm.get_untracked() {
            error.set(Some(IpcError::new(
                "form.password_mismatch",
                t_now("ui.error.password_mismatch"),
            )));
            return;
        }
        let req = ChangePasswordRequest {
            username: user.clone(),
            current_password: current.get_untracked(),
            new_password: new_password.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match call::<_, SessionInfo>(cmd::CHANGE_PASSWORD, &req).await {
                Ok(session) => app.signed_in(session),
                Err(e) => error.set(Some(e)),
            }
            busy.try_set(false);
        });
    };

    view! {
        <section class="card narrow" id="change-password-screen">
            <h1>{t("ui.password.title")}</h1>
            {forced.then(|| view! { <p class="banner info" role="status">{t("ui.password.expired")}</p> })}
            <p class="lead">{username}</p>
            <ErrorBanner error=error/>
            <form on:submit=submit>
                {(!forced).then(|| view! {
                    <TextField label="ui.password.current" id="password-current" value=current kind="password"/>
                })}
                <TextField label="ui.password.new" id="password-new" value=new_password kind="password" node_ref=first/>
                <TextField label="ui.password.confirm" id="password-confirm" value=confirm kind="password"/>
                <p class="hint">{t("ui.setup.password_rules")}</p>
                {if forced {
                    view! { <SubmitRow id="password-submit" label="ui.password.submit" busy=busy/> }.into_any()
                } else {
                    view! {
                        <SubmitRow id="password-submit" label="ui.password.submit" busy=busy
                            cancel=("password-cancel", Callback::new(move |()| app.go(Screen::Search)))/>
                    }.into_any()
                }}
            </form>
        </section>
    }
}
