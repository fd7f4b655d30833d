//! Likely-duplicate patients: two records that are probably one child.
//!
//! A candidate is likely the same person when the birth certificate numbers
//! match, or when the birth dates match and the names are close: a shared or
//! near-identical (one typo) surname and a first name that shares its first
//! three letters, accents and case ignored, surnames in either order.

use salal_core::patient::PatientDetails;
use salal_core::search::name_tokens;

/// Edit distance, for short name tokens.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

fn close(a: &str, b: &str) -> bool {
    a == b || (a.chars().count() >= 4 && b.chars().count() >= 4 && levenshtein(a, b) <= 1)
}

/// Whether `a` and `b` are probably the same person.
#[must_use]
pub fn likely_same_person(a: &PatientDetails, b: &PatientDetails) -> bool {
    for (x, y) in [
        (&a.birth_certificate_number, &b.birth_certificate_number),
        // A chart number names one patient at this clinic.
        (&a.medical_record_number, &b.medical_record_number),
    ] {
        let x = x.trim();
        if !x.is_empty() && x.eq_ignore_ascii_case(y.trim()) {
            return true;
        }
    }
    if a.birth_date.is_none() || a.birth_date != b.birth_date {
        return false;
    }
    let surnames =
        |p: &PatientDetails| name_tokens(&format!("{} {}", p.last_name, p.second_last_name));
    let (sa, sb) = (surnames(a), surnames(b));
    let surname_match = sa.iter().any(|x| sb.iter().any(|y| close(x, y)));
    let first = |p: &PatientDetails| {
        name_tokens(&p.first_name)
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let (fa, fb) = (first(a), first(b));
    let prefix = |s: &str| s.chars().take(3).collect::<String>();
    let first_match = !fa.is_empty() && (prefix(&fa) == prefix(&fb) || close(&fa, &fb));
    surname_match && first_match
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn p(first: &str, last: &str, second: &str, birth: (i32, u32, u32)) -> PatientDetails {
        PatientDetails {
            first_name: first.into(),
            last_name: last.into(),
            second_last_name: second.into(),
            birth_date: NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2),
            ..PatientDetails::default()
        }
    }

    #[test]
    fn same_child_typed_differently_is_a_likely_duplicate() {
        let a = p("José", "García", "López", (2019, 3, 7));
        assert!(likely_same_person(
            &a,
            &p("Jose", "Garcia", "", (2019, 3, 7))
        ));
        assert!(
            likely_same_person(&a, &p("José Luis", "López", "García", (2019, 3, 7))),
            "surnames swapped"
        );
        assert!(
            likely_same_person(&a, &p("Josue", "Garsia", "", (2019, 3, 7))),
            "one typo"
        );
        assert!(
            !likely_same_person(&a, &p("José", "García", "López", (2019, 3, 8))),
            "other birth date"
        );
        assert!(
            !likely_same_person(&a, &p("María", "García", "López", (2019, 3, 7))),
            "twin sister"
        );
    }

    #[test]
    fn same_birth_certificate_is_a_likely_duplicate() {
        let mut a = p("Ana", "Smith", "", (2020, 1, 1));
        let mut b = p("Anna", "Jones", "", (2021, 1, 1));
        a.birth_certificate_number = "2020-WA-001".into();
        b.birth_certificate_number = "2020-wa-001".into();
        assert!(likely_same_person(&a, &b));
    }

    #[test]
    fn same_chart_number_is_a_likely_duplicate() {
        let mut a = p("Guadalupe", "Ramírez", "Ortiz", (2020, 5, 14));
        let mut b = p("Lupe", "Vega", "", (2020, 5, 15));
        assert!(!likely_same_person(&a, &b));
        a.medical_record_number = "004417".into();
        b.medical_record_number = " 004417".into();
        assert!(likely_same_person(&a, &b));
        b.medical_record_number = "004418".into();
        assert!(!likely_same_person(&a, &b));
    }
}
