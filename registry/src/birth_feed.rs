//! The birth-record feed: `salal-registry birth-feed import FILE`.
//!
//! Vital records send every birth as one row of a delimited file (layout:
//! `assets/birth-feed/LAYOUT.md`; a header row names the columns, `|` or `,`
//! between them). [`read_feed`] reads the rows (pure: a row that cannot be
//! read becomes a [`RowError`] with its row number, never a panic) and
//! [`import`] applies them, in transactions of [`BATCH_ROWS`] rows, through
//! the same path as a clinic's push (`push::apply`): the child is matched
//! like any new patient, twins are never merged, doses are de-duplicated and
//! an opted-out child gets nothing.
//!
//! The birth-certificate number is the feed's identity for a child. Every id
//! is derived from it ([`crate::records::derived_id`]): the patient's, the
//! hepatitis B birth dose's and each change's op id, so importing a file
//! again changes nothing. Before writing, each row looks up the records that
//! share its certificate (or its derived id): when the matcher says they are
//! one child, the row updates that record, filling only the fields it lacks
//! (a clinic's newer address is not overwritten by the birth address).
//! Otherwise a new record is created, owned by the "Vital records"
//! organization (made on first use), and the push's matching merges it,
//! queues it for review or leaves it.
//!
//! Plurality, birth order, the mother's first name and the birth facility
//! have no field on the wire; they are kept as vital records' private fields
//! of the record, which matching reads (birth order tells twins apart) and
//! which never leave the registry.

use crate::auth::Device;
use crate::error::{ApiError, RegistryError};
use crate::matching::{self, match_record};
use crate::records::{derived_id, lock_seq, now_ms, stamps_json};
use chrono::{Datelike, NaiveDate};
use salal_core::hlc::Stamp;
use salal_matching::{Decision, MatchRecord};
use salal_sync::fields::PATIENT_ID;
use salal_sync::wire::{Change, ChangeKind, Entity, Fields, Outcome};
use serde_json::{Map, Value};
use sqlx_core::query::query;
use sqlx_postgres::{PgConnection, PgPool};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use uuid::Uuid;

/// Rows applied per transaction.
pub const BATCH_ROWS: usize = 1000;

/// The namespace every id of the feed is derived in.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x5a1a_b1e7_0000_4000_8000_0000_0000_0001);

/// The `settings` key of the vital records organization's id.
const ORG_SETTING: &str = "vital_records_org";

/// The name the vital records organization is made with.
pub const ORG_NAME: &str = "Vital records";

/// The hepatitis B vaccine code used when the row gives none (CVX 08,
/// hepatitis B, pediatric or adolescent).
pub const DEFAULT_HEPB_CVX: &str = "08";

/// One child's birth, as the feed reports it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct BirthRecord {
    /// The row number (the file's line number; the header is row 1).
    pub row: usize,
    /// State birth-certificate number.
    pub certificate: String,
    /// Child's given name.
    pub first_name: String,
    /// Child's middle name.
    pub middle_name: String,
    /// Child's first surname.
    pub last_name: String,
    /// Child's second surname.
    pub second_last_name: String,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Time of birth as given (`HH:MM`), when given.
    pub birth_time: String,
    /// `F`, `M`, `X` or `U`.
    pub sex: String,
    /// How many children this birth had (1 for a single birth).
    pub plurality: u8,
    /// This child's place in the birth (1 for a single birth).
    pub birth_order: u8,
    /// Mother's given name.
    pub mother_first_name: String,
    /// Mother's maiden surname.
    pub mother_maiden_name: String,
    /// Mother's current surname.
    pub mother_last_name: String,
    /// Parents' street address.
    pub address_line: String,
    /// City.
    pub city: String,
    /// State (two letters).
    pub state: String,
    /// ZIP code.
    pub postal_code: String,
    /// Parents' phone.
    pub phone: String,
    /// Where the child was born.
    pub birth_facility: String,
    /// The hepatitis B birth dose, when given: its date and CVX code.
    pub hepb: Option<(NaiveDate, String)>,
}

impl fmt::Debug for BirthRecord {
    /// Only the row and the certificate: never names, dates or addresses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BirthRecord")
            .field("row", &self.row)
            .field("certificate", &self.certificate)
            .finish_non_exhaustive()
    }
}

/// Why a row of the feed was not imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowErrorKind {
    /// The certificate number is empty.
    #[error("no birth certificate number (column certificate_number)")]
    MissingCertificate,
    /// A required column is empty.
    #[error("{0} is empty")]
    Missing(&'static str),
    /// A date that is not a date, or not a possible one.
    #[error(
        "{column} '{value}' is not a possible date (expected YYYY-MM-DD or YYYYMMDD, not in the future)"
    )]
    BadDate {
        /// The column.
        column: &'static str,
        /// What the row says.
        value: String,
    },
    /// The sex code is not one of F, M, X, U.
    #[error("sex '{0}' is not a sex code (expected F, M, X or U)")]
    BadSex(String),
    /// A number column that is not a small number.
    #[error("{column} '{value}' is not a number from 1 to 9")]
    BadNumber {
        /// The column.
        column: &'static str,
        /// What the row says.
        value: String,
    },
    /// Birth order larger than plurality.
    #[error("birth order {order} is larger than plurality {plurality}")]
    BadBirthOrder {
        /// Birth order.
        order: u8,
        /// Plurality.
        plurality: u8,
    },
    /// The hepatitis B column is not Y or N.
    #[error("hepb_given '{0}' is not Y or N")]
    BadFlag(String),
    /// The hepatitis B dose is dated before the birth.
    #[error("hepb_date {0} is before the birth date")]
    DoseBeforeBirth(NaiveDate),
    /// The row has more or fewer columns than the header.
    #[error("{found} columns where the header has {expected}")]
    ColumnCount {
        /// Columns in the header.
        expected: usize,
        /// Columns in the row.
        found: usize,
    },
    /// The same certificate appears on an earlier row of the file.
    #[error("certificate {certificate} is already on row {first_row}; each child is one row")]
    RepeatedCertificate {
        /// The certificate.
        certificate: String,
        /// Where it first appears.
        first_row: usize,
    },
    /// The registry refused the record.
    #[error("the registry refused the record: {0}")]
    Refused(String),
}

/// A row that was not imported, with its row number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}: {kind}")]
pub struct RowError {
    /// The row number (the file's line number; the header is row 1).
    pub row: usize,
    /// What is wrong.
    pub kind: RowErrorKind,
}

/// Why a feed file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum BirthFeedError {
    /// The file has no header row.
    #[error(
        "the file is empty: the first row must name the columns (see assets/birth-feed/LAYOUT.md)"
    )]
    Empty,
    /// Required columns are absent from the header.
    #[error(
        "the header has no column {0}: name the columns as assets/birth-feed/LAYOUT.md lists them"
    )]
    MissingColumn(&'static str),
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The registry failed.
    #[error("{0}")]
    Registry(#[from] RegistryError),
    /// The database failed while applying a batch.
    #[error("the registry could not apply the feed: {0}")]
    Apply(String),
}

impl From<sqlx_core::Error> for BirthFeedError {
    fn from(e: sqlx_core::Error) -> Self {
        BirthFeedError::Registry(RegistryError::Database(e))
    }
}

impl From<matching::MatchError> for BirthFeedError {
    fn from(e: matching::MatchError) -> Self {
        BirthFeedError::Registry(RegistryError::Matching(e))
    }
}

impl From<ApiError> for BirthFeedError {
    fn from(e: ApiError) -> Self {
        BirthFeedError::Apply(e.body.message_en)
    }
}

/// The columns, as the header names them. Required ones first.
const REQUIRED: &[&str] = &[
    "certificate_number",
    "first_name",
    "last_name",
    "birth_date",
    "sex",
];
const OPTIONAL: &[&str] = &[
    "middle_name",
    "second_last_name",
    "birth_time",
    "plurality",
    "birth_order",
    "mother_first_name",
    "mother_maiden_name",
    "mother_last_name",
    "address_line",
    "city",
    "state",
    "zip",
    "phone",
    "birth_facility",
    "hepb_given",
    "hepb_date",
    "hepb_cvx",
];

/// Splits one line on `delimiter`; with `,`, fields may be quoted (`"a, b"`,
/// `""` for a quote inside).
fn split_line(line: &str, delimiter: char) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if delimiter == ',' && c == '"' {
            if quoted && chars.peek() == Some(&'"') {
                current.push('"');
                chars.next();
            } else {
                quoted = !quoted;
            }
        } else if c == delimiter && !quoted {
            fields.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    fields.push(current);
    fields.into_iter().map(|f| f.trim().to_owned()).collect()
}

fn parse_date(
    column: &'static str,
    value: &str,
    today: NaiveDate,
) -> Result<NaiveDate, RowErrorKind> {
    let bad = || RowErrorKind::BadDate {
        column,
        value: value.to_owned(),
    };
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%Y%m%d"))
        .map_err(|_| bad())?;
    if date > today || date.year() < 1900 {
        return Err(bad());
    }
    Ok(date)
}

fn small_number(column: &'static str, value: &str) -> Result<u8, RowErrorKind> {
    if value.is_empty() {
        return Ok(1);
    }
    value
        .parse::<u8>()
        .ok()
        .filter(|n| (1..=9).contains(n))
        .ok_or_else(|| RowErrorKind::BadNumber {
            column,
            value: value.to_owned(),
        })
}

/// The rows of a feed file, each read or refused. `today` bounds the dates.
pub fn read_feed(
    text: &str,
    today: NaiveDate,
) -> Result<Vec<Result<BirthRecord, RowError>>, BirthFeedError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    let (_, header) = lines
        .by_ref()
        .find(|(_, l)| !l.trim().is_empty())
        .ok_or(BirthFeedError::Empty)?;
    let delimiter = if header.contains('|') { '|' } else { ',' };
    let names: Vec<String> = split_line(header, delimiter)
        .into_iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    let mut columns: HashMap<&'static str, usize> = HashMap::new();
    for name in REQUIRED.iter().chain(OPTIONAL) {
        if let Some(i) = names.iter().position(|n| n == name) {
            columns.insert(name, i);
        }
    }
    if let Some(missing) = REQUIRED.iter().find(|c| !columns.contains_key(*c)) {
        return Err(BirthFeedError::MissingColumn(missing));
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let row = index + 1;
        let values = split_line(line, delimiter);
        let result = if values.len() == names.len() {
            read_row(row, &values, &columns, today)
        } else {
            Err(RowErrorKind::ColumnCount {
                expected: names.len(),
                found: values.len(),
            })
        };
        let result = result.and_then(|record| match seen.get(&record.certificate) {
            Some(first_row) => Err(RowErrorKind::RepeatedCertificate {
                certificate: record.certificate.clone(),
                first_row: *first_row,
            }),
            None => {
                seen.insert(record.certificate.clone(), row);
                Ok(record)
            }
        });
        rows.push(result.map_err(|kind| RowError { row, kind }));
    }
    Ok(rows)
}

fn read_row(
    row: usize,
    values: &[String],
    columns: &HashMap<&'static str, usize>,
    today: NaiveDate,
) -> Result<BirthRecord, RowErrorKind> {
    let get = |name: &str| -> String {
        columns
            .get(name)
            .and_then(|i| values.get(*i))
            .cloned()
            .unwrap_or_default()
    };
    let certificate = get("certificate_number");
    if certificate.is_empty() {
        return Err(RowErrorKind::MissingCertificate);
    }
    let first_name = get("first_name");
    if first_name.is_empty() {
        return Err(RowErrorKind::Missing("first_name"));
    }
    let last_name = get("last_name");
    if last_name.is_empty() {
        return Err(RowErrorKind::Missing("last_name"));
    }
    let birth_text = get("birth_date");
    if birth_text.is_empty() {
        return Err(RowErrorKind::Missing("birth_date"));
    }
    let birth_date = parse_date("birth_date", &birth_text, today)?;
    let sex = get("sex").to_ascii_uppercase();
    if !matches!(sex.as_str(), "F" | "M" | "X" | "U") {
        return Err(RowErrorKind::BadSex(get("sex")));
    }
    let plurality = small_number("plurality", &get("plurality"))?;
    let birth_order = small_number("birth_order", &get("birth_order"))?;
    if birth_order > plurality {
        return Err(RowErrorKind::BadBirthOrder {
            order: birth_order,
            plurality,
        });
    }
    let hepb = match get("hepb_given").to_ascii_uppercase().as_str() {
        "" | "N" => None,
        "Y" => {
            let date_text = get("hepb_date");
            if date_text.is_empty() {
                return Err(RowErrorKind::Missing("hepb_date"));
            }
            let date = parse_date("hepb_date", &date_text, today)?;
            if date < birth_date {
                return Err(RowErrorKind::DoseBeforeBirth(date));
            }
            let cvx = get("hepb_cvx");
            Some((
                date,
                if cvx.is_empty() {
                    DEFAULT_HEPB_CVX.to_owned()
                } else {
                    cvx
                },
            ))
        }
        _ => return Err(RowErrorKind::BadFlag(get("hepb_given"))),
    };
    Ok(BirthRecord {
        row,
        certificate,
        first_name,
        middle_name: get("middle_name"),
        last_name,
        second_last_name: get("second_last_name"),
        birth_date,
        birth_time: get("birth_time"),
        sex,
        plurality,
        birth_order,
        mother_first_name: get("mother_first_name"),
        mother_maiden_name: get("mother_maiden_name"),
        mother_last_name: get("mother_last_name"),
        address_line: get("address_line"),
        city: get("city"),
        state: get("state"),
        postal_code: get("zip"),
        phone: get("phone"),
        birth_facility: get("birth_facility"),
        hepb,
    })
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// New patient records.
    pub added: u64,
    /// Rows that were a child already at the registry (updated, or merged into it).
    pub matched: u64,
    /// New records the matcher put in the review queue (a person decides).
    pub for_review: u64,
    /// Rows not imported, each with its reason.
    pub errors: Vec<RowError>,
}

impl fmt::Display for Summary {
    /// `birth-feed: N added, M matched, K for review, E errors`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "birth-feed: {} added, {} matched, {} for review, {} errors",
            self.added,
            self.matched,
            self.for_review,
            self.errors.len()
        )
    }
}

/// The vital records organization's id, made on first use.
pub async fn vital_records_org(pool: &PgPool) -> Result<Uuid, RegistryError> {
    if let Some(id) = crate::db::setting(pool, ORG_SETTING)
        .await?
        .and_then(|text| Uuid::try_parse(&text).ok())
    {
        return Ok(id);
    }
    let id = crate::orgs::add(pool, ORG_NAME).await?;
    crate::db::set_setting(pool, ORG_SETTING, &id.to_string()).await?;
    Ok(id)
}

/// Reads `path` and imports it (see the module doc).
pub async fn import_file(pool: &PgPool, path: &std::path::Path) -> Result<Summary, BirthFeedError> {
    let bytes = std::fs::read(path).map_err(|source| BirthFeedError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let today = chrono::Utc::now().date_naive();
    let rows = read_feed(&text, today)?;
    import(pool, rows).await
}

/// Imports rows already read, [`BATCH_ROWS`] per transaction.
pub async fn import(
    pool: &PgPool,
    rows: Vec<Result<BirthRecord, RowError>>,
) -> Result<Summary, BirthFeedError> {
    let org = vital_records_org(pool).await?;
    let device = Device {
        id: derived_id(NAMESPACE, "device"),
        org,
    };
    let mut summary = Summary::default();
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    for row in rows {
        match row {
            Ok(record) => batch.push(record),
            Err(e) => summary.errors.push(e),
        }
        if batch.len() == BATCH_ROWS {
            import_batch(pool, device, &batch, &mut summary).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        import_batch(pool, device, &batch, &mut summary).await?;
    }
    summary.errors.sort_by_key(|e| e.row);
    Ok(summary)
}

/// The id a child of this certificate is created under.
#[must_use]
pub fn patient_id(certificate: &str) -> Uuid {
    derived_id(NAMESPACE, &format!("patient:{}", certificate.trim()))
}

/// The id of the hepatitis B birth dose of this certificate.
#[must_use]
pub fn hepb_dose_id(certificate: &str) -> Uuid {
    derived_id(NAMESPACE, &format!("hepb:{}", certificate.trim()))
}

fn put(fields: &mut Fields, key: &str, value: &str) {
    if !value.is_empty() {
        fields.insert(key.to_owned(), Value::String(value.to_owned()));
    }
}

/// The patient fields the wire carries.
fn shared_fields(record: &BirthRecord) -> Fields {
    let mut f = Map::new();
    put(&mut f, "first_name", &record.first_name);
    put(&mut f, "middle_name", &record.middle_name);
    put(&mut f, "last_name", &record.last_name);
    put(&mut f, "second_last_name", &record.second_last_name);
    put(&mut f, "birth_date", &record.birth_date.to_string());
    put(&mut f, "sex", &record.sex);
    put(&mut f, "birth_certificate_number", &record.certificate);
    put(&mut f, "mother_maiden_name", &record.mother_maiden_name);
    let mother = [
        record.mother_first_name.as_str(),
        record.mother_last_name.as_str(),
    ]
    .join(" ")
    .trim()
    .to_owned();
    if !mother.is_empty() {
        put(&mut f, "guardian_name", &mother);
        put(&mut f, "guardian_relationship", "mother");
    }
    put(&mut f, "phone", &record.phone);
    put(&mut f, "address_line", &record.address_line);
    put(&mut f, "city", &record.city);
    put(&mut f, "state", &record.state);
    put(&mut f, "postal_code", &record.postal_code);
    f
}

/// Vital records' own fields of the record (no wire field for them).
fn vital_fields(record: &BirthRecord) -> Fields {
    let mut f = Map::new();
    f.insert(
        "multiple_birth_order".to_owned(),
        Value::from(record.birth_order),
    );
    f.insert("plurality".to_owned(), Value::from(record.plurality));
    put(&mut f, "mother_first_name", &record.mother_first_name);
    put(&mut f, "birth_facility", &record.birth_facility);
    put(&mut f, "birth_time", &record.birth_time);
    f
}

fn new_match_record(record: &BirthRecord) -> MatchRecord {
    let mut fields = shared_fields(record);
    fields.extend(vital_fields(record));
    match_record(patient_id(&record.certificate), &fields)
}

/// A change whose op id is derived from its content: the same change again
/// is a duplicate, never applied twice.
fn change(entity: Entity, id: Uuid, kind: ChangeKind, hlc: Stamp, fields: Fields) -> Change {
    crate::records::derived_change(NAMESPACE, entity, id, kind, hlc, fields)
}

/// What one row becomes.
enum Target {
    /// A record already here (its current fields).
    Existing(Uuid),
    /// A new record under the row's derived id.
    New(Uuid),
}

async fn import_batch(
    pool: &PgPool,
    device: Device,
    batch: &[BirthRecord],
    summary: &mut Summary,
) -> Result<(), BirthFeedError> {
    let mut tx = pool.begin().await?;
    lock_seq(&mut tx).await?;
    let outcome = apply_batch(&mut tx, device, batch).await?;
    tx.commit().await?;
    summary.added += outcome.added;
    summary.matched += outcome.matched;
    summary.for_review += outcome.for_review;
    summary.errors.extend(outcome.errors);
    Ok(())
}

async fn apply_batch(
    conn: &mut PgConnection,
    device: Device,
    batch: &[BirthRecord],
) -> Result<Summary, BirthFeedError> {
    let hlc = Stamp {
        wall_ms: now_ms(),
        counter: 0,
        replica: 0,
    };
    // Identifiers first: the records that share the certificate (or the
    // derived id of an earlier import) and that the matcher calls the same child.
    let records: Vec<MatchRecord> = batch.iter().map(new_match_record).collect();
    let found = matching::find_matches(conn, &records, true).await?;
    let existing_ids: Vec<Uuid> = found
        .iter()
        .filter_map(|f| match f {
            Some((id, Decision::Merge)) => Some(*id),
            _ => None,
        })
        .collect();
    let mut current = matching::patient_fields(conn, &existing_ids).await?;
    for (id, own) in crate::private::own_patient_fields(conn, device.org, &existing_ids).await? {
        if let Some(fields) = current.get_mut(&id) {
            fields.extend(own);
        }
    }
    let mut targets = Vec::with_capacity(batch.len());
    for (record, found) in batch.iter().zip(&found) {
        targets.push(match found {
            Some((id, Decision::Merge)) => Target::Existing(*id),
            _ => Target::New(patient_id(&record.certificate)),
        });
    }

    let mut changes: Vec<Change> = Vec::new();
    // For each row: the indexes of its changes.
    let mut row_changes: Vec<Vec<usize>> = Vec::with_capacity(batch.len());
    let mut related: Vec<Uuid> = Vec::new();
    let mut vital_rows: Vec<(Uuid, Fields)> = Vec::new();
    for (record, target) in batch.iter().zip(&targets) {
        let mut mine = Vec::new();
        let (patient, opted_out) = match target {
            Target::Existing(id) => {
                let fields = current.get(id);
                let opted_out = fields.is_some_and(crate::optout::is_opted_out);
                // Only what the record lacks; an opted-out child gets nothing.
                let missing: Fields = if opted_out {
                    Map::new()
                } else {
                    shared_fields(record)
                        .into_iter()
                        .filter(|(k, _)| {
                            fields
                                .and_then(|f| f.get(k))
                                .is_none_or(salal_sync::fields::is_empty)
                        })
                        .collect()
                };
                if !missing.is_empty() {
                    mine.push(changes.len());
                    changes.push(change(
                        Entity::Patient,
                        *id,
                        ChangeKind::Update,
                        hlc,
                        missing,
                    ));
                }
                related.push(*id);
                (*id, opted_out)
            }
            Target::New(id) => {
                mine.push(changes.len());
                changes.push(change(
                    Entity::Patient,
                    *id,
                    ChangeKind::Create,
                    hlc,
                    shared_fields(record),
                ));
                (*id, false)
            }
        };
        if !opted_out {
            vital_rows.push((patient, vital_fields(record)));
        }
        if let (Some((date, cvx)), false) = (&record.hepb, opted_out) {
            let mut f = Map::new();
            put(&mut f, PATIENT_ID, &patient.to_string());
            put(&mut f, "kind", "historical");
            put(&mut f, "cvx", cvx);
            put(&mut f, "date", &date.to_string());
            put(&mut f, "information_source", "01");
            put(&mut f, "recorded_by", ORG_NAME);
            mine.push(changes.len());
            changes.push(change(
                Entity::Dose,
                hepb_dose_id(&record.certificate),
                ChangeKind::Create,
                hlc,
                f,
            ));
        }
        row_changes.push(mine);
    }
    // The feed knows the child: its updates are permitted like a clinic's.
    query(
        "INSERT INTO patient_orgs (patient_id, org_id)
         SELECT p, $2 FROM unnest($1::uuid[]) AS t(p) ON CONFLICT DO NOTHING",
    )
    .bind(related)
    .bind(device.org)
    .execute(&mut *conn)
    .await?;
    store_vital_fields(conn, device.org, &vital_rows, hlc).await?;
    let applied = if changes.is_empty() {
        Vec::new()
    } else {
        crate::push::apply(conn, device, &changes).await?.results
    };

    let created: Vec<Uuid> = targets
        .iter()
        .filter_map(|t| match t {
            Target::New(id) => Some(*id),
            Target::Existing(_) => None,
        })
        .collect();
    let merged: HashSet<Uuid> = matching::survivors(conn, &created)
        .await?
        .into_keys()
        .collect();
    let queued: HashSet<Uuid> = sqlx_core::query_scalar::query_scalar::<_, Uuid>(
        "SELECT p FROM unnest($1::uuid[]) AS t(p)
         WHERE EXISTS (SELECT 1 FROM match_reviews m WHERE m.status = 'open'
                        AND (m.patient_a = p OR m.patient_b = p))",
    )
    .bind(created)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();

    let mut out = Summary::default();
    for ((record, target), mine) in batch.iter().zip(&targets).zip(&row_changes) {
        let refused = mine
            .iter()
            .find_map(|i| match applied.get(*i).map(|r| &r.outcome) {
                Some(Outcome::Rejected { message_en, .. }) => Some(message_en.clone()),
                _ => None,
            });
        if let Some(reason) = refused {
            out.errors.push(RowError {
                row: record.row,
                kind: RowErrorKind::Refused(reason),
            });
            continue;
        }
        match target {
            Target::Existing(_) => out.matched += 1,
            Target::New(id) if merged.contains(id) => out.matched += 1,
            Target::New(id) if queued.contains(id) => out.for_review += 1,
            Target::New(_) => out.added += 1,
        }
    }
    Ok(out)
}

/// Writes vital records' own fields of each record (before the push, so
/// matching reads the birth order of the records it creates).
async fn store_vital_fields(
    conn: &mut PgConnection,
    org: Uuid,
    rows: &[(Uuid, Fields)],
    hlc: Stamp,
) -> Result<(), sqlx_core::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(rows.len());
    let mut fields = Vec::with_capacity(rows.len());
    let mut stamps = Vec::with_capacity(rows.len());
    for (id, f) in rows {
        ids.push(*id);
        let stamp_map: BTreeMap<String, Stamp> = f.keys().map(|k| (k.clone(), hlc)).collect();
        fields.push(Value::Object(f.clone()).to_string());
        stamps.push(stamps_json(&stamp_map).to_string());
    }
    // Values already there stay as they are (their stamps too), so a
    // re-import changes nothing.
    query(
        "INSERT INTO private_fields (entity, record_id, org_id, fields, stamps)
         SELECT 'patient', i, $4, f::jsonb, s::jsonb
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(i, f, s)
         ON CONFLICT (entity, record_id, org_id) DO UPDATE
           SET fields = EXCLUDED.fields || private_fields.fields,
               stamps = EXCLUDED.stamps || private_fields.stamps",
    )
    .bind(ids)
    .bind(fields)
    .bind(stamps)
    .bind(org)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default()
    }

    fn kinds(text: &str) -> Vec<Result<String, RowErrorKind>> {
        read_feed(text, today())
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.map(|b| b.certificate).map_err(|e| e.kind))
            .collect()
    }

    #[test]
    fn rows_are_read_or_refused_with_a_reason() {
        let text = "certificate_number|first_name|last_name|birth_date|sex|hepb_given|hepb_date\n\
                    A1|Ana|Ruiz|2025-01-02|F|Y|20250102\n\
                    |Ana|Ruiz|2025-01-02|F|N|\n\
                    A3|Ana|Ruiz|2025-02-30|F|N|\n\
                    A4|Ana|Ruiz|2025-01-02|Q|N|\n\
                    A5|Ana|Ruiz|2025-01-02|F|Y|2024-12-31\n\
                    A1|Ana|Ruiz|2025-01-02|F|N|\n\
                    A7|Ana\n";
        let rows = kinds(text);
        assert_eq!(rows[0], Ok("A1".to_owned()));
        assert_eq!(rows[1], Err(RowErrorKind::MissingCertificate));
        assert!(matches!(rows[2], Err(RowErrorKind::BadDate { .. })));
        assert_eq!(rows[3], Err(RowErrorKind::BadSex("Q".to_owned())));
        assert!(matches!(rows[4], Err(RowErrorKind::DoseBeforeBirth(_))));
        assert!(matches!(
            rows[5],
            Err(RowErrorKind::RepeatedCertificate { first_row: 2, .. })
        ));
        assert!(matches!(rows[6], Err(RowErrorKind::ColumnCount { .. })));
    }

    #[test]
    fn comma_files_may_quote() {
        let text = "certificate_number,first_name,last_name,birth_date,sex,address_line\n\
                    B1,Ana,Ruiz,20250102,f,\"12 Main St, Apt 3\"\n";
        let rows = read_feed(text, today()).unwrap_or_default();
        let Some(Ok(row)) = rows.first() else {
            panic!("{rows:?}");
        };
        assert_eq!(row.address_line, "12 Main St, Apt 3");
        assert_eq!(row.sex, "F");
    }

    #[test]
    fn a_header_without_required_columns_is_refused() {
        assert!(matches!(
            read_feed("first_name|last_name\nA|B\n", today()),
            Err(BirthFeedError::MissingColumn("certificate_number"))
        ));
        assert!(matches!(read_feed("", today()), Err(BirthFeedError::Empty)));
    }

    #[test]
    fn any_bytes_read_without_panic() {
        let header = "certificate_number|first_name|last_name|birth_date|sex\n";
        for tail in [
            "\u{0}|\u{ffff}|||",
            "\"|\"\"|",
            "1|2|3|4|5|6|7",
            "x|y|z|99999999|M",
        ] {
            let _ = read_feed(&format!("{header}{tail}\n"), today());
        }
    }
}
