//! The server's TLS certificate: `DIR/cert.pem` and `DIR/key.pem`, made
//! self-signed with rcgen when absent (SANs localhost, 127.0.0.1, ::1; the
//! key file readable by its owner only). Clinics pin the certificate's
//! SHA-256 fingerprint from the enrollment code, so no authority is needed.

use crate::error::RegistryError;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// The certificate file's name in the TLS folder.
pub const CERT_FILE: &str = "cert.pem";
/// The private key file's name in the TLS folder.
pub const KEY_FILE: &str = "key.pem";

/// The server's certificate and key.
#[derive(Clone)]
pub struct TlsFiles {
    /// The certificate chain, PEM (leaf first).
    pub cert_pem: Vec<u8>,
    /// The private key, PEM.
    pub key_pem: Vec<u8>,
    /// SHA-256 of the leaf certificate's DER bytes.
    pub fingerprint: [u8; 32],
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFiles")
            .field("fingerprint", &salal_sync::enroll::hex(&self.fingerprint))
            .finish_non_exhaustive()
    }
}

fn tls_error(dir: &Path, reason: impl std::fmt::Display) -> RegistryError {
    RegistryError::Tls {
        dir: dir.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Reads the pair in `dir`, making a self-signed one first when neither file exists.
pub fn ensure(dir: &Path) -> Result<TlsFiles, RegistryError> {
    let cert = dir.join(CERT_FILE);
    let key = dir.join(KEY_FILE);
    match (cert.exists(), key.exists()) {
        (true, true) => {}
        (false, false) => generate(dir)?,
        (true, false) => {
            return Err(tls_error(
                dir,
                format!(
                    "{CERT_FILE} is there but {KEY_FILE} is missing; restore it, or remove {CERT_FILE} to make a new pair (enrolled clinics then need new codes)"
                ),
            ));
        }
        (false, true) => {
            return Err(tls_error(
                dir,
                format!(
                    "{KEY_FILE} is there but {CERT_FILE} is missing; restore it, or remove {KEY_FILE} to make a new pair (enrolled clinics then need new codes)"
                ),
            ));
        }
    }
    let cert_pem = fs::read(&cert).map_err(|e| tls_error(dir, format!("{CERT_FILE}: {e}")))?;
    let key_pem = fs::read(&key).map_err(|e| tls_error(dir, format!("{KEY_FILE}: {e}")))?;
    let leaf = CertificateDer::pem_slice_iter(&cert_pem)
        .next()
        .ok_or_else(|| tls_error(dir, format!("{CERT_FILE} holds no certificate")))?
        .map_err(|e| tls_error(dir, format!("{CERT_FILE}: {e}")))?;
    let fingerprint = salal_sync::enroll::fingerprint(leaf.as_ref());
    Ok(TlsFiles {
        cert_pem,
        key_pem,
        fingerprint,
    })
}

fn generate(dir: &Path) -> Result<(), RegistryError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| tls_error(dir, e))?;
    let names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| tls_error(dir, e))?;
    write_new(
        dir,
        KEY_FILE,
        certified.signing_key.serialize_pem().as_bytes(),
        0o600,
    )?;
    write_new(dir, CERT_FILE, certified.cert.pem().as_bytes(), 0o644)?;
    tracing::info!(dir = %dir.display(), "made a self-signed TLS certificate");
    Ok(())
}

/// Writes `name` in `dir` through a temporary file, so a crash leaves no half file.
fn write_new(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> Result<(), RegistryError> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let _ = fs::remove_file(&tmp);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(|e| tls_error(dir, format!("{name}: {e}")))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| tls_error(dir, format!("{name}: {e}")))?;
    fs::rename(&tmp, dir.join(name)).map_err(|e| tls_error(dir, format!("{name}: {e}")))?;
    Ok(())
}
