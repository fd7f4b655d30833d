//! A partner's data exchange with a running registry over real HTTPS on
//! loopback, with a real PostgreSQL (one fresh database per test): the real
//! `salal-registry` binary serves `/hl7/v2`, `/hl7/v2/batch` and the CDC SOAP
//! service; the partner is made with `partner add`; a reqwest client pinned
//! to the registry's certificate plays the partner.
//! Run with `scripts/with-postgres.sh cargo test -p salal-registry --test partner_flow`.

mod common;

use common::*;
use reqwest::blocking::{Client, Response};
use salal_sync::client::{pem_fingerprint, pinned_tls};
use std::time::Duration;

fn sample(name: &str) -> String {
    std::fs::read_to_string(samples().join(name)).unwrap()
}

/// The partner's side: an HTTPS client pinned to the registry's certificate.
struct Partner {
    http: Client,
    base: String,
    id: String,
    secret: String,
}

impl Partner {
    fn new(registry: &Registry) -> Partner {
        let (id, secret) = add_partner(registry, "Valley EHR");
        let pem = std::fs::read(registry.tls_dir.join("cert.pem")).unwrap();
        let tls = pinned_tls(pem_fingerprint(&pem).unwrap()).unwrap();
        let http = Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        Partner {
            http,
            base: registry.base_url(),
            id,
            secret,
        }
    }

    fn post(&self, path: &str, body: impl Into<reqwest::blocking::Body>) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .basic_auth(&self.id, Some(&self.secret))
            .header("content-type", "application/hl7-v2")
            .body(body)
            .send()
            .unwrap()
    }

    fn soap(&self, body: String) -> (u16, String) {
        let response = self
            .http
            .post(format!("{}/IISService2011", self.base))
            .header(
                "content-type",
                "application/soap+xml; charset=utf-8; action=\"urn:cdc:iisb:2011:submitSingleMessage\"",
            )
            .body(body)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        let content_type = header(&response, "content-type");
        assert!(
            content_type.starts_with("application/soap+xml"),
            "{content_type}"
        );
        (status, response.text().unwrap())
    }

    fn submit_single(&self, password: &str, message: &str) -> (u16, String) {
        self.soap(envelope(&format!(
            "<iis:submitSingleMessage><iis:username>{}</iis:username>\
             <iis:password>{}</iis:password><iis:facilityID>X68</iis:facilityID>\
             <iis:hl7Message>{}</iis:hl7Message></iis:submitSingleMessage>",
            self.id,
            quick_xml::escape::escape(password),
            quick_xml::escape::escape(message).replace('\r', "&#13;")
        )))
    }
}

fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" \
         xmlns:iis=\"urn:cdc:iisb:2011\"><soap:Header/><soap:Body>{body}</soap:Body>\
         </soap:Envelope>"
    )
}

/// The text of the first `<name>` element of an XML answer, unescaped.
fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    Some(
        quick_xml::escape::unescape(&xml[start..end])
            .unwrap()
            .into_owned(),
    )
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

const MAX_SEQ: &str = "SELECT coalesce(max(seq), 0) FROM records";

fn msa(ack: &str) -> String {
    ack.split(['\r', '\n'])
        .find(|l| l.starts_with("MSA|"))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn realtime_vxu_is_acknowledged_once_and_strangers_are_refused() {
    let registry = Registry::start();
    let partner = Partner::new(&registry);
    let vxu = sample("vxu_nist2014_iz019_multiple_doses.hl7");

    let response = partner.post("/hl7/v2", vxu.clone());
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "content-type"), "application/hl7-v2");
    assert_eq!(header(&response, "x-hl7-ack-code"), "AA");
    let ack = response.text().unwrap();
    assert!(ack.starts_with("MSH|^~\\&|SALAL|"), "{ack}");
    assert!(ack.contains("\rMSA|AA|NIST-IZ-019.00"), "{ack}");
    assert_eq!(count(&registry, PATIENTS), 1);
    assert_eq!(
        count(
            &registry,
            "SELECT count(*) FROM records WHERE entity = 'patient'
             AND fields->>'last_name' = 'Mercer' AND fields->>'birth_date' = '2010-09-07'"
        ),
        1
    );
    let doses = count(&registry, DOSES);
    assert_eq!(doses, 3, "three ORDER groups, three doses");
    let seq = count(&registry, MAX_SEQ);

    // The same message again: the very same ACK, nothing doubled.
    let again = partner.post("/hl7/v2", vxu.clone());
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(again.text().unwrap(), ack);
    assert_eq!(count(&registry, PATIENTS), 1);
    assert_eq!(count(&registry, DOSES), doses);
    assert_eq!(count(&registry, MAX_SEQ), seq);
    assert_eq!(count(&registry, "SELECT count(*) FROM hl7_messages"), 2);

    // No credential, a wrong one, a partner id that is not one.
    let anonymous = partner
        .http
        .post(format!("{}/hl7/v2", partner.base))
        .body(vxu.clone())
        .send()
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert!(header(&anonymous, "www-authenticate").starts_with("Basic "));
    assert!(
        anonymous
            .text()
            .unwrap()
            .contains("partner id as the user name")
    );
    for (user, password) in [
        (partner.id.as_str(), "not-the-credential"),
        ("not-a-partner", partner.secret.as_str()),
    ] {
        let refused = partner
            .http
            .post(format!("{}/hl7/v2", partner.base))
            .basic_auth(user, Some(password))
            .body(vxu.clone())
            .send()
            .unwrap();
        assert_eq!(refused.status().as_u16(), 401);
        assert!(
            refused
                .text()
                .unwrap()
                .contains("partner id or credential is wrong")
        );
    }
    // What is not one HL7 message, and what is too large.
    let not_hl7 = partner.post("/hl7/v2", "<hello/>");
    assert_eq!(not_hl7.status().as_u16(), 400);
    assert!(not_hl7.text().unwrap().contains("not an HL7 v2 message"));
    let two = partner.post(
        "/hl7/v2",
        format!("{vxu}\r{}", sample("vxu_nist2014_iz001_admin_child.hl7")),
    );
    assert_eq!(two.status().as_u16(), 400);
    assert!(two.text().unwrap().contains("/hl7/v2/batch"));
    let large = partner.post("/hl7/v2", vec![b'A'; 1024 * 1024 + 1]);
    assert_eq!(large.status().as_u16(), 413);
    assert_eq!(count(&registry, "SELECT count(*) FROM hl7_messages"), 2);

    // SOAP: the WSDL, the echo, a wrong password, a message.
    let wsdl = partner
        .http
        .get(format!("{}/IISService2011?wsdl", partner.base))
        .send()
        .unwrap();
    assert_eq!(wsdl.status().as_u16(), 200);
    let wsdl = wsdl.text().unwrap();
    assert!(wsdl.contains("name=\"IISService2011\""), "{wsdl}");
    assert!(
        wsdl.contains(&format!(
            "location=\"https://{}/IISService2011\"",
            registry.addr
        )),
        "{wsdl}"
    );

    let (status, echo) = partner.soap(envelope(
        "<iis:connectivityTest><iis:echoBack>ping &amp; Ñandú &lt;3</iis:echoBack>\
         </iis:connectivityTest>",
    ));
    assert_eq!(status, 200, "{echo}");
    assert!(echo.contains("<connectivityTestResponse"), "{echo}");
    assert_eq!(element(&echo, "return").as_deref(), Some("ping & Ñandú <3"));

    let child = sample("vxu_nist2014_iz001_admin_child.hl7");
    let (status, fault) = partner.submit_single("wrong", &child);
    assert_eq!(status, 400, "{fault}");
    assert!(
        fault.contains("<env:Value>env:Sender</env:Value>"),
        "{fault}"
    );
    assert!(
        fault.contains("<SecurityFault xmlns=\"urn:cdc:iisb:2011\"><Code>60</Code>"),
        "{fault}"
    );
    assert!(
        element(&fault, "Detail")
            .unwrap()
            .contains("password is wrong"),
        "{fault}"
    );
    assert_eq!(count(&registry, PATIENTS), 1);

    let (status, answer) = partner.submit_single(&partner.secret, &child);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("<submitSingleMessageResponse"), "{answer}");
    let ack = element(&answer, "return").unwrap();
    assert!(ack.starts_with("MSH|^~\\&|SALAL|"), "{ack}");
    assert_eq!(msa(&ack), "MSA|AA|NIST-IZ-001.00", "{ack}");
    // Carriage returns came through as segment separators.
    assert!(ack.contains("\rMSA|"), "{ack:?}");
    assert_eq!(count(&registry, PATIENTS), 2);
    assert_eq!(
        count(
            &registry,
            "SELECT count(*) FROM records WHERE entity = 'dose' AND fields->>'cvx' = '140'"
        ),
        1
    );
    // The same message over SOAP again: the same ACK, and over /hl7/v2 too.
    let (_, again) = partner.submit_single(&partner.secret, &child);
    assert_eq!(element(&again, "return").unwrap(), ack);
    let over_http = partner.post("/hl7/v2", child.clone());
    assert_eq!(over_http.text().unwrap(), ack);
    assert_eq!(count(&registry, PATIENTS), 2);
    assert_eq!(count(&registry, DOSES), doses + 1);

    // SOAP 1.1 and a stranger operation are faults, never crashes.
    let (status, mismatch) = partner.soap(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body/></s:Envelope>"
            .to_owned(),
    );
    assert_eq!(status, 500, "{mismatch}");
    assert!(mismatch.contains("env:VersionMismatch"), "{mismatch}");
    let (status, unsupported) = partner.soap(envelope("<iis:submitBatch/>"));
    assert_eq!(status, 400, "{unsupported}");
    assert!(
        unsupported.contains("<UnsupportedOperationFault"),
        "{unsupported}"
    );
    let (status, garbage) = partner.soap("\u{0}\u{1}<<&".to_owned());
    assert_eq!(status, 400, "{garbage}");
    assert!(
        garbage.contains("<fault xmlns=\"urn:cdc:iisb:2011\">"),
        "{garbage}"
    );
    let (status, large) = partner.submit_single(&partner.secret, &"A".repeat(1024 * 1024 + 1));
    assert_eq!(status, 400, "{}", &large[..large.len().min(500)]);
    assert!(large.contains("<MessageTooLargeFault"), "{large}");
}

#[test]
fn an_opted_out_patients_vxu_gets_ae_over_https_and_nothing_is_stored() {
    let registry = Registry::start();
    let partner = Partner::new(&registry);
    let child = sample("vxu_nist2014_iz001_admin_child.hl7");
    let first = partner.post("/hl7/v2", child.clone());
    assert_eq!(header(&first, "x-hl7-ack-code"), "AA");
    decline(&registry, &first_patient_id(&registry));
    assert_eq!(count(&registry, DOSES), 0);
    let seq = count(&registry, MAX_SEQ);

    // The same child under a new control id (a new message): AE, nothing stored.
    let resent = child.replacen("NIST-IZ-001.00", "NIST-IZ-001.01", 1);
    let response = partner.post("/hl7/v2", resent);
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "x-hl7-ack-code"), "AE");
    let ack = response.text().unwrap();
    assert_eq!(msa(&ack), "MSA|AE|NIST-IZ-001.01", "{ack}");
    assert!(ack.contains("declined registry participation"), "{ack}");
    assert_eq!(count(&registry, DOSES), 0);
    assert_eq!(count(&registry, PATIENTS), 1);
    assert_eq!(count(&registry, MAX_SEQ), seq);
}

#[test]
fn a_batch_file_gets_one_ack_per_message_and_the_summary() {
    let registry = Registry::start();
    let partner = Partner::new(&registry);
    let messages = [
        sample("vxu_nist2014_iz001_admin_child.hl7"),
        sample("vxu_nist2014_iz019_multiple_doses.hl7"),
        // A message PostgreSQL cannot store (a NUL in the patient's name): the
        // group is applied again under savepoints, and only this one fails.
        sample("vxu_nist2014_iz004_admin_adult.hl7").replacen("PID|1||", "PID|1||\u{0}", 1),
        // A message the registry does not take: AR (unsupported version).
        "MSH|^~\\&|EHR|X68||NIST Test Iz Reg|20120701||VXU^V04^VXU_V04|BAD-1|P|2.3.1\r\
         PID|1||X-1^^^NIST MPI^MR||Doe^Jane||20100101|F\r"
            .to_owned(),
    ];
    let mut file =
        String::from("FHS|^~\\&|EHR|X68|||20261203||f.hl7||IN-FILE-7\rBHS|^~\\&|EHR|X68\r");
    for message in &messages {
        file.push_str(message.trim_end());
        file.push('\r');
    }
    file.push_str("BTS|3\rFTS|1\r");

    let response = partner.post("/hl7/v2/batch", file.clone());
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "content-type"), "application/hl7-v2");
    let summary = header(&response, "x-hl7-summary");
    assert!(
        summary.starts_with("hl7 submit: 4 messages, 2 accepted (AA), 1 with errors (AE), ")
            && summary.ends_with(" rejected (AR)"),
        "{summary}"
    );
    let answer = response.text().unwrap();
    let batch = salal_hl7::read_batch(answer.as_bytes());
    assert!(batch.problems.is_empty(), "{:?}", batch.problems);
    let header_segment = batch.file_header.as_ref().unwrap();
    assert_eq!(header_segment.text(3), "SALAL");
    assert_eq!(header_segment.text(12), "IN-FILE-7");
    let acked: Vec<(String, String)> = batch
        .messages
        .iter()
        .map(|m| {
            let msa = m.message.first("MSA").unwrap();
            (msa.text(1).to_owned(), msa.text(2).to_owned())
        })
        .collect();
    assert_eq!(acked.len(), 4, "{answer}");
    assert_eq!(acked[0], ("AA".to_owned(), "NIST-IZ-001.00".to_owned()));
    assert_eq!(acked[1], ("AA".to_owned(), "NIST-IZ-019.00".to_owned()));
    assert_eq!(acked[2], ("AE".to_owned(), "NIST-IZ-004.00".to_owned()));
    let failed = batch.messages[2].message.first("ERR").unwrap();
    assert_eq!(failed.component_text(3, 1), "207");
    assert!(
        failed.text(8).contains("could not store this message"),
        "{answer}"
    );
    assert_eq!(acked[3].1, "BAD-1");
    assert_eq!(acked[3].0, "AR");
    let bts = answer
        .split('\r')
        .find(|l| l.starts_with("BTS|"))
        .unwrap()
        .to_owned();
    assert_eq!(bts, format!("BTS|4|{summary}"));
    assert_eq!(count(&registry, PATIENTS), 2);
    let doses = count(&registry, DOSES);
    assert_eq!(doses, 4);
    let seq = count(&registry, MAX_SEQ);

    // Nothing of the failed message was kept, not even in the log.
    assert_eq!(count(&registry, "SELECT count(*) FROM hl7_messages"), 3);

    // The same file again: the same ACKs (answered from the log; the failed
    // one processed again and failing again), nothing new.
    let again = partner.post("/hl7/v2/batch", file);
    assert_eq!(header(&again, "x-hl7-summary"), summary);
    let again = salal_hl7::read_batch(again.text().unwrap().as_bytes());
    let msa_of = |b: &salal_hl7::Batch| -> Vec<String> {
        b.messages
            .iter()
            .map(|m| {
                m.message
                    .segments
                    .iter()
                    .skip(1)
                    .map(|s| {
                        salal_hl7::Message {
                            delimiters: m.message.delimiters,
                            segments: vec![s.clone()],
                        }
                        .encode()
                    })
                    .collect::<String>()
            })
            .collect()
    };
    let first: Vec<String> = batch.messages.iter().map(|m| m.message.encode()).collect();
    let second: Vec<String> = again.messages.iter().map(|m| m.message.encode()).collect();
    assert_eq!(first[0], second[0]);
    assert_eq!(first[1], second[1]);
    assert_eq!(first[3], second[3]);
    // The failed one's ACK differs only in MSH-7 (a new answer, made now).
    assert_eq!(msa_of(&batch)[2], msa_of(&again)[2]);
    assert_eq!(count(&registry, PATIENTS), 2);
    assert_eq!(count(&registry, DOSES), doses);
    assert_eq!(count(&registry, MAX_SEQ), seq);

    // A body with no message at all.
    let empty = partner.post("/hl7/v2/batch", "FHS|^~\\&\rFTS|0\r");
    assert_eq!(empty.status().as_u16(), 400);
    assert!(empty.text().unwrap().contains("no HL7 message"));
}

#[test]
fn concurrent_senders_are_each_answered_and_nothing_doubles() {
    let registry = Registry::start();
    let partner = Partner::new(&registry);
    let child = sample("vxu_nist2014_iz001_admin_child.hl7");
    let surnames = ["Frost", "Rainier", "Hale", "Brook", "Stone", "Marsh"];
    let firsts = [
        "Ava", "Noah", "Ivy", "Ezra", "Nora", "Felix", "Clara", "Hugo",
    ];
    // Distinct children: each their own names, birth day, family, chart number and order.
    let distinct: Vec<String> = (0..24)
        .map(|i| {
            child
                .replacen("NIST-IZ-001.00", &format!("CONC-{i}"), 1)
                .replacen("D26376273", &format!("D{i}"), 1)
                .replacen(
                    "Snow^Madelynn^Ainsley",
                    &format!(
                        "{}^{}^",
                        surnames[i % surnames.len()],
                        firsts[i % firsts.len()]
                    ),
                    1,
                )
                .replace(
                    "Lam^Morgan",
                    &format!("{}{i}^Morgan", surnames[(i + 1) % surnames.len()]),
                )
                .replacen("20070706", &format!("2007{:02}{:02}", 1 + i % 12, 1 + i), 1)
                .replace("32 Prescott", &format!("{} Prescott", 100 + i))
                .replace("5558563", &format!("55{:05}", 10 + i))
                .replacen("IZ-783274", &format!("IZ-{i}"), 1)
        })
        .collect();
    // And one more message, sent by six senders at the same moment.
    let shared = child.replacen("NIST-IZ-001.00", "CONC-SHARED", 1);
    let answers: Vec<(String, u16, String, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = distinct
            .iter()
            .chain(std::iter::repeat_n(&shared, 6))
            .map(|message| {
                let partner = &partner;
                scope.spawn(move || {
                    let response = partner.post("/hl7/v2", message.clone());
                    let status = response.status().as_u16();
                    let code = header(&response, "x-hl7-ack-code");
                    (message.clone(), status, code, response.text().unwrap())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.len(), 30);
    for (message, status, code, ack) in &answers {
        assert_eq!(*status, 200, "{ack}");
        assert_eq!(code, "AA", "{ack}");
        let control = message.split('|').nth(9).unwrap();
        assert_eq!(msa(ack), format!("MSA|AA|{control}"), "{ack}");
    }
    let shared_acks: Vec<&String> = answers
        .iter()
        .filter(|(m, ..)| *m == shared)
        .map(|(.., ack)| ack)
        .collect();
    assert_eq!(shared_acks.len(), 6);
    assert!(shared_acks.iter().all(|a| *a == shared_acks[0]));
    // 24 children and the shared one's, each with one dose: nothing doubled.
    assert_eq!(count(&registry, DOSES), 25);
    assert_eq!(
        count(
            &registry,
            "SELECT count(DISTINCT patient_id) FROM records WHERE entity = 'dose'"
        ),
        25
    );
    assert_eq!(count(&registry, "SELECT count(*) FROM hl7_messages"), 30);
    assert_eq!(
        count(
            &registry,
            "SELECT count(*) FROM hl7_messages WHERE problems = 'answered again: sent before'"
        ),
        5
    );
}
