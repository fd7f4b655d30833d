//! `salal`: the clinic from the command line, for scripting and headless use.
//!
//! It calls the same `salal_clinic` use cases as the desktop app and unlocks
//! the database the same way (key from the OS keyring; the recovery key from
//! `SALAL_RECOVERY_KEY` or a prompt when there is none). Messages follow
//! `--lang` or the user's language. Exit codes: 0 done, 2 bad input (the
//! message says what to fix), 1 the system failed (disk full, database busy).

mod args;
mod bundle;
mod commands;
mod documents;
mod stock;
mod unlock;

use clap::Parser;
use salal_core::i18n::{Lang, UserMessage};
use std::process::ExitCode;

/// A failure to report: the message is already in the user's language.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) exit_code: u8,
    pub(crate) message: String,
}

impl CliError {
    /// Bad input: exit code 2.
    pub(crate) fn input(message: String) -> CliError {
        CliError {
            exit_code: 2,
            message,
        }
    }

    /// Any error with a translated message; store failures exit 1, the rest 2.
    pub(crate) fn from_error<E: UserMessage>(err: &E, lang: Lang) -> CliError {
        let system_failure = matches!(
            err.message_key(),
            "error.store.disk_full"
                | "error.store.busy"
                | "error.store.corrupt"
                | "error.store.io"
                | "error.store.internal"
                | "error.store.too_new"
        );
        CliError {
            exit_code: if system_failure { 1 } else { 2 },
            message: err.localized(lang),
        }
    }
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if !err.message.is_empty() {
                eprintln!("salal: {}", err.message);
            }
            ExitCode::from(err.exit_code)
        }
    }
}
