//! Patients: search, register, edit, the record, consent choices.

use crate::convert::{
    consents, new_id, patient_details, patient_id, patient_record as record_wire, patient_row,
};
use crate::errors::{CmdResult, to_ipc};
use crate::shell::Shell;
use crate::sync::SyncHandle;
use salal_clinic::RegisterPatientError;
use salal_core::ids::PatientId;
use salal_ipc::patient::{
    ConsentRequest, PatientRecord, PatientRow, RecordRequest, RegisterOutcome, RegisterRequest,
    SearchRequest, UpdateRequest,
};
use tauri::State;

/// The most results one search returns, whatever the UI asks.
const MAX_RESULTS: u32 = 200;

/// Finds patients by part of a name or a birth date.
#[tauri::command(async)]
pub(crate) fn search_patients(
    shell: State<'_, Shell>,
    req: SearchRequest,
) -> CmdResult<Vec<PatientRow>> {
    let (clinic, session) = shell.signed_in()?;
    let limit = usize::try_from(req.limit.min(MAX_RESULTS)).unwrap_or(25);
    let found = clinic
        .search_patients(&session, &req.query, limit)
        .map_err(|e| to_ipc(&e, shell.lang()))?;
    Ok(found.iter().map(patient_row).collect())
}

/// Registers a patient, or lists the likely duplicates and saves nothing.
/// The form's id makes a repeated save (double submit, retry) a no-op.
#[tauri::command(async)]
pub(crate) fn register_patient(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: RegisterRequest,
) -> CmdResult<RegisterOutcome> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let details = patient_details(&req.patient, lang)?;
    let ack = req.acknowledge_duplicates;
    let registered = match new_id::<PatientId>(&req.id, lang)? {
        Some(id) => clinic.register_patient_as(&session, id, &details, ack),
        None => clinic.register_patient(&session, &details, ack),
    };
    match registered {
        Ok(id) => {
            sync.changed();
            Ok(RegisterOutcome::Registered { id: id.to_string() })
        }
        Err(RegisterPatientError::LikelyDuplicates(candidates)) => {
            Ok(RegisterOutcome::LikelyDuplicates {
                candidates: candidates.iter().map(patient_row).collect(),
            })
        }
        Err(error) => Err(to_ipc(&error, lang)),
    }
}

/// Saves edits to a patient's demographics, or lists the other patients the
/// edited details now look like and saves nothing.
#[tauri::command(async)]
pub(crate) fn update_patient(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: UpdateRequest,
) -> CmdResult<RegisterOutcome> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = patient_id(&req.id, lang)?;
    let details = patient_details(&req.patient, lang)?;
    match clinic.update_patient(&session, id, &details, req.acknowledge_duplicates) {
        Ok(()) => {
            sync.changed();
            Ok(RegisterOutcome::Registered { id: req.id })
        }
        Err(RegisterPatientError::LikelyDuplicates(candidates)) => {
            Ok(RegisterOutcome::LikelyDuplicates {
                candidates: candidates.iter().map(patient_row).collect(),
            })
        }
        Err(error) => Err(to_ipc(&error, lang)),
    }
}

/// A patient's record.
#[tauri::command(async)]
pub(crate) fn patient_record(
    shell: State<'_, Shell>,
    req: RecordRequest,
) -> CmdResult<PatientRecord> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = patient_id(&req.id, lang)?;
    let record = clinic
        .patient_record(&session, id)
        .map_err(|e| to_ipc(&e, lang))?;
    Ok(record_wire(&record, clinic.codes(), lang))
}

/// Records the consent choices.
#[tauri::command(async)]
pub(crate) fn set_consent(
    shell: State<'_, Shell>,
    sync: State<'_, SyncHandle>,
    req: ConsentRequest,
) -> CmdResult<()> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = patient_id(&req.patient_id, lang)?;
    let record = clinic
        .patient_record(&session, id)
        .map_err(|e| to_ipc(&e, lang))?;
    let wanted = consents(&record.patient.consents, &req, clinic.today());
    clinic
        .set_consents(&session, id, &wanted)
        .map_err(|e| to_ipc(&e, lang))?;
    sync.changed();
    Ok(())
}
