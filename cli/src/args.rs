//! The command line, as clap reads it.

use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

/// Salal Clinic from the command line: set up a clinic, find patients, record doses.
#[derive(Debug, Parser)]
#[command(name = "salal", version, about)]
pub(crate) struct Cli {
    /// The clinic's data folder (also SALAL_DATA_DIR).
    #[arg(
        long,
        env = "SALAL_DATA_DIR",
        global = true,
        default_value = "salal-data"
    )]
    pub(crate) data_dir: PathBuf,
    /// Language of messages: en or es (also SALAL_LANG; default: the user's).
    #[arg(long, env = "SALAL_LANG", global = true)]
    pub(crate) lang: Option<String>,
    /// Who is acting (also SALAL_USER); the password comes from SALAL_PASSWORD or a prompt.
    #[arg(long, env = "SALAL_USER", global = true)]
    pub(crate) user: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// First-run setup: creates the encrypted database, the clinic and its administrator.
    Init {
        /// The clinic's name.
        #[arg(long)]
        clinic: String,
        /// The administrator's user name.
        #[arg(long)]
        admin: String,
        /// The administrator's full name.
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// Adds a deterministic synthetic clinic's patients (sets up a demo clinic first if needed).
    Demo {
        /// How many patients.
        #[arg(long)]
        patients: usize,
        /// Random seed: the same seed gives the same patients.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Date the ages are computed from (YYYY-MM-DD; default today).
        #[arg(long)]
        as_of: Option<String>,
        /// Leave dose histories out (for very large search benchmarks).
        #[arg(long)]
        without_doses: bool,
    },
    /// Finds patients by name parts and/or birth date; prints id, name, birth date.
    Search {
        /// What to look for, e.g. "garcia lopez" or "3/7/2019".
        query: String,
        /// At most this many matches.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Patients.
    #[command(subcommand)]
    Patient(Box<PatientCommand>),
    /// Doses and other immunization records.
    #[command(subcommand)]
    Dose(Box<DoseCommand>),
    /// Records a patient's consent choices.
    Consent(ConsentArgs),
    /// Links this computer to a registry with a one-time code; on an empty
    /// --data-dir, sets up this computer from the registry (a second computer
    /// of the same clinic).
    Enroll {
        /// The registry's address, e.g. https://127.0.0.1:8443.
        #[arg(long)]
        registry: String,
        /// The enrollment code from the registry (SALAL1-...).
        #[arg(long)]
        code: String,
    },
    /// One full sync with the registry: push, then pull until caught up
    /// (or, without a network, a USB bundle and its reply).
    Sync {
        #[command(subcommand)]
        command: Option<SyncCommand>,
    },
    /// Asks the registry for a patient another clinic may know: prints id,
    /// name, birth date and the organization that last saw each candidate;
    /// --fetch ID brings one into this computer with its full history.
    Lookup(LookupArgs),
    /// Prints every patient and dose as canonical JSON Lines (the form
    /// `salal-registry export` prints).
    Export,
    /// Prints a document as PDF: the certificate (cis), the record, or a consent form,
    /// in the language --lang names (default: the user's).
    #[command(subcommand)]
    Print(Box<PrintCommand>),
    /// Reminder/recall: the families due or overdue on a date, as CSV, letters or labels.
    Recall(Box<RecallArgs>),
    /// The audit log (administrators): who saw or changed what, newest first,
    /// one event per line (time, user, action, record type, record id, detail),
    /// or all of them as CSV with --csv.
    Audit(AuditArgs),
    /// Checks the text of a QR code printed on a certificate or record.
    Verify {
        /// The QR code's text.
        text: String,
    },
    /// GS1 barcodes on vaccine packages (no data folder or sign-in needed).
    #[command(subcommand)]
    Gs1(Gs1Command),
    /// Vaccine stock: receive, on hand, count, waste, transfer, borrow, units, temperatures.
    #[command(subcommand)]
    Stock(Box<crate::stock::StockCommand>),
    /// Vaccine orders: suggest, create, submit, approve, ship, receive, export (ExIS CSV).
    #[command(subcommand)]
    Order(Box<crate::stock::OrderCommand>),
    /// Inventory reports: doses administered, on hand and expiring, counts, wastage.
    #[command(subcommand)]
    Report(Box<crate::stock::ReportCommand>),
}

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// Only what this user did.
    #[arg(long)]
    pub(crate) by: Option<String>,
    /// Only what concerns this patient (their record, doses, and lists they were in).
    #[arg(long)]
    pub(crate) patient: Option<String>,
    /// From this day (YYYY-MM-DD).
    #[arg(long)]
    pub(crate) from: Option<String>,
    /// Through this day (YYYY-MM-DD).
    #[arg(long)]
    pub(crate) to: Option<String>,
    /// Only this action (view, view_forecast, search, print, create, update...).
    #[arg(long)]
    pub(crate) action: Option<String>,
    /// At most this many events (without --csv).
    #[arg(long, default_value_t = 100)]
    pub(crate) limit: usize,
    /// Print every matching event as CSV.
    #[arg(long)]
    pub(crate) csv: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LookupArgs {
    /// The name: given names and surnames, in either order.
    #[arg(long, required_unless_present = "fetch", conflicts_with = "fetch")]
    pub(crate) name: Option<String>,
    /// YYYY-MM-DD.
    #[arg(long, required_unless_present = "fetch", conflicts_with = "fetch")]
    pub(crate) birth_date: Option<String>,
    /// A candidate's id: brings the patient and every dose here; prints its id here.
    #[arg(long)]
    pub(crate) fetch: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SyncCommand {
    /// Writes every change waiting for the registry to FILE (e.g. on a USB
    /// stick), for registry staff to import with `salal-registry import-bundle`.
    ExportBundle {
        /// The bundle file to write.
        file: PathBuf,
    },
    /// Imports the reply registry staff wrote for this computer's bundle.
    ImportBundle {
        /// The reply file.
        reply: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Gs1Command {
    /// Reads the text a scanner types for the 2D barcode on a vaccine package and
    /// prints `ndc=NDC11 lot=LOT expires=YYYY-MM-DD` (then ` serial=...` when there is one).
    Parse {
        /// The scanned text, e.g. "]d20100349281425509<GS>17271231 10ABC123", with or
        /// without group separators (ASCII 29, <GS>, {GS}, ^]), or the printed form
        /// "(01)00349281425509(17)271231(10)ABC123".
        #[arg(allow_hyphen_values = true)]
        text: OsString,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PrintCommand {
    /// The Certificate of Immunization Status.
    Cis(PrintArgs),
    /// The immunization record with what is due next.
    Record(PrintArgs),
    /// A consent form: declining the registry or health-promotion mailings.
    Consent(ConsentPrintArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PrintArgs {
    /// Patient id.
    pub(crate) patient_id: String,
    /// The PDF file to write.
    #[arg(long)]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ConsentPrintArgs {
    /// Patient id.
    pub(crate) patient_id: String,
    /// registry or mailings.
    #[arg(long)]
    pub(crate) form: String,
    /// The PDF file to write.
    #[arg(long)]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct RecallArgs {
    /// The date due and overdue are computed for (YYYY-MM-DD).
    #[arg(long)]
    pub(crate) as_of: String,
    /// Youngest age in months.
    #[arg(long)]
    pub(crate) age_min_months: Option<u32>,
    /// Oldest age in months.
    #[arg(long)]
    pub(crate) age_max_months: Option<u32>,
    /// Vaccine groups, comma-separated (e.g. MMR,DTaP,HepB); default: any.
    #[arg(long, default_value = "")]
    pub(crate) groups: String,
    /// Only overdue vaccines, not those merely due.
    #[arg(long)]
    pub(crate) overdue_only: bool,
    /// Only families whose language is this (en or es).
    #[arg(long)]
    pub(crate) language: Option<String>,
    /// Leave out families contacted in the last N days.
    #[arg(long)]
    pub(crate) skip_contacted_days: Option<u32>,
    /// csv, letters or labels.
    #[arg(long)]
    pub(crate) format: String,
    /// The file to write.
    #[arg(long)]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PatientCommand {
    /// Shows demographics, consent choices and the immunization history.
    Show {
        /// Patient id.
        id: String,
    },
    /// Registers a patient.
    Add(Box<PatientArgs>),
    /// Changes only the fields given.
    Edit(Box<PatientEditArgs>),
    /// Records a reminder/recall contact with the family (a call, or a letter sent by hand).
    Contact {
        /// Patient id.
        id: String,
        /// call or letter.
        #[arg(long, default_value = "call")]
        method: String,
        /// What came of it.
        #[arg(long, default_value = "")]
        outcome: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct PatientEditArgs {
    /// Patient id.
    pub(crate) id: String,
    #[arg(long)]
    pub(crate) first: Option<String>,
    #[arg(long)]
    pub(crate) middle: Option<String>,
    #[arg(long)]
    pub(crate) last: Option<String>,
    #[arg(long)]
    pub(crate) second_last: Option<String>,
    /// YYYY-MM-DD.
    #[arg(long)]
    pub(crate) birth_date: Option<String>,
    /// F, M, X or U.
    #[arg(long)]
    pub(crate) sex: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PatientArgs {
    #[arg(long)]
    pub(crate) first: String,
    #[arg(long, default_value = "")]
    pub(crate) middle: String,
    #[arg(long)]
    pub(crate) last: String,
    #[arg(long, default_value = "")]
    pub(crate) second_last: String,
    /// YYYY-MM-DD.
    #[arg(long)]
    pub(crate) birth_date: String,
    /// F, M, X or U.
    #[arg(long, default_value = "U")]
    pub(crate) sex: String,
    #[arg(long, default_value = "")]
    pub(crate) birth_certificate: String,
    /// This clinic's medical record (chart) number for the patient.
    #[arg(long, default_value = "")]
    pub(crate) mrn: String,
    /// The mother's surname(s) at birth.
    #[arg(long, default_value = "")]
    pub(crate) mother_maiden: String,
    #[arg(long, default_value = "")]
    pub(crate) guardian: String,
    /// The family's language for letters and certificates: en or es.
    #[arg(long)]
    pub(crate) language: Option<String>,
    #[arg(long, default_value = "")]
    pub(crate) phone: String,
    /// Street address.
    #[arg(long, default_value = "")]
    pub(crate) address: String,
    #[arg(long, default_value = "")]
    pub(crate) city: String,
    /// Two letters.
    #[arg(long, default_value = "")]
    pub(crate) state: String,
    #[arg(long, default_value = "")]
    pub(crate) zip: String,
    /// Register even if likely duplicates exist.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DoseCommand {
    /// Records one dose, refusal, contraindication or evidence of immunity.
    Add(Box<DoseArgs>),
    /// Records every line of a JSON Lines file ({"patient": ID, ...fields}); prints
    /// "saved ID" as each is safely on disk. Lines with an "id" already saved are skipped.
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Marks a record "entered in error".
    Error {
        /// The record's id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct DoseArgs {
    /// Patient id.
    #[arg(long)]
    pub(crate) patient: String,
    /// administered, historical, refusal, contraindication or evidence_of_immunity.
    #[arg(long, default_value = "administered")]
    pub(crate) kind: String,
    /// Vaccine CVX code.
    #[arg(long, default_value = "")]
    pub(crate) cvx: String,
    /// YYYY-MM-DD (default today); YYYY-MM for a historical dose whose card shows no day.
    #[arg(long)]
    pub(crate) date: Option<String>,
    #[arg(long, default_value = "")]
    pub(crate) ndc: String,
    #[arg(long, default_value = "")]
    pub(crate) mvx: String,
    #[arg(long, default_value = "")]
    pub(crate) lot: String,
    /// Lot expiry, YYYY-MM-DD.
    #[arg(long)]
    pub(crate) expires: Option<String>,
    #[arg(long, default_value = "")]
    pub(crate) amount: String,
    #[arg(long, default_value = "")]
    pub(crate) route: String,
    #[arg(long, default_value = "")]
    pub(crate) site: String,
    #[arg(long, default_value = "")]
    pub(crate) vfc: String,
    #[arg(long, default_value = "")]
    pub(crate) funding: String,
    #[arg(long, default_value = "")]
    pub(crate) provider: String,
    /// Information source of a historical dose (NIP001).
    #[arg(long, default_value = "")]
    pub(crate) source: String,
    /// Refusal reason (NIP002).
    #[arg(long, default_value = "")]
    pub(crate) reason: String,
    /// Contraindication or immunity code.
    #[arg(long, default_value = "")]
    pub(crate) observation: String,
    /// Record it even though the lot had expired.
    #[arg(long)]
    pub(crate) confirm_expired_lot: bool,
    /// Take the dose from stock: the lot's id or number (fills NDC, lot,
    /// expiry and funding from the lot, and takes one dose off it).
    #[arg(long, conflicts_with = "scan")]
    pub(crate) lot_id: Option<String>,
    /// Take the dose from stock by scanning the package's GS1 barcode.
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) scan: Option<String>,
    /// Confirm a warning and record anyway: expired_lot,
    /// private_stock_vfc_child or vfc_stock_ineligible_child (repeat for more).
    #[arg(long)]
    pub(crate) confirm: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ConsentArgs {
    /// Patient id.
    #[arg(long)]
    pub(crate) patient: String,
    /// The patient declines registry participation.
    #[arg(long, conflicts_with = "participate")]
    pub(crate) opt_out: bool,
    /// The patient takes part in the registry again.
    #[arg(long)]
    pub(crate) participate: bool,
    /// Reason for opting out.
    #[arg(long, default_value = "")]
    pub(crate) reason: String,
    /// Who asked to opt out (the patient, or a parent or guardian by name).
    #[arg(long, default_value = "")]
    pub(crate) requested_by: String,
    /// The signed decline form is on file.
    #[arg(long)]
    pub(crate) form_on_file: bool,
    /// The family declines health-promotion mailings.
    #[arg(long, conflicts_with = "accept_mailings")]
    pub(crate) decline_mailings: bool,
    /// The family accepts mailings again.
    #[arg(long)]
    pub(crate) accept_mailings: bool,
}
