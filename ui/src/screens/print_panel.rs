//! The record screen's print panel (Ctrl+P): which document — Certificate of
//! Immunization Status, immunization record, registry or mailings decline
//! form — in which language (the family's preferred one when known, else the
//! interface's), then "Save PDF" or "Print".
//!
//! Saving always leaves the PDF in the documents folder and shows its full
//! path. Printing saves first, then hands the file to the computer's print
//! service; when that is not possible the panel says where the PDF is and what
//! to do. Keyboard: arrows choose the document, Enter saves, Esc closes.

use crate::i18n::{t, t_args_tracked, t_key, to_wire};
use crate::transport::call;
use crate::widgets::{Busy, ErrorBanner, Submit};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_core::i18n::Lang;
use salal_ipc::cmd;
use salal_ipc::documents::{DocumentAction, DocumentKind, PrintRequest, SavedFile};
use wasm_bindgen::JsCast;

/// Whether the key was pressed on one of the document choices.
fn on_radio(ev: &leptos::ev::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .is_some_and(|input| input.type_() == "radio")
}

/// The print panel of one patient's record.
#[component]
pub(crate) fn PrintPanel(
    /// The patient.
    patient_id: String,
    /// The language chosen when the panel opens.
    default_lang: Lang,
    /// Closes the panel.
    on_close: Callback<()>,
) -> impl IntoView {
    let kind = RwSignal::new(DocumentKind::Cis);
    let lang = RwSignal::new(default_lang);
    let folder = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<SavedFile>);
    let submit = Submit::new();
    let patient_id = StoredValue::new(patient_id);
    let first = NodeRef::<Input>::new();

    spawn_local(async move {
        // Only shown as a hint: the answer to a save says where the file went.
        if let Ok(path) = call::<_, String>(cmd::DOCUMENTS_FOLDER, &()).await {
            folder.try_set(Some(path));
        }
    });
    Effect::new(move |_| {
        if let Some(input) = first.get() {
            input.focus().ok();
        }
    });

    let run = move |action: DocumentAction| {
        submit.run(move || {
            let req = PrintRequest {
                patient_id: patient_id.get_value(),
                kind: kind.get_untracked(),
                lang: to_wire(lang.get_untracked()),
                action,
            };
            saved.set(None);
            Ok(async move {
                let file = call::<_, SavedFile>(cmd::PRINT_DOCUMENT, &req).await?;
                saved.try_set(Some(file));
                Ok(())
            })
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run(DocumentAction::Save);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            on_close.run(());
        }
        // Enter on a document's choice saves it, as Enter in a form does.
        "Enter" if on_radio(&ev) => {
            ev.prevent_default();
            run(DocumentAction::Save);
        }
        _ => {}
    };

    let saved_text = move || {
        saved.get().map(|file| match file.print {
            None => (
                "success",
                t_args_tracked("ui.print.saved", &[("path", file.path)]),
            ),
            Some(outcome) if outcome.sent => ("success", outcome.message),
            Some(outcome) => ("warning", outcome.message),
        })
    };

    view! {
        <div class="overlay" on:keydown=on_key>
            <section class="dialog" id="print-panel" role="dialog" aria-modal="true" aria-labelledby="print-title">
                <h2 id="print-title">{t("ui.print.title")}</h2>
                <ErrorBanner error=submit.error/>
                <form on:submit=on_submit>
                    <fieldset class="kinds">
                        <legend>{t("ui.print.document")}</legend>
                        {DocumentKind::ALL.into_iter().enumerate().map(|(index, k)| {
                            let id = format!("print-kind-{}", k.code());
                            let key = format!("ui.print.kind.{}", k.code());
                            let node = if index == 0 { first } else { NodeRef::new() };
                            view! {
                                <label class="check">
                                    <input type="radio" name="print-kind" id=id value=k.code() node_ref=node
                                        prop:checked=move || kind.get() == k
                                        on:change=move |_| kind.set(k)/>
                                    {move || t_key(&key)}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <div class="field print-lang">
                        <label for="print-lang">{t("ui.print.language")}</label>
                        <select id="print-lang" prop:value=move || lang.get().code().to_owned()
                            on:change=move |ev| {
                                if let Ok(l) = event_target_value(&ev).parse::<Lang>() {
                                    lang.set(l);
                                }
                            }>
                            {Lang::ALL.into_iter().map(|l| {
                                let key = format!("ui.language.{}", l.code());
                                view! { <option value=l.code() selected=move || lang.get() == l>{move || t_key(&key)}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <p class="hint">{t("ui.print.language_hint")}</p>
                    <p class="hint" id="print-folder">
                        {move || folder.get().map(|f| t_args_tracked("ui.print.folder", &[("folder", f)]))}
                    </p>
                    {move || saved_text().map(|(tone, text)| view! {
                        <p class=format!("banner {tone} path-text") role="status" id="print-result">{text}</p>
                    })}
                    <div class="actions">
                        <button type="submit" class="primary" id="print-save" disabled=move || submit.busy.get()>
                            {t("ui.print.save")}
                        </button>
                        <button type="button" id="print-print" disabled=move || submit.busy.get()
                            on:click=move |_| run(DocumentAction::Print)>
                            {t("ui.print.print")}
                        </button>
                        <button type="button" id="print-close" on:click=move |_| on_close.run(())>
                            {t("ui.print.close")}
                        </button>
                        <Busy busy=submit.busy/>
                    </div>
                    <p class="hint">{t("ui.print.keys")}</p>
                </form>
            </section>
        </div>
    }
}
