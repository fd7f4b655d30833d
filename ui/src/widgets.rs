//! Small pieces every screen uses: labelled fields, pick lists, the error
//! banner, the progress indicator, and [`Submit`], the one way a form saves.

use crate::i18n::{t, t_now};
use crate::transport::UNEXPECTED;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::{CodeItem, IpcError};
use std::future::Future;

/// A form's save: at most one at a time (a second press of Enter or Save
/// while one runs does nothing), and its error shown in the form's
/// [`ErrorBanner`]. What was typed stays as it is when the save fails, so
/// pressing Save again retries it (forms that create a record send the id
/// they chose when they opened, which makes the retry safe).
#[derive(Clone, Copy)]
pub(crate) struct Submit {
    /// Set while the save runs (disables the submit button).
    pub(crate) busy: RwSignal<bool>,
    /// The last error.
    pub(crate) error: RwSignal<Option<IpcError>>,
}

impl Submit {
    pub(crate) fn new() -> Submit {
        Submit {
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Unless a save is running: `prepare` checks the form (its error is
    /// shown, nothing is sent) and answers the work, which then runs with
    /// the form busy.
    pub(crate) fn run<F>(self, prepare: impl FnOnce() -> Result<F, IpcError>)
    where
        F: Future<Output = Result<(), IpcError>> + 'static,
    {
        if self.busy.get_untracked() {
            return;
        }
        let work = match prepare() {
            Ok(work) => work,
            Err(e) => {
                self.error.set(Some(e));
                return;
            }
        };
        // Set before the work is spawned: a second submit in the same tick sees it.
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            if let Err(e) = work.await {
                self.error.try_set(Some(e));
            }
            self.busy.try_set(false);
        });
    }
}

/// A labelled text input bound to a signal.
#[component]
pub(crate) fn TextField(
    /// Translation key of the label.
    label: &'static str,
    /// DOM id (also what the end-to-end tests look for).
    id: &'static str,
    /// The value.
    value: RwSignal<String>,
    /// `text` unless given (`password`…).
    #[prop(optional)]
    kind: Option<&'static str>,
    /// Translation key of a hint shown inside the empty field.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// To focus the field from the screen.
    #[prop(optional)]
    node_ref: Option<NodeRef<Input>>,
    /// Marks the field as required for assistive tools.
    #[prop(optional)]
    required: bool,
    /// Extra CSS class for the wrapper (`wide`, `narrow`).
    #[prop(optional)]
    class: Option<&'static str>,
) -> impl IntoView {
    let node_ref = node_ref.unwrap_or_default();
    let hint_text = move || hint.map(crate::i18n::t_key).unwrap_or_default();
    view! {
        <div class=format!("field {}", class.unwrap_or_default())>
            <label for=id>{t(label)}{required.then_some(" *")}</label>
            <input
                id=id
                type=kind.unwrap_or("text")
                autocomplete="off"
                spellcheck="false"
                required=required
                placeholder=hint_text
                node_ref=node_ref
                bind:value=value
            />
        </div>
    }
}

/// A labelled pick list over codes; the first choice is "none".
#[component]
pub(crate) fn CodeSelect(
    /// Translation key of the label.
    label: &'static str,
    /// DOM id.
    id: &'static str,
    /// The chosen code ("" for none).
    value: RwSignal<String>,
    /// The choices.
    items: Signal<Vec<CodeItem>>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{t(label)}</label>
            <select
                id=id
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="" selected=move || value.get().is_empty()>{t("ui.common.choose")}</option>
                {move || {
                    items
                        .get()
                        .into_iter()
                        .map(|item| {
                            let code = item.code.clone();
                            let selected = move || value.get() == code;
                            view! { <option value=item.code.clone() selected=selected>{item.label}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}

/// The message of an error, or the generic one when the shell sent none.
pub(crate) fn error_text(error: &IpcError) -> String {
    if error.code == UNEXPECTED || error.message.is_empty() {
        t_now("ui.error.unexpected")
    } else {
        error.message.clone()
    }
}

/// A banner for the last error, announced to assistive tools.
#[component]
pub(crate) fn ErrorBanner(error: RwSignal<Option<IpcError>>) -> impl IntoView {
    view! {
        <Show when=move || error.with(Option::is_some)>
            <div class="banner error" role="alert" id="error-banner">
                {move || error.get().map(|e| error_text(&e)).unwrap_or_default()}
            </div>
        </Show>
    }
}

/// "Working…" with a spinner while `busy` is set.
#[component]
pub(crate) fn Busy(busy: RwSignal<bool>) -> impl IntoView {
    view! {
        <Show when=move || busy.get()>
            <div class="busy" role="status" aria-live="polite">
                <span class="spinner" aria-hidden="true"></span>
                {t("ui.common.working")}
            </div>
        </Show>
    }
}

/// A keydown handler for a panel inside a screen: Esc closes the panel (and
/// only the panel: the screen under it does not see the key).
pub(crate) fn close_on_escape(
    close: impl Fn() + 'static,
) -> impl Fn(leptos::ev::KeyboardEvent) + 'static {
    move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            ev.stop_propagation();
            close();
        }
    }
}

/// Focuses an input as soon as it is on the page.
pub(crate) fn focus_on_mount(node: NodeRef<Input>) {
    Effect::new(move |_| {
        if let Some(input) = node.get() {
            input.focus().ok();
        }
    });
}

/// A form's last row: the submit button (disabled while `busy`), an optional
/// cancel button, and the "Working…" indicator.
#[component]
pub(crate) fn SubmitRow(
    /// Id of the submit button.
    id: &'static str,
    /// Translation key of its label.
    label: &'static str,
    /// Set while the form's work runs.
    busy: RwSignal<bool>,
    /// Id of the cancel button, and what it does, when the form has one.
    #[prop(optional)]
    cancel: Option<(&'static str, Callback<()>)>,
) -> impl IntoView {
    view! {
        <div class="actions">
            <button type="submit" id=id class="primary" disabled=move || busy.get()>{t(label)}</button>
            {cancel.map(|(cancel_id, on_cancel)| view! {
                <button type="button" id=cancel_id on:click=move |_| on_cancel.run(())>{t("ui.common.cancel")}</button>
            })}
            <Busy busy=busy/>
        </div>
    }
}
