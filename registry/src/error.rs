//! The registry's typed errors: [`RegistryError`] for commands and start-up
//! (with the process exit code each one means), [`ApiError`] for HTTP answers
//! (status plus an English and Spanish [`ErrorBody`]).

use axum::http::StatusCode;
use salal_sync::wire::ErrorBody;

/// Why a command or the server could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The user gave something unusable (exit code 2).
    #[error("{0}")]
    BadInput(String),
    /// PostgreSQL cannot be reached (exit code 1).
    #[error(
        "cannot reach PostgreSQL at {url}: {reason}. Start PostgreSQL (for a local try-out: scripts/registry.sh; for tests: scripts/with-postgres.sh) or set DATABASE_URL to a running server"
    )]
    DatabaseUnreachable {
        /// The database URL, password hidden.
        url: String,
        /// What the driver said.
        reason: String,
    },
    /// A query failed (exit code 1).
    #[error("database error: {0}")]
    Database(#[from] sqlx_core::Error),
    /// The schema could not be brought up to date (exit code 1).
    #[error("could not apply the database migrations: {0}")]
    Migrate(#[from] sqlx_core::migrate::MigrateError),
    /// The TLS certificate or key could not be read or made (exit code 1).
    #[error("TLS certificate in {dir}: {reason}")]
    Tls {
        /// The folder.
        dir: String,
        /// What went wrong.
        reason: String,
    },
    /// A merge or review decision that cannot be made (exit code 2).
    #[error("{0}")]
    Matching(#[from] crate::matching::MatchError),
    /// Other input/output (exit code 1).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl RegistryError {
    /// The process exit code: 2 for bad input, 1 for everything else.
    #[must_use]
    pub fn exit_code(&self) -> i32 {
        match self {
            RegistryError::BadInput(_)
            | RegistryError::Matching(
                crate::matching::MatchError::NoPatient(_) | crate::matching::MatchError::Same(..),
            ) => 2,
            _ => 1,
        }
    }
}

/// An HTTP error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body.
    pub body: ErrorBody,
}

impl ApiError {
    fn new(
        status: StatusCode,
        code: &str,
        en: impl Into<String>,
        es: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                code: code.to_owned(),
                message_en: en.into(),
                message_es: es.into(),
            },
        }
    }

    /// 400: the `salal-protocol` header is missing or another version.
    #[must_use]
    pub fn protocol() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "protocol",
            "This version of Salal speaks a sync protocol the registry does not (it expects the header salal-protocol: 1). Update Salal Clinic, then sync again.",
            "Esta versión de Salal usa un protocolo de sincronización que el registro no admite (espera el encabezado salal-protocol: 1). Actualice Salal Clinic y vuelva a sincronizar.",
        )
    }

    /// 400: the body could not be read.
    #[must_use]
    pub fn bad_request(detail: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!(
                "The registry could not read this request ({detail}). Update Salal Clinic; if it keeps happening, tell the registry staff."
            ),
            format!(
                "El registro no pudo leer esta solicitud ({detail}). Actualice Salal Clinic; si sigue ocurriendo, avise al personal del registro."
            ),
        )
    }

    /// 401: no valid device credential.
    #[must_use]
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "The registry does not recognize this computer. Enroll it again with a new code from the registry staff.",
            "El registro no reconoce esta computadora. Vuelva a inscribirla con un código nuevo del personal del registro.",
        )
    }

    /// 403: the enrollment code cannot be used.
    #[must_use]
    pub fn enrollment_code() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "enrollment_code",
            "This enrollment code is not valid: it is expired or already used; ask the registry for a new code.",
            "Este código de inscripción no es válido: venció o ya se usó; pida al registro un código nuevo.",
        )
    }

    /// 409: a key with this id is already another organization's.
    #[must_use]
    pub fn key_taken() -> ApiError {
        ApiError::new(
            StatusCode::CONFLICT,
            "key_exists",
            "Another organization already published this signing key. Tell the registry staff; certificates printed here cannot be verified until it is fixed.",
            "Otra organización ya publicó esta clave de firma. Avise al personal del registro; los certificados impresos aquí no se podrán verificar hasta que se corrija.",
        )
    }

    /// 409: the device id belongs to another organization's device.
    #[must_use]
    pub fn device_taken() -> ApiError {
        ApiError::new(
            StatusCode::CONFLICT,
            "device_exists",
            "Another organization already has a device with this computer's id. Ask the registry staff to remove it, then enroll again.",
            "Otra organización ya tiene un dispositivo con el identificador de esta computadora. Pida al personal del registro que lo quite y vuelva a inscribirla.",
        )
    }

    /// 413: too many changes in one push.
    #[must_use]
    pub fn too_many(max: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "Too many changes in one sync request (at most {max}). Update Salal Clinic, then sync again."
            ),
            format!(
                "Demasiados cambios en una sola solicitud de sincronización (como máximo {max}). Actualice Salal Clinic y vuelva a sincronizar."
            ),
        )
    }

    /// 503: PostgreSQL is unreachable.
    #[must_use]
    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The registry is temporarily unavailable. Your changes are safe on this computer; Salal will sync again later.",
            "El registro no está disponible por el momento. Sus cambios están seguros en esta computadora; Salal volverá a sincronizar más tarde.",
        )
    }

    /// 500: anything else (details go to the log, not to the clinic).
    #[must_use]
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The registry had an internal error. Your changes are safe on this computer; Salal will try again later. If it keeps happening, tell the registry staff.",
            "El registro tuvo un error interno. Sus cambios están seguros en esta computadora; Salal lo intentará de nuevo más tarde. Si sigue ocurriendo, avise al personal del registro.",
        )
    }
}

/// Whether a database error means "PostgreSQL is not there right now"
/// (connection refused or lost, pool exhausted, server shutting down).
#[must_use]
pub fn is_unavailable(error: &sqlx_core::Error) -> bool {
    match error {
        sqlx_core::Error::Io(_)
        | sqlx_core::Error::Tls(_)
        | sqlx_core::Error::Protocol(_)
        | sqlx_core::Error::PoolTimedOut
        | sqlx_core::Error::PoolClosed
        | sqlx_core::Error::WorkerCrashed
        | sqlx_core::Error::BeginFailed => true,
        sqlx_core::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 57P: operator intervention (shutdown,
            // cannot connect now); 53300: too many connections.
            code.starts_with("08") || code.starts_with("57P") || code == "53300"
        }),
        _ => false,
    }
}

impl From<sqlx_core::Error> for ApiError {
    fn from(error: sqlx_core::Error) -> ApiError {
        if is_unavailable(&error) {
            tracing::warn!(%error, "database unavailable");
            ApiError::unavailable()
        } else {
            tracing::error!(%error, "database error");
            ApiError::internal()
        }
    }
}
