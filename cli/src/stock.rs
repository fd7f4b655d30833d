//! `salal stock`, `salal order` and `salal report`: vaccine inventory from the
//! command line, on the same `salal_clinic` use cases as the desktop app.
//!
//! Lots are named by their lot number (narrowed with `--funding` and `--unit`
//! when the same number is kept in more than one place) or by the lot id that
//! `stock receive` and `stock on-hand --ids` print.

use crate::CliError;
use crate::commands::{date, out};
use crate::documents::write_durably;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use salal_clinic::inventory::{
    CountEntry, LotSource, Receipt, Removal, StockLine, TransferTo, doses_report_csv,
    expiring_within,
};
use salal_clinic::{Clinic, Session};
use salal_core::i18n::{Lang, UserMessage};
use salal_inventory::{OrderLine, OrderState};
use std::path::PathBuf;
use uuid::Uuid;

/// Where a lot is named.
#[derive(Debug, Args)]
pub(crate) struct LotArgs {
    /// The lot number (or the lot id).
    #[arg(long)]
    lot: String,
    /// The lot's funding source, when the number is kept under more than one.
    #[arg(long)]
    funding: Option<String>,
    /// The storage unit, when the lot is kept in more than one.
    #[arg(long)]
    unit: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum StockCommand {
    /// Receives doses: scan the package's barcode, or type NDC, lot and expiry.
    Receive {
        /// The text the scanner typed for the package's GS1 barcode.
        #[arg(long, conflicts_with_all = ["ndc", "lot", "expires"], allow_hyphen_values = true)]
        scan: Option<String>,
        /// NDC (11 digits, with or without dashes).
        #[arg(long, requires_all = ["lot", "expires"])]
        ndc: Option<String>,
        /// Lot number.
        #[arg(long)]
        lot: Option<String>,
        /// Expiry, YYYY-MM-DD.
        #[arg(long)]
        expires: Option<String>,
        /// Doses received.
        #[arg(long)]
        quantity: i64,
        /// Funding source (VXC51 VFC, VXC2 state, PHC70 private, ...).
        #[arg(long)]
        funding: String,
        /// Storage unit (default: the only one, or "Refrigerator").
        #[arg(long)]
        unit: Option<String>,
        /// The day received, YYYY-MM-DD (default today).
        #[arg(long)]
        date: Option<String>,
        /// The doses came from another facility (a transfer in).
        #[arg(long)]
        from_facility: Option<String>,
    },
    /// One line per lot with stock: NDC LOT EXPIRES FUNDING UNIT QUANTITY.
    OnHand {
        /// Only lots expiring within this many days.
        #[arg(long)]
        expiring: Option<i64>,
        /// Add each lot's id at the end of its line.
        #[arg(long)]
        ids: bool,
    },
    /// A physical count: adjusts the lot by counted − expected.
    Count {
        #[command(flatten)]
        lot: LotArgs,
        /// Doses counted.
        #[arg(long)]
        counted: i64,
        /// Reason for a difference (count_error, dose_not_recorded, lost, found, unexplained).
        #[arg(long)]
        reason: Option<String>,
        /// What the count sheet said was expected (default: on hand now).
        #[arg(long)]
        expected: Option<i64>,
    },
    /// Non-viable vaccine: wasted, expired or spoiled, with a reason.
    Waste {
        #[command(flatten)]
        lot: LotArgs,
        /// Doses.
        #[arg(long)]
        quantity: i64,
        /// Reason code (expired, spoiled_temperature, wasted_drawn, ...; see `stock reasons`).
        #[arg(long)]
        reason: String,
        /// The day, YYYY-MM-DD (default today).
        #[arg(long)]
        date: Option<String>,
    },
    /// Sends viable doses back to the distributor.
    Return {
        #[command(flatten)]
        lot: LotArgs,
        /// Doses.
        #[arg(long)]
        quantity: i64,
    },
    /// Moves doses to another storage unit here, or to another facility.
    Transfer {
        #[command(flatten)]
        lot: LotArgs,
        /// Doses.
        #[arg(long)]
        quantity: i64,
        /// The storage unit they go to.
        #[arg(
            long,
            conflicts_with = "to_facility",
            required_unless_present = "to_facility"
        )]
        to_unit: Option<String>,
        /// The facility they go to.
        #[arg(long)]
        to_facility: Option<String>,
    },
    /// Lends doses of a lot to another funding source, with a reason.
    Borrow {
        #[command(flatten)]
        lot: LotArgs,
        /// Doses.
        #[arg(long)]
        quantity: i64,
        /// The funding source that takes them.
        #[arg(long)]
        to_funding: String,
        /// Reason code (borrow_private_shortage, borrow_vfc_shortage, ...).
        #[arg(long)]
        reason: String,
    },
    /// Non-viable vaccine to return or report, with the day it is due.
    NonViable {
        /// From, YYYY-MM-DD (default 90 days ago).
        #[arg(long)]
        from: Option<String>,
    },
    /// Whether this month's physical count is done.
    Reconciliation,
    /// The reason codes.
    Reasons,
    /// Storage units.
    #[command(subcommand)]
    Unit(UnitCommand),
    /// Sets the min/max levels of a product and funding source (suggested orders use them).
    Level {
        /// NDC.
        #[arg(long)]
        ndc: String,
        /// Funding source.
        #[arg(long)]
        funding: String,
        /// Order when stock falls to this many doses.
        #[arg(long)]
        min: Option<i64>,
        /// Order up to this many doses.
        #[arg(long)]
        max: Option<i64>,
    },
    /// Imports a data logger's CSV for a storage unit and lists its excursions
    /// and the doses given from that unit since each began.
    Temperature {
        /// The storage unit.
        #[arg(long)]
        unit: String,
        /// The logger's CSV file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UnitCommand {
    /// Adds a storage unit, or changes its kind.
    Add {
        /// Its name.
        name: String,
        /// refrigerator or freezer.
        #[arg(long, default_value = "refrigerator")]
        kind: String,
    },
    /// Lists the storage units.
    List,
}

#[derive(Debug, Subcommand)]
pub(crate) enum OrderCommand {
    /// Prints the suggested lines: NDC FUNDING DOSES.
    Suggest,
    /// Starts an order (a draft) from lines NDC:FUNDING:DOSES, or the suggestion.
    Create {
        /// A line, NDC:FUNDING:DOSES (repeat for more).
        #[arg(long = "line")]
        lines: Vec<String>,
        /// Start from the suggested lines.
        #[arg(long)]
        suggested: bool,
        /// A note for the order.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Lists the orders: ID STATE CREATED DOSES.
    List,
    /// Shows one order and its lines.
    Show {
        /// The order's id (or its first 8 characters).
        id: String,
    },
    /// Submits a draft (this month's count must be done).
    Submit {
        /// The order.
        id: String,
    },
    /// Marks it approved by the state program.
    Approve {
        /// The order.
        id: String,
    },
    /// Marks it shipped.
    Ship {
        /// The order.
        id: String,
    },
    /// Cancels it (before it ships).
    Cancel {
        /// The order.
        id: String,
    },
    /// Receives the shipment: its receipts (scan or typed, like `stock receive`) and the order received.
    Receive {
        /// The order.
        id: String,
        /// Scanned barcode text (repeat with --quantity/--funding in the same order).
        #[arg(long, allow_hyphen_values = true)]
        scan: Vec<String>,
        /// Doses of each scanned package.
        #[arg(long)]
        quantity: Vec<i64>,
        /// Funding source of each scanned package.
        #[arg(long)]
        funding: Vec<String>,
        /// Storage unit.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Writes the order as ExIS CSV.
    Export {
        /// The order.
        id: String,
        /// The provider's VFC PIN.
        #[arg(long, default_value = "")]
        pin: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// Doses administered by vaccine, age group and VFC eligibility.
    Doses {
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// csv or pdf.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Output file (needed for pdf; csv defaults to standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// On-hand stock and what expires within 30, 60 and 90 days, as CSV.
    OnHand,
    /// The physical counts of a period, one line per day, as CSV.
    Reconciliation {
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
    },
    /// Non-viable vaccine of a period, as CSV.
    Wastage {
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
    },
}

fn fail<E: UserMessage>(lang: Lang) -> impl Fn(E) -> CliError {
    move |e| CliError::from_error(&e, lang)
}

fn print_line(line: &StockLine, ids: bool) -> Result<(), CliError> {
    if ids {
        out(&format!("{} {}", line.on_hand_line(), line.lot_id))
    } else {
        out(&line.on_hand_line())
    }
}

fn warn_negative(line: &StockLine, lang: Lang) {
    if line.is_negative() {
        let text = match lang {
            Lang::En => format!(
                "salal: lot {} in {} is below zero ({}): a dose or a receipt was not recorded. Count it.",
                line.lot, line.unit, line.quantity
            ),
            Lang::Es => format!(
                "salal: el lote {} en {} está bajo cero ({}): falta registrar una dosis o una recepción. Cuéntelo.",
                line.lot, line.unit, line.quantity
            ),
        };
        eprintln!("{text}");
    }
}

fn summary(verb: &str, line: &StockLine) -> String {
    format!(
        "{verb}: ndc={} lot={} expires={} funding={} unit={} on-hand={} lot-id={}",
        line.ndc, line.lot, line.expires, line.funding, line.unit, line.quantity, line.lot_id
    )
}

/// The lot `--lot`, `--funding` and `--unit` name.
fn locate(
    clinic: &Clinic,
    session: &Session,
    lot: &LotArgs,
    lang: Lang,
) -> Result<StockLine, CliError> {
    clinic
        .find_lot(
            session,
            &lot.lot,
            lot.funding.as_deref(),
            lot.unit.as_deref(),
        )
        .map_err(fail(lang))
}

fn removal(
    clinic: &Clinic,
    session: &Session,
    lot: &LotArgs,
    quantity: i64,
    date: Option<NaiveDate>,
    lang: Lang,
) -> Result<Removal, CliError> {
    let line = locate(clinic, session, lot, lang)?;
    Ok(Removal {
        id: None,
        lot_id: line.lot_id,
        unit: line.unit,
        quantity,
        date,
        note: String::new(),
    })
}

/// Runs a `salal stock` command.
pub(crate) fn stock(
    clinic: &Clinic,
    session: &Session,
    command: &StockCommand,
    lang: Lang,
) -> Result<(), CliError> {
    match command {
        StockCommand::Receive {
            scan,
            ndc,
            lot,
            expires,
            quantity,
            funding,
            unit,
            date: on,
            from_facility,
        } => {
            let source = match (scan, ndc, lot, expires) {
                (Some(text), _, _, _) => LotSource::Scan(text.clone()),
                (None, Some(ndc), Some(lot), Some(expires)) => LotSource::Typed {
                    ndc: ndc.clone(),
                    lot: lot.clone(),
                    expires: date(expires, lang)?,
                },
                _ => {
                    return Err(CliError::input(match lang {
                        Lang::En => "say what was received: --scan TEXT, or --ndc NDC --lot LOT --expires YYYY-MM-DD".to_owned(),
                        Lang::Es => "indique qué se recibió: --scan TEXTO, o --ndc NDC --lot LOTE --expires AAAA-MM-DD".to_owned(),
                    }));
                }
            };
            let received = clinic
                .receive_stock(
                    session,
                    &Receipt {
                        id: None,
                        source,
                        quantity: *quantity,
                        funding: funding.clone(),
                        unit: unit.clone(),
                        date: on.as_deref().map(|t| date(t, lang)).transpose()?,
                        order_id: None,
                        from_facility: from_facility.clone(),
                        note: String::new(),
                    },
                )
                .map_err(fail(lang))?;
            out(&summary(&format!("received {quantity}"), &received.line))
        }
        StockCommand::OnHand { expiring, ids } => {
            let lines = clinic.on_hand(session).map_err(fail(lang))?;
            let shown: Vec<&StockLine> = match expiring {
                Some(days) => expiring_within(&lines, *days),
                None => lines.iter().collect(),
            };
            for line in shown {
                warn_negative(line, lang);
                print_line(line, *ids)?;
            }
            let status = clinic.reconciliation(session).map_err(fail(lang))?;
            if !status.done {
                eprintln!(
                    "{}",
                    salal_inventory::InventoryError::NotReconciled {
                        missing: status.uncounted.len(),
                        since: status.month_start,
                    }
                    .localized(lang)
                );
            }
            Ok(())
        }
        StockCommand::Count {
            lot,
            counted,
            reason,
            expected,
        } => {
            let line = locate(clinic, session, lot, lang)?;
            let done = clinic
                .count_stock(
                    session,
                    &CountEntry {
                        id: None,
                        lot_id: line.lot_id,
                        unit: line.unit.clone(),
                        counted: *counted,
                        expected: *expected,
                        reason: reason.clone(),
                        date: None,
                    },
                )
                .map_err(fail(lang))?;
            out(&format!(
                "counted {} expected {} adjustment {:+}: ndc={} lot={} unit={} on-hand={}",
                done.counted,
                done.expected,
                done.adjustment,
                done.line.ndc,
                done.line.lot,
                done.line.unit,
                done.line.quantity
            ))
        }
        StockCommand::Waste {
            lot,
            quantity,
            reason,
            date: on,
        } => {
            let on = on.as_deref().map(|t| date(t, lang)).transpose()?;
            let r = removal(clinic, session, lot, *quantity, on, lang)?;
            let line = clinic
                .waste_stock(session, &r, reason)
                .map_err(fail(lang))?;
            warn_negative(&line, lang);
            out(&summary(&format!("{reason} {quantity}"), &line))
        }
        StockCommand::Return { lot, quantity } => {
            let r = removal(clinic, session, lot, *quantity, None, lang)?;
            let line = clinic.return_stock(session, &r).map_err(fail(lang))?;
            warn_negative(&line, lang);
            out(&summary(&format!("returned {quantity}"), &line))
        }
        StockCommand::Transfer {
            lot,
            quantity,
            to_unit,
            to_facility,
        } => {
            let r = removal(clinic, session, lot, *quantity, None, lang)?;
            let to = match (to_unit, to_facility) {
                (Some(unit), _) => TransferTo::Unit(unit.clone()),
                (None, Some(facility)) => TransferTo::Facility(facility.clone()),
                (None, None) => {
                    return Err(CliError::input("--to-unit or --to-facility".to_owned()));
                }
            };
            let line = clinic
                .transfer_stock(session, &r, &to)
                .map_err(fail(lang))?;
            warn_negative(&line, lang);
            out(&summary(&format!("transferred {quantity}"), &line))
        }
        StockCommand::Borrow {
            lot,
            quantity,
            to_funding,
            reason,
        } => {
            let r = removal(clinic, session, lot, *quantity, None, lang)?;
            let line = clinic
                .borrow_stock(session, &r, to_funding, reason)
                .map_err(fail(lang))?;
            warn_negative(&line, lang);
            out(&summary(&format!("lent {quantity} to {to_funding}"), &line))
        }
        StockCommand::NonViable { from } => {
            let today = clinic.today();
            let from = match from {
                Some(t) => date(t, lang)?,
                None => today - chrono::Days::new(90),
            };
            for n in clinic
                .non_viable(session, from, today)
                .map_err(fail(lang))?
            {
                out(&format!(
                    "{} {} {} {} {} {} {} {} {} due={}",
                    n.date,
                    n.ndc,
                    n.lot,
                    n.funding,
                    n.unit,
                    n.kind,
                    n.reason,
                    n.doses,
                    n.action,
                    n.due.map(|d| d.to_string()).unwrap_or_default()
                ))?;
            }
            Ok(())
        }
        StockCommand::Reconciliation => {
            let status = clinic.reconciliation(session).map_err(fail(lang))?;
            if status.done {
                out(&format!("reconciled since {}", status.month_start))
            } else {
                for line in &status.uncounted {
                    out(&format!("to count: {}", line.on_hand_line()))?;
                }
                Err(CliError::input(
                    salal_inventory::InventoryError::NotReconciled {
                        missing: status.uncounted.len(),
                        since: status.month_start,
                    }
                    .localized(lang),
                ))
            }
        }
        StockCommand::Reasons => {
            for r in &salal_inventory::Tables::embedded().reasons {
                out(&format!("{} {:?} {}", r.code, r.applies_to, r.label(lang)))?;
            }
            Ok(())
        }
        StockCommand::Unit(UnitCommand::Add { name, kind }) => {
            let unit = clinic
                .save_storage_unit(session, name, kind)
                .map_err(fail(lang))?;
            out(&format!("{} {}", unit.name, unit.kind))
        }
        StockCommand::Unit(UnitCommand::List) => {
            for unit in clinic.storage_units(session).map_err(fail(lang))? {
                out(&format!("{} {}", unit.name, unit.kind))?;
            }
            Ok(())
        }
        StockCommand::Level {
            ndc,
            funding,
            min,
            max,
        } => {
            clinic
                .set_stock_level(session, ndc, funding, *min, *max)
                .map_err(fail(lang))?;
            out(salal_core::i18n::tr(lang, "cli.saved"))
        }
        StockCommand::Temperature { unit, file } => {
            let text = std::fs::read(file)
                .map_err(|e| CliError::input(format!("{}: {e}", file.display())))?;
            let text = String::from_utf8_lossy(&text);
            let import = clinic
                .import_temperatures(session, unit, &text)
                .map_err(fail(lang))?;
            out(&format!(
                "readings {} new {} excursions {}",
                import.readings,
                import.new_readings,
                import.excursions.len()
            ))?;
            for x in &import.excursions {
                let e = &x.excursion;
                out(&format!(
                    "excursion {} to {} min={:.1} max={:.1} readings={}",
                    e.start.format("%Y-%m-%d %H:%M"),
                    e.end.format("%Y-%m-%d %H:%M"),
                    e.min_c,
                    e.max_c,
                    e.readings
                ))?;
                for lot in &x.lots {
                    out(&format!("  lot {}", lot.on_hand_line()))?;
                }
                for d in &x.doses {
                    out(&format!(
                        "  dose {} {} {} {} {}",
                        d.date, d.event_id, d.patient_name, d.vaccine, d.lot
                    ))?;
                }
            }
            Ok(())
        }
    }
}

fn order_id(clinic: &Clinic, session: &Session, id: &str, lang: Lang) -> Result<Uuid, CliError> {
    Ok(clinic.order(session, id).map_err(fail(lang))?.id)
}

fn parse_line(text: &str, lang: Lang) -> Result<OrderLine, CliError> {
    let parts: Vec<&str> = text.split(':').collect();
    let bad = || {
        CliError::input(match lang {
            Lang::En => {
                format!("--line {text}: write NDC:FUNDING:DOSES, e.g. 49281-0425-50:VXC51:20")
            }
            Lang::Es => format!(
                "--line {text}: escriba NDC:FINANCIAMIENTO:DOSIS, p. ej. 49281-0425-50:VXC51:20"
            ),
        })
    };
    match parts.as_slice() {
        [ndc, funding, doses] => Ok(OrderLine {
            ndc: (*ndc).to_owned(),
            cvx: String::new(),
            funding: (*funding).to_owned(),
            doses: doses.trim().parse().map_err(|_| bad())?,
            suggested: None,
        }),
        _ => Err(bad()),
    }
}

/// Runs a `salal order` command.
pub(crate) fn order(
    clinic: &Clinic,
    session: &Session,
    command: &OrderCommand,
    lang: Lang,
) -> Result<(), CliError> {
    let advance = |id: &str, to: OrderState| -> Result<(), CliError> {
        let id = order_id(clinic, session, id, lang)?;
        let order = clinic.advance_order(session, id, to).map_err(fail(lang))?;
        out(&format!("{} {}", order.id, order.state.code()))
    };
    match command {
        OrderCommand::Suggest => {
            for line in clinic.suggested_order(session).map_err(fail(lang))? {
                out(&format!("{} {} {}", line.ndc, line.funding, line.doses))?;
            }
            Ok(())
        }
        OrderCommand::Create {
            lines,
            suggested,
            note,
        } => {
            let mut all = if *suggested {
                clinic.suggested_order(session).map_err(fail(lang))?
            } else {
                Vec::new()
            };
            for text in lines {
                all.push(parse_line(text, lang)?);
            }
            let order = clinic
                .create_order(session, None, &all, note)
                .map_err(fail(lang))?;
            out(&format!(
                "{} {} {}",
                order.id,
                order.state.code(),
                order.total_doses()
            ))
        }
        OrderCommand::List => {
            for o in clinic.orders(session).map_err(fail(lang))? {
                out(&format!(
                    "{} {} {} {}",
                    o.id,
                    o.state.code(),
                    o.created_on,
                    o.total_doses()
                ))?;
            }
            Ok(())
        }
        OrderCommand::Show { id } => {
            let o = clinic.order(session, id).map_err(fail(lang))?;
            out(&format!(
                "{} {} {} {}",
                o.id,
                o.state.code(),
                o.created_on,
                o.total_doses()
            ))?;
            for (state, on) in &o.history {
                out(&format!("  {} {on}", state.code()))?;
            }
            for l in &o.lines {
                out(&format!(
                    "  line {} {} {}{}",
                    l.ndc,
                    l.funding,
                    l.doses,
                    l.suggested
                        .map(|s| format!(" suggested={s}"))
                        .unwrap_or_default()
                ))?;
            }
            Ok(())
        }
        OrderCommand::Submit { id } => advance(id, OrderState::Submitted),
        OrderCommand::Approve { id } => advance(id, OrderState::Approved),
        OrderCommand::Ship { id } => advance(id, OrderState::Shipped),
        OrderCommand::Cancel { id } => advance(id, OrderState::Cancelled),
        OrderCommand::Receive {
            id,
            scan,
            quantity,
            funding,
            unit,
        } => {
            let id = order_id(clinic, session, id, lang)?;
            if scan.len() != quantity.len() || scan.len() != funding.len() {
                return Err(CliError::input(match lang {
                    Lang::En => "give one --quantity and one --funding for each --scan".to_owned(),
                    Lang::Es => "indique un --quantity y un --funding por cada --scan".to_owned(),
                }));
            }
            let receipts: Vec<Receipt> = scan
                .iter()
                .zip(quantity)
                .zip(funding)
                .map(|((text, q), f)| Receipt {
                    id: None,
                    source: LotSource::Scan(text.clone()),
                    quantity: *q,
                    funding: f.clone(),
                    unit: unit.clone(),
                    date: None,
                    order_id: Some(id),
                    from_facility: None,
                    note: String::new(),
                })
                .collect();
            let order = clinic
                .receive_order(session, id, &receipts)
                .map_err(fail(lang))?;
            out(&format!("{} {}", order.id, order.state.code()))
        }
        OrderCommand::Export { id, pin, out: path } => {
            let id = order_id(clinic, session, id, lang)?;
            let csv = clinic
                .order_exis_csv(session, id, pin)
                .map_err(fail(lang))?;
            match path {
                Some(path) => write_durably(path, csv.as_bytes(), lang),
                None => {
                    print!("{csv}");
                    Ok(())
                }
            }
        }
    }
}

fn write_csv(rows: Vec<Vec<String>>) -> Result<(), CliError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row)
            .map_err(|e| CliError::input(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| CliError::input(e.to_string()))?;
    print!("{}", String::from_utf8_lossy(&bytes));
    Ok(())
}

/// Runs a `salal report` command.
pub(crate) fn report(
    clinic: &Clinic,
    session: &Session,
    command: &ReportCommand,
    lang: Lang,
) -> Result<(), CliError> {
    match command {
        ReportCommand::Doses {
            from,
            to,
            format,
            out: path,
        } => {
            let report = clinic
                .doses_report(session, date(from, lang)?, date(to, lang)?, lang)
                .map_err(fail(lang))?;
            match (format.as_str(), path) {
                ("csv", None) => {
                    print!("{}", doses_report_csv(&report));
                    Ok(())
                }
                ("csv", Some(path)) => {
                    write_durably(path, doses_report_csv(&report).as_bytes(), lang)
                }
                ("pdf", Some(path)) => {
                    let pdf = clinic
                        .doses_report_pdf(session, &report, lang)
                        .map_err(fail(lang))?;
                    write_durably(path, &pdf, lang)
                }
                ("pdf", None) => Err(CliError::input(match lang {
                    Lang::En => "a PDF needs --out FILE".to_owned(),
                    Lang::Es => "un PDF necesita --out ARCHIVO".to_owned(),
                })),
                (other, _) => Err(CliError::input(format!("--format {other}: csv, pdf"))),
            }
        }
        ReportCommand::OnHand => {
            let lines = clinic.on_hand(session).map_err(fail(lang))?;
            let mut rows = vec![
                [
                    "ndc",
                    "vaccine",
                    "lot",
                    "expires",
                    "funding",
                    "unit",
                    "doses",
                    "expires_in_days",
                    "expiring_within",
                ]
                .map(str::to_owned)
                .to_vec(),
            ];
            for l in &lines {
                let band = match l.expires_in_days {
                    d if d < 0 => "expired",
                    d if d <= 30 => "30",
                    d if d <= 60 => "60",
                    d if d <= 90 => "90",
                    _ => "",
                };
                rows.push(vec![
                    l.ndc.clone(),
                    l.vaccine.clone(),
                    l.lot.clone(),
                    l.expires.to_string(),
                    l.funding.clone(),
                    l.unit.clone(),
                    l.quantity.to_string(),
                    l.expires_in_days.to_string(),
                    band.to_owned(),
                ]);
            }
            write_csv(rows)
        }
        ReportCommand::Reconciliation { from, to } => {
            let sessions = clinic
                .count_history(session, date(from, lang)?, date(to, lang)?)
                .map_err(fail(lang))?;
            let mut rows = vec![
                [
                    "date",
                    "lots",
                    "expected",
                    "counted",
                    "adjustment",
                    "counted_by",
                ]
                .map(str::to_owned)
                .to_vec(),
            ];
            for s in sessions {
                rows.push(vec![
                    s.date.to_string(),
                    s.lots.to_string(),
                    s.expected.to_string(),
                    s.counted.to_string(),
                    s.adjustment.to_string(),
                    s.counted_by.join(" "),
                ]);
            }
            write_csv(rows)
        }
        ReportCommand::Wastage { from, to } => {
            let list = clinic
                .non_viable(session, date(from, lang)?, date(to, lang)?)
                .map_err(fail(lang))?;
            let mut rows = vec![
                [
                    "date", "ndc", "vaccine", "lot", "funding", "unit", "kind", "reason", "doses",
                    "action", "due",
                ]
                .map(str::to_owned)
                .to_vec(),
            ];
            for n in list {
                rows.push(vec![
                    n.date.to_string(),
                    n.ndc,
                    n.vaccine,
                    n.lot,
                    n.funding,
                    n.unit,
                    n.kind,
                    n.reason,
                    n.doses.to_string(),
                    n.action,
                    n.due.map(|d| d.to_string()).unwrap_or_default(),
                ]);
            }
            write_csv(rows)
        }
    }
}

/// `dose add --lot-id`: the lot (id or number) in stock.
pub(crate) fn from_stock(
    clinic: &Clinic,
    session: &Session,
    lot: &str,
    lang: Lang,
) -> Result<salal_clinic::inventory::FromStock, CliError> {
    let line = clinic
        .find_lot(session, lot, None, None)
        .map_err(fail(lang))?;
    Ok(salal_clinic::inventory::FromStock {
        lot_id: line.lot_id,
        unit: Some(line.unit),
    })
}

/// `dose add --scan`: the lot in stock a scanned package belongs to.
pub(crate) fn from_scan(
    clinic: &Clinic,
    session: &Session,
    text: &str,
    lang: Lang,
) -> Result<salal_clinic::inventory::FromStock, CliError> {
    let line = clinic.lot_for_scan(session, text).map_err(fail(lang))?;
    Ok(salal_clinic::inventory::FromStock {
        lot_id: line.lot_id,
        unit: Some(line.unit),
    })
}
