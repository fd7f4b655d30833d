//! Reading messages into [`crate::model`] values (and so into `salal-core`
//! types): PID/PD1/NK1 into a [`PatientRecord`], each ORC/RXA/RXR/OBX group
//! into a [`VaccinationGroup`], QPD into a [`Query`], an RSP into a
//! [`QueryResponse`], MSA/ERR into an [`Acknowledgement`].
//!
//! Reading is tolerant like parsing: a value that cannot be read (a bad date)
//! is left empty, and [`crate::check`] is where such problems are reported.
//! Only a message of the wrong kind is an error.

use crate::datetime::parse_date;
use crate::message::{Message, Repetition, Segment};
use crate::model::{
    ActionCode, DoseEvaluation, EntityId, EvaluatedDose, IdentifierType, ImmunizationUpdate,
    MultipleBirth, NextOfKin, NoRecordsReason, Observation, PatientIdentifier, PatientRecord,
    PersonName, Query, QueryResponse, Recommendation, RegistryPreferences, VaccinationGroup,
    VisStatement,
};
use crate::problem::{ErrorCode, Location, Problem, Rejects, Severity};
use crate::{Profile, conformance};
use salal_core::codes::{CodeSets, normalize_cvx};
use salal_core::event::{EventKind, NewEvent, VisGiven};
use salal_core::patient::Sex;

/// Why a message could not be read as the kind asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// MSH-9 names another message type.
    #[error(
        "message {control_id:?} is {found:?}, not {expected}; read it with the matching function"
    )]
    WrongMessageType {
        /// What the function reads ("VXU").
        expected: &'static str,
        /// MSH-9.1 as sent.
        found: String,
        /// MSH-10.
        control_id: String,
    },
    /// A segment the reading needs is absent.
    #[error("message {control_id:?} has no {segment} segment, which a {message_type} must carry")]
    MissingSegment {
        /// The segment ("PID").
        segment: &'static str,
        /// The message type.
        message_type: &'static str,
        /// MSH-10.
        control_id: String,
    },
}

fn expect_type(message: &Message, expected: &'static str) -> Result<(), MapError> {
    let found = message.message_type().code;
    if found == expected {
        Ok(())
    } else {
        Err(MapError::WrongMessageType {
            expected,
            found,
            control_id: message.control_id().to_owned(),
        })
    }
}

fn missing(message: &Message, segment: &'static str, message_type: &'static str) -> MapError {
    MapError::MissingSegment {
        segment,
        message_type,
        control_id: message.control_id().to_owned(),
    }
}

/// Reads a VXU^V04.
pub fn read_update(message: &Message) -> Result<ImmunizationUpdate, MapError> {
    expect_type(message, "VXU")?;
    let pid_index = message
        .segments
        .iter()
        .position(|s| s.name == "PID")
        .ok_or_else(|| missing(message, "PID", "VXU"))?;
    let rest = message.segments.get(pid_index..).unwrap_or_default();
    let (patient, after_patient) = read_patient_group(rest);
    Ok(ImmunizationUpdate {
        patient,
        doses: read_doses(after_patient)
            .into_iter()
            .map(|(dose, _)| dose)
            .collect(),
    })
}

/// Reads PID, then PD1 and NK1 up to the next PID or ORC; returns the
/// patient and the segments after the patient part.
fn read_patient_group(segments: &[Segment]) -> (PatientRecord, &[Segment]) {
    let mut patient = PatientRecord::default();
    let mut consumed = 0;
    for (index, segment) in segments.iter().enumerate() {
        match segment.name.as_str() {
            "PID" if index == 0 => read_pid(segment, &mut patient),
            "PD1" => patient.preferences = Some(read_pd1(segment)),
            "NK1" => patient.next_of_kin.push(read_nk1(segment)),
            "PID" | "ORC" | "RXA" => break,
            _ => {}
        }
        consumed = index + 1;
    }
    if let Some(guardian) = patient.next_of_kin.first() {
        patient.details.guardian_name = PersonName {
            id: String::new(),
            family_name: guardian.family_name.clone(),
            given_name: guardian.given_name.clone(),
        }
        .display();
        patient
            .details
            .guardian_relationship
            .clone_from(&guardian.relationship);
    }
    (patient, segments.get(consumed..).unwrap_or_default())
}

fn read_pid(pid: &Segment, patient: &mut PatientRecord) {
    for repetition in pid.repetitions(3) {
        let id = repetition.text(1).trim();
        if id.is_empty() {
            continue;
        }
        let identifier = PatientIdentifier {
            id: id.to_owned(),
            assigning_authority: repetition.text(4).trim().to_owned(),
            kind: IdentifierType::from_code(repetition.text(5)),
        };
        match identifier.kind {
            IdentifierType::MedicalRecord if patient.details.medical_record_number.is_empty() => {
                patient.details.medical_record_number = identifier.id.clone();
            }
            IdentifierType::BirthCertificate
                if patient.details.birth_certificate_number.is_empty() =>
            {
                patient.details.birth_certificate_number = identifier.id.clone();
            }
            _ => {}
        }
        patient.identifiers.push(identifier);
    }
    if let Some(name) = pid.repetitions(5).first() {
        let (last, second) = read_surnames(name);
        patient.details.last_name = last;
        patient.details.second_last_name = second;
        patient.details.first_name = name.text(2).trim().to_owned();
        patient.details.middle_name = name.text(3).trim().to_owned();
    }
    if let Some(mother) = pid.repetitions(6).first() {
        patient.details.mother_maiden_name = mother.text(1).trim().to_owned();
        patient.mother_given_name = mother.text(2).trim().to_owned();
    }
    patient.details.birth_date = parse_date(pid.component_text(7, 1));
    patient.details.sex = Sex::from_code(pid.text(8)).unwrap_or_default();
    if let Some(address) = pid.repetitions(11).first() {
        patient.details.address_line = address.text(1).trim().to_owned();
        patient.details.city = address.text(3).trim().to_owned();
        patient.details.state = address.text(4).trim().to_owned();
        patient.details.postal_code = address.text(5).trim().to_owned();
        patient.address_country = address.text(6).trim().to_owned();
        patient.address_type = address.text(7).trim().to_owned();
    }
    for phone in pid.repetitions(13) {
        if phone.text(2).trim() == "NET" || !phone.text(4).trim().is_empty() {
            if patient.email.is_empty() {
                patient.email = phone.text(4).trim().to_owned();
            }
        } else if patient.details.phone.is_empty() {
            let number = format!("{}{}", phone.text(6).trim(), phone.text(7).trim());
            patient.details.phone = if number.is_empty() {
                phone.text(1).trim().to_owned()
            } else {
                number
            };
        }
    }
    let multiple = pid.text(24).trim();
    if !multiple.is_empty() {
        patient.multiple_birth = Some(MultipleBirth {
            multiple: multiple.eq_ignore_ascii_case("Y"),
            order: pid.text(25).trim().parse().ok(),
        });
    }
}

/// XPN-1 carries the surname as the family writes it ("García López") and,
/// when there is a second surname, FN-3 ("own surname") the first one alone;
/// see `builders::surname`.
fn read_surnames(name: &Repetition) -> (String, String) {
    let Some(family) = name.component(1) else {
        return (String::new(), String::new());
    };
    let full = family.first().trim();
    let own = family.subcomponent(3).trim();
    if !own.is_empty()
        && let Some(rest) = full.strip_prefix(own)
        && let Some(second) = rest.strip_prefix(' ')
    {
        return (own.to_owned(), second.trim().to_owned());
    }
    (full.to_owned(), String::new())
}

fn read_pd1(pd1: &Segment) -> RegistryPreferences {
    let protection = pd1.text(12).trim();
    RegistryPreferences {
        publicity_code: pd1.text(11).trim().to_owned(),
        publicity_date: parse_date(pd1.text(18)),
        protection: match protection {
            "Y" => Some(true),
            "N" => Some(false),
            _ => None,
        },
        protection_date: parse_date(pd1.text(13)),
        registry_status: pd1.text(16).trim().to_owned(),
        registry_status_date: parse_date(pd1.text(17)),
    }
}

fn read_nk1(nk1: &Segment) -> NextOfKin {
    NextOfKin {
        family_name: nk1.component_text(2, 1).trim().to_owned(),
        given_name: nk1.component_text(2, 2).trim().to_owned(),
        relationship: nk1.text(3).trim().to_owned(),
    }
}

fn read_person(segment: &Segment, field: usize) -> Option<PersonName> {
    let repetition = segment.repetitions(field).first()?;
    let person = PersonName {
        id: repetition.text(1).trim().to_owned(),
        family_name: repetition.text(2).trim().to_owned(),
        given_name: repetition.text(3).trim().to_owned(),
    };
    (person != PersonName::default()).then_some(person)
}

fn entity(segment: &Segment, field: usize) -> Option<EntityId> {
    let id = segment.component_text(field, 1).trim();
    (!id.is_empty()).then(|| EntityId {
        id: id.to_owned(),
        namespace: segment.component_text(field, 2).trim().to_owned(),
    })
}

/// The segments of one ORC group, before reading.
#[derive(Default)]
struct OrderSegments<'a> {
    orc: Option<&'a Segment>,
    rxa: Option<&'a Segment>,
    rxr: Option<&'a Segment>,
    observations: Vec<&'a Segment>,
}

/// Each ORC group (or RXA without ORC) as a dose and its OBX segments.
fn read_doses(segments: &[Segment]) -> Vec<(VaccinationGroup, Vec<&Segment>)> {
    let mut groups: Vec<OrderSegments<'_>> = Vec::new();
    for segment in segments {
        match segment.name.as_str() {
            "ORC" => groups.push(OrderSegments {
                orc: Some(segment),
                ..OrderSegments::default()
            }),
            "RXA" => match groups.last_mut() {
                Some(group) if group.rxa.is_none() => group.rxa = Some(segment),
                _ => groups.push(OrderSegments {
                    rxa: Some(segment),
                    ..OrderSegments::default()
                }),
            },
            "RXR" => {
                if let Some(group) = groups.last_mut() {
                    group.rxr = Some(segment);
                }
            }
            "OBX" => {
                if let Some(group) = groups.last_mut() {
                    group.observations.push(segment);
                }
            }
            "PID" => break,
            _ => {}
        }
    }
    groups
        .into_iter()
        .filter_map(|group| {
            let rxa = group.rxa?;
            let dose = read_dose(group.orc, rxa, group.rxr, &group.observations);
            Some((dose, group.observations))
        })
        .collect()
}

fn read_dose(
    orc: Option<&Segment>,
    rxa: &Segment,
    rxr: Option<&Segment>,
    observations: &[&Segment],
) -> VaccinationGroup {
    let codes = CodeSets::embedded().ok();
    let mut event = NewEvent::default();
    let mut group = VaccinationGroup::default();
    if let Some(orc) = orc {
        group.placer_order_id = entity(orc, 2);
        group.filler_order_id = entity(orc, 3).unwrap_or_default();
        group.ordering_provider = read_person(orc, 12);
    }
    event.date = parse_date(rxa.component_text(3, 1));
    if let Some(vaccine) = rxa.repetitions(5).first() {
        for (code, system) in [
            (vaccine.text(1), vaccine.text(3)),
            (vaccine.text(4), vaccine.text(6)),
        ] {
            let code = code.trim();
            match system.trim() {
                "CVX" if event.cvx.is_empty() => event.cvx = normalize_cvx(code),
                "NDC" if event.ndc.is_empty() => event.ndc = code.to_owned(),
                _ => {}
            }
        }
        if event.cvx.is_empty()
            && let Some(product) = codes.and_then(|c| c.ndc(&event.ndc))
        {
            event.cvx.clone_from(&product.cvx);
        }
    }
    let amount = rxa.text(6).trim();
    if amount != "999" {
        event.amount_ml = amount.to_owned();
        group.amount_unit = rxa.component_text(7, 1).trim().to_owned();
    }
    let source = rxa.text(9).trim();
    group.administering_provider = read_person(rxa, 10);
    event.administering_provider = group
        .administering_provider
        .as_ref()
        .map(PersonName::display)
        .unwrap_or_default();
    group.administered_at = rxa.component_text(11, 4).trim().to_owned();
    event.lot_number = rxa.text(15).trim().to_owned();
    event.lot_expiration = parse_date(rxa.component_text(16, 1));
    event.mvx = rxa.text(17).trim().to_owned();
    event.refusal_reason = rxa.text(18).trim().to_owned();
    group.completion_status = rxa.text(20).trim().to_owned();
    group.action = ActionCode::from_code(rxa.text(21)).unwrap_or_default();
    if let Some(rxr) = rxr {
        event.route = rxr.text(1).trim().to_owned();
        event.site = rxr.text(2).trim().to_owned();
    }
    event.kind = if group.completion_status == "RE" {
        EventKind::Refusal
    } else if source == "00" {
        EventKind::Administered
    } else if !source.is_empty() {
        event.information_source = source.to_owned();
        EventKind::Historical
    } else {
        EventKind::Administered
    };
    read_observations(observations, &mut event, &mut group);
    group.event = event;
    group
}

fn read_observations(
    observations: &[&Segment],
    event: &mut NewEvent,
    group: &mut VaccinationGroup,
) {
    // VIS observations are grouped by OBX-4.
    let mut vis: Vec<(String, VisStatement)> = Vec::new();
    let mut vis_entry = |sub_id: &str| -> usize {
        if let Some(index) = vis.iter().position(|(id, _)| id == sub_id) {
            return index;
        }
        vis.push((sub_id.to_owned(), VisStatement::default()));
        vis.len() - 1
    };
    let mut vis_updates: Vec<(usize, &str, &str)> = Vec::new();
    for obx in observations {
        let code = obx.component_text(3, 1).trim();
        let value = obx.component_text(5, 1).trim();
        let sub_id = obx.text(4).trim();
        match code {
            "64994-7" => {
                event.vfc_eligibility = value.to_owned();
                group.eligibility_method = obx.component_text(17, 1).trim().to_owned();
            }
            "30963-3" => event.funding_source = value.to_owned(),
            "59784-9" => {
                event.kind = EventKind::EvidenceOfImmunity;
                event.observation_code = value.to_owned();
            }
            "30945-0" => {
                event.kind = EventKind::Contraindication;
                event.observation_code = value.to_owned();
            }
            "30946-8" => group.contraindication_effective = parse_date(value),
            "30944-3" => group.contraindication_expires = parse_date(value),
            "69764-9" | "30956-7" | "29768-9" | "29769-7" => {
                let index = vis_entry(sub_id);
                vis_updates.push((index, code, value));
            }
            _ => group.other_observations.push(Observation {
                value_type: obx.text(2).trim().to_owned(),
                code: code.to_owned(),
                sub_id: sub_id.to_owned(),
                value: value.to_owned(),
                value_system: obx.component_text(5, 3).trim().to_owned(),
            }),
        }
    }
    for (index, code, value) in vis_updates {
        if let Some((_, statement)) = vis.get_mut(index) {
            match code {
                "69764-9" => statement.document = value.to_owned(),
                "30956-7" => statement.vaccine_cvx = normalize_cvx(value),
                "29768-9" => statement.published = parse_date(value),
                _ => statement.presented = parse_date(value),
            }
        }
    }
    // A vaccine type with no VIS document or date is a Z42 evaluation's
    // 30956-7, not a VIS.
    group.vis = vis
        .into_iter()
        .map(|(_, statement)| statement)
        .filter(|s| !s.document.is_empty() || s.published.is_some() || s.presented.is_some())
        .collect();
    event.vis = group
        .vis
        .iter()
        .filter_map(|statement| {
            let presented_on = statement.presented?;
            let document = if statement.document.is_empty() {
                statement.vaccine_cvx.clone()
            } else {
                statement.document.clone()
            };
            Some(VisGiven {
                document,
                presented_on,
            })
        })
        .collect();
}

/// Reads a QBP^Q11.
pub fn read_query(message: &Message) -> Result<Query, MapError> {
    expect_type(message, "QBP")?;
    let qpd = message
        .first("QPD")
        .ok_or_else(|| missing(message, "QPD", "QBP"))?;
    Ok(read_qpd(message, qpd))
}

fn read_qpd(message: &Message, qpd: &Segment) -> Query {
    let profile = Profile::from_code(qpd.component_text(1, 1))
        .filter(|p| matches!(p, Profile::Z34 | Profile::Z44))
        .unwrap_or_default();
    // QPD-3..QPD-11 are PID-3, -5, -6, -7, -8, -11, -13, -24, -25 in order.
    let mut pid = Segment::new("PID");
    for (qpd_field, pid_field) in [
        (3, 3),
        (4, 5),
        (5, 6),
        (6, 7),
        (7, 8),
        (8, 11),
        (9, 13),
        (10, 24),
        (11, 25),
    ] {
        if let Some(field) = qpd.field(qpd_field) {
            pid.set_field(pid_field, field.clone());
        }
    }
    let mut patient = PatientRecord::default();
    read_pid(&pid, &mut patient);
    Query {
        profile,
        query_tag: qpd.text(2).trim().to_owned(),
        patient,
        quantity_limit: message
            .first("RCP")
            .map_or("", |rcp| rcp.component_text(2, 1))
            .trim()
            .parse()
            .unwrap_or(0),
    }
}

/// Reads an RSP^K11 into what it answers; the profile is told from QAK-2 and
/// MSH-21 as [`crate::check`] tells it.
pub fn read_response(message: &Message) -> Result<QueryResponse, MapError> {
    expect_type(message, "RSP")?;
    let report = conformance::check(message);
    let status = message.first("QAK").map_or("", |q| q.text(2)).trim();
    let first_pid = message.segments.iter().position(|s| s.name == "PID");
    let Some(first_pid) = first_pid else {
        let reason = match status {
            "TM" => NoRecordsReason::TooMany,
            "PD" => NoRecordsReason::Protected,
            "AE" | "AR" => NoRecordsReason::QueryError(read_errors(message)),
            _ => NoRecordsReason::NotFound,
        };
        return Ok(QueryResponse::NoRecords(reason));
    };
    let rest = message.segments.get(first_pid..).unwrap_or_default();
    if report.profile == Some(Profile::Z31) {
        let mut candidates = Vec::new();
        let mut remaining = rest;
        while remaining.first().is_some_and(|s| s.name == "PID") {
            let (patient, after) = read_patient_group(remaining);
            candidates.push(patient);
            remaining = after;
            let skip = remaining
                .iter()
                .position(|s| s.name == "PID")
                .unwrap_or(remaining.len());
            remaining = remaining.get(skip..).unwrap_or_default();
        }
        return Ok(QueryResponse::Candidates(candidates));
    }
    let (patient, after_patient) = read_patient_group(rest);
    let groups = read_doses(after_patient);
    if report.profile != Some(Profile::Z42) {
        return Ok(QueryResponse::History {
            patient,
            doses: groups.into_iter().map(|(dose, _)| dose).collect(),
        });
    }
    let mut doses = Vec::new();
    let mut recommendations = Vec::new();
    let mut as_of = None;
    for (mut dose, observations) in groups {
        if dose.event.cvx == "998" {
            as_of = as_of.or(dose.event.date);
            recommendations.extend(read_recommendations(&observations));
        } else {
            let evaluations = read_evaluations(&observations);
            dose.other_observations
                .retain(|o| !EVALUATION_CODES.contains(&o.code.as_str()));
            doses.push(EvaluatedDose { dose, evaluations });
        }
    }
    Ok(QueryResponse::Forecast {
        patient,
        doses,
        recommendations,
        as_of: as_of.unwrap_or_default(),
    })
}

/// OBX codes of an evaluation or recommendation, beside 30956-7.
const EVALUATION_CODES: &[&str] = &[
    "59779-9", "30973-2", "59782-3", "59781-5", "30980-7", "30981-5", "59777-3", "59778-1",
    "59783-1", "30979-9",
];

/// Splits OBX into runs, each starting at a vaccine-type observation.
fn by_vaccine_group<'a>(observations: &[&'a Segment]) -> Vec<Vec<&'a Segment>> {
    let mut runs: Vec<Vec<&Segment>> = Vec::new();
    for obx in observations {
        let code = obx.component_text(3, 1).trim();
        if matches!(code, "30956-7" | "30979-9" | "38890-0") || runs.is_empty() {
            runs.push(Vec::new());
        }
        if let Some(run) = runs.last_mut() {
            run.push(obx);
        }
    }
    runs
}

fn number(obx: &Segment) -> Option<u32> {
    obx.component_text(5, 1).trim().parse().ok()
}

fn read_evaluations(observations: &[&Segment]) -> Vec<DoseEvaluation> {
    by_vaccine_group(observations)
        .into_iter()
        .filter_map(|run| {
            let mut evaluation = DoseEvaluation::default();
            let mut found = false;
            for obx in run {
                let value = obx.component_text(5, 1).trim();
                match obx.component_text(3, 1).trim() {
                    "30956-7" | "38890-0" => {
                        found = true;
                        evaluation.vaccine_group_cvx = normalize_cvx(value);
                        evaluation.vaccine_group_name = obx.component_text(5, 2).trim().to_owned();
                    }
                    "59779-9" => evaluation.schedule = value.to_owned(),
                    "30973-2" => evaluation.dose_number = number(obx),
                    "59782-3" => evaluation.doses_in_series = number(obx),
                    "59781-5" => evaluation.valid = Some(value.eq_ignore_ascii_case("Y")),
                    _ => {}
                }
            }
            found.then_some(evaluation)
        })
        .collect()
}

fn read_recommendations(observations: &[&Segment]) -> Vec<Recommendation> {
    by_vaccine_group(observations)
        .into_iter()
        .filter_map(|run| {
            let mut recommendation = Recommendation::default();
            let mut found = false;
            for obx in run {
                let value = obx.component_text(5, 1).trim();
                match obx.component_text(3, 1).trim() {
                    "30956-7" | "30979-9" => {
                        found = true;
                        recommendation.vaccine_group_cvx = normalize_cvx(value);
                        recommendation.vaccine_group_name =
                            obx.component_text(5, 2).trim().to_owned();
                    }
                    "59779-9" => recommendation.schedule = value.to_owned(),
                    "30973-2" => recommendation.dose_number = number(obx),
                    "59782-3" => recommendation.doses_in_series = number(obx),
                    "30981-5" => recommendation.earliest = parse_date(value),
                    "30980-7" => recommendation.due = parse_date(value),
                    "59778-1" => recommendation.overdue = parse_date(value),
                    "59777-3" => recommendation.latest = parse_date(value),
                    "59783-1" => {
                        recommendation.status = value.to_owned();
                        recommendation.status_system = obx.component_text(5, 3).trim().to_owned();
                    }
                    _ => {}
                }
            }
            found.then_some(recommendation)
        })
        .collect()
}

/// MSA-1, HL7 table 0008.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AckCode {
    /// AA: accepted (maybe with warnings).
    Accept,
    /// AE: processed with errors.
    Error,
    /// AR: rejected.
    Reject,
}

impl AckCode {
    /// The table code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            AckCode::Accept => "AA",
            AckCode::Error => "AE",
            AckCode::Reject => "AR",
        }
    }

    /// From the table code (the commit codes CA/CE/CR read as AA/AE/AR).
    #[must_use]
    pub fn from_code(code: &str) -> Option<AckCode> {
        match code.trim() {
            "AA" | "CA" => Some(AckCode::Accept),
            "AE" | "CE" => Some(AckCode::Error),
            "AR" | "CR" => Some(AckCode::Reject),
            _ => None,
        }
    }
}

/// An ACK (or the MSA/ERR part of an RSP), read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acknowledgement {
    /// MSA-1, when readable.
    pub code: Option<AckCode>,
    /// MSA-2: the control id of the message acknowledged.
    pub acknowledged_control_id: String,
    /// Each ERR, as a problem (unknown codes read as 207, unknown severities as E).
    pub errors: Vec<Problem>,
}

/// Reads an ACK's MSA and ERR segments.
pub fn read_acknowledgement(message: &Message) -> Result<Acknowledgement, MapError> {
    expect_type(message, "ACK")?;
    let msa = message
        .first("MSA")
        .ok_or_else(|| missing(message, "MSA", "ACK"))?;
    Ok(Acknowledgement {
        code: AckCode::from_code(msa.text(1)),
        acknowledged_control_id: msa.text(2).trim().to_owned(),
        errors: read_errors(message),
    })
}

fn read_errors(message: &Message) -> Vec<Problem> {
    message
        .segments_named("ERR")
        .map(|err| {
            let location = err.repetitions(2).first().and_then(|erl| {
                let segment = erl.text(1).trim();
                (!segment.is_empty()).then(|| {
                    let position = |n: usize| erl.text(n).trim().parse::<usize>().ok();
                    Location {
                        segment: segment.to_owned(),
                        occurrence: position(2),
                        position: None,
                        field: position(3),
                        repetition: position(4),
                        component: position(5),
                        subcomponent: position(6),
                    }
                })
            });
            let severity = Severity::from_code(err.text(4)).unwrap_or(Severity::Error);
            Problem {
                location,
                code: ErrorCode::from_code(err.component_text(3, 1))
                    .unwrap_or(ErrorCode::ApplicationInternalError),
                application_error: crate::ApplicationError::from_code(err.component_text(5, 1)),
                severity,
                rejects: if severity == Severity::Error {
                    Rejects::Segment
                } else {
                    Rejects::Nothing
                },
                rule: None,
                text: err.text(8).trim().to_owned(),
            }
        })
        .collect()
}
