//! The Reports tab: doses administered in a period (by vaccine, age group and
//! VFC eligibility), stock on hand expiring within 30, 60 or 90 days, the
//! reconciliation history (counts by day) and wastage. Each is shown as a
//! table and saved as CSV or PDF in the documents folder (the full path is shown).

use super::{Problem, inv, today_text, typed_date};
use crate::app::state;
use crate::dates;
use crate::i18n::{date_text, iso_date_text, t, t_args, t_key};
use crate::transport::call;
use crate::widgets::{Busy, Submit, TextField};
use chrono::Datelike;
use leptos::prelude::*;
use salal_core::i18n::Lang;
use salal_ipc::documents::SavedFile;
use salal_ipc::inventory::{
    CountSessionView, DosesReportView, NonViableView, PeriodRequest, ReportFormat, ReportKind,
    SaveReportRequest, StockLineView,
};
use salal_ipc::{IpcError, cmd};

const KINDS: [ReportKind; 4] = [
    ReportKind::Doses,
    ReportKind::Expiring,
    ReportKind::Counts,
    ReportKind::Wastage,
];

/// "Expiring within" choices, days.
const WITHIN: [i64; 3] = [30, 60, 90];

/// What the last "Show" found.
#[derive(Clone)]
enum Found {
    Doses(DosesReportView),
    Expiring(Vec<StockLineView>),
    Counts(Vec<CountSessionView>),
    Wastage(Vec<NonViableView>),
}

/// The Reports tab.
#[component]
pub(super) fn ReportsTab() -> impl IntoView {
    let app = state();
    let inv = inv();
    let lang = app.lang.get_untracked();
    let kind = RwSignal::new(ReportKind::Doses);
    let from = RwSignal::new(date_text(
        lang,
        dates::today().with_day0(0).unwrap_or_else(dates::today),
    ));
    let to = RwSignal::new(today_text(lang));
    dates::follow_language(app.lang, vec![from, to]);
    let days = RwSignal::new(WITHIN[0]);
    let found = RwSignal::new(None::<Found>);
    let show = Submit::new();
    let save = Submit::new();
    let saved = RwSignal::new(None::<String>);

    let period = move || -> Result<PeriodRequest, IpcError> {
        let lang = app.lang.get_untracked();
        Ok(PeriodRequest {
            from: typed_date(lang, &from.get_untracked(), "from")?,
            to: typed_date(lang, &to.get_untracked(), "to")?,
        })
    };
    let on_show = move || {
        show.run(move || {
            let kind = kind.get_untracked();
            let req = if kind == ReportKind::Expiring {
                None
            } else {
                Some(period()?)
            };
            let within = days.get_untracked();
            found.set(None);
            Ok(async move {
                let result = match (kind, req) {
                    (ReportKind::Doses, Some(req)) => {
                        Found::Doses(call::<_, DosesReportView>(cmd::DOSES_REPORT, &req).await?)
                    }
                    (ReportKind::Counts, Some(req)) => Found::Counts(
                        call::<_, Vec<CountSessionView>>(cmd::COUNT_HISTORY, &req).await?,
                    ),
                    (ReportKind::Wastage, Some(req)) => {
                        Found::Wastage(call::<_, Vec<NonViableView>>(cmd::NON_VIABLE, &req).await?)
                    }
                    _ => Found::Expiring(
                        inv.lines()
                            .into_iter()
                            .filter(|l| l.quantity > 0 && l.expires_in_days <= within)
                            .collect(),
                    ),
                };
                found.try_set(Some(result));
                Ok(())
            })
        });
    };
    let on_save = move |format: ReportFormat| {
        save.run(move || {
            let kind = kind.get_untracked();
            let (from_iso, to_iso) = if kind == ReportKind::Expiring {
                (String::new(), String::new())
            } else {
                let p = period()?;
                (p.from, p.to)
            };
            let req = SaveReportRequest {
                kind,
                format,
                from: from_iso,
                to: to_iso,
                days: days.get_untracked(),
            };
            saved.set(None);
            Ok(async move {
                let file = call::<_, SavedFile>(cmd::SAVE_REPORT, &req).await?;
                saved.try_set(Some(file.path));
                Ok(())
            })
        });
    };
    let dated = move || kind.get() != ReportKind::Expiring;

    view! {
        <div class="tab-panel" id="inv-reports" role="tabpanel" aria-labelledby="inv-tab-reports">
            <form class="row report-query" on:submit=move |ev| {
                ev.prevent_default();
                on_show();
            }>
                <div class="field">
                    <label for="report-kind">{t("ui.inventory.report_kind")}</label>
                    <select id="report-kind" on:change=move |ev| {
                        let code = event_target_value(&ev);
                        if let Some(k) = KINDS.into_iter().find(|k| k.code() == code) {
                            kind.set(k);
                            found.set(None);
                            saved.set(None);
                        }
                    }>
                        {KINDS.into_iter().map(|k| {
                            let key = format!("ui.inventory.report.title.{}", k.code());
                            view! { <option value=k.code() selected=move || kind.get() == k>{move || t_key(&key)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <Show when=dated>
                    <TextField label="ui.inventory.from" id="report-from" value=from hint="ui.date.placeholder" class="narrow"/>
                    <TextField label="ui.inventory.to" id="report-to" value=to hint="ui.date.placeholder" class="narrow"/>
                </Show>
                <Show when=move || !dated()>
                    <div class="field narrow">
                        <label for="report-days">{t("ui.inventory.within")}</label>
                        <select id="report-days" on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse() {
                                days.set(n);
                                found.set(None);
                            }
                        }>
                            {WITHIN.into_iter().map(|n| view! {
                                <option value=n.to_string() selected=move || days.get() == n>
                                    {move || crate::i18n::t_args_tracked("ui.inventory.days_n", &[("days", n.to_string())])}
                                </option>
                            }).collect_view()}
                        </select>
                    </div>
                </Show>
                <div class="actions">
                    <button type="submit" class="primary" id="report-show" disabled=move || show.busy.get()>
                        {t("ui.inventory.show")}
                    </button>
                    <button type="button" id="report-csv" disabled=move || save.busy.get()
                        on:click=move |_| on_save(ReportFormat::Csv)>{t("ui.inventory.save_csv")}</button>
                    <button type="button" id="report-pdf" disabled=move || save.busy.get()
                        on:click=move |_| on_save(ReportFormat::Pdf)>{t("ui.inventory.save_pdf")}</button>
                    <Busy busy=show.busy/>
                    <Busy busy=save.busy/>
                </div>
            </form>
            <Problem id="report-error" error=show.error/>
            <Problem id="report-save-error" error=save.error/>
            <Show when=move || saved.with(Option::is_some)>
                <p class="banner success path-text" role="status" id="report-result">
                    {move || saved.get().map(|path| crate::i18n::t_args_tracked("ui.print.saved", &[("path", path)]))}
                </p>
            </Show>
            {move || found.get().map(|f| table(app.lang.get(), f))}
        </div>
    }
}

/// Column codes (the end of their heading keys), each with whether it is a number.
type Heads = Vec<(&'static str, bool)>;

/// A found report as a table; dates as the language writes them.
fn table(lang: Lang, found: Found) -> AnyView {
    let yes_no = |b: bool| t_key(if b { "ui.common.yes" } else { "ui.common.no" });
    let (heads, rows, total): (Heads, Vec<Vec<String>>, Option<String>) = match found {
        Found::Doses(r) => (
            vec![
                ("vaccine", false),
                ("cvx", false),
                ("age_group", false),
                ("vfc_eligibility", false),
                ("vfc_eligible", false),
                ("doses", true),
            ],
            r.rows
                .iter()
                .map(|row| {
                    vec![
                        row.vaccine.clone(),
                        row.cvx.clone(),
                        row.age_group.clone(),
                        row.vfc_eligibility.clone(),
                        yes_no(row.vfc_eligible),
                        row.doses.to_string(),
                    ]
                })
                .collect(),
            Some(r.total.to_string()),
        ),
        Found::Expiring(lines) => (
            vec![
                ("vaccine", false),
                ("ndc", false),
                ("lot", false),
                ("expires", false),
                ("days_left", true),
                ("funding", false),
                ("unit", false),
                ("doses", true),
            ],
            lines
                .iter()
                .map(|l| {
                    vec![
                        l.vaccine.clone(),
                        l.ndc.clone(),
                        l.lot.clone(),
                        iso_date_text(lang, &l.expires),
                        l.expires_in_days.to_string(),
                        l.funding.clone(),
                        l.unit.clone(),
                        l.quantity.to_string(),
                    ]
                })
                .collect(),
            Some(lines.iter().map(|l| l.quantity).sum::<i64>().to_string()),
        ),
        Found::Counts(sessions) => (
            vec![
                ("date", false),
                ("lots", true),
                ("expected", true),
                ("counted", true),
                ("adjustment", true),
                ("counted_by", false),
            ],
            sessions
                .iter()
                .map(|s| {
                    vec![
                        iso_date_text(lang, &s.date),
                        s.lots.to_string(),
                        s.expected.to_string(),
                        s.counted.to_string(),
                        super::signed(s.adjustment),
                        s.counted_by.join(", "),
                    ]
                })
                .collect(),
            None,
        ),
        Found::Wastage(rows) => (
            vec![
                ("date", false),
                ("vaccine", false),
                ("lot", false),
                ("funding", false),
                ("reason", false),
                ("doses", true),
                ("action", false),
                ("due", false),
            ],
            rows.iter()
                .map(|n| {
                    vec![
                        iso_date_text(lang, &n.date),
                        n.vaccine.clone(),
                        n.lot.clone(),
                        n.funding.clone(),
                        n.reason.clone(),
                        n.doses.to_string(),
                        t_key(&format!("ui.inventory.action.{}", n.action)),
                        n.due
                            .as_deref()
                            .map(|d| iso_date_text(lang, d))
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
            Some(rows.iter().map(|n| n.doses).sum::<i64>().to_string()),
        ),
    };
    if rows.is_empty() {
        return view! { <p class="empty" id="report-empty">{t("ui.inventory.report_empty")}</p> }
            .into_any();
    }
    let columns = heads.len();
    let doses_at = heads.iter().position(|(code, _)| *code == "doses");
    let numeric: Vec<bool> = heads.iter().map(|(_, n)| *n).collect();
    view! {
        <table class="report-table" id="report-table">
            <thead>
                <tr>
                    {heads.into_iter().map(|(code, num)| {
                        let key = format!("ui.inventory.col.{code}");
                        view! { <th scope="col" class:num=num>{move || t_key(&key)}</th> }
                    }).collect_view()}
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|cells| view! {
                    <tr class="report-row">
                        {cells.into_iter().enumerate().map(|(i, cell)| view! {
                            <td class:num=numeric.get(i).copied().unwrap_or(false)>{cell}</td>
                        }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
            {total.zip(doses_at).map(|(total, at)| view! {
                <tfoot>
                    <tr class="report-total" id="report-total">
                        {(0..columns).map(|i| view! {
                            <td class:num=i == at>
                                {if i == 0 {
                                    t_args("ui.inventory.report.total", &[])
                                } else if i == at {
                                    total.clone()
                                } else {
                                    String::new()
                                }}
                            </td>
                        }).collect_view()}
                    </tr>
                </tfoot>
            })}
        </table>
    }
    .into_any()
}
