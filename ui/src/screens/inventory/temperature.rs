//! The Temperature tab: choose a storage unit, paste its data logger's file
//! (or open it), and see every excursion out of the unit's range, the lots
//! in the unit and the doses given from them since it began — the patients
//! to follow up. Storage units are added here too.

use super::{Choice, Done, Problem, inv};
use crate::app::state;
use crate::i18n::{iso_date_text, t, t_args, t_args_tracked, t_key};
use crate::transport::call;
use crate::widgets::{Busy, Submit, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::inventory::{
    ExcursionView, SaveUnitRequest, StorageUnitView, TemperatureImportView, TemperatureRequest,
};
use salal_ipc::{CodeItem, cmd};
use wasm_bindgen::JsCast;

/// The Temperature tab.
#[component]
pub(super) fn TemperatureTab() -> impl IntoView {
    let inv = inv();
    let unit = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let submit = Submit::new();
    let result = RwSignal::new(None::<TemperatureImportView>);
    let units = Signal::derive(move || {
        inv.overview.with(|o| {
            o.as_ref()
                .map(|o| {
                    o.units
                        .iter()
                        .map(|u| CodeItem {
                            code: u.name.clone(),
                            label: format!("{} ({})", u.name, u.kind_label),
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    // The only unit is the one meant.
    Effect::new(move |_| {
        let all = units.get();
        if unit.get_untracked().is_empty()
            && let [one] = all.as_slice()
        {
            unit.set(one.code.clone());
        }
    });

    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        spawn_local(async move {
            if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                && let Some(read) = value.as_string()
            {
                text.try_set(read);
            }
        });
    };
    let on_import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(move || {
            let req = TemperatureRequest {
                unit: unit.get_untracked(),
                text: text.get_untracked(),
            };
            result.set(None);
            Ok(async move {
                let found =
                    call::<_, TemperatureImportView>(cmd::IMPORT_TEMPERATURES, &req).await?;
                result.try_set(Some(found));
                Ok(())
            })
        });
    };

    view! {
        <div class="tab-panel" id="inv-temperature" role="tabpanel" aria-labelledby="inv-tab-temperature">
            <div class="columns temperature">
                <form class="temp-import" on:submit=on_import>
                    <p class="lead">{t("ui.inventory.temp_lead")}</p>
                    <Problem id="temp-error" error=submit.error/>
                    <div class="row">
                        <Choice label="ui.inventory.unit" id="temp-unit".to_owned() value=unit items=units/>
                        <div class="field">
                            <label for="temp-file">{t("ui.inventory.temp_file")}</label>
                            <input type="file" id="temp-file" accept=".csv,.txt,.tsv,text/csv,text/plain" on:change=on_file/>
                        </div>
                    </div>
                    <div class="field">
                        <label for="temp-text">{t("ui.inventory.temp_text")}</label>
                        <textarea id="temp-text" rows="7" spellcheck="false" placeholder=t("ui.inventory.temp_hint")
                            prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    </div>
                    <div class="actions">
                        <button type="submit" class="primary" id="temp-import" disabled=move || submit.busy.get()>
                            {t("ui.inventory.temp_import")}
                        </button>
                        <Busy busy=submit.busy/>
                    </div>
                </form>
                <UnitForm/>
            </div>
            {move || result.get().map(|r| view! { <Excursions result=r/> })}
        </div>
    }
}

/// What the file held: readings, and each excursion with its lots and doses.
#[component]
fn Excursions(result: TemperatureImportView) -> impl IntoView {
    let app = state();
    let summary = {
        let (readings, new, count) = (
            result.readings.to_string(),
            result.new_readings.to_string(),
            result.excursions.len().to_string(),
        );
        move || {
            t_args_tracked(
                "ui.inventory.temp_summary",
                &[
                    ("readings", readings.clone()),
                    ("new", new.clone()),
                    ("excursions", count.clone()),
                ],
            )
        }
    };
    let none = result.excursions.is_empty();
    view! {
        <section class="excursions" id="temp-excursions">
            <p class=if none { "banner success" } else { "banner warning" } role="status" id="temp-result">{summary}</p>
            {result.excursions.into_iter().enumerate().map(|(index, e)| {
                view! { <ExcursionCard index=index excursion=e lang_from=app.lang/> }
            }).collect_view()}
        </section>
    }
}

#[component]
fn ExcursionCard(
    index: usize,
    excursion: ExcursionView,
    lang_from: RwSignal<salal_core::i18n::Lang>,
) -> impl IntoView {
    let e = StoredValue::new(excursion);
    let heading = move || {
        let lang = lang_from.get();
        e.with_value(|e| {
            let key = if e.too_warm {
                "ui.inventory.temp_too_warm"
            } else {
                "ui.inventory.temp_too_cold"
            };
            t_args_tracked(
                key,
                &[
                    ("start", moment(lang, &e.start)),
                    ("end", moment(lang, &e.end)),
                    ("minutes", e.minutes.to_string()),
                    ("min", format!("{:.1}", e.min_c)),
                    ("max", format!("{:.1}", e.max_c)),
                    ("readings", e.readings.to_string()),
                ],
            )
        })
    };
    view! {
        <article class="panel excursion" id=format!("temp-excursion-{index}")>
            <h3>{heading}</h3>
            <p class="hint">{move || e.with_value(|e| {
                let lots: Vec<String> = e.lots.iter().map(|l| format!("{} ({}, {})", l.lot, l.vaccine, l.quantity)).collect();
                if lots.is_empty() {
                    t_key("ui.inventory.temp_no_lots")
                } else {
                    t_args_tracked("ui.inventory.temp_lots", &[("lots", lots.join("; "))])
                }
            })}</p>
            {move || {
                let lang = lang_from.get();
                e.with_value(|e| if e.doses.is_empty() {
                    view! { <p class="muted">{t("ui.inventory.temp_no_doses")}</p> }.into_any()
                } else {
                    view! {
                        <table class="affected" id=format!("temp-doses-{index}")>
                            <caption>{t_args("ui.inventory.temp_doses", &[("count", e.doses.len().to_string())])}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{t("ui.inventory.col.patient")}</th>
                                    <th scope="col">{t("ui.inventory.col.date")}</th>
                                    <th scope="col">{t("ui.inventory.col.vaccine")}</th>
                                    <th scope="col">{t("ui.inventory.col.lot")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {e.doses.iter().map(|d| view! {
                                    <tr>
                                        <td>{d.patient_name.clone()}</td>
                                        <td>{iso_date_text(lang, &d.date)}</td>
                                        <td>{d.vaccine.clone()}</td>
                                        <td class="code">{d.lot.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })
            }}
        </article>
    }
}

/// `YYYY-MM-DD HH:MM` with the date as the language writes it.
fn moment(lang: salal_core::i18n::Lang, text: &str) -> String {
    match text.split_once(' ') {
        Some((date, time)) => format!("{} {time}", iso_date_text(lang, date)),
        None => iso_date_text(lang, text),
    }
}

/// Add a storage unit (or change its kind).
#[component]
fn UnitForm() -> impl IntoView {
    let inv = inv();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("refrigerator".to_owned());
    let submit = Submit::new();
    let done = RwSignal::new(None::<String>);
    let kinds = Signal::derive(move || inv.choices.with(|c| c.unit_kinds.clone()));
    let on_save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(move || {
            let req = SaveUnitRequest {
                name: name.get_untracked(),
                kind: kind.get_untracked(),
            };
            done.set(None);
            Ok(async move {
                let unit = call::<_, StorageUnitView>(cmd::SAVE_STORAGE_UNIT, &req).await?;
                done.try_set(Some(t_args(
                    "ui.inventory.unit_saved",
                    &[("name", unit.name), ("kind", unit.kind_label)],
                )));
                name.try_set(String::new());
                inv.refresh();
                Ok(())
            })
        });
    };
    view! {
        <Show when=move || inv.may_manage()>
            <form class="panel unit-form" id="unit-form" on:submit=on_save>
                <h2>{t("ui.inventory.units")}</h2>
                <p class="hint">{move || {
                    let names: Vec<String> = inv.overview.with(|o| o.as_ref().map(|o| o.units.iter().map(|u| format!("{} ({})", u.name, u.kind_label)).collect()).unwrap_or_default());
                    if names.is_empty() { t_key("ui.inventory.units_none") } else { names.join(", ") }
                }}</p>
                <Problem id="unit-error" error=submit.error/>
                <Done id="unit-result" text=done/>
                <TextField label="ui.inventory.unit_name" id="unit-name" value=name/>
                <Choice label="ui.inventory.unit_kind" id="unit-kind".to_owned() value=kind items=kinds/>
                <div class="actions">
                    <button type="submit" id="unit-save" disabled=move || submit.busy.get()>{t("ui.inventory.unit_save")}</button>
                    <Busy busy=submit.busy/>
                </div>
            </form>
        </Show>
    }
}
