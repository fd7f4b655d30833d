//! Incoming VXU messages from HL7 partners, applied like a clinic's push.
//!
//! [`submit`] takes a file's bytes (one message or a batch) from a partner
//! organization ([`crate::partners`]) and answers each message with an ACK
//! built by [`salal_hl7::build_ack`]. For each message, in one transaction:
//!
//! 1. **Replay**: a message the partner already sent (same MSH-10 and the
//!    same bytes) is answered with the ACK it got then; nothing is applied.
//! 2. **Check**: [`salal_hl7::check_parsed`]. A rejected message (AR, or AE
//!    for a missing required PID field) stores nothing; an ORDER group with an
//!    error is left out and the rest applied.
//! 3. **Patient**: matched over the registry with the same matcher as a push
//!    ([`crate::matching::find_match`]). One record the matcher merges with
//!    is updated with the fields it lacks; otherwise a new record is created
//!    under an id derived from the partner and its PID-3 identifier, and the
//!    push's matching merges it or queues it for review. A patient whose
//!    family opted out gets an AE ACK saying so, and nothing is stored.
//! 4. **Doses**: each ORDER group becomes a dose whose id is derived from the
//!    partner and the filler order id (ORC-3), so a message sent again under
//!    a new MSH-10 still changes nothing; RXA-21 `D` marks the dose the
//!    partner sent under that ORC-3 as entered in error; `U` updates it.
//!    Doses reported by others too are linked by [`crate::dedup`], through
//!    `push::apply`.
//! 5. **Log**: the raw message, its outcome, its problems and the ACK go to
//!    `hl7_messages`.

use crate::auth::Device;
use crate::error::{ApiError, RegistryError};
use crate::matching::{self, match_record};
use crate::records::{derived_id, lock_seq, now_ms};
use salal_core::consent::Consents;
use salal_core::event::Event;
use salal_core::hlc::Stamp;
use salal_core::ids::{EventId, PatientId};
use salal_hl7::model::{ActionCode, ImmunizationUpdate, MessageHeader};
use salal_hl7::{
    AckCode, ErrorCode, Location, Message, Outcome, Parsed, Problem, Rejects, ack_code, build_ack,
    check_parsed, read_batch, read_update,
};
use salal_matching::Decision;
use salal_sync::fields::{ENTERED_IN_ERROR_REASON, PATIENT_ID, is_empty};
use salal_sync::wire::{Change, ChangeKind, Entity, Fields, Outcome as OpOutcome};
use serde_json::{Map, Value};
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::{PgConnection, PgPool};
use std::collections::HashSet;
use uuid::Uuid;

/// MSH-3 of the registry's answers.
pub const APPLICATION: &str = "SALAL";
/// MSH-4 of the registry's answers.
pub const FACILITY: &str = "SALAL REGISTRY";

/// Why a submission could not be processed at all (as opposed to a message
/// answered with an error ACK, which is a normal outcome).
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The partner is not known.
    #[error("{0} is not an HL7 partner: make one with `salal-registry partner add --name NAME`")]
    UnknownPartner(Uuid),
    /// The registry failed.
    #[error("{0}")]
    Registry(#[from] RegistryError),
    /// Applying the records failed.
    #[error("the registry could not apply the message: {0}")]
    Apply(String),
}

impl From<sqlx_core::Error> for SubmitError {
    fn from(e: sqlx_core::Error) -> Self {
        SubmitError::Registry(RegistryError::Database(e))
    }
}

impl From<matching::MatchError> for SubmitError {
    fn from(e: matching::MatchError) -> Self {
        SubmitError::Registry(RegistryError::Matching(e))
    }
}

impl From<ApiError> for SubmitError {
    fn from(e: ApiError) -> Self {
        SubmitError::Apply(e.body.message_en)
    }
}

/// The answer to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// MSH-10 of the message answered.
    pub control_id: String,
    /// MSA-1.
    pub code: AckCode,
    /// The ACK, CR-separated.
    pub ack: String,
    /// Whether this is the stored answer to a message sent before.
    pub replayed: bool,
    /// Patient records created, doses stored or deleted.
    pub stored: usize,
}

/// What a file's messages got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submitted {
    /// One answer per message, in order.
    pub answers: Vec<Answer>,
}

impl std::fmt::Display for Submitted {
    /// `hl7 submit: N messages, A accepted (AA), E with errors (AE), R rejected (AR)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = |code: AckCode| self.answers.iter().filter(|a| a.code == code).count();
        write!(
            f,
            "hl7 submit: {} messages, {} accepted (AA), {} with errors (AE), {} rejected (AR)",
            self.answers.len(),
            count(AckCode::Accept),
            count(AckCode::Error),
            count(AckCode::Reject)
        )
    }
}

/// Processes every message of `bytes` from `partner` (see the module doc).
pub async fn submit(pool: &PgPool, partner: Uuid, bytes: &[u8]) -> Result<Submitted, SubmitError> {
    if !crate::partners::exists(pool, partner).await? {
        return Err(SubmitError::UnknownPartner(partner));
    }
    let batch = read_batch(bytes);
    let mut submitted = Submitted::default();
    if batch.messages.is_empty() {
        let problem = Problem::error(
            ErrorCode::SegmentSequenceError,
            Some(Location::missing_segment("MSH")),
            Rejects::Message,
            "no HL7 message found: a message starts with an MSH segment",
        );
        let empty = Parsed {
            message: Message::default(),
            problems: vec![problem],
        };
        submitted
            .answers
            .push(process(pool, partner, &empty, &String::from_utf8_lossy(bytes)).await?);
        return Ok(submitted);
    }
    for parsed in &batch.messages {
        let raw = parsed.message.encode();
        submitted
            .answers
            .push(process(pool, partner, parsed, &raw).await?);
    }
    Ok(submitted)
}

fn ack_header(message: &Message, control_id: &str) -> MessageHeader {
    let msh = message.header();
    let text = |n: usize| {
        msh.map(|s| s.component_text(n, 1).to_owned())
            .unwrap_or_default()
    };
    MessageHeader {
        sending_application: APPLICATION.to_owned(),
        sending_facility: FACILITY.to_owned(),
        receiving_application: text(3),
        receiving_facility: text(4),
        date_time: chrono::Local::now().format("%Y%m%d%H%M%S%z").to_string(),
        control_id: control_id.to_owned(),
        processing_id: {
            let p = text(11);
            if p.is_empty() { "P".to_owned() } else { p }
        },
    }
}

fn sha256(text: &str) -> String {
    crate::secrets::secret_hash(text)
}

/// Processes one parsed message from `partner`; `raw` is what is logged.
pub async fn process(
    pool: &PgPool,
    partner: Uuid,
    parsed: &Parsed,
    raw: &str,
) -> Result<Answer, SubmitError> {
    let message = &parsed.message;
    let control_id = message.control_id().to_owned();
    let raw_hash = sha256(raw);
    let mut tx = pool.begin().await?;
    lock_seq(&mut tx).await?;
    let before: Option<(String, String)> = query(
        "SELECT outcome, ack FROM hl7_messages
         WHERE partner_id = $1 AND control_id = $2 AND raw_sha256 = $3 ORDER BY id LIMIT 1",
    )
    .bind(partner)
    .bind(&control_id)
    .bind(&raw_hash)
    .fetch_optional(&mut *tx)
    .await?
    .map(|row| Ok::<_, sqlx_core::Error>((row.try_get("outcome")?, row.try_get("ack")?)))
    .transpose()?;
    if let Some((_, ack)) = &before {
        let code = salal_hl7::parse_str(ack)
            .message
            .first("MSA")
            .map(|s| s.text(1).to_owned())
            .unwrap_or_default();
        let answer = Answer {
            control_id: control_id.clone(),
            code: match code.as_str() {
                "AA" => AckCode::Accept,
                "AR" => AckCode::Reject,
                _ => AckCode::Error,
            },
            ack: ack.clone(),
            replayed: true,
            stored: 0,
        };
        log(
            &mut tx,
            partner,
            message,
            &raw_hash,
            raw,
            &answer,
            "answered again: sent before",
        )
        .await?;
        tx.commit().await?;
        return Ok(answer);
    }
    let (problems, stored) = apply_message(&mut tx, partner, parsed).await?;
    let ack_control = derived_id(partner, &format!("ack:{control_id}:{raw_hash}"))
        .simple()
        .to_string();
    let trigger = message.message_type().trigger;
    let ack = build_ack(
        &ack_header(message, &ack_control[..20]),
        &trigger,
        &control_id,
        &problems,
    )
    .encode();
    let answer = Answer {
        control_id,
        code: ack_code(&problems),
        ack,
        replayed: false,
        stored,
    };
    let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
    log(
        &mut tx,
        partner,
        message,
        &raw_hash,
        raw,
        &answer,
        &listed.join("\n"),
    )
    .await?;
    tx.commit().await?;
    Ok(answer)
}

async fn log(
    conn: &mut PgConnection,
    partner: Uuid,
    message: &Message,
    raw_hash: &str,
    raw: &str,
    answer: &Answer,
    problems: &str,
) -> Result<(), sqlx_core::Error> {
    query(
        "INSERT INTO hl7_messages
           (partner_id, control_id, message_type, raw_sha256, outcome, problems, raw, ack)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(partner)
    .bind(&answer.control_id)
    .bind(message.message_type().code)
    .bind(raw_hash)
    .bind(answer.code.code())
    .bind(problems)
    .bind(raw)
    .bind(&answer.ack)
    .execute(conn)
    .await?;
    Ok(())
}

/// The 0-based index of the ORDER group each segment position (1-based)
/// belongs to, as `read_update` groups them.
fn group_of_position(message: &Message, position: usize) -> Option<usize> {
    let mut group: Option<usize> = None;
    let mut group_has_rxa = false;
    let mut seen_pid = false;
    for (index, segment) in message.segments.iter().enumerate() {
        match segment.name.as_str() {
            "PID" => seen_pid = true,
            "ORC" if seen_pid => {
                group = Some(group.map_or(0, |g| g + 1));
                group_has_rxa = false;
            }
            "RXA" if seen_pid => {
                if group.is_none() || group_has_rxa {
                    group = Some(group.map_or(0, |g| g + 1));
                }
                group_has_rxa = true;
            }
            _ => {}
        }
        if index + 1 == position {
            return group;
        }
    }
    None
}

/// Applies one checked message; returns every problem for the ACK and how
/// many records were stored.
async fn apply_message(
    conn: &mut PgConnection,
    partner: Uuid,
    parsed: &Parsed,
) -> Result<(Vec<Problem>, usize), SubmitError> {
    let message = &parsed.message;
    let report = check_parsed(parsed);
    let mut problems = report.problems.clone();
    if report.outcome == Outcome::Rejected {
        return Ok((problems, 0));
    }
    let update = match read_update(message) {
        Ok(update) => update,
        Err(e) => {
            problems.push(Problem::error(
                ErrorCode::UnsupportedMessageType,
                Some(Location::missing_segment("MSH").with_field(9)),
                Rejects::Message,
                format!("{e}; only VXU^V04 messages are submitted here"),
            ));
            return Ok((problems, 0));
        }
    };
    let rejected_groups: HashSet<usize> = report
        .errors()
        .filter(|p| matches!(&p.rejects, Rejects::Group(_)))
        .filter_map(|p| p.location.as_ref()?.position)
        .filter_map(|position| group_of_position(message, position))
        .collect();
    let device = Device {
        id: derived_id(partner, "hl7-device"),
        org: partner,
    };
    let hlc = Stamp {
        wall_ms: now_ms(),
        counter: 0,
        replica: 0,
    };
    let patient_fields = wire_patient_fields(&update);
    let new_id = derived_id(partner, &format!("patient:{}", patient_key(&update)));
    let mut probe = patient_fields.clone();
    if !update.patient.details.medical_record_number.is_empty() {
        probe.insert(
            "_medical_records".to_owned(),
            Value::Array(vec![Value::Array(vec![
                Value::String(partner.to_string()),
                Value::String(update.patient.details.medical_record_number.clone()),
            ])]),
        );
    }
    probe.insert(
        "mother_first_name".to_owned(),
        Value::String(update.patient.mother_given_name.clone()),
    );
    if let Some(order) = update.patient.multiple_birth.as_ref().and_then(|m| m.order) {
        probe.insert("multiple_birth_order".to_owned(), Value::from(order));
    }
    let found = matching::find_match(conn, &match_record(new_id, &probe)).await?;
    let existing = match found {
        Some((id, Decision::Merge)) => Some(id),
        _ => None,
    };
    let mut changes = Vec::new();
    let patient = if let Some(id) = existing {
        let mut current = matching::patient_fields(conn, &[id]).await?;
        for (id, own) in crate::private::own_patient_fields(conn, partner, &[id]).await? {
            if let Some(fields) = current.get_mut(&id) {
                fields.extend(own);
            }
        }
        let fields = current.get(&id);
        if fields.is_some_and(crate::optout::is_opted_out) {
            problems.push(
                Problem::error(
                    ErrorCode::ApplicationRecordLocked,
                    Some(Location::segment("PID", 1, pid_position(message))),
                    Rejects::Message,
                    "the patient's family declined registry participation: the registry \
                     stores nothing for this patient; keep the data in your own system only",
                )
                .with_application_error(salal_hl7::ApplicationError::IllogicalValue),
            );
            return Ok((problems, 0));
        }
        let missing: Fields = patient_fields
            .iter()
            .filter(|(k, _)| fields.and_then(|f| f.get(*k)).is_none_or(is_empty))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !missing.is_empty() {
            changes.push(change(
                partner,
                Entity::Patient,
                id,
                ChangeKind::Update,
                hlc,
                missing,
            ));
        }
        query(
            "INSERT INTO patient_orgs (patient_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(partner)
        .execute(&mut *conn)
        .await?;
        id
    } else {
        changes.push(change(
            partner,
            Entity::Patient,
            new_id,
            ChangeKind::Create,
            hlc,
            patient_fields,
        ));
        new_id
    };

    // The doses the message names that are already here.
    let dose_ids: Vec<(usize, Uuid)> = update
        .doses
        .iter()
        .enumerate()
        .filter(|(i, _)| !rejected_groups.contains(i))
        .map(|(i, dose)| (i, dose_id(partner, patient, dose, i)))
        .collect();
    let ids: Vec<Uuid> = dose_ids.iter().map(|(_, id)| *id).collect();
    let rows = query("SELECT id, fields FROM records WHERE entity = 'dose' AND id = ANY($1)")
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut known: std::collections::HashMap<Uuid, Map<String, Value>> =
        std::collections::HashMap::new();
    for row in rows {
        if let Value::Object(fields) = row.try_get::<Value, _>("fields")? {
            known.insert(row.try_get("id")?, fields);
        }
    }
    let mut group_of_change: Vec<Option<usize>> = vec![None; changes.len()];
    for (index, id) in dose_ids {
        let Some(dose) = update.doses.get(index) else {
            continue;
        };
        let current = known.get(&id);
        if dose.action == ActionCode::Delete {
            match current {
                Some(fields) if fields.get("entered_in_error") != Some(&Value::Bool(true)) => {
                    let mut f = Map::new();
                    f.insert(
                        ENTERED_IN_ERROR_REASON.to_owned(),
                        Value::String("deleted by the sender (RXA-21 D)".to_owned()),
                    );
                    changes.push(change(partner, Entity::Dose, id, ChangeKind::EnteredInError, hlc, f));
                    group_of_change.push(Some(index));
                }
                Some(_) => {}
                None => problems.push(Problem::warning(
                    ErrorCode::UnknownKeyIdentifier,
                    Some(Location::segment("ORC", index + 1, 0).with_field(3)),
                    format!(
                        "RXA-21 D names filler order '{}', which you never sent: nothing was deleted",
                        dose.filler_order_id.id
                    ),
                )),
            }
            continue;
        }
        let event = Event {
            id: EventId(id),
            patient_id: PatientId(patient),
            details: dose.event.clone(),
            entered_in_error: false,
            entered_in_error_reason: String::new(),
            recorded_by: String::new(),
        };
        let fields: Fields = salal_sync::fields::dose_create_fields(&event)
            .into_iter()
            .filter(|(_, v)| !is_empty(v))
            .collect();
        match current {
            None => {
                changes.push(change(
                    partner,
                    Entity::Dose,
                    id,
                    ChangeKind::Create,
                    hlc,
                    fields,
                ));
                group_of_change.push(Some(index));
            }
            Some(current) => {
                let differ: Fields = fields
                    .into_iter()
                    .filter(|(k, v)| k != PATIENT_ID && current.get(k) != Some(v))
                    .collect();
                if !differ.is_empty() {
                    changes.push(change(
                        partner,
                        Entity::Dose,
                        id,
                        ChangeKind::Update,
                        hlc,
                        differ,
                    ));
                    group_of_change.push(Some(index));
                }
            }
        }
    }
    if changes.is_empty() {
        return Ok((problems, 0));
    }
    let applied = crate::push::apply(conn, device, &changes).await?;
    let mut stored = 0;
    for (result, group) in applied.results.iter().zip(&group_of_change) {
        match &result.outcome {
            OpOutcome::Applied { .. } => stored += 1,
            OpOutcome::Duplicate { .. } => {}
            OpOutcome::Rejected { message_en, .. } => {
                let location = match group {
                    Some(g) => Location::segment("RXA", g + 1, 0),
                    None => Location::segment("PID", 1, pid_position(message)),
                };
                let rejects = match group {
                    Some(_) => Rejects::Group("ORDER".to_owned()),
                    None => Rejects::Message,
                };
                problems.push(Problem::error(
                    ErrorCode::ApplicationInternalError,
                    Some(location),
                    rejects,
                    format!("the registry refused this record: {message_en}"),
                ));
            }
        }
    }
    Ok((problems, stored))
}

fn pid_position(message: &Message) -> usize {
    message
        .segments
        .iter()
        .position(|s| s.name == "PID")
        .map_or(0, |i| i + 1)
}

/// What the partner identifies the patient by: its first PID-3 identifier
/// (else names and birth date).
fn patient_key(update: &ImmunizationUpdate) -> String {
    update.patient.identifiers.first().map_or_else(
        || {
            let d = &update.patient.details;
            format!(
                "name:{}|{}|{}",
                d.last_name,
                d.first_name,
                d.birth_date.map(|b| b.to_string()).unwrap_or_default()
            )
        },
        |id| format!("id:{}:{}:{}", id.kind.code(), id.assigning_authority, id.id),
    )
}

/// A dose's id: from the partner's filler order id (ORC-3), else from the
/// patient, the vaccine, the date and the group's place in the message.
fn dose_id(
    partner: Uuid,
    patient: Uuid,
    dose: &salal_hl7::model::VaccinationGroup,
    index: usize,
) -> Uuid {
    let filler = dose.filler_order_id.id.trim();
    if filler.is_empty() || filler == "9999" {
        let date = dose.event.date.map(|d| d.to_string()).unwrap_or_default();
        derived_id(
            partner,
            &format!("dose:{patient}:{}:{date}:{index}", dose.event.cvx),
        )
    } else {
        derived_id(partner, &format!("order:{filler}"))
    }
}

/// The patient fields of the message, as the wire names them (empty ones left out).
fn wire_patient_fields(update: &ImmunizationUpdate) -> Fields {
    let consents = update
        .patient
        .preferences
        .as_ref()
        .map(|p| p.consents())
        .and_then(|(registry, _)| registry)
        .map(|registry| Consents {
            registry,
            ..Consents::default()
        });
    let mut fields = salal_sync::fields::patient_fields(
        &update.patient.details,
        &consents.clone().unwrap_or_default(),
    );
    if consents.is_none() {
        fields.remove("registry_participation");
    }
    fields.remove("mailings");
    fields.into_iter().filter(|(_, v)| !is_empty(v)).collect()
}

/// A change whose op id is derived from its content (a resend is a duplicate).
fn change(
    partner: Uuid,
    entity: Entity,
    id: Uuid,
    kind: ChangeKind,
    hlc: Stamp,
    fields: Fields,
) -> Change {
    let content = format!(
        "op:{}:{id}:{}:{}",
        entity.code(),
        kind.code(),
        Value::Object(fields.clone())
    );
    Change {
        op_id: derived_id(partner, &content),
        entity,
        id,
        hlc,
        kind,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_orc_and_rxa() {
        let text = "MSH|^~\\&|A|B|C|D|20250101||VXU^V04^VXU_V04|1|P|2.5.1\r\
                    PID|1||X^^^A^MR\rORC|RE||1\rRXA|0|1|20250101||08^HepB^CVX|999\r\
                    RXR|C28161\rORC|RE||2\rRXA|0|1|20250101||08^HepB^CVX|999\r\
                    RXA|0|1|20250101||08^HepB^CVX|999\r";
        let message = salal_hl7::parse_str(text).message;
        assert_eq!(group_of_position(&message, 2), None);
        assert_eq!(group_of_position(&message, 4), Some(0));
        assert_eq!(group_of_position(&message, 5), Some(0));
        assert_eq!(group_of_position(&message, 6), Some(1));
        assert_eq!(group_of_position(&message, 8), Some(2));
    }
}
