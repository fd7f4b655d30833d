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
