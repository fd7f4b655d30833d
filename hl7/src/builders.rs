//! Builders for outgoing messages, CR-separated and conformant to their CDC
//! IG profile: VXU^V04 (Z22), ACK^V04 (Z23), QBP^Q11 (Z34, Z44) and RSP^K11
//! (Z31, Z32, Z33, Z42). Each takes [`crate::model`] values and returns a
//! [`Message`]; call [`Message::encode`] for the text.
//!
//! Code display texts (CE-2) come from the code sets `salal-core` embeds.

use crate::Profile;
use crate::datetime::format_date;
use crate::map::AckCode;
use crate::message::{Component, Field, Message, Repetition, Segment};
use crate::model::{
    DoseEvaluation, EvaluatedDose, IdentifierType, ImmunizationUpdate, MessageHeader,
    NoRecordsReason, PatientRecord, PersonName, Query, QueryResponse, Recommendation,
    VaccinationGroup, VisStatement,
};
use crate::problem::{Problem, Severity};
use chrono::NaiveDate;
use salal_core::codes::{CodeSets, Table};
use salal_core::event::EventKind;

fn msh(
    header: &MessageHeader,
    message_type: [&str; 3],
    profile: Profile,
    acknowledgement_types: [&str; 2],
) -> Segment {
    let mut segment = Segment::new("MSH");
    segment.set_text(1, "|");
    segment.set_text(2, "^~\\&");
    segment.set_text(3, &header.sending_application);
    segment.set_text(4, &header.sending_facility);
    segment.set_text(5, &header.receiving_application);
    segment.set_text(6, &header.receiving_facility);
    segment.set_text(7, &header.date_time);
    segment.set_components(9, &message_type);
    segment.set_text(10, &header.control_id);
    segment.set_text(
        11,
        if header.processing_id.is_empty() {
            "P"
        } else {
            &header.processing_id
        },
    );
    segment.set_text(12, "2.5.1");
    segment.set_text(15, acknowledgement_types[0]);
    segment.set_text(16, acknowledgement_types[1]);
    segment.set_components(21, &[profile.code(), "CDCPHINVS"]);
    segment
}

fn message(segments: Vec<Segment>) -> Message {
    Message {
        delimiters: crate::Delimiters::default(),
        segments,
    }
}

fn date(date: Option<NaiveDate>) -> String {
    date.map(format_date).unwrap_or_default()
}

fn codes() -> Option<&'static CodeSets> {
    CodeSets::embedded().ok()
}

fn table_display(table: Table, code: &str) -> String {
    codes()
        .and_then(|c| c.lookup(table, code))
        .map(|c| c.display.clone())
        .unwrap_or_default()
}

fn vaccine_name(cvx: &str) -> String {
    codes()
        .and_then(|c| c.vaccine(cvx))
        .map(|v| v.short_description.clone())
        .unwrap_or_default()
}

/// XPN-1 as the builders write it: the surname as the family writes it
/// ("García López") in FN-1 and, when there is a second surname, the first
/// surname alone in FN-3 ("own surname"), so a receiver that only reads FN-1
/// shows and matches the whole surname and Salal can split it again.
fn surname(last: &str, second: &str) -> Component {
    if second.is_empty() {
        Component::text(last)
    } else {
        Component {
            subcomponents: vec![format!("{last} {second}"), String::new(), last.to_owned()],
        }
    }
}

fn pid(patient: &PatientRecord, assigning_authority: &str) -> Segment {
    let details = &patient.details;
    let mut segment = Segment::new("PID");
    segment.set_text(1, "1");
    let mut identifiers: Vec<Repetition> = patient
        .identifiers
        .iter()
        .map(|id| {
            Repetition::from_texts(&[
                id.id.as_str(),
                "",
                "",
                id.assigning_authority.as_str(),
                id.kind.code(),
            ])
        })
        .collect();
    for (number, kind) in [
        (
            &details.medical_record_number,
            IdentifierType::MedicalRecord,
        ),
        (
            &details.birth_certificate_number,
            IdentifierType::BirthCertificate,
        ),
    ] {
        let listed = patient
            .identifiers
            .iter()
            .any(|id| id.kind == kind && &id.id == number);
        if !number.is_empty() && !listed {
            identifiers.push(Repetition::from_texts(&[
                number.as_str(),
                "",
                "",
                assigning_authority,
                kind.code(),
            ]));
        }
    }
    segment.set_repetitions(3, identifiers);
    let mut name = Repetition::from_texts(&[
        "",
        details.first_name.as_str(),
        details.middle_name.as_str(),
        "",
        "",
        "",
        "L",
    ]);
    if let Some(family) = name.components.first_mut() {
        *family = surname(&details.last_name, &details.second_last_name);
    }
    segment.set_repetitions(5, vec![name]);
    if !details.mother_maiden_name.is_empty() {
        segment.set_components(
            6,
            &[
                details.mother_maiden_name.as_str(),
                patient.mother_given_name.as_str(),
                "",
                "",
                "",
                "",
                "M",
            ],
        );
    }
    segment.set_text(7, &date(details.birth_date));
    segment.set_text(8, details.sex.code());
    segment.set_components(
        11,
        &[
            details.address_line.as_str(),
            "",
            details.city.as_str(),
            details.state.as_str(),
            details.postal_code.as_str(),
            patient.address_country.as_str(),
            patient.address_type.as_str(),
        ],
    );
    if details.address_line.is_empty() && details.city.is_empty() && details.postal_code.is_empty()
    {
        segment.set_field(11, Field::default());
    }
    let mut phones = Vec::new();
    if !details.phone.is_empty() {
        let digits: String = details.phone.chars().filter(char::is_ascii_digit).collect();
        let (area, local) = if digits.len() == 10 {
            digits.split_at(3)
        } else {
            ("", digits.as_str())
        };
        phones.push(Repetition::from_texts(&[
            "", "PRN", "PH", "", "", area, local,
        ]));
    }
    if !patient.email.is_empty() {
        phones.push(Repetition::from_texts(&[
            "",
            "NET",
            "X.400",
            patient.email.as_str(),
        ]));
    }
    segment.set_repetitions(13, phones);
    if let Some(multiple) = patient.multiple_birth {
        segment.set_text(24, if multiple.multiple { "Y" } else { "N" });
        if let Some(order) = multiple.order {
            segment.set_text(25, &order.to_string());
        }
    }
    segment
}

fn pd1(patient: &PatientRecord) -> Option<Segment> {
    let preferences = patient.preferences.as_ref()?;
    let mut segment = Segment::new("PD1");
    if !preferences.publicity_code.is_empty() {
        let display = match preferences.publicity_code.as_str() {
            "01" => "No reminder/recall",
            "02" => "Reminder/recall - any method",
            "03" => "Reminder/recall - no calls",
            _ => "",
        };
        segment.set_components(
            11,
            &[preferences.publicity_code.as_str(), display, "HL70215"],
        );
    }
    if let Some(protected) = preferences.protection {
        segment.set_text(12, if protected { "Y" } else { "N" });
        segment.set_text(13, &date(preferences.protection_date));
    }
    segment.set_text(16, &preferences.registry_status);
    segment.set_text(17, &date(preferences.registry_status_date));
    segment.set_text(18, &date(preferences.publicity_date));
    Some(segment)
}

fn nk1s(patient: &PatientRecord) -> Vec<Segment> {
    patient
        .next_of_kin
        .iter()
        .enumerate()
        .map(|(index, person)| {
            let mut segment = Segment::new("NK1");
            segment.set_text(1, &(index + 1).to_string());
            segment.set_components(
                2,
                &[
                    person.family_name.as_str(),
                    person.given_name.as_str(),
                    "",
                    "",
                    "",
                    "",
                    "L",
                ],
            );
            let display = match person.relationship.as_str() {
                "MTH" => "Mother",
                "FTH" => "Father",
                "GRD" => "Guardian",
                "SEL" => "Self",
                "PAR" => "Parent",
                _ => "",
            };
            segment.set_components(3, &[person.relationship.as_str(), display, "HL70063"]);
            segment
        })
        .collect()
}

fn patient_segments(patient: &PatientRecord, assigning_authority: &str) -> Vec<Segment> {
    let mut segments = vec![pid(patient, assigning_authority)];
    segments.extend(pd1(patient));
    segments.extend(nk1s(patient));
    segments
}

fn xcn(person: &PersonName) -> Vec<String> {
    let mut parts = vec![
        person.id.clone(),
        person.family_name.clone(),
        person.given_name.clone(),
    ];
    if !person.id.is_empty() {
        // XCN-9 (assigning authority) and XCN-13 (identifier type) are
        // required once XCN-1 is valued.
        parts.resize(13, String::new());
        if let Some(authority) = parts.get_mut(8) {
            authority.push_str("LOCAL");
        }
        if let Some(kind) = parts.get_mut(12) {
            kind.push_str("PRN");
        }
    }
    parts
}

/// OBX segments, numbered as they are added.
struct Observations {
    segments: Vec<Segment>,
    set_id: usize,
}

impl Observations {
    fn add(&mut self, value_type: &str, code: [&str; 2], sub_id: &str, value: Field, date: &str) {
        self.set_id += 1;
        let mut segment = Segment::new("OBX");
        segment.set_text(1, &self.set_id.to_string());
        segment.set_text(2, value_type);
        segment.set_components(3, &[code[0], code[1], "LN"]);
        segment.set_text(4, sub_id);
        segment.set_field(5, value);
        if value_type == "NM" {
            segment.set_components(6, &["NA", "Not Applicable", "HL70353"]);
        }
        segment.set_text(11, "F");
        segment.set_text(14, date);
        self.segments.push(segment);
    }

    fn coded(&mut self, code: [&str; 2], sub_id: &str, value: [&str; 3], date: &str) {
        self.add(
            "CE",
            code,
            sub_id,
            Field {
                repetitions: vec![Repetition::from_texts(&value)],
            },
            date,
        );
    }

    fn date(&mut self, code: [&str; 2], sub_id: &str, value: Option<NaiveDate>, date: &str) {
        if let Some(value) = value {
            self.add("DT", code, sub_id, Field::text(format_date(value)), date);
        }
    }

    fn number(&mut self, code: [&str; 2], sub_id: &str, value: Option<u32>, date: &str) {
        if let Some(value) = value {
            self.add("NM", code, sub_id, Field::text(value.to_string()), date);
        }
    }
}

fn route_system(code: &str) -> String {
    codes()
        .and_then(|c| c.lookup(Table::Route, code))
        .map_or_else(
            || {
                if code.starts_with('C') {
                    "NCIT".to_owned()
                } else {
                    "HL70162".to_owned()
                }
            },
            |c| c.code_system.clone(),
        )
}

/// The ORC, RXA, RXR and OBX segments of one dose.
fn dose_segments(
    dose: &VaccinationGroup,
    facility: &str,
    observations: &mut Observations,
) -> Vec<Segment> {
    let event = &dose.event;
    let mut orc = Segment::new("ORC");
    orc.set_text(1, "RE");
    if let Some(placer) = &dose.placer_order_id {
        orc.set_components(2, &[placer.id.as_str(), placer.namespace.as_str()]);
    }
    let filler_namespace = if dose.filler_order_id.namespace.is_empty() {
        facility
    } else {
        dose.filler_order_id.namespace.as_str()
    };
    let filler_id = if dose.filler_order_id.id.is_empty() {
        "9999"
    } else {
        dose.filler_order_id.id.as_str()
    };
    orc.set_components(3, &[filler_id, filler_namespace]);
    if let Some(ordering) = &dose.ordering_provider {
        orc.set_components(12, &xcn(ordering));
    }

    let mut rxa = Segment::new("RXA");
    rxa.set_text(1, "0");
    rxa.set_text(2, "1");
    rxa.set_text(3, &date(event.date));
    let mut vaccine = if event.cvx.is_empty() {
        vec![event.ndc.clone(), String::new(), "NDC".to_owned()]
    } else {
        vec![
            event.cvx.clone(),
            vaccine_name(&event.cvx),
            "CVX".to_owned(),
        ]
    };
    if !event.cvx.is_empty() && !event.ndc.is_empty() {
        vaccine.extend([event.ndc.clone(), String::new(), "NDC".to_owned()]);
    }
    rxa.set_components(5, &vaccine);
    if event.amount_ml.is_empty() {
        rxa.set_text(6, "999");
    } else {
        rxa.set_text(6, &event.amount_ml);
        let unit = if dose.amount_unit.is_empty() {
            "mL"
        } else {
            dose.amount_unit.as_str()
        };
        rxa.set_components(7, &[unit, unit, "UCUM"]);
    }
    let refused = event.kind == EventKind::Refusal;
    let not_given = matches!(
        event.kind,
        EventKind::EvidenceOfImmunity | EventKind::Contraindication
    );
    let source = match event.kind {
        EventKind::Administered => "00",
        EventKind::Historical if event.information_source.is_empty() => "01",
        _ => event.information_source.as_str(),
    };
    if !source.is_empty() {
        let display = if source == "00" {
            "New immunization record".to_owned()
        } else {
            table_display(Table::InformationSource, source)
        };
        rxa.set_components(9, &[source, display.as_str(), "NIP001"]);
    }
    if let Some(provider) = &dose.administering_provider {
        rxa.set_components(10, &xcn(provider));
    } else if !event.administering_provider.is_empty() {
        rxa.set_components(10, &["", event.administering_provider.as_str()]);
    }
    if !dose.administered_at.is_empty() {
        rxa.set_components(11, &["", "", "", dose.administered_at.as_str()]);
    }
    rxa.set_text(15, &event.lot_number);
    rxa.set_text(16, &date(event.lot_expiration));
    if !event.mvx.is_empty() {
        let name = codes()
            .and_then(|c| c.manufacturer(&event.mvx))
            .map(|m| m.name.clone())
            .unwrap_or_default();
        rxa.set_components(17, &[event.mvx.as_str(), name.as_str(), "MVX"]);
    }
    if !event.refusal_reason.is_empty() {
        let display = table_display(Table::RefusalReason, &event.refusal_reason);
        rxa.set_components(
            18,
            &[event.refusal_reason.as_str(), display.as_str(), "NIP002"],
        );
    }
    // RXA-20 empty means complete (CP) to the IG, so only a refusal or an
    // observation without a dose needs a default.
    let status = if !dose.completion_status.is_empty() {
        dose.completion_status.as_str()
    } else if refused {
        "RE"
    } else if not_given {
        "NA"
    } else {
        ""
    };
    rxa.set_text(20, status);
    rxa.set_text(21, dose.action.code());

    let mut segments = vec![orc, rxa];
    if !event.route.is_empty() || !event.site.is_empty() {
        let mut rxr = Segment::new("RXR");
        if !event.route.is_empty() {
            let display = table_display(Table::Route, &event.route);
            rxr.set_components(
                1,
                &[
                    event.route.as_str(),
                    display.as_str(),
                    route_system(&event.route).as_str(),
                ],
            );
        }
        if !event.site.is_empty() {
            let display = table_display(Table::Site, &event.site);
            rxr.set_components(2, &[event.site.as_str(), display.as_str(), "HL70163"]);
        }
        segments.push(rxr);
    }

    let observed = date(event.date);
    let mut sub_id = 0;
    let mut next_sub_id = || {
        sub_id += 1;
        sub_id.to_string()
    };
    if !event.vfc_eligibility.is_empty() {
        let display = table_display(Table::VfcEligibility, &event.vfc_eligibility);
        let sub = next_sub_id();
        observations.coded(
            ["64994-7", "Vaccine funding program eligibility category"],
            &sub,
            [event.vfc_eligibility.as_str(), display.as_str(), "HL70064"],
            &observed,
        );
        let method = dose.eligibility_method.as_str();
        let method_display = match method {
            "VXC40" => "Eligibility captured at the immunization level",
            "VXC41" => "Eligibility captured at the visit level",
            _ => "",
        };
        if let Some(obx) = observations
            .segments
            .last_mut()
            .filter(|_| !method.is_empty())
        {
            obx.set_components(17, &[method, method_display, "CDCPHINVS"]);
        }
    }
    if !event.funding_source.is_empty() {
        let display = table_display(Table::FundingSource, &event.funding_source);
        let sub = next_sub_id();
        observations.coded(
            ["30963-3", "Vaccine funding source"],
            &sub,
            [event.funding_source.as_str(), display.as_str(), "CDCPHINVS"],
            &observed,
        );
    }
    match event.kind {
        EventKind::EvidenceOfImmunity if !event.observation_code.is_empty() => {
            let display = table_display(Table::EvidenceOfImmunity, &event.observation_code);
            let sub = next_sub_id();
            observations.coded(
                ["59784-9", "Disease with presumed immunity"],
                &sub,
                [event.observation_code.as_str(), display.as_str(), "SCT"],
                &observed,
            );
        }
        EventKind::Contraindication if !event.observation_code.is_empty() => {
            let code =
                codes().and_then(|c| c.lookup(Table::Contraindication, &event.observation_code));
            let display = code.map(|c| c.display.clone()).unwrap_or_default();
            let system = code.map_or("CDCPHINVS".to_owned(), |c| c.code_system.clone());
            let sub = next_sub_id();
            observations.coded(
                ["30945-0", "Vaccination contraindication/precaution"],
                &sub,
                [
                    event.observation_code.as_str(),
                    display.as_str(),
                    system.as_str(),
                ],
                &observed,
            );
            observations.date(
                [
                    "30946-8",
                    "Vaccination contraindication/precaution effective date",
                ],
                &sub,
                dose.contraindication_effective,
                &observed,
            );
            observations.date(
                [
                    "30944-3",
                    "Vaccination temporary contraindication/precaution expiration date",
                ],
                &sub,
                dose.contraindication_expires,
                &observed,
            );
        }
        _ => {}
    }
    // A dose recorded through core alone carries its VIS in the event.
    let core_vis: Vec<VisStatement> = event
        .vis
        .iter()
        .map(|given| VisStatement {
            document: given.document.clone(),
            presented: Some(given.presented_on),
            ..VisStatement::default()
        })
        .collect();
    let statements = if dose.vis.is_empty() {
        &core_vis
    } else {
        &dose.vis
    };
    for statement in statements {
        let sub = next_sub_id();
        if !statement.document.is_empty() {
            observations.coded(
                ["69764-9", "Document type"],
                &sub,
                [statement.document.as_str(), "", "cdcgs1vis"],
                &observed,
            );
        }
        if !statement.vaccine_cvx.is_empty() {
            let name = vaccine_name(&statement.vaccine_cvx);
            observations.coded(
                ["30956-7", "Vaccine type"],
                &sub,
                [statement.vaccine_cvx.as_str(), name.as_str(), "CVX"],
                &observed,
            );
        }
        observations.date(
            ["29768-9", "Date vaccine information statement published"],
            &sub,
            statement.published,
            &observed,
        );
        observations.date(
            ["29769-7", "Date vaccine information statement presented"],
            &sub,
            statement.presented,
            &observed,
        );
    }
    for other in &dose.other_observations {
        let value = Field {
            repetitions: vec![Repetition::from_texts(&[
                other.value.as_str(),
                "",
                other.value_system.as_str(),
            ])],
        };
        let value_type = if other.value_type.is_empty() {
            "ST"
        } else {
            other.value_type.as_str()
        };
        let sub = if other.sub_id.is_empty() {
            next_sub_id()
        } else {
            other.sub_id.clone()
        };
        observations.add(
            value_type,
            [other.code.as_str(), ""],
            &sub,
            value,
            &observed,
        );
    }
    segments.append(&mut observations.segments);
    segments
}

/// VXU^V04 (Z22): one patient and their doses.
#[must_use]
pub fn build_vxu(header: &MessageHeader, update: &ImmunizationUpdate) -> Message {
    let mut segments = vec![msh(
        header,
        ["VXU", "V04", "VXU_V04"],
        Profile::Z22,
        ["ER", "AL"],
    )];
    segments.extend(patient_segments(&update.patient, &header.sending_facility));
    let mut observations = Observations {
        segments: Vec::new(),
        set_id: 0,
    };
    for dose in &update.doses {
        segments.extend(dose_segments(
            dose,
            &header.sending_facility,
            &mut observations,
        ));
    }
    message(segments)
}

/// The MSA-1 code a list of problems calls for: AR when the envelope is
/// refused (HL7 0357 codes 200-203), AE when anything else is an error, AA
/// otherwise (warnings go back in ERR with an AA, as the IG's example does).
#[must_use]
pub fn ack_code(problems: &[Problem]) -> AckCode {
    let errors = problems.iter().filter(|p| p.severity == Severity::Error);
    let mut code = AckCode::Accept;
    for problem in errors {
        if problem.code.is_rejection() {
            return AckCode::Reject;
        }
        code = AckCode::Error;
    }
    code
}

fn err_segment(problem: &Problem) -> Segment {
    let mut segment = Segment::new("ERR");
    if let Some(location) = &problem.location {
        let position = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
        let occurrence = location.occurrence.unwrap_or(1).to_string();
        segment.set_components(
            2,
            &[
                location.segment.clone(),
                occurrence,
                position(location.field),
                position(location.field.and(location.repetition)),
                position(location.component),
                position(location.subcomponent),
            ],
        );
    }
    segment.set_components(3, &[problem.code.code(), problem.code.display(), "HL70357"]);
    segment.set_text(4, problem.severity.code());
    if let Some(application_error) = problem.application_error {
        segment.set_components(
            5,
            &[
                application_error.code(),
                application_error.display(),
                "HL70533",
            ],
        );
    }
    segment.set_text(8, &problem.text);
    segment
}

fn msa(code: AckCode, acknowledged_control_id: &str) -> Segment {
    let mut segment = Segment::new("MSA");
    segment.set_text(1, code.code());
    segment.set_text(2, acknowledged_control_id);
    segment
}

/// ACK (Z23) answering the message `acknowledged_control_id`, with one ERR
/// per problem; MSH-9.2 repeats the trigger of the message acknowledged
/// ("V04" for a VXU, "Q11" for a QBP).
#[must_use]
pub fn build_ack(
    header: &MessageHeader,
    acknowledged_trigger: &str,
    acknowledged_control_id: &str,
    problems: &[Problem],
) -> Message {
    let trigger = if acknowledged_trigger.is_empty() {
        "V04"
    } else {
        acknowledged_trigger
    };
    let mut segments = vec![
        msh(header, ["ACK", trigger, "ACK"], Profile::Z23, ["NE", "NE"]),
        msa(ack_code(problems), acknowledged_control_id),
    ];
    segments.extend(problems.iter().map(err_segment));
    message(segments)
}

fn qpd(query: &Query) -> Segment {
    let mut segment = Segment::new("QPD");
    let name = match query.profile {
        Profile::Z44 => "Request Evaluated History and Forecast",
        _ => "Request Immunization History",
    };
    let profile = if query.profile == Profile::Z44 {
        Profile::Z44
    } else {
        Profile::Z34
    };
    segment.set_components(1, &[profile.code(), name, "CDCPHINVS"]);
    segment.set_text(2, &query.query_tag);
    let pid = pid(&query.patient, "");
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
        if let Some(field) = pid.field(pid_field) {
            segment.set_field(qpd_field, field.clone());
        }
    }
    segment
}

/// QBP^Q11 (Z34 or Z44, as `query.profile` says).
#[must_use]
pub fn build_qbp(header: &MessageHeader, query: &Query) -> Message {
    let profile = if query.profile == Profile::Z44 {
        Profile::Z44
    } else {
        Profile::Z34
    };
    let mut rcp = Segment::new("RCP");
    rcp.set_text(1, "I");
    let limit = if query.quantity_limit == 0 {
        10
    } else {
        query.quantity_limit
    };
    let mut quantity = Repetition::from_texts(&[limit.to_string()]);
    quantity.components.push(Component {
        subcomponents: vec!["RD".to_owned(), "records".to_owned(), "HL70126".to_owned()],
    });
    rcp.set_repetitions(2, vec![quantity]);
    message(vec![
        msh(header, ["QBP", "Q11", "QBP_Q11"], profile, ["ER", "AL"]),
        qpd(query),
        rcp,
    ])
}

fn evaluation_segments(
    evaluation: &DoseEvaluation,
    sub_id: &str,
    date: &str,
    observations: &mut Observations,
) {
    let name = if evaluation.vaccine_group_name.is_empty() {
        vaccine_name(&evaluation.vaccine_group_cvx)
    } else {
        evaluation.vaccine_group_name.clone()
    };
    observations.coded(
        ["30956-7", "Vaccine type"],
        sub_id,
        [evaluation.vaccine_group_cvx.as_str(), name.as_str(), "CVX"],
        date,
    );
    schedule(&evaluation.schedule, sub_id, date, observations);
    observations.number(
        ["30973-2", "Dose number in series"],
        sub_id,
        evaluation.dose_number,
        date,
    );
    observations.number(
        ["59782-3", "Number of doses in primary series"],
        sub_id,
        evaluation.doses_in_series,
        date,
    );
    if let Some(valid) = evaluation.valid {
        observations.add(
            "ID",
            ["59781-5", "Dose validity"],
            sub_id,
            Field::text(if valid { "Y" } else { "N" }),
            date,
        );
    }
}

fn schedule(code: &str, sub_id: &str, date: &str, observations: &mut Observations) {
    let code = if code.is_empty() { "VXC16" } else { code };
    let display = if code == "VXC16" { "ACIP" } else { "" };
    observations.coded(
        ["59779-9", "Immunization Schedule used"],
        sub_id,
        [code, display, "CDCPHINVS"],
        date,
    );
}

fn recommendation_segments(
    recommendation: &Recommendation,
    sub_id: &str,
    date: &str,
    observations: &mut Observations,
) {
    let name = if recommendation.vaccine_group_name.is_empty() {
        vaccine_name(&recommendation.vaccine_group_cvx)
    } else {
        recommendation.vaccine_group_name.clone()
    };
    observations.coded(
        ["30956-7", "Vaccine type"],
        sub_id,
        [
            recommendation.vaccine_group_cvx.as_str(),
            name.as_str(),
            "CVX",
        ],
        date,
    );
    schedule(&recommendation.schedule, sub_id, date, observations);
    observations.number(
        ["30973-2", "Dose number in series"],
        sub_id,
        recommendation.dose_number,
        date,
    );
    observations.number(
        ["59782-3", "Number of doses in primary series"],
        sub_id,
        recommendation.doses_in_series,
        date,
    );
    observations.date(
        ["30981-5", "Earliest date to give"],
        sub_id,
        recommendation.earliest,
        date,
    );
    observations.date(
        ["30980-7", "Date vaccine due"],
        sub_id,
        recommendation.due,
        date,
    );
    observations.date(
        ["59778-1", "Date dose is overdue"],
        sub_id,
        recommendation.overdue,
        date,
    );
    observations.date(
        ["59777-3", "Latest date next dose should be given"],
        sub_id,
        recommendation.latest,
        date,
    );
    if !recommendation.status.is_empty() {
        observations.coded(
            ["59783-1", "Status in immunization series"],
            sub_id,
            [
                recommendation.status.as_str(),
                "",
                recommendation.status_system.as_str(),
            ],
            date,
        );
    }
}

/// RSP^K11 answering `query` (echoed in QAK and QPD): Z31, Z32, Z33 or Z42
/// as `response` says. `acknowledged_control_id` is the query's MSH-10.
#[must_use]
pub fn build_rsp(
    header: &MessageHeader,
    acknowledged_control_id: &str,
    query: &Query,
    response: &QueryResponse,
) -> Message {
    let (profile, status) = match response {
        QueryResponse::Candidates(_) => (Profile::Z31, "OK"),
        QueryResponse::History { .. } => (Profile::Z32, "OK"),
        QueryResponse::Forecast { .. } => (Profile::Z42, "OK"),
        QueryResponse::NoRecords(reason) => (
            Profile::Z33,
            match reason {
                NoRecordsReason::NotFound => "NF",
                NoRecordsReason::TooMany => "TM",
                NoRecordsReason::Protected => "PD",
                NoRecordsReason::QueryError(problems) => {
                    if ack_code(problems) == AckCode::Reject {
                        "AR"
                    } else {
                        "AE"
                    }
                }
            },
        ),
    };
    let problems: &[Problem] = match response {
        QueryResponse::NoRecords(NoRecordsReason::QueryError(problems)) => problems,
        _ => &[],
    };
    let mut segments = vec![
        msh(header, ["RSP", "K11", "RSP_K11"], profile, ["NE", "NE"]),
        msa(ack_code(problems), acknowledged_control_id),
    ];
    segments.extend(problems.iter().map(err_segment));
    let mut qak = Segment::new("QAK");
    qak.set_text(1, &query.query_tag);
    qak.set_text(2, status);
    let query_profile = if query.profile == Profile::Z44 {
        Profile::Z44
    } else {
        Profile::Z34
    };
    qak.set_components(
        3,
        &[query_profile.code(), query_profile.name(), "CDCPHINVS"],
    );
    segments.push(qak);
    segments.push(qpd(query));
    let facility = header.sending_facility.as_str();
    let mut observations = Observations {
        segments: Vec::new(),
        set_id: 0,
    };
    match response {
        QueryResponse::Candidates(patients) => {
            for (index, patient) in patients.iter().enumerate() {
                let mut patient_segments = patient_segments(patient, facility);
                if let Some(pid) = patient_segments.first_mut() {
                    pid.set_text(1, &(index + 1).to_string());
                }
                segments.extend(patient_segments);
            }
        }
        QueryResponse::History { patient, doses } => {
            segments.extend(patient_segments(patient, facility));
            for dose in doses {
                segments.extend(dose_segments(dose, facility, &mut observations));
            }
        }
        QueryResponse::Forecast {
            patient,
            doses,
            recommendations,
            as_of,
        } => {
            segments.extend(patient_segments(patient, facility));
            for EvaluatedDose { dose, evaluations } in doses {
                let mut dose_segments = dose_segments(dose, facility, &mut observations);
                let observed = date(dose.event.date);
                for (index, evaluation) in evaluations.iter().enumerate() {
                    evaluation_segments(
                        evaluation,
                        &format!("{}", index + 1 + 100),
                        &observed,
                        &mut observations,
                    );
                }
                dose_segments.append(&mut observations.segments);
                segments.extend(dose_segments);
            }
            let forecast_date = format_date(*as_of);
            for (index, recommendation) in recommendations.iter().enumerate() {
                let mut orc = Segment::new("ORC");
                orc.set_text(1, "RE");
                orc.set_components(3, &["9999", facility]);
                let mut rxa = Segment::new("RXA");
                rxa.set_text(1, "0");
                rxa.set_text(2, "1");
                rxa.set_text(3, &forecast_date);
                rxa.set_components(5, &["998", "No vaccine administered", "CVX"]);
                rxa.set_text(6, "999");
                rxa.set_text(20, "NA");
                segments.push(orc);
                segments.push(rxa);
                recommendation_segments(
                    recommendation,
                    &(index + 1).to_string(),
                    &forecast_date,
                    &mut observations,
                );
                segments.append(&mut observations.segments);
            }
        }
        QueryResponse::NoRecords(_) => {}
    }
    message(segments)
}
