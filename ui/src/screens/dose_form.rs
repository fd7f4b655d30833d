//! Record an immunization event: a dose given here (the default), a historical
//! dose, a refusal, a contraindication or evidence of immunity. The date starts
//! as today; the vaccine is picked by typing its name or CVX code.
//!
//! A dose given here is taken from a lot in stock: once the vaccine is chosen
//! the form offers its lots, soonest expiry first (lot, expiry, funding
//! source, doses left), or a lot typed by hand. Saving may bring back
//! warnings to confirm first — an expired lot, privately funded stock for a
//! VFC-eligible child, VFC stock for a child who is not — each with its
//! "I confirm" box; the save goes through once every one is confirmed.
//!
//! The form chooses the new event's id when it opens: a double submit or a
//! retry after a failed save sends the same id, and the shell saves one event.

use crate::app::{Screen, state};
use crate::dates;
use crate::i18n::{date_text, iso_date_text, t, t_args_tracked, t_key, t_now};
use crate::transport::call;
use crate::widgets::{CodeSelect, ErrorBanner, Submit, SubmitRow, TextField};
use leptos::html::{Input, Select};
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::dose::{EventForm, EventKind, EventSaved};
use salal_ipc::inventory::{DoseWarningView, LotsForDoseRequest, StockLineView};
use salal_ipc::{CodeItem, IpcError, cmd};

/// The lot picker's choice of a lot typed by hand.
const TYPED: &str = "typed";

const MAX_MATCHES: usize = 8;

/// The "record a dose" screen.
#[component]
pub(crate) fn DoseForm(patient_id: String) -> impl IntoView {
    let app = state();
    let lang = app.lang.get_untracked();
    let kind = RwSignal::new(EventKind::Administered);
    let cvx = RwSignal::new(String::new());
    let date = RwSignal::new(date_text(lang, dates::today()));
    let lot = RwSignal::new(String::new());
    let expiry = RwSignal::new(String::new());
    let site = RwSignal::new(String::new());
    let route = RwSignal::new(String::new());
    let amount = RwSignal::new("0.5".to_owned());
    let vis_given = RwSignal::new(true);
    let vfc = RwSignal::new(String::new());
    let funding = RwSignal::new(String::new());
    let provider = RwSignal::new(app.session.with_untracked(|s| {
        s.as_ref()
            .map(|s| s.display_name.clone())
            .unwrap_or_default()
    }));
    let source_note = RwSignal::new(String::new());
    let refusal = RwSignal::new(String::new());
    let contraindication = RwSignal::new(String::new());
    let immunity = RwSignal::new(String::new());
    let lots = RwSignal::new(Vec::<StockLineView>::new());
    let pick = RwSignal::new(TYPED.to_owned());
    let confirmed = RwSignal::new(Vec::<String>::new());
    let warnings = RwSignal::new(Vec::<DoseWarningView>::new());
    let submit_state = Submit::new();
    let (error, busy) = (submit_state.error, submit_state.busy);
    // This form's event, whatever happens to the first save.
    let event_id = StoredValue::new(crate::ids::new_id());
    let patient_id = StoredValue::new(patient_id);
    let fields = DoseFields {
        kind,
        cvx,
        date,
        lot,
        expiry,
        site,
        route,
        amount,
        vis_given,
        vfc,
        funding,
        provider,
        source_note,
        refusal,
        contraindication,
        immunity,
        lots,
        pick,
        confirmed,
    };
    // The lots in stock for the vaccine chosen, for a dose given here.
    Effect::new(move |_| {
        let code = cvx.get();
        let here = kind.get() == EventKind::Administered;
        if code.is_empty() || !here {
            lots.set(Vec::new());
            pick.set(TYPED.to_owned());
            return;
        }
        spawn_local(async move {
            let found = call::<_, Vec<StockLineView>>(
                cmd::LOTS_FOR_DOSE,
                &LotsForDoseRequest { cvx: code.clone() },
            )
            .await
            .unwrap_or_default();
            // Only if the vaccine is still the one asked about.
            if cvx.try_get_untracked().as_deref() == Some(code.as_str()) {
                let first = found.first().map(|l| l.funding.clone());
                lots.try_set(found);
                pick.try_set(if first.is_some() {
                    "0".to_owned()
                } else {
                    TYPED.to_owned()
                });
                if let Some(f) = first {
                    funding.try_set(f);
                }
            }
        });
    });
    let kind_ref = NodeRef::<Select>::new();
    Effect::new(move |_| {
        if let Some(select) = kind_ref.get() {
            select.focus().ok();
        }
    });

    crate::idle::restore_draft(app);
    dates::follow_language(app.lang, vec![date, expiry]);

    let back = move || {
        app.go(Screen::Record {
            id: patient_id.get_value(),
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit_state.run(move || {
            let lang = app.lang.get_untracked();
            let form = read_form(&fields, lang, patient_id.get_value(), event_id.get_value())?;
            Ok(async move {
                match call::<_, EventSaved>(cmd::RECORD_EVENT, &form).await? {
                    EventSaved::Saved {
                        warnings: notes, ..
                    } => {
                        let mut notice = t_now("ui.event.saved");
                        for note in notes {
                            notice.push(' ');
                            notice.push_str(&note);
                        }
                        app.go_anyway(Screen::Record {
                            id: patient_id.get_value(),
                        });
                        app.notice.set(Some(notice));
                    }
                    EventSaved::NeedsConfirmation { warnings: found } => {
                        // Nothing saved: each warning waits for its "I confirm".
                        warnings.try_set(found);
                    }
                }
                Ok(())
            })
        });
    };

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && !ev.default_prevented() {
            ev.prevent_default();
            back();
        }
    };
    let codes = app.codes;
    let list = move |pick: fn(&salal_ipc::CodeLists) -> &Vec<CodeItem>| {
        Signal::derive(move || codes.with(|c| pick(c).clone()))
    };
    let is = move |k: EventKind| move || kind.get() == k;
    let given = move || matches!(kind.get(), EventKind::Administered | EventKind::Historical);

    view! {
        <section class="card" id="dose-screen" on:keydown=on_key>
            <h1>{t("ui.event.title")}</h1>
            <ErrorBanner error=error/>
            <form
                on:input=move |_| app.dirty.set(true)
                on:change=move |_| app.dirty.set(true)
                on:submit=submit
            >
                <div class="row">
                    <div class="field">
                        <label for="event-kind">{t("ui.event.kind")}</label>
                        <select id="event-kind" node_ref=kind_ref
                            on:change=move |ev| {
                                let code = event_target_value(&ev);
                                if let Some(k) = EventKind::ALL.into_iter().find(|k| k.code() == code) {
                                    kind.set(k);
                                }
                            }>
                            {EventKind::ALL.into_iter().map(|k| {
                                let key = format!("ui.event.kind.{}", k.code());
                                view! { <option value=k.code() selected=move || kind.get() == k>{move || t_key(&key)}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <TextField label="ui.event.date" id="event-date" value=date hint="ui.date.placeholder" required=true/>
                </div>
                <Show when=is(EventKind::Historical)>
                    <p class="hint" id="event-date-month-hint">{t("ui.event.month_only_hint")}</p>
                </Show>
                <Show when=move || kind.get() != EventKind::Immunity>
                    <VaccinePicker cvx=cvx/>
                </Show>
                <Show when=given>
                    <div class="row">
                        <Show when=move || !lots.with(Vec::is_empty)>
                            <LotPicker lots=lots pick=pick funding=funding/>
                        </Show>
                        <Show when=move || pick.with(|p| p == TYPED)>
                            <TextField label="ui.event.lot" id="event-lot" value=lot/>
                            <TextField label="ui.event.lot_expiry" id="event-expiry" value=expiry hint="ui.date.placeholder"/>
                        </Show>
                        <TextField label="ui.event.amount" id="event-amount" value=amount class="narrow"/>
                    </div>
                </Show>
                <Show when=is(EventKind::Administered)>
                    <div class="row">
                        <CodeSelect label="ui.event.site" id="event-site" value=site items=list(|c| &c.sites)/>
                        <CodeSelect label="ui.event.route" id="event-route" value=route items=list(|c| &c.routes)/>
                        <div class="field check-field">
                            <label class="check">
                                <input type="checkbox" id="event-vis" bind:checked=vis_given/>
                                {t("ui.event.vis_given")}
                            </label>
                        </div>
                    </div>
                    <div class="row">
                        <CodeSelect label="ui.event.vfc" id="event-vfc" value=vfc items=list(|c| &c.vfc_eligibility)/>
                        <Show when=move || pick.with(|p| p == TYPED)
                            fallback=move || view! {
                                <div class="field">
                                    <span class="label">{t("ui.event.funding")}</span>
                                    <span class="from-lot" id="event-funding-lot">
                                        {move || t_args_tracked("ui.event.funding_from_lot", &[("funding", funding.get())])}
                                    </span>
                                </div>
                            }>
                            <CodeSelect label="ui.event.funding" id="event-funding" value=funding items=list(|c| &c.funding_sources)/>
                        </Show>
                        <TextField label="ui.event.provider" id="event-provider" value=provider/>
                    </div>
                </Show>
                <Show when=is(EventKind::Historical)>
                    <TextField label="ui.event.source_note" id="event-source" value=source_note class="wide"/>
                </Show>
                <Show when=is(EventKind::Refusal)>
                    <CodeSelect label="ui.event.refusal_reason" id="event-refusal" value=refusal items=list(|c| &c.refusal_reasons)/>
                </Show>
                <Show when=is(EventKind::Contraindication)>
                    <CodeSelect label="ui.event.contraindication" id="event-contraindication" value=contraindication
                        items=list(|c| &c.contraindications)/>
                </Show>
                <Show when=is(EventKind::Immunity)>
                    <CodeSelect label="ui.event.immunity" id="event-immunity" value=immunity items=list(|c| &c.immunities)/>
                </Show>
                <Warnings warnings=warnings confirmed=confirmed/>
                <SubmitRow id="event-save" label="ui.common.save" busy=busy cancel=("event-cancel", Callback::new(move |()| back()))/>
            </form>
        </section>
    }
}

/// The form's fields.
#[derive(Clone, Copy)]
struct DoseFields {
    kind: RwSignal<EventKind>,
    cvx: RwSignal<String>,
    date: RwSignal<String>,
    lot: RwSignal<String>,
    expiry: RwSignal<String>,
    site: RwSignal<String>,
    route: RwSignal<String>,
    amount: RwSignal<String>,
    vis_given: RwSignal<bool>,
    vfc: RwSignal<String>,
    funding: RwSignal<String>,
    provider: RwSignal<String>,
    source_note: RwSignal<String>,
    refusal: RwSignal<String>,
    contraindication: RwSignal<String>,
    immunity: RwSignal<String>,
    /// The vaccine's lots in stock.
    lots: RwSignal<Vec<StockLineView>>,
    /// The lot picked: its index in `lots`, or [`TYPED`].
    pick: RwSignal<String>,
    /// The warnings confirmed.
    confirmed: RwSignal<Vec<String>>,
}

impl DoseFields {
    /// The lot in stock the dose is taken from, if one is picked.
    fn picked(&self) -> Option<StockLineView> {
        if self.kind.get_untracked() != EventKind::Administered {
            return None;
        }
        let index = self.pick.get_untracked().parse::<usize>().ok()?;
        self.lots.with_untracked(|l| l.get(index).cloned())
    }
}

/// What was typed, for the wire; a typed date that is not one is an error on its field.
fn read_form(
    f: &DoseFields,
    lang: salal_core::i18n::Lang,
    patient_id: String,
    id: String,
) -> Result<EventForm, IpcError> {
    let iso = |text: String, field: &str, key: &str| -> Result<String, IpcError> {
        if text.trim().is_empty() {
            return Ok(String::new());
        }
        dates::parse(lang, &text)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .ok_or_else(|| IpcError::new("form.bad_date", t_now(key)).with_field(field))
    };
    let stock = f.picked();
    let (lot_number, lot_expiry) = match &stock {
        Some(line) => (line.lot.clone(), line.expires.clone()),
        None => (
            f.lot.get_untracked(),
            iso(
                f.expiry.get_untracked(),
                "lot_expiry",
                "ui.error.bad_expiry_date",
            )?,
        ),
    };
    Ok(EventForm {
        id,
        patient_id,
        kind: f.kind.get_untracked(),
        cvx: f.cvx.get_untracked(),
        // A card may show only the month and year ("03/2019"): the shell
        // takes `YYYY-MM` for that (the clinic allows it for historical doses).
        date: match dates::parse_month(&f.date.get_untracked()) {
            Some((year, month)) => format!("{year:04}-{month:02}"),
            None => iso(f.date.get_untracked(), "date", "ui.error.bad_event_date")?,
        },
        lot_number,
        lot_expiry,
        mvx: String::new(),
        site: f.site.get_untracked(),
        route: f.route.get_untracked(),
        amount_ml: f.amount.get_untracked(),
        vis_given: f.vis_given.get_untracked(),
        vfc_eligibility: f.vfc.get_untracked(),
        funding_source: f.funding.get_untracked(),
        administering_provider: f.provider.get_untracked(),
        source_note: f.source_note.get_untracked(),
        refusal_reason: f.refusal.get_untracked(),
        contraindication: f.contraindication.get_untracked(),
        immunity: f.immunity.get_untracked(),
        lot_id: stock.as_ref().map(|l| l.lot_id.clone()).unwrap_or_default(),
        stock_unit: stock.map(|l| l.unit).unwrap_or_default(),
        confirmed: f.confirmed.get_untracked(),
    })
}

/// The vaccine's lots in stock, soonest expiry first, or "type a lot by hand".
/// Picking a lot takes its funding source.
#[component]
fn LotPicker(
    lots: RwSignal<Vec<StockLineView>>,
    pick: RwSignal<String>,
    funding: RwSignal<String>,
) -> impl IntoView {
    let app = state();
    view! {
        <div class="field wide">
            <label for="event-lot-pick">{t("ui.event.lot_from_stock")}</label>
            <select id="event-lot-pick" prop:value=move || pick.get()
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if let Some(line) = value.parse::<usize>().ok().and_then(|i| lots.with_untracked(|l| l.get(i).cloned())) {
                        funding.set(line.funding);
                    }
                    pick.set(value);
                }>
                {move || {
                    let lang = app.lang.get();
                    lots.get().into_iter().enumerate().map(|(index, l)| {
                        let value = index.to_string();
                        let chosen = value.clone();
                        let text = t_args_tracked("ui.event.lot_option", &[
                            ("lot", l.lot.clone()),
                            ("expires", iso_date_text(lang, &l.expires)),
                            ("funding", l.funding.clone()),
                            ("doses", l.quantity.to_string()),
                            ("unit", l.unit.clone()),
                        ]);
                        view! { <option value=value selected=move || pick.get() == chosen>{text}</option> }
                    }).collect_view()
                }}
                <option value=TYPED selected=move || pick.get() == TYPED>{t("ui.event.lot_typed")}</option>
            </select>
        </div>
    }
}

/// Warnings to confirm before the dose saves, each with its "I confirm" box.
#[component]
fn Warnings(
    warnings: RwSignal<Vec<DoseWarningView>>,
    confirmed: RwSignal<Vec<String>>,
) -> impl IntoView {
    let first = NodeRef::<Input>::new();
    Effect::new(move |_| {
        warnings.track();
        if let Some(input) = first.get() {
            input.focus().ok();
        }
    });
    view! {
        <Show when=move || !warnings.with(Vec::is_empty)>
            <div class="banner warning confirm" id="event-warnings" role="alert">
                <p class="confirm-lead">{t("ui.event.confirm_lead")}</p>
                {move || warnings.get().into_iter().enumerate().map(|(index, w)| {
                    let code = StoredValue::new(w.code.clone());
                    let node = if index == 0 { first } else { NodeRef::new() };
                    view! {
                        <div class="confirm-item">
                            <p>{w.message.clone()}</p>
                            <label class="check">
                                <input type="checkbox" id=format!("event-confirm-{}", w.code) node_ref=node
                                    prop:checked=move || confirmed.with(|c| code.with_value(|k| c.contains(k)))
                                    on:change=move |_| confirmed.update(|c| {
                                        let k = code.get_value();
                                        if let Some(at) = c.iter().position(|x| *x == k) {
                                            c.remove(at);
                                        } else {
                                            c.push(k);
                                        }
                                    })/>
                                {t("ui.event.confirm")}
                            </label>
                        </div>
                    }
                }).collect_view()}
            </div>
        </Show>
    }
}

/// Type a vaccine's name or CVX code; arrows and Enter pick from the matches.
#[component]
fn VaccinePicker(cvx: RwSignal<String>) -> impl IntoView {
    let app = state();
    let text = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let highlighted = RwSignal::new(0_usize);
    let matches = Memo::new(move |_| {
        let query = text.get().trim().to_lowercase();
        if query.is_empty() {
            return Vec::new();
        }
        app.codes.with(|c| {
            let mut exact: Vec<CodeItem> = Vec::new();
            let mut rest: Vec<CodeItem> = Vec::new();
            for item in &c.vaccines {
                if item.code == query
                    || item.code.trim_start_matches('0') == query.trim_start_matches('0')
                {
                    exact.push(item.clone());
                } else if item.label.to_lowercase().contains(&query) {
                    rest.push(item.clone());
                }
            }
            exact.extend(rest);
            exact.truncate(MAX_MATCHES);
            exact
        })
    });
    let choose = move |item: CodeItem| {
        cvx.set(item.code.clone());
        text.set(item.label);
        open.set(false);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = matches.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                open.set(true);
                if count > 0 {
                    highlighted.update(|i| *i = (*i + 1).min(count - 1));
                }
            }
            "ArrowUp" => {
                ev.prevent_default();
                highlighted.update(|i| *i = i.saturating_sub(1));
            }
            "Enter" if open.get_untracked() && count > 0 => {
                ev.prevent_default();
                if let Some(item) =
                    matches.with_untracked(|m| m.get(highlighted.get_untracked()).cloned())
                {
                    choose(item);
                }
            }
            "Escape" if open.get_untracked() => {
                ev.prevent_default();
                open.set(false);
            }
            _ => {}
        }
    };
    let chosen_label = move || {
        let code = cvx.get();
        if code.is_empty() {
            return String::new();
        }
        let label = app.codes.with(|c| {
            c.vaccines
                .iter()
                .find(|v| v.code == code)
                .map(|v| v.label.clone())
        });
        crate::i18n::t_args_tracked(
            "ui.event.vaccine_chosen",
            &[("code", code), ("name", label.unwrap_or_default())],
        )
    };
    view! {
        <div class="field picker">
            <label for="event-vaccine">{t("ui.event.vaccine")}</label>
            <input
                id="event-vaccine"
                type="text"
                autocomplete="off"
                spellcheck="false"
                role="combobox"
                aria-controls="vaccine-options"
                aria-expanded=move || (open.get() && !matches.with(Vec::is_empty)).to_string()
                placeholder=t("ui.event.vaccine_hint")
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    cvx.set(String::new());
                    highlighted.set(0);
                    open.set(true);
                }
                on:keydown=on_key
                on:blur=move |_| open.set(false)
            />
            // The chosen vaccine's code, so a kept draft brings the choice back too.
            <input type="hidden" id="event-vaccine-code" prop:value=move || cvx.get()
                on:input=move |ev| cvx.set(event_target_value(&ev))/>
            <Show when=move || open.get() && !matches.with(Vec::is_empty)>
                <ul class="options" id="vaccine-options" role="listbox">
                    {move || matches.get().into_iter().enumerate().map(|(index, item)| {
                        let chosen = item.clone();
                        view! {
                            <li role="option" class="option" class:selected=move || highlighted.get() == index
                                aria-selected=move || (highlighted.get() == index).to_string()
                                on:mousedown=move |ev| {
                                    ev.prevent_default();
                                    choose(chosen.clone());
                                }>
                                <span class="code">{item.code.clone()}</span>" "{item.label.clone()}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
            <p class="hint" id="vaccine-chosen">{chosen_label}</p>
        </div>
    }
}
