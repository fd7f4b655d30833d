//! The On hand tab: receiving (scan or type), the stock of every lot, and
//! doses leaving a lot.
//!
//! The scan field has the focus: a scanner types the package's barcode and
//! Enter, which receives the quantity and funding source chosen beside it;
//! the field is emptied and keeps the focus for the next package. The
//! group separators a scanner types between the barcode's fields (a control
//! key a text field would drop) are kept. Without a barcode, the NDC, lot and
//! expiry are typed instead.

use super::{Choice, Done, Problem, doses_view, expiry_view, inv, typed_date, whole};
use crate::app::state;
use crate::i18n::{t, t_args, t_key, t_now};
use crate::transport::call;
use crate::widgets::{Busy, Submit, TextField, close_on_escape, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use salal_ipc::inventory::{
    ReceiveRequest, ReceivedView, RemovalKind, RemoveRequest, StockLineView,
};
use salal_ipc::{CodeItem, IpcError, cmd};

/// The On hand tab.
#[component]
pub(super) fn StockTab() -> impl IntoView {
    let inv = inv();
    let selected = RwSignal::new(None::<StockLineView>);
    view! {
        <div class="tab-panel" id="inv-stock" role="tabpanel" aria-labelledby="inv-tab-stock">
            <Show when=move || inv.may_manage()>
                <ReceivePanel/>
            </Show>
            <OnHand selected=selected/>
            {move || selected.get().map(|line| view! { <RemovalPanel line=line selected=selected/> })}
        </div>
    }
}

/// Receive doses: a scanned barcode, or a typed NDC, lot and expiry.
#[component]
fn ReceivePanel() -> impl IntoView {
    let app = state();
    let inv = inv();
    let scan = RwSignal::new(String::new());
    let ndc = RwSignal::new(String::new());
    let lot = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    crate::dates::follow_language(app.lang, vec![expires]);
    let quantity = RwSignal::new(String::new());
    let funding = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let receipt_id = StoredValue::new(crate::ids::new_id());
    let submit = Submit::new();
    let done = RwSignal::new(None::<String>);
    let scan_ref = NodeRef::<Input>::new();
    focus_on_mount(scan_ref);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(move || {
            let lang = app.lang.get_untracked();
            let scanned = scan.get_untracked();
            let typed = scanned.trim().is_empty();
            if typed && ndc.get_untracked().trim().is_empty() {
                return Err(
                    IpcError::new("form.missing", t_now("ui.error.stock_receive_what"))
                        .with_field("scan"),
                );
            }
            let quantity = whole(
                &quantity.get_untracked(),
                "quantity",
                "ui.inventory.quantity",
            )?;
            let req = ReceiveRequest {
                id: receipt_id.get_value(),
                scan: scanned,
                ndc: if typed {
                    ndc.get_untracked()
                } else {
                    String::new()
                },
                lot: if typed {
                    lot.get_untracked()
                } else {
                    String::new()
                },
                expires: if typed {
                    typed_date(lang, &expires.get_untracked(), "expires")?
                } else {
                    String::new()
                },
                quantity,
                funding: funding.get_untracked(),
                unit: unit.get_untracked(),
            };
            done.set(None);
            Ok(async move {
                let received = call::<_, ReceivedView>(cmd::RECEIVE_STOCK, &req).await?;
                let line = &received.line;
                let key = if received.created {
                    "ui.inventory.received"
                } else {
                    "ui.inventory.received_before"
                };
                done.try_set(Some(t_args(
                    key,
                    &[
                        ("quantity", req.quantity.to_string()),
                        ("lot", line.lot.clone()),
                        ("vaccine", line.vaccine.clone()),
                        ("on_hand", line.quantity.to_string()),
                        ("unit", line.unit.clone()),
                    ],
                )));
                // The next package is a new receipt.
                receipt_id.set_value(crate::ids::new_id());
                scan.try_set(String::new());
                ndc.try_set(String::new());
                lot.try_set(String::new());
                expires.try_set(String::new());
                inv.refresh();
                if let Some(input) = scan_ref.get_untracked() {
                    input.focus().ok();
                }
                Ok(())
            })
        });
    };
    let funding_items = Signal::derive(move || inv.choices.with(|c| c.funding.clone()));
    let units = move || {
        inv.overview
            .with(|o| o.as_ref().map(|o| o.units.clone()).unwrap_or_default())
    };

    view! {
        <form class="panel receive" id="stock-receive" on:submit=on_submit>
            <h2>{t("ui.inventory.receive")}</h2>
            <Problem id="stock-receive-error" error=submit.error/>
            <Done id="stock-received" text=done/>
            <div class="row">
                <div class="field wide">
                    <label for="stock-scan">{t("ui.inventory.scan")}</label>
                    <input type="text" id="stock-scan" class="scan" autocomplete="off" spellcheck="false"
                        placeholder=t("ui.inventory.scan_hint") node_ref=scan_ref bind:value=scan
                        on:keydown=move |ev| super::keep_group_separator(&ev, scan)/>
                </div>
                <TextField label="ui.inventory.quantity" id="stock-quantity" value=quantity class="narrow"/>
                <Choice label="ui.inventory.funding" id="stock-funding".to_owned() value=funding items=funding_items/>
                <div class="field">
                    <label for="stock-unit">{t("ui.inventory.unit")}</label>
                    <select id="stock-unit" prop:value=move || unit.get() on:change=move |ev| unit.set(event_target_value(&ev))>
                        <option value="">{t("ui.inventory.unit_default")}</option>
                        {move || units().into_iter().map(|u| {
                            let name = u.name.clone();
                            let text = format!("{} ({})", u.name, u.kind_label);
                            view! { <option value=u.name selected=move || unit.get() == name>{text}</option> }
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <div class="row typed">
                <span class="or">{t("ui.inventory.or_type")}</span>
                <TextField label="ui.inventory.ndc" id="stock-ndc" value=ndc hint="ui.inventory.ndc_hint"/>
                <TextField label="ui.inventory.lot" id="stock-lot" value=lot/>
                <TextField label="ui.inventory.expires" id="stock-expires" value=expires hint="ui.date.placeholder"/>
                <div class="actions">
                    <button type="submit" class="primary" id="stock-receive-save" disabled=move || submit.busy.get()>
                        {t("ui.inventory.receive_save")}
                    </button>
                    <Busy busy=submit.busy/>
                </div>
            </div>
        </form>
    }
}

/// Every lot on hand; "Remove…" opens the form for doses leaving it.
#[component]
fn OnHand(selected: RwSignal<Option<StockLineView>>) -> impl IntoView {
    let app = state();
    let inv = inv();
    let rows = move || inv.lines().into_iter().enumerate().collect::<Vec<_>>();
    view! {
        <h2>{t("ui.inventory.on_hand")}</h2>
        <Show when=move || inv.overview.with(|o| o.as_ref().is_some_and(|o| o.on_hand.is_empty()))>
            <p class="empty" id="stock-empty">{t("ui.inventory.no_stock")}</p>
        </Show>
        <Show when=move || inv.overview.with(|o| o.as_ref().is_some_and(|o| !o.on_hand.is_empty()))>
            <table class="stock-table" id="inv-on-hand">
                <thead>
                    <tr>
                        <th scope="col">{t("ui.inventory.col.vaccine")}</th>
                        <th scope="col">{t("ui.inventory.col.ndc")}</th>
                        <th scope="col">{t("ui.inventory.col.lot")}</th>
                        <th scope="col">{t("ui.inventory.col.expires")}</th>
                        <th scope="col">{t("ui.inventory.col.funding")}</th>
                        <th scope="col">{t("ui.inventory.col.unit")}</th>
                        <th scope="col" class="num">{t("ui.inventory.col.doses")}</th>
                        <th scope="col"><span class="visually-hidden">{t("ui.inventory.col.actions")}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {move || rows().into_iter().map(|(index, line)| {
                        let lang = app.lang.get();
                        let pick = line.clone();
                        let may = inv.may_manage();
                        view! {
                            <tr class="stock-row" id=format!("stock-row-{index}") data-lot=line.lot.clone()
                                class:negative=line.quantity < 0 class:expired=line.expires_in_days < 0>
                                <td class="vaccine">{line.vaccine.clone()}" "<span class="muted">{format!("({})", line.cvx)}</span></td>
                                <td class="code">{line.ndc.clone()}</td>
                                <td class="code lot">{line.lot.clone()}</td>
                                <td>{expiry_view(lang, &line)}</td>
                                <td>{line.funding.clone()}" "<span class="muted">{program_text(&line.program)}</span></td>
                                <td>{line.unit.clone()}</td>
                                <td class="num" id=format!("stock-doses-{index}")>{doses_view(line.quantity)}</td>
                                <td class="row-actions">
                                    <Show when=move || may>
                                        <button type="button" class="small" id=format!("stock-remove-{index}")
                                            on:click={
                                                let pick = pick.clone();
                                                move |_| selected.set(Some(pick.clone()))
                                            }>
                                            {t("ui.inventory.remove")}
                                        </button>
                                    </Show>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </Show>
    }
}

/// The funding program's name (`vfc`, `state`, `private`…).
pub(super) fn program_text(program: &str) -> String {
    t_key(&format!("ui.inventory.program.{program}"))
}

/// Doses leaving one lot: non-viable (with its reason), returned, moved to
/// another unit or facility, or lent to another funding source.
#[component]
fn RemovalPanel(line: StockLineView, selected: RwSignal<Option<StockLineView>>) -> impl IntoView {
    let inv = inv();
    let kind = RwSignal::new(RemovalKind::Waste);
    let quantity = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let removal_id = StoredValue::new(crate::ids::new_id());
    let submit = Submit::new();
    let done = RwSignal::new(None::<String>);
    let line = RwSignal::new(line);
    let first = NodeRef::<leptos::html::Select>::new();
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(panel) = form.get() {
            // Under the table: bring the whole form into sight, then to the keyboard.
            panel.scroll_into_view();
        }
        if let Some(select) = first.get() {
            select.focus().ok();
        }
    });
    let close = move || selected.set(None);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(move || {
            let doses = whole(
                &quantity.get_untracked(),
                "quantity",
                "ui.inventory.quantity",
            )?;
            let l = line.get_untracked();
            let req = RemoveRequest {
                id: removal_id.get_value(),
                kind: kind.get_untracked(),
                lot_id: l.lot_id.clone(),
                unit: l.unit.clone(),
                quantity: doses,
                reason: reason.get_untracked(),
                to: to.get_untracked(),
                note: note.get_untracked(),
            };
            done.set(None);
            Ok(async move {
                let now = call::<_, StockLineView>(cmd::REMOVE_STOCK, &req).await?;
                removal_id.set_value(crate::ids::new_id());
                done.try_set(Some(t_args(
                    "ui.inventory.removed",
                    &[
                        ("quantity", req.quantity.to_string()),
                        ("lot", now.lot.clone()),
                        ("on_hand", now.quantity.to_string()),
                    ],
                )));
                quantity.try_set(String::new());
                line.try_set(now);
                inv.refresh();
                Ok(())
            })
        });
    };
    let on_key = close_on_escape(close);
    let reasons = Signal::derive(move || {
        inv.choices.with(|c| match kind.get() {
            RemovalKind::Waste => c.waste_reasons.clone(),
            RemovalKind::Borrow => c.borrow_reasons.clone(),
            _ => Vec::new(),
        })
    });
    let funding = Signal::derive(move || {
        let own = line.with(|l| l.funding.clone());
        inv.choices.with(|c| {
            c.funding
                .iter()
                .filter(|f| f.code != own)
                .cloned()
                .collect::<Vec<CodeItem>>()
        })
    });
    let units = move || {
        let own = line.with(|l| l.unit.clone());
        inv.overview.with(|o| {
            o.as_ref()
                .map(|o| {
                    o.units
                        .iter()
                        .filter(|u| u.name != own)
                        .map(|u| u.name.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let title = move || {
        line.with(|l| {
            crate::i18n::t_args_tracked(
                "ui.inventory.removal_title",
                &[
                    ("lot", l.lot.clone()),
                    ("vaccine", l.vaccine.clone()),
                    ("unit", l.unit.clone()),
                    ("on_hand", l.quantity.to_string()),
                ],
            )
        })
    };
    let needs_reason = move || matches!(kind.get(), RemovalKind::Waste | RemovalKind::Borrow);

    view! {
        <form class="panel removal" id="stock-removal" node_ref=form on:submit=on_submit on:keydown=on_key>
            <h2>{title}</h2>
            <Problem id="stock-removal-error" error=submit.error/>
            <Done id="stock-removal-done" text=done/>
            <div class="row">
                <div class="field">
                    <label for="removal-kind">{t("ui.inventory.removal_kind")}</label>
                    <select id="removal-kind" node_ref=first
                        on:change=move |ev| {
                            let code = event_target_value(&ev);
                            if let Some(k) = RemovalKind::ALL.into_iter().find(|k| k.code() == code) {
                                kind.set(k);
                                reason.set(String::new());
                                to.set(String::new());
                            }
                        }>
                        {RemovalKind::ALL.into_iter().map(|k| {
                            let key = format!("ui.inventory.removal.{}", k.code());
                            view! { <option value=k.code() selected=move || kind.get() == k>{move || t_key(&key)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <TextField label="ui.inventory.quantity" id="removal-quantity" value=quantity class="narrow"/>
                <Show when=needs_reason>
                    <Choice label="ui.inventory.reason" id="removal-reason".to_owned() value=reason items=reasons class="wide"/>
                </Show>
                <Show when=move || kind.get() == RemovalKind::Borrow>
                    <Choice label="ui.inventory.to_funding" id="removal-to".to_owned() value=to items=funding/>
                </Show>
                <Show when=move || matches!(kind.get(), RemovalKind::TransferUnit | RemovalKind::TransferFacility)>
                    <div class="field">
                        <label for="removal-to">{move || if kind.get() == RemovalKind::TransferUnit {
                            t_key("ui.inventory.to_unit")
                        } else {
                            t_key("ui.inventory.to_facility")
                        }}</label>
                        <input type="text" id="removal-to" list="removal-units" autocomplete="off" bind:value=to/>
                        <datalist id="removal-units">
                            {move || units().into_iter().map(|u| view! { <option value=u/> }).collect_view()}
                        </datalist>
                    </div>
                </Show>
            </div>
            <div class="row">
                <TextField label="ui.inventory.note" id="removal-note" value=note class="wide"/>
                <div class="actions">
                    <button type="submit" class="primary" id="removal-save" disabled=move || submit.busy.get()>
                        {t("ui.inventory.removal_save")}
                    </button>
                    <button type="button" id="removal-cancel" on:click=move |_| close()>{t("ui.common.close")}</button>
                    <Busy busy=submit.busy/>
                </div>
            </div>
        </form>
    }
}
