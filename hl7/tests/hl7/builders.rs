//! Every message the builders produce passes the crate's own conformance
//! check, and reads back to what it was built from.

use crate::fixtures;
use salal_hl7::model::{NoRecordsReason, QueryResponse};
use salal_hl7::{
    ErrorCode, Location, Message, Outcome, Problem, Profile, Rejects, build_ack, build_qbp,
    build_rsp, build_vxu, check_parsed, parse, read_query, read_response, read_update,
};

/// Encodes, re-parses and checks; fails with every problem if not accepted.
fn check_accepted(name: &str, message: &Message, profile: Profile) -> Message {
    let text = message.encode();
    assert!(
        !text.contains('\n'),
        "{name}: segments must end with CR only"
    );
    let parsed = parse(text.as_bytes());
    let report = check_parsed(&parsed);
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        report.outcome,
        Outcome::Accepted,
        "{name}:\n{}\n{}",
        text.replace('\r', "\n"),
        problems.join("\n")
    );
    assert_eq!(report.profile, Some(profile), "{name}");
    parsed.message
}

/// Every message the builders can produce, with its name and profile.
pub(crate) fn built_messages() -> Vec<(String, Message, Profile)> {
    let header = fixtures::header;
    let z34 = fixtures::query(Profile::Z34);
    let z44 = fixtures::query(Profile::Z44);
    let query_error = vec![Problem::error(
        ErrorCode::RequiredFieldMissing,
        Some(Location::segment("QPD", 1, 2).with_field(2)),
        Rejects::Message,
        "QPD-2 (query tag) is required",
    )];
    let ack_problems = vec![
        Problem::error(
            ErrorCode::TableValueNotFound,
            Some(
                Location::segment("RXA", 2, 7)
                    .with_field(5)
                    .with_component(1),
            ),
            Rejects::Group("ORDER".to_owned()),
            "vaccine code \"999999\" is not a known CVX code",
        )
        .with_application_error(salal_hl7::ApplicationError::TableValueNotFound),
        Problem::warning(
            ErrorCode::RequiredFieldMissing,
            Some(Location::segment("MSH", 1, 1).with_field(21)),
            "MSH-21 is empty",
        ),
        Problem::info(
            ErrorCode::MessageAccepted,
            None,
            "2 of 3 immunizations added",
        ),
    ];
    vec![
        (
            "VXU".to_owned(),
            build_vxu(&header("V1"), &fixtures::update()),
            Profile::Z22,
        ),
        (
            "QBP Z34".to_owned(),
            build_qbp(&header("Q1"), &z34),
            Profile::Z34,
        ),
        (
            "QBP Z44".to_owned(),
            build_qbp(&header("Q2"), &z44),
            Profile::Z44,
        ),
        (
            "ACK AA".to_owned(),
            build_ack(&header("A1"), "V04", "V1", &[]),
            Profile::Z23,
        ),
        (
            "ACK AE".to_owned(),
            build_ack(&header("A2"), "V04", "V1", &ack_problems),
            Profile::Z23,
        ),
        (
            "ACK AR".to_owned(),
            build_ack(
                &header("A3"),
                "V04",
                "V1",
                &[Problem::error(
                    ErrorCode::UnsupportedVersionId,
                    Some(Location::segment("MSH", 1, 1).with_field(12)),
                    Rejects::Message,
                    "HL7 version \"2.3\" is not supported; send 2.5.1",
                )],
            ),
            Profile::Z23,
        ),
        (
            "RSP Z31".to_owned(),
            build_rsp(
                &header("R1"),
                "Q1",
                &z34,
                &QueryResponse::Candidates(vec![fixtures::patient(), fixtures::patient()]),
            ),
            Profile::Z31,
        ),
        (
            "RSP Z32".to_owned(),
            build_rsp(
                &header("R2"),
                "Q1",
                &z34,
                &QueryResponse::History {
                    patient: fixtures::patient(),
                    doses: fixtures::update().doses,
                },
            ),
            Profile::Z32,
        ),
        (
            "RSP Z33 NF".to_owned(),
            build_rsp(
                &header("R3"),
                "Q1",
                &z34,
                &QueryResponse::NoRecords(NoRecordsReason::NotFound),
            ),
            Profile::Z33,
        ),
        (
            "RSP Z33 TM".to_owned(),
            build_rsp(
                &header("R4"),
                "Q1",
                &z34,
                &QueryResponse::NoRecords(NoRecordsReason::TooMany),
            ),
            Profile::Z33,
        ),
        (
            "RSP Z33 AE".to_owned(),
            build_rsp(
                &header("R5"),
                "Q1",
                &z34,
                &QueryResponse::NoRecords(NoRecordsReason::QueryError(query_error)),
            ),
            Profile::Z33,
        ),
        (
            "RSP Z42".to_owned(),
            build_rsp(
                &header("R6"),
                "Q2",
                &z44,
                &QueryResponse::Forecast {
                    patient: fixtures::patient(),
                    doses: fixtures::evaluated(),
                    recommendations: fixtures::recommendations(),
                    as_of: fixtures::day(2026, 3, 14),
                },
            ),
            Profile::Z42,
        ),
    ]
}

#[test]
fn every_built_message_passes_the_conformance_check() {
    for (name, message, profile) in built_messages() {
        check_accepted(&name, &message, profile);
    }
}

#[test]
fn built_messages_read_back_to_their_input() {
    let update = fixtures::update();
    let vxu = check_accepted(
        "VXU",
        &build_vxu(&fixtures::header("V1"), &update),
        Profile::Z22,
    );
    assert_eq!(read_update(&vxu).expect("a VXU"), update);

    for profile in [Profile::Z34, Profile::Z44] {
        let query = fixtures::query(profile);
        let qbp = check_accepted("QBP", &build_qbp(&fixtures::header("Q1"), &query), profile);
        let read = read_query(&qbp).expect("a QBP");
        assert_eq!(read.query_tag, query.query_tag);
        assert_eq!(read.profile, profile);
        assert_eq!(read.quantity_limit, query.quantity_limit);
        assert_eq!(
            read.patient.details.birth_date,
            query.patient.details.birth_date
        );
        assert_eq!(read.patient.identifiers, query.patient.identifiers);
    }

    let forecast = QueryResponse::Forecast {
        patient: fixtures::patient(),
        doses: fixtures::evaluated(),
        recommendations: fixtures::recommendations(),
        as_of: fixtures::day(2026, 3, 14),
    };
    let rsp = build_rsp(
        &fixtures::header("R6"),
        "Q2",
        &fixtures::query(Profile::Z44),
        &forecast,
    );
    assert_eq!(read_response(&rsp).expect("an RSP"), forecast);

    let not_found = QueryResponse::NoRecords(NoRecordsReason::NotFound);
    let rsp = build_rsp(
        &fixtures::header("R3"),
        "Q1",
        &fixtures::query(Profile::Z34),
        &not_found,
    );
    assert_eq!(read_response(&rsp).expect("an RSP"), not_found);
}

#[test]
fn ack_codes_follow_the_problems() {
    let messages = built_messages();
    let msa = |name: &str| {
        messages
            .iter()
            .find(|(n, ..)| n == name)
            .and_then(|(_, m, _)| m.first("MSA").map(|s| s.text(1).to_owned()))
    };
    assert_eq!(msa("ACK AA").as_deref(), Some("AA"));
    assert_eq!(msa("ACK AE").as_deref(), Some("AE"));
    assert_eq!(msa("ACK AR").as_deref(), Some("AR"));
    let ae = messages
        .iter()
        .find(|(n, ..)| n == "ACK AE")
        .map(|(_, m, _)| m.encode());
    assert!(ae.is_some_and(|text| text.contains(
        "ERR||RXA^2^5^1^1|103^Table value not found^HL70357|E|5^Table value not found^HL70533"
    )));
}
