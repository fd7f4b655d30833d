//! A group of HL7 messages applied together gives exactly what applying them
//! one by one gives: the same file of messages that depend on each other
//! (the same patient twice, a message sent twice, a delete of an earlier
//! dose, a query after the updates, two doses from a lot with one left, an
//! update of a dose) goes to two registries, one applying a transaction per
//! message (`SALAL_HL7_MAX_GROUP=1`) and one applying the whole file as one
//! group, and both end with the same records, log and ACKs. Real binary,
//! real PostgreSQL: `scripts/with-postgres.sh cargo test -p salal-registry
//! --test hl7_groups`.

mod common;

use chrono::NaiveDate;
use common::*;
use salal_inventory::LotKey;
use std::process::Command;
use uuid::Uuid;

const HEAD: &str = "MSH|^~\\&|Valley EHR|X68||SALAL|20261203080000-0800||VXU^V04^VXU_V04";

struct Patient<'a> {
    id: &'a str,
    last: &'a str,
    first: &'a str,
    birth: &'a str,
}

struct Dose<'a> {
    order: &'a str,
    date: &'a str,
    cvx: &'a str,
    lot: &'a str,
    action: &'a str,
}

fn vxu(control: &str, p: &Patient<'_>, doses: &[Dose<'_>]) -> String {
    let mut text = format!(
        "{HEAD}|{control}|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS\r\
         PID|1||{id}^^^VALLEY EHR^MR||{last}^{first}^^^^^L|Garza^Rosa^^^^^M|{birth}|F||\
         2106-3^White^CDCREC|12 Alder Rd^^Toppenish^WA^98922^USA^L||^PRN^PH^^^509^7463816\r\
         PD1|||||||||||02^Reminder/Recall - any method^HL70215|||||A|{birth}|{birth}\r\
         NK1|1|{last}^Rosa^^^^^L|MTH^Mother^HL70063\r",
        id = p.id,
        last = p.last,
        first = p.first,
        birth = p.birth
    );
    for d in doses {
        text.push_str(&format!(
            "ORC|RE||{order}^VALLEY|||||||I-23432^Burden^Donna^A^^^^^NIST-AA-1\r\
             RXA|0|1|{date}||{cvx}^vaccine^CVX|0.5|mL^MilliLiter [SI Volume Units]^UCUM||\
             00^New immunization record^NIP001|7832-1^Lemon^Mike^A^^^^^NIST-AA-1|^^^X68||||\
             {lot}|20301231|MSD^Merck and Co., Inc.^MVX|||CP|{action}\r\
             RXR|IM^Intramuscular^HL70162|LA^Left Arm^HL70163\r\
             OBX|1|CE|64994-7^Vaccine funding program eligibility category^LN|1|\
             V02^VFC eligible - Medicaid/Medicaid Managed Care^HL70064||||||F|||{date}|||\
             VXC40^Eligibility captured at the immunization level^CDCPHINVS\r",
            order = d.order,
            date = d.date,
            cvx = d.cvx,
            lot = d.lot,
            action = d.action
        ));
    }
    text
}

fn z34(control: &str, p: &Patient<'_>) -> String {
    format!(
        "MSH|^~\\&|Valley EHR|X68|SALAL|SALAL REGISTRY|20261203101500-0800||QBP^Q11^QBP_Q11|\
         {control}|P|2.5.1|||ER|AL|||||Z34^CDCPHINVS\r\
         QPD|Z34^Request Immunization History^CDCPHINVS|Q-{control}|{id}^^^VALLEY EHR^MR|\
         {last}^{first}^^^^^L|Garza^Rosa^^^^^M|{birth}|F\r\
         RCP|I|10^RD&Records&HL70126\r",
        id = p.id,
        last = p.last,
        first = p.first,
        birth = p.birth
    )
}

/// The messages, in the order the partner sends them.
fn messages() -> Vec<String> {
    let ana = Patient {
        id: "A-1",
        last: "Lopez",
        first: "Ana",
        birth: "20220105",
    };
    let luis = Patient {
        id: "B-1",
        last: "Garcia",
        first: "Luis",
        birth: "20210304",
    };
    let mai = Patient {
        id: "C-1",
        last: "Nguyen",
        first: "Mai",
        birth: "20200202",
    };
    let nameless = Patient {
        id: "D-1",
        last: "",
        first: "",
        birth: "",
    };
    let dose = |order, date, cvx, lot, action| Dose {
        order,
        date,
        cvx,
        lot,
        action,
    };
    let first = vxu("M1", &ana, &[dose("O1", "20220105", "08", "LOT1", "A")]);
    vec![
        first.clone(),
        // The same patient again, with a second dose.
        vxu("M2", &ana, &[dose("O2", "20230110", "03", "LOT2", "A")]),
        // The first message again, byte for byte.
        first,
        // The first dose deleted by its sender.
        vxu("M4", &ana, &[dose("O1", "20220105", "08", "LOT1", "D")]),
        // A query after all that.
        z34("Q5", &ana),
        // Two doses from a lot with one dose left.
        vxu("M6", &luis, &[dose("O4", "20240301", "08", "STOCK1", "A")]),
        vxu("M7", &mai, &[dose("O5", "20240302", "08", "STOCK1", "A")]),
        // Rejected: no name, no birth date.
        vxu(
            "M8",
            &nameless,
            &[dose("O6", "20240302", "08", "LOT9", "A")],
        ),
        // An update of a dose sent earlier in the file.
        vxu("M9", &luis, &[dose("O4", "20240301", "08", "STOCK2", "U")]),
    ]
}

/// The partner's clinic computer syncs a refrigerator and a receipt of one
/// dose of lot STOCK1.
fn stock(registry: &Registry, partner: Uuid) {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    sync_receipt(
        &registry.device(partner, 1),
        LotKey::new("00006-4981-00", "STOCK1", day(2030, 12, 31), "VXC1"),
        ("08", "MSD"),
        1,
        day(2024, 1, 2),
    );
}

/// `hl7 submit` of the file with `SALAL_HL7_MAX_GROUP` set to `group`.
fn submit(registry: &Registry, partner: &str, file: &std::path::Path, group: &str) -> String {
    let out = Command::new(BIN)
        .args([
            "hl7",
            "submit",
            file.to_str().unwrap(),
            "--partner",
            partner,
        ])
        .env("DATABASE_URL", &registry.database_url)
        .env("SALAL_HL7_MAX_GROUP", group)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

/// The answers with what differs between registries left out (MSH-7, and
/// the ids derived from the partner's id): MSA and ERR segments, the
/// query's segments but MSH, and the summary.
fn answers(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|l| !l.starts_with("MSH|") && !l.trim().is_empty())
        .map(|l| ids_out(l).replace('\r', ""))
        .map(|l| {
            if l.starts_with("PID|") {
                // PID-3 names the registry's own patient number first.
                l.split('|')
                    .enumerate()
                    .filter(|(i, _)| *i != 3)
                    .map(|(_, f)| f)
                    .collect::<Vec<_>>()
                    .join("|")
            } else {
                l
            }
        })
        .collect()
}

/// `text` with every UUID (hyphenated, or 32 hex digits) replaced by `<id>`.
fn ids_out(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(n) = [36, 32].into_iter().find(|&n| {
            rest.get(..n)
                .is_some_and(|head| Uuid::try_parse(head).is_ok())
        }) {
            out.push_str("<id>");
            rest = &rest[n..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// What the registry holds, with its ids left out, sorted.
fn state(registry: &Registry) -> Vec<String> {
    let rows = |sql: &str| -> Vec<String> {
        let out = Command::new("psql")
            .args([&registry.database_url, "-At", "-c", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(ids_out)
            .collect();
        lines.sort();
        lines
    };
    let mut state = Vec::new();
    for (name, sql) in [
        (
            "record",
            "SELECT entity || ' ' || (fields - 'received_at')::text FROM records
             WHERE entity IN ('patient', 'dose', 'stock_txn')",
        ),
        ("merge", "SELECT 'merged' FROM patient_merges"),
        ("review", "SELECT status FROM match_reviews"),
        (
            "log",
            "SELECT control_id || ' ' || outcome || ' ' || problems FROM hl7_messages",
        ),
        ("partner", "SELECT count(*) FROM patient_orgs"),
    ] {
        state.extend(rows(sql).into_iter().map(|r| format!("{name}: {r}")));
    }
    state
}

#[test]
fn a_group_applied_together_ends_as_one_message_at_a_time() {
    let temp = tempfile::tempdir().unwrap();
    let file = temp.path().join("batch.hl7");
    std::fs::write(&file, messages().join("")).unwrap();

    let mut seen = Vec::new();
    for group in ["1", "4096"] {
        let registry = Registry::start();
        let (partner, _) = add_partner(&registry, "Valley EHR");
        stock(&registry, partner.parse().unwrap());
        let output = submit(&registry, &partner, &file, group);
        assert!(
            output
                .lines()
                .last()
                .unwrap()
                .starts_with("hl7 submit: 9 messages, "),
            "{output}"
        );
        // The file again: every message answered as before, nothing new.
        let before = state(&registry);
        let again = submit(&registry, &partner, &file, group);
        let after: Vec<String> = state(&registry)
            .into_iter()
            .filter(|l| !l.starts_with("log: "))
            .collect();
        assert_eq!(
            before
                .iter()
                .filter(|l| !l.starts_with("log: "))
                .cloned()
                .collect::<Vec<_>>(),
            after,
            "sending the file again changed the records"
        );
        seen.push((answers(&output), answers(&again), before));
    }
    let (one, together) = (&seen[0], &seen[1]);
    assert_eq!(one.0, together.0, "the ACKs differ");
    assert_eq!(one.1, together.1, "the ACKs to the file sent again differ");
    assert_eq!(one.2, together.2, "the records differ");

    // And what they agree on is what the messages say.
    let acks = &one.0;
    let msa: Vec<&String> = acks.iter().filter(|l| l.starts_with("MSA|")).collect();
    assert_eq!(msa.len(), 9, "{acks:#?}");
    let records = &one.2;
    let doses: Vec<&String> = records
        .iter()
        .filter(|l| l.starts_with("record: dose "))
        .collect();
    assert_eq!(doses.len(), 4, "{records:#?}");
    assert_eq!(
        doses
            .iter()
            .filter(|d| d.contains("\"entered_in_error\": true"))
            .count(),
        1,
        "{records:#?}"
    );
    assert!(
        doses
            .iter()
            .any(|d| d.contains("\"lot_number\": \"STOCK2\"")),
        "{records:#?}"
    );
    let patients = records
        .iter()
        .filter(|l| l.starts_with("record: patient "))
        .count();
    assert_eq!(patients, 3, "{records:#?}");
    // One administered transaction: the lot had one dose; the second dose was warned.
    let taken = records
        .iter()
        .filter(|l| l.starts_with("record: stock_txn ") && l.contains("\"administered\""))
        .count();
    assert_eq!(taken, 1, "{records:#?}");
    assert!(
        acks.iter()
            .any(|l| l.starts_with("ERR|") && l.contains("no doses left")),
        "{acks:#?}"
    );
    // The query saw the second dose (the first was deleted before it).
    assert!(acks.iter().any(|l| l.starts_with("MSA|AA|Q5")), "{acks:#?}");
    let rsp: Vec<&String> = acks
        .iter()
        .skip_while(|l| !l.starts_with("MSA|AA|Q5"))
        .take_while(|l| !l.starts_with("MSA|") || l.starts_with("MSA|AA|Q5"))
        .collect();
    assert_eq!(
        rsp.iter().filter(|l| l.starts_with("RXA|")).count(),
        1,
        "{rsp:#?}"
    );
}
