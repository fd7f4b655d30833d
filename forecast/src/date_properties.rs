//! Property tests of the engine's own dates (Tables 7-10, 7-12 and 7-13), read before
//! FORECASTDT-5 and -6 adjust them to the earliest date: the adjusted dates are ordered
//! by construction, so only the unadjusted ones can show a wrong date calculation.
//! Patients are of every age, from newborns to adults born early enough for birth-date
//! evidence of immunity, with histories of the real supporting data's vaccines and
//! dated observations of its codes (risk series, intervals from an observation).

use std::sync::OnceLock;

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use crate::data::SupportingData;
use crate::engine::Engine;
use crate::model::{AdministeredDose, Gender, PatientInput, PatientObservation, SeriesStatus};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&SupportingData::embedded().expect("supporting data")))
}

/// Every CVX code of the schedule's CVX-to-antigen map.
fn cvx_codes() -> &'static [String] {
    static CODES: OnceLock<Vec<String>> = OnceLock::new();
    CODES.get_or_init(|| {
        engine()
            .data()
            .schedule
            .cvx_map
            .iter()
            .map(|m| format!("{:02}", m.cvx.0))
            .collect()
    })
}

/// Every observation code of the schedule data (conditions, contraindications,
/// evidence of immunity), so risk series and intervals from an observation are reached.
fn observation_codes() -> &'static [String] {
    static CODES: OnceLock<Vec<String>> = OnceLock::new();
    CODES.get_or_init(|| {
        engine()
            .data()
            .schedule
            .observations
            .iter()
            .map(|o| o.code.clone())
            .collect()
    })
}

fn date(base: NaiveDate, days: u64) -> NaiveDate {
    base.checked_add_days(Days::new(days))
        .expect("date in range")
}

prop_compose! {
    fn patient()(
        birth in 0u64..38_000,
        age in prop_oneof![0u64..800, 0u64..7_000, 0u64..36_500],
        female in any::<bool>(),
        doses in proptest::collection::vec((0u64..36_500, any::<proptest::sample::Index>()), 0..10),
        observations in proptest::collection::vec((0u64..36_500, any::<proptest::sample::Index>()), 0..3),
    ) -> PatientInput {
        let epoch = NaiveDate::from_ymd_opt(1920, 1, 1).expect("epoch");
        let birth_date = date(epoch, birth);
        let assessment_date = date(birth_date, age);
        let codes = cvx_codes();
        PatientInput {
            birth_date,
            gender: if female { Gender::Female } else { Gender::Male },
            assessment_date,
            doses: doses
                .iter()
                .enumerate()
                .map(|(i, (d, c))| {
                    AdministeredDose::new(i, date(birth_date, d % (age + 1)), c.get(codes).clone())
                })
                .collect(),
            observations: observations
                .iter()
                .map(|(d, c)| {
                    PatientObservation::new(c.get(observation_codes()).clone(), date(birth_date, d % (age + 1)))
                })
                .collect(),
            birth_country: None,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn unadjusted_forecast_dates_follow_the_specification(input in patient()) {
        let (_, series) = engine().assess_with_series(&input);
        for s in &series {
            let f = &s.forecast;
            let Some(raw) = f.unadjusted else {
                prop_assert!(f.dates.status != SeriesStatus::NotComplete, "{} {}: due without dates", s.antigen, s.series);
                continue;
            };
            let at = || format!("{} / {}: {raw:?}", s.antigen, s.series);
            prop_assert_eq!(f.dates.status, SeriesStatus::NotComplete, "{}", at());
            // Table 7-10: a dose is forecast only while the candidate earliest date is
            // before the maximum age date.
            if let Some(max) = raw.max_age {
                prop_assert!(raw.earliest < max, "{}", at());
                prop_assert!(input.assessment_date < max, "{}", at());
            }
            // FORECASTDTCAN-1: never before the minimum age date.
            if let Some(min) = raw.min_age {
                prop_assert!(min <= raw.earliest, "{}", at());
            }
            // The age dates of the supporting data are ordered: minimum ≤ earliest
            // recommended ≤ latest recommended ≤ maximum. The past-due date is the day
            // before the latest recommended date, so when both come from ages the
            // unadjusted recommended date is at most one day after it (CDC gives some
            // doses one recommended age, e.g. "12 months" for both).
            if let (Some(min), Some(rec)) = (raw.min_age, raw.earliest_recommended_age) {
                prop_assert!(min <= rec, "{}", at());
            }
            if let (Some(rec), Some(late)) = (raw.earliest_recommended_age, raw.latest_recommended_age) {
                prop_assert!(rec <= late, "{}", at());
                prop_assert!(raw.past_due.and_then(|p| p.succ_opt()) >= Some(raw.recommended), "{}", at());
            }
            if let (Some(late), Some(max)) = (raw.latest_recommended_age, raw.max_age) {
                prop_assert!(late <= max, "{}", at());
            }
            // FORECASTDT-1, -2, -4 to -6: the reported dates are the unadjusted ones
            // moved to the earliest date, and the latest date is the day before the
            // maximum age date.
            prop_assert_eq!(f.dates.earliest, Some(raw.earliest), "{}", at());
            prop_assert_eq!(f.dates.recommended, Some(raw.recommended.max(raw.earliest)), "{}", at());
            prop_assert_eq!(f.dates.past_due, raw.past_due.map(|p| p.max(raw.earliest)), "{}", at());
            prop_assert_eq!(f.dates.latest, raw.max_age.and_then(|m| m.pred_opt()), "{}", at());
            if let Some(rec) = raw.earliest_recommended_age {
                prop_assert_eq!(raw.recommended, rec, "{}", at());
            }
            if let Some(late) = raw.latest_recommended_age {
                prop_assert_eq!(raw.past_due, late.pred_opt(), "{}", at());
            }
        }
    }
}
