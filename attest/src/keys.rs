//! Ed25519 keys: a clinic's signing key (PKCS#8, kept in the encrypted
//! database) and the public keys a verifier trusts.

use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use std::collections::HashMap;

/// A key could not be made or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The OS random source failed.
    #[error("the system's random number source failed; try again")]
    Random,
    /// The stored key bytes are not an Ed25519 PKCS#8 document.
    #[error("the stored signing key is damaged")]
    Damaged,
    /// A public key is not 32 bytes.
    #[error("a public key must be 32 bytes, not {0}")]
    PublicKeyLength(usize),
}

/// The key id of a public key: the first 8 bytes of its SHA-256, as 16 hex digits.
#[must_use]
pub fn key_id(public_key: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, public_key);
    digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A clinic's private signing key.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key from the OS random source.
    pub fn generate() -> Result<SigningKey, KeyError> {
        let doc =
            Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| KeyError::Random)?;
        SigningKey::from_pkcs8(doc.as_ref())
    }

    /// Reads a key saved with [`SigningKey::pkcs8`].
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<SigningKey, KeyError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| KeyError::Damaged)?;
        Ok(SigningKey {
            pair,
            pkcs8: pkcs8.to_vec(),
        })
    }

    /// The bytes to keep (secret).
    #[must_use]
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.pair.public_key().as_ref().to_vec())
    }

    /// The key id.
    #[must_use]
    pub fn key_id(&self) -> String {
        key_id(self.pair.public_key().as_ref())
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// An Ed25519 public key (32 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicKey(Vec<u8>);

impl PublicKey {
    /// From its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<PublicKey, KeyError> {
        if bytes.len() == 32 {
            Ok(PublicKey(bytes.to_vec()))
        } else {
            Err(KeyError::PublicKeyLength(bytes.len()))
        }
    }

    /// The 32 bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Its key id.
    #[must_use]
    pub fn key_id(&self) -> String {
        key_id(&self.0)
    }

    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(message, signature)
            .is_ok()
    }
}

/// The public keys a verifier trusts, by key id, with the clinic each belongs to.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    keys: HashMap<String, (PublicKey, String)>,
}

impl KeyRing {
    /// An empty ring.
    #[must_use]
    pub fn new() -> KeyRing {
        KeyRing::default()
    }

    /// Trusts `key` as the key of `clinic`.
    pub fn add(&mut self, key: PublicKey, clinic: &str) {
        self.keys.insert(key.key_id(), (key, clinic.to_owned()));
    }

    /// The key with this id, and its clinic.
    #[must_use]
    pub fn get(&self, key_id: &str) -> Option<(&PublicKey, &str)> {
        self.keys.get(key_id).map(|(k, c)| (k, c.as_str()))
    }

    /// How many keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
