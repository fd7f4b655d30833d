//! `POST /sync/v1/lookup` and `POST /sync/v1/fetch`: a clinic that does not
//! know a child asks the registry, which may know the family from another
//! clinic, and brings the record in.
//!
//! A lookup turns the query into [`MatchRecord`]s (the name split into given
//! names and surnames, both orders, with the birth date and the
//! birth-certificate number), fetches the patients sharing one of their
//! blocking keys (`match_keys`, the index the matcher itself uses), scores each
//! with the [`salal_matching::Matcher`] and answers the best
//! [`MAX_LOOKUP_CANDIDATES`] at or above the review threshold, plus every
//! patient with the same birth-certificate number. A lookup needs a birth date
//! or a birth-certificate number: a name alone is not enough to tell a family
//! apart, and the registry does not hand out lists of namesakes.
//!
//! Only a summary crosses (name, birth date, sex, the organization that last
//! recorded something, the score); never the address, phone or any other
//! field. Merged records and patients who declined registry participation are
//! never found.
//!
//! A fetch gives the device's organization a relationship with the patient
//! (`patient_orgs`, the survivor if the id was merged), so later changes reach
//! it on pull, and answers the patient and every dose of it from every
//! provider, in sequence order, with the organization's own private values
//! laid over them as a pull does ([`crate::private`]). Both are audited in the
//! registry's `audit` table (actor `device:<id>`).

use crate::auth::Device;
use crate::error::ApiError;
use crate::matching::{audit, match_record, matcher, survivor_of};
use crate::private::{OVERLAY, OVERLAY_JOIN};
use crate::pull::state_of;
use axum::http::StatusCode;
use chrono::NaiveDate;
use salal_matching::{MatchRecord, blocking_keys};
use salal_sync::fields::MERGED_INTO;
use salal_sync::wire::{
    ErrorBody, FetchRequest, FetchResponse, LookupCandidate, LookupRequest, LookupResponse,
    MAX_LOOKUP_CANDIDATES,
};
use serde_json::{Map, Value};
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::{PgConnection, PgPool};
use std::collections::HashMap;
use uuid::Uuid;

/// At most this many patients sharing a blocking key are scored for one lookup.
pub const MAX_SCORED: i64 = 2000;
/// The longest name or identifier a lookup accepts, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

type PatientFields = Map<String, Value>;

fn text<'a>(fields: &'a PatientFields, key: &str) -> &'a str {
    fields.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A record no lookup or fetch may return: merged into another, or opted out.
fn hidden(fields: &PatientFields) -> bool {
    fields.contains_key(MERGED_INTO) || crate::optout::is_opted_out(fields)
}

fn needs_more() -> ApiError {
    ApiError {
        status: StatusCode::BAD_REQUEST,
        body: ErrorBody {
            code: "lookup_needs_more".to_owned(),
            message_en: "To search the registry, give the name and the birth date (or a birth-certificate number).".to_owned(),
            message_es: "Para buscar en el registro, indique el nombre y la fecha de nacimiento (o un número de acta de nacimiento).".to_owned(),
        },
    }
}

fn no_patient() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        body: ErrorBody {
            code: "no_patient".to_owned(),
            message_en: "The registry has no such patient. Search the registry again and choose one of the patients it lists.".to_owned(),
            message_es: "El registro no tiene ese paciente. Vuelva a buscar en el registro y elija uno de los pacientes que muestra.".to_owned(),
        },
    }
}

/// The ways a typed name can be read: given names then surnames, or
/// surnames then given names, split at every word ("Last, First" when the
/// name has a comma).
#[must_use]
pub fn query_records(request: &LookupRequest) -> Vec<MatchRecord> {
    let base = MatchRecord {
        birth_certificate: request
            .identifier
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        birth_date: request.birth_date,
        ..MatchRecord::default()
    };
    let with = |given: &[&str], surnames: &[&str]| {
        let mut record = base.clone();
        if let Some((first, middle)) = given.split_first() {
            record.first_name = (*first).to_owned();
            record.middle_name = middle.join(" ");
        }
        if let Some((last, second)) = surnames.split_first() {
            record.last_name = (*last).to_owned();
            record.second_last_name = second.join(" ");
        }
        record
    };
    let name = request.name.trim();
    if let Some((surnames, given)) = name.split_once(',') {
        let surnames: Vec<&str> = surnames.split_whitespace().collect();
        let given: Vec<&str> = given.split_whitespace().collect();
        return vec![with(&given, &surnames)];
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.len() < 2 {
        return vec![with(&[], &words)];
    }
    let mut out = Vec::with_capacity(2 * (words.len() - 1));
    for split in 1..words.len() {
        let (head, tail) = words.split_at(split);
        out.push(with(head, tail));
        out.push(with(tail, head));
    }
    out
}

/// The query as the audit log keeps it.
fn query_text(request: &LookupRequest) -> String {
    let mut detail = format!("name={}", request.name.trim());
    if let Some(date) = request.birth_date {
        detail.push_str(&format!("; birth_date={date}"));
    }
    if let Some(id) = request
        .identifier
        .as_deref()
        .filter(|i| !i.trim().is_empty())
    {
        detail.push_str(&format!("; identifier={}", id.trim()));
    }
    detail
}

/// Letters and digits only, upper case: how identifiers are compared.
fn identifier_code(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Answers a lookup from `device`.
pub async fn lookup(
    pool: &PgPool,
    device: Device,
    request: &LookupRequest,
) -> Result<LookupResponse, ApiError> {
    let identifier = request
        .identifier
        .as_deref()
        .map(identifier_code)
        .filter(|i| !i.is_empty());
    if request.name.chars().count() > MAX_QUERY_CHARS
        || request
            .identifier
            .as_deref()
            .is_some_and(|i| i.chars().count() > MAX_QUERY_CHARS)
    {
        return Err(ApiError::bad_request("the name or identifier is too long"));
    }
    let has_name = !request.name.trim().is_empty();
    if !((has_name && request.birth_date.is_some()) || identifier.is_some()) {
        return Err(needs_more());
    }
    let matcher = matcher().map_err(|e| {
        tracing::error!(error = %e, "the matcher cannot be built");
        ApiError::internal()
    })?;
    let variants = query_records(request);
    let mut keys: Vec<i64> = variants
        .iter()
        .flat_map(blocking_keys)
        .map(|k| crate::matching::key_hash(&k))
        .collect();
    keys.sort_unstable();
    keys.dedup();

    let mut conn = pool.acquire().await?;
    let rows = query(
        "SELECT r.id, r.fields FROM records r
         WHERE r.entity = 'patient' AND r.id IN (
             SELECT DISTINCT patient_id FROM match_keys WHERE key = ANY($1) LIMIT $2)",
    )
    .bind(keys)
    .bind(MAX_SCORED)
    .fetch_all(&mut *conn)
    .await?;

    let review = matcher.weights().thresholds.review;
    let mut found: Vec<(LookupCandidate, bool)> = Vec::new();
    for row in rows {
        let id: Uuid = row.try_get("id")?;
        let Value::Object(fields) = row.try_get::<Value, _>("fields")? else {
            continue;
        };
        if hidden(&fields) {
            continue;
        }
        let same_identifier = identifier
            .as_deref()
            .is_some_and(|i| identifier_code(text(&fields, "birth_certificate_number")) == i);
        let candidate = match_record(id, &fields);
        let score = variants
            .iter()
            .map(|v| matcher.compare(v, &candidate).score)
            .fold(f64::NEG_INFINITY, f64::max);
        if score < review && !same_identifier {
            continue;
        }
        found.push((
            LookupCandidate {
                id,
                display_name: salal_core::patient::display_name(
                    text(&fields, "first_name"),
                    text(&fields, "middle_name"),
                    text(&fields, "last_name"),
                    text(&fields, "second_last_name"),
                ),
                birth_date: text(&fields, "birth_date").parse::<NaiveDate>().ok(),
                sex: text(&fields, "sex").to_owned(),
                last_seen_by: String::new(),
                score,
            },
            same_identifier,
        ));
    }
    // The same birth certificate first, then by score; ties by name and id.
    found.sort_by(|(a, a_id), (b, b_id)| {
        b_id.cmp(a_id)
            .then(b.score.total_cmp(&a.score))
            .then_with(|| a.display_name.cmp(&b.display_name))
            .then(a.id.cmp(&b.id))
    });
    found.truncate(MAX_LOOKUP_CANDIDATES);
    let mut candidates: Vec<LookupCandidate> = found.into_iter().map(|(c, _)| c).collect();
    let ids: Vec<Uuid> = candidates.iter().map(|c| c.id).collect();
    let seen_by = last_seen_by(&mut conn, &ids).await?;
    for candidate in &mut candidates {
        if let Some(name) = seen_by.get(&candidate.id) {
            candidate.last_seen_by.clone_from(name);
        }
    }
    audit(
        &mut conn,
        &format!("device:{}", device.id),
        Some(device.org),
        "lookup",
        None,
        &format!("{}; candidates={}", query_text(request), candidates.len()),
    )
    .await?;
    Ok(LookupResponse { candidates })
}

/// For each patient: the name of the organization that last recorded
/// something for it (the newest of its patient and dose records; ids are
/// UUIDv7, made where each record was born, so the largest id is the newest).
async fn last_seen_by(
    conn: &mut PgConnection,
    patients: &[Uuid],
) -> Result<HashMap<Uuid, String>, sqlx_core::Error> {
    if patients.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = query(
        "SELECT DISTINCT ON (r.patient_id) r.patient_id, o.name
         FROM records r JOIN organizations o ON o.id = r.owner_org
         WHERE r.patient_id = ANY($1) AND r.entity IN ('patient', 'dose')
         ORDER BY r.patient_id, r.id DESC",
    )
    .bind(patients.to_vec())
    .fetch_all(conn)
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        out.insert(row.try_get("patient_id")?, row.try_get("name")?);
    }
    Ok(out)
}

/// Answers a fetch from `device`: see the module doc.
pub async fn fetch(
    pool: &PgPool,
    device: Device,
    request: &FetchRequest,
) -> Result<FetchResponse, ApiError> {
    let mut tx = pool.begin().await?;
    let survivor = survivor_of(&mut tx, request.patient_id)
        .await
        .map_err(|e| match e {
            crate::matching::MatchError::Database(e) => ApiError::from(e),
            other => {
                tracing::error!(error = %other, "fetch: survivor");
                ApiError::internal()
            }
        })?;
    let fields: Option<Value> = sqlx_core::query_scalar::query_scalar(
        "SELECT fields FROM records WHERE entity = 'patient' AND id = $1",
    )
    .bind(survivor)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(Value::Object(fields)) = fields else {
        return Err(no_patient());
    };
    if hidden(&fields) {
        return Err(no_patient());
    }
    // The relationship first: whatever commits after the read below has a
    // higher sequence number, and reaches this organization on pull.
    query("INSERT INTO patient_orgs (patient_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(survivor)
        .bind(device.org)
        .execute(&mut *tx)
        .await?;
    // The organization's own private values (phone, address, notes) laid
    // over each record, as a pull does; never another organization's.
    let rows = query(sqlx_core::sql_str::AssertSqlSafe(format!(
        "SELECT r.entity, r.id, r.seq, {OVERLAY}, r.updated_at
         FROM records r {OVERLAY_JOIN}
         WHERE r.patient_id = $1 AND r.entity IN ('patient', 'dose')
         ORDER BY r.seq"
    )))
    .bind(survivor)
    .bind(device.org)
    .fetch_all(&mut *tx)
    .await?;
    let records = rows.iter().map(state_of).collect::<Result<Vec<_>, _>>()?;
    let detail = if survivor == request.patient_id {
        format!("records={}", records.len())
    } else {
        format!(
            "asked for {}; records={}",
            request.patient_id,
            records.len()
        )
    };
    audit(
        &mut tx,
        &format!("device:{}", device.id),
        Some(device.org),
        "fetch",
        Some(survivor),
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(FetchResponse { records })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str) -> LookupRequest {
        LookupRequest {
            name: name.to_owned(),
            birth_date: NaiveDate::from_ymd_opt(2019, 3, 7),
            identifier: None,
        }
    }

    #[test]
    fn a_name_is_read_in_both_orders() {
        let variants = query_records(&request("José García López"));
        let readings: Vec<(String, String, String)> = variants
            .iter()
            .map(|r| {
                (
                    r.first_name.clone(),
                    r.last_name.clone(),
                    r.second_last_name.clone(),
                )
            })
            .collect();
        assert!(readings.contains(&("José".into(), "García".into(), "López".into())));
        assert!(readings.contains(&("López".into(), "José".into(), "García".into())));
        assert_eq!(variants.len(), 4);
        assert!(
            variants
                .iter()
                .all(|v| v.birth_date == request("").birth_date)
        );
    }

    #[test]
    fn a_comma_says_which_part_is_the_surname() {
        let variants = query_records(&request("García López, José Luis"));
        assert_eq!(variants.len(), 1);
        assert_eq!(variants[0].first_name, "José");
        assert_eq!(variants[0].middle_name, "Luis");
        assert_eq!(variants[0].last_name, "García");
        assert_eq!(variants[0].second_last_name, "López");
    }

    #[test]
    fn merged_and_opted_out_records_are_hidden() {
        let mut fields = PatientFields::new();
        assert!(!hidden(&fields));
        fields.insert(
            "registry_participation".into(),
            serde_json::json!({"status": "opted_out", "date": "2024-01-01"}),
        );
        assert!(hidden(&fields));
        let mut merged = PatientFields::new();
        merged.insert(MERGED_INTO.into(), Value::String(Uuid::nil().to_string()));
        assert!(hidden(&merged));
    }

    #[test]
    fn the_audit_keeps_the_query() {
        let mut r = request("Ana Pérez");
        r.identifier = Some(" 2019-123 ".into());
        assert_eq!(
            query_text(&r),
            "name=Ana Pérez; birth_date=2019-03-07; identifier=2019-123"
        );
        assert_eq!(identifier_code("2019-123 a"), "2019123A");
    }
}
