//! Checks the engine against a few CDC test cases written out here, and that the
//! supporting data loads.

use chrono::NaiveDate;
use salal_forecast::{
    AdministeredDose, Engine, EvaluationStatus, Gender, PatientInput, SeriesStatus, SupportingData,
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

/// Runs the CDC dev cases where they lie (skipped when the file is absent); every case
/// that is not a documented deviation (see `KNOWN_DEVIATIONS.md`) must pass.
#[test]
fn cdc_dev_cases() {
    let path = std::env::var_os("SALAL_CDSI_DIR")
        .map(|d| std::path::PathBuf::from(d).join("../testcases/dev.jsonl"))
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/cdsi/testcases/dev.jsonl")
        });
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: {} not found", path.display());
        return;
    };
    let deviations = include_str!("../KNOWN_DEVIATIONS.md");
    let engine = Engine::new(&SupportingData::embedded().unwrap());
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case = salal_forecast::check::TestCase::from_json(line).unwrap();
        let diffs = salal_forecast::check::check_case(&engine, &case);
        if !diffs.is_empty() && !deviations.contains(&format!("## {} ", case.id)) {
            failures.push(format!("{}: {}", case.id, diffs.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} undocumented failures:\n{}",
        failures.len(),
        failures.join("\n")
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
        observations: vec!["055".to_owned()],
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
