//! Searching the registry from the search screen, and bringing a patient in.
//! Both need the network: offline, the clinic's error says so and what to do.

use crate::convert::{iso, patient_id};
use crate::errors::{CmdResult, to_ipc, ui_error};
use crate::shell::Shell;
use chrono::NaiveDate;
use salal_clinic::RegistryCandidate;
use salal_ipc::lookup::{FetchFromRegistryRequest, RegistryCandidateRow, RegistryLookupRequest};
use tauri::State;

fn candidate_row(candidate: &RegistryCandidate) -> RegistryCandidateRow {
    RegistryCandidateRow {
        id: candidate.id.to_string(),
        display_name: candidate.display_name.clone(),
        birth_date: candidate.birth_date.map(iso).unwrap_or_default(),
        sex: candidate.sex.code().to_owned(),
        last_seen_by: candidate.last_seen_by.clone(),
    }
}

/// The registry's candidates for a name and birth date, best first.
#[tauri::command(async)]
pub(crate) fn lookup_registry(
    shell: State<'_, Shell>,
    req: RegistryLookupRequest,
) -> CmdResult<Vec<RegistryCandidateRow>> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let text = req.birth_date.trim();
    let birth_date = if text.is_empty() {
        None
    } else {
        Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            ui_error("request.bad_date", "ui.error.bad_birth_date", lang).with_field("birth_date")
        })?)
    };
    let found = clinic
        .lookup_registry(&session, &req.name, birth_date)
        .map_err(|e| to_ipc(&e, lang))?;
    Ok(found.iter().map(candidate_row).collect())
}

/// Brings a candidate and every dose of it into this computer; answers its id here.
#[tauri::command(async)]
pub(crate) fn fetch_from_registry(
    shell: State<'_, Shell>,
    req: FetchFromRegistryRequest,
) -> CmdResult<String> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = patient_id(&req.id, lang)?;
    let local = clinic
        .fetch_from_registry(&session, id)
        .map_err(|e| to_ipc(&e, lang))?;
    Ok(local.to_string())
}
