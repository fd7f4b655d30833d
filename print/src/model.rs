//! What each printed document shows: plain data, already chosen and ordered by
//! the caller (`salal-clinic`); this crate only lays it out. Labels come from
//! the translation catalogs (`assets/i18n/<lang>/print.json`).

use chrono::{NaiveDate, NaiveDateTime};
use salal_core::i18n::Lang;
use salal_core::patient::Sex;
use serde::Serialize;

/// The clinic that prints the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Letterhead {
    /// The clinic's name.
    pub clinic_name: String,
    /// Address and phone lines, in print order (may be empty).
    pub lines: Vec<String>,
}

/// A child's name as the CIS asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PersonName {
    /// Given name.
    pub first: String,
    /// Middle name(s).
    pub middle: String,
    /// First surname.
    pub last: String,
    /// Second surname (may be empty).
    pub second_last: String,
}

/// Who the document is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Child {
    /// Name.
    pub name: PersonName,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Sex.
    pub sex: Sex,
}

/// Whether the registry has confirmed what is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RegistryStamp {
    /// "Registry data as of <time>": the last sync that confirmed this patient (local time).
    ConfirmedAt(NaiveDateTime),
    /// "Not yet confirmed by the registry".
    NotConfirmed,
}

/// A school / child-care compliance status, as WAC 246-105-050 names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ComplianceStatus {
    /// Complete (fully immunized) for the rule.
    Complete,
    /// Conditional: catching up within the conditional period.
    Conditional,
    /// Exempt.
    Exempt,
    /// Out of compliance.
    OutOfCompliance,
}

/// Which settings require a CIS row (the form's two legend symbols).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Requirement {
    /// Required for school and child care / preschool.
    SchoolAndChildCare,
    /// Required for child care / preschool only.
    ChildCareOnly,
    /// Not required for either.
    NotRequired,
}

/// One vaccine row of the CIS grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CisRow {
    /// Translation key of the row label (e.g. `print.cis.row.hepb`).
    pub label_key: String,
    /// How many dose columns the form gives this row.
    pub columns: usize,
    /// Dose dates, oldest first; more than `columns` are all printed (the row grows).
    pub doses: Vec<NaiveDate>,
    /// Those of `doses` known only to their month (a card without the day):
    /// printed as month and year.
    pub month_only: Vec<NaiveDate>,
    /// Which settings require it.
    pub requirement: Requirement,
    /// The row's status under the child's school / child-care rule, if it is required.
    pub status: Option<ComplianceStatus>,
}

/// The overall status for one setting (school, child care).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingStatus {
    /// Already translated label, e.g. "School, grades K–6 (grade from age)".
    pub setting: String,
    /// The status.
    pub status: ComplianceStatus,
    /// Already translated notes (e.g. "Rule for this grade is not confirmed by DOH sources").
    pub notes: Vec<String>,
}

/// Certificate of Immunization Status (DOH 348-013 layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cis {
    /// Language of the labels.
    pub lang: Lang,
    /// Issuing clinic.
    pub clinic: Letterhead,
    /// The child.
    pub child: Child,
    /// Vaccine rows in form order.
    pub rows: Vec<CisRow>,
    /// Varicella disease history line, already translated (None: no history recorded).
    pub varicella_history: Option<String>,
    /// Status per setting.
    pub statuses: Vec<SettingStatus>,
    /// Registry confirmation stamp.
    pub stamp: RegistryStamp,
    /// When it was printed (local time).
    pub issued_at: NaiveDateTime,
    /// Text of the verifiable QR code.
    pub qr: String,
}

/// One dose on the immunization record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordDose {
    /// Vaccine name (CDC short description or trade name).
    pub vaccine: String,
    /// Date given.
    pub date: NaiveDate,
    /// Whether only the month and year are known (printed so).
    pub month_only: bool,
    /// Lot number (may be empty).
    pub lot: String,
    /// Who gave it (may be empty).
    pub provider: String,
    /// Where it was given, already translated (this clinic, or "elsewhere: <source>").
    pub place: String,
}

/// When the next dose of a vaccine group is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DueWhen {
    /// Past due.
    Overdue(NaiveDate),
    /// May and should be given now.
    Now,
    /// Due on this date.
    On(NaiveDate),
}

/// One "due next" line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueLine {
    /// Vaccine group, already translated.
    pub vaccine: String,
    /// Dose number, if known.
    pub dose_number: Option<u32>,
    /// When.
    pub when: DueWhen,
}

/// The immunization record: every dose, what is due next, and a family card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImmunizationRecord {
    /// Language.
    pub lang: Lang,
    /// Issuing clinic.
    pub clinic: Letterhead,
    /// The patient.
    pub child: Child,
    /// Doses, oldest first (entered-in-error ones left out by the caller).
    pub doses: Vec<RecordDose>,
    /// Due next, most urgent first.
    pub due: Vec<DueLine>,
    /// Registry stamp.
    pub stamp: RegistryStamp,
    /// When printed.
    pub issued_at: NaiveDateTime,
    /// Verifiable QR text.
    pub qr: String,
}

/// Which consent form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConsentKind {
    /// Declining participation in the state immunization registry.
    RegistryDecline,
    /// Declining Child Profile health-promotion mailings.
    MailingsDecline,
}

/// A consent form, pre-filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentForm {
    /// Language.
    pub lang: Lang,
    /// Which form.
    pub kind: ConsentKind,
    /// Clinic.
    pub clinic: Letterhead,
    /// The patient.
    pub child: Child,
    /// Parent / guardian name (may be empty: a blank line prints).
    pub guardian: String,
    /// Mailing address lines (may be empty).
    pub address: Vec<String>,
    /// Date the form is printed.
    pub date: NaiveDate,
}

/// One reminder / recall letter (one page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecallLetter {
    /// The family's language.
    pub lang: Lang,
    /// Clinic.
    pub clinic: Letterhead,
    /// Addressee ("Parent or guardian of …" when no guardian name is known), then address lines.
    pub address_block: Vec<String>,
    /// The child.
    pub child: Child,
    /// What is due or overdue.
    pub due: Vec<DueLine>,
    /// Letter date.
    pub date: NaiveDate,
}

/// One mailing label: up to five lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailingLabel {
    /// Lines, top to bottom.
    pub lines: Vec<String>,
}

/// One column of a [`TableReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportColumn {
    /// Heading, already translated.
    pub heading: String,
    /// Width, mm. When the columns together are wider than the page they are
    /// scaled down in proportion; zero, negative or not a number: 25 mm.
    pub width_mm: f32,
    /// Right-align the heading and cells (numbers).
    pub right_aligned: bool,
}

/// A tabular report (doses administered, stock on hand and expiring,
/// reconciliation history, wastage): every text already translated and
/// formatted by the caller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableReport {
    /// Title, repeated on every page.
    pub title: String,
    /// Lines under the title on the first page (clinic, period, filters).
    pub subtitle: Vec<String>,
    /// Columns, left to right.
    pub columns: Vec<ReportColumn>,
    /// Cells of each row, one per column (missing cells print empty, extra ones not at all).
    pub rows: Vec<Vec<String>>,
    /// The totals row, printed in bold after the last row.
    pub totals: Option<Vec<String>>,
    /// Footer of every page, beside the page number (e.g. when and by whom it was printed).
    pub footer: String,
}
