//! The HTTPS client a clinic uses to talk to the registry.
//!
//! TLS is rustls (ring), pinned to the registry certificate's SHA-256
//! fingerprint from the enrollment code: a self-signed registry needs no
//! certificate authority, and any other certificate is refused. Bodies are
//! zstd-compressed JSON. Calls are blocking (the clinic's use cases are
//! synchronous; the desktop app runs them off its UI thread).

use crate::codec;
use crate::wire::{
    EnrollRequest, EnrollResponse, ErrorBody, FetchRequest, FetchResponse, KeysRequest,
    KeysResponse, LookupRequest, LookupResponse, PROTOCOL_HEADER, PROTOCOL_VERSION, PullRequest,
    PullResponse, PushRequest, PushResponse,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// A call that did not get an answer from the registry.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer: no network, the registry is down, a timeout, a cut body.
    #[error("the registry at {url} cannot be reached: {reason}")]
    Unreachable {
        /// Where.
        url: String,
        /// What the network said.
        reason: String,
    },
    /// The registry answered with an error.
    #[error("the registry refused the request ({status}): {}", body.message_en)]
    Refused {
        /// HTTP status.
        status: u16,
        /// Its message.
        body: ErrorBody,
    },
    /// The answer was not what the protocol says (a different server, a cut body).
    #[error("the registry's answer could not be read: {0}")]
    BadAnswer(String),
    /// The URL is not an https URL.
    #[error("'{0}' is not an https:// address")]
    BadUrl(String),
}

impl ClientError {
    /// Whether trying again later may work (network trouble, a 5xx), as
    /// opposed to a refusal that will be the same next time.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } | ClientError::BadAnswer(_) => true,
            ClientError::Refused { status, .. } => *status >= 500 || *status == 429,
            ClientError::BadUrl(_) => false,
        }
    }
}

/// Trusts exactly one certificate: the one whose SHA-256 is `fingerprint`.
#[derive(Debug)]
struct Pinned {
    fingerprint: [u8; 32],
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if crate::enroll::fingerprint(end_entity.as_ref()) == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// TLS settings (rustls with ring) that trust only the certificate whose
/// SHA-256 is `fingerprint`, for any reqwest client, blocking or async: pass
/// them to its builder's `tls_backend_preconfigured`.
pub fn pinned_tls(fingerprint: [u8; 32]) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider: Arc<CryptoProvider> = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Pinned {
        fingerprint,
        algorithms: provider.signature_verification_algorithms,
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// The SHA-256 fingerprint of the first certificate in `pem` (a PEM file
/// such as the registry's `cert.pem`); `None` when it holds no readable one.
#[must_use]
pub fn pem_fingerprint(pem: &[u8]) -> Option<[u8; 32]> {
    let leaf = CertificateDer::pem_slice_iter(pem).next()?.ok()?;
    Some(crate::enroll::fingerprint(leaf.as_ref()))
}

/// A connection to one registry.
#[derive(Debug, Clone)]
pub struct RegistryClient {
    http: reqwest::blocking::Client,
    base: String,
    credential: Option<String>,
}

impl RegistryClient {
    /// A client for the registry at `base_url` (`https://host:port`), trusting
    /// only the certificate with `fingerprint`. `timeout` bounds each call.
    pub fn new(
        base_url: &str,
        fingerprint: [u8; 32],
        timeout: Duration,
    ) -> Result<RegistryClient, ClientError> {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        if !base.starts_with("https://") {
            return Err(ClientError::BadUrl(base));
        }
        let tls = pinned_tls(fingerprint).map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        let http = reqwest::blocking::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10).min(timeout))
            .build()
            .map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        Ok(RegistryClient {
            http,
            base,
            credential: None,
        })
    }

    /// Signs every later call as this device.
    #[must_use]
    pub fn with_credential(mut self, device_id: Uuid, secret: &str) -> RegistryClient {
        self.credential = Some(format!("{}.{}", device_id.simple(), secret));
        self
    }

    /// The registry's address.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn call<Q: Serialize, A: DeserializeOwned>(
        &self,
        path: &str,
        body: &Q,
    ) -> Result<(A, usize), ClientError> {
        let url = format!("{}{path}", self.base);
        let encoded = codec::encode(body);
        let sent = encoded.len();
        let mut request = self
            .http
            .post(&url)
            .header("content-type", codec::CONTENT_TYPE)
            .header("content-encoding", codec::CONTENT_ENCODING)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .body(encoded);
        if let Some(credential) = &self.credential {
            request = request.header("authorization", format!("Bearer {credential}"));
        }
        let unreachable = |e: reqwest::Error| ClientError::Unreachable {
            url: self.base.clone(),
            reason: error_chain(&e),
        };
        let response = request.send().map_err(unreachable)?;
        let status = response.status().as_u16();
        let compressed = response
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"zstd"));
        let bytes = response.bytes().map_err(unreachable)?;
        if !(200..300).contains(&status) {
            let body =
                codec::decode::<ErrorBody>(&bytes, compressed).unwrap_or_else(|_| ErrorBody {
                    code: "http".to_owned(),
                    message_en: format!("HTTP status {status}"),
                    message_es: format!("estado HTTP {status}"),
                });
            return Err(ClientError::Refused { status, body });
        }
        let answer =
            codec::decode(&bytes, compressed).map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        Ok((answer, sent))
    }

    /// Joins the organization the code belongs to.
    pub fn enroll(&self, request: &EnrollRequest) -> Result<EnrollResponse, ClientError> {
        self.call("/sync/v1/enroll", request).map(|(a, _)| a)
    }

    /// Sends a batch of changes; also returns the compressed request size in bytes.
    pub fn push(&self, request: &PushRequest) -> Result<(PushResponse, usize), ClientError> {
        self.call("/sync/v1/push", request)
    }

    /// Publishes this clinic's signing key (if given) and fetches the keys after the cursor.
    pub fn keys(&self, request: &KeysRequest) -> Result<KeysResponse, ClientError> {
        self.call("/sync/v1/keys", request).map(|(a, _)| a)
    }

    /// Asks for what changed after the cursor.
    pub fn pull(&self, request: &PullRequest) -> Result<PullResponse, ClientError> {
        self.call("/sync/v1/pull", request).map(|(a, _)| a)
    }

    /// Asks which patients the registry knows that match a name and birth date.
    pub fn lookup(&self, request: &LookupRequest) -> Result<LookupResponse, ClientError> {
        self.call("/sync/v1/lookup", request).map(|(a, _)| a)
    }

    /// Brings one patient and its full history to this clinic.
    pub fn fetch(&self, request: &FetchRequest) -> Result<FetchResponse, ClientError> {
        self.call("/sync/v1/fetch", request).map(|(a, _)| a)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
