//! Compact storage of immunization event details.
//!
//! A dose's details are about 300 bytes of JSON, mostly field names and
//! repeated codes. They are stored zstd-compressed against a fixed raw-content
//! dictionary (a typical dose record), which brings them to a fraction of
//! that: a replica with a million doses stays small. The first byte of a
//! stored body is the dictionary version; [`DICTIONARY_V1`] must never change
//! (stored bodies depend on it): a better dictionary is added as version 2.
//! The event's id lives in its own column, not in the body.

use crate::StoreError;
use rusqlite::types::Value;
use salal_core::event::{Event, NewEvent};
use salal_core::hlc::Stamp;
use salal_core::ids::{EventId, PatientId};
use std::cell::RefCell;

/// Version 1 of the dictionary. NEVER edit: add a new version instead.
pub(crate) const DICTIONARY_V1: &[u8] = br#"{"kind":"historical","cvx":"08","date":"2020-01-01","information_source":"01"}{"kind":"administered","cvx":"10","date":"2024-01-01","ndc":"49281-0","mvx":"SKB","lot_number":"L1","lot_expiration":"2025-01-01","amount_ml":"0.5","route":"C28161","site":"LA","vfc_eligibility":"V02","funding_source":"VXC50","administering_provider":"RN ","vis":[{"document":"253088698300","presented_on":"2024-01-01"}],"note":"","refusal_reason":"","observation_code":"","confirm_expired_lot":true}"#;

const VERSION_1: u8 = 1;
const LEVEL: i32 = 3;

thread_local! {
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

fn codec_error(e: &std::io::Error) -> StoreError {
    StoreError::Decode(format!("event body: {e}"))
}

/// How a record id is stored in the audit log: 16 bytes when it is a UUID,
/// the text itself otherwise ("self", "").
pub(crate) fn record_key(id: &str) -> Value {
    match uuid::Uuid::try_parse(id) {
        Ok(uuid) if id.len() == 36 => Value::Blob(uuid.as_bytes().to_vec()),
        _ => Value::Text(id.to_owned()),
    }
}

/// A stored record id back as text.
pub(crate) fn record_key_text(value: &Value) -> String {
    match value {
        Value::Blob(bytes) => uuid::Uuid::from_slice(bytes)
            .map(|u| u.hyphenated().to_string())
            .unwrap_or_default(),
        Value::Text(text) => text.clone(),
        Value::Integer(n) => n.to_string(),
        Value::Real(x) => x.to_string(),
        Value::Null => String::new(),
    }
}

/// The columns every read of an event selects, in [`event_from_row`]'s order.
pub(crate) const EVENT_COLUMNS: &str =
    "id, patient_id, legacy_details, body, entered_in_error, entered_in_error_reason, recorded_by";

/// An event from a row of [`EVENT_COLUMNS`].
pub(crate) fn event_from_row(r: &rusqlite::Row<'_>) -> Result<Event, StoreError> {
    let id = EventId(uuid_from(&r.get::<_, Vec<u8>>(0)?)?);
    let details: Option<String> = r.get(2)?;
    let body: Option<Vec<u8>> = r.get(3)?;
    Ok(Event {
        id,
        patient_id: PatientId(uuid_from(&r.get::<_, Vec<u8>>(1)?)?),
        details: decode_event(id, details.as_deref().unwrap_or_default(), body.as_deref())?,
        entered_in_error: r.get(4)?,
        entered_in_error_reason: r.get(5)?,
        recorded_by: r.get(6)?,
    })
}

/// An event row's values, in the order both the insert and the update bind
/// them: id, patient, date, body, entered in error, reason, recorded by,
/// stamp, confirmed.
pub(crate) fn event_row(
    event: &Event,
    stamp: Stamp,
    confirmed_ms: Option<i64>,
) -> Result<Vec<Value>, StoreError> {
    let d = &event.details;
    Ok(vec![
        Value::Blob(event.id.as_uuid().as_bytes().to_vec()),
        Value::Blob(event.patient_id.as_uuid().as_bytes().to_vec()),
        Value::Text(d.date.map(|x| x.to_string()).unwrap_or_default()),
        Value::Blob(encode_event(d)?),
        Value::Integer(i64::from(event.entered_in_error)),
        Value::Text(event.entered_in_error_reason.clone()),
        Value::Text(event.recorded_by.clone()),
        Value::Text(stamp.to_string()),
        confirmed_ms.map_or(Value::Null, Value::Integer),
    ])
}

/// A UUID stored as 16 bytes.
pub(crate) fn uuid_from(bytes: &[u8]) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::from_slice(bytes)
        .map_err(|_| StoreError::Decode("a stored id is not 16 bytes".to_owned()))
}

/// The stored body of an event's details.
pub(crate) fn encode_event(details: &NewEvent) -> Result<Vec<u8>, StoreError> {
    let stored = NewEvent {
        id: None,
        ..details.clone()
    };
    let json = serde_json::to_vec(&stored)?;
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(
                zstd::bulk::Compressor::with_dictionary(LEVEL, DICTIONARY_V1)
                    .map_err(|e| codec_error(&e))?,
            );
        }
        let compressor = slot
            .as_mut()
            .ok_or_else(|| StoreError::Decode("no compressor".to_owned()))?;
        let mut body = vec![VERSION_1];
        body.extend(compressor.compress(&json).map_err(|e| codec_error(&e))?);
        Ok(body)
    })
}

/// An event's details from its stored body (or the JSON text of rows written
/// before bodies were compressed), with its id put back.
pub(crate) fn decode_event(
    id: EventId,
    text: &str,
    body: Option<&[u8]>,
) -> Result<NewEvent, StoreError> {
    let mut details: NewEvent = match body {
        None => serde_json::from_str(text)?,
        Some([VERSION_1, rest @ ..]) => DECOMPRESSOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Some(
                    zstd::bulk::Decompressor::with_dictionary(DICTIONARY_V1)
                        .map_err(|e| codec_error(&e))?,
                );
            }
            let decompressor = slot
                .as_mut()
                .ok_or_else(|| StoreError::Decode("no decompressor".to_owned()))?;
            let json = decompressor
                .decompress(rest, 1 << 20)
                .map_err(|e| codec_error(&e))?;
            Ok::<_, StoreError>(serde_json::from_slice(&json)?)
        })?,
        Some(_) => {
            return Err(StoreError::Decode(
                "event body of an unknown version".to_owned(),
            ));
        }
    };
    details.id = Some(id);
    Ok(details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use salal_core::event::{EventKind, VisGiven};

    #[test]
    fn a_dose_round_trips_and_stores_small() {
        let id = EventId(uuid::Uuid::from_u128(7));
        let details = NewEvent {
            id: Some(id),
            kind: EventKind::Administered,
            cvx: "20".into(),
            date: chrono::NaiveDate::from_ymd_opt(2025, 3, 4),
            lot_number: "AB12C".into(),
            lot_expiration: chrono::NaiveDate::from_ymd_opt(2026, 1, 31),
            amount_ml: "0.5".into(),
            route: "C28161".into(),
            site: "RT".into(),
            vfc_eligibility: "V04".into(),
            funding_source: "VXC50".into(),
            administering_provider: "RN Ana Pérez".into(),
            vis: vec![VisGiven {
                document: "253088698300028211170411".into(),
                presented_on: chrono::NaiveDate::from_ymd_opt(2025, 3, 4).unwrap(),
            }],
            ..NewEvent::default()
        };
        let body = encode_event(&details).unwrap();
        let json = serde_json::to_vec(&details).unwrap();
        assert!(
            body.len() * 2 < json.len(),
            "{} vs {}",
            body.len(),
            json.len()
        );
        assert_eq!(decode_event(id, "", Some(&body)).unwrap(), details);
        assert!(decode_event(id, "", Some(&[9, 1, 2])).is_err());
        assert!(decode_event(id, "", Some(&[1, 1, 2])).is_err());
    }
}
