//! `salal-registry serve`: migrate, load (or make) the TLS pair, record its
//! fingerprint, then answer HTTPS on the address given until Ctrl-C or SIGTERM.

use crate::db::{self, FINGERPRINT_KEY};
use crate::error::RegistryError;
use crate::http::{AppState, router};
use crate::tls;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use salal_sync::enroll::hex;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How `serve` runs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The PostgreSQL URL.
    pub database_url: String,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The folder of `cert.pem` and `key.pem`.
    pub tls_dir: PathBuf,
}

/// Installs ring as rustls's process-wide crypto provider (once; later calls do nothing).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Runs the registry server until it is told to stop.
pub async fn serve(options: ServeOptions) -> Result<(), RegistryError> {
    install_crypto();
    let pool = db::connect(&options.database_url, 16).await?;
    db::migrate(&pool).await?;
    // A registry upgraded without `salal-registry migrate` still matches
    // against keys of this build's scheme.
    let rebuilt = crate::matching::rekey_if_needed(&pool).await?;
    if rebuilt > 0 {
        tracing::info!(patients = rebuilt, "rebuilt the matching keys");
    }
    let files = tls::ensure(&options.tls_dir)?;
    let fingerprint = hex(&files.fingerprint);
    db::set_setting(&pool, FINGERPRINT_KEY, &fingerprint).await?;
    let config = RustlsConfig::from_pem(files.cert_pem.clone(), files.key_pem.clone())
        .await
        .map_err(|e| RegistryError::Tls {
            dir: options.tls_dir.display().to_string(),
            reason: e.to_string(),
        })?;

    let handle: Handle<SocketAddr> = Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping");
        stopper.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    let announcer = handle.clone();
    let shown = fingerprint.clone();
    tokio::spawn(async move {
        if let Some(addr) = announcer.listening().await {
            println!("salal-registry listening on https://{addr} (certificate SHA-256 {shown})");
        }
    });
    let app = router(AppState { pool });
    axum_server::bind_rustls(options.listen, config)
        .handle(handle)
        .serve(app.into_make_service())
        .await
        .map_err(|e| {
            RegistryError::Io(std::io::Error::new(
                e.kind(),
                format!("cannot serve on {}: {e}", options.listen),
            ))
        })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            () = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
