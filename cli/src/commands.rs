//! What each subcommand does, on top of `salal_clinic`.

use crate::args::{
    Cli, Command, ConsentArgs, DoseArgs, DoseCommand, Gs1Command, LookupArgs, PatientArgs,
    PatientCommand, PatientEditArgs,
};
use crate::{CliError, unlock};
use chrono::NaiveDate;
use salal_clinic::{
    Clinic, ImportedPatient, KeyringStatus, PatientEdit, Session, SetupRequest, SyncError,
    SyncProgress, SyncReport,
};
use salal_core::consent::{Consents, Mailings, RegistryParticipation};
use salal_core::event::{EventKind, NewEvent};
use salal_core::i18n::{Lang, UserMessage, format_date, tr, tr_args};
use salal_core::ids::{EventId, PatientId};
use salal_core::patient::{PatientDetails, Sex};
use salal_demo::DemoClinic;
use std::io::{BufRead, IsTerminal, Write};

/// The administrator and password a demo clinic is created with.
pub(crate) const DEMO_ADMIN: &str = "admin";
/// The demo password (overridden by SALAL_PASSWORD).
pub(crate) const DEMO_PASSWORD: &str = "orchard river demo clinic";

pub(crate) fn date(text: &str, lang: Lang) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| CliError::input(tr_args(lang, "cli.bad_date", &[("text", text.to_owned())])))
}

fn patient_id(text: &str, lang: Lang) -> Result<PatientId, CliError> {
    text.parse()
        .map_err(|_| CliError::input(tr_args(lang, "cli.bad_id", &[("text", text.to_owned())])))
}

pub(crate) fn out(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        // The reader went away (`salal search x | head -1`): nothing more to say.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(CliError {
            exit_code: 1,
            message: e.to_string(),
        }),
    }
}

/// Runs one command.
pub(crate) fn run(cli: Cli) -> Result<(), CliError> {
    let chosen_lang = cli
        .lang
        .as_deref()
        .map(str::parse::<Lang>)
        .transpose()
        .map_err(|e| CliError::input(e.to_string()))?;
    let lang = chosen_lang.unwrap_or_default();
    match cli.command {
        Command::Init {
            clinic,
            admin,
            display_name,
        } => init(&cli.data_dir, &clinic, &admin, &display_name, lang),
        Command::Demo {
            patients,
            seed,
            as_of,
            without_doses,
        } => demo(
            &cli.data_dir,
            cli.user.as_deref(),
            patients,
            seed,
            as_of.as_deref(),
            without_doses,
            lang,
        ),
        Command::Enroll { registry, code } => enroll(&cli.data_dir, &registry, &code, lang),
        Command::Sync { command } => {
            let clinic = unlock::open(&cli.data_dir, lang)?;
            match command {
                None => sync(&clinic, lang),
                Some(command) => crate::bundle::run(&clinic, &command, lang),
            }
        }
        // Reads only the barcode and the embedded code sets: no data folder, no sign-in.
        Command::Gs1(Gs1Command::Parse { text }) => gs1_parse(&text, lang),
        Command::Verify { text } => {
            let clinic = unlock::open(&cli.data_dir, lang)?;
            crate::documents::verify(&clinic, &text, lang)
        }
        Command::Export => {
            let clinic = unlock::open(&cli.data_dir, lang)?;
            // Signed in when a user is named (audited as them), else audited as the command line.
            let actor = match cli.user.as_deref() {
                Some(_) => unlock::login(&clinic, cli.user.as_deref(), lang)?
                    .username()
                    .to_owned(),
                None => "cli".to_owned(),
            };
            export(&clinic, &actor, lang)
        }
        command => {
            let clinic = unlock::open(&cli.data_dir, lang)?;
            let session = unlock::login(&clinic, cli.user.as_deref(), lang)?;
            let lang = chosen_lang.unwrap_or(session.language());
            signed_in(&clinic, &session, command, lang)
        }
    }
}

/// `salal gs1 parse TEXT`: the package's NDC, lot, expiry and serial, on one line.
fn gs1_parse(text: &std::ffi::OsStr, lang: Lang) -> Result<(), CliError> {
    let package = salal_gs1::read_package_bytes(text.as_encoded_bytes())
        .map_err(|e| CliError::from_error(&e, lang))?;
    out(&package.summary_line())
}

fn init(
    dir: &std::path::Path,
    clinic_name: &str,
    admin: &str,
    display_name: &str,
    lang: Lang,
) -> Result<(), CliError> {
    let prompt = tr_args(lang, "cli.password_prompt", &[("user", admin.to_owned())]);
    let password = unlock::secret("SALAL_PASSWORD", &prompt, "cli.needs_password", lang)?;
    let request = SetupRequest {
        clinic_name: clinic_name.to_owned(),
        admin_username: admin.to_owned(),
        admin_display_name: display_name.to_owned(),
        admin_password: password,
        language: lang,
    };
    let (_clinic, receipt) =
        Clinic::setup(dir, &request).map_err(|e| CliError::from_error(&e, lang))?;
    out(&tr_args(
        lang,
        "cli.setup_done",
        &[
            ("clinic", clinic_name.to_owned()),
            ("path", dir.display().to_string()),
            ("admin", admin.to_owned()),
        ],
    ))?;
    out(tr(lang, "cli.recovery_key"))?;
    out(receipt.recovery_key.as_str())?;
    if let KeyringStatus::Unavailable(reason) = receipt.keyring {
        eprintln!("{} ({reason})", tr(lang, "cli.keyring_unavailable"));
    }
    Ok(())
}

fn demo(
    dir: &std::path::Path,
    user: Option<&str>,
    count: usize,
    seed: u64,
    as_of: Option<&str>,
    without_doses: bool,
    lang: Lang,
) -> Result<(), CliError> {
    let password = std::env::var("SALAL_PASSWORD").unwrap_or_else(|_| DEMO_PASSWORD.to_owned());
    let (clinic, session) = if Clinic::is_initialized(dir) {
        let clinic = unlock::open(dir, lang)?;
        let user = user.unwrap_or(DEMO_ADMIN);
        let session = clinic
            .login(user, &password)
            .map_err(|e| CliError::from_error(&e, lang))?;
        (clinic, session)
    } else {
        let request = SetupRequest {
            clinic_name: "Salal Demo Clinic".to_owned(),
            admin_username: user.unwrap_or(DEMO_ADMIN).to_owned(),
            admin_display_name: "Demo Administrator".to_owned(),
            admin_password: password.clone(),
            language: lang,
        };
        let (clinic, receipt) =
            Clinic::setup(dir, &request).map_err(|e| CliError::from_error(&e, lang))?;
        out(tr(lang, "cli.recovery_key"))?;
        out(receipt.recovery_key.as_str())?;
        let session = clinic
            .login(&request.admin_username, &password)
            .map_err(|e| CliError::from_error(&e, lang))?;
        (clinic, session)
    };
    let as_of = match as_of {
        Some(text) => date(text, lang)?,
        None => clinic.today(),
    };
    let mut generator = DemoClinic::new(seed, as_of);
    if without_doses {
        generator = generator.without_doses();
    }
    let (mut n_patients, mut n_events) = (0usize, 0usize);
    let mut batch = Vec::with_capacity(1000);
    let progress = std::io::stderr().is_terminal();
    for patient in generator.take(count) {
        n_events += patient.events.len();
        batch.push(ImportedPatient {
            details: patient.details,
            events: patient.events,
        });
        if batch.len() == 1000 {
            n_patients += clinic
                .import_patients(&session, &batch)
                .map_err(|e| CliError::from_error(&e, lang))?
                .len();
            batch.clear();
            if progress {
                eprint!("\r{n_patients}/{count}");
            }
        }
    }
    n_patients += clinic
        .import_patients(&session, &batch)
        .map_err(|e| CliError::from_error(&e, lang))?
        .len();
    if progress {
        eprintln!();
    }
    out(&tr_args(
        lang,
        "cli.demo_done",
        &[
            ("patients", n_patients.to_string()),
            ("events", n_events.to_string()),
        ],
    ))
}

fn audit(
    clinic: &Clinic,
    session: &Session,
    args: &crate::args::AuditArgs,
    lang: Lang,
) -> Result<(), CliError> {
    let filter = salal_clinic::audit::AuditFilter {
        username: args.by.clone(),
        patient: args
            .patient
            .as_deref()
            .map(|p| patient_id(p, lang))
            .transpose()?,
        from: args.from.as_deref().map(|d| date(d, lang)).transpose()?,
        to: args.to.as_deref().map(|d| date(d, lang)).transpose()?,
        action: args.action.clone(),
    };
    if args.csv {
        let csv = clinic
            .audit_csv(session, &filter)
            .map_err(|e| CliError::from_error(&e, lang))?;
        return out(csv.trim_end());
    }
    let found = clinic
        .audit_log(session, &filter, args.limit)
        .map_err(|e| CliError::from_error(&e, lang))?;
    for e in found {
        out(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            e.at, e.username, e.action, e.entity, e.entity_id, e.detail
        ))?;
    }
    Ok(())
}

fn signed_in(
    clinic: &Clinic,
    session: &Session,
    command: Command,
    lang: Lang,
) -> Result<(), CliError> {
    match command {
        Command::Init { .. }
        | Command::Demo { .. }
        | Command::Enroll { .. }
        | Command::Sync { .. }
        | Command::Verify { .. }
        | Command::Gs1(_)
        | Command::Export => Ok(()),
        Command::Print(command) => crate::documents::print(clinic, session, &command, lang),
        Command::Stock(command) => crate::stock::stock(clinic, session, &command, lang),
        Command::Order(command) => crate::stock::order(clinic, session, &command, lang),
        Command::Report(command) => crate::stock::report(clinic, session, &command, lang),
        Command::Recall(args) => crate::documents::recall(clinic, session, &args, lang),
        Command::Audit(args) => audit(clinic, session, &args, lang),
        Command::Search { query, limit } => {
            let found = clinic
                .search_patients(session, &query, limit)
                .map_err(|e| CliError::from_error(&e, lang))?;
            if found.is_empty() {
                eprintln!("{}", tr_args(lang, "cli.no_matches", &[("query", query)]));
            }
            for p in found {
                out(&format!("{}\t{}\t{}", p.id, p.display_name, p.birth_date))?;
            }
            Ok(())
        }
        Command::Patient(boxed) => match *boxed {
            PatientCommand::Show { id } => {
                show_patient(clinic, session, patient_id(&id, lang)?, lang)
            }
            PatientCommand::Add(args) => add_patient(clinic, session, &args, lang),
            PatientCommand::Edit(args) => edit_patient(clinic, session, &args, lang),
            PatientCommand::Contact {
                id,
                method,
                outcome,
            } => crate::documents::contact(clinic, session, &id, &method, &outcome, lang),
        },
        Command::Dose(boxed) => match *boxed {
            DoseCommand::Add(args) => {
                let patient = patient_id(&args.patient, lang)?;
                let event = event_from_args(&args, clinic, lang)?;
                let stock = match (&args.lot_id, &args.scan) {
                    (Some(lot), _) => Some(crate::stock::from_stock(clinic, session, lot, lang)?),
                    (None, Some(text)) => {
                        Some(crate::stock::from_scan(clinic, session, text, lang)?)
                    }
                    (None, None) => None,
                };
                let id = match stock {
                    Some(stock) => {
                        let mut confirmed = args.confirm.clone();
                        if args.confirm_expired_lot {
                            confirmed.push("expired_lot".to_owned());
                        }
                        clinic.record_dose(session, patient, &event, Some(&stock), &confirmed)
                    }
                    None => clinic.record_event(session, patient, &event),
                }
                .map_err(|e| CliError::from_error(&e, lang))?;
                out(&id.to_string())
            }
            DoseCommand::Import { file } => import_events(clinic, session, &file, lang),
            DoseCommand::Error { id, reason } => {
                let id: EventId = id
                    .parse()
                    .map_err(|e: salal_core::ids::ParseIdError| CliError::input(e.to_string()))?;
                clinic
                    .mark_entered_in_error(session, id, &reason)
                    .map_err(|e| CliError::from_error(&e, lang))?;
                out(tr(lang, "cli.saved"))
            }
        },
        Command::Consent(args) => consent(clinic, session, &args, lang),
        Command::Lookup(args) => lookup(clinic, session, &args, lang),
    }
}

/// `salal lookup`: the registry's candidates, one per line as `search`
/// prints them plus the organization that last saw each; or `--fetch ID`.
fn lookup(
    clinic: &Clinic,
    session: &Session,
    args: &LookupArgs,
    lang: Lang,
) -> Result<(), CliError> {
    if let Some(id) = &args.fetch {
        let local = clinic
            .fetch_from_registry(session, patient_id(id, lang)?)
            .map_err(|e| sync_error(&e, lang))?;
        return out(&local.to_string());
    }
    let name = args.name.as_deref().unwrap_or_default();
    let birth_date = args
        .birth_date
        .as_deref()
        .map(|t| date(t, lang))
        .transpose()?;
    let found = clinic
        .lookup_registry(session, name, birth_date)
        .map_err(|e| sync_error(&e, lang))?;
    if found.is_empty() {
        eprintln!(
            "{}",
            tr_args(
                lang,
                "cli.lookup_none",
                &[
                    ("name", name.to_owned()),
                    (
                        "birth_date",
                        birth_date.map(|d| format_date(lang, d)).unwrap_or_default()
                    ),
                ],
            )
        );
    }
    for c in found {
        let birth = c.birth_date.map(|d| d.to_string()).unwrap_or_default();
        out(&format!(
            "{}\t{}\t{}\t{}",
            c.id, c.display_name, birth, c.last_seen_by
        ))?;
    }
    Ok(())
}

fn edit_patient(
    clinic: &Clinic,
    session: &Session,
    args: &PatientEditArgs,
    lang: Lang,
) -> Result<(), CliError> {
    let id = patient_id(&args.id, lang)?;
    let edit = PatientEdit {
        first_name: args.first.clone(),
        middle_name: args.middle.clone(),
        last_name: args.last.clone(),
        second_last_name: args.second_last.clone(),
        birth_date: args
            .birth_date
            .as_deref()
            .map(|t| date(t, lang))
            .transpose()?,
        sex: args
            .sex
            .as_deref()
            .map(|s| {
                Sex::from_code(s).ok_or_else(|| CliError::input(format!("sex: {s} (F, M, X, U)")))
            })
            .transpose()?,
    };
    clinic
        .edit_patient(session, id, &edit)
        .map_err(|e| CliError::from_error(&e, lang))?;
    out(tr(lang, "cli.saved"))
}

/// The two consent choices, for people.
fn consent_text(consents: &Consents, lang: Lang) -> String {
    let registry = match &consents.registry {
        RegistryParticipation::Participating => tr(lang, "cli.consent_participating").to_owned(),
        RegistryParticipation::OptedOut {
            date,
            reason,
            form_on_file,
            requested_by,
        } => {
            let mut text = tr_args(
                lang,
                "cli.consent_opted_out",
                &[("date", format_date(lang, *date))],
            );
            if !reason.is_empty() {
                text.push_str(&tr_args(
                    lang,
                    "cli.consent_reason",
                    &[("reason", reason.clone())],
                ));
            }
            if !requested_by.is_empty() {
                text.push_str(&tr_args(
                    lang,
                    "cli.consent_requested_by",
                    &[("who", requested_by.clone())],
                ));
            }
            if *form_on_file {
                text.push_str(tr(lang, "cli.consent_form_on_file"));
            }
            text
        }
    };
    let mailings = match &consents.mailings {
        Mailings::Accepted => tr(lang, "cli.mailings_accepted").to_owned(),
        Mailings::Declined { date } => tr_args(
            lang,
            "cli.mailings_declined",
            &[("date", format_date(lang, *date))],
        ),
    };
    format!("{registry}\n{mailings}")
}

/// Where a record stands with the registry, for people.
fn sync_state_text(state: &salal_clinic::RecordSync, lang: Lang) -> String {
    match state {
        salal_clinic::RecordSync::Pending => tr(lang, "cli.sync_state_pending").to_owned(),
        salal_clinic::RecordSync::Confirmed { at } => tr_args(
            lang,
            "cli.sync_state_confirmed",
            &[("at", at.format("%Y-%m-%d %H:%M UTC").to_string())],
        ),
        salal_clinic::RecordSync::Rejected {
            message_en,
            message_es,
            ..
        } => tr_args(
            lang,
            "cli.sync_state_rejected",
            &[(
                "reason",
                match lang {
                    Lang::Es => message_es.clone(),
                    Lang::En => message_en.clone(),
                },
            )],
        ),
    }
}

fn sync_error(err: &SyncError, lang: Lang) -> CliError {
    CliError {
        exit_code: if err.is_unreachable() {
            1
        } else {
            CliError::from_error(err, lang).exit_code
        },
        message: err.localized(lang),
    }
}

/// Shows progress on a terminal (stderr), one line rewritten in place.
fn progress_printer(lang: Lang) -> impl FnMut(SyncProgress) {
    let on_terminal = std::io::stderr().is_terminal();
    move |p| {
        if !on_terminal {
            return;
        }
        let text = match p {
            SyncProgress::Pushing { sent, total } => tr_args(
                lang,
                "cli.sync_pushing",
                &[("sent", sent.to_string()), ("total", total.to_string())],
            ),
            SyncProgress::Pulling {
                received,
                remaining,
            } => tr_args(
                lang,
                "cli.sync_pulling",
                &[
                    ("received", received.to_string()),
                    ("remaining", remaining.to_string()),
                ],
            ),
        };
        eprint!("\r{text}\x1b[K");
    }
}

pub(crate) fn report_line(report: &SyncReport) -> String {
    // Exactly this line, in every language: scripts read it.
    format!(
        "sync: {} pushed, {} pulled, {} rejected",
        report.pushed, report.pulled, report.rejected
    )
}

fn sync(clinic: &Clinic, lang: Lang) -> Result<(), CliError> {
    let mut progress = progress_printer(lang);
    let result = clinic.sync(&mut progress);
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    let report = result.map_err(|e| sync_error(&e, lang))?;
    if report.rejected > 0 {
        eprintln!(
            "{}",
            tr_args(
                lang,
                "cli.sync_rejected",
                &[("count", report.rejected.to_string())]
            )
        );
    }
    out(&report_line(&report))
}

fn enroll(dir: &std::path::Path, registry: &str, code: &str, lang: Lang) -> Result<(), CliError> {
    if Clinic::is_initialized(dir) {
        let clinic = unlock::open(dir, lang)?;
        clinic
            .enroll(registry, code)
            .map_err(|e| sync_error(&e, lang))?;
        out(&tr_args(
            lang,
            "cli.enrolled",
            &[("url", registry.to_owned())],
        ))?;
        return sync(&clinic, lang);
    }
    // A new computer: make the encrypted replica first and show its recovery
    // key at once, so a cut enrollment resumes on this same device.
    let (clinic, receipt) = Clinic::create_for_enrollment(dir).map_err(|e| sync_error(&e, lang))?;
    out(tr(lang, "cli.recovery_key"))?;
    out(receipt.recovery_key.as_str())?;
    if let KeyringStatus::Unavailable(reason) = receipt.keyring {
        eprintln!("{} ({reason})", tr(lang, "cli.keyring_unavailable"));
    }
    clinic
        .enroll(registry, code)
        .map_err(|e| sync_error(&e, lang))?;
    let mut progress = progress_printer(lang);
    let result = clinic.sync(&mut progress);
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    let report = result.map_err(|e| sync_error(&e, lang))?;
    out(&tr_args(
        lang,
        "cli.enrolled_new",
        &[
            ("url", registry.to_owned()),
            ("path", dir.display().to_string()),
            ("clinic", clinic.clinic_name().unwrap_or_default()),
        ],
    ))?;
    out(&report_line(&report))
}

fn export(clinic: &Clinic, actor: &str, lang: Lang) -> Result<(), CliError> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed: Option<std::io::Error> = None;
    clinic
        .export_canonical(actor, &mut |line| {
            if failed.is_none()
                && let Err(e) = writeln!(stdout, "{line}")
            {
                failed = Some(e);
            }
        })
        .map_err(|e| CliError::from_error(&e, lang))?;
    if let Some(e) = failed.or_else(|| stdout.flush().err()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(());
        }
        return Err(CliError {
            exit_code: 1,
            message: e.to_string(),
        });
    }
    Ok(())
}

fn add_patient(
    clinic: &Clinic,
    session: &Session,
    args: &PatientArgs,
    lang: Lang,
) -> Result<(), CliError> {
    let details = PatientDetails {
        first_name: args.first.clone(),
        middle_name: args.middle.clone(),
        last_name: args.last.clone(),
        second_last_name: args.second_last.clone(),
        birth_date: Some(date(&args.birth_date, lang)?),
        sex: Sex::from_code(&args.sex)
            .ok_or_else(|| CliError::input(format!("sex: {} (F, M, X, U)", args.sex)))?,
        birth_certificate_number: args.birth_certificate.clone(),
        medical_record_number: args.mrn.clone(),
        mother_maiden_name: args.mother_maiden.clone(),
        guardian_name: args.guardian.clone(),
        preferred_language: args
            .language
            .as_deref()
            .map(str::parse::<Lang>)
            .transpose()
            .map_err(|e| CliError::input(e.to_string()))?,
        phone: args.phone.clone(),
        address_line: args.address.clone(),
        city: args.city.clone(),
        state: args.state.clone(),
        postal_code: args.zip.clone(),
        ..PatientDetails::default()
    };
    match clinic.register_patient(session, &details, args.force) {
        Ok(id) => out(&id.to_string()),
        Err(salal_clinic::RegisterPatientError::LikelyDuplicates(found)) => {
            let err = salal_clinic::RegisterPatientError::LikelyDuplicates(found.clone());
            let mut message = err.localized(lang);
            for p in found {
                message.push_str(&format!(
                    "\n  {}\t{}\t{}",
                    p.id, p.display_name, p.birth_date
                ));
            }
            Err(CliError::input(message))
        }
        Err(e) => Err(CliError::from_error(&e, lang)),
    }
}

fn event_from_args(args: &DoseArgs, clinic: &Clinic, lang: Lang) -> Result<NewEvent, CliError> {
    let kind = EventKind::from_code(&args.kind).ok_or_else(|| {
        CliError::input(format!(
            "--kind {}: administered, historical, refusal, contraindication, evidence_of_immunity",
            args.kind
        ))
    })?;
    // YYYY-MM: a card that shows only the month (the first of it, month precision).
    let month = args
        .date
        .as_deref()
        .and_then(salal_core::event::DatePrecision::parse_iso_month);
    Ok(NewEvent {
        id: None,
        kind,
        cvx: args.cvx.clone(),
        date: Some(match (&args.date, month) {
            (_, Some(first)) => first,
            (Some(text), None) => date(text, lang)?,
            (None, None) => clinic.today(),
        }),
        date_precision: if month.is_some() {
            salal_core::event::DatePrecision::Month
        } else {
            salal_core::event::DatePrecision::Day
        },
        ndc: args.ndc.clone(),
        mvx: args.mvx.clone(),
        lot_number: args.lot.clone(),
        lot_expiration: args.expires.as_deref().map(|t| date(t, lang)).transpose()?,
        amount_ml: args.amount.clone(),
        route: args.route.clone(),
        site: args.site.clone(),
        vfc_eligibility: args.vfc.clone(),
        funding_source: args.funding.clone(),
        administering_provider: args.provider.clone(),
        information_source: args.source.clone(),
        refusal_reason: args.reason.clone(),
        observation_code: args.observation.clone(),
        vis: Vec::new(),
        note: String::new(),
        confirm_expired_lot: args.confirm_expired_lot,
    })
}

/// One line of `dose import`.
#[derive(serde::Deserialize)]
struct ImportLine {
    patient: PatientId,
    #[serde(flatten)]
    event: NewEvent,
}

fn import_events(
    clinic: &Clinic,
    session: &Session,
    file: &std::path::Path,
    lang: Lang,
) -> Result<(), CliError> {
    let reader = std::fs::File::open(file)
        .map(std::io::BufReader::new)
        .map_err(|e| CliError::input(format!("{}: {e}", file.display())))?;
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| CliError::input(format!("{}: {e}", file.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: ImportLine = serde_json::from_str(&line).map_err(|e| {
            CliError::input(tr_args(
                lang,
                "cli.bad_line",
                &[
                    ("line", (n + 1).to_string()),
                    ("file", file.display().to_string()),
                    ("details", e.to_string()),
                ],
            ))
        })?;
        let id = clinic
            .record_event(session, parsed.patient, &parsed.event)
            .map_err(|e| CliError::from_error(&e, lang))?;
        // Printed only after the transaction committed durably: a line here is a promise.
        out(&format!("saved {id}"))?;
    }
    Ok(())
}

fn consent(
    clinic: &Clinic,
    session: &Session,
    args: &ConsentArgs,
    lang: Lang,
) -> Result<(), CliError> {
    let id = patient_id(&args.patient, lang)?;
    let record = clinic
        .patient_record(session, id)
        .map_err(|e| CliError::from_error(&e, lang))?;
    let today = clinic.today();
    let mut consents: Consents = record.patient.consents;
    if args.opt_out {
        consents.registry = RegistryParticipation::OptedOut {
            date: today,
            reason: args.reason.clone(),
            form_on_file: args.form_on_file,
            requested_by: args.requested_by.clone(),
        };
    }
    if args.participate {
        consents.registry = RegistryParticipation::Participating;
    }
    if args.decline_mailings {
        consents.mailings = Mailings::Declined { date: today };
    }
    if args.accept_mailings {
        consents.mailings = Mailings::Accepted;
    }
    clinic
        .set_consents(session, id, &consents)
        .map_err(|e| CliError::from_error(&e, lang))?;
    out(tr(lang, "cli.saved"))
}

fn show_patient(
    clinic: &Clinic,
    session: &Session,
    id: PatientId,
    lang: Lang,
) -> Result<(), CliError> {
    let record = clinic
        .patient_record(session, id)
        .map_err(|e| CliError::from_error(&e, lang))?;
    let p = &record.patient.details;
    out(&format!("{}\t{}", record.patient.id, p.display_name()))?;
    if let Some(birth) = p.birth_date {
        out(&format!(
            "{}: {}",
            tr(lang, "field.birth_date"),
            format_date(lang, birth)
        ))?;
    }
    out(&consent_text(&record.patient.consents, lang))?;
    if let Ok(states) = clinic.record_sync_states(session, record.patient.id) {
        out(&sync_state_text(&states.patient, lang))?;
    }
    if let Ok(contacts) = clinic.patient_contacts(session, record.patient.id)
        && !contacts.is_empty()
    {
        let count = |m: salal_clinic::ContactMethod| {
            contacts
                .iter()
                .filter(|c| c.method == m)
                .count()
                .to_string()
        };
        out(&tr_args(
            lang,
            "doc.contacts",
            &[
                ("letters", count(salal_clinic::ContactMethod::Letter)),
                ("calls", count(salal_clinic::ContactMethod::Call)),
            ],
        ))?;
    }
    let line = |view: &salal_clinic::EventView| {
        let e = &view.event.details;
        let when = e
            .date
            .map(|d| e.date_precision.format(lang, d))
            .unwrap_or_default();
        let mut text = format!(
            "    {when}  {} ({})  {}  {}",
            view.vaccine_name,
            e.cvx,
            tr(lang, &format!("event_kind.{}", e.kind.code())),
            e.lot_number
        );
        if view.event.entered_in_error {
            text.push_str(&format!("  [{}]", tr(lang, "cli.entered_in_error")));
        }
        text
    };
    for group in &record.groups {
        out(&format!(
            "  {}",
            tr(lang, &format!("vaccine_group.{}", group.group))
        ))?;
        for view in &group.events {
            out(&line(view))?;
        }
    }
    for view in &record.other {
        out(&line(view))?;
    }
    Ok(())
}
