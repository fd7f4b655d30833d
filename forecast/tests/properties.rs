//! Property tests of the engine: forecast dates are ordered and nothing is forecast on
//! or after the maximum age, adding a dose (before, between or after the others) does
//! not change the evaluations of the doses before it, and neither the order of the
//! history nor the ids of its doses matter. Patients are of every age, from newborns
//! to adults born early enough for birth-date evidence of immunity.

use std::sync::OnceLock;

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use salal_forecast::{
    AdministeredDose, Assessment, Engine, Gender, PatientInput, PatientObservation, SeriesStatus,
    SupportingData,
};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&SupportingData::embedded().expect("supporting data")))
}

const CVX: &[&str] = &[
    "08", "10", "20", "03", "21", "94", "110", "133", "62", "83", "115", "49", "116", "141", "114",
    "187", "120", "106", "113", "165", "215", "208", "48", "45", "85", "43", "89", "107", "17",
    "122", "119", "300", "306",
];

fn date(base: NaiveDate, days: u64) -> NaiveDate {
    base.checked_add_days(Days::new(days))
        .expect("date in range")
}

prop_compose! {
    fn patient()(
        // Born 1920 to 2025 (before 1957 and 1980: birth-date immunity), assessed
        // at any age up to 100 years.
        birth in 0u64..38_000,
        age in prop_oneof![0u64..800, 0u64..7_000, 0u64..36_500],
        female in any::<bool>(),
        doses in proptest::collection::vec((0u64..36_500, 0usize..CVX.len()), 0..10),
        id_base in 0usize..1_000_000,
        id_step in 1usize..1_000,
    ) -> PatientInput {
        let epoch = NaiveDate::from_ymd_opt(1920, 1, 1).expect("epoch");
        let birth_date = date(epoch, birth);
        let assessment_date = date(birth_date, age);
        PatientInput {
            birth_date,
            gender: if female { Gender::Female } else { Gender::Male },
            assessment_date,
            doses: doses
                .iter()
                .enumerate()
                .map(|(i, (d, c))| {
                    AdministeredDose::new(id_base + i * id_step, date(birth_date, d % (age + 1)), CVX[*c])
                })
                .collect(),
            observations: Vec::new(),
            birth_country: None,
        }
    }
}

/// Evaluations keyed by what the dose is (date, CVX) rather than by its id.
fn keyed(input: &PatientInput, a: &Assessment) -> Vec<String> {
    let mut out: Vec<String> = a
        .evaluations
        .iter()
        .map(|e| {
            let d = input
                .doses
                .iter()
                .find(|d| d.id == e.dose_id)
                .expect("dose");
            format!(
                "{} {} {} {} {:?} {:?}",
                d.date, d.cvx, e.antigen, e.series_name, e.status, e.reasons
            )
        })
        .collect();
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn forecast_dates_are_ordered(input in patient()) {
        let a = engine().assess(&input);
        // Antigen forecasts are a best series' own dates; group forecasts blend them.
        let all = a.antigens.iter().map(|f| &f.forecast).chain(a.vaccine_groups.iter().map(|g| &g.forecast));
        for f in all {
            if f.status != SeriesStatus::NotComplete {
                prop_assert!(f.earliest.is_none() && f.recommended.is_none() && f.past_due.is_none(), "{f:?}");
                continue;
            }
            let (Some(e), Some(r)) = (f.earliest, f.recommended) else {
                return Err(TestCaseError::fail(format!("a due dose without dates: {f:?}")));
            };
            prop_assert!(e <= r, "earliest {e} > recommended {r}");
            if let Some(p) = f.past_due {
                prop_assert!(r <= p, "recommended {r} > past due {p}");
            }
            // The maximum age is reached on its date: the latest date is the day
            // before, and the earliest date is never after it.
            if let Some(l) = f.latest {
                prop_assert!(e <= l, "earliest {e} after latest {l}");
            }
        }
    }

    #[test]
    fn history_order_and_ids_do_not_matter(input in patient(), seed in any::<u64>(), id_offset in 1usize..1_000_000) {
        let mut shuffled = input.clone();
        let n = shuffled.doses.len();
        // Deterministic permutation from the seed.
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = usize::try_from(s >> 33).unwrap_or(0) % (i + 1);
            shuffled.doses.swap(i, j);
        }
        // Other ids, in another order than the dates.
        for (k, d) in shuffled.doses.iter_mut().enumerate() {
            d.id = id_offset + (n - k) * 3;
        }
        let a = engine().assess(&input);
        let b = engine().assess(&shuffled);
        prop_assert_eq!(&a.vaccine_groups, &b.vaccine_groups);
        prop_assert_eq!(&a.antigens, &b.antigens);
        prop_assert_eq!(keyed(&input, &a), keyed(&shuffled, &b));
    }

    #[test]
    fn adding_a_dose_keeps_the_evaluations_before_it(
        input in patient(),
        extra in 0usize..CVX.len(),
        at in 0u64..36_500,
    ) {
        // Anywhere from birth to 400 days after the last dose: before, between or after.
        let last = input.doses.iter().map(|d| d.date).max().unwrap_or(input.birth_date);
        let span = u64::try_from((last - input.birth_date).num_days()).unwrap_or(0) + 400;
        let new_date = date(input.birth_date, at % (span + 1));
        let mut base = input.clone();
        base.assessment_date = base.assessment_date.max(new_date);
        let mut more = base.clone();
        more.doses.push(AdministeredDose::new(usize::MAX, new_date, CVX[extra]));
        let a = engine().assess(&base);
        let b = engine().assess(&more);
        for e in &a.evaluations {
            let dose = base.doses.iter().find(|d| d.id == e.dose_id).expect("dose");
            if dose.date >= new_date {
                continue;
            }
            let same_series = b.evaluations.iter().find(|x| {
                x.dose_id == e.dose_id && x.antigen == e.antigen && x.series_name == e.series_name
            });
            if let Some(x) = same_series {
                prop_assert_eq!((x.status, &x.reasons), (e.status, &e.reasons), "dose {} {} {}", e.dose_id, e.antigen, dose.date);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// Odd input (CVX codes that are not numbers, doses before birth or after the
    /// assessment date, an assessment before birth) never panics.
    #[test]
    fn odd_input_does_not_panic(
        birth in 0u64..80_000,
        assess in 0u64..80_000,
        doses in proptest::collection::vec((0u64..80_000, "[0-9a-z ]{0,4}"), 0..8),
        observations in proptest::collection::vec(("[0-9 ]{0,4}", 0u64..80_000), 0..3),
    ) {
        let epoch = NaiveDate::from_ymd_opt(1900, 1, 1).expect("epoch");
        let input = PatientInput {
            birth_date: date(epoch, birth),
            gender: Gender::Unknown,
            assessment_date: date(epoch, assess),
            doses: doses
                .iter()
                .enumerate()
                .map(|(i, (d, c))| AdministeredDose::new(i, date(epoch, *d), c.clone()))
                .collect(),
            observations: observations
                .iter()
                .map(|(c, d)| PatientObservation::new(c.clone(), date(epoch, *d)))
                .collect(),
            birth_country: None,
        };
        let _ = engine().assess(&input);
    }

    /// Truncated or altered supporting data gives an error or data, never a panic.
    #[test]
    fn damaged_xml_does_not_panic(cut in 0usize..20_000, junk in "[<>/a-z0-9 ]{0,8}") {
        let xml = r#"<antigenSupportingData><immunity/><contraindications/><series>
<seriesName>S</seriesName><targetDisease>T</targetDisease><vaccineGroup>T</vaccineGroup>
<seriesAdminGuidance/><seriesType>Standard</seriesType><equivalentSeriesGroups/><requiredGender/>
<selectSeries><defaultSeries>Yes</defaultSeries><productPath>No</productPath><seriesGroupName>S</seriesGroupName>
<seriesGroup>1</seriesGroup><seriesPriority>A</seriesPriority><seriesPreference>1</seriesPreference>
<minAgeToStart/><maxAgeToStart/></selectSeries><indication/>
<seriesDose><doseNumber>Dose 1</doseNumber><age><absMinAge>6 weeks - 4 days</absMinAge><minAge>6 weeks</minAge>
<earliestRecAge>2 months</earliestRecAge><latestRecAge/><maxAge/><effectiveDate/><cessationDate/></age>
<preferableVaccine><vaccineType>V</vaccineType><cvx>10</cvx><beginAge/><endAge/><tradeName/><mvx/><volume/>
<forecastVaccineType>N</forecastVaccineType></preferableVaccine><conditionalSkip/><recurringDose>No</recurringDose>
<seasonalRecommendation/></seriesDose></series></antigenSupportingData>"#;
        let cut = cut % (xml.len() + 1);
        let cut = (0..=cut).rev().find(|&c| xml.is_char_boundary(c)).unwrap_or(0);
        let damaged = format!("{}{}{}", &xml[..cut], junk, &xml[cut..]);
        let _ = SupportingData::from_xml("<scheduleSupportingData/>", &[&damaged]);
    }
}
