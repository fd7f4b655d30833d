//! Hand-computed children and the status each must get. Dates are worked out in the
//! comments; the school year is 2025-26 (from 2025-09-01) unless stated.

use salal_school::{Confirmed, Reason, Setting, Status};

use crate::support::{
    check, child, complete, complete_k6, date, dose, group, next_dose, outcome, setting, summary,
    up_to_date_in_2025, with_outlook, without,
};

use Setting::{ChildCare, School};

#[test]
fn kindergartner_with_every_dose_is_complete() {
    // Born 2020-06-15: 5 on 2025-09-01, so K-6 and no child-care band.
    let kid = child("2020-06-15", complete_k6("2020-06-15"));
    let results = check(&kid, "2025-10-01");
    assert_eq!(summary(&results), [(School, "k_6", Status::Complete)]);
    assert!(!results[0].unconfirmed);
    let counted: Vec<(&str, Option<u32>, u32, Reason)> = results[0]
        .groups
        .iter()
        .map(|g| {
            (
                g.group.as_str(),
                g.doses_required,
                g.doses_counted,
                g.reason,
            )
        })
        .collect();
    assert_eq!(
        counted,
        [
            ("hepb", Some(3), 3, Reason::EnoughDoses),
            ("dtap", Some(5), 5, Reason::EnoughDoses),
            ("polio", Some(4), 4, Reason::EnoughDoses),
            ("mmr", Some(2), 2, Reason::EnoughDoses),
            ("varicella", Some(2), 2, Reason::EnoughDoses),
        ]
    );
}

#[test]
fn four_dtap_with_the_fourth_after_the_fourth_birthday_is_enough() {
    // 4th birthday 2024-06-15; DTaP 4 on 2024-07-01.
    let mut doses = without(complete_k6("2020-06-15"), "DTAP");
    for on in ["2020-08-15", "2020-10-15", "2020-12-15", "2024-07-01"] {
        doses.push(dose(on, &["DTAP"]));
    }
    let results = check(&child("2020-06-15", doses), "2025-10-01");
    assert_eq!(
        outcome(&results, School, "dtap"),
        (Status::Complete, Reason::AltDosesAfterAge)
    );
    assert_eq!(group(&results, School, "dtap").doses_counted, 4);
    assert_eq!(setting(&results, School).status, Status::Complete);
}

#[test]
fn four_dtap_with_the_fourth_before_the_fourth_birthday_is_not() {
    let mut doses = without(complete_k6("2020-06-15"), "DTAP");
    for on in ["2020-08-15", "2020-10-15", "2020-12-15", "2021-09-15"] {
        doses.push(dose(on, &["DTAP"]));
    }
    let mut kid = child("2020-06-15", doses);
    // Dose 5 was due at 4 years; 2024-06-15 + 30 days is long before 2025-10-01.
    kid.outlook = vec![next_dose(
        "DTaP/Tdap/Td",
        "2024-06-15",
        "2024-06-15",
        "2025-06-15",
    )];
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        outcome(&results, School, "dtap"),
        (Status::OutOfCompliance, Reason::MissingDoses)
    );
    assert_eq!(setting(&results, School).status, Status::OutOfCompliance);
}

#[test]
fn one_mmr_with_the_second_not_yet_eligible_is_conditional() {
    // Born 2020-03-10 (5 on 2025-09-01); a late first MMR on 2025-09-20, so dose 2
    // is valid from 2025-10-18 (28 days) and due by 2025-10-18 + 30 = 2025-11-17.
    let mut doses = without(complete_k6("2020-03-10"), "MMR");
    doses.push(dose("2025-09-20", &["MMR"]));
    let mut kid = child("2020-03-10", doses);
    kid.outlook = vec![next_dose("MMR", "2025-10-18", "2025-10-18", "2025-11-18")];

    let early = check(&kid, "2025-10-01");
    let earliest = date("2025-10-18");
    assert_eq!(
        outcome(&early, School, "mmr"),
        (
            Status::Conditional,
            Reason::NextDoseNotYetEligible { earliest }
        )
    );
    assert_eq!(group(&early, School, "mmr").doses_counted, 1);
    assert_eq!(setting(&early, School).status, Status::Conditional);

    let deadline = date("2025-11-17");
    let within = Reason::NextDoseWithinConditionalPeriod { deadline };
    for as_of in ["2025-10-18", "2025-11-17"] {
        let results = check(&kid, as_of);
        assert_eq!(
            outcome(&results, School, "mmr"),
            (Status::Conditional, within),
            "{as_of}"
        );
    }
    let late = check(&kid, "2025-11-18");
    assert_eq!(
        outcome(&late, School, "mmr"),
        (Status::OutOfCompliance, Reason::MissingDoses)
    );
}

#[test]
fn no_mmr_at_six_is_out_of_compliance() {
    // Born 2019-05-01: 6 on 2025-09-01; MMR 1 was due at 12 months (2020-05-01).
    let mut kid = child("2019-05-01", without(complete_k6("2019-05-01"), "MMR"));
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        outcome(&results, School, "mmr"),
        (Status::OutOfCompliance, Reason::MissingDoses),
        "no forecast at all"
    );
    kid.outlook = vec![next_dose("MMR", "2020-05-01", "2020-05-01", "2020-09-01")];
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        outcome(&results, School, "mmr"),
        (Status::OutOfCompliance, Reason::MissingDoses)
    );
    assert_eq!(group(&results, School, "mmr").doses_counted, 0);
    assert_eq!(setting(&results, School).status, Status::OutOfCompliance);
}

#[test]
fn tdap_at_nine_does_not_count_in_grades_7_to_12() {
    // Born 2012-03-01: 13 on 2025-09-01, grades 7-12. Tdap on 2021-06-01 (age 9);
    // the 10th birthday is 2022-03-01. The adolescent Tdap was recommended at 11.
    let mut doses = complete_k6("2012-03-01");
    doses.push(dose("2021-06-01", &["TDAP"]));
    let mut kid = child("2012-03-01", doses);
    kid.outlook = vec![next_dose(
        "DTaP/Tdap/Td",
        "2023-03-01",
        "2023-03-01",
        "2025-03-01",
    )];
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        summary(&results),
        [(School, "grades_7_12", Status::OutOfCompliance)]
    );
    let tdap = group(&results, School, "tdap");
    assert_eq!(
        (tdap.status, tdap.reason),
        (Status::OutOfCompliance, Reason::MissingDoses)
    );
    assert_eq!((tdap.doses_required, tdap.doses_counted), (Some(1), 0));
    assert_eq!(tdap.confirmed, Confirmed::Inferred);
    assert!(results[0].unconfirmed);

    // Even when the CDSi series counted it, the Washington age rule stands.
    kid.outlook = vec![complete("DTaP/Tdap/Td")];
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        outcome(&results, School, "tdap"),
        (Status::OutOfCompliance, Reason::MissingDoses)
    );
    // The primary DTaP series is unaffected.
    assert_eq!(
        outcome(&results, School, "dtap"),
        (Status::Complete, Reason::EnoughDoses)
    );
}

#[test]
fn tdap_at_ten_counts_and_td_never_does() {
    let base = complete_k6("2012-03-01");
    let with = |on: &str, cdc_group: &str| {
        let mut doses = base.clone();
        doses.push(dose(on, &[cdc_group]));
        check(&child("2012-03-01", doses), "2025-10-01")
    };
    let on_birthday = with("2022-03-01", "TDAP");
    assert_eq!(
        outcome(&on_birthday, School, "tdap"),
        (Status::Complete, Reason::EnoughDoses)
    );
    // Two days early counts only with the 4-day grace, which is unconfirmed.
    let early = with("2022-02-27", "TDAP");
    let tdap = group(&early, School, "tdap");
    assert_eq!(
        (tdap.status, tdap.confirmed),
        (Status::Complete, Confirmed::Unconfirmed)
    );
    // Five days early is outside the grace.
    let too_early = with("2022-02-24", "TDAP");
    assert_eq!(
        group(&too_early, School, "tdap").status,
        Status::OutOfCompliance
    );
    let td = with("2023-01-01", "Td");
    assert_eq!(group(&td, School, "tdap").doses_counted, 0);
}

#[test]
fn overdue_dtap_in_child_care_is_out_of_compliance() {
    // Born 2022-05-01: 3 on 2025-09-01, child care only. DTaP 4 recommended at 15
    // months (2023-08-01), past due 2024-01-01.
    let mut kid = child("2022-05-01", Vec::new());
    kid.outlook = with_outlook(
        up_to_date_in_2025(),
        next_dose("DTaP/Tdap/Td", "2023-06-01", "2023-08-01", "2024-01-01"),
    );
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        summary(&results),
        [(ChildCare, "child_care_under_5", Status::OutOfCompliance)]
    );
    let past_due = date("2024-01-01");
    assert_eq!(
        outcome(&results, ChildCare, "dtap"),
        (Status::OutOfCompliance, Reason::PastDue { past_due })
    );
    assert_eq!(group(&results, ChildCare, "dtap").doses_required, None);
    assert!(results[0].unconfirmed, "child-care counts are unconfirmed");
}

#[test]
fn child_care_without_anything_past_due_is_complete() {
    let mut kid = child("2022-05-01", Vec::new());
    kid.outlook = up_to_date_in_2025();
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        summary(&results),
        [(ChildCare, "child_care_under_5", Status::Complete)]
    );
    assert!(
        results[0]
            .groups
            .iter()
            .all(|g| g.reason == Reason::AgeAppropriateNotPastDue)
    );
    // The past-due day itself is past due.
    kid.outlook = with_outlook(
        up_to_date_in_2025(),
        next_dose("Polio", "2025-06-01", "2025-06-01", "2025-10-01"),
    );
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        group(&results, ChildCare, "polio").status,
        Status::OutOfCompliance
    );
    // A complete series is complete whatever its dates.
    kid.outlook = with_outlook(up_to_date_in_2025(), complete("Polio"));
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        outcome(&results, ChildCare, "polio"),
        (Status::Complete, Reason::SeriesComplete)
    );
}

#[test]
fn child_care_without_a_forecast_cannot_be_complete() {
    let kid = child("2022-05-01", Vec::new());
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        outcome(&results, ChildCare, "hepb"),
        (Status::OutOfCompliance, Reason::NoForecast)
    );
}

#[test]
fn recorded_varicella_immunity_is_complete() {
    let mut kid = child(
        "2020-06-15",
        without(complete_k6("2020-06-15"), "VARICELLA"),
    );
    kid.immunity_cdc_groups = vec!["VARICELLA".to_owned()];
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        outcome(&results, School, "varicella"),
        (Status::Complete, Reason::Immune)
    );
    assert_eq!(setting(&results, School).status, Status::Complete);

    // Immunity the CDSi input recorded counts the same way.
    kid.immunity_cdc_groups.clear();
    kid.outlook = vec![salal_school::GroupOutlook {
        immune: true,
        ..complete("Varicella")
    }];
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        outcome(&results, School, "varicella"),
        (Status::Complete, Reason::Immune)
    );
}

#[test]
fn hepatitis_b_serology_is_not_accepted() {
    let mut kid = child("2020-06-15", without(complete_k6("2020-06-15"), "HepB"));
    kid.immunity_cdc_groups = vec!["HepB".to_owned()];
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        group(&results, School, "hepb").status,
        Status::OutOfCompliance
    );
}

#[test]
fn an_exemption_makes_the_group_and_otherwise_complete_setting_exempt() {
    let mut kid = child("2020-06-15", without(complete_k6("2020-06-15"), "MMR"));
    kid.exempt_groups = vec!["mmr".to_owned()];
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        outcome(&results, School, "mmr"),
        (Status::Exempt, Reason::Exempt)
    );
    assert_eq!(summary(&results), [(School, "k_6", Status::Exempt)]);

    // Anything out of compliance still wins.
    kid.doses = without(kid.doses, "POLIO");
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        summary(&results),
        [(School, "k_6", Status::OutOfCompliance)]
    );
}

#[test]
fn a_contraindication_without_an_exemption_is_out_of_compliance() {
    let mut kid = child("2020-06-15", without(complete_k6("2020-06-15"), "MMR"));
    kid.outlook = vec![salal_school::GroupOutlook {
        contraindicated: true,
        ..next_dose("MMR", "2021-06-15", "2021-06-15", "2021-10-15")
    }];
    let results = check(&kid, "2025-10-01");
    assert_eq!(
        outcome(&results, School, "mmr"),
        (
            Status::OutOfCompliance,
            Reason::ContraindicatedWithoutExemption
        )
    );
    kid.exempt_groups = vec!["mmr".to_owned()];
    let results = check(&kid, "2025-10-01");
    assert_eq!(group(&results, School, "mmr").status, Status::Exempt);
}

#[test]
fn a_complete_cdsi_series_with_fewer_doses_is_accepted_but_unconfirmed() {
    // Three DTaP, all before the 4th birthday, but the CDSi series is complete.
    let mut doses = without(complete_k6("2020-06-15"), "DTAP");
    for on in ["2020-08-15", "2020-10-15", "2021-09-15"] {
        doses.push(dose(on, &["DTAP"]));
    }
    let mut kid = child("2020-06-15", doses);
    kid.outlook = vec![complete("DTaP/Tdap/Td")];
    let results = check(&kid, "2025-10-01");
    let dtap = group(&results, School, "dtap");
    assert_eq!(
        (dtap.status, dtap.reason, dtap.confirmed),
        (
            Status::Complete,
            Reason::FewerDosesSeriesComplete,
            Confirmed::Unconfirmed
        )
    );
    assert!(setting(&results, School).unconfirmed);
}

#[test]
fn the_school_year_boundary_moves_the_band() {
    // Born 2021-09-01: 4 on 2025-09-01 (2025-26), 5 on 2026-09-01 (2026-27).
    let kid = child("2021-09-01", complete_k6("2021-09-01"));
    let before = check(&kid, "2026-08-31");
    let bands: Vec<(Setting, &str)> = before
        .iter()
        .map(|r| (r.setting, r.band.as_str()))
        .collect();
    assert_eq!(
        bands,
        [
            (ChildCare, "child_care_under_5"),
            (School, "preschool_k_age4")
        ]
    );
    let after = check(&kid, "2026-09-01");
    assert_eq!(summary(&after), [(School, "k_6", Status::Complete)]);
    assert!(
        after[0].unconfirmed,
        "2026-27 is outside the table's school year"
    );
}

#[test]
fn hib_and_pneumococcal_are_not_required_from_age_5() {
    // Born 2020-10-15: 4 on 2025-09-01, so child care and preschool/K age 4; turns 5
    // on 2025-10-15.
    let mut kid = child("2020-10-15", complete_k6("2020-10-15"));
    kid.outlook = up_to_date_in_2025();
    let at_four = check(&kid, "2025-10-01");
    for in_setting in [ChildCare, School] {
        assert_eq!(
            outcome(&at_four, in_setting, "hib"),
            (Status::Complete, Reason::AgeAppropriateNotPastDue)
        );
    }
    kid.outlook = with_outlook(
        up_to_date_in_2025(),
        next_dose("Hib", "2022-01-15", "2022-01-15", "2022-04-15"),
    );
    let overdue_at_four = check(&kid, "2025-10-01");
    assert_eq!(
        group(&overdue_at_four, School, "hib").status,
        Status::OutOfCompliance
    );
    let at_five = check(&kid, "2025-10-15");
    for in_setting in [ChildCare, School] {
        for g in ["hib", "pneumococcal"] {
            assert_eq!(
                outcome(&at_five, in_setting, g),
                (Status::Complete, Reason::NotRequiredAtThisAge),
                "{in_setting:?} {g}"
            );
        }
    }
    // A kindergartner (5 on 1 September) has no Hib requirement at all.
    let k = check(
        &child("2020-06-15", complete_k6("2020-06-15")),
        "2025-10-01",
    );
    assert!(setting(&k, School).groups.iter().all(|g| g.group != "hib"));
}

#[test]
fn only_valid_doses_by_the_date_count_once_per_day() {
    let mut doses = without(complete_k6("2020-06-15"), "MMR");
    let mut invalid = dose("2021-06-20", &["MMR"]);
    invalid.valid = false;
    doses.push(invalid);
    doses.push(dose("2021-07-01", &["MMR"]));
    doses.push(dose("2021-07-01", &["MMR"]));
    doses.push(dose("2025-12-01", &["MMR"]));
    let results = check(&child("2020-06-15", doses), "2025-10-01");
    assert_eq!(group(&results, School, "mmr").doses_counted, 1);
}

#[test]
fn mmr_before_the_first_birthday_or_too_close_does_not_count() {
    // 1st birthday 2021-06-15: 2021-06-01 is 14 days early (beyond the grace), and
    // 2021-07-05 is 15 days after 2021-06-20.
    let mut doses = without(complete_k6("2020-06-15"), "MMR");
    for on in ["2021-06-01", "2021-06-20", "2021-07-05"] {
        doses.push(dose(on, &["mmr"]));
    }
    let results = check(&child("2020-06-15", doses), "2025-10-01");
    assert_eq!(group(&results, School, "mmr").doses_counted, 1);
}

#[test]
fn nobody_is_evaluated_before_birth_and_newborns_are_in_child_care() {
    let kid = child("2025-10-15", Vec::new());
    assert!(check(&kid, "2025-10-01").is_empty());
    let results = check(&kid, "2025-11-01");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].band, "child_care_under_5");
}
