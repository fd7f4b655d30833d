//! `POST /sync/v1/push`: a batch of changes applied in one transaction.
//!
//! Set-based, so a batch of 2,000 changes costs a handful of statements:
//! one lookup of the op ids already seen, one load of every record the batch
//! touches (and every patient its dose creates name), one of the
//! organization's patient relationships; then the merge in memory, change by
//! change in order (later changes see earlier ones); then bulk writes with
//! `UNNEST`. The transaction holds the sequence lock from its start, so
//! sequence numbers commit in order; the answer goes out only after COMMIT.

use crate::auth::Device;
use crate::error::ApiError;
use crate::matching::CandidateCache;
use crate::optout;
use crate::private;
use crate::records::{lock_seq, now_ms, row_doc, stamps_json};
use salal_sync::fields::PATIENT_ID;
use salal_sync::merge::{self, Doc, Lost, Merged};
use salal_sync::wire::{
    Change, ChangeKind, Entity, MAX_PUSH_BATCH, OpResult, Outcome, PushRequest, PushResponse,
    RejectCode,
};
use serde_json::Value;
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::{PgConnection, PgPool};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

type Key = (Entity, Uuid);

/// A sequence number: known, or the n-th one this batch will take.
#[derive(Clone, Copy, Debug)]
enum SeqRef {
    Known(i64),
    Pending(usize),
}

/// A record as the batch sees it.
struct Current {
    owner_org: Option<Uuid>,
    patient_id: Option<Uuid>,
    doc: Doc,
    seq: SeqRef,
    dirty: bool,
}

/// What the batch decided for one change, before sequence numbers are taken.
enum Planned {
    Applied(SeqRef),
    Duplicate(SeqRef),
    Rejected(RejectCode, String),
}

/// The rows to write once the merge is done.
#[derive(Default)]
struct Writes {
    ops: Vec<(Uuid, SeqRef, Entity, Uuid)>,
    history: Vec<(Key, Lost, Uuid)>,
    relationships: Vec<Uuid>,
    org_name: Option<String>,
    /// Patients created by this push (matched against the registry).
    new_patients: Vec<Uuid>,
    /// Patients whose fields changed (their blocking keys are refreshed).
    changed_patients: Vec<Uuid>,
    /// Patients whose record now says the family declined participation.
    opted_out: Vec<Uuid>,
}

/// Applies a push from `device`.
pub async fn push(
    pool: &PgPool,
    device: Device,
    request: &PushRequest,
) -> Result<PushResponse, ApiError> {
    let changes = &request.changes;
    if changes.len() > MAX_PUSH_BATCH {
        return Err(ApiError::too_many(MAX_PUSH_BATCH));
    }
    if changes.is_empty() {
        return Ok(PushResponse {
            results: Vec::new(),
            server_time_ms: now_ms(),
        });
    }
    let mut tx = pool.begin().await?;
    lock_seq(&mut tx).await?;
    let applied = apply(&mut tx, device, changes).await?;
    tx.commit().await?;
    Ok(PushResponse {
        results: applied.results,
        server_time_ms: now_ms(),
    })
}

/// What [`apply`] did: one answer per change.
pub(crate) struct Applied {
    /// One per change, in order.
    pub(crate) results: Vec<OpResult>,
}

/// Applies `changes` from `device` inside the caller's transaction, which
/// already holds the sequence lock ([`lock_seq`]); the answers are only true
/// once the caller commits. Feeds that are not clinics (the birth-record
/// feed, HL7 partners) apply their records through here, so they are merged,
/// matched, refused for opted-out patients and de-duplicated exactly as a push.
pub(crate) async fn apply(
    conn: &mut PgConnection,
    device: Device,
    changes: &[Change],
) -> Result<Applied, ApiError> {
    apply_cached(conn, device, changes, &mut CandidateCache::default()).await
}

/// [`apply`] whose matching of the patients it creates reads candidates
/// through `cache` (the caller's own lookups in this transaction).
pub(crate) async fn apply_cached(
    conn: &mut PgConnection,
    device: Device,
    changes: &[Change],
    cache: &mut CandidateCache,
) -> Result<Applied, ApiError> {
    let now = now_ms();
    let remapped = to_survivors(&mut *conn, changes).await?;
    let changes = remapped.as_deref().unwrap_or(changes);
    let seen = seen_ops(&mut *conn, changes).await?;
    let mut records = load_records(&mut *conn, changes).await?;
    let mut related = relationships(&mut *conn, device.org, changes, &records).await?;
    let keys: Vec<Key> = changes.iter().map(|c| (c.entity, c.id)).collect();
    let mut privates = private::load(&mut *conn, device.org, &keys).await?;
    let mut private_dirty: HashSet<Key> = HashSet::new();

    let mut writes = Writes::default();
    let mut in_batch: HashMap<Uuid, SeqRef> = HashMap::new();
    let mut taken = 0usize;
    let mut plans = Vec::with_capacity(changes.len());
    for change in changes {
        if let Some(seq) = seen.get(&change.op_id) {
            plans.push(Planned::Duplicate(SeqRef::Known(*seq)));
            continue;
        }
        if let Some(seq) = in_batch.get(&change.op_id) {
            plans.push(Planned::Duplicate(*seq));
            continue;
        }
        let key = (change.entity, change.id);
        if let Err(code) = permit(device.org, change, &records, &related) {
            plans.push(Planned::Rejected(code, String::new()));
            continue;
        }
        if opted_out_refuses(change, &records) {
            plans.push(Planned::Rejected(RejectCode::OptedOut, String::new()));
            continue;
        }
        let current = records.get(&key);
        // Private fields go to the organization's own row, never the record.
        let (shared, private_values) = private::split(change);
        let merged = merge::apply(current.map(|c| &c.doc), &shared, now);
        let private_changed = !private_values.is_empty()
            && !matches!(merged, Merged::Rejected { .. })
            && private::apply(
                privates.entry(key).or_default(),
                &private_values,
                change.hlc,
            );
        if private_changed {
            private_dirty.insert(key);
        }
        let merged = match (merged, current) {
            // Only private values changed: the record still takes a new
            // number, so the organization's other devices pull them.
            (Merged::Unchanged, Some(c)) if private_changed => Merged::Applied {
                doc: c.doc.clone(),
                lost: Vec::new(),
            },
            (other, _) => other,
        };
        match merged {
            Merged::Applied { mut doc, mut lost } => {
                if change.entity == Entity::Patient && optout::is_opted_out(&doc.fields) {
                    // Only the minimal record stays (see `optout`).
                    optout::reduce(&mut doc);
                    lost.retain(|l| optout::MINIMAL_FIELDS.contains(&l.field.as_str()));
                    writes.opted_out.push(change.id);
                    private_dirty.remove(&key);
                }
                let seq = SeqRef::Pending(taken);
                taken += 1;
                let (owner_org, patient_id) = ownership(device.org, change, &doc);
                let entry = records.entry(key).or_insert(Current {
                    owner_org,
                    patient_id,
                    doc: Doc::default(),
                    seq,
                    dirty: true,
                });
                entry.doc = doc;
                entry.seq = seq;
                entry.dirty = true;
                if change.kind == ChangeKind::Create
                    && let Some(patient) = entry.patient_id
                    && related.insert(patient)
                {
                    writes.relationships.push(patient);
                }
                if change.entity == Entity::Patient {
                    if change.kind == ChangeKind::Create {
                        writes.new_patients.push(change.id);
                    } else {
                        writes.changed_patients.push(change.id);
                    }
                }
                if change.entity == Entity::Organization {
                    writes.org_name = entry
                        .doc
                        .fields
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                }
                writes
                    .history
                    .extend(lost.into_iter().map(|l| (key, l, change.op_id)));
                writes
                    .ops
                    .push((change.op_id, seq, change.entity, change.id));
                in_batch.insert(change.op_id, seq);
                plans.push(Planned::Applied(seq));
            }
            Merged::Unchanged => {
                let seq = current.map_or(SeqRef::Known(0), |c| c.seq);
                writes
                    .ops
                    .push((change.op_id, seq, change.entity, change.id));
                in_batch.insert(change.op_id, seq);
                plans.push(Planned::Duplicate(seq));
            }
            Merged::Rejected { code, detail } => plans.push(Planned::Rejected(code, detail)),
        }
    }

    let seqs = take_seqs(&mut *conn, taken).await?;
    let resolve = |seq: SeqRef| match seq {
        SeqRef::Known(n) => n,
        SeqRef::Pending(i) => seqs.get(i).copied().unwrap_or(0),
    };
    write_records(&mut *conn, &records, &resolve).await?;
    let private_rows: Vec<(Key, &Doc)> = private_dirty
        .iter()
        .filter_map(|k| privates.get(k).map(|d| (*k, d)))
        .collect();
    private::store(&mut *conn, device.org, &private_rows).await?;
    write_rest(&mut *conn, device, &writes, &resolve).await?;
    if !writes.opted_out.is_empty() {
        let forgotten = optout::forget_data(&mut *conn, &writes.opted_out).await?;
        for patient in &writes.opted_out {
            crate::matching::audit(
                &mut *conn,
                &format!("device:{}", device.id),
                Some(device.org),
                "opt_out",
                Some(*patient),
                &format!("{forgotten} doses removed"),
            )
            .await?;
        }
    }
    cache.forget(&writes.opted_out);
    let matched = crate::matching::match_new_patients_cached(
        &mut *conn,
        &writes.new_patients,
        &writes.changed_patients,
        cache,
    )
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "patient matching failed");
        ApiError::internal()
    })?;
    // Doses reported again (by this push, or brought together by a merge).
    let mut dose_patients: HashSet<Uuid> = records
        .iter()
        .filter(|((entity, _), c)| *entity == Entity::Dose && c.dirty)
        .filter_map(|(_, c)| c.patient_id)
        .collect();
    dose_patients.extend(matched.survivors.iter().copied());
    let dose_patients: Vec<Uuid> = crate::matching::survivors(
        &mut *conn,
        &dose_patients.iter().copied().collect::<Vec<_>>(),
    )
    .await
    .map(|moved| {
        dose_patients
            .iter()
            .map(|p| moved.get(p).copied().unwrap_or(*p))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect()
    })?;
    crate::dedup::link_duplicates(&mut *conn, &dose_patients)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "dose de-duplication failed");
            ApiError::internal()
        })?;
    let results = changes
        .iter()
        .zip(plans)
        .map(|(change, plan)| OpResult {
            op_id: change.op_id,
            outcome: match plan {
                Planned::Applied(seq) => Outcome::Applied { seq: resolve(seq) },
                Planned::Duplicate(seq) => Outcome::Duplicate { seq: resolve(seq) },
                Planned::Rejected(code, detail) => {
                    let (message_en, message_es) = code.messages(&detail);
                    Outcome::Rejected {
                        code,
                        message_en,
                        message_es,
                    }
                }
            },
        })
        .collect();
    Ok(Applied { results })
}

/// The batch with every patient id the registry has merged replaced by its
/// survivor (patient updates, and the patient a dose names); `None` when no
/// change names a merged patient.
async fn to_survivors(
    conn: &mut PgConnection,
    changes: &[Change],
) -> Result<Option<Vec<Change>>, ApiError> {
    let mut named: Vec<Uuid> = Vec::new();
    for change in changes {
        match change.entity {
            Entity::Patient if change.kind != ChangeKind::Create => named.push(change.id),
            Entity::Dose => named.extend(dose_patient(change)),
            _ => {}
        }
    }
    let survivors = crate::matching::survivors(conn, &named).await?;
    if survivors.is_empty() {
        return Ok(None);
    }
    let mut out = changes.to_vec();
    for change in &mut out {
        match change.entity {
            Entity::Patient if change.kind != ChangeKind::Create => {
                if let Some(survivor) = survivors.get(&change.id) {
                    change.id = *survivor;
                }
            }
            Entity::Dose => {
                if let Some(survivor) = dose_patient(change).and_then(|p| survivors.get(&p)) {
                    change
                        .fields
                        .insert(PATIENT_ID.to_owned(), Value::String(survivor.to_string()));
                }
            }
            _ => {}
        }
    }
    Ok(Some(out))
}

/// The patient a dose create names, if its field is a valid id.
fn dose_patient(change: &Change) -> Option<Uuid> {
    change
        .fields
        .get(PATIENT_ID)
        .and_then(Value::as_str)
        .and_then(|text| Uuid::try_parse(text).ok())
}

/// Who owns a new record, and which patient it belongs to.
fn ownership(org: Uuid, change: &Change, doc: &Doc) -> (Option<Uuid>, Option<Uuid>) {
    match change.entity {
        Entity::Patient => (Some(org), Some(change.id)),
        Entity::Dose => (
            Some(org),
            doc.fields
                .get(PATIENT_ID)
                .and_then(Value::as_str)
                .and_then(|text| Uuid::try_parse(text).ok()),
        ),
        Entity::User | Entity::StorageUnit | Entity::StockTxn | Entity::Order => (Some(org), None),
        Entity::Organization => (Some(change.id), None),
    }
}

/// Whether the change is refused because its patient opted out: any dose
/// change, and any patient change but one to the decision itself.
fn opted_out_refuses(change: &Change, records: &HashMap<Key, Current>) -> bool {
    let patient = match change.entity {
        Entity::Patient => {
            return records
                .get(&(Entity::Patient, change.id))
                .is_some_and(|c| optout::is_opted_out(&c.doc.fields))
                && !optout::patient_change_allowed(change);
        }
        Entity::Dose => dose_patient(change).or_else(|| {
            records
                .get(&(Entity::Dose, change.id))
                .and_then(|c| c.patient_id)
        }),
        _ => None,
    };
    patient
        .and_then(|p| records.get(&(Entity::Patient, p)))
        .is_some_and(|c| optout::is_opted_out(&c.doc.fields))
}

/// Whether the device's organization may make this change. A change to a
/// record the registry does not have passes here and is refused by the merge
/// (`unknown_record`), except a dose create naming an unknown patient.
fn permit(
    org: Uuid,
    change: &Change,
    records: &HashMap<Key, Current>,
    related: &HashSet<Uuid>,
) -> Result<(), RejectCode> {
    let current = records.get(&(change.entity, change.id));
    let allowed = match change.entity {
        Entity::User | Entity::StorageUnit | Entity::StockTxn | Entity::Order => {
            current.is_none_or(|c| c.owner_org == Some(org))
        }
        Entity::Organization => change.id == org,
        Entity::Patient => {
            change.kind == ChangeKind::Create || current.is_none() || related.contains(&change.id)
        }
        Entity::Dose => match current {
            None if change.kind == ChangeKind::Create => {
                if let Some(patient) = dose_patient(change)
                    && !records.contains_key(&(Entity::Patient, patient))
                {
                    return Err(RejectCode::UnknownRecord);
                }
                true
            }
            // The merge answers: unknown_record, or unchanged/conflict for a create again.
            None => true,
            Some(_) if change.kind == ChangeKind::Create => true,
            Some(c) => c.patient_id.is_some_and(|p| related.contains(&p)),
        },
    };
    if allowed {
        Ok(())
    } else {
        Err(RejectCode::NotPermitted)
    }
}

/// The op ids of the batch the registry already has, with their sequence numbers.
async fn seen_ops(
    conn: &mut PgConnection,
    changes: &[Change],
) -> Result<HashMap<Uuid, i64>, ApiError> {
    let ids: Vec<Uuid> = changes.iter().map(|c| c.op_id).collect();
    let rows = query("SELECT op_id, seq FROM ops WHERE op_id = ANY($1)")
        .bind(ids)
        .fetch_all(conn)
        .await?;
    let mut seen = HashMap::with_capacity(rows.len());
    for row in rows {
        seen.insert(row.try_get("op_id")?, row.try_get("seq")?);
    }
    Ok(seen)
}

/// Every record the batch touches, and every patient its dose creates name.
async fn load_records(
    conn: &mut PgConnection,
    changes: &[Change],
) -> Result<HashMap<Key, Current>, ApiError> {
    let mut keys: HashSet<Key> = HashSet::with_capacity(changes.len() * 2);
    for change in changes {
        keys.insert((change.entity, change.id));
        if change.entity == Entity::Dose
            && change.kind == ChangeKind::Create
            && let Some(patient) = dose_patient(change)
        {
            keys.insert((Entity::Patient, patient));
        }
    }
    let (entities, ids): (Vec<String>, Vec<Uuid>) = keys
        .iter()
        .map(|(entity, id)| (entity.code().to_owned(), *id))
        .unzip();
    let rows = query(
        "SELECT r.entity, r.id, r.owner_org, r.patient_id, r.fields, r.stamps, r.seq
         FROM records r
         JOIN unnest($1::text[], $2::uuid[]) AS k(entity, id)
           ON r.entity = k.entity AND r.id = k.id",
    )
    .bind(entities)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut records = HashMap::with_capacity(rows.len());
    read_rows(&rows, &mut records)?;
    // The patients of doses being changed (an opted-out patient refuses them).
    let missing: Vec<Uuid> = records
        .values()
        .filter_map(|c| c.patient_id)
        .filter(|p| !records.contains_key(&(Entity::Patient, *p)))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if !missing.is_empty() {
        let rows = query(
            "SELECT r.entity, r.id, r.owner_org, r.patient_id, r.fields, r.stamps, r.seq
             FROM records r WHERE r.entity = 'patient' AND r.id = ANY($1)",
        )
        .bind(missing)
        .fetch_all(conn)
        .await?;
        read_rows(&rows, &mut records)?;
    }
    Ok(records)
}

fn read_rows(
    rows: &[sqlx_postgres::PgRow],
    records: &mut HashMap<Key, Current>,
) -> Result<(), ApiError> {
    for row in rows {
        let (entity, id, doc) = row_doc(row)?;
        records.insert(
            (entity, id),
            Current {
                owner_org: row.try_get("owner_org")?,
                patient_id: row.try_get("patient_id")?,
                doc,
                seq: SeqRef::Known(row.try_get("seq")?),
                dirty: false,
            },
        );
    }
    Ok(())
}

/// Which of the batch's patients the organization already has a relationship with.
async fn relationships(
    conn: &mut PgConnection,
    org: Uuid,
    changes: &[Change],
    records: &HashMap<Key, Current>,
) -> Result<HashSet<Uuid>, ApiError> {
    let mut patients: HashSet<Uuid> = records.values().filter_map(|c| c.patient_id).collect();
    patients.extend(
        changes
            .iter()
            .filter(|c| c.entity == Entity::Patient)
            .map(|c| c.id),
    );
    patients.extend(
        changes
            .iter()
            .filter(|c| c.entity == Entity::Dose)
            .filter_map(dose_patient),
    );
    if patients.is_empty() {
        return Ok(HashSet::new());
    }
    let ids: Vec<Uuid> = patients.into_iter().collect();
    let rows: Vec<Uuid> = sqlx_core::query_scalar::query_scalar(
        // A join on the ids, so each is one primary-key lookup: with
        // `patient_id = ANY` the planner reads every patient of the
        // organization through `patient_orgs_org`.
        "SELECT p.patient_id FROM unnest($2::uuid[]) AS k(id)
         JOIN patient_orgs p ON p.patient_id = k.id AND p.org_id = $1",
    )
    .bind(org)
    .bind(ids)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Takes `n` sequence numbers, in order.
async fn take_seqs(conn: &mut PgConnection, n: usize) -> Result<Vec<i64>, ApiError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let count = i32::try_from(n).map_err(|_| ApiError::internal())?;
    let mut seqs: Vec<i64> = sqlx_core::query_scalar::query_scalar(
        "SELECT nextval('change_seq') FROM generate_series(1, $1)",
    )
    .bind(count)
    .fetch_all(conn)
    .await?;
    seqs.sort_unstable();
    if seqs.len() != n {
        return Err(ApiError::internal());
    }
    Ok(seqs)
}

/// Upserts every record the batch changed, in its final state.
async fn write_records(
    conn: &mut PgConnection,
    records: &HashMap<Key, Current>,
    resolve: &impl Fn(SeqRef) -> i64,
) -> Result<(), ApiError> {
    let dirty: Vec<(&Key, &Current)> = records.iter().filter(|(_, c)| c.dirty).collect();
    if dirty.is_empty() {
        return Ok(());
    }
    let mut entities = Vec::with_capacity(dirty.len());
    let mut ids = Vec::with_capacity(dirty.len());
    let mut owners = Vec::with_capacity(dirty.len());
    let mut patients = Vec::with_capacity(dirty.len());
    let mut fields = Vec::with_capacity(dirty.len());
    let mut stamps = Vec::with_capacity(dirty.len());
    let mut seqs = Vec::with_capacity(dirty.len());
    for ((entity, id), current) in dirty {
        entities.push(entity.code().to_owned());
        ids.push(*id);
        owners.push(current.owner_org);
        patients.push(current.patient_id);
        fields.push(Value::Object(current.doc.fields.clone()).to_string());
        stamps.push(stamps_json(&current.doc.stamps).to_string());
        seqs.push(resolve(current.seq));
    }
    query(
        "INSERT INTO records (entity, id, owner_org, patient_id, fields, stamps, seq, updated_at)
         SELECT e, i, o, p, f::jsonb, s::jsonb, q, now()
         FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int8[])
              AS t(e, i, o, p, f, s, q)
         ON CONFLICT (entity, id) DO UPDATE
           SET fields = EXCLUDED.fields, stamps = EXCLUDED.stamps,
               seq = EXCLUDED.seq, updated_at = EXCLUDED.updated_at",
    )
    .bind(entities)
    .bind(ids)
    .bind(owners)
    .bind(patients)
    .bind(fields)
    .bind(stamps)
    .bind(seqs)
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts the ops, the lost values, the new patient relationships, and a renamed organization.
async fn write_rest(
    conn: &mut PgConnection,
    device: Device,
    writes: &Writes,
    resolve: &impl Fn(SeqRef) -> i64,
) -> Result<(), ApiError> {
    if !writes.ops.is_empty() {
        let (mut op_ids, mut seqs, mut entities, mut ids) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (op_id, seq, entity, id) in &writes.ops {
            op_ids.push(*op_id);
            seqs.push(resolve(*seq));
            entities.push(entity.code().to_owned());
            ids.push(*id);
        }
        query(
            "INSERT INTO ops (op_id, seq, device_id, entity, record_id, received_at)
             SELECT o, q, $5, e, r, now()
             FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::uuid[]) AS t(o, q, e, r)",
        )
        .bind(op_ids)
        .bind(seqs)
        .bind(entities)
        .bind(ids)
        .bind(device.id)
        .execute(&mut *conn)
        .await?;
    }
    if !writes.history.is_empty() {
        let n = writes.history.len();
        let (mut entities, mut ids, mut fields, mut values, mut stamps, mut op_ids) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for ((entity, id), lost, op_id) in &writes.history {
            entities.push(entity.code().to_owned());
            ids.push(*id);
            fields.push(lost.field.clone());
            values.push(lost.value.to_string());
            stamps.push(lost.stamp.to_string());
            op_ids.push(*op_id);
        }
        query(
            "INSERT INTO field_history (entity, record_id, field, value, stamp, op_id, at)
             SELECT e, r, f, v::jsonb, s, o, now()
             FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[])
                  AS t(e, r, f, v, s, o)",
        )
        .bind(entities)
        .bind(ids)
        .bind(fields)
        .bind(values)
        .bind(stamps)
        .bind(op_ids)
        .execute(&mut *conn)
        .await?;
    }
    if !writes.relationships.is_empty() {
        query(
            "INSERT INTO patient_orgs (patient_id, org_id)
             SELECT p, $2 FROM unnest($1::uuid[]) AS t(p)
             ON CONFLICT DO NOTHING",
        )
        .bind(writes.relationships.clone())
        .bind(device.org)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(name) = &writes.org_name {
        query("UPDATE organizations SET name = $2 WHERE id = $1")
            .bind(device.org)
            .bind(name)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
