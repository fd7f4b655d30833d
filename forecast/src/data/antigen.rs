//! Parser for one `AntigenSupportingData- <Antigen>-508.xml` document.

use roxmltree::Node;

use super::xml::{
    child, children, choice, cvx, cvx_list, date, duration, flag, number, opt_text, parse_doc,
    text, unknown,
};
use super::{
    AgeRule, AllowableVaccine, AntigenContraindication, AntigenData, AntigenSeries,
    BirthDateImmunity, ConditionKind, ConditionalSkip, ContraindicatedVaccine, CountLogic, Gender,
    Immunity, Indication, IntervalRule, PreferableVaccine, Seasonal, SeriesDose, SeriesType,
    SkipCondition, SkipContext, SkipSet, VaccineContraindication,
};
use crate::error::DataError;

/// Parses one antigen document.
pub(super) fn parse(xml: &str) -> Result<AntigenData, DataError> {
    let doc = parse_doc(xml, "antigenSupportingData")?;
    let root = doc.root_element();
    let mut immunity = Immunity::default();
    if let Some(imm) = child(root, "immunity") {
        for ch in children(imm, "clinicalHistory") {
            immunity
                .clinical_history
                .push(text(ch, "guidelineCode").to_owned());
        }
        for b in children(imm, "dateOfBirth") {
            immunity.birth_date.push(BirthDateImmunity {
                date: date(b, "immunityBirthDate")?,
                country: opt_text(b, "birthCountry"),
                exclusions: children(b, "exclusion")
                    .map(|e| text(e, "exclusionCode").to_owned())
                    .collect(),
            });
        }
    }
    let mut antigen_contraindications = Vec::new();
    let mut vaccine_contraindications = Vec::new();
    if let Some(ci) = child(root, "contraindications") {
        if let Some(vg) = child(ci, "vaccineGroup") {
            for c in children(vg, "contraindication") {
                antigen_contraindications.push(AntigenContraindication {
                    code: text(c, "observationCode").to_owned(),
                    text: text(c, "contraindicationText").to_owned(),
                    begin_age: duration(c, "beginAge")?,
                    end_age: duration(c, "endAge")?,
                });
            }
        }
        if let Some(v) = child(ci, "vaccine") {
            for c in children(v, "contraindication") {
                let mut vaccines = Vec::new();
                for cv in children(c, "contraindicatedVaccine") {
                    if let Some(code) = cvx(cv, "cvx")? {
                        vaccines.push(ContraindicatedVaccine {
                            cvx: code,
                            begin_age: duration(cv, "beginAge")?,
                            end_age: duration(cv, "endAge")?,
                        });
                    }
                }
                vaccine_contraindications.push(VaccineContraindication {
                    code: text(c, "observationCode").to_owned(),
                    text: text(c, "contraindicationText").to_owned(),
                    vaccines,
                });
            }
        }
    }
    let series = children(root, "series")
        .map(parse_series)
        .collect::<Result<Vec<_>, _>>()?;
    let name = series
        .first()
        .map(|s| s.target_disease.clone())
        .ok_or(DataError::Missing("series"))?;
    Ok(AntigenData {
        name,
        immunity,
        antigen_contraindications,
        vaccine_contraindications,
        series,
    })
}

fn parse_series(s: Node<'_, '_>) -> Result<AntigenSeries, DataError> {
    let series_type = choice(
        s,
        "seriesType",
        &[
            ("Standard", SeriesType::Standard),
            ("Risk", SeriesType::Risk),
            ("Evaluation Only", SeriesType::EvaluationOnly),
        ],
        None,
    )?;
    let mut required_gender = Vec::new();
    for g in children(s, "requiredGender") {
        let t = g.text().map(str::trim).unwrap_or("");
        let gender = match t.to_ascii_lowercase().as_str() {
            "" => continue,
            "female" | "f" => Gender::Female,
            "male" | "m" => Gender::Male,
            "unknown" | "u" => Gender::Unknown,
            _ => return Err(unknown("requiredGender", t)),
        };
        required_gender.push(gender);
    }
    let select = child(s, "selectSeries").ok_or(DataError::Missing("selectSeries"))?;
    let mut indications = Vec::new();
    for ind in children(s, "indication") {
        let code = child(ind, "observationCode")
            .map(|o| text(o, "code"))
            .unwrap_or("");
        if code.is_empty() {
            continue;
        }
        indications.push(Indication {
            code: code.to_owned(),
            begin_age: duration(ind, "beginAge")?,
            end_age: duration(ind, "endAge")?,
        });
    }
    let doses = children(s, "seriesDose")
        .map(parse_dose)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AntigenSeries {
        name: text(s, "seriesName").to_owned(),
        target_disease: text(s, "targetDisease").to_owned(),
        vaccine_group: text(s, "vaccineGroup").to_owned(),
        series_type,
        equivalent_series_groups: text(s, "equivalentSeriesGroups")
            .split([';', ','])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        required_gender,
        default_series: flag(select, "defaultSeries")?,
        product_path: flag(select, "productPath")?,
        series_group: text(select, "seriesGroup").to_owned(),
        priority: text(select, "seriesPriority").to_owned(),
        preference: number(select, "seriesPreference")?,
        min_age_to_start: duration(select, "minAgeToStart")?,
        max_age_to_start: duration(select, "maxAgeToStart")?,
        indications,
        doses,
    })
}

fn parse_interval(i: Node<'_, '_>) -> Result<IntervalRule, DataError> {
    Ok(IntervalRule {
        from_previous: flag(i, "fromPrevious")?,
        from_target_dose: number(i, "fromTargetDose")?,
        from_most_recent: cvx_list(text(i, "fromMostRecent"))?,
        from_relevant_obs: child(i, "fromRelevantObs")
            .map(|o| text(o, "code").to_owned())
            .filter(|c| !c.is_empty()),
        abs_min: duration(i, "absMinInt")?,
        min: duration(i, "minInt")?,
        earliest_rec: duration(i, "earliestRecInt")?,
        latest_rec: duration(i, "latestRecInt")?,
        priority: choice(
            i,
            "intervalPriority",
            &[("override", true), ("n", false), ("no", false)],
            Some(false),
        )?,
        effective: date(i, "effectiveDate")?,
        cessation: date(i, "cessationDate")?,
    })
}

fn is_empty_interval(i: &IntervalRule) -> bool {
    !i.from_previous
        && i.from_target_dose.is_none()
        && i.from_most_recent.is_empty()
        && i.from_relevant_obs.is_none()
}

fn parse_dose(d: Node<'_, '_>) -> Result<SeriesDose, DataError> {
    let mut ages = Vec::new();
    for a in children(d, "age") {
        ages.push(AgeRule {
            abs_min: duration(a, "absMinAge")?,
            min: duration(a, "minAge")?,
            earliest_rec: duration(a, "earliestRecAge")?,
            latest_rec: duration(a, "latestRecAge")?,
            max: duration(a, "maxAge")?,
            effective: date(a, "effectiveDate")?,
            cessation: date(a, "cessationDate")?,
        });
    }
    let mut intervals = Vec::new();
    for i in children(d, "interval") {
        let rule = parse_interval(i)?;
        if !is_empty_interval(&rule) {
            intervals.push(rule);
        }
    }
    let mut allowable_intervals = Vec::new();
    for i in children(d, "allowableInterval") {
        let rule = parse_interval(i)?;
        if !is_empty_interval(&rule) {
            allowable_intervals.push(rule);
        }
    }
    let mut preferable = Vec::new();
    for p in children(d, "preferableVaccine") {
        let Some(code) = cvx(p, "cvx")? else { continue };
        preferable.push(PreferableVaccine {
            cvx: code,
            begin_age: duration(p, "beginAge")?,
            end_age: duration(p, "endAge")?,
            trade_name: opt_text(p, "tradeName"),
            mvx: opt_text(p, "mvx"),
            volume: opt_text(p, "volume"),
            forecast: flag(p, "forecastVaccineType")?,
        });
    }
    let mut allowable = Vec::new();
    for p in children(d, "allowableVaccine") {
        let Some(code) = cvx(p, "cvx")? else { continue };
        allowable.push(AllowableVaccine {
            cvx: code,
            begin_age: duration(p, "beginAge")?,
            end_age: duration(p, "endAge")?,
        });
    }
    let mut inadvertent = Vec::new();
    for p in children(d, "inadvertentVaccine") {
        if let Some(code) = cvx(p, "cvx")? {
            inadvertent.push(code);
        }
    }
    let mut conditional_skip = Vec::new();
    // An empty `<conditionalSkip/>` means the dose has none.
    for cs in children(d, "conditionalSkip").filter(|cs| cs.children().any(|n| n.is_element())) {
        // Section 2.4: context `n/a` means no condition can skip the dose.
        let Some(context) = choice(
            cs,
            "context",
            &[
                ("Evaluation", Some(SkipContext::Evaluation)),
                ("Forecast", Some(SkipContext::Forecast)),
                ("Both", Some(SkipContext::Both)),
                ("n/a", None),
            ],
            None,
        )?
        else {
            continue;
        };
        let mut sets = Vec::new();
        for set in children(cs, "set") {
            let mut conditions = Vec::new();
            for c in children(set, "condition") {
                conditions.push(parse_condition(c)?);
            }
            sets.push(SkipSet {
                description: text(set, "setDescription").to_owned(),
                effective: date(set, "effectiveDate")?,
                cessation: date(set, "cessationDate")?,
                condition_logic_or: choice(
                    set,
                    "conditionLogic",
                    &[("AND", false), ("OR", true)],
                    Some(false),
                )?,
                conditions,
            });
        }
        conditional_skip.push(ConditionalSkip {
            context,
            // `n/a` (a single set) reads as OR: the one set decides.
            set_logic_or: choice(
                cs,
                "setLogic",
                &[("AND", false), ("OR", true), ("n/a", true)],
                Some(true),
            )?,
            sets,
        });
    }
    let seasonal = match child(d, "seasonalRecommendation") {
        Some(s) => {
            let start = date(s, "startDate")?;
            let end = date(s, "endDate")?;
            (start.is_some() || end.is_some()).then_some(Seasonal { start, end })
        }
        None => None,
    };
    Ok(SeriesDose {
        dose_number: text(d, "doseNumber").to_owned(),
        ages,
        intervals,
        allowable_intervals,
        preferable,
        allowable,
        inadvertent,
        conditional_skip,
        recurring: flag(d, "recurringDose")?,
        seasonal,
    })
}

fn parse_condition(c: Node<'_, '_>) -> Result<SkipCondition, DataError> {
    let kind = choice(
        c,
        "conditionType",
        &[
            ("Age", ConditionKind::Age),
            ("Completed Series", ConditionKind::CompletedSeries),
            ("Interval", ConditionKind::Interval),
            ("Vaccine Count by Age", ConditionKind::VaccineCountByAge),
            ("Vaccine Count by Date", ConditionKind::VaccineCountByDate),
            (
                "Vaccine Count by Date and Age",
                ConditionKind::VaccineCountByDateAndAge,
            ),
        ],
        None,
    )?;
    let counts = matches!(
        kind,
        ConditionKind::VaccineCountByAge
            | ConditionKind::VaccineCountByDate
            | ConditionKind::VaccineCountByDateAndAge
    );
    // A vaccine count needs its count, logic and dose type; other kinds ignore them.
    fn required<T>(counts: bool, v: T) -> Option<T> {
        if counts { None } else { Some(v) }
    }
    let count_logic = choice(
        c,
        "doseCountLogic",
        &[
            ("greater than", CountLogic::GreaterThan),
            ("equal to", CountLogic::Equal),
            ("equal", CountLogic::Equal),
            ("less than", CountLogic::LessThan),
        ],
        required(counts, CountLogic::GreaterThan),
    )?;
    let valid_only = choice(
        c,
        "doseType",
        &[("Valid", true), ("Total", false)],
        required(counts, false),
    )?;
    let dose_count = number(c, "doseCount")?;
    if counts && dose_count.is_none() {
        return Err(unknown("doseCount", text(c, "doseCount")));
    }
    Ok(SkipCondition {
        kind,
        start_date: date(c, "startDate")?,
        end_date: date(c, "endDate")?,
        begin_age: duration(c, "beginAge")?,
        end_age: duration(c, "endAge")?,
        interval: duration(c, "interval")?,
        dose_count,
        valid_only,
        count_logic,
        vaccine_types: cvx_list(text(c, "vaccineTypes"))?,
        series_groups: text(c, "seriesGroups")
            .split([';', ','])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}
