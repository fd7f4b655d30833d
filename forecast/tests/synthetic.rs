//! Engine behaviour on small hand-written supporting data: conditional skip, recurring
//! doses, inadvertent vaccines, live virus conflicts and gender, each driven only by
//! the data given.

use chrono::NaiveDate;
use salal_forecast::{
    AdministeredDose, Engine, EvaluationReason, EvaluationStatus, Gender, PatientInput,
    SeriesStatus, SupportingData,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const SCHEDULE: &str = r#"<scheduleSupportingData>
<liveVirusConflicts>
<liveVirusConflict>
<previous><vaccineType>Live A</vaccineType><cvx>901</cvx></previous>
<current><vaccineType>Live B</vaccineType><cvx>902</cvx></current>
<conflictBeginInterval>1 day</conflictBeginInterval>
<minConflictEndInterval>24 days</minConflictEndInterval>
<conflictEndInterval>28 days</conflictEndInterval>
</liveVirusConflict>
</liveVirusConflicts>
<vaccineGroups>
<vaccineGroup><name>Alpha</name><administerFullVaccineGroup/></vaccineGroup>
<vaccineGroup><name>Beta</name><administerFullVaccineGroup/></vaccineGroup>
</vaccineGroups>
<vaccineGroupToAntigenMap>
<vaccineGroupMap><name>Alpha</name><antigen>Alpha</antigen></vaccineGroupMap>
<vaccineGroupMap><name>Beta</name><antigen>Beta</antigen></vaccineGroupMap>
</vaccineGroupToAntigenMap>
<cvxToAntigenMap>
<cvxMap><cvx>901</cvx><shortDescription>A</shortDescription>
<association><antigen>Alpha</antigen><associationBeginAge/><associationEndAge/></association></cvxMap>
<cvxMap><cvx>902</cvx><shortDescription>B</shortDescription>
<association><antigen>Beta</antigen><associationBeginAge/><associationEndAge/></association></cvxMap>
<cvxMap><cvx>903</cvx><shortDescription>A, wrong</shortDescription>
<association><antigen>Alpha</antigen><associationBeginAge/><associationEndAge/></association></cvxMap>
</cvxToAntigenMap>
<observations/>
</scheduleSupportingData>"#;

fn antigen(name: &str, cvx: &str, doses: &str, gender: &str) -> String {
    format!(
        r#"<antigenSupportingData><immunity/><contraindications/>
<series><seriesName>{name} series</seriesName><targetDisease>{name}</targetDisease>
<vaccineGroup>{name}</vaccineGroup><seriesAdminGuidance/><seriesType>Standard</seriesType>
<equivalentSeriesGroups/><requiredGender>{gender}</requiredGender>
<selectSeries><defaultSeries>Yes</defaultSeries><productPath>No</productPath>
<seriesGroupName>Standard</seriesGroupName><seriesGroup>1</seriesGroup><seriesPriority>A</seriesPriority>
<seriesPreference>1</seriesPreference><minAgeToStart/><maxAgeToStart/></selectSeries>
<indication/>{doses}</series></antigenSupportingData>"#
    )
    .replace("CVX", cvx)
}

const ALPHA_DOSES: &str = r#"
<seriesDose><doseNumber>Dose 1</doseNumber>
<age><absMinAge>6 weeks - 4 days</absMinAge><minAge>6 weeks</minAge><earliestRecAge>2 months</earliestRecAge>
<latestRecAge>3 months</latestRecAge><maxAge/><effectiveDate/><cessationDate/></age>
<preferableVaccine><vaccineType>A</vaccineType><cvx>CVX</cvx><beginAge/><endAge/><tradeName/><mvx/><volume/>
<forecastVaccineType>Y</forecastVaccineType></preferableVaccine>
<inadvertentVaccine><vaccineType>A, wrong</vaccineType><cvx>903</cvx></inadvertentVaccine>
<conditionalSkip/><recurringDose>No</recurringDose><seasonalRecommendation/></seriesDose>
<seriesDose><doseNumber>Dose 2</doseNumber>
<age><absMinAge/><minAge/><earliestRecAge/><latestRecAge/><maxAge/><effectiveDate/><cessationDate/></age>
<interval><fromPrevious>Y</fromPrevious><fromTargetDose/><fromMostRecent/><fromRelevantObs/>
<absMinInt>4 weeks - 4 days</absMinInt><minInt>4 weeks</minInt><earliestRecInt>8 weeks</earliestRecInt>
<latestRecInt>12 weeks</latestRecInt><intervalPriority/><effectiveDate/><cessationDate/></interval>
<preferableVaccine><vaccineType>A</vaccineType><cvx>CVX</cvx><beginAge/><endAge/><tradeName/><mvx/><volume/>
<forecastVaccineType>Y</forecastVaccineType></preferableVaccine>
<conditionalSkip><context>Both</context><setLogic>n/a</setLogic>
<set><setID>1</setID><setDescription>Not needed if dose 1 given at 1 year or older</setDescription>
<effectiveDate/><cessationDate/><conditionLogic/>
<condition><conditionID>1</conditionID><conditionType>Vaccine Count by Age</conditionType><startDate/><endDate/>
<beginAge>1 year</beginAge><endAge/><interval/><doseCount>0</doseCount><doseType>Valid</doseType>
<doseCountLogic>greater than</doseCountLogic><vaccineTypes/><seriesGroups/></condition></set></conditionalSkip>
<recurringDose>No</recurringDose><seasonalRecommendation/></seriesDose>
<seriesDose><doseNumber>Dose 3</doseNumber>
<age><absMinAge/><minAge/><earliestRecAge/><latestRecAge/><maxAge/><effectiveDate/><cessationDate/></age>
<interval><fromPrevious>Y</fromPrevious><fromTargetDose/><fromMostRecent/><fromRelevantObs/>
<absMinInt>10 years</absMinInt><minInt>10 years</minInt><earliestRecInt>10 years</earliestRecInt>
<latestRecInt/><intervalPriority/><effectiveDate/><cessationDate/></interval>
<preferableVaccine><vaccineType>A</vaccineType><cvx>CVX</cvx><beginAge/><endAge/><tradeName/><mvx/><volume/>
<forecastVaccineType>Y</forecastVaccineType></preferableVaccine>
<conditionalSkip/><recurringDose>Yes</recurringDose><seasonalRecommendation/></seriesDose>
"#;

const BETA_DOSES: &str = r#"
<seriesDose><doseNumber>Dose 1</doseNumber>
<age><absMinAge>12 months - 4 days</absMinAge><minAge>12 months</minAge><earliestRecAge>12 months</earliestRecAge>
<latestRecAge/><maxAge/><effectiveDate/><cessationDate/></age>
<preferableVaccine><vaccineType>B</vaccineType><cvx>CVX</cvx><beginAge/><endAge/><tradeName/><mvx/><volume/>
<forecastVaccineType>N</forecastVaccineType></preferableVaccine>
<conditionalSkip/><recurringDose>No</recurringDose><seasonalRecommendation/></seriesDose>
"#;

fn engine() -> Engine {
    let alpha = antigen("Alpha", "901", ALPHA_DOSES, "");
    let beta = antigen("Beta", "902", BETA_DOSES, "Female");
    Engine::new(&SupportingData::from_xml(SCHEDULE, &[&alpha, &beta]).unwrap())
}

fn patient(gender: Gender, doses: &[(NaiveDate, &str)], today: NaiveDate) -> PatientInput {
    PatientInput {
        birth_date: d(2020, 1, 1),
        gender,
        assessment_date: today,
        doses: doses
            .iter()
            .enumerate()
            .map(|(i, (date, cvx))| AdministeredDose::new(i, *date, *cvx))
            .collect(),
        observations: vec![],
        birth_country: None,
    }
}

#[test]
fn dose_two_is_skipped_when_dose_one_came_late_and_dose_three_recurs() {
    let e = engine();
    let a = e.assess(&patient(
        Gender::Male,
        &[(d(2021, 3, 1), "901")],
        d(2021, 4, 1),
    ));
    let alpha = a.vaccine_group("Alpha").unwrap();
    // Dose 2 skipped: the recurring dose 3 is forecast, 10 years after dose 1.
    assert_eq!(alpha.forecast.status, SeriesStatus::NotComplete);
    assert_eq!(alpha.forecast.dose_number, Some(2));
    assert_eq!(alpha.forecast.earliest, Some(d(2031, 3, 1)));
    assert_eq!(alpha.forecast.recommended_vaccines, vec!["901".to_owned()]);
    // A valid recurring dose is followed by another one.
    let a = e.assess(&patient(
        Gender::Male,
        &[(d(2021, 3, 1), "901"), (d(2031, 3, 1), "901")],
        d(2031, 4, 1),
    ));
    assert_eq!(
        a.vaccine_group("Alpha").unwrap().forecast.earliest,
        Some(d(2041, 3, 1))
    );
}

#[test]
fn too_young_inadvertent_and_too_soon() {
    let e = engine();
    let doses = [
        (d(2020, 1, 20), "901"), // 19 days old: too young
        (d(2020, 3, 1), "903"),  // inadvertent
        (d(2020, 3, 2), "901"),  // valid dose 1
        (d(2020, 3, 20), "901"), // 18 days later: too soon for dose 2
    ];
    let a = e.assess(&patient(Gender::Female, &doses, d(2020, 4, 1)));
    let g = a.vaccine_group("Alpha").unwrap();
    let status = |i| a.dose_status_for_group(g, i).unwrap();
    assert_eq!(
        status(0),
        (
            EvaluationStatus::NotValid,
            vec![EvaluationReason::AgeTooYoung]
        )
    );
    assert_eq!(
        status(1),
        (
            EvaluationStatus::NotValid,
            vec![EvaluationReason::InadvertentVaccine]
        )
    );
    assert_eq!(status(2).0, EvaluationStatus::Valid);
    assert_eq!(
        status(3),
        (
            EvaluationStatus::NotValid,
            vec![EvaluationReason::IntervalTooSoon]
        )
    );
    // Dose 2 is due 4 weeks after the not-valid dose.
    assert_eq!(g.forecast.dose_number, Some(2));
    assert_eq!(g.forecast.earliest, Some(d(2020, 4, 17)));
    assert_eq!(g.forecast.recommended, Some(d(2020, 5, 15)));
    assert_eq!(g.forecast.past_due, Some(d(2020, 6, 11)));
}

#[test]
fn live_virus_conflict_and_required_gender() {
    let e = engine();
    let doses = [(d(2021, 1, 10), "901"), (d(2021, 1, 30), "902")];
    let a = e.assess(&patient(Gender::Female, &doses, d(2021, 2, 1)));
    let beta = a.vaccine_group("Beta").unwrap();
    assert_eq!(
        a.dose_status_for_group(beta, 1).unwrap(),
        (
            EvaluationStatus::NotValid,
            vec![EvaluationReason::LiveVirusConflict]
        )
    );
    // Forecast after the conflict end (28 days after the live dose).
    assert_eq!(beta.forecast.earliest, Some(d(2021, 2, 7)));
    // Beta's only series is for females.
    let a = e.assess(&patient(Gender::Male, &doses, d(2021, 2, 1)));
    assert!(a.vaccine_group("Beta").is_none());
}

/// CONDSKIP-1 for "Vaccine Count by Date and Age" (the condition type RSV uses): a
/// dose counts only inside both the age range and the date range.
#[test]
fn vaccine_count_by_date_and_age_needs_both_ranges() {
    let doses = ALPHA_DOSES.replace(
        "<conditionType>Vaccine Count by Age</conditionType><startDate/><endDate/>",
        "<conditionType>Vaccine Count by Date and Age</conditionType>\
         <startDate>20210101</startDate><endDate>20220101</endDate>",
    );
    assert_ne!(doses, ALPHA_DOSES);
    let alpha = antigen("Alpha", "901", &doses, "");
    let beta = antigen("Beta", "902", BETA_DOSES, "Female");
    let e = Engine::new(&SupportingData::from_xml(SCHEDULE, &[&alpha, &beta]).unwrap());
    // Dose 1 at 14 months, inside the date range: dose 2 is skipped, dose 3 is next.
    let a = e.assess(&patient(
        Gender::Male,
        &[(d(2021, 3, 1), "901")],
        d(2021, 4, 1),
    ));
    assert_eq!(
        a.vaccine_group("Alpha").unwrap().forecast.earliest,
        Some(d(2031, 3, 1))
    );
    // Dose 1 at 26 months, after the date range: dose 2 is due 4 weeks later.
    let a = e.assess(&patient(
        Gender::Male,
        &[(d(2022, 3, 1), "901")],
        d(2022, 3, 2),
    ));
    assert_eq!(
        a.vaccine_group("Alpha").unwrap().forecast.earliest,
        Some(d(2022, 3, 29))
    );
}

/// A value the parser does not know is a load error naming the file, the element and
/// the value, never a silent default.
#[test]
fn unknown_values_are_load_errors() {
    let load = |doses: &str| {
        let alpha = antigen("Alpha", "901", doses, "");
        SupportingData::from_named_xml(("Schedule.xml", SCHEDULE), &[("Alpha.xml", &alpha)])
    };
    assert!(load(ALPHA_DOSES).is_ok());
    let cases = [
        (
            "<conditionType>Vaccine Count by Age</conditionType>",
            "<conditionType>Vaccine Count by Moon</conditionType>",
            "conditionType",
            "Vaccine Count by Moon",
        ),
        (
            "<doseCountLogic>greater than</doseCountLogic>",
            "<doseCountLogic>at most</doseCountLogic>",
            "doseCountLogic",
            "at most",
        ),
        (
            "<doseType>Valid</doseType>",
            "<doseType>Counted</doseType>",
            "doseType",
            "Counted",
        ),
        (
            "<context>Both</context>",
            "<context>Sometimes</context>",
            "context",
            "Sometimes",
        ),
        (
            "<recurringDose>Yes</recurringDose>",
            "<recurringDose>Maybe</recurringDose>",
            "recurringDose",
            "Maybe",
        ),
        (
            "<fromPrevious>Y</fromPrevious>",
            "<fromPrevious>X</fromPrevious>",
            "fromPrevious",
            "X",
        ),
        (
            "<doseCount>0</doseCount>",
            "<doseCount>none</doseCount>",
            "doseCount",
            "none",
        ),
    ];
    for (from, to, element, value) in cases {
        let doses = ALPHA_DOSES.replacen(from, to, 1);
        assert_ne!(doses, ALPHA_DOSES, "{from}");
        let err = load(&doses).unwrap_err();
        assert_eq!(
            err,
            salal_forecast::DataError::UnknownValue {
                file: "Alpha.xml".to_owned(),
                element,
                value: value.to_owned(),
            }
        );
        assert!(err.to_string().contains("Alpha.xml"), "{err}");
    }
    let alpha = antigen("Alpha", "901", ALPHA_DOSES, "Sometimes");
    assert!(matches!(
        SupportingData::from_named_xml(("Schedule.xml", SCHEDULE), &[("Alpha.xml", &alpha)]),
        Err(salal_forecast::DataError::UnknownValue {
            element: "requiredGender",
            ..
        })
    ));
    let risky = antigen("Alpha", "901", ALPHA_DOSES, "").replace(
        "<seriesType>Standard</seriesType>",
        "<seriesType>Hopeful</seriesType>",
    );
    assert!(matches!(
        SupportingData::from_named_xml(("Schedule.xml", SCHEDULE), &[("Alpha.xml", &risky)]),
        Err(salal_forecast::DataError::UnknownValue {
            element: "seriesType",
            ..
        })
    ));
}

/// Age boundaries (CALCDTAGE-1 to -5, Tables 6-15 and 7-10): the minimum age date and
/// the day before the maximum age date count; the maximum age date itself is too old,
/// so nothing is forecast on or after it.
#[test]
fn age_boundaries_follow_the_specification() {
    let doses = BETA_DOSES.replace(
        "<latestRecAge/><maxAge/>",
        "<latestRecAge>18 months</latestRecAge><maxAge>2 years</maxAge>",
    );
    assert_ne!(doses, BETA_DOSES);
    let alpha = antigen("Alpha", "901", ALPHA_DOSES, "");
    let beta = antigen("Beta", "902", &doses, "Female");
    let e = Engine::new(&SupportingData::from_xml(SCHEDULE, &[&alpha, &beta]).unwrap());
    // Born 2020-01-01: maximum age date 2022-01-01.
    let a = e.assess(&patient(Gender::Female, &[], d(2021, 12, 31)));
    let f = &a.vaccine_group("Beta").unwrap().forecast;
    assert_eq!(f.status, SeriesStatus::NotComplete);
    assert_eq!(f.earliest, Some(d(2021, 1, 1)));
    assert_eq!(f.past_due, Some(d(2021, 6, 30)));
    assert_eq!(f.latest, Some(d(2021, 12, 31)));
    let a = e.assess(&patient(Gender::Female, &[], d(2022, 1, 1)));
    let f = &a.vaccine_group("Beta").unwrap().forecast;
    assert_eq!(f.status, SeriesStatus::AgedOut);
    assert_eq!(f.earliest, None);
    let status = |date: NaiveDate| {
        let a = e.assess(&patient(Gender::Female, &[(date, "902")], d(2022, 6, 1)));
        let g = a.vaccine_group("Beta").unwrap();
        a.dose_status_for_group(g, 0).unwrap()
    };
    assert_eq!(status(d(2021, 12, 31)), (EvaluationStatus::Valid, vec![]));
    assert_eq!(
        status(d(2022, 1, 1)),
        (
            EvaluationStatus::Extraneous,
            vec![EvaluationReason::AgeTooOld]
        )
    );
    // Absolute minimum age 12 months − 4 days: 2020-12-28 counts (grace), the day
    // before does not.
    assert_eq!(
        status(d(2020, 12, 28)),
        (
            EvaluationStatus::Valid,
            vec![EvaluationReason::AgeGracePeriod]
        )
    );
    assert_eq!(
        status(d(2020, 12, 27)),
        (
            EvaluationStatus::NotValid,
            vec![EvaluationReason::AgeTooYoung]
        )
    );
}
