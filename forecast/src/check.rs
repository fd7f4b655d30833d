//! Comparison of engine results with CDC test cases (the `dev.jsonl` format described
//! in the CDSi README), used by the `cdsi-check` binary.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::engine::Engine;
use crate::model::{AdministeredDose, Gender, PatientInput};

/// One CDC test case (only the fields the comparison needs).
#[derive(Debug, Clone, Deserialize)]
pub struct TestCase {
    /// CDC test id, used only to label output.
    pub id: String,
    /// Vaccine group name as in the schedule data.
    pub vaccine_group_name: String,
    /// Patient.
    pub patient: TestPatient,
    /// Assessment date.
    pub assessment_date: NaiveDate,
    /// Doses.
    pub doses: Vec<TestDose>,
    /// Expected forecast.
    pub expected: TestExpected,
}

/// Patient of a test case.
#[derive(Debug, Clone, Deserialize)]
pub struct TestPatient {
    /// Date of birth.
    pub dob: NaiveDate,
    /// `F`, `M` or `U`.
    pub gender: String,
}

/// A dose of a test case.
#[derive(Debug, Clone, Deserialize)]
pub struct TestDose {
    /// Date administered.
    pub date: NaiveDate,
    /// CVX.
    pub cvx: String,
    /// MVX.
    pub mvx: Option<String>,
    /// Expected evaluation status.
    pub expected_evaluation_status: String,
    /// Expected evaluation reason.
    pub expected_evaluation_reason: Option<String>,
}

/// Expected forecast of a test case.
#[derive(Debug, Clone, Deserialize)]
pub struct TestExpected {
    /// Series status.
    pub series_status: String,
    /// Forecast dose number.
    pub dose_number: Option<String>,
    /// Earliest date.
    pub earliest_date: Option<NaiveDate>,
    /// Recommended date.
    pub recommended_date: Option<NaiveDate>,
    /// Past-due date.
    pub past_due_date: Option<NaiveDate>,
}

/// Lower-cases and collapses runs of whitespace.
pub fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl TestCase {
    /// Parses one JSON line.
    pub fn from_json(line: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(line)
    }

    /// The engine input for this case.
    pub fn patient_input(&self) -> PatientInput {
        PatientInput {
            birth_date: self.patient.dob,
            gender: Gender::from_code(&self.patient.gender),
            assessment_date: self.assessment_date,
            doses: self
                .doses
                .iter()
                .enumerate()
                .map(|(i, d)| AdministeredDose {
                    mvx: d.mvx.clone(),
                    ..AdministeredDose::new(i, d.date, d.cvx.clone())
                })
                .collect(),
            observations: Vec::new(),
            birth_country: None,
        }
    }
}

fn show_date(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "none".to_owned(), |d| d.to_string())
}

/// Runs a case and lists every difference (empty when the case passes).
pub fn check_case(engine: &Engine, case: &TestCase) -> Vec<String> {
    let assessment = engine.assess(&case.patient_input());
    let mut diffs = Vec::new();
    let Some(group) = assessment.vaccine_group(&case.vaccine_group_name) else {
        diffs.push(format!(
            "no forecast for vaccine group {:?}",
            case.vaccine_group_name
        ));
        return diffs;
    };
    for (i, d) in case.doses.iter().enumerate() {
        let got = assessment.dose_status_for_group(group, i);
        let want_status = normalize(&d.expected_evaluation_status);
        match got {
            None => diffs.push(format!(
                "dose {}: expected {} got no evaluation",
                i + 1,
                d.expected_evaluation_status
            )),
            Some((status, reasons)) => {
                if normalize(status.as_cdc_text()) != want_status {
                    let why: Vec<&str> = reasons.iter().map(|r| r.as_cdc_text()).collect();
                    diffs.push(format!(
                        "dose {}: status expected {} got {} [{}]",
                        i + 1,
                        d.expected_evaluation_status,
                        status.as_cdc_text(),
                        why.join(", ")
                    ));
                } else if let Some(want_reason) = &d.expected_evaluation_reason {
                    let want = normalize(want_reason);
                    if !reasons.iter().any(|r| normalize(r.as_cdc_text()) == want) {
                        let why: Vec<&str> = reasons.iter().map(|r| r.as_cdc_text()).collect();
                        diffs.push(format!(
                            "dose {}: reason expected {} got [{}]",
                            i + 1,
                            want_reason,
                            why.join(", ")
                        ));
                    }
                }
            }
        }
    }
    let f = &group.forecast;
    let exp = &case.expected;
    if normalize(f.status.as_cdc_text()) != normalize(&exp.series_status) {
        diffs.push(format!(
            "status expected {} got {}",
            exp.series_status,
            f.status.as_cdc_text()
        ));
    }
    let want_number = exp
        .dose_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "-");
    let got_number = f.dose_number.map(|n| n.to_string());
    if want_number != got_number.as_deref() {
        diffs.push(format!(
            "dose number expected {} got {}",
            want_number.unwrap_or("none"),
            got_number.as_deref().unwrap_or("none")
        ));
    }
    for (name, want, got) in [
        ("earliest", exp.earliest_date, f.earliest),
        ("recommended", exp.recommended_date, f.recommended),
        ("past due", exp.past_due_date, f.past_due),
    ] {
        if want != got {
            diffs.push(format!(
                "{name} expected {} got {}",
                show_date(want),
                show_date(got)
            ));
        }
    }
    diffs
}

/// A readable dump of the engine's results for the case's vaccine group.
pub fn explain(engine: &Engine, case: &TestCase) -> String {
    let a = engine.assess(&case.patient_input());
    let mut out = String::new();
    let antigens: Vec<std::sync::Arc<str>> = a
        .vaccine_group(&case.vaccine_group_name)
        .map(|g| g.antigens.to_vec())
        .unwrap_or_default();
    for f in a.antigens.iter().filter(|f| antigens.contains(&f.antigen)) {
        out.push_str(&format!(
            "    antigen {} series {:?}: {:?}\n",
            f.antigen, f.series_name, f.forecast
        ));
    }
    for e in a
        .evaluations
        .iter()
        .filter(|e| antigens.contains(&e.antigen))
    {
        out.push_str(&format!(
            "    dose {} {} target {:?}: {:?} {:?}\n",
            e.dose_id + 1,
            e.antigen,
            e.target_dose,
            e.status,
            e.reasons
        ));
    }
    out
}

/// Reads a pass-rate threshold: a fraction (`0.85`) or a percentage (`85` or `85%`).
pub fn parse_rate(text: &str) -> Option<f64> {
    let t = text.trim();
    let (num, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let v: f64 = num.parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    let v = if percent || v > 1.0 { v / 100.0 } else { v };
    (v <= 1.0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize("  Interval:  too Soon "), "interval: too soon");
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("0.85"), Some(0.85));
        assert_eq!(parse_rate("85"), Some(0.85));
        assert_eq!(parse_rate("85%"), Some(0.85));
        assert_eq!(parse_rate("1"), Some(1.0));
        assert_eq!(parse_rate("150"), None);
        assert_eq!(parse_rate("x"), None);
    }
}
