//! Passwords: the strength rules, and PBKDF2-HMAC-SHA256 hashing via `ring`.
//!
//! Rules (all checked offline): at least 12 characters, or a passphrase of
//! at least four words; not a common password or an easily guessed pattern
//! (the zxcvbn estimator, whose lists hold the 30,000 most common passwords,
//! must rate it at least 3 of 4); not containing the user name. Hashes use
//! 600,000 iterations (OWASP's 2023 figure for PBKDF2-SHA256), a 16-byte
//! random salt, stored as `pbkdf2-sha256$iterations$salt$hash` (hex).
//! PBKDF2 was chosen over Argon2id to stay on `ring`, already used for TLS.

use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, pbkdf2};
use salal_core::i18n::{Lang, UserMessage};
use std::num::NonZeroU32;

/// PBKDF2 iterations for new hashes.
pub const ITERATIONS: u32 = 600_000;
/// Minimum length of a password that is not a passphrase.
pub const MIN_LENGTH: usize = 12;
/// Minimum number of words of a passphrase.
pub const MIN_PASSPHRASE_WORDS: usize = 4;

/// Why a new password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRuleError {
    /// Too short and not a passphrase.
    #[error("password is shorter than {MIN_LENGTH} characters")]
    TooShort,
    /// A common password or an easy pattern.
    #[error("password is too common or easy to guess")]
    TooCommon,
    /// Contains the user name.
    #[error("password contains the user name")]
    ContainsUsername,
    /// The same as the current password.
    #[error("the new password is the same as the current one")]
    SameAsCurrent,
}

impl UserMessage for PasswordRuleError {
    fn message_key(&self) -> &'static str {
        match self {
            PasswordRuleError::TooShort => "error.password.too_short",
            PasswordRuleError::TooCommon => "error.password.too_common",
            PasswordRuleError::ContainsUsername => "error.password.contains_username",
            PasswordRuleError::SameAsCurrent => "error.password.same_as_current",
        }
    }
    fn message_args(&self, _lang: Lang) -> Vec<(&'static str, String)> {
        vec![
            ("min", MIN_LENGTH.to_string()),
            ("words", MIN_PASSPHRASE_WORDS.to_string()),
        ]
    }
}

/// Checks a new password against the rules.
pub fn check_rules(
    password: &str,
    username: &str,
    other_words: &[&str],
) -> Result<(), PasswordRuleError> {
    let long_enough = password.chars().count() >= MIN_LENGTH;
    let words = password
        .split_whitespace()
        .filter(|w| w.chars().count() >= 2)
        .count();
    if !long_enough && words < MIN_PASSPHRASE_WORDS {
        return Err(PasswordRuleError::TooShort);
    }
    let user = username.trim().to_lowercase();
    if user.chars().count() >= 3 && password.to_lowercase().contains(&user) {
        return Err(PasswordRuleError::ContainsUsername);
    }
    let mut inputs: Vec<&str> = vec![username];
    inputs.extend_from_slice(other_words);
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if u8::from(estimate.score()) < 3 {
        return Err(PasswordRuleError::TooCommon);
    }
    Ok(())
}

/// Hashes a password with a fresh salt. A failure of the OS random source is
/// an error (nothing is saved), never a predictable salt.
pub fn hash(password: &str) -> Result<String, salal_store::StoreError> {
    let mut salt = [0u8; 16];
    SystemRandom::new().fill(&mut salt).map_err(|_| {
        tracing::error!("OS random source failed while salting a password");
        salal_store::StoreError::Database("the operating system's random source failed".to_owned())
    })?;
    Ok(hash_with(password, &salt, ITERATIONS))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn hash_with(password: &str, salt: &[u8], iterations: u32) -> String {
    let mut out = [0u8; digest::SHA256_OUTPUT_LEN];
    let rounds = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        salt,
        password.as_bytes(),
        &mut out,
    );
    format!("pbkdf2-sha256${iterations}${}${}", hex(salt), hex(&out))
}

/// Whether `password` matches `stored`. A malformed hash, or one with fewer
/// iterations than the policy's, matches nothing.
#[must_use]
pub fn verify(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let ["pbkdf2-sha256", iterations, salt, expected] = parts[..] else {
        return false;
    };
    let (Ok(iterations), Some(salt), Some(expected)) =
        (iterations.parse::<u32>(), unhex(salt), unhex(expected))
    else {
        return false;
    };
    // A stored count below the policy's is refused, whatever wrote it: a
    // tampered or downgraded hash must not make guessing cheap.
    if iterations < ITERATIONS {
        return false;
    }
    let Some(rounds) = NonZeroU32::new(iterations) else {
        return false;
    };
    pbkdf2::verify(
        pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        &salt,
        password.as_bytes(),
        &expected,
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_accept_long_or_passphrase_and_refuse_common() {
        assert_eq!(
            check_rules("short1!", "ana", &[]),
            Err(PasswordRuleError::TooShort)
        );
        assert_eq!(
            check_rules("password1234", "ana", &[]),
            Err(PasswordRuleError::TooCommon)
        );
        assert_eq!(
            check_rules("qwertyuiop123", "ana", &[]),
            Err(PasswordRuleError::TooCommon)
        );
        assert_eq!(
            check_rules("mariaperez-clinic-2026", "mariaperez", &[]),
            Err(PasswordRuleError::ContainsUsername)
        );
        assert_eq!(check_rules("Tortuga-verde-Sol-42", "ana", &[]), Ok(()));
        assert_eq!(
            check_rules("río azul pan duro", "ana", &[]),
            Ok(()),
            "a passphrase may be shorter"
        );
    }

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("Tortuga-verde-Sol-42").unwrap();
        assert!(verify("Tortuga-verde-Sol-42", &a));
        assert!(!verify("tortuga-verde-sol-42", &a));
        assert!(!verify("x", "garbage"));
        let b = hash("Tortuga-verde-Sol-42").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn a_stored_count_below_the_policy_is_refused() {
        let weak = hash_with("Tortuga-verde-Sol-42", b"0123456789abcdef", 1000);
        assert!(!verify("Tortuga-verde-Sol-42", &weak));
        let strong = hash_with("Tortuga-verde-Sol-42", b"0123456789abcdef", ITERATIONS);
        assert!(verify("Tortuga-verde-Sol-42", &strong));
    }
}
