//! `salal sync export-bundle FILE` and `salal sync import-bundle REPLY`:
//! sync through a file any carrier moves (USB stick, e-mail), on top of
//! `salal_clinic`'s bundle use cases (files encrypted and signed; a reply
//! already applied, or one to an older bundle, is refused). Like
//! `salal sync`, they need the database unlocked but no sign-in. Exit codes:
//! 0 done, 2 a file refused (nothing changed), 1 the system failed.

use crate::CliError;
use crate::args::SyncCommand;
use crate::commands::{out, report_line};
use salal_clinic::{BundleError, Clinic};
use salal_core::i18n::{Lang, UserMessage, tr, tr_args};

fn bundle_error(err: &BundleError, lang: Lang) -> CliError {
    CliError {
        exit_code: if err.is_system_failure() { 1 } else { 2 },
        message: err.localized(lang),
    }
}

/// Runs one bundle command.
pub(crate) fn run(clinic: &Clinic, command: &SyncCommand, lang: Lang) -> Result<(), CliError> {
    match command {
        SyncCommand::ExportBundle { file } => {
            let written = clinic
                .export_bundle(file)
                .map_err(|e| bundle_error(&e, lang))?;
            out(&tr_args(
                lang,
                "cli.bundle_exported",
                &[
                    ("number", written.export_number.to_string()),
                    ("changes", written.changes.to_string()),
                    ("path", file.display().to_string()),
                ],
            ))?;
            if written.remaining > 0 {
                eprintln!(
                    "{}",
                    tr_args(
                        lang,
                        "cli.bundle_more_changes",
                        &[("count", written.remaining.to_string())]
                    )
                );
            }
            Ok(())
        }
        SyncCommand::ImportBundle { reply } => {
            let done = clinic
                .import_bundle_reply(reply)
                .map_err(|e| bundle_error(&e, lang))?;
            if done.stale {
                eprintln!("{}", tr(lang, "cli.bundle_reply_stale"));
            }
            if done.more {
                eprintln!("{}", tr(lang, "cli.bundle_more_records"));
            }
            if done.report.rejected > 0 {
                eprintln!(
                    "{}",
                    tr_args(
                        lang,
                        "cli.sync_rejected",
                        &[("count", done.report.rejected.to_string())]
                    )
                );
            }
            out(&report_line(&done.report))
        }
    }
}
