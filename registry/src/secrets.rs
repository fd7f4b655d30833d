//! Random bytes (the OS source, via ring), device secrets and their hashes.

use crate::error::RegistryError;
use ring::rand::{SecureRandom, SystemRandom};
use salal_sync::enroll::hex;

/// `N` bytes from the operating system's random source.
pub fn random<const N: usize>() -> Result<[u8; N], RegistryError> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| RegistryError::Io(std::io::Error::other("the OS random source failed")))?;
    Ok(out)
}

/// A fresh device secret: 32 random bytes as lowercase hex.
pub fn device_secret() -> Result<String, RegistryError> {
    Ok(hex(&random::<32>()?))
}

/// SHA-256 of a device secret, as hex (the only form the registry keeps).
#[must_use]
pub fn secret_hash(secret: &str) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, secret.as_bytes()).as_ref())
}

/// A fresh UUIDv7 (time-ordered), for ids the registry mints.
pub fn new_id() -> Result<uuid::Uuid, RegistryError> {
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    Ok(salal_core::ids::new_v7(now_ms, random::<10>()?))
}
