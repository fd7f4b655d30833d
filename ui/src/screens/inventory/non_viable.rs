//! The Non-viable tab: vaccine recorded as wasted, expired or spoiled in a
//! period (the last 90 days at first), with what must be done — returned to
//! the distributor or only reported — and the day it is due. Overdue ones
//! are marked.

use super::{Problem, today_text, typed_date};
use crate::app::state;
use crate::dates;
use crate::i18n::{date_text, iso_date_text, t, t_key};
use crate::transport::call;
use crate::widgets::{Busy, Submit, TextField};
use leptos::prelude::*;
use salal_ipc::cmd;
use salal_ipc::inventory::{NonViableView, PeriodRequest};

/// Days back the list starts.
const DAYS_BACK: u64 = 90;

/// The Non-viable tab.
#[component]
pub(super) fn NonViableTab() -> impl IntoView {
    let app = state();
    let lang = app.lang.get_untracked();
    let from = RwSignal::new(date_text(
        lang,
        dates::today() - chrono::Days::new(DAYS_BACK),
    ));
    let to = RwSignal::new(today_text(lang));
    dates::follow_language(app.lang, vec![from, to]);
    let rows = RwSignal::new(None::<Vec<NonViableView>>);
    let submit = Submit::new();
    let load = move || {
        submit.run(move || {
            let lang = app.lang.get_untracked();
            let req = PeriodRequest {
                from: typed_date(lang, &from.get_untracked(), "from")?,
                to: typed_date(lang, &to.get_untracked(), "to")?,
            };
            Ok(async move {
                let found = call::<_, Vec<NonViableView>>(cmd::NON_VIABLE, &req).await?;
                rows.try_set(Some(found));
                Ok(())
            })
        });
    };
    load();
    let today = dates::today().format("%Y-%m-%d").to_string();
    let today = StoredValue::new(today);
    view! {
        <div class="tab-panel" id="inv-nonviable" role="tabpanel" aria-labelledby="inv-tab-nonviable">
            <p class="lead">{t("ui.inventory.nonviable_lead")}</p>
            <form class="row period" on:submit=move |ev| {
                ev.prevent_default();
                load();
            }>
                <TextField label="ui.inventory.from" id="nonviable-from" value=from hint="ui.date.placeholder" class="narrow"/>
                <TextField label="ui.inventory.to" id="nonviable-to" value=to hint="ui.date.placeholder" class="narrow"/>
                <div class="actions">
                    <button type="submit" id="nonviable-show" disabled=move || submit.busy.get()>{t("ui.inventory.show")}</button>
                    <Busy busy=submit.busy/>
                </div>
            </form>
            <Problem id="nonviable-error" error=submit.error/>
            {move || rows.get().map(|rows| {
                if rows.is_empty() {
                    return view! { <p class="empty" id="nonviable-empty">{t("ui.inventory.nonviable_none")}</p> }.into_any();
                }
                let lang = app.lang.get();
                view! {
                    <table class="nonviable-table" id="nonviable-table">
                        <thead>
                            <tr>
                                <th scope="col">{t("ui.inventory.col.date")}</th>
                                <th scope="col">{t("ui.inventory.col.vaccine")}</th>
                                <th scope="col">{t("ui.inventory.col.lot")}</th>
                                <th scope="col">{t("ui.inventory.col.funding")}</th>
                                <th scope="col">{t("ui.inventory.col.reason")}</th>
                                <th scope="col" class="num">{t("ui.inventory.col.doses")}</th>
                                <th scope="col">{t("ui.inventory.col.action")}</th>
                                <th scope="col">{t("ui.inventory.col.due")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().map(|n| {
                                let late = n.due.as_deref().is_some_and(|d| today.with_value(|t| d < t.as_str()));
                                let action_key = format!("ui.inventory.action.{}", n.action);
                                view! {
                                    <tr class="nonviable-row">
                                        <td>{iso_date_text(lang, &n.date)}</td>
                                        <td>{n.vaccine.clone()}</td>
                                        <td class="code lot">{n.lot.clone()}</td>
                                        <td>{n.funding.clone()}</td>
                                        <td>{n.reason.clone()}</td>
                                        <td class="num">{n.doses.to_string()}</td>
                                        <td>{move || t_key(&action_key)}</td>
                                        <td>
                                            {n.due.as_deref().map(|d| iso_date_text(lang, d)).unwrap_or_default()}
                                            {late.then(|| view! { " "<span class="chip bad">{t("ui.inventory.overdue")}</span> })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </div>
    }
}
