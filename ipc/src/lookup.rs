//! Searching the registry from the search screen: patients another clinic
//! knows, as summaries, and bringing one of them (with every dose) into this
//! computer.

use serde::{Deserialize, Serialize};

/// Ask the registry for a patient: the name as typed and the birth date.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RegistryLookupRequest {
    /// Given names and surnames, in either order.
    pub name: String,
    /// ISO birth date.
    pub birth_date: String,
}

/// One patient the registry may mean.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RegistryCandidateRow {
    /// The registry's id (the patient keeps it here once brought in).
    pub id: String,
    /// "Last Second-last, First Middle".
    pub display_name: String,
    /// ISO birth date, or empty.
    pub birth_date: String,
    /// Sex code (F, M, X, U).
    pub sex: String,
    /// The organization that last recorded something for the patient.
    pub last_seen_by: String,
}

/// Bring a candidate into this computer with its full history.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FetchFromRegistryRequest {
    /// The candidate's id.
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_has_a_stable_wire_form() {
        let req: RegistryLookupRequest =
            serde_json::from_str(r#"{"name":"Lucía Hernández","birth_date":"2021-04-12"}"#)
                .unwrap();
        assert_eq!(req.birth_date, "2021-04-12");
        let row = RegistryCandidateRow {
            id: "1".to_owned(),
            display_name: "Hernández, Lucía".to_owned(),
            birth_date: String::new(),
            sex: "F".to_owned(),
            last_seen_by: "Clínica del Valle".to_owned(),
        };
        let text = serde_json::to_string(&row).unwrap();
        assert!(text.contains(r#""last_seen_by":"Clínica del Valle""#));
    }
}
