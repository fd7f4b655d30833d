//! `salal-registry`: the command line of the Salal Registry (see the library
//! crate for what each command does). Exit codes: 0 done, 1 failure
//! (PostgreSQL unreachable, IO), 2 bad input. `hl7 check` exits 1 when any
//! file is rejected; `hl7 submit` exits 1 when any message got AE or AR, and
//! `hl7 replay` when the replayed message still does;
//! `birth-feed import` exits 1 when any row was not imported (the others are).

use clap::{Parser, Subcommand};
use salal_registry::{RegistryError, ServeOptions, db, enroll, export, matching, optout, orgs};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use uuid::Uuid;

/// Prints one line of output. A reader that went away (`hl7 submit … | head`)
/// ends the command quietly, as `salal` does, instead of a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = writeln!(stdout, $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("salal-registry: cannot write the output: {e}");
            std::process::exit(1);
        }
    }};
}

/// The Salal Registry server and its administration commands.
#[derive(Parser, Debug)]
#[command(name = "salal-registry", version)]
struct Cli {
    /// PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/salal.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Brings the database schema up to date.
    Migrate,
    /// Runs the HTTPS sync server.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// Folder with cert.pem and key.pem (a self-signed pair is made there if absent).
        #[arg(long)]
        tls_dir: PathBuf,
    },
    /// Manages organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Prints a one-time code a device enrolls with.
    EnrollCode {
        /// The organization's id.
        #[arg(long)]
        org: String,
        /// How many days the code stays valid.
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// The TLS folder serve uses (else the certificate serve recorded).
        #[arg(long)]
        tls_dir: Option<PathBuf>,
    },
    /// Writes an organization's patients and doses as canonical JSON Lines.
    Export {
        /// The organization's id.
        #[arg(long)]
        org: String,
    },
    /// Registry staff who use the administration API.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Registry staff's patient actions.
    Patient {
        #[command(subcommand)]
        command: PatientCommand,
        /// Who acts (for the audit log; default: the system user name).
        #[arg(long, global = true, env = "SALAL_STAFF")]
        by: Option<String>,
    },
    /// Applies a clinic's USB bundle (`salal sync export-bundle`) as a push
    /// from its device and writes the reply the clinic imports (`salal sync import-bundle`).
    ImportBundle {
        /// The bundle file the clinic wrote.
        file: PathBuf,
        /// Where to write the reply (records the clinic may see, the answers).
        #[arg(long)]
        reply: PathBuf,
    },
    /// HL7 v2.5.1 messages: check files, or submit them as a partner would.
    Hl7 {
        #[command(subcommand)]
        command: Hl7Command,
    },
    /// HL7 partners: organizations that send VXU messages.
    Partner {
        #[command(subcommand)]
        command: PartnerCommand,
    },
    /// The birth-record feed from vital records.
    BirthFeed {
        #[command(subcommand)]
        command: BirthFeedCommand,
    },
    /// The patient-matching review queue: pairs that may be one child.
    Review {
        #[command(subcommand)]
        command: ReviewCommand,
        /// Who decides (for the audit log; default: the system user name).
        #[arg(long, global = true, env = "SALAL_STAFF")]
        by: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum Hl7Command {
    /// Checks each file (one message or a batch) against the CDC IIS profiles,
    /// without a database: one line per file (`FILE: accepted`, `FILE: accepted
    /// with N warnings` or `FILE: rejected: FIRST ERROR`, then each problem
    /// indented), then `N accepted, M rejected`. Exit code 1 when any is rejected.
    Check {
        /// The message files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Applies a file's VXU messages as the partner sent them and prints each ACK,
    /// then a summary line.
    Submit {
        /// The message file (one message or a batch).
        file: PathBuf,
        /// The partner's id (as `partner add` printed it).
        #[arg(long)]
        partner: String,
    },
    /// Lists a partner's logged messages, newest first: `ID TIME TYPE
    /// CONTROL-ID OUTCOME`, then each problem indented.
    Log {
        /// The partner's id.
        #[arg(long)]
        partner: String,
        /// Only the messages answered AE or AR.
        #[arg(long)]
        failed: bool,
        /// At most this many messages.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Processes a logged message again from its raw text (not answered from
    /// the resend log) and logs the new outcome linked to the original; prints
    /// the answer. Exit code 1 when it is still AE or AR.
    Replay {
        /// The message's log id (as `hl7 log` prints it).
        message_id: i64,
    },
}

#[derive(Subcommand, Debug)]
enum PartnerCommand {
    /// Makes a partner organization; prints its id, then its credential (once).
    Add {
        /// Its name.
        #[arg(long)]
        name: String,
    },
    /// Data-quality counts per partner: messages by type, resends, AA/AE/AR,
    /// replays and the most frequent problems by code and location.
    Quality {
        /// One partner's id (default: every partner).
        #[arg(long)]
        partner: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum BirthFeedCommand {
    /// Imports a birth-record file (layout: assets/birth-feed/LAYOUT.md); prints
    /// each row not imported, then `birth-feed: N added, M matched, K for review, E errors`.
    Import {
        /// The delimited file.
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum StaffCommand {
    /// Makes a staff member's API token and prints it (once; a new one replaces the old).
    Add {
        /// One word, such as the person's user name.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum PatientCommand {
    /// Deletes a patient's data on the family's request: the registry keeps
    /// only the minimal record it needs to refuse further data, and every
    /// clinic that has the patient is told.
    Delete {
        /// The patient's id.
        id: String,
        /// Why (kept in the audit log and on the record).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand, Debug)]
enum ReviewCommand {
    /// Lists the pairs waiting for a decision, one per line: A B SCORE, then each record.
    List,
    /// A and B are one child: B is merged into A (nothing is deleted).
    Merge {
        /// The record that stays.
        a: String,
        /// The record merged into it.
        b: String,
    },
    /// A and B are different children: the pair is never proposed again.
    Distinct {
        /// One record.
        a: String,
        /// The other.
        b: String,
    },
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Creates an organization and prints its id.
    Add {
        /// Its name.
        #[arg(long)]
        name: String,
    },
}

fn patient_id(text: &str) -> Result<Uuid, RegistryError> {
    Uuid::try_parse(text.trim()).map_err(|_| {
        RegistryError::BadInput(format!(
            "'{text}' is not a patient id (a UUID, as `review list` prints it)"
        ))
    })
}

fn staff_name(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok())
        .filter(|name| !name.trim().is_empty())
        .map_or_else(
            || "staff".to_owned(),
            |name| format!("staff:{}", name.trim()),
        )
}

async fn review(
    pool: &sqlx_postgres::PgPool,
    command: ReviewCommand,
    by: &str,
) -> Result<(), RegistryError> {
    let mut tx = pool.begin().await?;
    match command {
        ReviewCommand::List => {
            let reviews = matching::open_reviews(&mut tx).await?;
            for r in &reviews {
                out!(
                    "{} {} {:.1}  {}  |  {}",
                    r.a.hyphenated(),
                    r.b.hyphenated(),
                    r.score,
                    r.a_summary,
                    r.b_summary
                );
            }
            out!("{} pairs to review", reviews.len());
        }
        ReviewCommand::Merge { a, b } => {
            let (a, b) = (patient_id(&a)?, patient_id(&b)?);
            salal_registry::records::lock_seq(&mut tx).await?;
            matching::merge(&mut tx, a, b, by, None).await?;
            out!("merged {b} into {a}");
        }
        ReviewCommand::Distinct { a, b } => {
            let (a, b) = (patient_id(&a)?, patient_id(&b)?);
            matching::mark_distinct(&mut tx, a, b, by).await?;
            out!("{a} and {b} are different patients; the pair will not be proposed again");
        }
    }
    tx.commit().await?;
    Ok(())
}

fn org_id(text: &str) -> Result<Uuid, RegistryError> {
    Uuid::try_parse(text.trim()).map_err(|_| {
        RegistryError::BadInput(format!(
            "--org '{text}' is not an organization id (a UUID like 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b, as printed by `org add`)"
        ))
    })
}

/// `hl7 check`: prints the verdicts; whether any file was rejected.
fn hl7_check(files: &[PathBuf]) -> bool {
    use salal_registry::hl7_check::{FileCheck, check_bytes, summary};
    let mut checks: Vec<FileCheck> = Vec::with_capacity(files.len());
    for file in files {
        let name = file.display().to_string();
        let check = match std::fs::read(file) {
            Ok(bytes) => check_bytes(&name, &bytes),
            Err(e) => FileCheck {
                name: name.clone(),
                outcome: salal_hl7::Outcome::Rejected,
                warnings: 0,
                first_error: format!("cannot read the file: {e}"),
                problems: Vec::new(),
            },
        };
        for line in check.lines() {
            out!("{line}");
        }
        checks.push(check);
    }
    out!("{}", summary(&checks));
    checks.iter().any(FileCheck::rejected)
}

/// What a command found that is not a failure of the command itself.
enum Done {
    Ok,
    /// Some input was refused (exit code 1): rejected files, AE/AR, bad rows.
    Refused,
}

async fn run(cli: Cli) -> Result<Done, RegistryError> {
    if let Command::Hl7 {
        command: Hl7Command::Check { files },
    } = &cli.command
    {
        return Ok(if hl7_check(files) {
            Done::Refused
        } else {
            Done::Ok
        });
    }
    let url = cli.database_url.ok_or_else(|| {
        RegistryError::BadInput(
            "no database: set DATABASE_URL or pass --database-url postgres://USER@HOST:PORT/DATABASE".to_owned(),
        )
    })?;
    match cli.command {
        Command::Migrate => {
            let pool = db::connect(&url, 1).await?;
            db::migrate(&pool).await?;
            let rebuilt = matching::rekey_if_needed(&pool).await?;
            if rebuilt > 0 {
                out!("rebuilt the matching keys of {rebuilt} patients");
            }
            out!("database is up to date");
        }
        Command::Serve { listen, tls_dir } => {
            salal_registry::serve(ServeOptions {
                database_url: url,
                listen,
                tls_dir,
            })
            .await?;
        }
        Command::Org {
            command: OrgCommand::Add { name },
        } => {
            let pool = db::connect(&url, 1).await?;
            let id = orgs::add(&pool, &name).await?;
            out!("{}", id.hyphenated());
        }
        Command::EnrollCode { org, days, tls_dir } => {
            let org = org_id(&org)?;
            let pool = db::connect(&url, 1).await?;
            let fingerprint = enroll::fingerprint(&pool, tls_dir.as_deref()).await?;
            let code = enroll::issue_code(&pool, org, days, fingerprint).await?;
            out!("{code}");
        }
        Command::Export { org } => {
            let org = org_id(&org)?;
            let pool = db::connect(&url, 1).await?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            export::export(&pool, org, &mut out).await?;
        }
        Command::Patient {
            command: PatientCommand::Delete { id, reason },
            by,
        } => {
            let id = patient_id(&id)?;
            if reason.trim().is_empty() {
                return Err(RegistryError::BadInput(
                    "--reason is empty: say why the patient's data is deleted (it is kept in the audit log)".to_owned(),
                ));
            }
            let pool = db::connect(&url, 1).await?;
            let mut tx = pool.begin().await?;
            salal_registry::records::lock_seq(&mut tx).await?;
            let doses =
                optout::delete_on_request(&mut tx, id, reason.trim(), &staff_name(by)).await?;
            tx.commit().await?;
            out!(
                "deleted the data of patient {id} ({doses} doses); the minimal record refuses further data"
            );
        }
        Command::ImportBundle { file, reply } => {
            let pool = db::connect(&url, 2).await?;
            let lang = std::env::var("SALAL_LANG")
                .ok()
                .and_then(|l| l.parse().ok())
                .unwrap_or_default();
            let summary = salal_registry::bundle::import_file(&pool, &file, &reply)
                .await
                .map_err(|e| e.into_registry_error(lang))?;
            out!("{summary}");
            if summary.more {
                eprintln!("{}", salal_core::i18n::tr(lang, "registry.bundle.more"));
            }
        }
        Command::Staff {
            command: StaffCommand::Add { name },
        } => {
            let pool = db::connect(&url, 1).await?;
            out!("{}", salal_registry::staff::add(&pool, &name).await?);
        }
        Command::Review { command, by } => {
            let pool = db::connect(&url, 1).await?;
            review(&pool, command, &staff_name(by)).await?;
        }
        Command::Hl7 {
            command: Hl7Command::Check { .. },
        } => {}
        Command::Hl7 {
            command: Hl7Command::Submit { file, partner },
        } => {
            let partner = org_id(&partner)?;
            let bytes = std::fs::read(&file).map_err(|e| {
                RegistryError::BadInput(format!("cannot read {}: {e}", file.display()))
            })?;
            let pool = db::connect(&url, 2).await?;
            let submitted = salal_registry::hl7_in::submit(&pool, partner, &bytes)
                .await
                .map_err(|e| match e {
                    salal_registry::hl7_in::SubmitError::Registry(e) => e,
                    other => RegistryError::BadInput(other.to_string()),
                })?;
            for answer in &submitted.answers {
                out!("{}", answer.ack.replace('\r', "\n").trim_end());
                out!();
            }
            out!("{submitted}");
            if submitted
                .answers
                .iter()
                .any(|a| a.code != salal_hl7::AckCode::Accept)
            {
                return Ok(Done::Refused);
            }
        }
        Command::Hl7 {
            command:
                Hl7Command::Log {
                    partner,
                    failed,
                    limit,
                },
        } => {
            let partner = org_id(&partner)?;
            let pool = db::connect(&url, 1).await?;
            let messages =
                salal_registry::partners::message_log(&pool, partner, failed, limit).await?;
            for message in &messages {
                for line in message.lines() {
                    out!("{line}");
                }
            }
            out!("{} messages", messages.len());
        }
        Command::Hl7 {
            command: Hl7Command::Replay { message_id },
        } => {
            let pool = db::connect(&url, 2).await?;
            let replayed = salal_registry::partners::replay(&pool, message_id)
                .await
                .map_err(|e| match e {
                    salal_registry::partners::ReplayError::Registry(e) => e,
                    salal_registry::partners::ReplayError::Submit(
                        salal_registry::hl7_in::SubmitError::Registry(e),
                    ) => e,
                    other => RegistryError::BadInput(other.to_string()),
                })?;
            out!("{}", replayed.answer.ack.replace('\r', "\n").trim_end());
            out!();
            out!(
                "hl7 replay: message {} ({} before) replayed as {}: {}",
                replayed.original,
                replayed.before,
                replayed.id,
                replayed.answer.code.code()
            );
            if replayed.answer.code != salal_hl7::AckCode::Accept {
                return Ok(Done::Refused);
            }
        }
        Command::Partner {
            command: PartnerCommand::Quality { partner },
        } => {
            let partner = partner.as_deref().map(org_id).transpose()?;
            let pool = db::connect(&url, 1).await?;
            for quality in salal_registry::partners::quality(&pool, partner).await? {
                for line in quality.lines() {
                    out!("{line}");
                }
            }
        }
        Command::Partner {
            command: PartnerCommand::Add { name },
        } => {
            let pool = db::connect(&url, 1).await?;
            let partner = salal_registry::partners::add(&pool, &name).await?;
            out!("{}", partner.id.hyphenated());
            out!("{}", partner.secret);
        }
        Command::BirthFeed {
            command: BirthFeedCommand::Import { file },
        } => {
            let pool = db::connect(&url, 2).await?;
            let summary = salal_registry::birth_feed::import_file(&pool, &file)
                .await
                .map_err(|e| match e {
                    salal_registry::birth_feed::BirthFeedError::Registry(e) => e,
                    other => RegistryError::BadInput(other.to_string()),
                })?;
            for error in &summary.errors {
                out!("{error}");
            }
            out!("{summary}");
            if !summary.errors.is_empty() {
                return Ok(Done::Refused);
            }
        }
    }
    Ok(Done::Ok)
}

/// mimalloc rather than the system allocator: the registry makes and frees
/// many small objects per message (parsed segments, JSON fields), and
/// glibc's malloc spent a fifth of the HL7 writer's time consolidating them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Warnings and errors of the server (never patient data) go to stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("salal-registry: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(Done::Ok) => ExitCode::SUCCESS,
        Ok(Done::Refused) => ExitCode::from(1),
        Err(e) => {
            eprintln!("salal-registry: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
