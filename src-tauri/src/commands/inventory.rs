//! Vaccine inventory: the Inventory screen (F8) and the dose form's lot picker.
//!
//! Stock on hand and this month's reconciliation, receiving (a scanned GS1
//! barcode or a typed NDC, lot and expiry), counts, doses leaving stock,
//! storage units and their data-logger files, orders (with their ExIS CSV)
//! and the reports, saved as CSV or PDF in the documents folder the same
//! durable way as printed documents. Every rule and permission is the
//! clinic's; this module only converts and saves files.

use crate::commands::documents::save;
use crate::convert::{
    count_session_view, doses_report_view, funding_items, iso, new_id, non_viable_view, order_line,
    order_line_view, order_state, order_view, reason_items, receipt, reconciliation_view,
    stock_date, stock_id, stock_line_view, temperature_view, unit_kind_items, unit_view,
};
use crate::errors::{CmdResult, to_ipc};
use crate::files;
use crate::shell::Shell;
use crate::sync::SyncHandle;
use chrono::NaiveDate;
use salal_clinic::inventory::{CountEntry, Removal, TransferTo, doses_report_csv, expiring_within};
use salal_clinic::{Clinic, Session};
use salal_core::i18n::{Lang, UserMessage, format_date, tr, tr_args};
use salal_core::user::Permission;
use salal_inventory::ReasonUse;
use salal_ipc::documents::SavedFile;
use salal_ipc::inventory::{
    AdvanceOrderRequest, CountRequest, CountSessionView, CountedView, CreateOrderRequest,
    DosesReportView, ExportOrderRequest, LotsForDoseRequest, NonViableView, OrderLineView,
    OrderView, PeriodRequest, ReceiveOrderRequest, ReceiveRequest, ReceivedView, RemovalKind,
    RemoveRequest, ReportFormat, ReportKind, SaveReportRequest, SaveUnitRequest, StockChoices,
    StockLineView, StockOverview, StorageUnitView, TemperatureImportView, TemperatureRequest,
};
use salal_print::model::{ReportColumn, TableReport};
use tauri::{AppHandle, State};

/// The Inventory screen's stock, reconciliation and storage units.
#[tauri::command(async)]
pub(crate) fn stock_overview(shell: State<'_, Shell>) -> CmdResult<StockOverview> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let err = |e: salal_clinic::StockError| to_ipc(&e, lang);
    let on_hand = clinic.on_hand(&session).map_err(err)?;
    let reconciliation = clinic.reconciliation(&session).map_err(err)?;
    let units = clinic.storage_units(&session).map_err(err)?;
    Ok(StockOverview {
        on_hand: on_hand.iter().map(stock_line_view).collect(),
        reconciliation: reconciliation_view(&reconciliation),
        units: units
            .iter()
            .filter(|u| u.active)
            .map(|u| unit_view(&u.name, &u.kind, lang))
            .collect(),
        may_manage: session.may(Permission::ManageInventory),
        today: iso(clinic.today()),
    })
}

/// The pick lists of the Inventory screen, in the user's language.
#[tauri::command(async)]
pub(crate) fn stock_choices(shell: State<'_, Shell>) -> CmdResult<StockChoices> {
    let (clinic, _session) = shell.signed_in()?;
    let lang = shell.lang();
    Ok(StockChoices {
        funding: funding_items(clinic.codes(), lang),
        adjustment_reasons: reason_items(ReasonUse::Adjustment, lang),
        waste_reasons: reason_items(ReasonUse::Waste, lang),
        borrow_reasons: reason_items(ReasonUse::Borrow, lang),
        unit_kinds: unit_kind_items(lang),
    })
}

/// The lots in stock for a vaccine, soonest expiry first (the dose form's lot picker).
#[tauri::command(async)]
pub(crate) fn lots_for_dose(
    shell: State<'_, Shell>,
    req: LotsForDoseRequest,
) -> CmdResult<Vec<StockLineView>> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let lots = clinic
        .lots_for_dose(&session, &req.cvx)
        .map_err(|e| to_ipc(&e, lang))?;
    Ok(lots.iter().map(stock_line_view).collect())
}

/// Receives doses: the scanned barcode, or the typed NDC, lot and expiry.
#[tauri::command(async)]
pub(crate) fn receive_stock(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: ReceiveRequest,
) -> CmdResult<ReceivedView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let receipt = receipt(&req, None, lang)?;
    let received = clinic
        .receive_stock(&session, &receipt)
        .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(ReceivedView {
        line: stock_line_view(&received.line),
        created: received.created,
    })
}

/// Records a physical count of one lot against what the screen showed.
#[tauri::command(async)]
pub(crate) fn count_stock(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: CountRequest,
) -> CmdResult<CountedView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let reason = req.reason.trim();
    let entry = CountEntry {
        id: new_id(&req.id, lang)?,
        lot_id: stock_id(&req.lot_id, lang)?,
        unit: req.unit.clone(),
        counted: req.counted,
        expected: Some(req.expected),
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
        date: None,
    };
    let counted = clinic
        .count_stock(&session, &entry)
        .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(CountedView {
        expected: counted.expected,
        counted: counted.counted,
        adjustment: counted.adjustment,
        line: stock_line_view(&counted.line),
    })
}

/// Doses leaving a lot: non-viable, returned, transferred or lent.
#[tauri::command(async)]
pub(crate) fn remove_stock(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: RemoveRequest,
) -> CmdResult<StockLineView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let removal = Removal {
        id: new_id(&req.id, lang)?,
        lot_id: stock_id(&req.lot_id, lang)?,
        unit: req.unit.clone(),
        quantity: req.quantity,
        date: None,
        note: req.note.trim().to_owned(),
    };
    let to = req.to.trim().to_owned();
    let line = match req.kind {
        RemovalKind::Waste => clinic.waste_stock(&session, &removal, &req.reason),
        RemovalKind::Return => clinic.return_stock(&session, &removal),
        RemovalKind::TransferUnit => {
            clinic.transfer_stock(&session, &removal, &TransferTo::Unit(to))
        }
        RemovalKind::TransferFacility => {
            clinic.transfer_stock(&session, &removal, &TransferTo::Facility(to))
        }
        RemovalKind::Borrow => clinic.borrow_stock(&session, &removal, &to, &req.reason),
    }
    .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(stock_line_view(&line))
}

fn period(req: &PeriodRequest, lang: Lang) -> CmdResult<(NaiveDate, NaiveDate)> {
    Ok((
        stock_date(&req.from, "from", lang)?,
        stock_date(&req.to, "to", lang)?,
    ))
}

/// `query` of the signed-in user's clinic over the period of `req` (from,
/// to), in the user's language.
fn over_period<T, E: UserMessage>(
    shell: &Shell,
    req: &PeriodRequest,
    query: impl FnOnce(&Clinic, &Session, NaiveDate, NaiveDate, Lang) -> Result<T, E>,
) -> CmdResult<T> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let (from, to) = period(req, lang)?;
    query(&clinic, &session, from, to, lang).map_err(|e| to_ipc(&e, lang))
}

/// Non-viable vaccine recorded in a period, with what to do and by when.
#[tauri::command(async)]
pub(crate) fn non_viable(
    shell: State<'_, Shell>,
    req: PeriodRequest,
) -> CmdResult<Vec<NonViableView>> {
    let rows = over_period(&shell, &req, |clinic, session, from, to, _| {
        clinic.non_viable(session, from, to)
    })?;
    Ok(rows.iter().map(non_viable_view).collect())
}

/// The physical counts in a period, one entry per day.
#[tauri::command(async)]
pub(crate) fn count_history(
    shell: State<'_, Shell>,
    req: PeriodRequest,
) -> CmdResult<Vec<CountSessionView>> {
    let rows = over_period(&shell, &req, |clinic, session, from, to, _| {
        clinic.count_history(session, from, to)
    })?;
    Ok(rows.iter().map(count_session_view).collect())
}

/// Adds a storage unit, or changes its kind.
#[tauri::command(async)]
pub(crate) fn save_storage_unit(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: SaveUnitRequest,
) -> CmdResult<StorageUnitView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let unit = clinic
        .save_storage_unit(&session, &req.name, &req.kind)
        .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(unit_view(&unit.name, &unit.kind, lang))
}

/// Imports a data logger's file for a unit; answers its excursions and the doses they touched.
#[tauri::command(async)]
pub(crate) fn import_temperatures(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: TemperatureRequest,
) -> CmdResult<TemperatureImportView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let import = clinic
        .import_temperatures(&session, &req.unit, &req.text)
        .map_err(|e| to_ipc(&e, lang).with_field("text"))?;
    sync.changed();
    Ok(temperature_view(&import))
}

/// What to order, from recent use and stock levels.
#[tauri::command(async)]
pub(crate) fn suggested_order(shell: State<'_, Shell>) -> CmdResult<Vec<OrderLineView>> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let lines = clinic
        .suggested_order(&session)
        .map_err(|e| to_ipc(&e, lang))?;
    Ok(lines
        .iter()
        .map(|l| order_line_view(l, clinic.codes()))
        .collect())
}

/// Starts an order (a draft) with the lines given.
#[tauri::command(async)]
pub(crate) fn create_order(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: CreateOrderRequest,
) -> CmdResult<OrderView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let lines: Vec<_> = req.lines.iter().map(order_line).collect();
    let order = clinic
        .create_order(&session, new_id(&req.id, lang)?, &lines, &req.note)
        .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(order_view(&order, clinic.codes()))
}

/// Every order, newest first.
#[tauri::command(async)]
pub(crate) fn orders(shell: State<'_, Shell>) -> CmdResult<Vec<OrderView>> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let orders = clinic.orders(&session).map_err(|e| to_ipc(&e, lang))?;
    Ok(orders
        .iter()
        .map(|o| order_view(o, clinic.codes()))
        .collect())
}

/// Moves an order forward (submitting needs this month's count done).
#[tauri::command(async)]
pub(crate) fn advance_order(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: AdvanceOrderRequest,
) -> CmdResult<OrderView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let order = clinic
        .advance_order(
            &session,
            stock_id(&req.order_id, lang)?,
            order_state(req.to),
        )
        .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(order_view(&order, clinic.codes()))
}

/// Receives a shipment against an order: its receipts and the order's move, at once.
#[tauri::command(async)]
pub(crate) fn receive_order(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: ReceiveOrderRequest,
) -> CmdResult<OrderView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = stock_id(&req.order_id, lang)?;
    let receipts = req
        .receipts
        .iter()
        .map(|r| receipt(r, Some(id), lang))
        .collect::<CmdResult<Vec<_>>>()?;
    let order = clinic
        .receive_order(&session, id, &receipts)
        .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(order_view(&order, clinic.codes()))
}

/// Saves an order as ExIS CSV in the documents folder.
#[tauri::command(async)]
pub(crate) fn export_order(
    app: AppHandle,
    shell: State<'_, Shell>,
    req: ExportOrderRequest,
) -> CmdResult<SavedFile> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = stock_id(&req.order_id, lang)?;
    let csv = clinic
        .order_exis_csv(&session, id, req.pin.trim())
        .map_err(|e| to_ipc(&e, lang))?;
    let short = id.to_string();
    let name = files::file_name(
        tr(lang, "ui.inventory.file.exis"),
        &[short.get(..8).unwrap_or_default()],
        clinic.today(),
        "csv",
    );
    save(&app, &shell, &name, csv.as_bytes(), lang)
}

/// Doses administered in a period, by vaccine, age group and VFC eligibility.
#[tauri::command(async)]
pub(crate) fn doses_report(
    shell: State<'_, Shell>,
    req: PeriodRequest,
) -> CmdResult<DosesReportView> {
    let report = over_period(&shell, &req, |clinic, session, from, to, lang| {
        clinic.doses_report(session, from, to, lang)
    })?;
    Ok(doses_report_view(&report))
}

/// A report as a table: column codes (the CSV header), headings, widths.
struct Sheet {
    title: String,
    period: Option<String>,
    columns: Vec<(&'static str, ReportColumn)>,
    /// Each row's cells for the CSV (ISO dates) and for the PDF (dates as the language writes them).
    rows: Vec<(Vec<String>, Vec<String>)>,
    totals: Option<Vec<String>>,
}

fn column(
    lang: Lang,
    code: &'static str,
    width_mm: f32,
    right_aligned: bool,
) -> (&'static str, ReportColumn) {
    (
        code,
        ReportColumn {
            heading: tr(lang, &format!("ui.inventory.col.{code}")).to_owned(),
            width_mm,
            right_aligned,
        },
    )
}

fn shown(lang: Lang, iso_date: &str) -> String {
    NaiveDate::parse_from_str(iso_date, "%Y-%m-%d")
        .map_or_else(|_| iso_date.to_owned(), |d| format_date(lang, d))
}

fn period_text(lang: Lang, from: NaiveDate, to: NaiveDate) -> String {
    tr_args(
        lang,
        "ui.inventory.report.period",
        &[
            ("from", format_date(lang, from)),
            ("to", format_date(lang, to)),
        ],
    )
}

fn sheet(
    clinic: &Clinic,
    session: &Session,
    req: &SaveReportRequest,
    lang: Lang,
) -> CmdResult<Sheet> {
    let err = |e: salal_clinic::StockError| to_ipc(&e, lang);
    let title = tr(
        lang,
        &format!("ui.inventory.report.title.{}", req.kind.code()),
    )
    .to_owned();
    let dated = || -> CmdResult<(NaiveDate, NaiveDate)> {
        Ok((
            stock_date(&req.from, "from", lang)?,
            stock_date(&req.to, "to", lang)?,
        ))
    };
    let yes_no = |b: bool| tr(lang, if b { "ui.common.yes" } else { "ui.common.no" }).to_owned();
    Ok(match req.kind {
        ReportKind::Doses => {
            let (from, to) = dated()?;
            let report = clinic.doses_report(session, from, to, lang).map_err(err)?;
            Sheet {
                title,
                period: Some(period_text(lang, from, to)),
                columns: vec![
                    column(lang, "vaccine", 70.0, false),
                    column(lang, "cvx", 14.0, false),
                    column(lang, "age_group", 36.0, false),
                    column(lang, "vfc_eligibility", 24.0, false),
                    column(lang, "vfc_eligible", 20.0, false),
                    column(lang, "doses", 16.0, true),
                ],
                rows: report
                    .rows
                    .iter()
                    .map(|r| {
                        let cells = vec![
                            r.vaccine.clone(),
                            r.cvx.clone(),
                            r.age_label.clone(),
                            r.vfc_eligibility.clone(),
                            yes_no(r.vfc_eligible),
                            r.doses.to_string(),
                        ];
                        (cells.clone(), cells)
                    })
                    .collect(),
                totals: Some(vec![
                    tr(lang, "ui.inventory.report.total").to_owned(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    report.total.to_string(),
                ]),
            }
        }
        ReportKind::Expiring => {
            let days = req.days.max(0);
            let lines = clinic.on_hand(session).map_err(err)?;
            let soon = expiring_within(&lines, days);
            let total: i64 = soon.iter().map(|l| l.quantity).sum();
            Sheet {
                title,
                period: Some(tr_args(
                    lang,
                    "ui.inventory.report.within",
                    &[
                        ("days", days.to_string()),
                        ("date", format_date(lang, clinic.today())),
                    ],
                )),
                columns: vec![
                    column(lang, "vaccine", 52.0, false),
                    column(lang, "ndc", 26.0, false),
                    column(lang, "lot", 22.0, false),
                    column(lang, "expires", 22.0, false),
                    column(lang, "days_left", 14.0, true),
                    column(lang, "funding", 16.0, false),
                    column(lang, "unit", 24.0, false),
                    column(lang, "doses", 14.0, true),
                ],
                rows: soon
                    .iter()
                    .map(|l| {
                        let mut cells = vec![
                            l.vaccine.clone(),
                            l.ndc.clone(),
                            l.lot.clone(),
                            iso(l.expires),
                            l.expires_in_days.to_string(),
                            l.funding.clone(),
                            l.unit.clone(),
                            l.quantity.to_string(),
                        ];
                        let csv = cells.clone();
                        cells[3] = format_date(lang, l.expires);
                        (csv, cells)
                    })
                    .collect(),
                totals: Some(vec![
                    tr(lang, "ui.inventory.report.total").to_owned(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    total.to_string(),
                ]),
            }
        }
        ReportKind::Counts => {
            let (from, to) = dated()?;
            let rows = clinic.count_history(session, from, to).map_err(err)?;
            Sheet {
                title,
                period: Some(period_text(lang, from, to)),
                columns: vec![
                    column(lang, "date", 26.0, false),
                    column(lang, "lots", 16.0, true),
                    column(lang, "expected", 22.0, true),
                    column(lang, "counted", 22.0, true),
                    column(lang, "adjustment", 24.0, true),
                    column(lang, "counted_by", 60.0, false),
                ],
                rows: rows
                    .iter()
                    .map(|s| {
                        let mut cells = vec![
                            iso(s.date),
                            s.lots.to_string(),
                            s.expected.to_string(),
                            s.counted.to_string(),
                            s.adjustment.to_string(),
                            s.counted_by.join(", "),
                        ];
                        let csv = cells.clone();
                        cells[0] = format_date(lang, s.date);
                        (csv, cells)
                    })
                    .collect(),
                totals: None,
            }
        }
        ReportKind::Wastage => {
            let (from, to) = dated()?;
            let rows = clinic.non_viable(session, from, to).map_err(err)?;
            let total: i64 = rows.iter().map(|n| n.doses).sum();
            Sheet {
                title,
                period: Some(period_text(lang, from, to)),
                columns: vec![
                    column(lang, "date", 20.0, false),
                    column(lang, "vaccine", 36.0, false),
                    column(lang, "lot", 18.0, false),
                    column(lang, "funding", 14.0, false),
                    column(lang, "reason", 46.0, false),
                    column(lang, "doses", 12.0, true),
                    column(lang, "action", 16.0, false),
                    column(lang, "due", 20.0, false),
                ],
                rows: rows
                    .iter()
                    .map(|n| {
                        let view = non_viable_view(n);
                        let action =
                            tr(lang, &format!("ui.inventory.action.{}", view.action)).to_owned();
                        let due = view.due.clone().unwrap_or_default();
                        let csv = vec![
                            view.date.clone(),
                            view.vaccine.clone(),
                            view.lot.clone(),
                            view.funding.clone(),
                            view.reason.clone(),
                            view.doses.to_string(),
                            view.action.clone(),
                            due.clone(),
                        ];
                        let pdf = vec![
                            shown(lang, &view.date),
                            view.vaccine,
                            view.lot,
                            view.funding,
                            view.reason,
                            view.doses.to_string(),
                            action,
                            shown(lang, &due),
                        ];
                        (csv, pdf)
                    })
                    .collect(),
                totals: Some(vec![
                    tr(lang, "ui.inventory.report.total").to_owned(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    total.to_string(),
                    String::new(),
                    String::new(),
                ]),
            }
        }
    })
}

fn csv_text(sheet: &Sheet) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = sheet.columns.iter().map(|(code, _)| *code).collect();
    // Writing to memory cannot fail.
    w.write_record(&header).ok();
    for (cells, _) in &sheet.rows {
        w.write_record(cells).ok();
    }
    if let Some(totals) = &sheet.totals {
        let mut line = totals.clone();
        if let Some(first) = line.first_mut() {
            "total".clone_into(first);
        }
        w.write_record(&line).ok();
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Saves a report (doses administered, expiring stock, counts, wastage) as CSV or PDF.
#[tauri::command(async)]
pub(crate) fn save_report(
    app: AppHandle,
    shell: State<'_, Shell>,
    req: SaveReportRequest,
) -> CmdResult<SavedFile> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let sheet = sheet(&clinic, &session, &req, lang)?;
    let today = clinic.today();
    let (bytes, ext) = match req.format {
        ReportFormat::Csv => {
            let text = if req.kind == ReportKind::Doses {
                // The doses report has its own CSV shape, the same as the command line's.
                let (from, to) = (
                    stock_date(&req.from, "from", lang)?,
                    stock_date(&req.to, "to", lang)?,
                );
                let report = clinic
                    .doses_report(&session, from, to, lang)
                    .map_err(|e| to_ipc(&e, lang))?;
                doses_report_csv(&report)
            } else {
                csv_text(&sheet)
            };
            (text.into_bytes(), "csv")
        }
        ReportFormat::Pdf => {
            let clinic_name = clinic.clinic_name().map_err(|e| to_ipc(&e, lang))?;
            let report = TableReport {
                title: sheet.title.clone(),
                subtitle: [Some(clinic_name), sheet.period.clone()]
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .collect(),
                columns: sheet.columns.iter().map(|(_, c)| c.clone()).collect(),
                rows: sheet.rows.iter().map(|(_, pdf)| pdf.clone()).collect(),
                totals: sheet.totals.clone(),
                footer: tr_args(
                    lang,
                    "ui.inventory.report.footer",
                    &[
                        ("date", format_date(lang, today)),
                        ("user", session.display_name().to_owned()),
                    ],
                ),
            };
            let pdf = salal_print::report_pdf(&report).map_err(|e| to_ipc(&e, lang))?;
            (pdf, "pdf")
        }
    };
    let name = files::file_name(
        tr(lang, &format!("ui.inventory.file.{}", req.kind.code())),
        &[],
        today,
        ext,
    );
    save(&app, &shell, &name, &bytes, lang)
}
