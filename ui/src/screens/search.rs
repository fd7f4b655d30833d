//! Patient search, the home screen: type part of a name or a birth date; arrow
//! keys move through the results, Enter opens one. Nothing found: Enter (or the
//! button) registers a new patient with what was typed. On a computer linked to
//! the registry, F3 (or "Search the registry", offered too when nothing is
//! found) opens [`RegistryLookup`] to bring in a child another clinic knows.

use crate::app::{Screen, state};
use crate::dates;
use crate::i18n::{iso_date_text, t, t_args};
use crate::screens::registry_lookup::RegistryLookup;
use crate::transport::call;
use crate::widgets::{ErrorBanner, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::patient::{PatientRow, SearchRequest};
use salal_ipc::{IpcError, cmd};

const LIMIT: u32 = 25;

/// The search screen.
#[component]
pub(crate) fn Search() -> impl IntoView {
    let app = state();
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Vec::<PatientRow>::new());
    let selected = RwSignal::new(0_usize);
    let searched = RwSignal::new(None::<String>);
    let searching = RwSignal::new(false);
    let error = RwSignal::new(None::<IpcError>);
    let sequence = StoredValue::new(0_u64);
    let input = NodeRef::<Input>::new();
    let looking_up = RwSignal::new(false);
    focus_on_mount(input);
    let enrolled = move || app.sync.with(|s| s.enrolled);

    let run = move |text: String| {
        let n = sequence.get_value() + 1;
        sequence.set_value(n);
        let lang = app.lang.get_untracked();
        // A birth date typed the way the language writes it is sent as ISO.
        let wire_query = if dates::looks_like_date(&text) {
            dates::parse(lang, &text)
                .map_or_else(|| text.clone(), |d| d.format("%Y-%m-%d").to_string())
        } else {
            text.clone()
        };
        searching.set(true);
        spawn_local(async move {
            let answer = call::<_, Vec<PatientRow>>(
                cmd::SEARCH_PATIENTS,
                &SearchRequest {
                    query: wire_query,
                    limit: LIMIT,
                },
            )
            .await;
            // Only the answer to the latest keystroke counts.
            if sequence.try_get_value() != Some(n) {
                return;
            }
            match answer {
                Ok(rows) => {
                    results.set(rows);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            selected.set(0);
            searched.set(Some(text));
            searching.set(false);
        });
    };
    run(String::new());

    let open = move |index: usize| {
        if let Some(row) = results.with_untracked(|r| r.get(index).cloned()) {
            app.go(Screen::Record { id: row.id });
        }
    };
    let register = move || {
        app.go(Screen::Register {
            prefill: query.get_untracked(),
        })
    };

    let open_lookup = move || {
        if app.sync.with_untracked(|s| s.enrolled) {
            looking_up.set(true);
        }
    };
    let close_lookup = Callback::new(move |()| {
        looking_up.set(false);
        if let Some(input) = input.get_untracked() {
            input.focus().ok();
        }
    });
    // F3 anywhere on the search screen: search the registry.
    let lookup_key = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "F3" && !ev.ctrl_key() && !ev.alt_key() {
            ev.prevent_default();
            if !looking_up.get_untracked() {
                open_lookup();
            }
        }
    });
    on_cleanup(move || lookup_key.remove());

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = results.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                selected.update(|i| *i = (*i + 1).min(count - 1));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                selected.update(|i| *i = i.saturating_sub(1));
            }
            "Enter" => {
                ev.prevent_default();
                if count > 0 {
                    open(selected.get_untracked());
                } else if !query.get_untracked().trim().is_empty() && !searching.get_untracked() {
                    register();
                }
            }
            "Escape" => {
                ev.prevent_default();
                query.set(String::new());
                run(String::new());
            }
            _ => {}
        }
    };

    let nothing_found = move || {
        results.with(Vec::is_empty)
            && searched.with(|s| s.as_ref().is_some_and(|q| !q.trim().is_empty()))
    };

    view! {
        <section class="search" id="search-screen">
            <h1 class="visually-hidden">{t("ui.search.title")}</h1>
            <Show when=move || looking_up.get()>
                <RegistryLookup query=query.get_untracked() on_close=close_lookup/>
            </Show>
            <div class="search-body" inert=move || looking_up.get()>
                <div class="search-bar">
                    <label for="search-input" class="search-label">{t("ui.search.label")}</label>
                    <input
                        id="search-input"
                        class="search-input"
                        type="search"
                        autocomplete="off"
                        spellcheck="false"
                        role="combobox"
                        aria-controls="search-results"
                        aria-expanded=move || (!results.with(Vec::is_empty)).to_string()
                        placeholder=t("ui.search.placeholder")
                        node_ref=input
                        prop:value=move || query.get()
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            query.set(text.clone());
                            run(text);
                        }
                        on:keydown=on_key
                    />
                    <button id="search-register" type="button" on:click=move |_| register()>
                        {t("ui.search.register")}
                    </button>
                    <Show when=enrolled>
                        <button id="search-registry" type="button" aria-keyshortcuts="F3" on:click=move |_| open_lookup()>
                            {t("ui.lookup.open")}" "<kbd>"F3"</kbd>
                        </button>
                    </Show>
                </div>
                <p class="hint">{t("ui.search.keys")}</p>
                <ErrorBanner error=error/>
                <Show when=nothing_found>
                    <div class="empty" id="search-empty" role="status">
                        <p>{move || t_args("ui.search.not_found", &[("query", searched.get().unwrap_or_default())])}</p>
                        <p>{t("ui.search.not_found_hint")}</p>
                        <Show when=enrolled>
                            <p>{t("ui.lookup.not_found_hint")}</p>
                            <button id="search-empty-registry" type="button" class="primary" on:click=move |_| open_lookup()>
                                {t("ui.lookup.open")}" "<kbd>"F3"</kbd>
                            </button>
                        </Show>
                    </div>
                </Show>
                <ul class="results" id="search-results" role="listbox" aria-label=t("ui.search.results")>
                    {move || {
                        let lang = app.lang.get();
                        results
                            .get()
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
                                        on:click=move |_| open(index)
                                        on:mousemove=move |_| selected.set(index)
                                    >
                                        <span class="name">{row.display_name}</span>
                                        <span class="dob">{iso_date_text(lang, &row.birth_date)}</span>
                                        <span class="sex">{row.sex}</span>
                                        <span class="guardian">{row.guardian_name}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
        </section>
    }
}
