//! Opt-out: a patient whose family declined registry participation.
//!
//! From the moment the registry holds a patient as opted out it refuses new
//! data for them from any clinic or feed (`rejected`, code `opted_out`), and
//! keeps only the minimal record it needs to keep refusing: the fields in
//! [`MINIMAL_FIELDS`] (names, birth date, sex, birth-certificate number and
//! mother's maiden name, so matching recognizes the child when a feed sends
//! them again; the decline itself and the mailings choice). Every other field,
//! its history, every organization's private fields, and every dose of the
//! patient are removed from the registry.
//! The reduced record takes a new sequence number, so every clinic that has
//! the patient learns of the decline on its next pull; a clinic keeps its own
//! chart (see the clinic's replica).
//!
//! The only changes accepted for an opted-out patient are to the decline
//! itself (a family that chooses to participate again) and to the mailings
//! choice. Registry staff delete a patient on request with
//! `salal-registry patient delete ID --reason "..."` ([`delete_on_request`]):
//! the same reduced record, audited.

use crate::matching::{MatchError, audit, survivor_of};
use crate::records::{doc_from_row, registry_stamp, store_patient_doc};
use salal_sync::fields::MERGED_INTO;
use salal_sync::merge::Doc;
use salal_sync::wire::{Change, ChangeKind, Fields};
use serde_json::{Value, json};
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::PgConnection;
use uuid::Uuid;

/// The fields an opted-out patient's record keeps at the registry.
pub const MINIMAL_FIELDS: &[&str] = &[
    "first_name",
    "middle_name",
    "last_name",
    "second_last_name",
    "birth_date",
    "sex",
    "birth_certificate_number",
    "mother_maiden_name",
    "registry_participation",
    "mailings",
    MERGED_INTO,
];

/// The fields a change may carry for a patient who opted out.
const DECISION_FIELDS: &[&str] = &["registry_participation", "mailings"];

/// Whether a patient's fields say the family declined registry participation.
#[must_use]
pub fn is_opted_out(fields: &Fields) -> bool {
    fields
        .get("registry_participation")
        .and_then(|v| v.get("status"))
        .and_then(Value::as_str)
        == Some("opted_out")
}

/// Whether a change to an opted-out patient may be applied: only a create
/// (the registry learns of the patient with the decline) or a change to the
/// decision itself.
#[must_use]
pub fn patient_change_allowed(change: &Change) -> bool {
    change.kind == ChangeKind::Create
        || change
            .fields
            .keys()
            .all(|k| DECISION_FIELDS.contains(&k.as_str()))
}

/// Drops every field outside [`MINIMAL_FIELDS`] (values and stamps).
/// Whether anything was dropped.
pub fn reduce(doc: &mut Doc) -> bool {
    let before = doc.fields.len();
    doc.fields
        .retain(|k, _| MINIMAL_FIELDS.contains(&k.as_str()));
    doc.stamps
        .retain(|k, _| MINIMAL_FIELDS.contains(&k.as_str()));
    doc.fields.len() != before
}

/// Removes what the registry must not keep of opted-out patients: their
/// doses and the history of their non-minimal fields. Returns how many doses.
pub async fn forget_data(
    conn: &mut PgConnection,
    patients: &[Uuid],
) -> Result<u64, sqlx_core::Error> {
    if patients.is_empty() {
        return Ok(0);
    }
    let minimal: Vec<String> = MINIMAL_FIELDS.iter().map(|f| (*f).to_owned()).collect();
    query(
        "DELETE FROM field_history WHERE entity = 'dose' AND record_id IN
            (SELECT r.id FROM unnest($1::uuid[]) AS k(id)
             JOIN records r ON r.patient_id = k.id AND r.entity = 'dose')",
    )
    .bind(patients.to_vec())
    .execute(&mut *conn)
    .await?;
    query(
        "DELETE FROM private_fields WHERE entity = 'dose' AND record_id IN
            (SELECT r.id FROM unnest($1::uuid[]) AS k(id)
             JOIN records r ON r.patient_id = k.id AND r.entity = 'dose')",
    )
    .bind(patients.to_vec())
    .execute(&mut *conn)
    .await?;
    // Joined on the ids, so each patient is looked up in `records_patient`.
    let doses = query(
        "DELETE FROM records r USING unnest($1::uuid[]) AS k(id)
         WHERE r.patient_id = k.id AND r.entity = 'dose'",
    )
    .bind(patients.to_vec())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    // The records merged into them (other clinics' registrations of the same
    // child) keep no more than the survivor, and carry its decline, so the
    // clinics holding them are told too.
    let copies = query(
        "SELECT r.id, r.fields, r.stamps, s.fields -> 'registry_participation' AS decline
         FROM patient_merges m
         JOIN records r ON r.entity = 'patient' AND r.id = m.old_id
         JOIN records s ON s.entity = 'patient' AND s.id = m.survivor_id
         WHERE m.survivor_id = ANY($1)",
    )
    .bind(patients.to_vec())
    .fetch_all(&mut *conn)
    .await?;
    let mut copy_ids = Vec::with_capacity(copies.len());
    for row in copies {
        let id: Uuid = row.try_get("id")?;
        let Ok(mut doc) = doc_from_row(
            "patient",
            id,
            row.try_get("fields")?,
            row.try_get("stamps")?,
        ) else {
            tracing::error!(%id, "damaged merged patient record left as it is");
            continue;
        };
        let decline: Option<Value> = row.try_get("decline")?;
        let changed = reduce(&mut doc);
        if let Some(decline) = decline
            && doc.fields.get("registry_participation") != Some(&decline)
        {
            doc.fields
                .insert("registry_participation".to_owned(), decline);
            doc.stamps
                .insert("registry_participation".to_owned(), registry_stamp());
        } else if !changed {
            continue;
        }
        store_patient_doc(conn, id, &doc).await?;
        copy_ids.push(id);
    }
    let mut all: Vec<Uuid> = patients.to_vec();
    all.extend(copy_ids);
    query("DELETE FROM private_fields WHERE entity = 'patient' AND record_id = ANY($1)")
        .bind(all.clone())
        .execute(&mut *conn)
        .await?;
    query(
        "DELETE FROM field_history WHERE entity = 'patient' AND record_id = ANY($1)
           AND field <> ALL($2)",
    )
    .bind(all)
    .bind(minimal)
    .execute(&mut *conn)
    .await?;
    Ok(doses)
}

/// Reduces a stored patient record that is opted out (after a merge into it,
/// say) and forgets its data; a new sequence number tells every clinic.
/// Whether it was opted out.
pub async fn enforce(conn: &mut PgConnection, patient: Uuid) -> Result<bool, MatchError> {
    let Some(row) =
        query("SELECT fields, stamps FROM records WHERE entity = 'patient' AND id = $1 FOR UPDATE")
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(false);
    };
    let mut doc = doc_from_row(
        "patient",
        patient,
        row.try_get("fields")?,
        row.try_get("stamps")?,
    )
    .map_err(|e| MatchError::Damaged(e.to_string()))?;
    if !is_opted_out(&doc.fields) {
        return Ok(false);
    }
    reduce(&mut doc);
    store_patient_doc(conn, patient, &doc).await?;
    forget_data(conn, &[patient]).await?;
    Ok(true)
}

/// Deletion on request (registry staff): the patient is recorded as opted
/// out with the reason, reduced to the minimal record, and its doses
/// removed; every clinic that has the patient learns it on its next pull.
/// Audited. The caller's transaction must hold the sequence lock.
pub async fn delete_on_request(
    conn: &mut PgConnection,
    id: Uuid,
    reason: &str,
    by: &str,
) -> Result<u64, MatchError> {
    let id = survivor_of(conn, id).await?;
    let row =
        query("SELECT fields, stamps FROM records WHERE entity = 'patient' AND id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(MatchError::NoPatient(id))?;
    let mut doc = doc_from_row(
        "patient",
        id,
        row.try_get("fields")?,
        row.try_get("stamps")?,
    )
    .map_err(|e| MatchError::Damaged(e.to_string()))?;
    let today = chrono::Utc::now().date_naive();
    doc.fields.insert(
        "registry_participation".to_owned(),
        json!({"status": "opted_out", "date": today.to_string(), "reason": reason, "form_on_file": false}),
    );
    doc.stamps
        .insert("registry_participation".to_owned(), registry_stamp());
    reduce(&mut doc);
    store_patient_doc(conn, id, &doc).await?;
    let doses = forget_data(conn, &[id]).await?;
    audit(
        conn,
        by,
        None,
        "patient_delete",
        Some(id),
        &format!("{reason} ({doses} doses removed)"),
    )
    .await?;
    Ok(doses)
}
