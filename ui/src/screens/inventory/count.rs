//! The Count tab: the physical count, lot by lot. Each row shows the doses
//! expected (what this screen shows on hand), takes the doses counted, and
//! shows the adjustment that saving makes; a difference asks for a reason.
//! Enter in a row's field saves that row. Lots not yet counted this month are marked.

use super::{Choice, Done, Problem, expiry_view, inv, signed, whole};
use crate::app::state;
use crate::i18n::{t, t_args, t_args_tracked, t_key};
use crate::transport::call;
use crate::widgets::Submit;
use leptos::prelude::*;
use salal_ipc::cmd;
use salal_ipc::inventory::{CountRequest, CountedView, StockLineView};

/// The Count tab.
#[component]
pub(super) fn CountTab() -> impl IntoView {
    let inv = inv();
    let done = RwSignal::new(None::<String>);
    let keys = move || {
        inv.lines()
            .into_iter()
            .enumerate()
            .map(|(index, l)| (index, (l.lot_id, l.unit)))
            .collect::<Vec<_>>()
    };
    view! {
        <div class="tab-panel" id="inv-count" role="tabpanel" aria-labelledby="inv-tab-count">
            <p class="lead">{t("ui.inventory.count_lead")}</p>
            <Done id="count-result" text=done/>
            <Show when=move || inv.lines().is_empty()>
                <p class="empty" id="count-empty">{t("ui.inventory.no_stock")}</p>
            </Show>
            <Show when=move || !inv.lines().is_empty()>
                <table class="count-table" id="count-table">
                    <thead>
                        <tr>
                            <th scope="col">{t("ui.inventory.col.vaccine")}</th>
                            <th scope="col">{t("ui.inventory.col.lot")}</th>
                            <th scope="col">{t("ui.inventory.col.expires")}</th>
                            <th scope="col">{t("ui.inventory.col.unit")}</th>
                            <th scope="col" class="num">{t("ui.inventory.col.expected")}</th>
                            <th scope="col">{t("ui.inventory.col.counted")}</th>
                            <th scope="col" class="num">{t("ui.inventory.col.adjustment")}</th>
                            <th scope="col">{t("ui.inventory.col.reason")}</th>
                            <th scope="col"><span class="visually-hidden">{t("ui.inventory.col.actions")}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=keys key=|(_, key)| key.clone()
                            children=move |(index, key)| view! { <CountRow index=index key=key done=done/> }/>
                    </tbody>
                </table>
            </Show>
        </div>
    }
}

/// One lot's count.
#[component]
fn CountRow(index: usize, key: (String, String), done: RwSignal<Option<String>>) -> impl IntoView {
    let app = state();
    let inv = inv();
    let key = StoredValue::new(key);
    let line = Memo::new(move |_| {
        key.with_value(|(lot_id, unit)| {
            inv.lines()
                .into_iter()
                .find(|l| &l.lot_id == lot_id && &l.unit == unit)
        })
    });
    let counted = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let count_id = StoredValue::new(crate::ids::new_id());
    let submit = Submit::new();
    let saved = RwSignal::new(None::<CountedView>);
    let expected = move || line.with(|l| l.as_ref().map_or(0, |l| l.quantity));
    let difference = move || {
        counted
            .with(|c| c.trim().parse::<i64>().ok())
            .map(|n| n - expected())
    };
    let uncounted = move || {
        key.with_value(|(lot_id, unit)| {
            inv.overview.with(|o| {
                o.as_ref().is_some_and(|o| {
                    o.reconciliation
                        .uncounted
                        .iter()
                        .any(|u| &u.lot_id == lot_id && &u.unit == unit)
                })
            })
        })
    };
    let save = move || {
        submit.run(move || {
            let n = whole(
                &counted.get_untracked(),
                "counted",
                "ui.inventory.col.counted",
            )?;
            let (lot_id, unit) = key.get_value();
            let req = CountRequest {
                id: count_id.get_value(),
                lot_id,
                unit,
                counted: n,
                expected: expected(),
                reason: reason.get_untracked(),
            };
            Ok(async move {
                let result = call::<_, CountedView>(cmd::COUNT_STOCK, &req).await?;
                count_id.set_value(crate::ids::new_id());
                done.try_set(Some(t_args(
                    "ui.inventory.counted",
                    &[
                        ("lot", result.line.lot.clone()),
                        ("counted", result.counted.to_string()),
                        ("expected", result.expected.to_string()),
                        ("adjustment", signed(result.adjustment)),
                    ],
                )));
                counted.try_set(String::new());
                reason.try_set(String::new());
                saved.try_set(Some(result));
                inv.refresh();
                Ok(())
            })
        });
    };
    let reasons = Signal::derive(move || inv.choices.with(|c| c.adjustment_reasons.clone()));
    view! {
        {move || line.get().map(|l: StockLineView| {
            let lang = app.lang.get();
            view! {
                <tr class="count-row" id=format!("count-row-{index}") data-lot=l.lot.clone() class:uncounted=uncounted>
                    <td>{l.vaccine.clone()}</td>
                    <td class="code lot">{l.lot.clone()}</td>
                    <td>{expiry_view(lang, &l)}</td>
                    <td>{l.unit.clone()}</td>
                    <td class="num" id=format!("count-expected-{index}")>{l.quantity.to_string()}</td>
                    <td>
                        <label class="visually-hidden" for=format!("count-counted-{index}")>
                            {t_args_tracked("ui.inventory.counted_label", &[("lot", l.lot.clone())])}
                        </label>
                        <input type="text" class="count-input" inputmode="numeric" id=format!("count-counted-{index}")
                            autocomplete="off" bind:value=counted
                            on:keydown=move |ev| if ev.key() == "Enter" {
                                ev.prevent_default();
                                save();
                            }/>
                    </td>
                    <td class="num adjustment" id=format!("count-adjustment-{index}")
                        class:off=move || difference().is_some_and(|d| d != 0)>
                        {move || difference().map(signed).unwrap_or_default()}
                    </td>
                    <td class="reason">
                        <Show when=move || difference().is_some_and(|d| d != 0)>
                            <Choice label="ui.inventory.reason" id=format!("count-reason-{index}") value=reason items=reasons/>
                        </Show>
                    </td>
                    <td class="row-actions">
                        <button type="button" class="small" id=format!("count-save-{index}")
                            disabled=move || submit.busy.get() on:click=move |_| save()>
                            {t("ui.inventory.count_save")}
                        </button>
                        <span class="count-status" id=format!("count-status-{index}")>
                            {move || match saved.get() {
                                Some(s) => t_args_tracked("ui.inventory.count_saved", &[("adjustment", signed(s.adjustment))]),
                                None if uncounted() => t_key("ui.inventory.to_count_tag"),
                                None => String::new(),
                            }}
                        </span>
                    </td>
                </tr>
                <Show when=move || submit.error.with(Option::is_some)>
                    <tr class="count-error-row">
                        <td colspan="9">
                            <Problem id="count-error" error=submit.error/>
                        </td>
                    </tr>
                </Show>
            }
        })}
    }
}
