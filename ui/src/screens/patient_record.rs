//! A patient's record: demographics, consent choices, and every immunization
//! event grouped by vaccine group. Events entered in error stay visible, struck
//! through, so the history is honest. The header and each event say where
//! they stand with the registry: pending, confirmed (when), or rejected (why,
//! and what to do); they follow each sync as it ends. "Print…" (Ctrl+P) opens
//! the print panel ([`crate::screens::print_panel`]).

use crate::app::{Screen, state};
use crate::i18n::{bilingual_tracked, iso_date_text, moment_text, t, t_args_tracked, t_key, t_now};
use crate::screens::forecast_panel::ForecastPanel;
use crate::screens::print_panel::PrintPanel;
use crate::transport::call;
use crate::widgets::{Busy, ErrorBanner, close_on_escape, focus_on_mount};
use leptos::html::{Button, Input};
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::dose::{EnteredInErrorRequest, EventRow};
use salal_ipc::patient::{ConsentRequest, PatientRecord, RecordRequest};
use salal_ipc::sync::{RecordSyncStates, RecordSyncView};
use salal_ipc::{IpcError, cmd};

/// The record screen.
#[component]
pub(crate) fn PatientRecordScreen(id: String) -> impl IntoView {
    let app = state();
    let record = RwSignal::new(None::<PatientRecord>);
    let error = RwSignal::new(None::<IpcError>);
    let busy = RwSignal::new(true);
    let id = StoredValue::new(id);
    let record_button = NodeRef::<Button>::new();
    let print_button = NodeRef::<Button>::new();
    let printing = RwSignal::new(false);
    let sync_states = RwSignal::new(None::<RecordSyncStates>);

    let load_sync = move || {
        spawn_local(async move {
            // Best effort: the record reads the same without it.
            if let Ok(states) = call::<_, RecordSyncStates>(
                cmd::RECORD_SYNC_STATES,
                &RecordRequest { id: id.get_value() },
            )
            .await
            {
                sync_states.try_set(Some(states));
            }
        });
    };
    // Again after every sync (and local change) the shell reports.
    Effect::new(move |_| {
        app.sync.track();
        load_sync();
    });

    let load = move || {
        load_sync();
        busy.set(true);
        spawn_local(async move {
            match call::<_, PatientRecord>(
                cmd::PATIENT_RECORD,
                &RecordRequest { id: id.get_value() },
            )
            .await
            {
                Ok(r) => record.set(Some(r)),
                Err(e) => error.set(Some(e)),
            }
            busy.try_set(false);
        });
    };
    load();
    // Group captions and other texts come translated from the shell: fetch
    // them again once the shell speaks a newly chosen language.
    Effect::new(move |first: Option<()>| {
        app.shell_lang.track();
        if first.is_some() {
            load();
        }
    });
    Effect::new(move |_| {
        if record.with(Option::is_some)
            && let Some(button) = record_button.get()
        {
            button.focus().ok();
        }
    });

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && !ev.default_prevented() && !printing.get_untracked() {
            ev.prevent_default();
            app.go(Screen::Search);
        }
    };
    // Ctrl+P anywhere on the record opens the print panel (instead of the webview's own printing).
    let print_key = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key()
            && !ev.alt_key()
            && matches!(ev.key().as_str(), "p" | "P")
            && record.with_untracked(Option::is_some)
        {
            ev.prevent_default();
            printing.set(true);
        }
    });
    on_cleanup(move || print_key.remove());
    let close_print = Callback::new(move |()| {
        printing.set(false);
        if let Some(button) = print_button.get_untracked() {
            button.focus().ok();
        }
    });

    view! {
        <section class="record" id="record-screen" on:keydown=on_key tabindex="-1">
            <ErrorBanner error=error/>
            <Busy busy=busy/>
            <Show when=move || app.notice.with(Option::is_some)>
                <p class="banner success" role="status" id="notice">{move || app.notice.get().unwrap_or_default()}</p>
            </Show>
            {move || record.get().map(|r| {
                let lang = app.lang.get();
                let print_lang = r.details.preferred_language.parse().unwrap_or(lang);
                view! {
                    <Show when=move || printing.get()>
                        <PrintPanel patient_id=id.get_value() default_lang=print_lang on_close=close_print/>
                    </Show>
                    <div class="record-body" inert=move || printing.get()>
                    <div class="record-head">
                        <div>
                            <h1 id="record-name">{r.display_name.clone()}</h1>
                            <p class="record-sync" id="record-sync">
                                {move || sync_states.get().map(|s| view! { <SyncBadge sync=s.patient/> })}
                            </p>
                            <p class="lead">
                                <span>{t("ui.patient.birth_date")}": "</span>
                                <span id="record-birth-date">{iso_date_text(lang, &r.details.birth_date)}</span>
                                <span class="sep">" · "</span>
                                <span>{t("ui.patient.sex")}": "{sex_label(&r.details.sex)}</span>
                            </p>
                        </div>
                        <div class="actions">
                            <button id="record-dose" class="primary" node_ref=record_button
                                on:click=move |_| app.go(Screen::RecordDose { patient_id: id.get_value() })>
                                {t("ui.record.record_dose")}
                            </button>
                            <button id="record-print" node_ref=print_button aria-keyshortcuts="Control+P"
                                aria-haspopup="dialog" on:click=move |_| printing.set(true)>
                                {t("ui.print.open")}" "<kbd>{t("ui.print.shortcut")}</kbd>
                            </button>
                            <button id="record-edit" on:click=move |_| app.go(Screen::EditPatient { id: id.get_value() })>
                                {t("ui.record.edit")}
                            </button>
                            <Show when=move || app.session.with(|s| s.as_ref().is_some_and(|s| s.is_admin))>
                                <button id="record-audit" on:click=move |_| app.go(Screen::Audit { patient: Some(id.get_value()) })>
                                    {t("ui.record.who_saw")}
                                </button>
                            </Show>
                            <button id="record-back" on:click=move |_| app.go(Screen::Search)>
                                {t("ui.record.back")}
                            </button>
                        </div>
                    </div>
                    <div class="columns">
                        <Demographics record=r.clone()/>
                        <Consents record=r.clone() on_saved=load error=error/>
                    </div>
                    <ForecastPanel patient_id=id.get_value() error=error/>
                    <Events record=r on_changed=load error=error sync_states=sync_states/>
                    </div>
                }
            })}
        </section>
    }
}

fn sex_label(code: &str) -> String {
    let app = state();
    app.codes
        .with(|c| {
            c.sexes
                .iter()
                .find(|s| s.code == code)
                .map(|s| s.label.clone())
        })
        .unwrap_or_else(|| code.to_owned())
}

#[component]
fn Demographics(record: PatientRecord) -> impl IntoView {
    let d = record.details;
    let address = [d.address_line, d.city, d.state, d.postal_code]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<(&'static str, String)> = vec![
        ("ui.patient.guardian_name", d.guardian_name),
        ("ui.patient.guardian_relationship", d.guardian_relationship),
        ("ui.patient.phone", d.phone),
        ("ui.record.address", address),
        ("ui.patient.mother_maiden_name", d.mother_maiden_name),
        (
            "ui.patient.birth_certificate_number",
            d.birth_certificate_number,
        ),
        ("ui.patient.medical_record_number", d.medical_record_number),
    ];
    view! {
        <section class="panel" aria-labelledby="demographics-title">
            <h2 id="demographics-title">{t("ui.record.demographics")}</h2>
            <dl class="facts">
                {rows
                    .into_iter()
                    .map(|(key, value)| view! {
                        <dt>{t(key)}</dt>
                        <dd>{if value.is_empty() { "—".to_owned() } else { value }}</dd>
                    })
                    .collect_view()}
            </dl>
        </section>
    }
}

#[component]
fn Consents(
    record: PatientRecord,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<IpcError>>,
) -> impl IntoView {
    let app = state();
    let consents = record.consents;
    let patient_id = StoredValue::new(record.id);
    let opted_out = consents.registry_opted_out;
    let declined = consents.mailings_declined;
    // Declining asks who asked, why, and whether the signed form is on file.
    let declining = RwSignal::new(false);
    let requested_by = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let form_on_file = RwSignal::new(false);
    let save = move |registry_opted_out: bool, mailings_declined: bool| {
        let req = ConsentRequest {
            patient_id: patient_id.get_value(),
            registry_opted_out,
            mailings_declined,
            requested_by: requested_by.get_untracked(),
            reason: reason.get_untracked(),
            form_on_file: form_on_file.get_untracked(),
        };
        spawn_local(async move {
            match call::<_, ()>(cmd::SET_CONSENT, &req).await {
                Ok(()) => {
                    declining.try_set(false);
                    on_saved();
                }
                Err(e) => {
                    error.set(Some(e));
                }
            }
        });
    };
    let lang = app.lang.get_untracked();
    let when = move |date: Option<String>| {
        date.map(|d| format!(" ({})", iso_date_text(lang, &d)))
            .unwrap_or_default()
    };
    let who_input = NodeRef::<Input>::new();
    let on_decline = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save(true, declined);
    };
    let close = move || declining.set(false);
    let decline_details = {
        let mut parts = Vec::new();
        if !consents.registry_requested_by.is_empty() {
            parts.push((
                "ui.consent.requested_by",
                consents.registry_requested_by.clone(),
            ));
        }
        if !consents.registry_reason.is_empty() {
            parts.push(("ui.consent.reason", consents.registry_reason.clone()));
        }
        let form = consents.registry_form_on_file;
        (opted_out).then(move || {
            view! {
                <ul class="consent-details" id="consent-registry-details">
                    {parts.into_iter().map(|(label, value)| view! {
                        <li>{t(label)} ": " {value}</li>
                    }).collect_view()}
                    <li>{if form { t("ui.consent.form_on_file") } else { t("ui.consent.form_missing") }}</li>
                </ul>
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="consents-title">
            <h2 id="consents-title">{t("ui.record.consents")}</h2>
            <dl class="facts">
                <dt>{t("ui.consent.registry")}</dt>
                <dd id="consent-registry">
                    {if opted_out { t_now("ui.consent.opted_out") } else { t_now("ui.consent.participating") }}
                    {when(consents.registry_date)}
                    " "
                    <button class="small" id="consent-registry-toggle" on:click=move |_| {
                        if opted_out {
                            save(false, declined);
                        } else {
                            declining.set(true);
                        }
                    }>
                        {if opted_out { t("ui.consent.rejoin") } else { t("ui.consent.opt_out") }}
                    </button>
                    {decline_details}
                    <Show when=move || declining.get()>
                        <form class="call-form" id="consent-decline-form" on:submit=on_decline on:keydown=close_on_escape(close)>
                            <label for="consent-requested-by">{t("ui.consent.requested_by")}</label>
                            <input type="text" id="consent-requested-by" autocomplete="off"
                                node_ref=who_input bind:value=requested_by required/>
                            <label for="consent-reason">{t("ui.consent.reason")}</label>
                            <input type="text" id="consent-reason" autocomplete="off" bind:value=reason/>
                            <label class="check">
                                <input type="checkbox" id="consent-form-on-file" bind:checked=form_on_file/>
                                {t("ui.consent.form_on_file")}
                            </label>
                            <button type="submit" class="primary small" id="consent-decline-save">
                                {t("ui.consent.save_decline")}
                            </button>
                            <button type="button" class="small" on:click=move |_| close()>{t("ui.common.cancel")}</button>
                        </form>
                        {focus_on_mount(who_input)}
                    </Show>
                </dd>
                <dt>{t("ui.consent.mailings")}</dt>
                <dd id="consent-mailings">
                    {if declined { t_now("ui.consent.declined") } else { t_now("ui.consent.accepted") }}
                    {when(consents.mailings_date)}
                    " "
                    <button class="small" id="consent-mailings-toggle" on:click=move |_| save(opted_out, !declined)>
                        {if declined { t("ui.consent.accept") } else { t("ui.consent.decline") }}
                    </button>
                </dd>
            </dl>
        </section>
    }
}

#[component]
fn Events(
    record: PatientRecord,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<IpcError>>,
    sync_states: RwSignal<Option<RecordSyncStates>>,
) -> impl IntoView {
    let app = state();
    let patient_id = StoredValue::new(record.id.clone());
    let confirming = RwSignal::new(None::<String>);
    // Why the record being marked was entered in error (asked before marking).
    let reason = RwSignal::new(String::new());
    let mark = move |event_id: String| {
        let req = EnteredInErrorRequest {
            patient_id: patient_id.get_value(),
            event_id,
            reason: reason.get_untracked(),
        };
        spawn_local(async move {
            match call::<_, ()>(cmd::MARK_ENTERED_IN_ERROR, &req).await {
                Ok(()) => {
                    confirming.try_set(None);
                    on_changed();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let empty = record.groups.is_empty();
    view! {
        <section class="panel" aria-labelledby="events-title" id="events">
            <h2 id="events-title">{t("ui.record.events")}</h2>
            {empty.then(|| view! { <p class="muted" id="events-empty">{t("ui.record.no_events")}</p> })}
            {record.groups.into_iter().map(|group| view! {
                <table class="events">
                    <caption>{group.group}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t("ui.event.date")}</th>
                            <th scope="col">{t("ui.event.vaccine")}</th>
                            <th scope="col">{t("ui.event.kind")}</th>
                            <th scope="col">{t("ui.event.lot")}</th>
                            <th scope="col">{t("ui.event.detail")}</th>
                            <th scope="col">{t("ui.sync.column")}</th>
                            <th scope="col"><span class="visually-hidden">{t("ui.event.actions")}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {group.events.into_iter().map(|event| event_row(event, confirming, reason, mark, app.lang, sync_states)).collect_view()}
                    </tbody>
                </table>
            }).collect_view()}
        </section>
    }
}

fn event_row(
    event: EventRow,
    confirming: RwSignal<Option<String>>,
    reason: RwSignal<String>,
    mark: impl Fn(String) + Copy + Send + Sync + 'static,
    lang: RwSignal<salal_core::i18n::Lang>,
    sync_states: RwSignal<Option<RecordSyncStates>>,
) -> impl IntoView {
    let id = event.id.clone();
    let sync_id = event.id.clone();
    let sync_state = move || {
        sync_states.with(|s| {
            s.as_ref().and_then(|s| {
                s.events
                    .iter()
                    .find(|e| e.event_id == sync_id)
                    .map(|e| e.state.clone())
            })
        })
    };
    let id_confirm = event.id.clone();
    let is_confirming = {
        let id = event.id.clone();
        move || confirming.with(|c| c.as_deref() == Some(id.as_str()))
    };
    let kind_key = format!("ui.event.kind.{}", event.kind.code());
    let eie = event.entered_in_error;
    let date = event.date.clone();
    let cvx = event.cvx.clone();
    view! {
        <tr class="event" class:eie=eie>
            <td>{move || iso_date_text(lang.get(), &date)}</td>
            <td>{event.vaccine}" "<span class="muted">{move || t_args_tracked("ui.event.cvx", &[("code", cvx.clone())])}</span></td>
            <td>{move || t_key(&kind_key)}</td>
            <td>{event.lot_number}</td>
            <td>
                {event.detail}
                {eie.then(|| view! {
                    <span class="eie-label">{t("ui.event.entered_in_error")}</span>
                    <span class="eie-reason">{event.entered_in_error_reason.clone()}</span>
                })}
            </td>
            <td class="event-sync">{move || sync_state().map(|state| view! { <SyncBadge sync=state/> })}</td>
            <td class="row-actions">
                {(!eie).then(|| view! {
                    <Show
                        when=is_confirming.clone()
                        fallback=move || {
                            let id = id.clone();
                            view! {
                                <button class="small mark-error" on:click=move |_| {
                                    reason.set(String::new());
                                    confirming.set(Some(id.clone()));
                                }>
                                    {t("ui.event.mark_error")}
                                </button>
                            }
                        }
                    >
                        {
                            let id = id_confirm.clone();
                            let id_enter = id_confirm.clone();
                            let field = NodeRef::<leptos::html::Input>::new();
                            Effect::new(move |_| {
                                if let Some(input) = field.get() {
                                    input.focus().ok();
                                }
                            });
                            view! {
                                <label class="sr-only" for="eie-reason">{t("ui.event.eie_reason")}</label>
                                <input id="eie-reason" type="text" class="reason" list="eie-reasons" autocomplete="off"
                                    node_ref=field
                                    placeholder=t("ui.event.eie_reason")
                                    bind:value=reason
                                    on:keydown=move |ev| match ev.key().as_str() {
                                        "Enter" => {
                                            ev.prevent_default();
                                            mark(id_enter.clone());
                                        }
                                        "Escape" => {
                                            ev.prevent_default();
                                            ev.stop_propagation();
                                            confirming.set(None);
                                        }
                                        _ => {}
                                    }/>
                                <datalist id="eie-reasons">
                                    {["wrong_patient", "duplicate", "wrong_vaccine", "wrong_date"].into_iter().map(|k| {
                                        let key = format!("ui.event.eie_reason.{k}");
                                        view! { <option value=move || t_key(&key)></option> }
                                    }).collect_view()}
                                </datalist>
                                <button class="small danger" id="eie-confirm" on:click=move |_| mark(id.clone())>
                                    {t("ui.event.confirm_error")}
                                </button>
                                <button class="small" on:click=move |_| confirming.set(None)>{t("ui.common.cancel")}</button>
                            }
                        }
                    </Show>
                })}
            </td>
        </tr>
    }
}

/// Where one record stands with the registry.
#[component]
fn SyncBadge(sync: RecordSyncView) -> impl IntoView {
    let app = state();
    match sync {
        RecordSyncView::Pending => view! {
            <span class="sync-badge pending" title=t("ui.sync.pending_hint")>{t("ui.sync.pending")}</span>
        }
        .into_any(),
        RecordSyncView::Confirmed { at } => view! {
            <span class="sync-badge confirmed">
                {move || t_args_tracked("ui.sync.confirmed", &[("when", moment_text(app.lang.get(), &at))])}
            </span>
        }
        .into_any(),
        RecordSyncView::Rejected { message, .. } => view! {
            <span class="sync-badge rejected">{t("ui.sync.rejected_badge")}</span>
            <span class="sync-reason">{move || bilingual_tracked(&message)}</span>
        }
        .into_any(),
    }
}
