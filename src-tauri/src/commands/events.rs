//! Immunization events: record one, or mark one entered in error.

use crate::convert::{event_id, new_event};
use crate::errors::{CmdResult, to_ipc};
use crate::shell::Shell;
use crate::sync::SyncHandle;
use salal_ipc::dose::{EnteredInErrorRequest, EventForm, EventSaved};
use tauri::State;

/// Records an event; every problem with the form comes back at once, and nothing is saved.
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
    let id = clinic
        .record_event(&session, patient, &event)
        .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(EventSaved {
        id: id.to_string(),
        warnings: Vec::new(),
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
        .mark_entered_in_error(&session, id, "")
        .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(())
}
