//! Inventory (F8), for the vaccine coordinator: one screen with six tabs
//! (Alt+1 … Alt+6), under a banner that says whether this month's physical
//! count is done.
//!
//! - On hand ([`stock`]): receive stock by scanning the package's barcode
//!   (the scan field has the focus; a scanner types the barcode and Enter)
//!   or typing its NDC, lot and expiry; every lot with its expiry (expired
//!   and expiring soon marked), funding, unit and doses (a balance below zero
//!   is flagged); doses leaving a lot (non-viable, returned, transferred,
//!   lent to another funding source).
//! - Count ([`count`]): each lot's counted doses against what the screen
//!   shows, the resulting adjustment and its reason.
//! - Non-viable ([`non_viable`]): vaccine to return or report, with the day it is due.
//! - Orders ([`orders`]): a draft from the suggestion or typed lines; submit,
//!   approve, ship, receive against the order with a scan; the ExIS CSV.
//! - Reports ([`reports`]): doses administered, stock expiring within 30, 60
//!   or 90 days, the counts, wastage; each saved as CSV or PDF.
//! - Temperature ([`temperature`]): a data logger's file for a storage unit,
//!   its excursions and the doses they touched.

mod count;
mod non_viable;
mod orders;
mod reports;
mod stock;
mod temperature;

use crate::app::state;
use crate::dates;
use crate::i18n::{date_text, iso_date_text, t, t_args, t_args_tracked, t_key, t_now};
use crate::transport::call;
use crate::widgets::error_text;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_core::i18n::Lang;
use salal_ipc::inventory::{StockChoices, StockLineView, StockOverview};
use salal_ipc::{CodeItem, IpcError, cmd};

/// Lots expiring within this many days are marked "expires soon".
pub(super) const SOON_DAYS: i64 = 30;

/// The tabs, in order (Alt+1 … Alt+6).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Tab {
    Stock,
    Count,
    NonViable,
    Orders,
    Reports,
    Temperature,
}

impl Tab {
    const ALL: [Tab; 6] = [
        Tab::Stock,
        Tab::Count,
        Tab::NonViable,
        Tab::Orders,
        Tab::Reports,
        Tab::Temperature,
    ];

    fn code(self) -> &'static str {
        match self {
            Tab::Stock => "stock",
            Tab::Count => "count",
            Tab::NonViable => "nonviable",
            Tab::Orders => "orders",
            Tab::Reports => "reports",
            Tab::Temperature => "temperature",
        }
    }
}

/// What every tab of the screen shares.
#[derive(Clone, Copy)]
pub(super) struct Inv {
    /// Stock, reconciliation and units, as last loaded.
    pub(super) overview: RwSignal<Option<StockOverview>>,
    /// The pick lists.
    pub(super) choices: RwSignal<StockChoices>,
    /// Why the overview could not be loaded.
    pub(super) error: RwSignal<Option<IpcError>>,
    /// The tab showing.
    pub(super) tab: RwSignal<Tab>,
}

impl Inv {
    /// Loads stock, reconciliation and units again (after any change).
    pub(super) fn refresh(self) {
        spawn_local(async move {
            match call::<_, StockOverview>(cmd::STOCK_OVERVIEW, &()).await {
                Ok(overview) => {
                    self.overview.try_set(Some(overview));
                    self.error.try_set(None);
                }
                Err(e) => {
                    self.error.try_set(Some(e));
                }
            }
        });
    }

    /// Whether the user may change stock (until the overview says, yes: the shell decides anyway).
    pub(super) fn may_manage(self) -> bool {
        self.overview
            .with(|o| o.as_ref().is_none_or(|o| o.may_manage))
    }

    /// Every lot on hand.
    pub(super) fn lines(self) -> Vec<StockLineView> {
        self.overview
            .with(|o| o.as_ref().map(|o| o.on_hand.clone()).unwrap_or_default())
    }
}

pub(super) fn inv() -> Inv {
    expect_context::<Inv>()
}

/// The Inventory screen.
#[component]
pub(crate) fn Inventory() -> impl IntoView {
    let inv = Inv {
        overview: RwSignal::new(None),
        choices: RwSignal::new(StockChoices::default()),
        error: RwSignal::new(None),
        tab: RwSignal::new(Tab::Stock),
    };
    provide_context(inv);
    inv.refresh();
    spawn_local(async move {
        if let Ok(choices) = call::<_, StockChoices>(cmd::STOCK_CHOICES, &()).await {
            inv.choices.try_set(choices);
        }
    });

    // Alt+1 … Alt+6 anywhere on the screen switch tabs.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if !ev.alt_key() || ev.ctrl_key() {
            return;
        }
        if let Some(tab) = ev
            .key()
            .parse::<usize>()
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| Tab::ALL.get(i))
        {
            ev.prevent_default();
            inv.tab.set(*tab);
        }
    });
    on_cleanup(move || keys.remove());

    view! {
        <section class="inventory card wide" id="inventory-screen">
            <div class="inventory-head">
                <h1>{t("ui.inventory.title")}</h1>
                <ReconciliationBanner/>
            </div>
            <Problem id="inventory-error" error=inv.error/>
            <div class="tabs" role="tablist" aria-label=t("ui.inventory.tabs")>
                {Tab::ALL.into_iter().enumerate().map(|(index, tab)| {
                    let key = format!("ui.inventory.tab.{}", tab.code());
                    view! {
                        <button type="button" role="tab" class="tab" id=format!("inv-tab-{}", tab.code())
                            aria-selected=move || (inv.tab.get() == tab).to_string()
                            aria-controls=format!("inv-{}", tab.code())
                            class:selected=move || inv.tab.get() == tab
                            on:click=move |_| inv.tab.set(tab)>
                            {move || t_key(&key)}" "<kbd>{format!("{}", index + 1)}</kbd>
                        </button>
                    }
                }).collect_view()}
                <span class="hint tab-hint">{t("ui.inventory.keys")}</span>
            </div>
            {move || {
                let tab = inv.tab.get();
                untrack(move || match tab {
                    Tab::Stock => view! { <stock::StockTab/> }.into_any(),
                    Tab::Count => view! { <count::CountTab/> }.into_any(),
                    Tab::NonViable => view! { <non_viable::NonViableTab/> }.into_any(),
                    Tab::Orders => view! { <orders::OrdersTab/> }.into_any(),
                    Tab::Reports => view! { <reports::ReportsTab/> }.into_any(),
                    Tab::Temperature => view! { <temperature::TemperatureTab/> }.into_any(),
                })
            }}
        </section>
    }
}

/// This month's count: done, or how many lots are left (with a way to the Count tab).
#[component]
fn ReconciliationBanner() -> impl IntoView {
    let app = state();
    let inv = inv();
    view! {
        {move || inv.overview.get().map(|o| {
            let r = o.reconciliation;
            let lang = app.lang.get();
            if r.done {
                let text = match &r.last_count {
                    Some(day) => t_args_tracked("ui.inventory.reconciled_on", &[("date", iso_date_text(lang, day))]),
                    None => t_key("ui.inventory.reconciled_nothing"),
                };
                view! {
                    <p class="banner success reconciliation" id="inv-reconciliation" role="status">{text}</p>
                }.into_any()
            } else {
                let text = t_args_tracked("ui.inventory.to_count", &[
                    ("count", r.uncounted.len().to_string()),
                    ("since", iso_date_text(lang, &r.month_start)),
                ]);
                view! {
                    <p class="banner warning reconciliation" id="inv-reconciliation" role="status">
                        {text}" "
                        <button type="button" class="small" id="inv-count-now" on:click=move |_| inv.tab.set(Tab::Count)>
                            {t("ui.inventory.count_now")}
                        </button>
                    </p>
                }.into_any()
            }
        })}
    }
}

/// An error banner with its own id (a screen with several forms shows several).
#[component]
pub(super) fn Problem(id: &'static str, error: RwSignal<Option<IpcError>>) -> impl IntoView {
    view! {
        <Show when=move || error.with(Option::is_some)>
            <div class="banner error" role="alert" id=id>
                {move || error.get().map(|e| error_text(&e)).unwrap_or_default()}
            </div>
        </Show>
    }
}

/// A banner for what the last action did, with its own id.
#[component]
pub(super) fn Done(id: &'static str, text: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || text.with(Option::is_some)>
            <p class="banner success path-text" role="status" id=id>{move || text.get().unwrap_or_default()}</p>
        </Show>
    }
}

/// A labelled pick list over codes, with "choose" first; `disabled` greys it out.
#[component]
pub(super) fn Choice(
    label: &'static str,
    id: String,
    value: RwSignal<String>,
    items: Signal<Vec<CodeItem>>,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    let for_id = id.clone();
    view! {
        <div class=format!("field {}", class.unwrap_or_default())>
            <label for=for_id>{t(label)}</label>
            <select id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="" selected=move || value.get().is_empty()>{t("ui.common.choose")}</option>
                {move || items.get().into_iter().map(|item| {
                    let code = item.code.clone();
                    view! { <option value=item.code.clone() selected=move || value.get() == code>{item.label}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// A whole number typed in a field; `label` names the field in the error.
pub(super) fn whole(text: &str, field: &str, label: &str) -> Result<i64, IpcError> {
    text.trim().parse::<i64>().map_err(|_| {
        IpcError::new(
            "form.bad_number",
            t_args("ui.error.stock_number", &[("field", t_now(label))]),
        )
        .with_field(field)
    })
}

/// A date typed the way the language writes it, as ISO text.
pub(super) fn typed_date(lang: Lang, text: &str, field: &str) -> Result<String, IpcError> {
    dates::parse(lang, text)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| {
            IpcError::new("form.bad_date", t_now("ui.error.stock_bad_date")).with_field(field)
        })
}

/// Today as the language writes it.
pub(super) fn today_text(lang: Lang) -> String {
    date_text(lang, dates::today())
}

/// An expiry with its mark: expired, or expiring within [`SOON_DAYS`].
pub(super) fn expiry_view(lang: Lang, line: &StockLineView) -> impl IntoView + use<> {
    let days = line.expires_in_days;
    let shown = iso_date_text(lang, &line.expires);
    let mark = if days < 0 {
        Some(("chip bad", t_key("ui.inventory.expired")))
    } else if days <= SOON_DAYS {
        Some((
            "chip soon",
            t_args_tracked("ui.inventory.expires_in", &[("days", days.to_string())]),
        ))
    } else {
        None
    };
    view! {
        <span class="expiry">{shown}</span>
        {mark.map(|(class, text)| view! { " "<span class=class>{text}</span> })}
    }
}

/// Doses, flagged when below zero.
pub(super) fn doses_view(quantity: i64) -> impl IntoView + use<> {
    view! {
        <span class="doses" class:negative=quantity < 0>{quantity.to_string()}</span>
        {(quantity < 0).then(|| view! { " "<span class="chip bad">{t("ui.inventory.negative")}</span> })}
    }
}

/// A signed adjustment: "+2", "−1", "0".
pub(super) fn signed(n: i64) -> String {
    match n {
        0 => "0".to_owned(),
        n if n > 0 => format!("+{n}"),
        n => format!("−{}", n.unsigned_abs()),
    }
}

/// The GS1 group separator (ASCII 29) between a barcode's variable-length fields.
const GROUP_SEPARATOR: char = '\u{1d}';

/// Keeps a scanner's group separators in a scan field. A scanner types it as
/// a control key (the GS key, or Ctrl+]) that a text field would drop; then
/// the end of a lot number could not be told from the next field.
pub(super) fn keep_group_separator(ev: &leptos::ev::KeyboardEvent, value: RwSignal<String>) {
    let key = ev.key();
    let is_gs = key == GROUP_SEPARATOR.to_string() || (ev.ctrl_key() && key == "]");
    if !is_gs {
        return;
    }
    let Some(input) = ev
        .target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok())
    else {
        return;
    };
    ev.prevent_default();
    let text: Vec<char> = input.value().chars().collect();
    let at = |n: Option<u32>| {
        n.and_then(|n| usize::try_from(n).ok())
            .unwrap_or(text.len())
            .min(text.len())
    };
    let start = at(input.selection_start().ok().flatten());
    let end = at(input.selection_end().ok().flatten()).max(start);
    let mut next: String = text[..start].iter().collect();
    next.push(GROUP_SEPARATOR);
    next.extend(&text[end..]);
    input.set_value(&next);
    value.set(next);
    let caret = u32::try_from(start + 1).unwrap_or(u32::MAX);
    input.set_selection_range(caret, caret).ok();
}
