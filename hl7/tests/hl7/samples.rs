//! Every shared sample parses without panicking and gets the outcome its
//! MANIFEST.md entry implies. The table below was written from the manifest
//! (and, where it says so, from reading the message), not from this crate's
//! output.

use crate::common;
use salal_hl7::{Outcome, check_parsed, read_batch};

use Outcome::{Accepted, AcceptedWithWarnings as Warnings, Rejected};

/// File, expected outcome, and the manifest's reason.
const EXPECTED: &[(&str, Outcome, &str)] = &[
    // VXU
    // Flagged "-" by the manifest's script, but reading them shows PID-11
    // spreading the county over XAD-9..11 ("42003^Allegheny^PHVS_County_FIPS_6-4",
    // so XAD-11 holds a code-system name) and, in the first, RXA-11 shifted by
    // one component (the ZIP lands in LA2-14 Country): warnings, not errors.
    (
        "vxu_cdc_open_tools_admin_adult_full.hl7",
        Warnings,
        "PID-11.11, RXA-11 shifted",
    ),
    (
        "vxu_cdc_open_tools_deferral_contraindication.hl7",
        Warnings,
        "PID-11.11 county",
    ),
    (
        "vxu_cdc_open_tools_serologic_evidence.hl7",
        Warnings,
        "PID-11.11 county",
    ),
    ("vxu_cdcig_example_multiple_doses.hl7", Accepted, "flags: -"),
    (
        "vxu_nist2014_iz001_admin_child.hl7",
        Warnings,
        "no MSH-21; MSH-15/16 AL/ER",
    ),
    (
        "vxu_nist2014_iz004_admin_adult.hl7",
        Warnings,
        "no MSH-21; MSH-15/16 AL/ER",
    ),
    (
        "vxu_nist2014_iz007_historical_child.hl7",
        Warnings,
        "no MSH-21; MSH-15/16; IZ-47",
    ),
    (
        "vxu_nist2014_iz010_historical_adult.hl7",
        Warnings,
        "no MSH-21; MSH-15/16; IZ-47",
    ),
    (
        "vxu_nist2014_iz013_refusal.hl7",
        Warnings,
        "no MSH-21; MSH-15/16 AL/ER",
    ),
    (
        "vxu_nist2014_iz016_evidence_of_immunity.hl7",
        Warnings,
        "no MSH-21; MSH-15/16 AL/ER",
    ),
    (
        "vxu_nist2014_iz019_multiple_doses.hl7",
        Warnings,
        "no MSH-21; MSH-15/16; IZ-47",
    ),
    (
        "vxu_nist2014_iz_1_1_admin_child_max.hl7",
        Warnings,
        "no MSH-21; MSH-15/16 AL/ER",
    ),
    (
        "vxu_nist_r15_iz_ad_2_1_admin_adult.hl7",
        Accepted,
        "flags: -",
    ),
    ("vxu_onc2015_1_admin_child_multi.hl7", Accepted, "flags: -"),
    (
        "vxu_onc2015_2_admin_adult_plus_historical.hl7",
        Accepted,
        "flags: -",
    ),
    ("vxu_onc2015_3_hpv_add.hl7", Accepted, "flags: -"),
    ("vxu_onc2015_4_hpv_delete.hl7", Accepted, "flags: -"),
    ("vxu_onc2015_5_multi_with_refusal.hl7", Accepted, "flags: -"),
    ("vxu_onc2015_6_update.hl7", Accepted, "flags: -"),
    // QBP
    ("qbp_z34_cdcig.hl7", Warnings, "MSH-15/16 empty"),
    (
        "qbp_z34_cdcig_missing_query_tag.hl7",
        Rejected,
        "QPD-2 missing: the IIS must reject",
    ),
    ("qbp_z34_izgw_ihs.hl7", Accepted, "flags: -"),
    ("qbp_z44_aira.hl7", Accepted, "flags: -"),
    // RSP
    (
        "rsp_izgw_z32_header_with_qak_nf.hl7",
        Warnings,
        "MSH-21 Z32 contradicts QAK-2 NF",
    ),
    (
        "rsp_real_mn_miic_nonconformant_msh9.hl7",
        Warnings,
        "real-world non-conformant output",
    ),
    (
        "rsp_z31_cdcig_candidate_list.hl7",
        Warnings,
        "notes: the Z31's QAK lacks QAK-3",
    ),
    // Flagged "-", but its PID has neither birth date nor sex (PID-7, PID-8
    // empty) although the IG requires both: warnings in a response.
    (
        "rsp_z32_cdcig_complete_history.hl7",
        Warnings,
        "PID-7, PID-8 empty",
    ),
    (
        "rsp_z32_real_ca_cair2.hl7",
        Warnings,
        "MSA-4..6 style acknowledgement",
    ),
    ("rsp_z32_real_ny_cir_ae.hl7", Warnings, "real IIS response"),
    ("rsp_z33_cdcig_ae_query_error.hl7", Accepted, "flags: -"),
    ("rsp_z33_cdcig_not_found.hl7", Accepted, "flags: -"),
    ("rsp_z33_cdcig_too_many.hl7", Accepted, "flags: -"),
    (
        "rsp_z42_cdcig_evaluation_and_forecast.hl7",
        Warnings,
        "known defects: CP< CR>, impossible date",
    ),
    (
        "rsp_z42_cdcig_multiple_recommendations.hl7",
        Accepted,
        "flags: -",
    ),
    ("rsp_z42_real_ak_vactrak.hl7", Warnings, "real IIS response"),
    (
        "rsp_z42_real_ar_webiz.hl7",
        Accepted,
        "flags: -; nothing noted",
    ),
    (
        "rsp_z42_real_id_iris_err.hl7",
        Warnings,
        "real IIS response",
    ),
    (
        "rsp_z42_real_mi_mcir.hl7",
        Warnings,
        "real IIS response; MSA-3 text",
    ),
    (
        "rsp_z42_real_nd_typo_profile.hl7",
        Warnings,
        "MSH-21 Z42^CDCPHHINVS typo",
    ),
    ("rsp_z42_real_wi_wir_ae.hl7", Warnings, "real IIS response"),
    // ACK
    ("ack_cdcig_aa.hl7", Accepted, "flags: -"),
    ("ack_cdcig_aa_warning.hl7", Warnings, "no MSH-21"),
    (
        "ack_cdcig_ae_business_rule.hl7",
        Warnings,
        "no MSH-21; ERR-9 text",
    ),
    (
        "ack_cdcig_ae_required_field_message_rejected.hl7",
        Warnings,
        "no MSH-21; ERR-9 text",
    ),
    (
        "ack_cdcig_ae_segment_rejected.hl7",
        Warnings,
        "no MSH-21; ERR-9 text",
    ),
    (
        "ack_cdcig_ae_table_value_segment_group_rejected.hl7",
        Warnings,
        "no MSH-21; ERR-9 text",
    ),
    (
        "ack_cdcig_ar_unsupported_version.hl7",
        Warnings,
        "no MSH-21",
    ),
    // The manifest flags only MSH-21, but MSH-10 (message control id, R in
    // Z23) is empty too: an unidentifiable message is rejected.
    (
        "ack_cdcig_q11_ar_unrecognized_message_type.hl7",
        Rejected,
        "MSH-10 empty",
    ),
    (
        "ack_izgw_ae_informational_count.hl7",
        Warnings,
        "stray space inside MSH-7",
    ),
    ("ack_izgw_ae_warning_zip.hl7", Accepted, "flags: -"),
    ("ack_izgw_q21_ar_processing_id.hl7", Accepted, "flags: -"),
    (
        "ack_nist_iz_ad_7_2_ae_vaccine_code.hl7",
        Accepted,
        "flags: -",
    ),
    (
        "ack_real_al_ae_nonstandard_err.hl7",
        Warnings,
        "MSA-3 text, 2.4-style ERR-1",
    ),
    (
        "ack_real_ca_ae_rejects_cvx998.hl7",
        Warnings,
        "ERR-3 has only text",
    ),
    // Real-IIS notes: text in MSA-3 (X in Z23) is one of the departures.
    (
        "ack_real_il_icare_ar_invalid_dob.hl7",
        Warnings,
        "MSA-3 text",
    ),
    (
        "ack_real_mi_mcir_aa_with_warnings.hl7",
        Warnings,
        "MSH-9.3 VXU_V04; no MSH-21",
    ),
    (
        "ack_real_nm_repeated_msa.hl7",
        Warnings,
        "repeated MSA not allowed",
    ),
    ("ack_real_or_ae_warnings_only.hl7", Warnings, "no MSH-21"),
    (
        "ack_real_pa_ae_minimal.hl7",
        Warnings,
        "MSA-2 empty, 207 in ERR-1",
    ),
    ("ack_real_wi_wir_ae_warnings.hl7", Accepted, "flags: -"),
];

#[test]
fn every_sample_gets_the_outcome_its_manifest_implies() {
    let samples = common::samples();
    assert_eq!(
        samples.len(),
        EXPECTED.len(),
        "a sample is missing from the table"
    );
    let mut failures = Vec::new();
    for (name, bytes) in &samples {
        let Some((_, expected, reason)) = EXPECTED.iter().find(|(file, ..)| file == name) else {
            failures.push(format!("{name}: not in the expected-outcome table"));
            continue;
        };
        let batch = read_batch(bytes);
        if batch.messages.len() != 1 {
            failures.push(format!(
                "{name}: {} messages, expected 1",
                batch.messages.len()
            ));
            continue;
        }
        let Some(parsed) = batch.messages.first() else {
            continue;
        };
        let report = check_parsed(parsed);
        if report.outcome != *expected {
            let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
            failures.push(format!(
                "{name}: {:?}, expected {expected:?} ({reason})\n    {}",
                report.outcome,
                problems.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} samples:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_sample_parses_alone_too() {
    for (name, bytes) in common::samples() {
        let parsed = salal_hl7::parse(&bytes);
        assert!(parsed.message.header().is_some(), "{name}: no MSH found");
    }
}
