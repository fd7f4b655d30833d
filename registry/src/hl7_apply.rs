//! The VXUs of a group, applied together: prepared outside the lock,
//! written set-based, in rounds.
//!
//! [`prepare`] does everything that needs no database (the conformance
//! check, the mapping to `core` types, the patient's match probe and its
//! blocking keys, the ids derived from the partner's identifiers). It runs on
//! the sender's task when the message is read, in parallel with the writer,
//! so the transaction that holds the sequence lock only reads and writes.
//!
//! [`apply`] applies a run of prepared VXUs inside the caller's transaction
//! with a fixed number of statements per **round** rather than per message:
//! one candidate lookup for every probe, one load of the records matched, one
//! of the partners' own fields, one insert of the partner relationships, one
//! load of the doses already here, one look at each partner's stock, one
//! `push::apply` per partner (itself set-based: the matching of new patients,
//! dose de-duplication and opt-out refusal run there once for the round).
//!
//! **Rounds** keep the outcome exactly what applying the messages one by one,
//! in order, gives: two messages that could touch the same record never share
//! a round. A message *claims* its blocking keys, its new patient id and its
//! filler order ids; one that shares a claim with an earlier message still
//! waiting waits for the next round, and so does one whose best candidate is
//! an earlier message's, so it sees what the earlier one stored. Messages that
//! touch different records commute. The first message waiting always goes,
//! so every round makes progress; a group of distinct patients is one round.
//!
//! For each message (as `hl7_in` describes): the patient is matched over the
//! registry; one record the matcher merges with is updated with the fields it
//! lacks, otherwise a record is created under an id derived from the partner
//! and its PID-3 identifier; a patient whose family opted out gets an error
//! and nothing is stored. Each ORDER group becomes a dose whose id is derived
//! from the partner and ORC-3; RXA-21 `D` marks it entered in error, `U`
//! updates it; a new administered dose takes its lot from the partner's stock
//! ([`crate::hl7_stock`]).

use crate::auth::Device;
use crate::error::ApiError;
use crate::hl7_in::SubmitError;
use crate::hl7_stock::Book;
use crate::matching::{self, match_record};
use crate::records::{derived_change as change, derived_id, now_ms};
use salal_core::consent::Consents;
use salal_core::event::Event;
use salal_core::hlc::Stamp;
use salal_core::ids::{EventId, PatientId};
use salal_hl7::model::{ActionCode, ImmunizationUpdate, VaccinationGroup};
use salal_hl7::{
    ErrorCode, Location, Message, Outcome, Parsed, Problem, Rejects, check_parsed, read_update,
};
use salal_matching::{Decision, MatchRecord, blocking_keys};
use salal_sync::fields::{ENTERED_IN_ERROR_REASON, PATIENT_ID, is_empty};
use salal_sync::wire::{Change, ChangeKind, Entity, Fields, Outcome as OpOutcome};
use serde_json::{Map, Value};
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::PgConnection;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// What is known of a message before any database is read.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The hash of the logged text (the resend check).
    pub raw_hash: String,
    /// What the message asks for.
    pub work: Work,
}

/// What a message asks the registry to do.
#[derive(Debug, Clone)]
pub enum Work {
    /// A QBP, answered by `hl7_query`.
    Query,
    /// Nothing can be stored (rejected, or not a VXU): answered with these problems.
    Answered(Vec<Problem>),
    /// A VXU to apply.
    Update(Box<Plan>),
}

/// A checked VXU, ready to apply.
#[derive(Debug, Clone)]
pub struct Plan {
    problems: Vec<Problem>,
    update: ImmunizationUpdate,
    rejected_groups: HashSet<usize>,
    patient_fields: Fields,
    new_id: Uuid,
    probe: MatchRecord,
    keys: Vec<String>,
    claims: Vec<String>,
    pid_position: usize,
}

/// Prepares one message from `partner` (`raw` is its logged text).
#[must_use]
pub fn prepare(partner: Uuid, parsed: &Parsed, raw: &str) -> Prepared {
    let raw_hash = crate::secrets::secret_hash(raw);
    let work = work(partner, parsed);
    Prepared { raw_hash, work }
}

fn work(partner: Uuid, parsed: &Parsed) -> Work {
    let message = &parsed.message;
    if crate::hl7_query::is_query(message) {
        return Work::Query;
    }
    let report = check_parsed(parsed);
    let rejected_groups: HashSet<usize> = report
        .errors()
        .filter(|p| matches!(&p.rejects, Rejects::Group(_)))
        .filter_map(|p| p.location.as_ref()?.position)
        .filter_map(|position| group_of_position(message, position))
        .collect();
    let mut problems = report.problems;
    if report.outcome == Outcome::Rejected {
        return Work::Answered(problems);
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
            return Work::Answered(problems);
        }
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
    let probe = match_record(new_id, &probe);
    let keys = blocking_keys(&probe);
    let mut claims = keys.clone();
    claims.push(format!("patient:{new_id}"));
    claims.extend(
        update
            .doses
            .iter()
            .map(|d| d.filler_order_id.id.trim())
            .filter(|f| !f.is_empty() && *f != "9999")
            .map(|f| format!("order:{partner}:{f}")),
    );
    Work::Update(Box::new(Plan {
        problems,
        update,
        rejected_groups,
        patient_fields,
        new_id,
        probe,
        keys,
        claims,
        pid_position: pid_position(message),
    }))
}

/// One VXU to apply: who sent it, the message, and its plan.
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    /// The partner organization.
    pub partner: Uuid,
    /// The message.
    pub message: &'a Message,
    /// What [`prepare`] made of it.
    pub plan: &'a Plan,
}

/// What one message got: every problem for its ACK, and how many records were stored.
pub type Applied = (Vec<Problem>, usize);

/// Applies `jobs` inside the caller's transaction, which holds the sequence
/// lock, in rounds (see the module doc). One answer per job, in order; `Err`
/// means the transaction must be rolled back.
pub async fn apply(conn: &mut PgConnection, jobs: &[Job<'_>]) -> Result<Vec<Applied>, SubmitError> {
    let mut out: Vec<Option<Applied>> = vec![None; jobs.len()];
    let mut waiting: Vec<usize> = (0..jobs.len()).collect();
    while !waiting.is_empty() {
        let mut claimed: HashSet<&str> = HashSet::new();
        let mut round = Vec::new();
        let mut later = Vec::new();
        for &i in &waiting {
            let claims = &jobs[i].plan.claims;
            if claims.iter().all(|c| !claimed.contains(c.as_str())) {
                round.push(i);
            } else {
                later.push(i);
            }
            claimed.extend(claims.iter().map(String::as_str));
        }
        let deferred = apply_round(conn, jobs, &round, &mut out).await?;
        waiting = deferred.into_iter().chain(later).collect();
        waiting.sort_unstable();
    }
    Ok(out
        .into_iter()
        .map(|a| a.unwrap_or_else(|| (Vec::new(), 0)))
        .collect())
}

/// One message of a round, as it is built up.
struct Pending<'a> {
    index: usize,
    job: Job<'a>,
    patient: Uuid,
    problems: Vec<Problem>,
    changes: Vec<Change>,
    /// The ORDER group of each change (`None`: the patient).
    groups: Vec<Option<usize>>,
    /// How many of `changes` are records (the rest take stock).
    records: usize,
    /// The ORDER group each stock change belongs to.
    stock_groups: Vec<usize>,
    /// How many records the push stored.
    stored: usize,
}

/// Applies one round; returns the messages that must wait for the next
/// (their best candidate is an earlier message's).
async fn apply_round(
    conn: &mut PgConnection,
    jobs: &[Job<'_>],
    round: &[usize],
    out: &mut [Option<Applied>],
) -> Result<Vec<usize>, SubmitError> {
    let probes: Vec<MatchRecord> = round.iter().map(|&i| jobs[i].plan.probe.clone()).collect();
    let keys: Vec<Vec<String>> = round.iter().map(|&i| jobs[i].plan.keys.clone()).collect();
    let mut cache = matching::CandidateCache::default();
    let found = matching::find_matches_cached(conn, &probes, &keys, &mut cache).await?;
    let mut targets: HashSet<Uuid> = HashSet::new();
    let mut deferred = Vec::new();
    let mut taken: Vec<(usize, Option<Uuid>)> = Vec::with_capacity(round.len());
    for (&i, found) in round.iter().zip(found) {
        if let Some((candidate, _)) = found
            && !targets.insert(candidate)
        {
            deferred.push(i);
            continue;
        }
        let existing = match found {
            Some((id, Decision::Merge)) => Some(id),
            _ => None,
        };
        taken.push((i, existing));
    }

    // The records matched, with each partner's own fields laid over.
    let existing_ids: Vec<Uuid> = taken.iter().filter_map(|(_, e)| *e).collect();
    let mut current = matching::patient_fields(conn, &existing_ids).await?;
    let mut by_partner: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (i, existing) in &taken {
        if let Some(id) = existing {
            by_partner.entry(jobs[*i].partner).or_default().push(*id);
        }
    }
    let mut own: HashMap<(Uuid, Uuid), Fields> = HashMap::new();
    for (partner, ids) in &by_partner {
        for (id, fields) in crate::private::own_patient_fields(conn, *partner, ids).await? {
            own.insert((*partner, id), fields);
        }
    }

    let hlc = Stamp {
        wall_ms: now_ms(),
        counter: 0,
        replica: 0,
    };
    let mut pending: Vec<Pending<'_>> = Vec::with_capacity(taken.len());
    let mut relationships: (Vec<Uuid>, Vec<Uuid>) = (Vec::new(), Vec::new());
    for (index, existing) in taken {
        let job = jobs[index];
        let plan = job.plan;
        let mut problems = plan.problems.clone();
        let mut changes = Vec::new();
        let patient = if let Some(id) = existing {
            let mut fields = current.remove(&id);
            if let (Some(fields), Some(own)) = (fields.as_mut(), own.remove(&(job.partner, id))) {
                fields.extend(own);
            }
            if fields.as_ref().is_some_and(crate::optout::is_opted_out) {
                problems.push(
                    Problem::error(
                        ErrorCode::ApplicationRecordLocked,
                        Some(Location::segment("PID", 1, plan.pid_position)),
                        Rejects::Message,
                        "the patient's family declined registry participation: the registry \
                         stores nothing for this patient; keep the data in your own system only",
                    )
                    .with_application_error(salal_hl7::ApplicationError::IllogicalValue),
                );
                out[index] = Some((problems, 0));
                continue;
            }
            let missing: Fields = plan
                .patient_fields
                .iter()
                .filter(|(k, _)| fields.as_ref().and_then(|f| f.get(*k)).is_none_or(is_empty))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !missing.is_empty() {
                changes.push(change(
                    job.partner,
                    Entity::Patient,
                    id,
                    ChangeKind::Update,
                    hlc,
                    missing,
                ));
            }
            relationships.0.push(id);
            relationships.1.push(job.partner);
            id
        } else {
            changes.push(change(
                job.partner,
                Entity::Patient,
                plan.new_id,
                ChangeKind::Create,
                hlc,
                plan.patient_fields.clone(),
            ));
            plan.new_id
        };
        let groups = vec![None; changes.len()];
        pending.push(Pending {
            index,
            job,
            patient,
            problems,
            changes,
            groups,
            records: 0,
            stock_groups: Vec::new(),
            stored: 0,
        });
    }
    if !relationships.0.is_empty() {
        query(
            "INSERT INTO patient_orgs (patient_id, org_id)
             SELECT p, o FROM unnest($1::uuid[], $2::uuid[]) AS t(p, o)
             ON CONFLICT DO NOTHING",
        )
        .bind(relationships.0)
        .bind(relationships.1)
        .execute(&mut *conn)
        .await?;
    }

    // The doses the messages name that are already here.
    let dose_ids: Vec<Vec<(usize, Uuid)>> = pending
        .iter()
        .map(|p| {
            p.job
                .plan
                .update
                .doses
                .iter()
                .enumerate()
                .filter(|(g, _)| !p.job.plan.rejected_groups.contains(g))
                .map(|(g, dose)| (g, dose_id(p.job.partner, p.patient, dose, g)))
                .collect()
        })
        .collect();
    let known = known_doses(conn, dose_ids.iter().flatten().map(|(_, id)| *id)).await?;
    for (p, ids) in pending.iter_mut().zip(&dose_ids) {
        dose_changes(p, ids, &known, hlc);
    }

    // The stock the new administered doses take, applied with them.
    let mut wanted: Vec<Vec<(usize, Uuid)>> = Vec::with_capacity(pending.len());
    for p in &pending {
        let new_doses: Vec<(usize, Uuid)> = p
            .changes
            .iter()
            .zip(&p.groups)
            .filter(|(c, _)| c.entity == Entity::Dose && c.kind == ChangeKind::Create)
            .filter_map(|(c, group)| Some(((*group)?, c.id)))
            .collect();
        wanted.push(crate::hl7_stock::wanted(&p.job.plan.update, &new_doses));
    }
    let mut books: HashMap<Uuid, Book> = HashMap::new();
    let partners: HashSet<Uuid> = pending.iter().map(|p| p.job.partner).collect();
    for partner in partners {
        let lots: Vec<(&ImmunizationUpdate, &[(usize, Uuid)])> = pending
            .iter()
            .zip(&wanted)
            .filter(|(p, w)| p.job.partner == partner && !w.is_empty())
            .map(|(p, w)| (&p.job.plan.update, w.as_slice()))
            .collect();
        if !lots.is_empty() {
            books.insert(partner, Book::load(conn, partner, &lots).await?);
        }
    }
    for (p, wanted) in pending.iter_mut().zip(&wanted) {
        p.records = p.changes.len();
        if let Some(book) = books.get_mut(&p.job.partner) {
            let (stock, groups, problems) = book.take(&p.job.plan.update, wanted, hlc);
            p.problems.extend(problems);
            p.changes.extend(stock);
            p.stock_groups = groups;
        }
    }

    // One push per partner, in message order.
    let mut order: Vec<Uuid> = Vec::new();
    for p in &pending {
        if !order.contains(&p.job.partner) {
            order.push(p.job.partner);
        }
    }
    for partner in order {
        let mine: Vec<usize> = (0..pending.len())
            .filter(|&k| pending[k].job.partner == partner)
            .collect();
        let changes: Vec<Change> = mine
            .iter()
            .flat_map(|&k| pending[k].changes.iter().cloned())
            .collect();
        if changes.is_empty() {
            continue;
        }
        let device = Device {
            id: derived_id(partner, "hl7-device"),
            org: partner,
        };
        let applied = crate::push::apply_cached(conn, device, &changes, &mut cache)
            .await
            .map_err(|e: ApiError| SubmitError::Apply(e.body.message_en))?;
        let mut results = applied.results.into_iter();
        for &k in &mine {
            let p = &mut pending[k];
            let mine: Vec<_> = results.by_ref().take(p.changes.len()).collect();
            outcome_problems(p, &mine);
        }
    }
    for p in pending {
        out[p.index] = Some((p.problems, p.stored));
    }
    Ok(deferred)
}

/// The fields of the doses already stored, by id.
async fn known_doses(
    conn: &mut PgConnection,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Map<String, Value>>, SubmitError> {
    let ids: Vec<Uuid> = ids.collect();
    let mut known = HashMap::new();
    if ids.is_empty() {
        return Ok(known);
    }
    let rows = query("SELECT id, fields FROM records WHERE entity = 'dose' AND id = ANY($1)")
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    for row in rows {
        if let Value::Object(fields) = row.try_get::<Value, _>("fields")? {
            known.insert(row.try_get("id")?, fields);
        }
    }
    Ok(known)
}

/// Appends the changes of the message's doses (`ids`: group index, dose id).
fn dose_changes(
    p: &mut Pending<'_>,
    ids: &[(usize, Uuid)],
    known: &HashMap<Uuid, Map<String, Value>>,
    hlc: Stamp,
) {
    let partner = p.job.partner;
    for &(index, id) in ids {
        let Some(dose) = p.job.plan.update.doses.get(index) else {
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
                    p.changes.push(change(
                        partner,
                        Entity::Dose,
                        id,
                        ChangeKind::EnteredInError,
                        hlc,
                        f,
                    ));
                    p.groups.push(Some(index));
                }
                Some(_) => {}
                None => p.problems.push(Problem::warning(
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
            patient_id: PatientId(p.patient),
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
                p.changes.push(change(
                    partner,
                    Entity::Dose,
                    id,
                    ChangeKind::Create,
                    hlc,
                    fields,
                ));
                p.groups.push(Some(index));
            }
            Some(current) => {
                let differ: Fields = fields
                    .into_iter()
                    .filter(|(k, v)| k != PATIENT_ID && current.get(k) != Some(v))
                    .collect();
                if !differ.is_empty() {
                    p.changes.push(change(
                        partner,
                        Entity::Dose,
                        id,
                        ChangeKind::Update,
                        hlc,
                        differ,
                    ));
                    p.groups.push(Some(index));
                }
            }
        }
    }
}

/// Reads the push's answers to one message's changes into its problems and
/// its count of records stored.
fn outcome_problems(p: &mut Pending<'_>, results: &[salal_sync::wire::OpResult]) {
    for ((result, change), group) in results
        .iter()
        .zip(&p.changes)
        .skip(p.records)
        .zip(&p.stock_groups)
    {
        let lot = crate::hl7_stock::lot_of(change);
        p.problems
            .extend(crate::hl7_stock::refused(result, *group, &lot));
    }
    for (result, group) in results.iter().zip(&p.groups) {
        match &result.outcome {
            OpOutcome::Applied { .. } => p.stored += 1,
            OpOutcome::Duplicate { .. } => {}
            OpOutcome::Rejected { message_en, .. } => {
                let location = match group {
                    Some(g) => Location::segment("RXA", g + 1, 0),
                    None => Location::segment("PID", 1, p.job.plan.pid_position),
                };
                let rejects = match group {
                    Some(_) => Rejects::Group("ORDER".to_owned()),
                    None => Rejects::Message,
                };
                p.problems.push(Problem::error(
                    ErrorCode::ApplicationInternalError,
                    Some(location),
                    rejects,
                    format!("the registry refused this record: {message_en}"),
                ));
            }
        }
    }
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

/// The position (1-based) of the PID segment, 0 when there is none.
pub(crate) fn pid_position(message: &Message) -> usize {
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
fn dose_id(partner: Uuid, patient: Uuid, dose: &VaccinationGroup, index: usize) -> Uuid {
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
