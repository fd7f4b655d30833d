//! Partner data exchange beyond VXU intake, with the real binary and a real
//! PostgreSQL (one fresh database per test): queries (QBP Z34/Z44 answered
//! with RSP Z31/Z32/Z33/Z42), the stock a reported dose takes from the
//! partner's synced inventory, data-quality counts, the message log and
//! replays. Run with `scripts/with-postgres.sh cargo test -p salal-registry
//! --test partner_data`.

mod common;

use chrono::NaiveDate;
use common::*;
use salal_forecast::{AdministeredDose, Engine, Gender, PatientInput, SupportingData};
use salal_hl7::model::QueryResponse;
use salal_hl7::{Outcome, check_parsed, parse_str, read_response};
use salal_inventory::LotKey;
use salal_sync::wire::{ChangeKind, Entity, PullRequest};
use serde_json::json;
use uuid::Uuid;

/// `hl7 submit` of `text` (segments separated by CR or newlines): exit code and output.
fn submit_text(registry: &Registry, partner: &str, text: &str) -> (i32, String) {
    let temp = tempfile::tempdir().unwrap();
    let file = temp.path().join("message.hl7");
    std::fs::write(&file, text.replace('\n', "\r")).unwrap();
    submit_file(registry, partner, &file)
}

/// The first message `hl7 submit` printed, CR-separated as it went out.
fn answer_of(output: &str) -> String {
    let mut segments = Vec::new();
    for line in output.lines() {
        if line.trim().is_empty() {
            break;
        }
        segments.push(line);
    }
    segments.join("\r")
}

/// Reads one ER7 message on stdin; prints MSH-9, then one segment name a
/// line (the same independent check as the hl7 crate's tests).
const HL7APY: &str = r#"
import sys
from hl7apy.parser import parse_message
from hl7apy.consts import VALIDATION_LEVEL
text = sys.stdin.buffer.read().decode("utf-8")
message = parse_message(text, validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=False)
print(message.msh.msh_9.to_er7())
for child in message.children:
    print(child.name)
"#;

/// hl7apy (a Python HL7 library written without reference to ours) reads
/// the same message type and segments. CI installs it (`pip install hl7apy`).
fn hl7apy_reads_the_same(message: &salal_hl7::Message, text: &str) {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("python3")
        .args(["-c", HL7APY])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed for the independent HL7 check");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "hl7apy could not read it (`pip install hl7apy`): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut lines = printed.lines();
    assert_eq!(lines.next(), Some("RSP^K11^RSP_K11"), "{printed}");
    let names: Vec<&str> = lines.collect();
    let ours: Vec<&str> = message.segments.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ours);
}

/// Parses an RSP, checks it with our own conformance check and with
/// hl7apy, and reads it.
fn response(output: &str) -> (salal_hl7::Message, QueryResponse) {
    let text = answer_of(output);
    let parsed = parse_str(&text);
    hl7apy_reads_the_same(&parsed.message, &text);
    let report = check_parsed(&parsed);
    assert_eq!(
        report.outcome,
        Outcome::Accepted,
        "{:?}\n{}",
        report.problems,
        text.replace('\r', "\n")
    );
    let read = read_response(&parsed.message).unwrap();
    (parsed.message, read)
}

fn field(message: &salal_hl7::Message, segment: &str, n: usize) -> String {
    message
        .first(segment)
        .map(|s| s.text(n).to_owned())
        .unwrap_or_default()
}

fn profile(message: &salal_hl7::Message) -> String {
    message
        .header()
        .map(|h| h.component_text(21, 1).to_owned())
        .unwrap_or_default()
}

const QBP_HEAD: &str =
    "MSH|^~\\&|Valley EHR|VALLEY|SALAL|SALAL REGISTRY|20261203101500-0800||QBP^Q11^QBP_Q11";

/// A QBP (Z34 or Z44) with QPD-3..8 as given and RCP-2 `limit`.
fn qbp(control: &str, profile: &str, qpd: &str, limit: u32) -> String {
    let name = if profile == "Z44" {
        "Request Evaluated History and Forecast"
    } else {
        "Request Immunization History"
    };
    format!(
        "{QBP_HEAD}|{control}|P|2.5.1|||ER|AL|||||{profile}^CDCPHINVS\n\
         QPD|{profile}^{name}^CDCPHINVS|Q-{control}|{qpd}\n\
         RCP|I|{limit}^RD&records&HL70126\n"
    )
}

#[test]
fn z34_answers_one_match_candidates_nobody_and_too_many() {
    let registry = Registry::start();
    let (partner, _) = add_partner(&registry, "Valley EHR");
    let (_, ack) = submit_file(
        &registry,
        &partner,
        &samples().join("vxu_nist2014_iz001_admin_child.hl7"),
    );
    assert!(ack.contains("MSA|AA|"), "{ack}");

    // The partner's own chart number with name and birth date: one match, Z32.
    let (code, out) = submit_text(
        &registry,
        &partner,
        &qbp(
            "Q1",
            "Z34",
            "D26376273^^^NIST MPI^MR|Snow^Madelynn^Ainsley^^^^L|Lam^Morgan^^^^^M|20070706|F",
            5,
        ),
    );
    assert_eq!(code, 0, "{out}");
    let (message, read) = response(&out);
    assert_eq!(profile(&message), "Z32");
    assert_eq!(field(&message, "MSA", 2), "Q1");
    assert_eq!(field(&message, "QAK", 1), "Q-Q1");
    assert_eq!(field(&message, "QAK", 2), "OK");
    let QueryResponse::History { patient, doses } = read else {
        panic!("not a history: {out}");
    };
    assert_eq!(patient.details.last_name, "Snow");
    assert_eq!(doses.len(), 1);
    assert_eq!(doses[0].event.cvx, "140");
    assert_eq!(doses[0].event.lot_number, "Z0860BB");
    // The registry's id comes back for later queries.
    let registry_id = patient
        .identifiers
        .iter()
        .find(|i| i.kind.code() == "SR")
        .map(|i| i.id.clone())
        .unwrap();
    let (_, out) = submit_text(
        &registry,
        &partner,
        &qbp("Q1B", "Z34", &format!("{registry_id}^^^SALAL^SR"), 5),
    );
    assert_eq!(profile(&response(&out).0), "Z32", "{out}");

    // Nobody by that name and birth date: Z33 NF.
    let (_, out) = submit_text(
        &registry,
        &partner,
        &qbp("Q2", "Z34", "|Nobody^Quite^^^^^L||20190101|M", 5),
    );
    let (message, read) = response(&out);
    assert_eq!(profile(&message), "Z33");
    assert_eq!(field(&message, "QAK", 2), "NF");
    assert!(matches!(read, QueryResponse::NoRecords(_)));
    assert!(message.first("PID").is_none());

    // Two children a clinic registered with one name and birth date, and
    // nothing else: the query (name, birth date, sex) could be either.
    let clinic = registry.org("Clínica del Valle");
    let device = registry.device(clinic, 1);
    for mother in ["Ruiz", "Torres"] {
        seq_of(
            &device.push(vec![change(
                Entity::Patient,
                new_id(),
                ChangeKind::Create,
                device.stamp(now_ms()),
                json!({"first_name": "Mateo", "last_name": "Quispe", "birth_date": "2021-05-04",
                   "sex": "M", "mother_maiden_name": mother}),
            )])[0],
        );
    }
    let query = "|Quispe^Mateo^^^^^L||20210504|M";
    let (_, out) = submit_text(&registry, &partner, &qbp("Q3", "Z34", query, 5));
    let (message, read) = response(&out);
    assert_eq!(profile(&message), "Z31", "{out}");
    let QueryResponse::Candidates(candidates) = read else {
        panic!("not a candidate list: {out}");
    };
    assert_eq!(candidates.len(), 2);
    let ids: Vec<String> = candidates
        .iter()
        .flat_map(|c| c.identifiers.iter())
        .filter(|i| i.kind.code() == "SR")
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    // Each number names its record: asking by it gives that child alone.
    let (_, out) = submit_text(
        &registry,
        &partner,
        &qbp("Q3B", "Z34", &format!("{}^^^SALAL^SR", ids[0]), 5),
    );
    assert_eq!(profile(&response(&out).0), "Z32", "{out}");
    // A candidate list never carries doses.
    assert!(message.first("RXA").is_none());

    // The query asks for at most one record: too many.
    let (_, too_many) = submit_text(&registry, &partner, &qbp("Q4", "Z34", query, 1));
    let (message, _) = response(&too_many);
    assert_eq!(profile(&message), "Z33");
    assert_eq!(field(&message, "QAK", 2), "TM");
    assert!(message.first("PID").is_none());

    // A query our check rejects (no QPD-2 query tag): Z33 with the problem in ERR.
    let (code, out) = submit_file(
        &registry,
        &partner,
        &samples().join("qbp_z34_cdcig_missing_query_tag.hl7"),
    );
    assert_eq!(code, 1, "{out}");
    let (message, read) = response(&out);
    assert_eq!(profile(&message), "Z33");
    assert!(
        matches!(field(&message, "QAK", 2).as_str(), "AE" | "AR"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("ERR|") && l.contains("QPD^1^2")),
        "{out}"
    );
    assert!(matches!(read, QueryResponse::NoRecords(_)));

    // Every query is logged like a VXU.
    assert_eq!(
        count(
            &registry,
            "SELECT count(*) FROM hl7_messages WHERE message_type = 'QBP'"
        ),
        7
    );
    // The same query again is answered from the log.
    let (_, again) = submit_text(&registry, &partner, &qbp("Q4", "Z34", query, 1));
    assert_eq!(answer_of(&again), answer_of(&too_many));
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A child's first months: hepatitis B at birth, then the 2-month doses.
const CHILD_VXU: &str = "MSH|^~\\&|Valley EHR|VALLEY|SALAL|SALAL REGISTRY|20250312101500-0800||VXU^V04^VXU_V04|V-CHILD-1|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS
PID|1||VC-1001^^^VALLEY^MR||Huaman^Alma^^^^^L|Ccori^Rosa^^^^^M|20250110|F|||12 Orchard Rd^^Wapato^WA^98951^USA^L
ORC|RE||VC-1001-1^VALLEY
RXA|0|1|20250110||08^Hep B, adolescent or pediatric^CVX|0.5|mL^mL^UCUM||00^New immunization record^NIP001||||||HB123|20270101|MSD^Merck^MVX|||CP|A
ORC|RE||VC-1001-2^VALLEY
RXA|0|1|20250312||20^DTaP^CVX|0.5|mL^mL^UCUM||00^New immunization record^NIP001||||||DT456|20270101|PMC^sanofi pasteur^MVX|||CP|A
ORC|RE||VC-1001-3^VALLEY
RXA|0|1|20250312||10^IPV^CVX|0.5|mL^mL^UCUM||00^New immunization record^NIP001||||||IP789|20270101|PMC^sanofi pasteur^MVX|||CP|A
ORC|RE||VC-1001-4^VALLEY
RXA|0|1|20250312||49^Hib (PRP-OMP)^CVX|0.5|mL^mL^UCUM||00^New immunization record^NIP001||||||HI321|20270101|MSD^Merck^MVX|||CP|A
ORC|RE||VC-1001-5^VALLEY
RXA|0|1|20250312||133^Pneumococcal conjugate PCV 13^CVX|0.5|mL^mL^UCUM||00^New immunization record^NIP001||||||PC654|20270101|PFR^Pfizer^MVX|||CP|A
";

#[test]
fn z44_answers_the_history_with_the_engines_evaluation_and_forecast() {
    let registry = Registry::start();
    let (partner, _) = add_partner(&registry, "Valley EHR");
    let (_, ack) = submit_text(&registry, &partner, CHILD_VXU);
    assert!(ack.contains("MSA|AA|"), "{ack}");
    let (code, out) = submit_text(
        &registry,
        &partner,
        &qbp(
            "F1",
            "Z44",
            "VC-1001^^^VALLEY^MR|Huaman^Alma^^^^^L|Ccori^Rosa^^^^^M|20250110|F",
            1,
        ),
    );
    assert_eq!(code, 0, "{out}");
    let (message, read) = response(&out);
    assert_eq!(profile(&message), "Z42", "{out}");
    let QueryResponse::Forecast {
        patient,
        doses,
        recommendations,
        as_of,
    } = read
    else {
        panic!("not a forecast: {out}");
    };
    assert_eq!(patient.details.birth_date, Some(day(2025, 1, 10)));
    assert_eq!(doses.len(), 5);

    // What the engine itself says about this child on the forecast's date.
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let input = PatientInput {
        birth_date: day(2025, 1, 10),
        gender: Gender::Female,
        assessment_date: as_of,
        doses: doses
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let event = &d.dose.event;
                let mut dose = AdministeredDose::new(i, event.date.unwrap(), &event.cvx);
                dose.mvx = (!event.mvx.is_empty()).then(|| event.mvx.clone());
                dose.lot_expiration = event.lot_expiration;
                dose
            })
            .collect(),
        observations: vec![],
        birth_country: None,
    };
    let assessment = engine.assess(&input);

    // Every dose is evaluated for the vaccine groups the engine evaluated it in.
    for (i, dose) in doses.iter().enumerate() {
        let groups: Vec<&str> = assessment
            .vaccine_groups
            .iter()
            .filter(|g| {
                assessment
                    .evaluations
                    .iter()
                    .any(|e| e.dose_id == i && g.antigens.contains(&e.antigen))
            })
            .map(|g| g.name.as_ref())
            .collect();
        assert!(!groups.is_empty(), "dose {i} evaluated nowhere");
        let mut sent: Vec<&str> = dose
            .evaluations
            .iter()
            .map(|e| e.vaccine_group_name.as_str())
            .collect();
        sent.sort_unstable();
        let mut expected = groups.clone();
        expected.sort_unstable();
        assert_eq!(sent, expected, "dose {i} ({})", dose.dose.event.cvx);
        for evaluation in &dose.evaluations {
            let group = assessment
                .vaccine_group(&evaluation.vaccine_group_name)
                .unwrap();
            let (status, _) = assessment.dose_status_for_group(group, i).unwrap();
            assert_eq!(
                evaluation.valid,
                Some(status == salal_forecast::EvaluationStatus::Valid)
            );
            assert!(evaluation.dose_number.is_some());
            assert!(!evaluation.vaccine_group_cvx.is_empty());
        }
    }
    // One recommendation per vaccine group, with the engine's dates.
    assert!(!recommendations.is_empty());
    for recommendation in &recommendations {
        let group = assessment
            .vaccine_group(&recommendation.vaccine_group_name)
            .unwrap_or_else(|| panic!("{} not forecast", recommendation.vaccine_group_name));
        let f = &group.forecast;
        let name = &recommendation.vaccine_group_name;
        assert_eq!(recommendation.dose_number, f.dose_number, "{name}");
        assert_eq!(recommendation.earliest, f.earliest, "{name}");
        assert_eq!(recommendation.due, f.recommended, "{name}");
        assert_eq!(recommendation.overdue, f.past_due, "{name}");
        assert_eq!(recommendation.latest, f.latest, "{name}");
        let expected = match f.status {
            salal_forecast::SeriesStatus::NotComplete if f.past_due.is_some_and(|d| d <= as_of) => {
                "Overdue"
            }
            salal_forecast::SeriesStatus::NotComplete => "On schedule",
            salal_forecast::SeriesStatus::Complete => "Complete",
            salal_forecast::SeriesStatus::Immune => "Immune",
            salal_forecast::SeriesStatus::AgedOut => "Too old",
            salal_forecast::SeriesStatus::Contraindicated => "Contraindicated",
            salal_forecast::SeriesStatus::NotRecommended => "Not Recommended",
        };
        assert_eq!(
            salal_registry::hl7_query::series_status_display(&recommendation.status),
            Some(expected),
            "{name}"
        );
    }
    // The childhood groups this child is in the middle of are all there.
    for group in [
        "HepB",
        "DTaP/Tdap/Td",
        "Polio",
        "Hib",
        "Pneumococcal",
        "MMR",
    ] {
        let r = recommendations
            .iter()
            .find(|r| r.vaccine_group_name == group)
            .unwrap_or_else(|| panic!("no recommendation for {group}"));
        assert!(!r.vaccine_group_cvx.is_empty());
    }
    let hep_b = recommendations
        .iter()
        .find(|r| r.vaccine_group_name == "HepB")
        .unwrap();
    assert_eq!(hep_b.vaccine_group_cvx, "45");
}

#[test]
fn an_opted_out_patient_and_other_organizations_private_fields_are_never_disclosed() {
    let registry = Registry::start();
    let (partner, _) = add_partner(&registry, "Valley EHR");
    // A clinic knows a child with its own phone, address and chart number.
    let clinic = registry.org("Clínica del Valle");
    let device = registry.device(clinic, 1);
    let child = new_id();
    seq_of(
        &device.push(vec![change(
            Entity::Patient,
            child,
            ChangeKind::Create,
            device.stamp(now_ms()),
            json!({"first_name": "Lucía", "last_name": "Mamani", "birth_date": "2022-02-14",
               "sex": "F", "birth_certificate_number": "WA-2022-004411",
               "phone": "509-555-0199", "address_line": "7 Secret Lane",
               "medical_record_number": "CLINIC-77"}),
        )])[0],
    );
    seq_of(
        &device.push(vec![dose_create(
            new_id(),
            child,
            device.stamp(now_ms()),
            "L1",
        )])[0],
    );

    let query = qbp(
        "P1",
        "Z34",
        "WA-2022-004411^^^WA^BC|Mamani^Lucía^^^^^L||20220214|F",
        5,
    );
    let (_, out) = submit_text(&registry, &partner, &query);
    let (message, read) = response(&out);
    assert_eq!(profile(&message), "Z32", "{out}");
    let QueryResponse::History { patient, doses } = read else {
        panic!("not a history: {out}");
    };
    assert_eq!(doses.len(), 1);
    assert!(patient.details.phone.is_empty(), "{out}");
    for private in ["5550199", "Secret Lane", "CLINIC-77"] {
        assert!(!out.contains(private), "{private} disclosed:\n{out}");
    }

    // Vital records' private fields (the mother's first name, the address and
    // phone from the birth record) stay at the registry too.
    import(&registry, &fixture("birth_feed.psv"));
    for query in [
        "WA-2025-000101^^^WA^BC|Quintero^Lucía^^^^^L||20250314|F",
        "|Quintero Paz^Lucía^^^^^L||20250314|F",
    ] {
        let (_, out) = submit_text(&registry, &partner, &qbp("VR", "Z34", query, 5));
        let (message, _) = response(&out);
        assert!(message.first("PID").is_some(), "{out}");
        for private in ["Marta", "Alder", "5550101", "Valley General"] {
            assert!(!out.contains(private), "{private} disclosed:\n{out}");
        }
    }

    // The family declines: the registry answers PD and discloses nothing.
    decline(&registry, &child.to_string());
    let (_, out) = submit_text(&registry, &partner, &query.replace("P1", "P2"));
    let (message, read) = response(&out);
    assert_eq!(profile(&message), "Z33", "{out}");
    assert_eq!(field(&message, "QAK", 2), "PD");
    assert!(matches!(read, QueryResponse::NoRecords(_)));
    assert!(message.first("PID").is_none() && message.first("RXA").is_none());
    // Nor listed as a candidate to a vaguer query.
    let (_, out) = submit_text(
        &registry,
        &partner,
        &qbp("P3", "Z34", "|Mamani^Lucía^^^^^L||20220214|F", 5),
    );
    let (message, _) = response(&out);
    assert_eq!(field(&message, "QAK", 2), "NF", "{out}");
}

fn administered_count(registry: &Registry) -> i64 {
    count(
        registry,
        "SELECT count(*) FROM records WHERE entity = 'stock_txn'
         AND fields->>'kind' = 'administered'",
    )
}

#[test]
fn a_reported_dose_takes_its_lot_from_the_partners_stock_once() {
    let registry = Registry::start();
    let (partner, _) = add_partner(&registry, "Valley EHR");
    let partner_id: Uuid = partner.parse().unwrap();
    // The partner's clinic computer synced its refrigerator and a receipt.
    let device = registry.device(partner_id, 1);
    sync_receipt(
        &device,
        LotKey::new("49281-0418-50", "z0860bb", day(2030, 11, 4), "VXC1"),
        ("140", "CSL"),
        10,
        day(2012, 8, 1),
    );
    let cursor = device
        .client
        .pull(&PullRequest {
            after: 0,
            limit: 1000,
            refresh: vec![],
        })
        .unwrap()
        .cursor;

    // A dose of lot Z0860BB (held, same vaccine and manufacturer).
    let file = samples().join("vxu_nist2014_iz001_admin_child.hl7");
    let (_, ack) = submit_file(&registry, &partner, &file);
    assert!(ack.contains("MSA|AA|"), "{ack}");
    assert!(!ack.contains("RXA^1^15"), "{ack}");
    assert_eq!(administered_count(&registry), 1);
    let balance = count(
        &registry,
        "SELECT sum((fields->>'quantity')::bigint)::bigint FROM records WHERE entity = 'stock_txn'",
    );
    assert_eq!(balance, 9);
    let dose_id = count(
        &registry,
        "SELECT count(*) FROM records t JOIN records d ON d.entity = 'dose'
           AND t.fields->>'event_id' = d.id::text WHERE t.entity = 'stock_txn'",
    );
    assert_eq!(dose_id, 1, "the transaction names the dose");
    // The partner's computers pull it like one of their own.
    let page = device
        .client
        .pull(&PullRequest {
            after: cursor,
            limit: 1000,
            refresh: vec![],
        })
        .unwrap();
    assert!(
        page.records.iter().any(|r| r.entity == Entity::StockTxn
            && r.fields.get("kind") == Some(&json!("administered"))),
        "{:?}",
        page.records
    );

    // Sent again, also under a new control id: no second decrement.
    submit_file(&registry, &partner, &file);
    let original = std::fs::read_to_string(&file).unwrap();
    let resent = original.replacen("NIST-IZ-001.00", "NIST-IZ-001.07", 1);
    let (_, ack) = submit_text(&registry, &partner, &resent);
    assert!(ack.contains("MSA|AA|"), "{ack}");
    assert_eq!(administered_count(&registry), 1);

    // A lot the partner does not hold: the dose is stored, the ACK warns.
    let other = original
        .replacen("NIST-IZ-001.00", "NIST-IZ-001.08", 1)
        .replacen("IZ-783274", "IZ-783299", 1)
        .replacen("20120814||140", "20120914||140", 1)
        .replacen("Z0860BB", "NOPE42", 1);
    let (code, ack) = submit_text(&registry, &partner, &other);
    assert_eq!(code, 0, "{ack}");
    assert!(ack.contains("MSA|AA|"), "{ack}");
    let warning = ack
        .lines()
        .find(|l| l.starts_with("ERR|") && l.contains("RXA^1^15"))
        .unwrap_or_else(|| panic!("no warning at RXA-15: {ack}"));
    assert!(warning.contains("|W|"), "{warning}");
    assert!(warning.contains("NOPE42"), "{warning}");
    assert!(
        warning.contains("not in your organization's stock"),
        "{warning}"
    );
    assert_eq!(administered_count(&registry), 1);
    assert_eq!(count(&registry, DOSES), 2);
    // The warning is in the log.
    assert_eq!(
        count(
            &registry,
            "SELECT count(*) FROM hl7_messages WHERE problems LIKE '%NOPE42%'"
        ),
        1
    );

    // The same lot, another vaccine: a warning, no stock taken.
    let wrong = original
        .replacen("NIST-IZ-001.00", "NIST-IZ-001.09", 1)
        .replacen("IZ-783274", "IZ-783300", 1)
        .replacen(
            "20120814||140^Influenza, seasonal, injectable, preservative free^CVX",
            "20121014||08^Hep B^CVX",
            1,
        );
    let (_, ack) = submit_text(&registry, &partner, &wrong);
    assert!(
        ack.lines()
            .any(|l| l.starts_with("ERR|") && l.contains("|W|") && l.contains("not the vaccine")),
        "{ack}"
    );
    assert_eq!(administered_count(&registry), 1);
    // A partner that keeps no stock at the registry (an EHR) gets no stock
    // warning on its doses, and takes nothing.
    let (ehr, _) = add_partner(&registry, "Hillside Pediatrics EHR");
    let from_ehr = original
        .replacen("NIST-IZ-001.00", "NIST-IZ-001.10", 1)
        .replacen("IZ-783274", "IZ-783301", 1);
    let (code, ack) = submit_text(&registry, &ehr, &from_ehr);
    assert_eq!(code, 0, "{ack}");
    assert!(ack.contains("MSA|AA|"), "{ack}");
    assert!(!ack.contains("RXA^1^15"), "{ack}");
    assert_eq!(administered_count(&registry), 1);
}

#[test]
fn quality_counts_the_log_lists_failures_and_a_replay_applies_after_the_fix() {
    let registry = Registry::start();
    let (partner, _) = add_partner(&registry, "Valley EHR");
    // A clinic registered a child whose family then declined participation.
    let clinic = registry.org("Clínica del Valle");
    let device = registry.device(clinic, 1);
    let child = new_id();
    seq_of(
        &device.push(vec![change(
            Entity::Patient,
            child,
            ChangeKind::Create,
            device.stamp(now_ms()),
            json!({"first_name": "Madelynn", "middle_name": "Ainsley", "last_name": "Snow",
               "birth_date": "2007-07-06", "sex": "F", "mother_maiden_name": "Lam"}),
        )])[0],
    );
    seq_of(
        &device.push(vec![change(
            Entity::Patient,
            child,
            ChangeKind::Update,
            device.stamp(now_ms() + 1),
            json!({"registry_participation": {"status": "opted_out", "date": "2026-01-05",
               "reason": "family", "form_on_file": true}}),
        )])[0],
    );

    let file = samples().join("vxu_nist2014_iz001_admin_child.hl7");
    let (code, ack) = submit_file(&registry, &partner, &file);
    assert_eq!(code, 1, "{ack}");
    assert!(ack.contains("MSA|AE|"), "{ack}");
    submit_file(&registry, &partner, &file); // resent: answered from the log
    let (_, _) = submit_file(
        &registry,
        &partner,
        &samples().join("vxu_nist2014_iz019_multiple_doses.hl7"),
    );
    let (_, _) = submit_text(
        &registry,
        &partner,
        &qbp("Q9", "Z34", "|Nobody^Quite^^^^^L||20190101|M", 5),
    );

    let out = registry.cli(&["partner", "quality", "--partner", &partner]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.contains("Valley EHR"), "{text}");
    assert!(
        text.contains("messages: 4 (QBP 1, VXU 3); resent and answered again: 1"),
        "{text}"
    );
    assert!(text.contains("outcomes: 2 AA, 1 AE, 0 AR"), "{text}");
    assert!(text.contains("replays: 0 (0 accepted)"), "{text}");
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("1  E ")),
        "{text}"
    );

    // The log: only the failure with --failed.
    let out = registry.cli(&["hl7", "log", "--partner", &partner, "--failed"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let heads: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("  ") && !l.ends_with(" messages"))
        .collect();
    assert_eq!(heads.len(), 2, "{text}"); // the AE and its resend
    assert!(
        heads.iter().all(|h| h.contains(" VXU NIST-IZ-001.00 AE")),
        "{text}"
    );
    assert!(text.contains("declined registry participation"), "{text}");
    let failed: i64 = heads
        .last()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();

    // The family participates again; the failed message is replayed.
    seq_of(
        &device.push(vec![change(
            Entity::Patient,
            child,
            ChangeKind::Update,
            device.stamp(now_ms() + 2),
            json!({"registry_participation": {"status": "participating"}}),
        )])[0],
    );
    let doses = "SELECT count(*) FROM records WHERE entity = 'dose' AND fields->>'cvx' = '140'";
    assert_eq!(count(&registry, doses), 0);
    let out = registry.cli(&["hl7", "replay", &failed.to_string()]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("MSA|AA|NIST-IZ-001.00"), "{text}");
    assert!(
        text.lines().last().unwrap().starts_with(&format!(
            "hl7 replay: message {failed} (AE before) replayed as "
        )),
        "{text}"
    );
    assert_eq!(count(&registry, doses), 1);
    assert_eq!(
        count(
            &registry,
            &format!(
                "SELECT count(*) FROM hl7_messages WHERE replay_of = {failed} AND outcome = 'AA'"
            )
        ),
        1
    );
    // Replaying again stores nothing twice.
    let out = registry.cli(&["hl7", "replay", &failed.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(count(&registry, doses), 1);

    let out = registry.cli(&["partner", "quality"]);
    let text = stdout(&out);
    assert!(text.contains("replays: 2 (2 accepted)"), "{text}");
    let out = registry.cli(&["hl7", "log", "--partner", &partner]);
    let text = stdout(&out);
    assert!(text.contains(&format!("replay of {failed}")), "{text}");
    assert!(text.contains("replayed by "), "{text}");

    // A message id that is not there.
    let out = registry.cli(&["hl7", "replay", "999999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no logged HL7 message 999999"));
}

#[test]
fn migrate_rebuilds_blocking_keys_of_an_older_scheme() {
    let registry = Registry::start();
    let clinic = registry.org("Clínica del Valle");
    let device = registry.device(clinic, 1);
    let child = new_id();
    seq_of(
        &device.push(vec![change(
            Entity::Patient,
            child,
            ChangeKind::Create,
            device.stamp(now_ms()),
            json!({"first_name": "Ana", "last_name": "Quispe", "birth_date": "2021-05-04"}),
        )])[0],
    );
    // Keys as the first scheme made them.
    let hash = salal_registry::matching::key_hash;
    let old_keys = |registry: &Registry| {
        for statement in [
            format!("DELETE FROM match_keys WHERE patient_id = '{child}'"),
            format!(
                "INSERT INTO match_keys VALUES ({}, '{child}'), ({}, '{child}')",
                hash("dob:2021-05-04"),
                hash("sy:Q210:2021")
            ),
            "INSERT INTO settings VALUES ('blocking_keys_version', '1')
             ON CONFLICT (key) DO UPDATE SET value = '1'"
                .to_owned(),
        ] {
            sql(&registry.database_url, &statement);
        }
    };
    let current_keys = |registry: &Registry| {
        count(
            registry,
            &format!(
                "SELECT count(*) FROM match_keys WHERE patient_id = '{child}' AND key IN ({}, {})",
                hash("df:2021-05-04:A500"),
                hash("sm:QUISPE:2021-05")
            ),
        )
    };
    let old_left = |registry: &Registry| {
        count(
            registry,
            &format!(
                "SELECT count(*) FROM match_keys WHERE key IN ({}, {})",
                hash("dob:2021-05-04"),
                hash("sy:Q210:2021")
            ),
        )
    };
    old_keys(&registry);
    let out = registry.cli(&["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("rebuilt the matching keys of 1 patients"),
        "{}",
        stdout(&out)
    );
    assert_eq!(current_keys(&registry), 2);
    assert_eq!(old_left(&registry), 0);

    // A server started on a registry upgraded without `migrate` rebuilds them too.
    old_keys(&registry);
    let temp = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = std::process::Command::new(BIN)
        .args(["serve", "--listen", &addr, "--tls-dir"])
        .arg(temp.path().join("tls"))
        .env("DATABASE_URL", &registry.database_url)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(std::time::Instant::now() < deadline, "serve did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(current_keys(&registry), 2);
    assert_eq!(old_left(&registry), 0);

    // Current keys: nothing to do.
    let out = registry.cli(&["migrate"]);
    assert_eq!(stdout(&out).trim(), "database is up to date");
}
