//! English and Spanish texts for the engine's statuses and reasons, keyed by
//! `message_key()`; the JSON files live in `assets/i18n/<lang>/forecast.json`, where the
//! app's translation catalog also reads them.

/// English texts (flat JSON map key → text).
pub const EN_JSON: &str = include_str!("../../assets/i18n/en/forecast.json");
/// Spanish texts (flat JSON map key → text).
pub const ES_JSON: &str = include_str!("../../assets/i18n/es/forecast.json");

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{EvaluationReason, EvaluationStatus, ForecastReason, SeriesStatus};

    fn keys(json: &str) -> BTreeMap<String, String> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn same_keys_and_all_variants_present() {
        let en = keys(EN_JSON);
        let es = keys(ES_JSON);
        assert_eq!(en.keys().collect::<Vec<_>>(), es.keys().collect::<Vec<_>>());
        let mut wanted: Vec<&str> = Vec::new();
        wanted.extend(EvaluationStatus::ALL.iter().map(|v| v.message_key()));
        wanted.extend(EvaluationReason::ALL.iter().map(|v| v.message_key()));
        wanted.extend(SeriesStatus::ALL.iter().map(|v| v.message_key()));
        wanted.extend(ForecastReason::ALL.iter().map(|v| v.message_key()));
        for k in wanted {
            assert!(en.contains_key(k), "missing English text for {k}");
            assert!(es.contains_key(k), "missing Spanish text for {k}");
        }
        assert!(en.values().chain(es.values()).all(|t| !t.trim().is_empty()));
    }
}
