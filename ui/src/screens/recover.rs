//! Reopen the clinic's data with the recovery key, when this computer's keyring
//! no longer holds the database key (new computer, keyring reset).

use crate::app::{Screen, state};
use crate::i18n::t;
use crate::transport::call;
use crate::widgets::{ErrorBanner, SubmitRow, TextField, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::setup::RecoverRequest;
use salal_ipc::{IpcError, cmd};

/// The recovery-key screen.
#[component]
pub(crate) fn Recover() -> impl IntoView {
    let app = state();
    let key = RwSignal::new(String::new());
    let error = RwSignal::new(None::<IpcError>);
    let busy = RwSignal::new(false);
    let first = NodeRef::<Input>::new();
    focus_on_mount(first);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = RecoverRequest {
            recovery_key: key.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match call::<_, Option<String>>(cmd::RECOVER, &req).await {
                Ok(clinic_name) => {
                    app.clinic_name.set(clinic_name);
                    app.go(Screen::Login);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.try_set(false);
        });
    };
    view! {
        <section class="card narrow" id="recover-screen">
            <h1>{t("ui.recover.title")}</h1>
            <p class="lead">{t("ui.recover.intro")}</p>
            <ErrorBanner error=error/>
            <form on:submit=submit>
                <TextField label="ui.recover.key" id="recover-key" value=key node_ref=first required=true/>
                <SubmitRow id="recover-submit" label="ui.recover.submit" busy=busy/>
            </form>
        </section>
    }
}
