//! `salal print`, `salal recall`, `salal verify` and `salal patient contact`:
//! documents written as files (durably, then announced), and the contacts
//! they record.

use crate::CliError;
use crate::args::{PrintCommand, RecallArgs};
use salal_clinic::ContactMethod;
use salal_clinic::{
    Clinic, ConsentFormKind, DocumentError, NewContact, RecallQuery, Session, recall_csv,
};
use salal_core::i18n::{Lang, UserMessage, tr, tr_args};
use salal_core::ids::PatientId;
use std::io::Write;
use std::path::Path;

fn doc_error(e: &DocumentError, lang: Lang) -> CliError {
    CliError::from_error(e, lang)
}

/// Writes `bytes` to `path` so that a crash leaves either the old file or the whole new one.
pub(crate) fn write_durably(path: &Path, bytes: &[u8], lang: Lang) -> Result<(), CliError> {
    let fail = |e: std::io::Error| CliError {
        exit_code: 1,
        message: tr_args(
            lang,
            "error.document.write",
            &[
                ("path", path.display().to_string()),
                ("details", e.to_string()),
            ],
        ),
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().map_or_else(
        || "document".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let tmp = dir.join(format!(".{name}.partial"));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

fn patient(text: &str, lang: Lang) -> Result<PatientId, CliError> {
    text.parse()
        .map_err(|_| CliError::input(tr_args(lang, "cli.bad_id", &[("text", text.to_owned())])))
}

/// `salal print ...`
pub(crate) fn print(
    clinic: &Clinic,
    session: &Session,
    command: &PrintCommand,
    lang: Lang,
) -> Result<(), CliError> {
    let (bytes, out) = match command {
        PrintCommand::Cis(args) => (
            clinic
                .print_cis(session, patient(&args.patient_id, lang)?, lang)
                .map_err(|e| doc_error(&e, lang))?,
            &args.out,
        ),
        PrintCommand::Record(args) => (
            clinic
                .print_record(session, patient(&args.patient_id, lang)?, lang)
                .map_err(|e| doc_error(&e, lang))?,
            &args.out,
        ),
        PrintCommand::Consent(args) => {
            let kind = match args.form.trim().to_ascii_lowercase().as_str() {
                "registry" => ConsentFormKind::Registry,
                "mailings" => ConsentFormKind::Mailings,
                _ => {
                    return Err(CliError::input(tr_args(
                        lang,
                        "cli.bad_form",
                        &[("text", args.form.clone())],
                    )));
                }
            };
            (
                clinic
                    .print_consent(session, patient(&args.patient_id, lang)?, kind, lang)
                    .map_err(|e| doc_error(&e, lang))?,
                &args.out,
            )
        }
    };
    write_durably(out, &bytes, lang)?;
    crate::commands::out(&tr_args(
        lang,
        "doc.saved",
        &[("path", out.display().to_string())],
    ))
}

/// `salal recall ...`
pub(crate) fn recall(
    clinic: &Clinic,
    session: &Session,
    args: &RecallArgs,
    lang: Lang,
) -> Result<(), CliError> {
    let as_of = crate::commands::date(&args.as_of, lang)?;
    let format = args.format.trim().to_ascii_lowercase();
    if !matches!(format.as_str(), "csv" | "letters" | "labels") {
        return Err(CliError::input(tr_args(
            lang,
            "cli.bad_format",
            &[("text", args.format.clone())],
        )));
    }
    let names: Vec<String> = args
        .groups
        .split(',')
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty())
        .collect();
    let groups = clinic
        .resolve_recall_groups(&names)
        .map_err(|e| CliError::input(e.localized(lang)))?;
    let language = args
        .language
        .as_deref()
        .map(str::parse::<Lang>)
        .transpose()
        .map_err(|e| CliError::input(e.to_string()))?;
    let query = RecallQuery {
        age_min_months: args.age_min_months,
        age_max_months: args.age_max_months,
        groups,
        overdue_only: args.overdue_only,
        language,
        skip_contacted_within_days: args.skip_contacted_days,
        ..RecallQuery::as_of(as_of)
    };
    let entries = clinic
        .recall_list(session, &query)
        .map_err(|e| CliError::from_error(&e, lang))?;
    if entries.is_empty() {
        eprintln!(
            "{}",
            tr_args(lang, "doc.recall_none", &[("date", as_of.to_string())])
        );
    }
    let bytes = match format.as_str() {
        "csv" => recall_csv(&entries).into_bytes(),
        "letters" => {
            let show = std::io::IsTerminal::is_terminal(&std::io::stderr());
            clinic
                .recall_letters(session, &entries, as_of, &mut |done, total| {
                    if show && (done % 50 == 0 || done == total) {
                        eprint!("\r{done}/{total}");
                        if done == total {
                            eprintln!();
                        }
                    }
                })
                .map_err(|e| doc_error(&e, lang))?
        }
        _ => clinic
            .recall_labels(session, &entries)
            .map_err(|e| doc_error(&e, lang))?,
    };
    write_durably(&args.out, &bytes, lang)?;
    if format == "letters" {
        // Only once the letters are safely on disk do they count as sent.
        let contacts: Vec<NewContact> = entries
            .iter()
            .map(|e| NewContact::letter(e, as_of))
            .collect();
        clinic
            .record_contacts(session, &contacts)
            .map_err(|e| CliError::from_error(&e, lang))?;
    }
    crate::commands::out(&tr_args(
        lang,
        "doc.recall_written",
        &[
            ("count", entries.len().to_string()),
            ("path", args.out.display().to_string()),
        ],
    ))
}

/// `salal patient contact ID --method call|letter`
pub(crate) fn contact(
    clinic: &Clinic,
    session: &Session,
    id: &str,
    method: &str,
    outcome: &str,
    lang: Lang,
) -> Result<(), CliError> {
    let id = patient(id, lang)?;
    let method = ContactMethod::from_code(method.trim()).ok_or_else(|| {
        CliError::input(tr_args(
            lang,
            "cli.bad_method",
            &[("text", method.to_owned())],
        ))
    })?;
    let record = clinic
        .patient_record(session, id)
        .map_err(|e| CliError::from_error(&e, lang))?;
    clinic
        .record_contacts(
            session,
            &[NewContact {
                id: salal_core::ids::generate_v7(),
                patient_id: id,
                method,
                groups: Vec::new(),
                outcome: outcome.trim().to_owned(),
            }],
        )
        .map_err(|e| CliError::from_error(&e, lang))?;
    crate::commands::out(&tr_args(
        lang,
        "doc.contact_recorded",
        &[
            (
                "method",
                tr(lang, &format!("doc.method.{}", method.code())).to_owned(),
            ),
            ("name", record.patient.details.display_name()),
        ],
    ))
}

/// `salal verify TEXT`: prints `valid: ...` (exit 0) or `invalid: REASON` (exit 1).
pub(crate) fn verify(clinic: &Clinic, text: &str, lang: Lang) -> Result<(), CliError> {
    match clinic.verify_summary(text) {
        Ok(v) => crate::commands::out(&tr_args(
            lang,
            "doc.valid",
            &[
                ("name", v.summary.name.clone()),
                ("birth", v.summary.birth_date.to_string()),
                ("doses", v.summary.doses.len().to_string()),
                ("clinic", v.issuer.clone()),
                ("date", v.summary.issued_at.date().to_string()),
            ],
        )),
        Err(DocumentError::Clinic(e)) => Err(CliError::from_error(&e, lang)),
        Err(e) => {
            crate::commands::out(&tr_args(
                lang,
                "doc.invalid",
                &[("reason", e.localized(lang))],
            ))?;
            Err(CliError {
                exit_code: 1,
                message: String::new(),
            })
        }
    }
}
