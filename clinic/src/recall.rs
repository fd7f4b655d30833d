//! Reminder / recall: the families whose children are due or overdue for
//! vaccines as of a date, their letters (each in the family's language),
//! mailing labels and a CSV, and the contacts made with them.
//!
//! A patient who opted out of the registry or declined health-promotion
//! mailings never appears. Each letter printed is recorded as a contact, so
//! the next run can skip a family written to recently or suggest a call.

use crate::documents::{address_lines, child_of, due_lines, full_name, letterhead};
use crate::error::{ClinicError, DocumentError};
use crate::forecast::{DueState, assess, engine};
use crate::{Clinic, Session};
use chrono::{Datelike, Months, NaiveDate};
use salal_core::consent::Mailings;
use salal_core::i18n::{Lang, tr_args};
use salal_core::ids::PatientId;
use salal_core::patient::Patient;
use salal_core::user::Permission;
use salal_print::model::{MailingLabel, RecallLetter};
use salal_store::{Contact, ContactMethod, ContactSummary};

/// Which families to remind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecallQuery {
    /// The date "due" and "overdue" are computed for.
    pub as_of: NaiveDate,
    /// Youngest age, in whole months on `as_of`.
    pub age_min_months: Option<u32>,
    /// Oldest age, in whole months on `as_of`.
    pub age_max_months: Option<u32>,
    /// Vaccine groups (CDSi names, e.g. `MMR`, `DTaP/Tdap/Td`, or a prefix such as `dtap`); empty: any.
    pub groups: Vec<String>,
    /// Only overdue groups (not merely due).
    pub overdue_only: bool,
    /// Only families whose language is this.
    pub language: Option<Lang>,
    /// Leave out families contacted this many days before `as_of` or later.
    pub skip_contacted_within_days: Option<u32>,
}

impl RecallQuery {
    /// Everyone due or overdue as of `as_of`.
    #[must_use]
    pub fn as_of(as_of: NaiveDate) -> RecallQuery {
        RecallQuery {
            as_of,
            age_min_months: None,
            age_max_months: None,
            groups: Vec::new(),
            overdue_only: false,
            language: None,
            skip_contacted_within_days: None,
        }
    }
}

/// One vaccine group a recall entry is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecallDue {
    /// CDSi vaccine group.
    pub group: String,
    /// Whether it is overdue (past due), or only due.
    pub overdue: bool,
    /// The date it became due (recommended, or earliest).
    pub due_since: Option<NaiveDate>,
}

/// One family on the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecallEntry {
    /// The patient.
    pub patient: Patient,
    /// Age in whole months on the query's date.
    pub age_months: u32,
    /// The family's language (the patient's preferred one, English if none).
    pub language: Lang,
    /// What is due, most urgent first.
    pub due: Vec<RecallDue>,
    /// Contacts made so far.
    pub contacts: ContactSummary,
    /// What to do next: a letter first, a call once a letter went unanswered.
    pub suggested: ContactMethod,
}

/// A contact to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    /// Chosen where the contact is made (a retry with the same id changes nothing).
    pub id: uuid::Uuid,
    /// Whose family.
    pub patient_id: PatientId,
    /// Letter or call.
    pub method: ContactMethod,
    /// The vaccine groups it was about.
    pub groups: Vec<String>,
    /// What came of it (may be empty).
    pub outcome: String,
}

impl NewContact {
    /// The letter contact for a recall entry (id derived from the patient and the day, so
    /// printing the same day's letters twice records one letter).
    #[must_use]
    pub fn letter(entry: &RecallEntry, as_of: NaiveDate) -> NewContact {
        let name = format!("recall-letter:{}:{as_of}", entry.patient.id);
        NewContact {
            id: uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes()),
            patient_id: entry.patient.id,
            method: ContactMethod::Letter,
            groups: entry.due.iter().map(|d| d.group.clone()).collect(),
            outcome: String::new(),
        }
    }
}

/// A `--groups` name no vaccine group has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no vaccine group is called '{name}' (use one of: {known})")]
pub struct UnknownGroup {
    /// What was asked for.
    pub name: String,
    /// The names that exist.
    pub known: String,
}

fn fold(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whole months from `birth` to `on` (0 before the first month is complete).
#[must_use]
pub fn age_in_months(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < birth {
        return 0;
    }
    let mut months = (on.year() - birth.year()) * 12 + on.month0() as i32 - birth.month0() as i32;
    if birth
        .checked_add_months(Months::new(u32::try_from(months.max(0)).unwrap_or(0)))
        .is_none_or(|d| d > on)
    {
        months -= 1;
    }
    u32::try_from(months.max(0)).unwrap_or(0)
}

impl Clinic {
    /// Resolves `--groups` names to CDSi vaccine group names.
    pub fn resolve_recall_groups(&self, names: &[String]) -> Result<Vec<String>, DocumentError> {
        let engine = engine()?;
        let mut known: Vec<String> = engine
            .data()
            .schedule
            .vaccine_groups
            .iter()
            .map(|g| g.name.clone())
            .collect();
        known.sort();
        known.dedup();
        names
            .iter()
            .filter(|n| !n.trim().is_empty())
            .map(|name| {
                let wanted = fold(name);
                known
                    .iter()
                    .find(|k| fold(k) == wanted)
                    .or_else(|| known.iter().find(|k| fold(k).starts_with(&wanted)))
                    .cloned()
                    .ok_or_else(|| {
                        DocumentError::Data(
                            UnknownGroup {
                                name: name.trim().to_owned(),
                                known: known.join(", "),
                            }
                            .to_string(),
                        )
                    })
            })
            .collect()
    }

    /// The families to remind, oldest child first. The run is audited.
    pub fn recall_list(
        &self,
        session: &Session,
        query: &RecallQuery,
    ) -> Result<Vec<RecallEntry>, ClinicError> {
        self.authorize(session, Permission::ViewPatients)?;
        let engine = engine()?;
        let oldest = query.age_max_months.map_or(NaiveDate::MIN, |m| {
            query
                .as_of
                .checked_sub_months(Months::new(m.saturating_add(1)))
                .and_then(|d| d.succ_opt())
                .unwrap_or(NaiveDate::MIN)
        });
        let youngest = query
            .as_of
            .checked_sub_months(Months::new(query.age_min_months.unwrap_or(0)))
            .unwrap_or(query.as_of);
        let (patients, contacts) = {
            let store = self.lock();
            (
                store.patients_born_between(oldest, youngest)?,
                store.contact_summaries()?,
            )
        };
        let skip_after_ms = query.skip_contacted_within_days.map(|days| {
            (query.as_of - chrono::Days::new(u64::from(days)))
                .and_hms_opt(0, 0, 0)
                .map_or(0, |t| t.and_utc().timestamp_millis())
        });
        let mut out = Vec::new();
        for patient in patients {
            if patient.consents.opted_out()
                || matches!(patient.consents.mailings, Mailings::Declined { .. })
            {
                continue;
            }
            let Some(birth) = patient.details.birth_date else {
                continue;
            };
            let language = patient.details.preferred_language.unwrap_or_default();
            if query.language.is_some_and(|l| l != language) {
                continue;
            }
            let summary = contacts.get(&patient.id).copied().unwrap_or_default();
            if let (Some(after), Some(last)) = (skip_after_ms, summary.last_at_ms)
                && last >= after
            {
                continue;
            }
            let events = self.lock().patient_events(patient.id)?;
            let forecast = assess(engine, birth, patient.details.sex, &events, query.as_of);
            let due: Vec<RecallDue> = forecast
                .groups
                .iter()
                .filter(|g| query.groups.is_empty() || query.groups.contains(&g.group))
                .filter_map(|g| match g.due {
                    DueState::Overdue => Some(RecallDue {
                        group: g.group.clone(),
                        overdue: true,
                        due_since: g.recommended.or(g.earliest),
                    }),
                    DueState::DueNow if !query.overdue_only => Some(RecallDue {
                        group: g.group.clone(),
                        overdue: false,
                        due_since: g.recommended.or(g.earliest),
                    }),
                    _ => None,
                })
                .collect();
            if due.is_empty() {
                continue;
            }
            out.push(RecallEntry {
                age_months: age_in_months(birth, query.as_of),
                language,
                due,
                suggested: if summary.letters > 0 && summary.calls == 0 {
                    ContactMethod::Call
                } else {
                    ContactMethod::Letter
                },
                contacts: summary,
                patient,
            });
        }
        let detail = format!("as_of={} families={}", query.as_of, out.len());
        self.lock().write(&session.actor(), self.now(), |w| {
            w.audit("recall_list", "cohort", "recall", &detail)
        })?;
        Ok(out)
    }

    /// The reminder letters, one page per family in its language.
    pub fn recall_letters(
        &self,
        session: &Session,
        entries: &[RecallEntry],
        as_of: NaiveDate,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<u8>, DocumentError> {
        self.authorize(session, Permission::ViewPatients)?;
        let engine = engine()?;
        let clinic_name = self.clinic_name()?;
        let letters: Vec<RecallLetter> = entries
            .iter()
            .map(|entry| {
                let lang = entry.language;
                let birth = entry.patient.details.birth_date.unwrap_or(as_of);
                let events = self.lock().patient_events(entry.patient.id)?;
                let mut forecast = assess(engine, birth, entry.patient.details.sex, &events, as_of);
                forecast
                    .groups
                    .retain(|g| entry.due.iter().any(|d| d.group == g.group));
                let due = due_lines(&forecast, lang);
                Ok(RecallLetter {
                    lang,
                    clinic: letterhead(&clinic_name),
                    address_block: address_block(&entry.patient, lang),
                    child: child_of(&entry.patient, birth),
                    due,
                    date: as_of,
                })
            })
            .collect::<Result<_, ClinicError>>()?;
        Ok(salal_print::recall_letters_pdf(&letters, progress)?)
    }

    /// Avery 5160 mailing labels for the families.
    pub fn recall_labels(
        &self,
        session: &Session,
        entries: &[RecallEntry],
    ) -> Result<Vec<u8>, DocumentError> {
        self.authorize(session, Permission::ViewPatients)?;
        let labels: Vec<MailingLabel> = entries
            .iter()
            .map(|e| MailingLabel {
                lines: address_block(&e.patient, e.language),
            })
            .collect();
        Ok(salal_print::mailing_labels_pdf(&labels)?)
    }

    /// Records that these families were contacted (a letter printed, a call made).
    /// Each contact's id is chosen by the caller, so recording again changes nothing.
    pub fn record_contacts(
        &self,
        session: &Session,
        contacts: &[NewContact],
    ) -> Result<usize, ClinicError> {
        self.authorize(session, Permission::EditPatients)?;
        let at_ms = self.now().timestamp_millis();
        let username = session.username().to_owned();
        let mut saved = 0;
        self.lock().write(&session.actor(), self.now(), |w| {
            for c in contacts {
                if w.record_contact(&Contact {
                    id: c.id,
                    patient_id: c.patient_id,
                    at_ms,
                    method: c.method,
                    outcome: c.outcome.clone(),
                    groups: c.groups.join(","),
                    username: username.clone(),
                })? {
                    saved += 1;
                }
            }
            Ok::<_, salal_store::StoreError>(())
        })?;
        Ok(saved)
    }

    /// A patient's contacts, oldest first.
    pub fn patient_contacts(
        &self,
        session: &Session,
        id: PatientId,
    ) -> Result<Vec<Contact>, ClinicError> {
        self.authorize(session, Permission::ViewPatients)?;
        Ok(self.lock().contacts(id)?)
    }
}

/// "Parent or guardian of <child>" (or the guardian's name), then the address.
fn address_block(patient: &Patient, lang: Lang) -> Vec<String> {
    let guardian = patient.details.guardian_name.trim();
    let mut lines = vec![if guardian.is_empty() {
        tr_args(
            lang,
            "doc.recall.parent_of",
            &[("name", full_name(patient))],
        )
    } else {
        guardian.to_owned()
    }];
    lines.extend(address_lines(patient));
    lines
}

/// The CSV of a recall list: a header row, then one family per row.
#[must_use]
pub fn recall_csv(entries: &[RecallEntry]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "patient_id",
        "last_name",
        "second_last_name",
        "first_name",
        "birth_date",
        "age_months",
        "language",
        "guardian",
        "address",
        "city",
        "state",
        "postal_code",
        "phone",
        "overdue",
        "due",
        "letters_sent",
        "calls_made",
        "last_contact",
        "suggested_contact",
    ]);
    for e in entries {
        let d = &e.patient.details;
        let groups = |overdue: bool| {
            e.due
                .iter()
                .filter(|g| g.overdue == overdue)
                .map(|g| g.group.as_str())
                .collect::<Vec<_>>()
                .join(";")
        };
        let last = e
            .contacts
            .last_at_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        let _ = w.write_record([
            e.patient.id.to_string(),
            d.last_name.clone(),
            d.second_last_name.clone(),
            d.first_name.clone(),
            d.birth_date.map(|b| b.to_string()).unwrap_or_default(),
            e.age_months.to_string(),
            e.language.code().to_owned(),
            d.guardian_name.clone(),
            d.address_line.clone(),
            d.city.clone(),
            d.state.clone(),
            d.postal_code.clone(),
            d.phone.clone(),
            groups(true),
            groups(false),
            e.contacts.letters.to_string(),
            e.contacts.calls.to_string(),
            last,
            e.suggested.code().to_owned(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
