//! Registry staff and their administration API (`/admin/v1`), plain JSON.
//!
//! A staff member's token (`salal-registry staff add --name NAME`, shown
//! once; only its SHA-256 is kept) goes in `Authorization: Bearer TOKEN`.
//! The review queue is the same as `salal-registry review`, and every call
//! is audited under `staff:NAME`:
//!
//! - `GET  /admin/v1/reviews`: the open pairs, oldest first.
//! - `POST /admin/v1/reviews/merge` `{"survivor": A, "merged": B}`: B is merged into A.
//! - `POST /admin/v1/reviews/distinct` `{"a": A, "b": B}`: two children, never proposed again.

use crate::error::{ApiError, RegistryError};
use crate::matching::{self, MatchError};
use crate::records::lock_seq;
use crate::secrets::{random, secret_hash};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use salal_sync::enroll::hex;
use salal_sync::wire::ErrorBody;
use serde::{Deserialize, Serialize};
use sqlx_postgres::PgPool;
use uuid::Uuid;

/// Makes (or replaces) a staff member's token; returns the token, to show once.
pub async fn add(pool: &PgPool, name: &str) -> Result<String, RegistryError> {
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(RegistryError::BadInput(format!(
            "--name '{name}': give one word, such as the person's user name"
        )));
    }
    let token = format!("staff-{}", hex(&random::<32>()?));
    sqlx_core::query::query(
        "INSERT INTO staff (name, token_hash) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET token_hash = EXCLUDED.token_hash, active = true",
    )
    .bind(name)
    .bind(secret_hash(&token))
    .execute(pool)
    .await?;
    Ok(token)
}

/// An API error answered as plain JSON (staff tools read it as it is).
#[derive(Debug)]
pub struct StaffError(ApiError);

impl From<ApiError> for StaffError {
    fn from(e: ApiError) -> StaffError {
        StaffError(e)
    }
}

impl From<sqlx_core::Error> for StaffError {
    fn from(e: sqlx_core::Error) -> StaffError {
        StaffError(ApiError::from(e))
    }
}

impl axum::response::IntoResponse for StaffError {
    fn into_response(self) -> axum::response::Response {
        (self.0.status, Json(self.0.body)).into_response()
    }
}

fn error(status: StatusCode, code: &str, en: &str, es: &str) -> ApiError {
    ApiError {
        status,
        body: ErrorBody {
            code: code.to_owned(),
            message_en: en.to_owned(),
            message_es: es.to_owned(),
        },
    }
}

/// The staff member a request comes from (401 when the token is absent or unknown).
async fn staff_of(pool: &PgPool, headers: &HeaderMap) -> Result<String, ApiError> {
    let unauthorized = || {
        error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "The registry does not recognize this staff token. Ask for a new one (salal-registry staff add).",
            "El registro no reconoce esta clave del personal. Pida una nueva (salal-registry staff add).",
        )
    };
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(unauthorized)?;
    let name: Option<String> = sqlx_core::query_scalar::query_scalar(
        "SELECT name FROM staff WHERE token_hash = $1 AND active",
    )
    .bind(secret_hash(token))
    .fetch_optional(pool)
    .await?;
    name.map(|n| format!("staff:{n}")).ok_or_else(unauthorized)
}

fn refused(e: &MatchError) -> ApiError {
    match e {
        MatchError::NoPatient(_) | MatchError::Same(..) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            &e.to_string(),
            &match e {
                MatchError::NoPatient(id) => format!("El registro no tiene el paciente {id}."),
                _ => "Esos dos identificadores ya son un solo registro.".to_owned(),
            },
        ),
        other => {
            tracing::error!(error = %other, "review decision failed");
            ApiError::internal()
        }
    }
}

/// One open pair, as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewPair {
    /// One record.
    pub a: Uuid,
    /// The other.
    pub b: Uuid,
    /// The matcher's score.
    pub score: f64,
    /// "Last, First birth-date" of `a`.
    pub a_summary: String,
    /// The same of `b`.
    pub b_summary: String,
}

/// A merge decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergeRequest {
    /// The record that stays.
    pub survivor: Uuid,
    /// The record merged into it.
    pub merged: Uuid,
}

/// A "different children" decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DistinctRequest {
    /// One record.
    pub a: Uuid,
    /// The other.
    pub b: Uuid,
}

/// The administration routes.
pub fn routes() -> Router<crate::http::AppState> {
    Router::new()
        .route("/admin/v1/reviews", get(list))
        .route("/admin/v1/reviews/merge", post(merge))
        .route("/admin/v1/reviews/distinct", post(distinct))
}

async fn list(
    State(state): State<crate::http::AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<ReviewPair>>, StaffError> {
    let by = staff_of(&state.pool, &headers).await?;
    let mut tx = state.pool.begin().await?;
    let pairs = matching::open_reviews(&mut tx)
        .await
        .map_err(|e| refused(&e))?;
    matching::audit(
        &mut tx,
        &by,
        None,
        "review_list",
        None,
        &format!("{} pairs", pairs.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(
        pairs
            .into_iter()
            .map(|r| ReviewPair {
                a: r.a,
                b: r.b,
                score: r.score,
                a_summary: r.a_summary,
                b_summary: r.b_summary,
            })
            .collect(),
    ))
}

async fn merge(
    State(state): State<crate::http::AppState>,
    headers: HeaderMap,
    Json(request): Json<MergeRequest>,
) -> Result<Json<serde_json::Value>, StaffError> {
    let by = staff_of(&state.pool, &headers).await?;
    let mut tx = state.pool.begin().await?;
    lock_seq(&mut tx).await?;
    matching::merge(&mut tx, request.survivor, request.merged, &by, None)
        .await
        .map_err(|e| refused(&e))?;
    tx.commit().await?;
    Ok(Json(
        serde_json::json!({"merged": request.merged, "into": request.survivor}),
    ))
}

async fn distinct(
    State(state): State<crate::http::AppState>,
    headers: HeaderMap,
    Json(request): Json<DistinctRequest>,
) -> Result<Json<serde_json::Value>, StaffError> {
    let by = staff_of(&state.pool, &headers).await?;
    let mut tx = state.pool.begin().await?;
    matching::mark_distinct(&mut tx, request.a, request.b, &by)
        .await
        .map_err(|e| refused(&e))?;
    tx.commit().await?;
    Ok(Json(
        serde_json::json!({"distinct": [request.a, request.b]}),
    ))
}
