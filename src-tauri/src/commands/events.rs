//! Immunization events: record one, or mark one entered in error.

use crate::convert::{event_id, new_event, stock_id};
use crate::errors::{CmdResult, to_ipc};
use crate::shell::Shell;
use crate::sync::SyncHandle;
use salal_clinic::RecordEventError;
use salal_clinic::inventory::FromStock;
use salal_core::i18n::{UserMessage, tr_args};
use salal_ipc::dose::{EnteredInErrorRequest, EventForm, EventSaved};
use salal_ipc::inventory::DoseWarningView;
use tauri::State;

/// Records an event; every problem with the form comes back at once, and nothing is saved.
/// A dose may be taken from a lot in stock (the lot goes down in the same
/// transaction). Warnings the clinician has not confirmed (an expired lot,
/// funding that does not match the child's VFC eligibility) come back to
/// confirm, and nothing is saved until they are.
/// The form's id makes a repeated save (double submit, retry) a no-op.
#[tauri::command(async)]
pub(crate) fn record_event(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: EventForm,
) -> CmdResult<EventSaved> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let (patient, event) = new_event(&req, clinic.codes(), lang)?;
    let stock = if req.lot_id.trim().is_empty() {
        None
    } else {
        let unit = req.stock_unit.trim();
        Some(FromStock {
            lot_id: stock_id(&req.lot_id, lang)?,
            unit: (!unit.is_empty()).then(|| unit.to_owned()),
        })
    };
    let id = match clinic.record_dose(&session, patient, &event, stock.as_ref(), &req.confirmed) {
        Ok(id) => id,
        Err(RecordEventError::NeedsConfirmation(warnings)) => {
            return Ok(EventSaved::NeedsConfirmation {
                warnings: warnings
                    .iter()
                    .map(|w| DoseWarningView {
                        code: w.code().to_owned(),
                        message: w.localized(lang),
                    })
                    .collect(),
            });
        }
        Err(e) => return Err(to_ipc(&e, lang)),
    };
    sync.changed();
    // A lot whose stock went below zero needs counting: say so (the dose is saved).
    let mut warnings = Vec::new();
    if let Some(stock) = &stock
        && let Ok(lines) = clinic.on_hand(&session)
    {
        for line in lines
            .iter()
            .filter(|l| l.lot_id == stock.lot_id && l.is_negative())
        {
            warnings.push(tr_args(
                lang,
                "ui.event.stock_negative",
                &[
                    ("lot", line.lot.clone()),
                    ("unit", line.unit.clone()),
                    ("quantity", line.quantity.to_string()),
                ],
            ));
        }
    }
    Ok(EventSaved::Saved {
        id: id.to_string(),
        warnings,
    })
}

/// Marks an event entered in error; it stays on the record, struck through.
#[tauri::command(async)]
pub(crate) fn mark_entered_in_error(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: EnteredInErrorRequest,
) -> CmdResult<()> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = event_id(&req.event_id, lang)?;
    clinic
        .mark_entered_in_error(&session, id, &req.reason)
        .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(())
}
