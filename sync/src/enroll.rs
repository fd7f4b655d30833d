//! Enrollment codes: a one-time secret plus the registry certificate's SHA-256
//! fingerprint, so a clinic can pin a self-signed registry with no
//! certificate authority. Text form: `SALAL1-<secret>-<fingerprint hex>`,
//! where the secret is 26 Crockford base32 characters (128 bits).

use std::fmt;
use std::str::FromStr;

const PREFIX: &str = "SALAL1";

/// A parsed enrollment code.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrollmentCode {
    /// The one-time secret the registry checks.
    pub secret: String,
    /// SHA-256 of the registry's TLS certificate (DER).
    pub fingerprint: [u8; 32],
}

impl fmt::Debug for EnrollmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrollmentCode")
            .field("fingerprint", &hex(&self.fingerprint))
            .finish_non_exhaustive()
    }
}

/// Text that is not an enrollment code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "this is not a Salal enrollment code (it starts with SALAL1-; copy it again from the registry)"
)]
pub struct BadEnrollmentCode;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Lowercase hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads lowercase or uppercase hex of exactly `N` bytes.
#[must_use]
pub fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.trim();
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// SHA-256 of a certificate's DER bytes.
#[must_use]
pub fn fingerprint(der: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

impl EnrollmentCode {
    /// A code from 16 random bytes and the registry's certificate fingerprint.
    #[must_use]
    pub fn new(random: [u8; 16], fingerprint: [u8; 32]) -> EnrollmentCode {
        let mut bits: u128 = u128::from_be_bytes(random);
        let mut secret = Vec::with_capacity(26);
        for _ in 0..26 {
            secret.push(ALPHABET[(bits & 31) as usize]);
            bits >>= 5;
        }
        EnrollmentCode {
            secret: String::from_utf8(secret).unwrap_or_default(),
            fingerprint,
        }
    }

    /// SHA-256 of the secret, as the registry stores it (never the secret itself).
    #[must_use]
    pub fn secret_hash(secret: &str) -> String {
        hex(ring::digest::digest(
            &ring::digest::SHA256,
            secret.trim().to_ascii_uppercase().as_bytes(),
        )
        .as_ref())
    }
}

impl fmt::Display for EnrollmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}-{}-{}", self.secret, hex(&self.fingerprint))
    }
}

impl FromStr for EnrollmentCode {
    type Err = BadEnrollmentCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.trim().split('-');
        if !parts.next().is_some_and(|p| p.eq_ignore_ascii_case(PREFIX)) {
            return Err(BadEnrollmentCode);
        }
        let secret = parts.next().ok_or(BadEnrollmentCode)?.to_ascii_uppercase();
        let fingerprint = parts
            .next()
            .and_then(unhex::<32>)
            .ok_or(BadEnrollmentCode)?;
        if parts.next().is_some()
            || secret.len() != 26
            || !secret.bytes().all(|b| ALPHABET.contains(&b))
        {
            return Err(BadEnrollmentCode);
        }
        Ok(EnrollmentCode {
            secret,
            fingerprint,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_round_trips_and_rejects_edits() {
        let code = EnrollmentCode::new([7; 16], [0xab; 32]);
        let text = code.to_string();
        assert!(text.starts_with("SALAL1-"));
        assert_eq!(text.parse::<EnrollmentCode>(), Ok(code.clone()));
        assert_eq!(text.to_lowercase().parse::<EnrollmentCode>(), Ok(code));
        assert!("SALAL1-abc-00".parse::<EnrollmentCode>().is_err());
        assert!(text[..text.len() - 1].parse::<EnrollmentCode>().is_err());
        assert!("hello".parse::<EnrollmentCode>().is_err());
    }
}
