//! HL7 v2 over the registry's HTTPS server, for partners (see [`crate::partners`]):
//!
//! - `POST /hl7/v2`: one message as the body. The answer is `200` with the
//!   ACK (`Content-Type: application/hl7-v2`, CR-separated segments, the
//!   MSA-1 code also in `X-HL7-Ack-Code`), whatever the ACK says (AA, AE or
//!   AR). `401` without the partner's credential, `413` past
//!   [`MAX_MESSAGE_BYTES`], `400` for a body that is not one HL7 message.
//! - `POST /hl7/v2/batch`: a batch file (FHS, BHS, messages, BTS, FTS, or
//!   simply messages in a row, at most [`MAX_BATCH_BYTES`]). Every message is
//!   answered with its own ACK; the answer is a batch file of the ACKs, in
//!   order, whose BTS-2 and `X-HL7-Summary` header hold the summary line
//!   `hl7 submit` prints (`hl7 submit: N messages, A accepted (AA), ...`).
//! - The CDC SOAP web service ([`crate::soap`]).
//!
//! The partner signs in with HTTP Basic: user name = the partner id, password
//! = the credential `salal-registry partner add` printed (`Authorization:
//! Bearer ID.CREDENTIAL` works too); a credential found right is taken for
//! [`CREDENTIAL_CACHE`] without asking the database again. Every message goes
//! through [`crate::hl7_in`] and its group-commit writer ([`Committer`]): an
//! ACK is sent only once its message's transaction committed, and a message
//! sent again (same MSH-10, same text) is answered with the ACK it got the
//! first time. A message the registry could not apply gets an AE ACK with
//! ERR 207 (nothing kept); a group that could not be committed gets `503`
//! with `Retry-After` (sending again is safe). Errors other than ACKs are
//! plain text saying what to do.

use crate::hl7_in::{self, Committer, Incoming, SubmitError};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use salal_hl7::{BatchEnvelope, read_batch, split_batch, write_batch};
use sqlx_postgres::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The content type of HL7 v2 bodies (ER7, the pipe-delimited encoding).
pub const HL7_CONTENT_TYPE: &str = "application/hl7-v2";
/// The largest single message accepted (`POST /hl7/v2`, SOAP `hl7Message`).
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// The largest batch file accepted (`POST /hl7/v2/batch`).
pub const MAX_BATCH_BYTES: usize = 256 * 1024 * 1024;
/// No single message waits longer than this for its commit (then `503`).
pub const MESSAGE_TIMEOUT: Duration = Duration::from_secs(120);
/// No batch file takes longer than this (then `503`; sending it again is safe).
pub const BATCH_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// The header holding the summary of a batch.
pub const SUMMARY_HEADER: &str = "x-hl7-summary";
/// The header holding MSA-1 of a single message's ACK.
pub const ACK_CODE_HEADER: &str = "x-hl7-ack-code";

/// How long a checked credential is taken without asking the database again
/// (a partner made inactive is refused at most this long after).
pub const CREDENTIAL_CACHE: Duration = Duration::from_secs(60);

/// What the HL7 handlers share: the writer (and through it the database).
#[derive(Clone, Debug)]
pub struct Hl7State {
    /// The group-commit writer every message goes through.
    pub committer: Arc<Committer>,
    /// Credentials found right lately: (partner, SHA-256 of the secret) → when.
    signed_in: Arc<Mutex<HashMap<(Uuid, String), Instant>>>,
}

impl Hl7State {
    /// The database.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        self.committer.pool()
    }
}

/// The HL7 routes (`/hl7/v2`, `/hl7/v2/batch` and the SOAP service), on `pool`.
pub fn routes<S: Clone + Send + Sync + 'static>(pool: &PgPool) -> Router<S> {
    let state = Hl7State {
        committer: Arc::new(Committer::new(pool.clone())),
        signed_in: Arc::default(),
    };
    Router::new()
        .route("/hl7/v2", post(single))
        .route("/hl7/v2/batch", post(batch))
        .merge(crate::soap::routes())
        .with_state(state)
}

/// Why a partner's credential was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credential was sent.
    #[error(
        "HL7 partners must sign in: send HTTP Basic credentials with the partner id as the \
         user name and the credential `salal-registry partner add` printed as the password"
    )]
    Missing,
    /// The credential is not right.
    #[error(
        "the partner id or credential is wrong, or the partner is no longer active: check \
         them with the registry's staff (a lost credential needs a new partner)"
    )]
    Wrong,
    /// The database could not be asked.
    #[error("the registry cannot check credentials now ({0}); try again later")]
    Unavailable(String),
}

/// The partner `id` and `secret` name, if they are right.
pub async fn authenticate(state: &Hl7State, id: &str, secret: &str) -> Result<Uuid, AuthError> {
    if id.trim().is_empty() && secret.is_empty() {
        return Err(AuthError::Missing);
    }
    let Ok(id) = Uuid::try_parse(id.trim()) else {
        return Err(AuthError::Wrong);
    };
    let key = (id, crate::secrets::secret_hash(secret));
    let fresh = |at: &Instant| at.elapsed() < CREDENTIAL_CACHE;
    if let Ok(signed_in) = state.signed_in.lock()
        && signed_in.get(&key).is_some_and(fresh)
    {
        return Ok(id);
    }
    match crate::partners::authenticate(state.pool(), id, secret).await {
        Ok(Some(partner)) => {
            if let Ok(mut signed_in) = state.signed_in.lock() {
                if signed_in.len() >= 10_000 {
                    signed_in.retain(|_, at| fresh(at));
                }
                signed_in.insert(key, Instant::now());
            }
            Ok(partner)
        }
        Ok(None) => Err(AuthError::Wrong),
        Err(e) => Err(AuthError::Unavailable(e.to_string())),
    }
}

/// The partner an `Authorization` header names (Basic or Bearer `ID.SECRET`).
async fn partner_of(state: &Hl7State, headers: &HeaderMap) -> Result<Uuid, Response> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(auth_refused(&AuthError::Missing));
    };
    let text = value.to_str().unwrap_or_default().trim();
    let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
    let rest = rest.trim();
    let (id, secret) = if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok());
        let Some(decoded) = decoded else {
            return Err(auth_refused(&AuthError::Wrong));
        };
        match decoded.split_once(':') {
            Some((id, secret)) => (id.to_owned(), secret.to_owned()),
            None => return Err(auth_refused(&AuthError::Wrong)),
        }
    } else if scheme.eq_ignore_ascii_case("bearer") {
        match rest.split_once('.') {
            Some((id, secret)) => (id.to_owned(), secret.to_owned()),
            None => return Err(auth_refused(&AuthError::Wrong)),
        }
    } else {
        return Err(auth_refused(&AuthError::Missing));
    };
    authenticate(state, &id, &secret)
        .await
        .map_err(|e| auth_refused(&e))
}

fn auth_refused(error: &AuthError) -> Response {
    if let AuthError::Unavailable(_) = error {
        return unavailable(&error.to_string());
    }
    let mut response = text(StatusCode::UNAUTHORIZED, &error.to_string());
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Salal Registry HL7\", charset=\"UTF-8\""),
    );
    response
}

/// A plain-text answer.
fn text(status: StatusCode, message: &str) -> Response {
    let mut response = (status, format!("{message}\n")).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn unavailable(message: &str) -> Response {
    let mut response = text(StatusCode::SERVICE_UNAVAILABLE, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

fn hl7(body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(HL7_CONTENT_TYPE),
    );
    response
}

/// The answer to a message that could not be processed at all.
pub(crate) fn submit_failed(error: &SubmitError) -> Response {
    match error {
        SubmitError::Commit(_) | SubmitError::Registry(_) => unavailable(&format!(
            "{error}. The registry could not store the message now: send it again later \
             (a message already stored is answered with its first ACK)"
        )),
        SubmitError::UnknownPartner(_) => auth_refused(&AuthError::Wrong),
        SubmitError::Apply(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!(
                "{error}. Nothing of this message was stored; send it again later, and if it \
                 keeps failing tell the registry's staff"
            ),
        ),
    }
}

/// Reads a body of at most `limit` bytes.
async fn read(body: Body, limit: usize, what: &str) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        text(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the {what} is larger than {} KiB, the most the registry takes",
                limit / 1024
            ),
        )
    })
}

/// Where the MSH of a single-message body starts: after a byte-order mark
/// and blank lines, or `None` when the body does not start with MSH.
fn starts_with_msh(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes
        .get(start..)
        .is_some_and(|rest| rest.starts_with(b"MSH"))
}

/// The one message of a single-message body, or why it is not one.
pub(crate) fn one_message(partner: Uuid, bytes: &[u8]) -> Result<Incoming, String> {
    if !starts_with_msh(bytes) {
        if bytes.starts_with(b"FHS") || bytes.starts_with(b"BHS") {
            return Err(
                "the body is a batch file (FHS/BHS): send batch files to /hl7/v2/batch".to_owned(),
            );
        }
        return Err(
            "the body is not an HL7 v2 message: a message starts with an MSH segment \
             (segments separated by carriage returns)"
                .to_owned(),
        );
    }
    let batch = read_batch(bytes);
    if batch.messages.len() != 1 {
        return Err(format!(
            "the body holds {} messages: send one message per request, or a file of many \
             to /hl7/v2/batch",
            batch.messages.len()
        ));
    }
    hl7_in::incoming_of(partner, batch, bytes)
        .pop()
        .ok_or_else(|| "the body is not an HL7 v2 message".to_owned())
}

async fn single(State(state): State<Hl7State>, headers: HeaderMap, body: Body) -> Response {
    let partner = match partner_of(&state, &headers).await {
        Ok(partner) => partner,
        Err(response) => return response,
    };
    let bytes = match read(body, MAX_MESSAGE_BYTES, "message").await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let job = match one_message(partner, &bytes) {
        Ok(job) => job,
        Err(reason) => return text(StatusCode::BAD_REQUEST, &reason),
    };
    match tokio::time::timeout(MESSAGE_TIMEOUT, state.committer.process(job)).await {
        Ok(Ok(answer)) => {
            let mut response = hl7(answer.ack);
            response.headers_mut().insert(
                ACK_CODE_HEADER,
                HeaderValue::from_static(answer.code.code()),
            );
            response
        }
        Ok(Err(error)) => submit_failed(&error),
        Err(_) => unavailable(
            "the registry did not store the message in time: send it again later \
             (a message already stored is answered with its first ACK)",
        ),
    }
}

async fn batch(State(state): State<Hl7State>, headers: HeaderMap, body: Body) -> Response {
    let partner = match partner_of(&state, &headers).await {
        Ok(partner) => partner,
        Err(response) => return response,
    };
    let bytes = match read(body, MAX_BATCH_BYTES, "batch file").await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let read_file = split_batch(&bytes);
    if read_file.messages.is_empty() {
        return text(
            StatusCode::BAD_REQUEST,
            "the body holds no HL7 message: a batch file is FHS, BHS, messages (each starting \
             with MSH), BTS, FTS, or simply messages in a row",
        );
    }
    let file_header = read_file.file_header.clone();
    let jobs = hl7_in::incoming_split(partner, read_file, &bytes);
    drop(bytes);
    let submitted = match tokio::time::timeout(BATCH_TIMEOUT, state.committer.submit(jobs)).await {
        Ok(Ok(submitted)) => submitted,
        Ok(Err(error)) => return submit_failed(&error),
        Err(_) => {
            return unavailable(
                "the registry did not finish the file in time: send it again later \
                     (messages already stored are answered with their first ACK)",
            );
        }
    };
    let summary = submitted.to_string();
    let field = |n: usize| {
        file_header
            .as_ref()
            .map(|s| s.component_text(n, 1).to_owned())
            .unwrap_or_default()
    };
    let reference = field(11);
    let envelope = BatchEnvelope {
        sending_application: hl7_in::APPLICATION.to_owned(),
        sending_facility: hl7_in::FACILITY.to_owned(),
        receiving_application: field(3),
        receiving_facility: field(4),
        date_time: chrono::Local::now().format("%Y%m%d%H%M%S%z").to_string(),
        control_id: crate::records::derived_id(
            partner,
            &format!(
                "batch-ack:{reference}:{}",
                submitted
                    .answers
                    .first()
                    .map_or("", |a| a.control_id.as_str())
            ),
        )
        .simple()
        .to_string()
        .chars()
        .take(20)
        .collect(),
        reference_control_id: reference,
        comment: summary.clone(),
    };
    let acks: Vec<&str> = submitted.answers.iter().map(|a| a.ack.as_str()).collect();
    let mut response = hl7(write_batch(&envelope, &acks));
    if let Ok(value) = HeaderValue::from_str(&summary) {
        response.headers_mut().insert(SUMMARY_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_body_must_be_one_message() {
        let partner = Uuid::nil();
        let one = b"\xef\xbb\xbf\r\nMSH|^~\\&|A|B|C|D|20250101||VXU^V04^VXU_V04|1|P|2.5.1\rPID|1\r";
        assert_eq!(
            one_message(partner, one).map(|j| j.parsed.message.control_id().to_owned()),
            Ok("1".to_owned())
        );
        let two = b"MSH|^~\\&|A||||||VXU^V04^VXU_V04|1|P|2.5.1\rMSH|^~\\&|A||||||VXU^V04|2\r";
        assert!(one_message(partner, two).is_err_and(|e| e.contains("holds 2 messages")));
        let file = b"FHS|^~\\&\rMSH|^~\\&|A\r";
        assert!(one_message(partner, file).is_err_and(|e| e.contains("/hl7/v2/batch")));
        for garbage in [&b""[..], b"<xml/>", b"\xff\xfe\x00"] {
            assert!(
                one_message(partner, garbage).is_err_and(|e| e.contains("not an HL7")),
                "{garbage:?}"
            );
        }
    }
}
