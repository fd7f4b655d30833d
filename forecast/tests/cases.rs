//! Checks the engine against a few CDC test cases written out here, and that the
//! supporting data loads.

use chrono::NaiveDate;
use salal_forecast::{
    AdministeredDose, Engine, EvaluationStatus, Gender, PatientInput, PatientObservation,
    SeriesStatus, SupportingData,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn loads_all_antigens_and_groups() {
    let data = SupportingData::embedded().unwrap();
    assert!(data.antigens.len() >= 30);
    assert!(data.schedule.vaccine_groups.len() >= 26);
    assert!(data.schedule.cvx_map.len() >= 200);
}

#[test]
fn newborn_dtap_forecast() {
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let input = PatientInput {
        birth_date: d(2025, 11, 10),
        gender: Gender::Female,
        assessment_date: d(2025, 11, 10),
        doses: vec![],
        observations: vec![],
        birth_country: None,
    };
    let a = engine.assess(&input);
    let g = a.vaccine_group("DTaP/Tdap/Td").unwrap();
    assert_eq!(g.forecast.status, SeriesStatus::NotComplete);
    assert_eq!(g.forecast.dose_number, Some(1));
    assert_eq!(g.forecast.earliest, Some(d(2025, 12, 22)));
    assert_eq!(g.forecast.recommended, Some(d(2026, 1, 10)));
    assert_eq!(g.forecast.past_due, Some(d(2026, 3, 9)));
}

#[test]
fn second_dtap_at_10_weeks_minus_4_days_is_valid() {
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let input = PatientInput {
        birth_date: d(2025, 9, 5),
        gender: Gender::Female,
        assessment_date: d(2025, 11, 10),
        doses: vec![
            AdministeredDose::new(0, d(2025, 10, 17), "107"),
            AdministeredDose::new(1, d(2025, 11, 10), "107"),
        ],
        observations: vec![],
        birth_country: None,
    };
    let a = engine.assess(&input);
    let g = a.vaccine_group("DTaP/Tdap/Td").unwrap();
    assert_eq!(
        a.dose_status_for_group(g, 1).unwrap().0,
        EvaluationStatus::Valid
    );
    assert_eq!(g.forecast.dose_number, Some(3));
    assert_eq!(g.forecast.earliest, Some(d(2025, 12, 12)));
    assert_eq!(g.forecast.recommended, Some(d(2026, 3, 5)));
    assert_eq!(g.forecast.past_due, Some(d(2026, 5, 2)));
}

#[test]
fn bad_xml_is_an_error_not_a_panic() {
    assert!(SupportingData::from_xml("<nope/>", &[]).is_err());
    assert!(SupportingData::from_xml("not xml", &[]).is_err());
}

/// The differences each documented deviation is exempt from: the `- Exempt difference:`
/// lines under its `## <case id> ` heading in `KNOWN_DEVIATIONS.md`.
fn exempt_differences(doc: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut case: Option<String> = None;
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            case = h.split_whitespace().next().map(str::to_owned);
        } else if let Some(rest) = line.trim().strip_prefix("- Exempt difference:")
            && let Some(id) = &case
        {
            let diff = rest.trim().trim_matches('`');
            out.push((id.clone(), diff.to_owned()));
        }
    }
    out
}

/// The CDC dev cases, where they lie (`SALAL_CDSI_DIR/../testcases/dev.jsonl`, else
/// `../shared/cdsi/testcases/dev.jsonl`).
fn dev_cases_path() -> std::path::PathBuf {
    std::env::var_os("SALAL_CDSI_DIR")
        .map(|d| std::path::PathBuf::from(d).join("../testcases/dev.jsonl"))
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/cdsi/testcases/dev.jsonl")
        })
}

/// Runs the CDC dev cases; a missing file is a failure, not a skip. Every difference
/// must be one a documented deviation (see `KNOWN_DEVIATIONS.md`) is exempt from.
#[test]
fn cdc_dev_cases() {
    let path = dev_cases_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "CDC test cases not found at {} ({e}); set SALAL_CDSI_DIR to the CDSi \
             supporting-data folder next to testcases/",
            path.display()
        )
    });
    let exempt = exempt_differences(include_str!("../KNOWN_DEVIATIONS.md"));
    assert!(
        !exempt.is_empty(),
        "KNOWN_DEVIATIONS.md lists no exempt difference"
    );
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let mut failures = Vec::new();
    let mut count = 0usize;
    let mut used = vec![false; exempt.len()];
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        count += 1;
        let case = salal_forecast::check::TestCase::from_json(line).unwrap();
        for diff in salal_forecast::check::check_case(&engine, &case) {
            match exempt
                .iter()
                .position(|(id, d)| *id == case.id && *d == diff)
            {
                Some(i) => used[i] = true,
                None => failures.push(format!("{}: {diff}", case.id)),
            }
        }
    }
    assert!(count >= 700, "only {count} cases in {}", path.display());
    assert!(
        failures.is_empty(),
        "{} undocumented differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // A documented deviation that no longer happens should leave the document.
    let stale: Vec<&(String, String)> = exempt
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(e, _)| e)
        .collect();
    assert!(
        stale.is_empty(),
        "deviations that no longer occur: {stale:?}"
    );
}

#[test]
fn exemptions_name_one_difference_of_one_case() {
    let doc = "## 1-1 (X): a\n- Exempt difference: `dose 1: a`\n## 2-2 (Y)\ntext `dose 1: b`\n";
    assert_eq!(
        exempt_differences(doc),
        vec![("1-1".to_owned(), "dose 1: a".to_owned())]
    );
}

#[test]
fn dose_after_lot_expiry_is_sub_standard() {
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let mut dose = AdministeredDose::new(7, d(2025, 11, 10), "08");
    dose.lot_expiration = salal_forecast::dates::lot_expiration(2025, 10, None);
    let input = PatientInput {
        birth_date: d(2025, 11, 10),
        gender: Gender::Male,
        assessment_date: d(2025, 11, 10),
        doses: vec![dose],
        observations: vec![],
        birth_country: None,
    };
    let a = engine.assess(&input);
    let g = a.vaccine_group("HepB").unwrap();
    let (status, reasons) = a.dose_status_for_group(g, 7).unwrap();
    assert_eq!(status, EvaluationStatus::SubStandard);
    assert_eq!(
        reasons,
        vec![salal_forecast::EvaluationReason::ExpiredOrSubStandard]
    );
    assert_eq!(g.forecast.dose_number, Some(1));
}

#[test]
fn measles_immunity_by_birth_date() {
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let input = PatientInput {
        birth_date: d(1950, 1, 1),
        gender: Gender::Female,
        assessment_date: d(2025, 11, 10),
        doses: vec![],
        observations: vec![],
        birth_country: None,
    };
    let a = engine.assess(&input);
    let mmr = a.vaccine_group("MMR").unwrap();
    assert_ne!(mmr.forecast.status, SeriesStatus::NotComplete);
    // A health care worker (observation 055) is excluded from birth-date immunity.
    let hcp = PatientInput {
        observations: vec![PatientObservation::new("055", d(2020, 1, 1))],
        ..input
    };
    let a = engine.assess(&hcp);
    let measles = a
        .antigens
        .iter()
        .find(|f| &*f.antigen == "Measles")
        .unwrap();
    assert_ne!(measles.forecast.status, SeriesStatus::Immune);
}

#[test]
fn varicella_birth_date_immunity_depends_on_the_country() {
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let input = PatientInput {
        birth_date: d(1970, 5, 1),
        gender: Gender::Male,
        assessment_date: d(2025, 11, 10),
        doses: vec![],
        observations: vec![],
        birth_country: Some("U.S.".to_owned()),
    };
    let status = |i: &PatientInput| {
        let a = engine.assess(i);
        a.antigens
            .iter()
            .find(|f| &*f.antigen == "Varicella")
            .map(|f| f.forecast.status)
    };
    assert_eq!(status(&input), Some(SeriesStatus::Immune));
    let elsewhere = PatientInput {
        birth_country: Some("Mexico".to_owned()),
        ..input.clone()
    };
    assert_ne!(status(&elsewhere), Some(SeriesStatus::Immune));
    let unknown = PatientInput {
        birth_country: None,
        ..input
    };
    assert_eq!(status(&unknown), Some(SeriesStatus::Immune));
}

#[test]
fn unvaccinated_adult_gets_the_adult_polio_series() {
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let input = PatientInput {
        birth_date: d(1980, 5, 5),
        gender: Gender::Male,
        assessment_date: d(2025, 11, 10),
        doses: vec![],
        observations: vec![],
        birth_country: None,
    };
    let a = engine.assess(&input);
    let polio = a.antigens.iter().find(|f| &*f.antigen == "Polio").unwrap();
    assert_eq!(polio.forecast.status, SeriesStatus::NotComplete);
    assert_eq!(polio.forecast.dose_number, Some(1));
    assert_eq!(&*polio.series_name, "Polio adult catch-up series");
}

/// CALCDTINT-9: the Pertussis risk series for pregnancy measures its interval from the
/// onset of pregnancy (observation 170); the forecast follows that date and a dose
/// given before it is too soon.
#[test]
fn interval_from_an_observation_starts_on_its_date() {
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let onset = d(2025, 6, 2);
    let input = PatientInput {
        birth_date: d(1995, 3, 3),
        gender: Gender::Female,
        assessment_date: d(2025, 8, 1),
        doses: vec![AdministeredDose::new(0, d(2025, 5, 20), "115")],
        observations: vec![
            PatientObservation::new("007", onset),
            PatientObservation::new("170", onset),
        ],
        birth_country: None,
    };
    let a = engine.assess(&input);
    let pertussis = a
        .antigens
        .iter()
        .find(|f| &*f.antigen == "Pertussis")
        .unwrap();
    assert_eq!(&*pertussis.series_name, "Pertussis risk 1-dose series");
    // 27 weeks (earliest and recommended) and 36 weeks − 1 day (past due) after onset.
    assert_eq!(pertussis.forecast.earliest, Some(d(2025, 12, 8)));
    assert_eq!(pertussis.forecast.recommended, Some(d(2025, 12, 8)));
    assert_eq!(pertussis.forecast.past_due, Some(d(2026, 2, 8)));
    let dose = a
        .evaluations
        .iter()
        .find(|e| e.dose_id == 0 && &*e.antigen == "Pertussis")
        .unwrap();
    assert_eq!(dose.status, EvaluationStatus::NotValid);
    assert_eq!(
        dose.reasons,
        vec![salal_forecast::EvaluationReason::IntervalTooSoon]
    );
    // The most recent observation is the reference; one dated after the assessment
    // date is not active yet.
    let later = PatientInput {
        observations: vec![
            PatientObservation::new("007", onset),
            PatientObservation::new("170", d(2024, 1, 1)),
            PatientObservation::new("170", onset),
            PatientObservation::new("170", d(2025, 9, 1)),
        ],
        ..input
    };
    let a = engine.assess(&later);
    let pertussis = a
        .antigens
        .iter()
        .find(|f| &*f.antigen == "Pertussis")
        .unwrap();
    assert_eq!(pertussis.forecast.earliest, Some(d(2025, 12, 8)));
}

/// CALCDTCONFLICT-2 at its boundary: a live vaccine given after a dose of the same
/// live vaccine is in conflict until the minimum conflict end interval (24 days) when
/// that dose is valid, and until the conflict end interval (28 days) when it has
/// another evaluation status. The earlier dose has been evaluated in the same patient
/// series, so its status is known, for every antigen of the vaccine (the first one
/// processed included); it is not "no evaluation status".
#[test]
fn live_virus_conflict_end_depends_on_the_earlier_dose_status() {
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let born = d(2024, 1, 15);
    // Each antigen of MMR: (status of dose 1, status and reasons of dose 2).
    let second = |first: NaiveDate, days: u64| {
        let date = first.checked_add_days(chrono::Days::new(days)).unwrap();
        let input = PatientInput {
            birth_date: born,
            gender: Gender::Female,
            assessment_date: d(2025, 6, 1),
            doses: vec![
                AdministeredDose::new(0, first, "03"),
                AdministeredDose::new(1, date, "03"),
            ],
            observations: vec![],
            birth_country: None,
        };
        let a = engine.assess(&input);
        let status = |antigen: &str, id: usize| {
            a.evaluations
                .iter()
                .find(|e| e.dose_id == id && &*e.antigen == antigen)
                .map(|e| (e.status, e.reasons.clone()))
                .unwrap()
        };
        ["Measles", "Mumps", "Rubella"]
            .map(|antigen| (antigen, status(antigen, 0).0, status(antigen, 1)))
    };
    let conflict = (
        EvaluationStatus::NotValid,
        vec![salal_forecast::EvaluationReason::LiveVirusConflict],
    );
    let valid = (EvaluationStatus::Valid, vec![]);
    // 12 months − 4 days is 2025-01-11: a dose on 2025-01-10 is too young, so the
    // conflict after it lasts 28 days.
    let not_valid_first = d(2025, 1, 10);
    for (days, want) in [
        (23, &conflict),
        (24, &conflict),
        (27, &conflict),
        (28, &valid),
    ] {
        for (antigen, first, got) in second(not_valid_first, days) {
            assert_eq!(first, EvaluationStatus::NotValid, "{antigen}");
            assert_eq!(&got, want, "{antigen}: {days} days after a not-valid dose");
        }
    }
    // The same after a mumps-only dose, an antigen processed after measles: its status
    // comes from the engine's first pass, not "no evaluation status".
    let measles_after_mumps = |first: NaiveDate, days: u64| {
        let input = PatientInput {
            birth_date: born,
            gender: Gender::Female,
            assessment_date: d(2025, 6, 1),
            doses: vec![
                AdministeredDose::new(0, first, "07"),
                AdministeredDose::new(
                    1,
                    first.checked_add_days(chrono::Days::new(days)).unwrap(),
                    "03",
                ),
            ],
            observations: vec![],
            birth_country: None,
        };
        let a = engine.assess(&input);
        let of = |antigen: &str, id: usize| {
            a.evaluations
                .iter()
                .find(|e| e.dose_id == id && &*e.antigen == antigen)
                .map(|e| (e.status, e.reasons.clone()))
                .unwrap()
        };
        (of("Mumps", 0).0, of("Measles", 1))
    };
    assert_eq!(
        measles_after_mumps(not_valid_first, 25),
        (EvaluationStatus::NotValid, conflict.clone())
    );
    assert_eq!(
        measles_after_mumps(not_valid_first, 28),
        (EvaluationStatus::NotValid, valid.clone())
    );
    assert_eq!(
        measles_after_mumps(d(2025, 1, 15), 24),
        (EvaluationStatus::Valid, valid.clone())
    );
    // After a valid dose at 13½ months, 24 days (28 days − 4) is enough; 23 are not.
    let valid_first = d(2025, 3, 1);
    for (days, want) in [(23, &conflict), (24, &valid)] {
        for (antigen, first, got) in second(valid_first, days) {
            assert_eq!(first, EvaluationStatus::Valid, "{antigen}");
            assert_eq!(got.0, want.0, "{antigen}: {days} days after a valid dose");
        }
    }
}
