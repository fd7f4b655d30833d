//! Valid VXUs round-trip: parse → model (core + crate structs) → build →
//! parse → model gives the same model, so no information is lost.

use crate::{common, fixtures};
use salal_hl7::{Outcome, build_vxu, check_parsed, read_batch, read_update};

#[test]
fn sample_vxus_round_trip_without_loss() {
    let mut checked = 0;
    for (name, bytes) in common::samples() {
        if !name.starts_with("vxu_") {
            continue;
        }
        let batch = read_batch(&bytes);
        let Some(parsed) = batch.messages.first() else {
            panic!("{name}: no message");
        };
        if check_parsed(parsed).outcome == Outcome::Rejected {
            continue;
        }
        let first = read_update(&parsed.message).unwrap_or_else(|e| panic!("{name}: {e}"));
        let rebuilt = build_vxu(&fixtures::header("RT"), &first).encode();
        let reparsed = salal_hl7::parse(rebuilt.as_bytes());
        let second = read_update(&reparsed.message).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            second,
            first,
            "{name} lost information:\n{}",
            rebuilt.replace('\r', "\n")
        );
        assert!(!first.doses.is_empty(), "{name}: no doses read");
        checked += 1;
    }
    assert_eq!(checked, 19, "every VXU sample is a valid VXU");
}

#[test]
fn sample_mapping_reads_what_the_manifest_describes() {
    let read = |name: &str| {
        let batch = read_batch(&common::sample(name));
        let parsed = batch.messages.into_iter().next().expect("one message");
        read_update(&parsed.message).expect("a VXU")
    };
    use salal_core::event::EventKind;
    let refusal = read("vxu_nist2014_iz013_refusal.hl7");
    let dose = refusal.doses.first().expect("a dose");
    assert_eq!(dose.event.kind, EventKind::Refusal);
    assert_eq!(dose.event.refusal_reason, "00");

    let immunity = read("vxu_nist2014_iz016_evidence_of_immunity.hl7");
    assert_eq!(
        immunity.doses.first().map(|d| d.event.kind),
        Some(EventKind::EvidenceOfImmunity)
    );

    let historical = read("vxu_nist2014_iz007_historical_child.hl7");
    assert_eq!(
        historical.doses.first().map(|d| d.event.kind),
        Some(EventKind::Historical)
    );

    let child = read("vxu_nist2014_iz001_admin_child.hl7");
    let dose = child.doses.first().expect("a dose");
    assert_eq!(dose.event.kind, EventKind::Administered);
    assert_eq!(dose.event.cvx, "140");
    assert_eq!(dose.event.lot_number, "Z0860BB");
    assert_eq!(dose.event.mvx, "CSL");
    assert_eq!(dose.event.vfc_eligibility, "V05");
    assert_eq!(dose.event.route, "IM");
    assert_eq!(dose.event.site, "LA");
    assert_eq!(dose.vis.len(), 1);
    assert_eq!(child.patient.details.mother_maiden_name, "Lam");
    assert_eq!(child.patient.details.guardian_relationship, "MTH");
    assert_eq!(child.patient.details.medical_record_number, "D26376273");

    let delete = read("vxu_onc2015_4_hpv_delete.hl7");
    let dose = delete.doses.first().expect("a dose");
    assert_eq!(dose.action, salal_hl7::model::ActionCode::Delete);
    assert_eq!(dose.filler_order_id.id, "31309");

    let ndc = read("vxu_nist_r15_iz_ad_2_1_admin_adult.hl7");
    let dose = ndc.doses.first().expect("a dose");
    assert_eq!(dose.event.ndc, "49281-0215-88");
    assert!(!dose.event.cvx.is_empty(), "CVX from the NDC crosswalk");
    assert_eq!(dose.event.funding_source, "PHC70");
}
