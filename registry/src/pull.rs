//! `POST /sync/v1/pull`: the records the device's organization may see that
//! changed after the cursor, oldest first, each in its current state; plus
//! the current state of the records the device asks to `refresh`.
//!
//! Visible to an organization: its users and its own organization record
//! (`patient_id IS NULL AND owner_org = org`), and every patient and dose
//! whose patient has a `patient_orgs` row for it. Pages are consistent by
//! construction: sequence numbers commit in order (see [`crate::records::SEQ_LOCK_KEY`]).

use crate::auth::Device;
use crate::error::ApiError;
use crate::private::{OVERLAY, OVERLAY_JOIN};
use crate::records::{now_ms, record_state, row_doc};
use salal_sync::wire::{MAX_PULL_BATCH, PullRequest, PullResponse, RecordState};
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::{PgPool, PgRow};
use uuid::Uuid;

/// At most this many records in one `refresh`.
pub const MAX_REFRESH: usize = MAX_PULL_BATCH as usize;

const VISIBLE: &str = "((r.patient_id IS NULL AND r.owner_org = $2)
     OR EXISTS (SELECT 1 FROM patient_orgs po WHERE po.patient_id = r.patient_id AND po.org_id = $2))";

/// Answers a pull from `device`.
pub async fn pull(
    pool: &PgPool,
    device: Device,
    request: &PullRequest,
) -> Result<PullResponse, ApiError> {
    if request.refresh.len() > MAX_REFRESH {
        return Err(ApiError::bad_request(&format!(
            "at most {MAX_REFRESH} records to refresh in one pull"
        )));
    }
    let limit = if request.limit == 0 {
        MAX_PULL_BATCH
    } else {
        request.limit.min(MAX_PULL_BATCH)
    };
    let after = request.after.max(0);
    let mut conn = pool.acquire().await?;
    let rows = query(sqlx_core::sql_str::AssertSqlSafe(format!(
        "SELECT r.entity, r.id, r.seq, {OVERLAY}, r.updated_at
         FROM records r {OVERLAY_JOIN}
         WHERE r.seq > $1 AND {VISIBLE}
         ORDER BY r.seq
         LIMIT $3"
    )))
    .bind(after)
    .bind(device.org)
    .bind(i64::from(limit) + 1)
    .fetch_all(&mut *conn)
    .await?;
    let more = rows.len() > limit as usize;
    let mut records = rows
        .iter()
        .take(limit as usize)
        .map(state_of)
        .collect::<Result<Vec<_>, _>>()?;
    records.shrink_to_fit();
    let cursor = records.last().map_or(after, |r| r.seq);
    let max_seq: i64 =
        sqlx_core::query_scalar::query_scalar("SELECT COALESCE(max(seq), 0) FROM records")
            .fetch_one(&mut *conn)
            .await?;
    let remaining = u64::try_from(max_seq.saturating_sub(after)).unwrap_or(0);

    let mut refreshed = Vec::new();
    if !request.refresh.is_empty() {
        let (entities, ids): (Vec<String>, Vec<Uuid>) = request
            .refresh
            .iter()
            .map(|r| (r.entity.code().to_owned(), r.id))
            .unzip();
        let rows = query(sqlx_core::sql_str::AssertSqlSafe(format!(
            "SELECT r.entity, r.id, r.seq, {OVERLAY}, r.updated_at
             FROM records r {OVERLAY_JOIN}
             JOIN (SELECT DISTINCT * FROM unnest($1::text[], $3::uuid[]) AS u(entity, id)) k
               ON r.entity = k.entity AND r.id = k.id
             WHERE {VISIBLE}
             ORDER BY r.seq"
        )))
        .bind(entities)
        .bind(device.org)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
        refreshed = rows.iter().map(state_of).collect::<Result<Vec<_>, _>>()?;
    }
    Ok(PullResponse {
        records,
        refreshed,
        cursor,
        more,
        remaining,
        server_time_ms: now_ms(),
    })
}

/// A `records` row (entity, id, seq, fields, stamps, updated_at) as the wire's record state.
pub(crate) fn state_of(row: &PgRow) -> Result<RecordState, ApiError> {
    let (entity, id, doc) = row_doc(row)?;
    let hlc = doc.newest();
    Ok(record_state(
        entity,
        id,
        row.try_get("seq")?,
        doc.fields,
        hlc,
        row.try_get("updated_at")?,
    ))
}
