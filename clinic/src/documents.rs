//! Printed documents: the Certificate of Immunization Status, the immunization
//! record and the consent forms, in English or Spanish, with a verifiable QR
//! code signed by this clinic's key; and checking such a code (`verify`).
//!
//! This module chooses what prints (rows from `assets/print/cis-rows.csv`,
//! statuses from the Washington rule table of `salal-school`, what is due from
//! the forecast); `salal-print` lays it out. Every document printed is audited.

use crate::error::{ClinicError, DocumentError};
use crate::forecast::{DueState, PatientForecast};
use crate::{Clinic, Session};
use chrono::{DateTime, Local, NaiveDate, Timelike, Utc};
use salal_attest::{KeyRing, PublicKey, SigningKey, Summary};
use salal_core::codes::CodeSets;
use salal_core::event::{Event, EventKind};
use salal_core::i18n::{Lang, format_date, tr, tr_args};
use salal_core::ids::PatientId;
use salal_core::patient::Patient;
use salal_core::user::Permission;
use salal_print::model::{
    Child, CisRow, ComplianceStatus, ConsentForm, ConsentKind, DueLine, DueWhen, Letterhead,
    PersonName, RecordDose, RegistryStamp, Requirement, SettingStatus,
};
use salal_school::{ChildHistory, GroupOutlook, SchoolDose, Setting, SettingResult, Status};
use salal_store::replica::RecordSync;
use std::sync::LazyLock;

/// One vaccine row of the CIS, as `assets/print/cis-rows.csv` gives it.
#[derive(Debug, Clone)]
pub(crate) struct RowSpec {
    pub(crate) label_key: String,
    pub(crate) cdc_groups: Vec<String>,
    pub(crate) cdsi_group: String,
    pub(crate) columns: usize,
    pub(crate) latest_only: bool,
    pub(crate) requirement: Requirement,
    pub(crate) school_group: Option<String>,
}

const CIS_ROWS: &str = include_str!("../../assets/print/cis-rows.csv");

static ROWS: LazyLock<Result<Vec<RowSpec>, String>> = LazyLock::new(|| parse_rows(CIS_ROWS));

pub(crate) fn parse_rows(text: &str) -> Result<Vec<RowSpec>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let r = record.map_err(|e| format!("cis-rows.csv line {}: {e}", n + 2))?;
        let field = |i: usize| r.get(i).unwrap_or("").trim().to_owned();
        let requirement = match field(6).as_str() {
            "school_and_child_care" => Requirement::SchoolAndChildCare,
            "child_care_only" => Requirement::ChildCareOnly,
            "not_required" => Requirement::NotRequired,
            other => {
                return Err(format!(
                    "cis-rows.csv line {}: requirement '{other}'",
                    n + 2
                ));
            }
        };
        rows.push(RowSpec {
            label_key: field(1),
            cdc_groups: field(2).split('|').map(str::to_owned).collect(),
            cdsi_group: field(3),
            columns: field(4)
                .parse()
                .map_err(|_| format!("cis-rows.csv line {}: columns", n + 2))?,
            latest_only: field(5) == "latest",
            requirement,
            school_group: Some(field(7)).filter(|g| !g.is_empty()),
        });
    }
    Ok(rows)
}

fn rows() -> Result<&'static [RowSpec], DocumentError> {
    ROWS.as_deref().map_err(|e| DocumentError::Data(e.clone()))
}

/// Which consent form to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentFormKind {
    /// Declining registry participation.
    Registry,
    /// Declining health-promotion mailings.
    Mailings,
}

/// A verified QR text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// What it says.
    pub summary: Summary,
    /// The issuer, as the key's record names it.
    pub issuer: String,
}

/// Everything a document about one patient is made from.
pub(crate) struct PatientFile {
    pub(crate) patient: Patient,
    pub(crate) birth_date: NaiveDate,
    pub(crate) events: Vec<Event>,
    pub(crate) forecast: PatientForecast,
    pub(crate) clinic_name: String,
    pub(crate) stamp: RegistryStamp,
}

/// The letterhead of this clinic (its name; no address is recorded yet).
pub(crate) fn letterhead(clinic_name: &str) -> Letterhead {
    Letterhead {
        clinic_name: clinic_name.to_owned(),
        lines: Vec::new(),
    }
}

pub(crate) fn child_of(patient: &Patient, birth_date: NaiveDate) -> Child {
    let d = &patient.details;
    Child {
        name: PersonName {
            first: d.first_name.clone(),
            middle: d.middle_name.clone(),
            last: d.last_name.clone(),
            second_last: d.second_last_name.clone(),
        },
        birth_date,
        sex: d.sex,
    }
}

pub(crate) fn full_name(patient: &Patient) -> String {
    let d = &patient.details;
    [
        &d.first_name,
        &d.middle_name,
        &d.last_name,
        &d.second_last_name,
    ]
    .into_iter()
    .filter(|p| !p.trim().is_empty())
    .map(|p| p.trim())
    .collect::<Vec<_>>()
    .join(" ")
}

fn local(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    at.with_timezone(&Local).naive_local()
}

/// The doses that count on paper: given or historical, not entered in error, with a date.
fn doses(events: &[Event]) -> impl Iterator<Item = (&Event, NaiveDate)> {
    events.iter().filter_map(|e| {
        (e.details.kind.is_dose() && !e.entered_in_error)
            .then_some(e.details.date)
            .flatten()
            .map(|d| (e, d))
    })
}

fn groups_of<'c>(codes: &'c CodeSets, cvx: &str) -> &'c [String] {
    codes
        .vaccine(cvx)
        .map_or(&[][..], |v| v.vaccine_groups.as_slice())
}

/// How far ahead "due next" looks.
pub const DUE_NEXT_HORIZON_DAYS: u64 = 365;

/// The due lines of a forecast, most urgent first (only what is due or coming).
pub(crate) fn due_lines(forecast: &PatientForecast, lang: Lang) -> Vec<DueLine> {
    forecast
        .groups
        .iter()
        .filter_map(|g| {
            let when = match g.due {
                DueState::Overdue => DueWhen::Overdue(g.past_due.unwrap_or(forecast.as_of)),
                DueState::DueNow => DueWhen::Now,
                // "Due next" means the coming year; later doses are on the forecast screen.
                DueState::DueOn(date)
                    if date <= forecast.as_of + chrono::Days::new(DUE_NEXT_HORIZON_DAYS) =>
                {
                    DueWhen::On(date)
                }
                _ => return None,
            };
            Some(DueLine {
                vaccine: tr(lang, &format!("forecast.group.{}", g.group)).to_owned(),
                dose_number: g.dose_number,
                when,
            })
        })
        .collect()
}

fn status_of(status: Status) -> ComplianceStatus {
    match status {
        Status::Complete => ComplianceStatus::Complete,
        Status::Conditional => ComplianceStatus::Conditional,
        Status::Exempt => ComplianceStatus::Exempt,
        Status::OutOfCompliance => ComplianceStatus::OutOfCompliance,
    }
}

fn attest_status(results: &[SettingResult]) -> salal_attest::Status {
    match primary(results).map(|r| r.status) {
        Some(Status::Complete) => salal_attest::Status::Complete,
        Some(Status::Conditional) => salal_attest::Status::Conditional,
        Some(Status::Exempt) => salal_attest::Status::Exempt,
        Some(Status::OutOfCompliance) => salal_attest::Status::OutOfCompliance,
        None => salal_attest::Status::NotApplicable,
    }
}

/// The setting whose statuses print on the rows: school once the child is of school age.
fn primary(results: &[SettingResult]) -> Option<&SettingResult> {
    results
        .iter()
        .find(|r| r.setting == Setting::School)
        .or_else(|| results.first())
}

/// The child's history in the school rules' terms.
pub(crate) fn school_history(file: &PatientFile, codes: &CodeSets) -> ChildHistory {
    let valid: std::collections::HashSet<_> = file
        .forecast
        .groups
        .iter()
        .flat_map(|g| g.doses.iter())
        .filter(|d| d.status == salal_forecast::EvaluationStatus::Valid)
        .map(|d| d.event_id)
        .collect();
    let rows = rows().unwrap_or_default();
    let immune_cdc: Vec<String> = file
        .forecast
        .groups
        .iter()
        .filter(|g| g.status == salal_forecast::SeriesStatus::Immune)
        .flat_map(|g| {
            rows.iter()
                .filter(move |r| r.cdsi_group == g.group)
                .flat_map(|r| r.cdc_groups.iter().cloned())
        })
        .collect();
    let contraindicated: Vec<String> = file
        .forecast
        .groups
        .iter()
        .filter(|g| g.status == salal_forecast::SeriesStatus::Contraindicated)
        .flat_map(|g| {
            rows.iter()
                .filter(move |r| r.cdsi_group == g.group)
                .filter_map(|r| r.school_group.clone())
        })
        .collect();
    ChildHistory {
        birth_date: file.birth_date,
        doses: doses(&file.events)
            .map(|(e, date)| SchoolDose {
                date,
                cdc_groups: groups_of(codes, &e.details.cvx).to_vec(),
                valid: valid.contains(&e.id),
            })
            .collect(),
        outlook: file
            .forecast
            .groups
            .iter()
            .map(|g| GroupOutlook {
                cdsi_group: g.group.clone(),
                complete: matches!(
                    g.status,
                    salal_forecast::SeriesStatus::Complete
                        | salal_forecast::SeriesStatus::Immune
                        | salal_forecast::SeriesStatus::AgedOut
                        | salal_forecast::SeriesStatus::NotRecommended
                ),
                immune: g.status == salal_forecast::SeriesStatus::Immune,
                contraindicated: g.status == salal_forecast::SeriesStatus::Contraindicated,
                earliest: g.earliest,
                recommended: g.recommended,
                past_due: g.past_due,
            })
            .collect(),
        immunity_cdc_groups: immune_cdc,
        exempt_groups: contraindicated,
    }
}

impl Clinic {
    /// This clinic's signing key, made (and trusted) the first time it is needed.
    pub(crate) fn signing_key(&self, session: &Session) -> Result<SigningKey, ClinicError> {
        let mut store = self.lock();
        if let Some(pkcs8) = store.signing_key()? {
            return SigningKey::from_pkcs8(&pkcs8)
                .map_err(|e| ClinicError::Store(salal_store::StoreError::Decode(e.to_string())));
        }
        let key = SigningKey::generate()
            .map_err(|e| ClinicError::Store(salal_store::StoreError::Database(e.to_string())))?;
        let clinic = store.clinic_name()?.unwrap_or_default();
        let public = key.public_key();
        store.write(&session.actor(), self.now(), |w| {
            w.save_own_signing_key(key.pkcs8(), &key.key_id(), public.as_bytes(), &clinic)
        })?;
        Ok(key)
    }

    /// The keys this computer trusts: its own and those published through the registry.
    pub(crate) fn key_ring(&self) -> Result<KeyRing, ClinicError> {
        let mut ring = KeyRing::new();
        for key in self.lock().trusted_keys()? {
            if let Ok(public) = PublicKey::from_bytes(&key.public_key) {
                ring.add(public, &key.clinic_name);
            }
        }
        Ok(ring)
    }

    /// Checks a QR code's text: who it is about and who issued it, or why it is not valid.
    pub fn verify_summary(&self, text: &str) -> Result<Verified, DocumentError> {
        let ring = self.key_ring()?;
        let (summary, key_id) = salal_attest::verify(text, &ring)?;
        let issuer = ring
            .get(&key_id)
            .map_or_else(|| summary.clinic.clone(), |(_, c)| c.to_owned());
        Ok(Verified { summary, issuer })
    }

    pub(crate) fn patient_file(
        &self,
        session: &Session,
        id: PatientId,
    ) -> Result<PatientFile, ClinicError> {
        self.authorize(session, Permission::ViewPatients)?;
        let forecast = self.patient_forecast(session, id)?;
        let states = self.record_sync_states(session, id)?;
        let last_success = self.last_sync_success()?;
        let store = self.lock();
        let patient = store.patient(id)?.ok_or(ClinicError::PatientNotFound)?;
        let birth_date = patient
            .details
            .birth_date
            .ok_or(ClinicError::PatientNotFound)?;
        let events = store.patient_events(id)?;
        let clinic_name = store.clinic_name()?.unwrap_or_default();
        drop(store);
        let confirmed = |s: &RecordSync| matches!(s, RecordSync::Confirmed { .. });
        let stamp = match last_success {
            Some(at)
                if confirmed(&states.patient)
                    && states.events.iter().all(|(_, s)| confirmed(s)) =>
            {
                RegistryStamp::ConfirmedAt(local(at))
            }
            _ => RegistryStamp::NotConfirmed,
        };
        Ok(PatientFile {
            patient,
            birth_date,
            events,
            forecast,
            clinic_name,
            stamp,
        })
    }

    fn sign_summary(
        &self,
        session: &Session,
        file: &PatientFile,
        status: salal_attest::Status,
    ) -> Result<String, ClinicError> {
        let key = self.signing_key(session)?;
        let now = self.now();
        let issued = now.naive_utc().with_second(0).unwrap_or(now.naive_utc());
        let summary = Summary {
            clinic: file.clinic_name.clone(),
            name: full_name(&file.patient),
            birth_date: file.birth_date,
            status,
            doses: doses(&file.events)
                .map(|(e, date)| salal_attest::Dose {
                    cvx: e.details.cvx.clone(),
                    date,
                })
                .collect(),
            issued_at: issued.with_nanosecond(0).unwrap_or(issued),
        };
        Ok(salal_attest::sign(&summary, &key))
    }

    /// The patient's status under the Washington school / child-care rules today.
    fn school_results(&self, file: &PatientFile) -> Result<Vec<SettingResult>, DocumentError> {
        let rules =
            salal_school::Rules::embedded().map_err(|e| DocumentError::Data(e.to_string()))?;
        Ok(salal_school::evaluate(
            rules,
            &school_history(file, self.codes),
            self.today(),
        ))
    }

    fn audit_print(&self, session: &Session, id: PatientId, what: &str) -> Result<(), ClinicError> {
        self.lock().write(&session.actor(), self.now(), |w| {
            w.audit("print", "patient", &id.to_string(), what)
        })?;
        Ok(())
    }

    /// The Certificate of Immunization Status as a PDF.
    pub fn print_cis(
        &self,
        session: &Session,
        id: PatientId,
        lang: Lang,
    ) -> Result<Vec<u8>, DocumentError> {
        let file = self.patient_file(session, id)?;
        let results = self.school_results(&file)?;
        let primary_result = primary(&results);
        let mut rows_out = Vec::new();
        for spec in rows()? {
            let in_row: Vec<(&Event, NaiveDate)> = doses(&file.events)
                .filter(|(e, _)| {
                    groups_of(self.codes, &e.details.cvx)
                        .iter()
                        .any(|g| spec.cdc_groups.contains(g))
                })
                .collect();
            let month_only: Vec<NaiveDate> = in_row
                .iter()
                .filter(|(e, _)| !e.details.date_precision.is_day())
                .map(|(_, d)| *d)
                .collect();
            let mut dates: Vec<NaiveDate> = in_row.iter().map(|(_, d)| *d).collect();
            dates.sort();
            if spec.latest_only && dates.len() > spec.columns {
                dates.drain(..dates.len() - spec.columns);
            }
            let status = spec.school_group.as_ref().and_then(|group| {
                primary_result
                    .and_then(|r| r.groups.iter().find(|g| &g.group == group))
                    .map(|g| status_of(g.status))
            });
            rows_out.push(CisRow {
                label_key: spec.label_key.clone(),
                columns: spec.columns,
                doses: dates,
                month_only,
                requirement: spec.requirement,
                status,
            });
        }
        let varicella_history = file
            .forecast
            .groups
            .iter()
            .find(|g| g.group == "Varicella" && g.status == salal_forecast::SeriesStatus::Immune)
            .map(|_| {
                let date = file
                    .events
                    .iter()
                    .filter(|e| {
                        e.details.kind == EventKind::EvidenceOfImmunity && !e.entered_in_error
                    })
                    .filter_map(|e| e.details.date)
                    .max();
                match date {
                    Some(d) => tr_args(
                        lang,
                        "doc.varicella_immune_on",
                        &[("date", format_date(lang, d))],
                    ),
                    None => tr(lang, "doc.varicella_immune").to_owned(),
                }
            });
        let statuses = results
            .iter()
            .map(|r| SettingStatus {
                setting: tr(lang, &format!("school.band.{}", r.band)).to_owned(),
                status: status_of(r.status),
                notes: if r.unconfirmed {
                    vec![tr(lang, "school.unconfirmed").to_owned()]
                } else {
                    Vec::new()
                },
            })
            .collect();
        let qr = self.sign_summary(session, &file, attest_status(&results))?;
        let cis = salal_print::model::Cis {
            lang,
            clinic: letterhead(&file.clinic_name),
            child: child_of(&file.patient, file.birth_date),
            rows: rows_out,
            varicella_history,
            statuses,
            stamp: file.stamp,
            issued_at: local(self.now()),
            qr,
        };
        let pdf = salal_print::cis_pdf(&cis)?;
        self.audit_print(session, id, "cis")?;
        Ok(pdf)
    }

    /// The immunization record (every dose, what is due, a family card) as a PDF.
    pub fn print_record(
        &self,
        session: &Session,
        id: PatientId,
        lang: Lang,
    ) -> Result<Vec<u8>, DocumentError> {
        let file = self.patient_file(session, id)?;
        let results = self.school_results(&file)?;
        let record_doses = doses(&file.events)
            .map(|(e, date)| RecordDose {
                vaccine: self
                    .codes
                    .vaccine(&e.details.cvx)
                    .map_or_else(|| e.details.cvx.clone(), |v| v.short_description.clone()),
                date,
                month_only: !e.details.date_precision.is_day(),
                lot: e.details.lot_number.clone(),
                provider: e.details.administering_provider.clone(),
                place: match e.details.kind {
                    EventKind::Historical => tr(lang, "doc.place.historical").to_owned(),
                    _ => tr(lang, "doc.place.administered").to_owned(),
                },
            })
            .collect();
        let qr = self.sign_summary(session, &file, attest_status(&results))?;
        let record = salal_print::model::ImmunizationRecord {
            lang,
            clinic: letterhead(&file.clinic_name),
            child: child_of(&file.patient, file.birth_date),
            doses: record_doses,
            due: due_lines(&file.forecast, lang),
            stamp: file.stamp,
            issued_at: local(self.now()),
            qr,
        };
        let pdf = salal_print::record_pdf(&record)?;
        self.audit_print(session, id, "record")?;
        Ok(pdf)
    }

    /// A consent form, pre-filled with the patient and the clinic, as a PDF.
    pub fn print_consent(
        &self,
        session: &Session,
        id: PatientId,
        kind: ConsentFormKind,
        lang: Lang,
    ) -> Result<Vec<u8>, DocumentError> {
        self.authorize(session, Permission::ViewPatients)?;
        let (patient, clinic_name) = {
            let store = self.lock();
            (
                store.patient(id)?.ok_or(ClinicError::PatientNotFound)?,
                store.clinic_name()?.unwrap_or_default(),
            )
        };
        let birth_date = patient
            .details
            .birth_date
            .ok_or(ClinicError::PatientNotFound)?;
        let d = &patient.details;
        let form = ConsentForm {
            lang,
            kind: match kind {
                ConsentFormKind::Registry => ConsentKind::RegistryDecline,
                ConsentFormKind::Mailings => ConsentKind::MailingsDecline,
            },
            clinic: letterhead(&clinic_name),
            child: child_of(&patient, birth_date),
            guardian: d.guardian_name.clone(),
            address: address_lines(&patient),
            date: self.today(),
        };
        let pdf = salal_print::consent_pdf(&form)?;
        self.audit_print(
            session,
            id,
            match kind {
                ConsentFormKind::Registry => "consent_registry",
                ConsentFormKind::Mailings => "consent_mailings",
            },
        )?;
        Ok(pdf)
    }
}

/// A patient's mailing address as printed lines (empty when none is recorded).
pub(crate) fn address_lines(patient: &Patient) -> Vec<String> {
    let d = &patient.details;
    let mut lines = Vec::new();
    if !d.address_line.trim().is_empty() {
        lines.push(d.address_line.trim().to_owned());
    }
    let city_line = [d.city.trim(), d.state.trim(), d.postal_code.trim()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>();
    if !city_line.is_empty() {
        let (city, rest) = if d.city.trim().is_empty() {
            (String::new(), city_line.join(" "))
        } else {
            (
                format!("{},", d.city.trim()),
                [d.state.trim(), d.postal_code.trim()]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        };
        lines.push(
            format!("{city} {rest}")
                .trim()
                .trim_end_matches(',')
                .to_owned(),
        );
    }
    lines
}
