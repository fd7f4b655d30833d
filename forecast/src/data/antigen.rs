//! Parser for one `AntigenSupportingData- <Antigen>-508.xml` document.

use roxmltree::Node;

use super::xml::{child, children, cvx, cvx_list, date, duration, flag, opt_text, parse_doc, text};
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
    let series_type = match text(s, "seriesType").to_ascii_lowercase().as_str() {
        "risk" => SeriesType::Risk,
        "evaluation only" => SeriesType::EvaluationOnly,
        _ => SeriesType::Standard,
    };
    let required_gender = children(s, "requiredGender")
        .filter_map(|g| g.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(Gender::from_code)
        .collect();
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
        default_series: flag(select, "defaultSeries"),
        product_path: flag(select, "productPath"),
        series_group: text(select, "seriesGroup").to_owned(),
        priority: text(select, "seriesPriority").to_owned(),
        preference: text(select, "seriesPreference").parse().ok(),
        min_age_to_start: duration(select, "minAgeToStart")?,
        max_age_to_start: duration(select, "maxAgeToStart")?,
        indications,
        doses,
    })
}

fn parse_interval(i: Node<'_, '_>) -> Result<IntervalRule, DataError> {
    let from_target = text(i, "fromTargetDose");
    Ok(IntervalRule {
        from_previous: flag(i, "fromPrevious"),
        from_target_dose: from_target.parse::<usize>().ok(),
        from_most_recent: cvx_list(text(i, "fromMostRecent"))?,
        from_relevant_obs: child(i, "fromRelevantObs")
            .map(|o| text(o, "code").to_owned())
            .filter(|c| !c.is_empty()),
        abs_min: duration(i, "absMinInt")?,
        min: duration(i, "minInt")?,
        earliest_rec: duration(i, "earliestRecInt")?,
        latest_rec: duration(i, "latestRecInt")?,
        priority: !text(i, "intervalPriority").is_empty()
            && !text(i, "intervalPriority").eq_ignore_ascii_case("n"),
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
            forecast: flag(p, "forecastVaccineType"),
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
    for cs in children(d, "conditionalSkip") {
        let context = match text(cs, "context").to_ascii_lowercase().as_str() {
            "evaluation" => SkipContext::Evaluation,
            "forecast" => SkipContext::Forecast,
            "both" => SkipContext::Both,
            _ => continue,
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
                condition_logic_or: text(set, "conditionLogic").eq_ignore_ascii_case("or"),
                conditions,
            });
        }
        conditional_skip.push(ConditionalSkip {
            context,
            set_logic_or: !text(cs, "setLogic").eq_ignore_ascii_case("and"),
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
        recurring: flag(d, "recurringDose"),
        seasonal,
    })
}

fn parse_condition(c: Node<'_, '_>) -> Result<SkipCondition, DataError> {
    let kind = match text(c, "conditionType").to_ascii_lowercase().as_str() {
        "age" => ConditionKind::Age,
        "completed series" => ConditionKind::CompletedSeries,
        "interval" => ConditionKind::Interval,
        "vaccine count by age" => ConditionKind::VaccineCountByAge,
        "vaccine count by date" => ConditionKind::VaccineCountByDate,
        _ => ConditionKind::Unknown,
    };
    let count_logic = match text(c, "doseCountLogic").to_ascii_lowercase().as_str() {
        "equal to" | "equal" | "equals" => CountLogic::Equal,
        "less than" => CountLogic::LessThan,
        _ => CountLogic::GreaterThan,
    };
    Ok(SkipCondition {
        kind,
        start_date: date(c, "startDate")?,
        end_date: date(c, "endDate")?,
        begin_age: duration(c, "beginAge")?,
        end_age: duration(c, "endAge")?,
        interval: duration(c, "interval")?,
        dose_count: text(c, "doseCount").parse().ok(),
        valid_only: text(c, "doseType").eq_ignore_ascii_case("valid"),
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
