//! Printing and reminder/recall: a patient's documents saved as PDF (and sent
//! to the printer when asked), the recall list, its letters, labels and CSV,
//! and the calls made to families.
//!
//! Files are written whole into the documents folder (`crate::files`) before
//! anything is answered. A print that fails keeps the saved PDF and says where
//! it is. Letters count as sent (recorded as contacts) only once their file is
//! on disk. The last recall list found is kept here, so its letters, labels
//! and CSV are made from exactly the families the user saw.

use crate::convert::{iso, lang_from_wire, lang_to_wire, new_id, patient_id};
use crate::errors::{CmdResult, to_ipc, ui_error};
use crate::files::{self, PrintError};
use crate::shell::Shell;
use chrono::NaiveDate;
use salal_clinic::{
    Clinic, ConsentFormKind, ContactMethod, ContactSummary, NewContact, RecallEntry, RecallQuery,
    Session, recall_csv,
};
use salal_core::i18n::{Lang, tr, tr_args};
use salal_core::patient::Patient;
use salal_ipc::documents::{
    ContactKind, ContactsView, DocumentAction, DocumentKind, PrintOutcome, PrintRequest,
    RecallDueView, RecallExport, RecallExportRequest, RecallList, RecallOutput, RecallProgressView,
    RecallRequest, RecallRow, RecordCallRequest, SavedFile,
};
use salal_ipc::event;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use tauri::{AppHandle, Emitter, Manager, State};

/// A progress event every this many letters (and at the last one).
const PROGRESS_EVERY: usize = 25;

/// The last recall list found (managed Tauri state).
#[derive(Default)]
pub(crate) struct RecallLists {
    last: Mutex<Option<FoundList>>,
    counter: AtomicU64,
}

#[derive(Clone)]
struct FoundList {
    list_id: String,
    username: String,
    as_of: NaiveDate,
    entries: Vec<RecallEntry>,
}

impl RecallLists {
    fn keep(&self, username: &str, as_of: NaiveDate, entries: Vec<RecallEntry>) -> String {
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let list_id = format!("recall-{n}");
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(FoundList {
            list_id: list_id.clone(),
            username: username.to_owned(),
            as_of,
            entries,
        });
        list_id
    }

    fn get(&self, list_id: &str, username: &str) -> Option<FoundList> {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|l| l.list_id == list_id && l.username == username)
            .cloned()
    }

    fn update_contacts(&self, list_id: &str, entries: &[RecallEntry]) {
        if let Some(list) = self
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
            .filter(|l| l.list_id == list_id)
        {
            list.entries = entries.to_vec();
        }
    }
}

/// Where documents are saved.
pub(crate) fn documents_dir(app: &AppHandle, shell: &Shell) -> PathBuf {
    let path = app.path();
    files::choose_folder(
        std::env::var_os("SALAL_DOCUMENTS_DIR"),
        path.document_dir().ok(),
        path.home_dir().ok(),
        shell.data_dir(),
    )
}

/// The full path of the documents folder, for the UI to show.
#[tauri::command(async)]
pub(crate) fn documents_folder(app: AppHandle, shell: State<'_, Shell>) -> CmdResult<String> {
    Ok(documents_dir(&app, &shell).display().to_string())
}

/// Writes a document into the documents folder (see `crate::files`).
pub(crate) fn save(
    app: &AppHandle,
    shell: &Shell,
    name: &str,
    bytes: &[u8],
    lang: Lang,
) -> CmdResult<SavedFile> {
    let folder = documents_dir(app, shell);
    let path = files::write_durably(&folder, name, bytes).map_err(|e| {
        let details = e.to_string();
        salal_ipc::IpcError::new(
            "document.save_failed",
            tr_args(
                lang,
                "ui.error.save_failed",
                &[
                    ("path", folder.join(name).display().to_string()),
                    ("details", details),
                ],
            ),
        )
    })?;
    Ok(saved_file(&path, None))
}

fn saved_file(path: &Path, print: Option<PrintOutcome>) -> SavedFile {
    SavedFile {
        path: path.display().to_string(),
        folder: path
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        print,
    }
}

/// Sends a saved file to the printer; the file stays saved whatever happens.
fn print_saved(path: &Path, lang: Lang) -> PrintOutcome {
    let shown = path.display().to_string();
    match files::send_to_printer(path) {
        Ok(said) => PrintOutcome {
            sent: true,
            message: tr_args(lang, "ui.print.sent", &[("path", shown), ("details", said)]),
        },
        Err(error) => {
            let details = match &error {
                PrintError::Missing => tr(lang, "ui.print.no_service").to_owned(),
                PrintError::TimedOut => tr(lang, "ui.print.timed_out").to_owned(),
                PrintError::Refused(said) => said.clone(),
            };
            PrintOutcome {
                sent: false,
                message: tr_args(
                    lang,
                    "ui.print.unavailable",
                    &[("path", shown), ("details", details)],
                ),
            }
        }
    }
}

/// The file name's words for a patient: surnames, then first name.
fn name_parts(patient: &Patient) -> [&str; 3] {
    let d = &patient.details;
    [
        d.last_name.as_str(),
        d.second_last_name.as_str(),
        d.first_name.as_str(),
    ]
}

fn file_prefix_key(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Cis => "ui.print.file.cis",
        DocumentKind::Record => "ui.print.file.record",
        DocumentKind::RegistryDecline => "ui.print.file.registry_decline",
        DocumentKind::MailingsDecline => "ui.print.file.mailings_decline",
    }
}

/// Makes a patient's document in the language asked for, saves it, and prints it when asked.
#[tauri::command(async)]
pub(crate) fn print_document(
    app: AppHandle,
    shell: State<'_, Shell>,
    req: PrintRequest,
) -> CmdResult<SavedFile> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = patient_id(&req.patient_id, lang)?;
    let doc_lang = lang_from_wire(req.lang);
    let bytes = match req.kind {
        DocumentKind::Cis => clinic.print_cis(&session, id, doc_lang),
        DocumentKind::Record => clinic.print_record(&session, id, doc_lang),
        DocumentKind::RegistryDecline => {
            clinic.print_consent(&session, id, ConsentFormKind::Registry, doc_lang)
        }
        DocumentKind::MailingsDecline => {
            clinic.print_consent(&session, id, ConsentFormKind::Mailings, doc_lang)
        }
    }
    .map_err(|e| to_ipc(&e, lang))?;
    let record = clinic
        .patient_record(&session, id)
        .map_err(|e| to_ipc(&e, lang))?;
    let name = files::file_name(
        tr(doc_lang, file_prefix_key(req.kind)),
        &name_parts(&record.patient),
        clinic.today(),
        "pdf",
    );
    let saved = save(&app, &shell, &name, &bytes, lang)?;
    Ok(match req.action {
        DocumentAction::Save => saved,
        DocumentAction::Print => {
            let path = PathBuf::from(&saved.path);
            saved_file(&path, Some(print_saved(&path, lang)))
        }
    })
}

fn contacts_view(summary: &ContactSummary) -> ContactsView {
    ContactsView {
        letters: summary.letters,
        calls: summary.calls,
        last_at_ms: summary.last_at_ms,
    }
}

fn contact_kind(method: ContactMethod) -> ContactKind {
    match method {
        ContactMethod::Letter => ContactKind::Letter,
        ContactMethod::Call => ContactKind::Call,
    }
}

fn recall_row(entry: &RecallEntry) -> RecallRow {
    let d = &entry.patient.details;
    RecallRow {
        patient_id: entry.patient.id.to_string(),
        display_name: d.display_name(),
        birth_date: d.birth_date.map(iso).unwrap_or_default(),
        age_months: entry.age_months,
        language: lang_to_wire(entry.language),
        due: entry
            .due
            .iter()
            .map(|due| RecallDueView {
                group: due.group.clone(),
                overdue: due.overdue,
                due_since: due.due_since.map(iso),
            })
            .collect(),
        contacts: contacts_view(&entry.contacts),
        suggested: contact_kind(entry.suggested),
    }
}

fn recall_query(clinic: &Clinic, req: &RecallRequest, lang: Lang) -> CmdResult<RecallQuery> {
    let as_of = NaiveDate::parse_from_str(req.as_of.trim(), "%Y-%m-%d").map_err(|_| {
        ui_error("recall.bad_date", "ui.error.recall_date", lang).with_field("as_of")
    })?;
    if let (Some(min), Some(max)) = (req.age_min_months, req.age_max_months)
        && min > max
    {
        return Err(ui_error("recall.bad_ages", "ui.error.recall_ages", lang).with_field("age_max"));
    }
    let groups = clinic
        .resolve_recall_groups(&req.groups)
        .map_err(|e| to_ipc(&e, lang).with_field("groups"))?;
    Ok(RecallQuery {
        as_of,
        age_min_months: req.age_min_months,
        age_max_months: req.age_max_months,
        groups,
        overdue_only: req.overdue_only,
        language: req.language.map(lang_from_wire),
        skip_contacted_within_days: req.skip_contacted_within_days,
    })
}

/// The families due or overdue; the list is kept for its letters, labels and CSV.
#[tauri::command(async)]
pub(crate) fn recall_list(
    shell: State<'_, Shell>,
    lists: State<'_, RecallLists>,
    req: RecallRequest,
) -> CmdResult<RecallList> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let query = recall_query(&clinic, &req, lang)?;
    let entries = clinic
        .recall_list(&session, &query)
        .map_err(|e| to_ipc(&e, lang))?;
    let rows = entries.iter().map(recall_row).collect();
    let list_id = lists.keep(session.username(), query.as_of, entries);
    Ok(RecallList {
        list_id,
        as_of: iso(query.as_of),
        rows,
    })
}

fn export_prefix_key(output: RecallOutput) -> &'static str {
    match output {
        RecallOutput::Letters => "ui.recall.file.letters",
        RecallOutput::Labels => "ui.recall.file.labels",
        RecallOutput::Csv => "ui.recall.file.csv",
    }
}

/// The letters (with progress events), labels or CSV of the list last found,
/// saved in the documents folder. Letters are recorded as contacts once saved.
#[tauri::command(async)]
pub(crate) fn recall_export(
    app: AppHandle,
    shell: State<'_, Shell>,
    lists: State<'_, RecallLists>,
    req: RecallExportRequest,
) -> CmdResult<RecallExport> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let list = lists
        .get(&req.list_id, session.username())
        .ok_or_else(|| ui_error("recall.list_gone", "ui.error.recall_list_gone", lang))?;
    let (bytes, ext) = match req.output {
        RecallOutput::Letters => {
            let total = u32::try_from(list.entries.len()).unwrap_or(u32::MAX);
            let mut progress = |done: usize, all: usize| {
                if done.is_multiple_of(PROGRESS_EVERY) || done == all {
                    let view = RecallProgressView {
                        done: u32::try_from(done).unwrap_or(u32::MAX),
                        total: u32::try_from(all).unwrap_or(total),
                    };
                    app.emit(event::RECALL_PROGRESS, view).ok();
                }
            };
            progress(0, list.entries.len());
            let pdf = clinic
                .recall_letters(&session, &list.entries, list.as_of, &mut progress)
                .map_err(|e| to_ipc(&e, lang))?;
            (pdf, "pdf")
        }
        RecallOutput::Labels => (
            clinic
                .recall_labels(&session, &list.entries)
                .map_err(|e| to_ipc(&e, lang))?,
            "pdf",
        ),
        RecallOutput::Csv => (recall_csv(&list.entries).into_bytes(), "csv"),
    };
    let name = files::file_name(
        tr(lang, export_prefix_key(req.output)),
        &[],
        list.as_of,
        ext,
    );
    let file = save(&app, &shell, &name, &bytes, lang)?;
    let families = u32::try_from(list.entries.len()).unwrap_or(u32::MAX);
    let mut export = RecallExport {
        file,
        families,
        letters_recorded: 0,
        contacts_error: None,
        rows: Vec::new(),
    };
    if req.output == RecallOutput::Letters {
        // Only now that the letters are on disk do they count as sent.
        match record_letters(&clinic, &session, &list) {
            Ok((recorded, entries)) => {
                export.letters_recorded = recorded;
                export.rows = entries.iter().map(recall_row).collect();
                lists.update_contacts(&list.list_id, &entries);
            }
            Err(e) => export.contacts_error = Some(to_ipc(&e, lang).message),
        }
    }
    Ok(export)
}

/// Records the list's letters as contacts; answers how many were new and the
/// entries with their contacts as they now stand.
fn record_letters(
    clinic: &Clinic,
    session: &Session,
    list: &FoundList,
) -> Result<(u32, Vec<RecallEntry>), salal_clinic::ClinicError> {
    let contacts: Vec<NewContact> = list
        .entries
        .iter()
        .map(|e| NewContact::letter(e, list.as_of))
        .collect();
    let recorded = clinic.record_contacts(session, &contacts)?;
    let mut entries = list.entries.clone();
    for entry in &mut entries {
        entry.contacts = contact_summary(clinic, session, entry.patient.id)?;
    }
    Ok((u32::try_from(recorded).unwrap_or(u32::MAX), entries))
}

fn contact_summary(
    clinic: &Clinic,
    session: &Session,
    id: salal_core::ids::PatientId,
) -> Result<ContactSummary, salal_clinic::ClinicError> {
    let contacts = clinic.patient_contacts(session, id)?;
    let count = |m: ContactMethod| {
        u32::try_from(contacts.iter().filter(|c| c.method == m).count()).unwrap_or(u32::MAX)
    };
    Ok(ContactSummary {
        letters: count(ContactMethod::Letter),
        calls: count(ContactMethod::Call),
        last_at_ms: contacts.iter().map(|c| c.at_ms).max(),
    })
}

/// Records a call to a family (the form's id makes a second save a no-op);
/// answers the family's contacts as they now stand.
#[tauri::command(async)]
pub(crate) fn record_call(
    shell: State<'_, Shell>,
    req: RecordCallRequest,
) -> CmdResult<ContactsView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let patient = patient_id(&req.patient_id, lang)?;
    let id = new_id::<uuid::Uuid>(&req.id, lang)?.ok_or_else(|| crate::errors::bad_id(lang))?;
    let contact = NewContact {
        id,
        patient_id: patient,
        method: ContactMethod::Call,
        groups: req.groups.clone(),
        outcome: req.outcome.trim().to_owned(),
    };
    clinic
        .record_contacts(&session, &[contact])
        .map_err(|e| to_ipc(&e, lang))?;
    let summary = contact_summary(&clinic, &session, patient).map_err(|e| to_ipc(&e, lang))?;
    Ok(contacts_view(&summary))
}
