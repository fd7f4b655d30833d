//! Database keys and recovery keys.
//!
//! The database key is 256 random bits. The recovery key is the same 32 bytes
//! written for people: Crockford base32 (no I, L, O, U; typing them as 1, 1, 0
//! is forgiven), two check characters that catch typos, in groups of six:
//! `7QK2M9-...`. It is shown once at setup and never stored by Salal.

use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::StoreError;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const KEY_CHARS: usize = 52; // ceil(256 / 5)
const CHECK_CHARS: usize = 2;

/// A 256-bit SQLCipher key. Wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct DbKey([u8; 32]);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(..)")
    }
}

impl DbKey {
    /// A fresh random key from the OS random source.
    pub fn generate() -> Result<DbKey, StoreError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| StoreError::Database("the OS random source failed".to_owned()))?;
        Ok(DbKey(bytes))
    }

    /// The key as 64 hex digits (the form kept in the keyring and given to SQLCipher).
    #[must_use]
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<DbKey, StoreError> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(StoreError::WrongKey);
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte =
                u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| StoreError::WrongKey)?;
        }
        Ok(DbKey(bytes))
    }

    /// The recovery key people write down.
    #[must_use]
    pub fn recovery_key(&self) -> RecoveryKey {
        let mut chars = encode_base32(&self.0);
        chars.extend(check_chars(&self.0));
        let text = chars
            .chunks(6)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-");
        RecoveryKey(text)
    }

    /// Reads a recovery key as typed: any case, with or without dashes and spaces.
    pub fn from_recovery_key(typed: &str) -> Result<DbKey, StoreError> {
        let mut symbols = Vec::with_capacity(KEY_CHARS + CHECK_CHARS);
        for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                other => other,
            };
            let value = ALPHABET
                .iter()
                .position(|&a| char::from(a) == c)
                .ok_or(StoreError::RecoveryKeyInvalid("unexpected character"))?;
            symbols.push(value);
        }
        if symbols.len() != KEY_CHARS + CHECK_CHARS {
            return Err(StoreError::RecoveryKeyInvalid("wrong length"));
        }
        let bytes = decode_base32(&symbols[..KEY_CHARS]);
        let expected: Vec<char> = check_chars(&bytes);
        let typed_check: Vec<char> = symbols[KEY_CHARS..]
            .iter()
            .map(|&v| char::from(ALPHABET[v]))
            .collect();
        if expected != typed_check {
            return Err(StoreError::RecoveryKeyInvalid("typo"));
        }
        Ok(DbKey(bytes))
    }
}

/// The recovery key text, e.g. `7QK2M9-…`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct RecoveryKey(String);

impl RecoveryKey {
    /// The text to show and print.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryKey(..)")
    }
}

fn encode_base32(bytes: &[u8; 32]) -> Vec<char> {
    let mut out = Vec::with_capacity(KEY_CHARS);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn decode_base32(symbols: &[usize]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut buffer: u32 = 0;
    let mut bits = 0;
    let mut index = 0;
    for &symbol in symbols {
        buffer = (buffer << 5) | (symbol as u32 & 31);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            if let Some(slot) = out.get_mut(index) {
                *slot = ((buffer >> bits) & 0xff) as u8;
            }
            index += 1;
        }
    }
    out
}

fn check_chars(bytes: &[u8; 32]) -> Vec<char> {
    let hash = digest::digest(&digest::SHA256, bytes);
    let h = hash.as_ref();
    let value = (usize::from(h[0]) << 2) | usize::from(h[1] >> 6);
    vec![
        char::from(ALPHABET[(value >> 5) & 31]),
        char::from(ALPHABET[value & 31]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_key_round_trips_and_forgives_case_and_lookalikes() {
        let key = DbKey::generate().unwrap();
        let recovery = key.recovery_key();
        assert_eq!(recovery.as_str().len(), 54 + 8);
        assert_eq!(DbKey::from_recovery_key(recovery.as_str()).unwrap(), key);
        let sloppy = recovery
            .as_str()
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(DbKey::from_recovery_key(&sloppy).unwrap(), key);
        assert_eq!(DbKey::from_hex(&key.to_hex()).unwrap(), key);
    }

    #[test]
    fn a_typo_in_the_recovery_key_is_caught() {
        let key = DbKey::generate().unwrap();
        let text = key.recovery_key().as_str().to_owned();
        let mut chars: Vec<char> = text.chars().collect();
        chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
        let typo: String = chars.into_iter().collect();
        assert!(matches!(
            DbKey::from_recovery_key(&typo),
            Err(StoreError::RecoveryKeyInvalid("typo"))
        ));
        assert!(matches!(
            DbKey::from_recovery_key("short"),
            Err(StoreError::RecoveryKeyInvalid("wrong length"))
        ));
        assert!(matches!(
            DbKey::from_recovery_key("!!!"),
            Err(StoreError::RecoveryKeyInvalid(_))
        ));
    }
}
