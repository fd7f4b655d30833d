//! The HTTP surface: `GET /health` and `/sync/v1/{enroll,push,pull,keys,lookup,fetch}`.
//!
//! Bodies are `salal_sync::codec` JSON, inflated from zstd when the request
//! says `Content-Encoding: zstd` (plain JSON otherwise); every answer is zstd
//! with `Content-Encoding: zstd`. Sync calls need `salal-protocol: 1`; all but
//! enroll need the device's bearer credential. Errors are `ErrorBody`.

use crate::auth;
use crate::error::ApiError;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use salal_sync::codec;
use salal_sync::wire::{
    EnrollRequest, FetchRequest, KeysRequest, LookupRequest, PROTOCOL_HEADER, PROTOCOL_VERSION,
    PullRequest, PushRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx_postgres::PgPool;
use std::time::Duration;

/// The largest request body accepted, compressed.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// No request takes longer than this (a stalled database answers 503).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub pool: PgPool,
}

/// The registry's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/sync/v1/enroll", post(enroll))
        .route("/sync/v1/push", post(push))
        .route("/sync/v1/pull", post(pull))
        .route("/sync/v1/keys", post(keys))
        .route("/sync/v1/lookup", post(lookup))
        .route("/sync/v1/fetch", post(fetch))
        .merge(crate::staff::routes())
        .merge(crate::hl7_http::routes(&state.pool))
        .fallback(not_found)
        .with_state(state)
}

/// A zstd-compressed JSON answer.
fn answer<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let mut response = (status, codec::encode(value)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(codec::CONTENT_TYPE),
    );
    headers.insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static(codec::CONTENT_ENCODING),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        answer(self.status, &self.body)
    }
}

async fn not_found() -> Response {
    answer(
        StatusCode::NOT_FOUND,
        &salal_sync::wire::ErrorBody {
            code: "not_found".to_owned(),
            message_en: "The registry has no such address. Check the registry address in Salal's settings.".to_owned(),
            message_es: "El registro no tiene esa dirección. Revise la dirección del registro en la configuración de Salal.".to_owned(),
        },
    )
}

fn check_protocol(headers: &HeaderMap) -> Result<(), ApiError> {
    let version = headers
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if version == Some(PROTOCOL_VERSION.to_string().as_str()) {
        Ok(())
    } else {
        Err(ApiError::protocol())
    }
}

async fn read_body<T: DeserializeOwned>(headers: &HeaderMap, body: Body) -> Result<T, ApiError> {
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..ApiError::bad_request(&format!(
                "the request is larger than {} MiB",
                MAX_BODY_BYTES / (1024 * 1024)
            ))
        })?;
    let compressed = headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"zstd"));
    codec::decode(&bytes, compressed).map_err(|e| ApiError::bad_request(&e.to_string()))
}

/// Runs a handler's work with the request timeout, answering 503 on expiry.
async fn bounded<T: Serialize>(work: impl Future<Output = Result<T, ApiError>>) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, work).await {
        Ok(Ok(value)) => answer(StatusCode::OK, &value),
        Ok(Err(error)) => error.into_response(),
        Err(_) => {
            tracing::warn!("request timed out");
            ApiError::unavailable().into_response()
        }
    }
}

async fn enroll(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    bounded(async {
        check_protocol(&headers)?;
        let request: EnrollRequest = read_body(&headers, body).await?;
        crate::enroll::redeem(&state.pool, &request).await
    })
    .await
}

async fn push(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    bounded(async {
        check_protocol(&headers)?;
        let device = auth::authenticate(&state.pool, &headers).await?;
        let request: PushRequest = read_body(&headers, body).await?;
        crate::push::push(&state.pool, device, &request).await
    })
    .await
}

async fn pull(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    bounded(async {
        check_protocol(&headers)?;
        let device = auth::authenticate(&state.pool, &headers).await?;
        let request: PullRequest = read_body(&headers, body).await?;
        crate::pull::pull(&state.pool, device, &request).await
    })
    .await
}

async fn keys(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    bounded(async {
        check_protocol(&headers)?;
        let device = auth::authenticate(&state.pool, &headers).await?;
        let request: KeysRequest = read_body(&headers, body).await?;
        crate::keys::exchange(&state.pool, device, &request).await
    })
    .await
}

async fn lookup(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    bounded(async {
        check_protocol(&headers)?;
        let device = auth::authenticate(&state.pool, &headers).await?;
        let request: LookupRequest = read_body(&headers, body).await?;
        crate::lookup::lookup(&state.pool, device, &request).await
    })
    .await
}

async fn fetch(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    bounded(async {
        check_protocol(&headers)?;
        let device = auth::authenticate(&state.pool, &headers).await?;
        let request: FetchRequest = read_body(&headers, body).await?;
        crate::lookup::fetch(&state.pool, device, &request).await
    })
    .await
}
