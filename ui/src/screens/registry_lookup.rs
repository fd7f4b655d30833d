//! The search screen's "Search the registry" panel (F3, or the button when a
//! search finds nothing here): the registry may know the child from another
//! clinic. The name and birth date start from what was typed in the search
//! box; the registry answers candidates with name, birth date, sex and the
//! organization that last saw them. Choosing one brings the patient and every
//! dose into this computer and opens the record. Without a network the panel
//! says so (the shell's message), and the patient can still be registered here.
//!
//! Keyboard: Enter in a field searches; the candidates then take the focus,
//! ↑ ↓ choose and Enter brings the chosen one here; Esc closes the panel.

use crate::app::{Screen, state};
use crate::dates;
use crate::i18n::{iso_date_text, t, t_args_tracked, t_now};
use crate::transport::call;
use crate::widgets::{Busy, ErrorBanner, Submit, TextField};
use leptos::html::{Input, Ul};
use leptos::prelude::*;
use salal_ipc::lookup::{FetchFromRegistryRequest, RegistryCandidateRow, RegistryLookupRequest};
use salal_ipc::{IpcError, cmd};

/// The registry lookup panel over the search screen.
#[component]
pub(crate) fn RegistryLookup(
    /// What was typed in the search box: a name, or a birth date.
    query: String,
    /// Closes the panel.
    on_close: Callback<()>,
) -> impl IntoView {
    let app = state();
    let (typed_name, typed_birth) = if dates::looks_like_date(&query) {
        (String::new(), query.clone())
    } else {
        (query.clone(), String::new())
    };
    let start_on_birth = !typed_name.trim().is_empty() && typed_birth.is_empty();
    let name = RwSignal::new(typed_name);
    let birth = RwSignal::new(typed_birth);
    dates::follow_language(app.lang, vec![birth]);
    let results = RwSignal::new(None::<Vec<RegistryCandidateRow>>);
    let selected = RwSignal::new(0_usize);
    let submit = Submit::new();
    let query = StoredValue::new(query);
    let name_input = NodeRef::<Input>::new();
    let birth_input = NodeRef::<Input>::new();
    let list = NodeRef::<Ul>::new();

    Effect::new(move |_| {
        let input = if start_on_birth {
            birth_input.get()
        } else {
            name_input.get()
        };
        if let Some(input) = input {
            input.focus().ok();
        }
    });
    // The candidates take the focus when they arrive, so Enter brings one here.
    Effect::new(move |_| {
        if results.with(|r| r.as_ref().is_some_and(|r| !r.is_empty()))
            && let Some(list) = list.get()
        {
            list.focus().ok();
        }
    });

    let search = move || {
        submit.run(move || {
            let lang = app.lang.get_untracked();
            let typed = birth.get_untracked();
            let birth_date = if typed.trim().is_empty() {
                String::new()
            } else {
                dates::parse(lang, &typed)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .ok_or_else(|| {
                        IpcError::new("form.bad_date", t_now("ui.error.bad_birth_date"))
                            .with_field("birth_date")
                    })?
            };
            let req = RegistryLookupRequest {
                name: name.get_untracked(),
                birth_date,
            };
            results.set(None);
            Ok(async move {
                let rows = call::<_, Vec<RegistryCandidateRow>>(cmd::LOOKUP_REGISTRY, &req).await?;
                selected.try_set(0);
                results.try_set(Some(rows));
                Ok(())
            })
        });
    };
    let fetch = move |index: usize| {
        let Some(row) =
            results.with_untracked(|r| r.as_ref().and_then(|rows| rows.get(index).cloned()))
        else {
            return;
        };
        submit.run(move || {
            Ok(async move {
                let id = call::<_, String>(
                    cmd::FETCH_FROM_REGISTRY,
                    &FetchFromRegistryRequest { id: row.id },
                )
                .await?;
                app.go(Screen::Record { id });
                app.notice.set(Some(t_now("ui.lookup.fetched")));
                Ok(())
            })
        });
    };
    let register = move || {
        app.go(Screen::Register {
            prefill: query.get_value(),
        });
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        search();
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            ev.stop_propagation();
            on_close.run(());
        }
    };
    let on_list_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = results.with_untracked(|r| r.as_ref().map_or(0, Vec::len));
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                selected.update(|i| *i = (*i + 1).min(count - 1));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                selected.update(|i| *i = i.saturating_sub(1));
            }
            "Enter" if count > 0 => {
                ev.prevent_default();
                fetch(selected.get_untracked());
            }
            _ => {}
        }
    };
    let none_found = move || results.with(|r| r.as_ref().is_some_and(Vec::is_empty));

    view! {
        <div class="overlay" on:keydown=on_key>
            <section class="dialog" id="lookup-panel" role="dialog" aria-modal="true" aria-labelledby="lookup-title">
                <h2 id="lookup-title">{t("ui.lookup.title")}</h2>
                <p class="hint">{t("ui.lookup.intro")}</p>
                <ErrorBanner error=submit.error/>
                <form on:submit=on_submit>
                    <div class="row">
                        <TextField label="ui.lookup.name" id="lookup-name" value=name node_ref=name_input required=true/>
                        <TextField label="ui.patient.birth_date" id="lookup-birth-date" value=birth
                            hint="ui.date.placeholder" node_ref=birth_input required=true/>
                    </div>
                    <div class="actions">
                        <button type="submit" class="primary" id="lookup-search" disabled=move || submit.busy.get()>
                            {t("ui.lookup.search")}
                        </button>
                        <button type="button" id="lookup-close" on:click=move |_| on_close.run(())>
                            {t("ui.common.close")}
                        </button>
                        <Busy busy=submit.busy/>
                    </div>
                </form>
                <Show when=none_found>
                    <div class="empty" id="lookup-empty" role="status">
                        <p>{t("ui.lookup.none")}</p>
                        <button type="button" id="lookup-register" on:click=move |_| register()>
                            {t("ui.search.register")}
                        </button>
                    </div>
                </Show>
                <ul class="results" id="lookup-results" role="listbox" tabindex="0" node_ref=list
                    aria-label=t("ui.lookup.results") on:keydown=on_list_key>
                    {move || {
                        let lang = app.lang.get();
                        results
                            .get()
                            .unwrap_or_default()
                            .into_iter()
                            .enumerate()
                            .map(|(index, row)| {
                                let is_selected = move || selected.get() == index;
                                view! {
                                    <li
                                        class="result"
                                        class:selected=is_selected
                                        role="option"
                                        aria-selected=move || is_selected().to_string()
                                        on:click=move |_| fetch(index)
                                        on:mousemove=move |_| selected.set(index)
                                    >
                                        <span class="name">{row.display_name}</span>
                                        <span class="dob">{iso_date_text(lang, &row.birth_date)}</span>
                                        <span class="sex">{row.sex}</span>
                                        <span class="org">
                                            {(!row.last_seen_by.is_empty()).then(|| t_args_tracked(
                                                "ui.lookup.last_seen",
                                                &[("org", row.last_seen_by.clone())],
                                            ))}
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                <p class="hint">{t("ui.lookup.keys")}</p>
            </section>
        </div>
    }
}
