//! The wire's field names (version 1) and the conversion between domain
//! records and field maps, written out by hand so that a rename in
//! `salal-core` can never change what travels.
//!
//! Patients: `first_name middle_name last_name second_last_name birth_date sex
//! birth_certificate_number medical_record_number mother_maiden_name guardian_name
//! guardian_relationship phone address_line city state postal_code
//! preferred_language registry_participation mailings`, and `merged_into`
//! (set by the registry alone, when it merges the record into a survivor).
//!
//! Doses (every immunization event): `patient_id kind cvx date date_precision ndc mvx
//! lot_number lot_expiration amount_ml route site vfc_eligibility
//! funding_source administering_provider information_source refusal_reason
//! observation_code vis note recorded_by entered_in_error
//! entered_in_error_reason`, and `duplicate_of` (set by the registry alone, when
//! another source reported the same dose).
//!
//! Users: `username display_name roles password_hash password_changed_at
//! must_change_password language active` (never the device-local lockout).
//! Organization: `name`.
//!
//! [`canonical_line`] is the export form both `salal export` and
//! `salal-registry export` print, so `diff` of the two is empty exactly when
//! they agree.

use crate::wire::{ChangeKind, Entity, Fields};
use chrono::NaiveDate;
use salal_core::consent::{Consents, Mailings, RegistryParticipation};
use salal_core::event::{DatePrecision, Event, EventKind, NewEvent, VisGiven};
use salal_core::i18n::Lang;
use salal_core::ids::{EventId, PatientId};
use salal_core::patient::{PatientDetails, Sex};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// A dose's patient.
pub const PATIENT_ID: &str = "patient_id";
/// The tombstone flag.
pub const ENTERED_IN_ERROR: &str = "entered_in_error";
/// Why it was marked in error.
pub const ENTERED_IN_ERROR_REASON: &str = "entered_in_error_reason";
/// On a patient: the registry merged this record into the one named (the
/// survivor). Only the registry sets it; a clinic re-points its rows.
pub const MERGED_INTO: &str = "merged_into";
/// On a dose: the registry found it to be the same dose as the one named
/// (reported by another source); both stay, the one named is shown.
pub const DUPLICATE_OF: &str = "duplicate_of";

/// A field map that does not describe a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field '{0}' is missing or not valid")]
pub struct FieldError(pub String);

/// Whether a value counts as "not given" (left out of the canonical form).
#[must_use]
pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(_) => false,
    }
}

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn date(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_string()))
}

/// A patient's fields (every key, empty ones included, so a diff sees a clear).
#[must_use]
pub fn patient_fields(d: &PatientDetails, consents: &Consents) -> Fields {
    let mut f = Map::new();
    f.insert("first_name".into(), s(&d.first_name));
    f.insert("middle_name".into(), s(&d.middle_name));
    f.insert("last_name".into(), s(&d.last_name));
    f.insert("second_last_name".into(), s(&d.second_last_name));
    f.insert("birth_date".into(), date(d.birth_date));
    f.insert("sex".into(), s(d.sex.code()));
    f.insert(
        "birth_certificate_number".into(),
        s(&d.birth_certificate_number),
    );
    f.insert("medical_record_number".into(), s(&d.medical_record_number));
    f.insert("mother_maiden_name".into(), s(&d.mother_maiden_name));
    f.insert("guardian_name".into(), s(&d.guardian_name));
    f.insert("guardian_relationship".into(), s(&d.guardian_relationship));
    f.insert("phone".into(), s(&d.phone));
    f.insert("address_line".into(), s(&d.address_line));
    f.insert("city".into(), s(&d.city));
    f.insert("state".into(), s(&d.state));
    f.insert("postal_code".into(), s(&d.postal_code));
    f.insert(
        "preferred_language".into(),
        d.preferred_language.map_or(Value::Null, |l| s(l.code())),
    );
    f.insert(
        "registry_participation".into(),
        participation_value(&consents.registry),
    );
    f.insert("mailings".into(), mailings_value(&consents.mailings));
    f
}

/// The wire form of a registry-participation choice.
#[must_use]
pub fn participation_value(p: &RegistryParticipation) -> Value {
    match p {
        RegistryParticipation::Participating => json!({"status": "participating"}),
        RegistryParticipation::OptedOut {
            date,
            reason,
            form_on_file,
            requested_by,
        } => {
            let mut v = json!({"status": "opted_out", "date": date.to_string(), "reason": reason, "form_on_file": form_on_file});
            if !requested_by.is_empty() {
                v["requested_by"] = Value::String(requested_by.clone());
            }
            v
        }
    }
}

/// The wire form of a mailings choice.
#[must_use]
pub fn mailings_value(m: &Mailings) -> Value {
    match m {
        Mailings::Accepted => json!({"status": "accepted"}),
        Mailings::Declined { date } => json!({"status": "declined", "date": date.to_string()}),
    }
}

fn text(f: &Fields, key: &str) -> Result<String, FieldError> {
    match f.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(FieldError(key.to_owned())),
    }
}

fn opt_date(f: &Fields, key: &str) -> Result<Option<NaiveDate>, FieldError> {
    let t = text(f, key)?;
    if t.is_empty() {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| FieldError(key.to_owned()))
}

fn obj_date(v: &Value, key: &str, field: &str) -> Result<NaiveDate, FieldError> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| FieldError(field.to_owned()))
}

fn participation(v: Option<&Value>) -> Result<RegistryParticipation, FieldError> {
    let key = "registry_participation";
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(RegistryParticipation::Participating);
    };
    match v.get("status").and_then(Value::as_str) {
        Some("participating") => Ok(RegistryParticipation::Participating),
        Some("opted_out") => Ok(RegistryParticipation::OptedOut {
            date: obj_date(v, "date", key)?,
            reason: v
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            form_on_file: v
                .get("form_on_file")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            requested_by: v
                .get("requested_by")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        }),
        _ => Err(FieldError(key.to_owned())),
    }
}

fn mailings(v: Option<&Value>) -> Result<Mailings, FieldError> {
    let key = "mailings";
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Mailings::Accepted);
    };
    match v.get("status").and_then(Value::as_str) {
        Some("accepted") => Ok(Mailings::Accepted),
        Some("declined") => Ok(Mailings::Declined {
            date: obj_date(v, "date", key)?,
        }),
        _ => Err(FieldError(key.to_owned())),
    }
}

/// The survivor a merged patient's fields name, if the registry merged it.
pub fn merged_into(f: &Fields) -> Result<Option<PatientId>, FieldError> {
    let t = text(f, MERGED_INTO)?;
    if t.is_empty() {
        return Ok(None);
    }
    uuid::Uuid::try_parse(&t)
        .map(|u| Some(PatientId(u)))
        .map_err(|_| FieldError(MERGED_INTO.to_owned()))
}

/// A patient from its fields (missing keys are empty).
pub fn patient_from_fields(f: &Fields) -> Result<(PatientDetails, Consents), FieldError> {
    let sex = text(f, "sex")?;
    let lang = text(f, "preferred_language")?;
    let details = PatientDetails {
        first_name: text(f, "first_name")?,
        middle_name: text(f, "middle_name")?,
        last_name: text(f, "last_name")?,
        second_last_name: text(f, "second_last_name")?,
        birth_date: opt_date(f, "birth_date")?,
        sex: Sex::from_code(&sex).ok_or_else(|| FieldError("sex".to_owned()))?,
        birth_certificate_number: text(f, "birth_certificate_number")?,
        medical_record_number: text(f, "medical_record_number")?,
        mother_maiden_name: text(f, "mother_maiden_name")?,
        guardian_name: text(f, "guardian_name")?,
        guardian_relationship: text(f, "guardian_relationship")?,
        phone: text(f, "phone")?,
        address_line: text(f, "address_line")?,
        city: text(f, "city")?,
        state: text(f, "state")?,
        postal_code: text(f, "postal_code")?,
        preferred_language: if lang.is_empty() {
            None
        } else {
            Some(
                lang.parse::<Lang>()
                    .map_err(|_| FieldError("preferred_language".to_owned()))?,
            )
        },
    };
    let consents = Consents {
        registry: participation(f.get("registry_participation"))?,
        mailings: mailings(f.get("mailings"))?,
    };
    Ok((details, consents))
}

/// An immunization event's fields (every key).
#[must_use]
pub fn dose_fields(e: &Event) -> Fields {
    let d = &e.details;
    let mut f = Map::new();
    f.insert(PATIENT_ID.into(), s(&e.patient_id.to_string()));
    f.insert("kind".into(), s(d.kind.code()));
    f.insert("cvx".into(), s(&d.cvx));
    f.insert("date".into(), date(d.date));
    // Left empty (and so out of the canonical form) when the day is known.
    f.insert(
        "date_precision".into(),
        s(if d.date_precision.is_day() {
            ""
        } else {
            d.date_precision.code()
        }),
    );
    f.insert("ndc".into(), s(&d.ndc));
    f.insert("mvx".into(), s(&d.mvx));
    f.insert("lot_number".into(), s(&d.lot_number));
    f.insert("lot_expiration".into(), date(d.lot_expiration));
    f.insert("amount_ml".into(), s(&d.amount_ml));
    f.insert("route".into(), s(&d.route));
    f.insert("site".into(), s(&d.site));
    f.insert("vfc_eligibility".into(), s(&d.vfc_eligibility));
    f.insert("funding_source".into(), s(&d.funding_source));
    f.insert(
        "administering_provider".into(),
        s(&d.administering_provider),
    );
    f.insert("information_source".into(), s(&d.information_source));
    f.insert("refusal_reason".into(), s(&d.refusal_reason));
    f.insert("observation_code".into(), s(&d.observation_code));
    f.insert(
        "vis".into(),
        Value::Array(
            d.vis
                .iter()
                .map(
                    |v| json!({"document": v.document, "presented_on": v.presented_on.to_string()}),
                )
                .collect(),
        ),
    );
    f.insert("note".into(), s(&d.note));
    f.insert("recorded_by".into(), s(&e.recorded_by));
    f.insert(ENTERED_IN_ERROR.into(), Value::Bool(e.entered_in_error));
    f.insert(
        ENTERED_IN_ERROR_REASON.into(),
        s(&e.entered_in_error_reason),
    );
    f
}

/// The fields of a new dose's create (the tombstone fields are not the create's).
#[must_use]
pub fn dose_create_fields(e: &Event) -> Fields {
    let mut f = dose_fields(e);
    f.remove(ENTERED_IN_ERROR);
    f.remove(ENTERED_IN_ERROR_REASON);
    f
}

/// An immunization event from its fields.
pub fn dose_from_fields(id: EventId, f: &Fields) -> Result<Event, FieldError> {
    let kind = text(f, "kind")?;
    let patient: PatientId = text(f, PATIENT_ID)?
        .parse()
        .map_err(|_| FieldError(PATIENT_ID.to_owned()))?;
    let vis = match f.get("vis") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                Ok(VisGiven {
                    document: v
                        .get("document")
                        .and_then(Value::as_str)
                        .ok_or_else(|| FieldError("vis".to_owned()))?
                        .to_owned(),
                    presented_on: obj_date(v, "presented_on", "vis")?,
                })
            })
            .collect::<Result<_, FieldError>>()?,
        Some(_) => return Err(FieldError("vis".to_owned())),
    };
    Ok(Event {
        id,
        patient_id: patient,
        details: NewEvent {
            id: Some(id),
            kind: EventKind::from_code(&kind).ok_or_else(|| FieldError("kind".to_owned()))?,
            cvx: text(f, "cvx")?,
            date: opt_date(f, "date")?,
            date_precision: DatePrecision::from_code(&text(f, "date_precision")?)
                .ok_or_else(|| FieldError("date_precision".to_owned()))?,
            ndc: text(f, "ndc")?,
            mvx: text(f, "mvx")?,
            lot_number: text(f, "lot_number")?,
            lot_expiration: opt_date(f, "lot_expiration")?,
            amount_ml: text(f, "amount_ml")?,
            route: text(f, "route")?,
            site: text(f, "site")?,
            vfc_eligibility: text(f, "vfc_eligibility")?,
            funding_source: text(f, "funding_source")?,
            administering_provider: text(f, "administering_provider")?,
            information_source: text(f, "information_source")?,
            refusal_reason: text(f, "refusal_reason")?,
            observation_code: text(f, "observation_code")?,
            vis,
            note: text(f, "note")?,
            confirm_expired_lot: false,
        },
        entered_in_error: f
            .get(ENTERED_IN_ERROR)
            .and_then(Value::as_bool)
            .unwrap_or(false),
        entered_in_error_reason: text(f, ENTERED_IN_ERROR_REASON)?,
        recorded_by: text(f, "recorded_by")?,
    })
}

/// The keys each kind of record may carry.
#[must_use]
pub fn known_keys(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Patient => &[
            "first_name",
            "middle_name",
            "last_name",
            "second_last_name",
            "birth_date",
            "sex",
            "birth_certificate_number",
            "medical_record_number",
            "mother_maiden_name",
            "guardian_name",
            "guardian_relationship",
            "phone",
            "address_line",
            "city",
            "state",
            "postal_code",
            "preferred_language",
            "registry_participation",
            "mailings",
            MERGED_INTO,
        ],
        Entity::Dose => &[
            PATIENT_ID,
            "kind",
            "cvx",
            "date",
            "date_precision",
            "ndc",
            "mvx",
            "lot_number",
            "lot_expiration",
            "amount_ml",
            "route",
            "site",
            "vfc_eligibility",
            "funding_source",
            "administering_provider",
            "information_source",
            "refusal_reason",
            "observation_code",
            "vis",
            "note",
            "recorded_by",
            ENTERED_IN_ERROR,
            ENTERED_IN_ERROR_REASON,
            DUPLICATE_OF,
        ],
        Entity::User => &[
            "username",
            "display_name",
            "roles",
            "password_hash",
            "password_changed_at",
            "must_change_password",
            "language",
            "active",
        ],
        Entity::Organization => &["name"],
        Entity::StorageUnit => crate::inventory_fields::STORAGE_UNIT_KEYS,
        Entity::StockTxn => crate::inventory_fields::STOCK_TXN_KEYS,
        Entity::Order => crate::inventory_fields::ORDER_KEYS,
    }
}

/// Checks a change's fields: only known keys, the right shapes, and what a
/// create needs. Returns the first offending field name.
pub fn check(entity: Entity, kind: ChangeKind, fields: &Fields) -> Result<(), String> {
    let known = known_keys(entity);
    if let Some(key) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(key.clone());
    }
    for registry_only in [MERGED_INTO, DUPLICATE_OF] {
        if fields.contains_key(registry_only) {
            // Only the registry merges patients and links duplicate doses.
            return Err(registry_only.to_owned());
        }
    }
    match entity {
        Entity::Patient => {
            // Parsing checks every value's shape; a create needs a name and a birth date.
            let (details, _) = patient_from_fields(fields).map_err(|e| e.0)?;
            if kind == ChangeKind::Create {
                if details.last_name.trim().is_empty() {
                    return Err("last_name".to_owned());
                }
                if details.first_name.trim().is_empty() {
                    return Err("first_name".to_owned());
                }
                if details.birth_date.is_none() {
                    return Err("birth_date".to_owned());
                }
            }
            Ok(())
        }
        Entity::Dose => {
            if kind == ChangeKind::Create {
                dose_from_fields(EventId(uuid::Uuid::nil()), fields).map_err(|e| e.0)?;
            } else {
                let mut probe = fields.clone();
                probe.insert(PATIENT_ID.into(), s(&uuid::Uuid::nil().to_string()));
                if !probe.contains_key("kind") {
                    probe.insert("kind".into(), s("administered"));
                }
                dose_from_fields(EventId(uuid::Uuid::nil()), &probe).map_err(|e| e.0)?;
            }
            Ok(())
        }
        Entity::User => {
            if kind == ChangeKind::Create
                && fields
                    .get("username")
                    .and_then(Value::as_str)
                    .is_none_or(|u| u.trim().is_empty())
            {
                return Err("username".to_owned());
            }
            Ok(())
        }
        Entity::Organization => Ok(()),
        Entity::StorageUnit | Entity::StockTxn | Entity::Order => {
            crate::inventory_fields::check(entity, kind, fields)
        }
    }
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let ordered: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, sorted(v))).collect();
            let mut out = Map::new();
            for (k, v) in ordered {
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// One record of an export: `{"fields":{…},"id":"…","kind":"patient"}`, keys
/// sorted at every level, fields that are empty (null, "", false, []) left out.
#[must_use]
pub fn canonical_line(entity: Entity, id: &str, fields: &Fields) -> String {
    let known = known_keys(entity);
    let kept: BTreeMap<&String, Value> = fields
        .iter()
        .filter(|(k, v)| known.contains(&k.as_str()) && !is_empty(v))
        .map(|(k, v)| (k, sorted(v)))
        .collect();
    // Built as text so the key order is ours, whatever serde_json's map keeps.
    let mut out = String::from("{\"fields\":{");
    for (i, (k, v)) in kept.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String((*k).clone()).to_string());
        out.push(':');
        out.push_str(&canonical_value(v));
    }
    out.push_str("},\"id\":");
    out.push_str(&Value::String(id.to_owned()).to_string());
    out.push_str(",\"kind\":");
    out.push_str(&Value::String(entity.code().to_owned()).to_string());
    out.push('}');
    out
}

fn canonical_value(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let ordered: BTreeMap<&String, &Value> = map.iter().collect();
            let parts: Vec<String> = ordered
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical_value(v)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items
                    .iter()
                    .map(canonical_value)
                    .collect::<Vec<_>>()
                    .join(",")
            )
        }
        other => other.to_string(),
    }
}

/// The patch between two field maps: keys whose values differ (a key gone from
/// `new` is sent as null, never dropped).
#[must_use]
pub fn diff(old: &Fields, new: &Fields) -> Fields {
    let mut changed = Map::new();
    for (key, value) in new {
        let before = old.get(key).unwrap_or(&Value::Null);
        if before != value && !(is_empty(before) && is_empty(value)) {
            changed.insert(key.clone(), value.clone());
        }
    }
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        if !is_empty(&old[key]) {
            changed.insert(key.clone(), Value::Null);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patient_round_trips_through_fields() {
        let details = PatientDetails {
            first_name: "José".into(),
            last_name: "Núñez".into(),
            second_last_name: "Peña".into(),
            birth_date: NaiveDate::from_ymd_opt(2020, 3, 7),
            sex: Sex::Male,
            preferred_language: Some(Lang::Es),
            ..PatientDetails::default()
        };
        let consents = Consents {
            registry: RegistryParticipation::OptedOut {
                date: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
                reason: "family".into(),
                form_on_file: true,
                requested_by: "Ana López (mother)".into(),
            },
            mailings: Mailings::Declined {
                date: NaiveDate::from_ymd_opt(2026, 1, 3).unwrap(),
            },
        };
        let f = patient_fields(&details, &consents);
        assert_eq!(patient_from_fields(&f), Ok((details, consents)));
        assert_eq!(check(Entity::Patient, ChangeKind::Create, &f), Ok(()));
    }

    #[test]
    fn a_dose_known_to_its_month_travels_as_such_and_a_full_date_adds_nothing() {
        let id = EventId(uuid::Uuid::from_u128(7));
        let card = Event {
            id,
            patient_id: PatientId(uuid::Uuid::from_u128(9)),
            details: NewEvent {
                id: Some(id),
                kind: EventKind::Historical,
                cvx: "03".into(),
                date: NaiveDate::from_ymd_opt(2020, 4, 1),
                date_precision: DatePrecision::Month,
                ..NewEvent::default()
            },
            entered_in_error: false,
            entered_in_error_reason: String::new(),
            recorded_by: "ana".into(),
        };
        let f = dose_fields(&card);
        assert_eq!(f["date_precision"], s("month"));
        assert_eq!(dose_from_fields(id, &f), Ok(card.clone()));
        assert_eq!(check(Entity::Dose, ChangeKind::Create, &f), Ok(()));
        let mut full = card;
        full.details.date_precision = DatePrecision::Day;
        let line = canonical_line(Entity::Dose, "x", &dose_fields(&full));
        assert!(!line.contains("date_precision"), "{line}");
        let mut odd = f;
        odd.insert("date_precision".into(), s("week"));
        assert!(dose_from_fields(id, &odd).is_err());
    }

    #[test]
    fn canonical_line_sorts_and_drops_empties() {
        let mut f = Map::new();
        f.insert("last_name".into(), s("B"));
        f.insert("first_name".into(), s("A"));
        f.insert("phone".into(), s(""));
        f.insert(
            "mailings".into(),
            json!({"status": "declined", "date": "2026-01-01"}),
        );
        assert_eq!(
            canonical_line(Entity::Patient, "x", &f),
            r#"{"fields":{"first_name":"A","last_name":"B","mailings":{"date":"2026-01-01","status":"declined"}},"id":"x","kind":"patient"}"#
        );
    }

    #[test]
    fn unknown_keys_and_bad_shapes_are_refused() {
        let mut f = Map::new();
        f.insert("password".into(), s("x"));
        assert_eq!(
            check(Entity::Patient, ChangeKind::Update, &f),
            Err("password".into())
        );
        let mut f = Map::new();
        f.insert("birth_date".into(), s("yesterday"));
        assert_eq!(
            check(Entity::Patient, ChangeKind::Update, &f),
            Err("birth_date".into())
        );
    }
}
