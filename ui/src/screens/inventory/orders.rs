//! The Orders tab: a draft order from Salal's suggestion (recent use and
//! stock levels) or typed lines, its doses editable; then the orders, each
//! moved forward — submitted (refused, with the reason, until this month's
//! count is done), approved, shipped, received against the order by scanning
//! what arrived — or cancelled; and saved as the CDC ExIS CSV.

use super::{Choice, Done, Problem, inv, whole};
use crate::app::state;
use crate::i18n::{iso_date_text, t, t_args, t_args_tracked, t_key, t_now};
use crate::transport::call;
use crate::widgets::{Busy, Submit, TextField, close_on_escape, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use salal_ipc::documents::SavedFile;
use salal_ipc::inventory::{
    AdvanceOrderRequest, CreateOrderRequest, ExportOrderRequest, OrderLineView, OrderStateView,
    OrderView, ReceiveOrderRequest, ReceiveRequest,
};
use salal_ipc::{IpcError, cmd};

/// The orders as last loaded, and a way to load them again.
#[derive(Clone, Copy)]
struct Orders {
    list: RwSignal<Vec<OrderView>>,
    error: RwSignal<Option<IpcError>>,
}

impl Orders {
    fn load(self) {
        leptos::task::spawn_local(async move {
            match call::<_, Vec<OrderView>>(cmd::ORDERS, &()).await {
                Ok(list) => {
                    self.list.try_set(list);
                }
                Err(e) => {
                    self.error.try_set(Some(e));
                }
            }
        });
    }
}

/// The Orders tab.
#[component]
pub(super) fn OrdersTab() -> impl IntoView {
    let inv = inv();
    let orders = Orders {
        list: RwSignal::new(Vec::new()),
        error: RwSignal::new(None),
    };
    orders.load();
    view! {
        <div class="tab-panel" id="inv-orders" role="tabpanel" aria-labelledby="inv-tab-orders">
            <Show when=move || inv.may_manage()>
                <Draft orders=orders/>
            </Show>
            <OrderList orders=orders/>
        </div>
    }
}

/// One line of the draft, its doses as typed.
#[derive(Clone)]
struct DraftLine {
    line: OrderLineView,
    doses: RwSignal<String>,
}

/// A new order: the suggestion or typed lines, doses editable.
#[component]
fn Draft(orders: Orders) -> impl IntoView {
    let inv = inv();
    let lines = RwSignal::new(Vec::<DraftLine>::new());
    let suggested_none = RwSignal::new(false);
    let ndc = RwSignal::new(String::new());
    let funding = RwSignal::new(String::new());
    let add_doses = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let order_id = StoredValue::new(crate::ids::new_id());
    let suggest = Submit::new();
    let create = Submit::new();
    let done = RwSignal::new(None::<String>);

    let draft = |line: OrderLineView| DraftLine {
        doses: RwSignal::new(line.doses.to_string()),
        line,
    };
    let on_suggest = move |_| {
        suggest.run(move || {
            suggested_none.set(false);
            Ok(async move {
                let found = call::<_, Vec<OrderLineView>>(cmd::SUGGESTED_ORDER, &()).await?;
                suggested_none.try_set(found.is_empty());
                lines.try_set(found.into_iter().map(draft).collect());
                Ok(())
            })
        });
    };
    let on_add = move || {
        let ndc_text = ndc.get_untracked().trim().to_owned();
        if ndc_text.is_empty() {
            create.error.set(Some(
                IpcError::new("form.missing", t_now("ui.error.order_ndc")).with_field("ndc"),
            ));
            return;
        }
        match whole(
            &add_doses.get_untracked(),
            "doses",
            "ui.inventory.col.doses",
        ) {
            Ok(doses) => {
                create.error.set(None);
                lines.update(|l| {
                    l.push(draft(OrderLineView {
                        ndc: ndc_text,
                        cvx: String::new(),
                        vaccine: String::new(),
                        funding: funding.get_untracked(),
                        doses,
                        suggested: None,
                    }));
                });
                ndc.set(String::new());
                add_doses.set(String::new());
            }
            Err(e) => create.error.set(Some(e)),
        }
    };
    let on_create = move |_| {
        create.run(move || {
            let mut out = Vec::new();
            for (index, l) in lines.get_untracked().into_iter().enumerate() {
                let doses = whole(
                    &l.doses.get_untracked(),
                    &format!("doses_{index}"),
                    "ui.inventory.col.doses",
                )?;
                out.push(OrderLineView { doses, ..l.line });
            }
            let req = CreateOrderRequest {
                id: order_id.get_value(),
                lines: out,
                note: note.get_untracked(),
            };
            done.set(None);
            Ok(async move {
                let order = call::<_, OrderView>(cmd::CREATE_ORDER, &req).await?;
                order_id.set_value(crate::ids::new_id());
                lines.try_set(Vec::new());
                note.try_set(String::new());
                suggested_none.try_set(false);
                done.try_set(Some(t_args(
                    "ui.inventory.order_created",
                    &[("lines", order.lines.len().to_string())],
                )));
                orders.load();
                Ok(())
            })
        });
    };
    let funding_items = Signal::derive(move || inv.choices.with(|c| c.funding.clone()));

    view! {
        <section class="panel draft" id="order-draft">
            <h2>{t("ui.inventory.new_order")}</h2>
            <Problem id="order-draft-error" error=create.error/>
            <Problem id="order-suggest-error" error=suggest.error/>
            <Done id="order-created" text=done/>
            <div class="actions">
                <button type="button" id="order-suggest" disabled=move || suggest.busy.get() on:click=on_suggest>
                    {t("ui.inventory.suggest")}
                </button>
                <Busy busy=suggest.busy/>
                <Show when=move || suggested_none.get()>
                    <span class="hint" id="order-suggest-none">{t("ui.inventory.suggest_none")}</span>
                </Show>
            </div>
            <Show when=move || !lines.with(Vec::is_empty)>
                <table class="order-lines" id="order-lines">
                    <thead>
                        <tr>
                            <th scope="col">{t("ui.inventory.col.vaccine")}</th>
                            <th scope="col">{t("ui.inventory.col.ndc")}</th>
                            <th scope="col">{t("ui.inventory.col.funding")}</th>
                            <th scope="col" class="num">{t("ui.inventory.col.suggested")}</th>
                            <th scope="col">{t("ui.inventory.col.doses")}</th>
                            <th scope="col"><span class="visually-hidden">{t("ui.inventory.col.actions")}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || lines.get().into_iter().enumerate().map(|(index, l)| {
                            let doses_id = format!("order-doses-{index}");
                            view! {
                                <tr class="order-line" id=format!("order-line-{index}")>
                                    <td>{l.line.vaccine.clone()}</td>
                                    <td class="code">{l.line.ndc.clone()}</td>
                                    <td>{l.line.funding.clone()}</td>
                                    <td class="num">{l.line.suggested.map(|n| n.to_string()).unwrap_or_default()}</td>
                                    <td>
                                        <label class="visually-hidden" for=doses_id.clone()>{t("ui.inventory.col.doses")}</label>
                                        <input type="text" class="count-input" inputmode="numeric" id=doses_id
                                            autocomplete="off" bind:value=l.doses/>
                                    </td>
                                    <td class="row-actions">
                                        <button type="button" class="small" id=format!("order-line-remove-{index}")
                                            on:click=move |_| lines.update(|all| {
                                                if index < all.len() {
                                                    all.remove(index);
                                                }
                                            })>
                                            {t("ui.inventory.line_remove")}
                                        </button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
            <form class="row add-line" on:submit=move |ev| {
                ev.prevent_default();
                on_add();
            }>
                <TextField label="ui.inventory.ndc" id="order-ndc" value=ndc hint="ui.inventory.ndc_hint"/>
                <Choice label="ui.inventory.funding" id="order-funding".to_owned() value=funding items=funding_items/>
                <TextField label="ui.inventory.col.doses" id="order-add-doses" value=add_doses class="narrow"/>
                <div class="actions">
                    <button type="submit" id="order-add">{t("ui.inventory.line_add")}</button>
                </div>
            </form>
            <div class="row">
                <TextField label="ui.inventory.note" id="order-note" value=note class="wide"/>
                <div class="actions">
                    <button type="button" class="primary" id="order-create"
                        disabled=move || create.busy.get() || lines.with(Vec::is_empty) on:click=on_create>
                        {t("ui.inventory.order_create")}
                    </button>
                    <Busy busy=create.busy/>
                </div>
            </div>
        </section>
    }
}

/// The states an order may move to from `state`, in the order the buttons show them.
fn next_states(state: OrderStateView) -> &'static [OrderStateView] {
    match state {
        OrderStateView::Draft => &[OrderStateView::Submitted, OrderStateView::Cancelled],
        OrderStateView::Submitted => &[
            OrderStateView::Approved,
            OrderStateView::Received,
            OrderStateView::Cancelled,
        ],
        OrderStateView::Approved => &[
            OrderStateView::Shipped,
            OrderStateView::Received,
            OrderStateView::Cancelled,
        ],
        OrderStateView::Shipped => &[OrderStateView::Received],
        OrderStateView::Received | OrderStateView::Cancelled => &[],
    }
}

/// The button id of a move (`order-submit-0`, `order-receive-0`…).
fn move_id(to: OrderStateView, index: usize) -> String {
    let verb = match to {
        OrderStateView::Submitted => "submit",
        OrderStateView::Approved => "approve",
        OrderStateView::Shipped => "ship",
        OrderStateView::Received => "receive",
        OrderStateView::Cancelled => "cancel",
        OrderStateView::Draft => "draft",
    };
    format!("order-{verb}-{index}")
}

/// Every order, with what can be done next.
#[component]
fn OrderList(orders: Orders) -> impl IntoView {
    let app = state();
    let inv = inv();
    let action = Submit::new();
    let pin = RwSignal::new(String::new());
    let done = RwSignal::new(None::<String>);
    let receiving = RwSignal::new(None::<String>);

    let advance = move |order_id: String, to: OrderStateView| {
        action.run(move || {
            done.set(None);
            let req = AdvanceOrderRequest { order_id, to };
            Ok(async move {
                let order = call::<_, OrderView>(cmd::ADVANCE_ORDER, &req).await?;
                done.try_set(Some(t_args(
                    "ui.inventory.order_moved",
                    &[(
                        "state",
                        t_now(&format!("ui.inventory.order_state.{}", order.state.code())),
                    )],
                )));
                orders.load();
                Ok(())
            })
        });
    };
    let export = move |order_id: String| {
        action.run(move || {
            done.set(None);
            let req = ExportOrderRequest {
                order_id,
                pin: pin.get_untracked(),
            };
            Ok(async move {
                let file = call::<_, SavedFile>(cmd::EXPORT_ORDER, &req).await?;
                done.try_set(Some(t_args("ui.print.saved", &[("path", file.path)])));
                Ok(())
            })
        });
    };

    view! {
        <section class="orders" id="orders">
            <div class="orders-bar">
                <h2>{t("ui.inventory.orders")}</h2>
                <TextField label="ui.inventory.pin" id="order-pin" value=pin class="narrow"/>
            </div>
            <Problem id="order-error" error=action.error/>
            <Problem id="orders-load-error" error=orders.error/>
            <Done id="order-result" text=done/>
            <Show when=move || orders.list.with(Vec::is_empty)>
                <p class="empty" id="orders-empty">{t("ui.inventory.orders_none")}</p>
            </Show>
            <Show when=move || !orders.list.with(Vec::is_empty)>
                <table class="orders-table" id="orders-table">
                    <thead>
                        <tr>
                            <th scope="col">{t("ui.inventory.col.order")}</th>
                            <th scope="col">{t("ui.inventory.col.state")}</th>
                            <th scope="col">{t("ui.inventory.col.lines")}</th>
                            <th scope="col"><span class="visually-hidden">{t("ui.inventory.col.actions")}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || orders.list.get().into_iter().enumerate().map(|(index, order)| {
                            let lang = app.lang.get();
                            let state_key = format!("ui.inventory.order_state.{}", order.state.code());
                            let id = StoredValue::new(order.id.clone());
                            let summary = order.lines.iter().map(|l| {
                                let name = if l.vaccine.is_empty() { l.ndc.clone() } else { l.vaccine.clone() };
                                format!("{name} · {} · {}", l.funding, l.doses)
                            }).collect::<Vec<_>>().join("; ");
                            let may = inv.may_manage();
                            let moves = if may { next_states(order.state) } else { &[] };
                            let is_receiving = move || receiving.with(|r| r.as_deref() == Some(id.get_value().as_str()));
                            let order_for_panel = order.clone();
                            view! {
                                <tr class="order-row" id=format!("order-row-{index}")>
                                    <td>
                                        <span class="code">{order.id.get(..8).unwrap_or_default().to_owned()}</span><br/>
                                        <span class="muted">{t_args_tracked("ui.inventory.order_started", &[
                                            ("date", iso_date_text(lang, &order.created_on)),
                                        ])}</span>
                                    </td>
                                    <td>
                                        <span class=format!("chip state-{}", order.state.code()) id=format!("order-state-{index}")>
                                            {move || t_key(&state_key)}
                                        </span>
                                        " "<span class="muted">{iso_date_text(lang, &order.updated_on)}</span>
                                    </td>
                                    <td class="order-summary">{summary}</td>
                                    <td class="row-actions">
                                        {moves.iter().map(|to| {
                                            let to = *to;
                                            let key = format!("ui.inventory.order_move.{}", to.code());
                                            let button_id = move_id(to, index);
                                            view! {
                                                <button type="button" class="small" id=button_id
                                                    class:danger=to == OrderStateView::Cancelled
                                                    disabled=move || action.busy.get()
                                                    on:click=move |_| {
                                                        if to == OrderStateView::Received {
                                                            receiving.set(Some(id.get_value()));
                                                        } else {
                                                            advance(id.get_value(), to);
                                                        }
                                                    }>
                                                    {move || t_key(&key)}
                                                </button>
                                            }
                                        }).collect_view()}
                                        <button type="button" class="small" id=format!("order-export-{index}")
                                            disabled=move || action.busy.get() on:click=move |_| export(id.get_value())>
                                            {t("ui.inventory.order_export")}
                                        </button>
                                    </td>
                                </tr>
                                <Show when=is_receiving>
                                    <tr class="receive-order-row">
                                        <td colspan="4">
                                            <ReceiveOrder order=order_for_panel.clone() orders=orders receiving=receiving done=done/>
                                        </td>
                                    </tr>
                                </Show>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
        </section>
    }
}

/// Receive a shipment against an order: scan each package (Enter adds it),
/// then receive them all, and the order becomes received.
#[component]
fn ReceiveOrder(
    order: OrderView,
    orders: Orders,
    receiving: RwSignal<Option<String>>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let inv = inv();
    let first_funding = order
        .lines
        .first()
        .map(|l| l.funding.clone())
        .unwrap_or_default();
    let scan = RwSignal::new(String::new());
    let quantity = RwSignal::new(
        order
            .lines
            .first()
            .map(|l| l.doses.to_string())
            .unwrap_or_default(),
    );
    let funding = RwSignal::new(first_funding);
    let receipts = RwSignal::new(Vec::<ReceiveRequest>::new());
    let submit = Submit::new();
    let order_id = StoredValue::new(order.id.clone());
    let scan_ref = NodeRef::<Input>::new();
    focus_on_mount(scan_ref);
    let close = move || receiving.set(None);

    let on_scan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = scan.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        match whole(
            &quantity.get_untracked(),
            "quantity",
            "ui.inventory.quantity",
        ) {
            Ok(doses) => {
                submit.error.set(None);
                receipts.update(|r| {
                    r.push(ReceiveRequest {
                        id: crate::ids::new_id(),
                        scan: text,
                        quantity: doses,
                        funding: funding.get_untracked(),
                        ..ReceiveRequest::default()
                    });
                });
                scan.set(String::new());
            }
            Err(e) => submit.error.set(Some(e)),
        }
    };
    let on_receive = move |_| {
        submit.run(move || {
            let req = ReceiveOrderRequest {
                order_id: order_id.get_value(),
                receipts: receipts.get_untracked(),
            };
            Ok(async move {
                call::<_, OrderView>(cmd::RECEIVE_ORDER, &req).await?;
                done.try_set(Some(t_args(
                    "ui.inventory.order_received",
                    &[("packages", req.receipts.len().to_string())],
                )));
                receiving.try_set(None);
                orders.load();
                inv.refresh();
                Ok(())
            })
        });
    };
    let on_key = close_on_escape(close);
    let funding_items = Signal::derive(move || inv.choices.with(|c| c.funding.clone()));
    view! {
        <div class="receive-order" id="order-receive-panel" on:keydown=on_key>
            <Problem id="order-receive-error" error=submit.error/>
            <form class="row" on:submit=on_scan>
                <div class="field wide">
                    <label for="order-scan">{t("ui.inventory.scan")}</label>
                    <input type="text" id="order-scan" class="scan" autocomplete="off" spellcheck="false"
                        placeholder=t("ui.inventory.scan_hint") node_ref=scan_ref bind:value=scan
                        on:keydown=move |ev| super::keep_group_separator(&ev, scan)/>
                </div>
                <TextField label="ui.inventory.quantity" id="order-quantity" value=quantity class="narrow"/>
                <Choice label="ui.inventory.funding" id="order-receive-funding".to_owned() value=funding items=funding_items/>
            </form>
            <ul class="receipts" id="order-receipts">
                {move || receipts.get().into_iter().map(|r| view! {
                    <li><span class="code">{r.scan.chars().filter(|c| !c.is_control()).collect::<String>()}</span>
                        " · "{r.funding.clone()}" · "{t_args_tracked("ui.inventory.doses_n", &[("doses", r.quantity.to_string())])}</li>
                }).collect_view()}
            </ul>
            <div class="actions">
                <button type="button" class="primary" id="order-receive-save"
                    disabled=move || submit.busy.get() on:click=on_receive>
                    {move || t_args_tracked("ui.inventory.order_receive_save", &[("packages", receipts.with(Vec::len).to_string())])}
                </button>
                <button type="button" id="order-receive-cancel" on:click=move |_| close()>{t("ui.common.close")}</button>
                <Busy busy=submit.busy/>
                <span class="hint">{t("ui.inventory.order_receive_hint")}</span>
            </div>
        </div>
    }
}
