//! Queries from HL7 partners (QBP^Q11), answered with RSP^K11 per the CDC IIS
//! Implementation Guide Release 1.5.
//!
//! [`crate::hl7_in::process`] hands every QBP here ([`answer`]); the answer is
//! logged in `hl7_messages` like a VXU's ACK, and a resent query (same MSH-10
//! and bytes) gets the stored answer again.
//!
//! - **Finding the patient**: QPD-3..QPD-11 become a [`MatchRecord`] (PID-3
//!   identifiers: `SR` the registry's own patient number as its RSPs give it
//!   (`hl7_patient_numbers`: PID-3.1 holds 15 characters, a record id 36), `MR` the
//!   partner's chart number, `BC` the birth certificate; names, birth date,
//!   sex, mother's names, address, phone, birth order) and go through the
//!   registry's own matcher ([`crate::matching::candidates`]).
//! - **Z34** (request immunization history): one record the matcher would
//!   merge with → Z32, the patient and every dose from every provider (not
//!   entered in error, not a duplicate report). Records that only reach the
//!   review threshold → Z31, the candidates (names, birth date, sex, mother's
//!   names and the registry id to ask again with), never their doses, when
//!   there are no more than RCP-2 asks (10 when RCP-2 is empty, and never more
//!   than [`MAX_CANDIDATES`]); more → Z33 `TM`. Nobody → Z33 `NF`.
//! - **Z44** (evaluated history and forecast): as Z34, but one match is
//!   answered with Z42: the history, each dose's CDSi evaluation per vaccine
//!   group, and the forecast of every vaccine group, from the project's CDSi
//!   engine (`salal-forecast`) run on the registry's record as of today.
//! - **Visibility**: a patient whose family declined registry participation
//!   is answered with Z33 `PD` (protected data) and never listed as a
//!   candidate; fields private to an organization ([`crate::private`]) are
//!   laid over the record only for the asking partner's own values.
//! - **Conformance**: every RSP is checked with [`salal_hl7::check`] before it
//!   goes out; one that would be rejected is replaced by a Z33 `AE` saying so.
//!   A query rejected by the check is answered with Z33 `AR` or `AE` and its
//!   problems in ERR.
//!
//! Every answer that names a patient is audited (`hl7_query`, the partner's
//! organization and the patient).

use crate::hl7_in::{APPLICATION, Answer, FACILITY, SubmitError};
use crate::matching::{self, Candidate};
use crate::private::{OVERLAY, OVERLAY_JOIN};
use crate::records::derived_id;
use chrono::NaiveDate;
use salal_core::event::{Event, EventKind};
use salal_core::ids::EventId;
use salal_core::patient::Sex;
use salal_forecast::{
    AdministeredDose, Assessment, Engine, EvaluationStatus, Gender, PatientInput,
    PatientObservation, SeriesStatus, SupportingData,
};
use salal_hl7::model::{
    DoseEvaluation, EntityId, EvaluatedDose, IdentifierType, MessageHeader, MultipleBirth,
    NoRecordsReason, PatientIdentifier, PatientRecord, Query, QueryResponse, Recommendation,
    VaccinationGroup,
};
use salal_hl7::{
    AckCode, ErrorCode, Location, Message, Outcome, Parsed, Problem, Profile, Rejects, ack_code,
    build_rsp, check, check_parsed, read_query,
};
use salal_matching::{Decision, MatchRecord, MedicalRecordNumber};
use salal_sync::fields::{DUPLICATE_OF, ENTERED_IN_ERROR, dose_from_fields, patient_from_fields};
use serde_json::{Map, Value};
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::PgConnection;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use uuid::Uuid;

/// The most candidates a Z31 lists, whatever RCP-2 asks.
pub const MAX_CANDIDATES: u32 = 10;

/// RCP-2 when the query leaves it empty.
pub const DEFAULT_QUANTITY: u32 = 10;

/// CX-4 of the registry's own patient id in the RSPs it sends (CX-5 `SR`).
pub const REGISTRY_AUTHORITY: &str = "SALAL";

/// The CDC's CVX → vaccine group table (`cvx_code, short_description,
/// cvx_status, vaccine_group_name, vaccine_group_cvx`), read at build time
/// from the shared code sets as `salal-core` reads its own.
const CVX_VACCINE_GROUP: &str = include_str!("../../../shared/codesets/cdc/cvx_vaccine_group.csv");

/// LOINC answer list LL940-8, the answers of 59783-1 "Status in immunization
/// series" the IG uses: (code, display).
const SERIES_COMPLETE: (&str, &str) = ("LA13421-5", "Complete");
const SERIES_ON_SCHEDULE: (&str, &str) = ("LA13422-3", "On schedule");
const SERIES_OVERDUE: (&str, &str) = ("LA13423-1", "Overdue");
const SERIES_TOO_OLD: (&str, &str) = ("LA13424-9", "Too old");
const SERIES_IMMUNE: (&str, &str) = ("LA27183-5", "Immune");
const SERIES_CONTRAINDICATED: (&str, &str) = ("LA4216-3", "Contraindicated");
const SERIES_NOT_RECOMMENDED: (&str, &str) = ("LA4695-8", "Not Recommended");

/// Whether `message` is a query this module answers (QBP^Q11).
#[must_use]
pub fn is_query(message: &Message) -> bool {
    message.message_type().code == "QBP"
}

/// The CDSi engine, built once from the supporting data embedded in `salal-forecast`.
fn engine() -> Result<&'static Engine, SubmitError> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            SupportingData::embedded()
                .map(|data| Engine::new(&data))
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| SubmitError::Apply(format!("the CDC supporting data cannot be read: {e}")))
}

/// Answers one query from `partner` inside the caller's transaction and logs
/// it (`replay_of` names the logged message a replay processes again).
pub(crate) async fn answer(
    conn: &mut PgConnection,
    partner: Uuid,
    parsed: &Parsed,
    raw: &str,
    replay_of: Option<i64>,
) -> Result<Answer, SubmitError> {
    let message = &parsed.message;
    let control_id = message.control_id().to_owned();
    let raw_hash = crate::secrets::secret_hash(raw);
    let header = response_header(message, partner, &control_id, &raw_hash, replay_of);
    let report = check_parsed(parsed);
    let mut problems = report.problems.clone();
    let (query, response) = if report.outcome == Outcome::Rejected {
        let query = read_query(message).unwrap_or_default();
        (
            query,
            QueryResponse::NoRecords(NoRecordsReason::QueryError(problems.clone())),
        )
    } else {
        match read_query(message) {
            Ok(query) => {
                let response = respond(conn, partner, &query, &mut problems).await?;
                (query, response)
            }
            Err(e) => {
                let problem = Problem::error(
                    ErrorCode::UnsupportedMessageType,
                    Some(Location::missing_segment("MSH").with_field(9)),
                    Rejects::Message,
                    format!("{e}; send a QBP^Q11 with QPD-1 Z34 or Z44"),
                );
                problems.push(problem);
                (
                    Query::default(),
                    QueryResponse::NoRecords(NoRecordsReason::QueryError(problems.clone())),
                )
            }
        }
    };
    let mut rsp = build_rsp(&header, &control_id, &query, &response);
    let verdict = check(&rsp);
    if verdict.outcome == Outcome::Rejected {
        // Never send what our own check refuses; say what went wrong instead.
        let first = verdict
            .errors()
            .next()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::error!(problem = %first, "a built RSP failed the conformance check");
        let problem = Problem::error(
            ErrorCode::ApplicationInternalError,
            None,
            Rejects::Message,
            "the registry could not build a conformant answer to this query; \
             try again later or ask the registry's staff",
        );
        problems.push(problem.clone());
        rsp = build_rsp(
            &header,
            &control_id,
            &query,
            &QueryResponse::NoRecords(NoRecordsReason::QueryError(vec![problem])),
        );
    }
    let text = rsp.encode();
    let code = rsp
        .first("MSA")
        .and_then(|msa| AckCode::from_code(msa.text(1)))
        .unwrap_or_else(|| ack_code(&problems));
    let answer = Answer {
        control_id,
        code,
        ack: text,
        replayed: false,
        stored: 0,
    };
    let mut listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
    listed.push(format!("answered {}", response_label(&response)));
    crate::hl7_in::log_answer(
        conn,
        partner,
        message,
        &raw_hash,
        raw,
        &answer,
        &listed.join("\n"),
        replay_of,
    )
    .await?;
    Ok(answer)
}

/// How the log names what was answered.
fn response_label(response: &QueryResponse) -> String {
    match response {
        QueryResponse::Candidates(list) => format!("Z31 with {} candidates", list.len()),
        QueryResponse::History { doses, .. } => format!("Z32 with {} doses", doses.len()),
        QueryResponse::Forecast {
            doses,
            recommendations,
            ..
        } => format!(
            "Z42 with {} doses and {} recommendations",
            doses.len(),
            recommendations.len()
        ),
        QueryResponse::NoRecords(reason) => format!(
            "Z33 {}",
            match reason {
                NoRecordsReason::NotFound => "NF",
                NoRecordsReason::TooMany => "TM",
                NoRecordsReason::Protected => "PD",
                NoRecordsReason::QueryError(_) => "query error",
            }
        ),
    }
}

fn response_header(
    message: &Message,
    partner: Uuid,
    control_id: &str,
    raw_hash: &str,
    replay_of: Option<i64>,
) -> MessageHeader {
    let msh = message.header();
    let text = |n: usize| {
        msh.map(|s| s.component_text(n, 1).to_owned())
            .unwrap_or_default()
    };
    let mut name = format!("rsp:{control_id}:{raw_hash}");
    if let Some(original) = replay_of {
        name.push_str(&format!(":replay:{original}:{}", crate::records::now_ms()));
    }
    let id = derived_id(partner, &name).simple().to_string();
    MessageHeader {
        sending_application: APPLICATION.to_owned(),
        sending_facility: FACILITY.to_owned(),
        receiving_application: text(3),
        receiving_facility: text(4),
        date_time: chrono::Local::now().format("%Y%m%d%H%M%S%z").to_string(),
        control_id: id.chars().take(20).collect(),
        processing_id: {
            let p = text(11);
            if p.is_empty() { "P".to_owned() } else { p }
        },
    }
}

/// The registry number answers show for a record (made the first time).
async fn registry_number(conn: &mut PgConnection, patient: Uuid) -> Result<i64, SubmitError> {
    let number: i64 = sqlx_core::query_scalar::query_scalar(
        "WITH made AS (
             INSERT INTO hl7_patient_numbers (patient_id) VALUES ($1)
             ON CONFLICT (patient_id) DO NOTHING RETURNING number)
         SELECT number FROM made
         UNION ALL SELECT number FROM hl7_patient_numbers WHERE patient_id = $1
         LIMIT 1",
    )
    .bind(patient)
    .fetch_one(&mut *conn)
    .await?;
    Ok(number)
}

/// The record a registry number (PID-3 `SR`) names now: merged records
/// lead to their survivor.
async fn patient_of_number(
    conn: &mut PgConnection,
    patient: &PatientRecord,
) -> Result<Option<Uuid>, SubmitError> {
    let Some(number) = patient
        .identifiers
        .iter()
        .filter(|id| matches!(id.kind, IdentifierType::StateRegistry))
        .find_map(|id| id.id.trim().parse::<i64>().ok())
    else {
        return Ok(None);
    };
    let found: Option<Uuid> = sqlx_core::query_scalar::query_scalar(
        "SELECT patient_id FROM hl7_patient_numbers WHERE number = $1",
    )
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?;
    match found {
        Some(id) => Ok(Some(matching::survivor_of(conn, id).await?)),
        None => Ok(None),
    }
}

/// What the matcher compares, from the query's patient (`registry_id`: the
/// record its registry number names).
fn query_record(partner: Uuid, patient: &PatientRecord, registry_id: Option<Uuid>) -> MatchRecord {
    let d = &patient.details;
    let registry_id = registry_id.map(|id| id.to_string());
    let medical_records = patient
        .identifiers
        .iter()
        .filter(|id| matches!(id.kind, IdentifierType::MedicalRecord))
        .map(|id| MedicalRecordNumber::new(partner.to_string(), &id.id))
        .collect();
    MatchRecord {
        registry_id,
        birth_certificate: d.birth_certificate_number.clone(),
        medical_records,
        first_name: d.first_name.clone(),
        middle_name: d.middle_name.clone(),
        last_name: d.last_name.clone(),
        second_last_name: d.second_last_name.clone(),
        birth_date: d.birth_date,
        sex: match d.sex {
            Sex::Female => "F".to_owned(),
            Sex::Male => "M".to_owned(),
            _ => String::new(),
        },
        mother_maiden_name: d.mother_maiden_name.clone(),
        mother_first_name: patient.mother_given_name.clone(),
        multiple_birth_order: patient
            .multiple_birth
            .and_then(|m| m.order)
            .and_then(|n| u8::try_from(n).ok()),
        address: d.address_line.clone(),
        postal_code: d.postal_code.clone(),
        phone: d.phone.clone(),
    }
}

/// Decides the answer to a readable query.
async fn respond(
    conn: &mut PgConnection,
    partner: Uuid,
    query: &Query,
    problems: &mut Vec<Problem>,
) -> Result<QueryResponse, SubmitError> {
    let registry_id = patient_of_number(conn, &query.patient).await?;
    let record = query_record(partner, &query.patient, registry_id);
    if record.birth_date.is_none()
        && record.registry_id.is_none()
        && record.birth_certificate.trim().is_empty()
        && record.medical_records.is_empty()
    {
        problems.push(
            Problem::error(
                ErrorCode::RequiredFieldMissing,
                Some(Location::segment("QPD", 1, 2).with_field(6)),
                Rejects::Message,
                "the query names no birth date (QPD-6) and no identifier (QPD-3): \
                 send the patient's birth date, or the registry id, medical record or \
                 birth-certificate number",
            )
            .with_application_error(salal_hl7::ApplicationError::IllogicalValue),
        );
        return Ok(QueryResponse::NoRecords(NoRecordsReason::QueryError(
            problems.clone(),
        )));
    }
    let found = matching::candidates(conn, &record).await?;
    let limit = match query.quantity_limit {
        0 => DEFAULT_QUANTITY,
        n => n,
    }
    .min(MAX_CANDIDATES);
    if found.decision == Decision::Merge
        && let Some(best) = found.list.first()
    {
        if crate::optout::is_opted_out(&best.fields) {
            return Ok(QueryResponse::NoRecords(NoRecordsReason::Protected));
        }
        let patient = best.id;
        let fields = overlay_patient(conn, partner, patient).await?;
        let number = registry_number(conn, patient).await?;
        let record = patient_record(number, &fields, true);
        let events = patient_events(conn, patient).await?;
        let doses: Vec<VaccinationGroup> = events.iter().map(vaccination_group).collect();
        crate::matching::audit(
            conn,
            &format!("hl7-partner:{partner}"),
            Some(partner),
            "hl7_query",
            Some(patient),
            &format!("{} doses ({})", doses.len(), query.profile.code()),
        )
        .await?;
        if query.profile == Profile::Z44 {
            let as_of = chrono::Local::now().date_naive();
            return forecast_response(record, &events, doses, as_of);
        }
        return Ok(QueryResponse::History {
            patient: record,
            doses,
        });
    }
    let listed: Vec<&Candidate> = found
        .list
        .iter()
        .filter(|c| c.decision != Decision::Distinct)
        .filter(|c| !crate::optout::is_opted_out(&c.fields))
        .collect();
    if listed.is_empty() {
        return Ok(QueryResponse::NoRecords(NoRecordsReason::NotFound));
    }
    if listed.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        return Ok(QueryResponse::NoRecords(NoRecordsReason::TooMany));
    }
    let mut records = Vec::with_capacity(listed.len());
    for candidate in &listed {
        // Matching read every organization's private fields; the answer
        // shows only the shared ones and the partner's own.
        let fields = overlay_patient(conn, partner, candidate.id).await?;
        let number = registry_number(conn, candidate.id).await?;
        records.push(patient_record(number, &fields, false));
        crate::matching::audit(
            conn,
            &format!("hl7-partner:{partner}"),
            Some(partner),
            "hl7_query_candidate",
            Some(candidate.id),
            &format!("score {:.1}", candidate.score),
        )
        .await?;
    }
    Ok(QueryResponse::Candidates(records))
}

/// The patient's shared fields with the partner's own private values laid over.
async fn overlay_patient(
    conn: &mut PgConnection,
    partner: Uuid,
    patient: Uuid,
) -> Result<Map<String, Value>, SubmitError> {
    let row = query(sqlx_core::sql_str::AssertSqlSafe(format!(
        "SELECT {OVERLAY} FROM records r {OVERLAY_JOIN}
         WHERE r.entity = 'patient' AND r.id = $1"
    )))
    .bind(patient)
    .bind(partner)
    .fetch_optional(&mut *conn)
    .await?;
    match row.map(|r| r.try_get::<Value, _>("fields")).transpose()? {
        Some(Value::Object(fields)) => Ok(fields),
        _ => Err(SubmitError::Apply(format!(
            "patient {patient} has no readable record"
        ))),
    }
}

/// A patient as an RSP shows it. `full`: everything the record (with the
/// asker's own private values) holds; otherwise only what tells candidates
/// apart (names, birth date, sex, mother's names).
fn patient_record(number: i64, fields: &Map<String, Value>, full: bool) -> PatientRecord {
    let text = |key: &str| {
        fields
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut details = if full {
        patient_from_fields(fields)
            .map(|(details, _)| details)
            .unwrap_or_default()
    } else {
        salal_core::patient::PatientDetails {
            first_name: text("first_name"),
            middle_name: text("middle_name"),
            last_name: text("last_name"),
            second_last_name: text("second_last_name"),
            birth_date: text("birth_date").parse().ok(),
            sex: Sex::from_code(&text("sex")).unwrap_or_default(),
            mother_maiden_name: text("mother_maiden_name"),
            ..Default::default()
        }
    };
    if !full {
        details.medical_record_number.clear();
    }
    let order = fields
        .get("multiple_birth_order")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok());
    PatientRecord {
        details,
        identifiers: vec![PatientIdentifier {
            id: number.to_string(),
            assigning_authority: REGISTRY_AUTHORITY.to_owned(),
            kind: IdentifierType::StateRegistry,
        }],
        mother_given_name: text("mother_first_name"),
        multiple_birth: order.map(|order| MultipleBirth {
            multiple: order > 0,
            order: Some(order),
        }),
        ..PatientRecord::default()
    }
}

/// The patient's events the record shows: every provider's, not entered in
/// error, not a duplicate report of another, oldest first.
async fn patient_events(conn: &mut PgConnection, patient: Uuid) -> Result<Vec<Event>, SubmitError> {
    let rows = query(
        "SELECT id, fields FROM records
         WHERE entity = 'dose' AND patient_id = $1
         ORDER BY fields->>'date', id",
    )
    .bind(patient)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: Uuid = row.try_get("id")?;
        let Value::Object(fields) = row.try_get::<Value, _>("fields")? else {
            continue;
        };
        if fields.get(ENTERED_IN_ERROR) == Some(&Value::Bool(true))
            || fields
                .get(DUPLICATE_OF)
                .and_then(Value::as_str)
                .is_some_and(|d| !d.is_empty())
        {
            continue;
        }
        match dose_from_fields(EventId(id), &fields) {
            Ok(event) => out.push(event),
            Err(e) => tracing::warn!(dose = %id, field = %e.0, "a stored dose cannot be read"),
        }
    }
    Ok(out)
}

fn vaccination_group(event: &Event) -> VaccinationGroup {
    VaccinationGroup {
        event: event.details.clone(),
        filler_order_id: EntityId {
            id: event.id.as_uuid().simple().to_string(),
            namespace: REGISTRY_AUTHORITY.to_owned(),
        },
        ..VaccinationGroup::default()
    }
}

fn gender(sex: Sex) -> Gender {
    match sex {
        Sex::Female => Gender::Female,
        Sex::Male => Gender::Male,
        Sex::Other | Sex::Unknown => Gender::Unknown,
    }
}

/// The engine's input for a record: its doses (by their place in `events`)
/// and its observations (evidence of immunity, contraindications) as CDSi
/// observation codes, each with its event's date.
fn patient_input(
    engine: &Engine,
    birth_date: NaiveDate,
    sex: Sex,
    events: &[Event],
    as_of: NaiveDate,
) -> PatientInput {
    let doses = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.details.kind.is_dose())
        .filter_map(|(i, e)| {
            Some(AdministeredDose {
                id: i,
                date: e.details.date?,
                cvx: e.details.cvx.clone(),
                mvx: (!e.details.mvx.is_empty()).then(|| e.details.mvx.clone()),
                lot_expiration: e.details.lot_expiration,
                substandard: false,
            })
        })
        .collect();
    let observations = events
        .iter()
        .filter(|e| {
            matches!(
                e.details.kind,
                EventKind::EvidenceOfImmunity | EventKind::Contraindication
            )
        })
        .flat_map(|e| {
            let code = e.details.observation_code.as_str();
            let date = e.details.date.unwrap_or(as_of);
            engine
                .data()
                .schedule
                .observations
                .iter()
                .filter(move |o| o.code == code || o.coded_values.iter().any(|v| v.code == code))
                .map(move |o| PatientObservation::new(o.code.clone(), date))
        })
        .collect();
    PatientInput {
        birth_date,
        gender: gender(sex),
        assessment_date: as_of,
        doses,
        observations,
        birth_country: None,
    }
}

/// Each CDSi vaccine group's CVX for OBX 30956-7: the CDC vaccine group
/// (`cvx_vaccine_group.csv`) that most vaccines against the group's antigens
/// (as the CDSi data maps CVX codes to antigens) belong to, combination
/// vaccines included; ties go to the smaller code.
fn group_cvx(engine: &Engine) -> &'static HashMap<String, String> {
    static GROUPS: OnceLock<HashMap<String, String>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        let mut cdc: HashMap<String, Vec<String>> = HashMap::new();
        for line in CVX_VACCINE_GROUP.lines().skip(1) {
            let cells = csv_cells(line);
            if let (Some(cvx), Some(group)) = (cells.first(), cells.get(4)) {
                cdc.entry(normalize_cvx(cvx))
                    .or_default()
                    .push(normalize_cvx(group));
            }
        }
        let data = engine.data();
        let mut out = HashMap::new();
        for group in &data.schedule.vaccine_groups {
            let mut votes: BTreeMap<String, usize> = BTreeMap::new();
            for mapping in &data.schedule.cvx_map {
                let against = mapping.associations.iter().any(|a| {
                    group
                        .antigens
                        .iter()
                        .any(|g| g.eq_ignore_ascii_case(&a.antigen))
                });
                if !against {
                    continue;
                }
                let code = normalize_cvx(&mapping.cvx.0.to_string());
                for group_code in cdc.get(&code).into_iter().flatten() {
                    *votes.entry(group_code.clone()).or_default() += 1;
                }
            }
            let best = votes
                .iter()
                .max_by(|(a, x), (b, y)| x.cmp(y).then_with(|| cvx_number(b).cmp(&cvx_number(a))));
            if let Some((code, _)) = best {
                out.insert(group.name.clone(), code.clone());
            }
        }
        out
    })
}

fn cvx_number(code: &str) -> u32 {
    code.parse().unwrap_or(u32::MAX)
}

/// CVX codes as the CDC tables write them: at least two digits.
fn normalize_cvx(code: &str) -> String {
    let code = code.trim();
    match code.parse::<u32>() {
        Ok(n) => format!("{n:02}"),
        Err(_) => code.to_owned(),
    }
}

/// The cells of one CSV line (quoted cells may hold commas).
fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(std::mem::take(&mut cell)),
            other => cell.push(other),
        }
    }
    cells.push(cell);
    cells
}

/// The number of doses of the series an antigen was evaluated or forecast in.
fn series_doses(engine: &Engine, antigen: &str, series: &str) -> Option<u32> {
    engine
        .data()
        .antigens
        .iter()
        .filter(|a| a.name.eq_ignore_ascii_case(antigen))
        .flat_map(|a| a.series.iter())
        .find(|s| s.name == series)
        .and_then(|s| u32::try_from(s.doses.len()).ok())
}

/// 59783-1's answer for a vaccine group's forecast.
fn series_status(
    status: SeriesStatus,
    past_due: Option<NaiveDate>,
    as_of: NaiveDate,
) -> (&'static str, &'static str) {
    match status {
        SeriesStatus::NotComplete if past_due.is_some_and(|d| d <= as_of) => SERIES_OVERDUE,
        SeriesStatus::NotComplete => SERIES_ON_SCHEDULE,
        SeriesStatus::Complete => SERIES_COMPLETE,
        SeriesStatus::Immune => SERIES_IMMUNE,
        SeriesStatus::AgedOut => SERIES_TOO_OLD,
        SeriesStatus::Contraindicated => SERIES_CONTRAINDICATED,
        SeriesStatus::NotRecommended => SERIES_NOT_RECOMMENDED,
    }
}

/// The display of a 59783-1 answer code (for readers of the log and tests).
#[must_use]
pub fn series_status_display(code: &str) -> Option<&'static str> {
    [
        SERIES_COMPLETE,
        SERIES_ON_SCHEDULE,
        SERIES_OVERDUE,
        SERIES_TOO_OLD,
        SERIES_IMMUNE,
        SERIES_CONTRAINDICATED,
        SERIES_NOT_RECOMMENDED,
    ]
    .iter()
    .find(|(c, _)| *c == code)
    .map(|(_, display)| *display)
}

/// Z42: the history with each dose's evaluation, and every vaccine group's forecast.
fn forecast_response(
    patient: PatientRecord,
    events: &[Event],
    doses: Vec<VaccinationGroup>,
    as_of: NaiveDate,
) -> Result<QueryResponse, SubmitError> {
    let engine = engine()?;
    let Some(birth_date) = patient.details.birth_date else {
        // No birth date: no forecast can be made; the history still goes out.
        let doses = doses
            .into_iter()
            .map(|dose| EvaluatedDose {
                dose,
                evaluations: Vec::new(),
            })
            .collect();
        return Ok(QueryResponse::Forecast {
            patient,
            doses,
            recommendations: Vec::new(),
            as_of,
        });
    };
    let input = patient_input(engine, birth_date, patient.details.sex, events, as_of);
    let assessment = engine.assess(&input);
    let groups = group_cvx(engine);
    let evaluated = doses
        .into_iter()
        .enumerate()
        .map(|(index, dose)| EvaluatedDose {
            evaluations: evaluations(engine, &assessment, groups, index),
            dose,
        })
        .collect();
    let recommendations = assessment
        .vaccine_groups
        .iter()
        .map(|group| {
            let f = &group.forecast;
            let series = assessment
                .antigens
                .iter()
                .find(|a| group.antigens.contains(&a.antigen));
            let (code, _) = series_status(f.status, f.past_due, as_of);
            Recommendation {
                vaccine_group_cvx: groups.get(group.name.as_ref()).cloned().unwrap_or_default(),
                vaccine_group_name: group.name.to_string(),
                schedule: "VXC16".to_owned(),
                dose_number: f.dose_number,
                doses_in_series: series
                    .and_then(|s| series_doses(engine, &s.antigen, &s.series_name)),
                earliest: f.earliest,
                due: f.recommended,
                overdue: f.past_due,
                latest: f.latest,
                status: code.to_owned(),
                status_system: "LN".to_owned(),
            }
        })
        .filter(|r| !r.vaccine_group_cvx.is_empty())
        .collect();
    Ok(QueryResponse::Forecast {
        patient,
        doses: evaluated,
        recommendations,
        as_of,
    })
}

/// One evaluation per vaccine group the dose at `index` was evaluated for.
fn evaluations(
    engine: &Engine,
    assessment: &Assessment,
    groups: &HashMap<String, String>,
    index: usize,
) -> Vec<DoseEvaluation> {
    assessment
        .vaccine_groups
        .iter()
        .filter_map(|group| {
            let first = assessment
                .evaluations
                .iter()
                .find(|e| e.dose_id == index && group.antigens.contains(&e.antigen))?;
            let (status, _) = assessment.dose_status_for_group(group, index)?;
            Some(DoseEvaluation {
                vaccine_group_cvx: groups.get(group.name.as_ref()).cloned()?,
                vaccine_group_name: group.name.to_string(),
                schedule: "VXC16".to_owned(),
                dose_number: first.target_dose,
                doses_in_series: series_doses(engine, &first.antigen, &first.series_name),
                valid: Some(status == EvaluationStatus::Valid),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_childhood_vaccine_group_has_its_cdc_cvx() {
        let engine = engine().unwrap();
        let groups = group_cvx(engine);
        // The CDC's own vaccine group codes for the groups every child is assessed in.
        for (group, cvx) in [
            ("HepB", "45"),
            ("DTaP/Tdap/Td", "107"),
            ("Polio", "89"),
            ("Hib", "17"),
            ("MMR", "03"),
            ("Varicella", "21"),
        ] {
            assert_eq!(
                groups.get(group).map(String::as_str),
                Some(cvx),
                "{group}: {groups:?}"
            );
        }
    }

    #[test]
    fn csv_cells_keep_quoted_commas() {
        assert_eq!(
            csv_cells("17,\"Hib, unspecified formulation\",Inactive,HIB,17"),
            vec![
                "17",
                "Hib, unspecified formulation",
                "Inactive",
                "HIB",
                "17"
            ]
        );
        assert_eq!(normalize_cvx("3"), "03");
        assert_eq!(series_status_display("LA13423-1"), Some("Overdue"));
    }
}
