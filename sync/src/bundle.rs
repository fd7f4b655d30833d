//! USB bundles: sync for a clinic that never gets a network.
//!
//! The clinic writes a [`Bundle`] (its unanswered outbox changes, in outbox
//! order and in batches of at most [`MAX_PUSH_BATCH`], its pull cursor, the
//! records it asks to refresh, its export number and a random bundle id);
//! registry staff import it and write a [`Reply`] (one [`OpResult`] per
//! change, the pulled pages after the bundle's cursor, the new cursor, and the
//! export number and id of the bundle it answers); the clinic imports the
//! reply. Each is one file that any carrier may move (USB stick, e-mail): it
//! is encrypted and signed, so the carrier can neither read nor change it.
//!
//! # The file
//!
//! zstd-compressed JSON ([`crate::codec`]) holding an envelope
//! `{format, version, kind, device_id, nonce, body, mac}`:
//!
//! - the header, `format` ([`FORMAT`]), `version` ([`VERSION`]), `kind`
//!   (`bundle` or `reply`) and `device_id`, is in clear: enough to say
//!   "another version" or "another computer's" and to find the key;
//! - `nonce`: 12 random bytes (hex), new for every file, from the caller's
//!   [`SecureRandom`] (a failing random source is [`SealError::Random`],
//!   never a fixed nonce);
//! - `body`: hex of AES-256-GCM(encryption key, nonce, associated data =
//!   the header, plaintext = the zstd-compressed JSON of the bundle or reply),
//!   its 16-byte tag included;
//! - `mac`: hex of HMAC-SHA256(MAC key, header ‖ nonce ‖ body bytes).
//!
//! The header is joined unambiguously (each part, then a NUL; none can hold
//! one). This is encrypt-then-MAC: a reader checks the MAC (in constant time)
//! before it decrypts anything, then GCM's tag (which binds the header too)
//! when it decrypts, so a file changed anywhere, or moved to another device's
//! header, is [`BundleError::Tampered`]. The two checks use independent keys;
//! either one alone refuses any change. What a carrier learns is the device
//! id, the kind and roughly the size.
//!
//! # The keys
//!
//! The registry keeps only the SHA-256 of a device's secret, which is enough
//! to check a bearer credential (the secret itself travels over TLS) but not
//! to check an HMAC or to decrypt: a verifier must hold the key. Keying with
//! that hash would make the hash a secret, yet it is stored, exported and
//! backed up as a value that is safe to read. So both sides derive a separate
//! root key from the secret, [`BundleKey::from_secret`] = HMAC-SHA256(key =
//! secret, message = [`KEY_LABEL`]), and from it two subkeys with
//! HKDF-SHA256-Expand (RFC 5869; the root is the pseudorandom key, one
//! 32-byte block): the MAC key with info [`MAC_LABEL`] and the AES-256-GCM
//! key with info [`ENCRYPTION_LABEL`]. The root is used for nothing else.
//!
//! The device derives the root whenever it needs it; the registry derives it
//! when it sees the secret (at enrollment, and on every authenticated request,
//! for devices enrolled before bundles existed) and keeps it in its own table
//! (`device_bundle_keys`), which can be kept from roles that may read
//! `devices`: both subkeys, so everything needed to check and to decrypt,
//! come from it. The root proves a file came from (or was written for) that
//! device; it cannot be turned back into the secret, nor the secret's hash
//! into it, so it never lets anyone sign in as the device over the network.
//! Enrolling the device again makes a new secret and so new keys.
//!
//! # Replays
//!
//! A [`Bundle`] carries the device's export number (1, 2, 3, ... one per
//! bundle written, kept by the clinic) and a random id; a [`Reply`] carries
//! both of the bundle it answers. Both are inside the encrypted, signed body.
//! The importers enforce the rules (this module only carries the numbers):
//! the registry refuses a bundle id it already imported, and a bundle numbered
//! at or below one it already imported from the device; the clinic refuses a
//! reply numbered at or below the last reply it applied. Applying stays
//! idempotent underneath: a refused replay could not have doubled anything.
//!
//! Decoding never panics: any bytes are a [`BundleError`].

use crate::codec;
use crate::wire::{Change, MAX_PUSH_BATCH, OpResult, PullResponse, RecordRef};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::SecureRandom;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The envelope's `format`.
pub const FORMAT: &str = "salal-usb";
/// The version this build writes and reads (1 was signed but not encrypted).
pub const VERSION: u32 = 2;
/// The message the root bundle key is derived from the device secret with.
pub const KEY_LABEL: &[u8] = b"salal usb bundle key v1";
/// The HKDF info of the MAC key.
pub const MAC_LABEL: &[u8] = b"salal usb bundle mac key v2";
/// The HKDF info of the AES-256-GCM key.
pub const ENCRYPTION_LABEL: &[u8] = b"salal usb bundle encryption key v2";
/// A file larger than this is refused before it is read.
pub const MAX_FILE_BYTES: u64 = codec::MAX_DECODED_BYTES;
/// The most a body's JSON may take before it is compressed and encrypted.
/// Hex doubles the ciphertext (zstd compression at most adds a little), so
/// even an incompressible body this large stays within what a reader inflates.
pub const MAX_BODY_BYTES: usize = 120 * 1024 * 1024;
const LEVEL: i32 = 3;
const TAG_LEN: usize = 16;

/// Which of the two files.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Written by the clinic, imported by the registry.
    Bundle,
    /// Written by the registry, imported by the clinic.
    Reply,
}

impl Kind {
    /// The stable text form.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Kind::Bundle => "bundle",
            Kind::Reply => "reply",
        }
    }
}

/// What a clinic sends: everything a network push and the first pull request would.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Bundle {
    /// The device that wrote it (also in the envelope).
    pub device_id: Uuid,
    /// The organization the device belongs to, as it knows it.
    pub organization_id: Uuid,
    /// This device's number for this bundle: 1 for its first, one more for
    /// each bundle it writes (at most `i64::MAX`).
    pub export_number: u64,
    /// A random id of this bundle ([`random_id`]); every export has a new one.
    pub bundle_id: Uuid,
    /// When it was written (ms since the epoch, the clinic's clock).
    pub created_ms: u64,
    /// The pull cursor: the last registry sequence the replica applied.
    pub cursor: i64,
    /// Records whose current state the clinic asks for whatever the cursor.
    #[serde(default)]
    pub refresh: Vec<RecordRef>,
    /// Unanswered changes in outbox order, each batch at most [`MAX_PUSH_BATCH`].
    pub batches: Vec<Vec<Change>>,
}

impl Bundle {
    /// Every change, in order.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.batches.iter().flatten()
    }

    /// How many changes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.batches.iter().map(Vec::len).sum()
    }

    /// Whether it carries no change.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the registry answers: what a push answer and a full pull would.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Reply {
    /// The device it is for (also in the envelope).
    pub device_id: Uuid,
    /// The export number of the bundle it answers.
    pub export_number: u64,
    /// The id of the bundle it answers.
    pub bundle_id: Uuid,
    /// One answer per change of the bundle, in the bundle's order.
    pub results: Vec<OpResult>,
    /// The bundle's cursor, where the pages start.
    pub after: i64,
    /// Pull pages, oldest first, each applied with its cursor as a network pull page is.
    pub pages: Vec<PullResponse>,
    /// The cursor after the last page.
    pub cursor: i64,
    /// Whether more records wait at the registry (the reply was bounded): the next bundle gets them.
    pub more: bool,
    /// The registry's clock when it wrote the reply (ms since the epoch).
    pub server_time_ms: u64,
}

impl Reply {
    /// How many records the pages carry (pulled and refreshed).
    #[must_use]
    pub fn record_count(&self) -> usize {
        self.pages
            .iter()
            .map(|p| p.records.len() + p.refreshed.len())
            .sum()
    }
}

/// Why a file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    /// Not zstd, not JSON, not a Salal USB file, or cut short.
    #[error("not a Salal USB file ({0})")]
    Garbled(String),
    /// Written by another version of Salal.
    #[error("written by another version of Salal (file version {found}, this one reads {VERSION})")]
    Version {
        /// The file's version.
        found: u32,
    },
    /// A bundle where a reply is expected, or the other way round.
    #[error("expected a {expected}, got a {found}", expected = .expected.code(), found = .found.code())]
    WrongKind {
        /// What the caller reads.
        expected: Kind,
        /// What the file is.
        found: Kind,
    },
    /// The MAC or the GCM tag does not match: changed after it was written,
    /// or not sealed with this device's key.
    #[error("the file was changed after it was written, or is not this device's")]
    Tampered,
    /// Larger than this version handles.
    #[error("too large ({0} bytes)")]
    TooLarge(u64),
}

/// Why a file could not be sealed (nothing was written).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The system's random number source failed: no nonce, so no file.
    #[error("the system's random number source failed")]
    Random,
    /// The body's JSON is larger than [`MAX_BODY_BYTES`].
    #[error("the body is too large to seal ({0} bytes)")]
    TooLarge(usize),
    /// Serializing, compressing or encrypting failed.
    #[error("cannot seal the file: {0}")]
    Encode(String),
}

/// A random (version 4) id for a new bundle, from `rng`.
pub fn random_id(rng: &dyn SecureRandom) -> Result<Uuid, SealError> {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes).map_err(|_| SealError::Random)?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// The root key of one device's bundles and replies (what the registry
/// stores); the MAC and encryption keys are derived from it.
#[derive(Clone)]
pub struct BundleKey([u8; 32]);

impl std::fmt::Debug for BundleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BundleKey(..)")
    }
}

/// HKDF-SHA256-Expand of one 32-byte block: T(1) = HMAC(PRK, info ‖ 0x01).
fn expand(prk: &[u8; 32], info: &[u8]) -> [u8; 32] {
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, prk));
    ctx.update(info);
    ctx.update(&[1]);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

impl BundleKey {
    /// The key of the device whose sync secret is `secret` (as the registry issued it).
    #[must_use]
    pub fn from_secret(secret: &str) -> BundleKey {
        let derive = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        let tag = hmac::sign(&derive, KEY_LABEL);
        let mut key = [0u8; 32];
        key.copy_from_slice(tag.as_ref());
        BundleKey(key)
    }

    /// A key as stored (32 bytes); `None` for any other length.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Option<BundleKey> {
        <[u8; 32]>::try_from(bytes).ok().map(BundleKey)
    }

    /// The 32 bytes, to store.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn mac(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &expand(&self.0, MAC_LABEL))
    }

    fn cipher(&self) -> Option<LessSafeKey> {
        // A 32-byte key is exactly what AES-256-GCM takes.
        UnboundKey::new(&AES_256_GCM, &expand(&self.0, ENCRYPTION_LABEL))
            .ok()
            .map(LessSafeKey::new)
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    kind: Kind,
    device_id: Uuid,
    nonce: String,
    body: String,
    mac: String,
}

/// The header as the MAC and GCM see it: each part, then a NUL.
fn header(kind: Kind, device_id: Uuid) -> Vec<u8> {
    let mut header = Vec::with_capacity(80);
    for part in [
        FORMAT.as_bytes(),
        VERSION.to_string().as_bytes(),
        kind.code().as_bytes(),
        device_id.hyphenated().to_string().as_bytes(),
    ] {
        header.extend_from_slice(part);
        header.push(0);
    }
    header
}

/// What the MAC covers: header ‖ nonce ‖ ciphertext (with its tag).
fn mac_input(header: &[u8], nonce: &[u8; NONCE_LEN], ciphertext: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(header.len() + NONCE_LEN + ciphertext.len());
    input.extend_from_slice(header);
    input.extend_from_slice(nonce);
    input.extend_from_slice(ciphertext);
    input
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?))
        .collect()
}

/// Seals `json` (the body's JSON text) under `nonce`.
fn seal_json(
    kind: Kind,
    device_id: Uuid,
    json: &[u8],
    key: &BundleKey,
    nonce: [u8; NONCE_LEN],
) -> Result<Vec<u8>, SealError> {
    if json.len() > MAX_BODY_BYTES {
        return Err(SealError::TooLarge(json.len()));
    }
    let mut data =
        zstd::bulk::compress(json, LEVEL).map_err(|e| SealError::Encode(e.to_string()))?;
    let header = header(kind, device_id);
    key.cipher()
        .ok_or_else(|| SealError::Encode("the encryption key".to_owned()))?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&header),
            &mut data,
        )
        .map_err(|_| SealError::Encode("encryption".to_owned()))?;
    let mac = hmac::sign(&key.mac(), &mac_input(&header, &nonce, &data));
    let envelope = serde_json::to_vec(&Envelope {
        format: FORMAT.to_owned(),
        version: VERSION,
        kind,
        device_id,
        nonce: to_hex(&nonce),
        body: to_hex(&data),
        mac: to_hex(mac.as_ref()),
    })
    .map_err(|e| SealError::Encode(e.to_string()))?;
    zstd::bulk::compress(&envelope, LEVEL).map_err(|e| SealError::Encode(e.to_string()))
}

fn seal<T: Serialize>(
    kind: Kind,
    device_id: Uuid,
    body: &T,
    key: &BundleKey,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, SealError> {
    let json = serde_json::to_vec(body).map_err(|e| SealError::Encode(e.to_string()))?;
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce).map_err(|_| SealError::Random)?;
    seal_json(kind, device_id, &json, key, nonce)
}

/// Encrypts and signs a bundle with its device's key, under a fresh nonce from `rng`.
pub fn encode_bundle(
    bundle: &Bundle,
    key: &BundleKey,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, SealError> {
    seal(Kind::Bundle, bundle.device_id, bundle, key, rng)
}

/// Encrypts and signs a reply with its device's key, under a fresh nonce from `rng`.
pub fn encode_reply(
    reply: &Reply,
    key: &BundleKey,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, SealError> {
    seal(Kind::Reply, reply.device_id, reply, key, rng)
}

/// A file read but not yet verified: enough to find the key.
pub struct Sealed {
    envelope: Envelope,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed")
            .field("kind", &self.envelope.kind)
            .field("device_id", &self.envelope.device_id)
            .finish_non_exhaustive()
    }
}

/// Reads the envelope of a file (bounded; never panics). Nothing in it is
/// trusted until [`Sealed::open_bundle`] or [`Sealed::open_reply`] checked
/// the MAC and decrypted the body.
pub fn read(bytes: &[u8]) -> Result<Sealed, BundleError> {
    let json = codec::inflate(bytes).map_err(|e| BundleError::Garbled(e.to_string()))?;
    // The format and version first, so a newer file says so rather than "garbled".
    #[derive(Deserialize)]
    struct Header {
        format: String,
        version: u32,
    }
    let header: Header =
        serde_json::from_slice(&json).map_err(|e| BundleError::Garbled(e.to_string()))?;
    if header.format != FORMAT {
        return Err(BundleError::Garbled(format!(
            "format '{}'",
            header.format.chars().take(40).collect::<String>()
        )));
    }
    if header.version != VERSION {
        return Err(BundleError::Version {
            found: header.version,
        });
    }
    let envelope: Envelope =
        serde_json::from_slice(&json).map_err(|e| BundleError::Garbled(e.to_string()))?;
    Ok(Sealed { envelope })
}

impl Sealed {
    /// Bundle or reply (not yet verified).
    #[must_use]
    pub fn kind(&self) -> Kind {
        self.envelope.kind
    }

    /// The device it names (not yet verified): whose key to check it with.
    #[must_use]
    pub fn device_id(&self) -> Uuid {
        self.envelope.device_id
    }

    fn open<T: DeserializeOwned>(
        self,
        expected: Kind,
        key: &BundleKey,
        device_of: impl Fn(&T) -> Uuid,
    ) -> Result<T, BundleError> {
        let e = self.envelope;
        if e.kind != expected {
            return Err(BundleError::WrongKind {
                expected,
                found: e.kind,
            });
        }
        let nonce: [u8; NONCE_LEN] = from_hex(&e.nonce)
            .and_then(|n| n.try_into().ok())
            .ok_or(BundleError::Tampered)?;
        let mac = from_hex(&e.mac).ok_or(BundleError::Tampered)?;
        let mut data = from_hex(&e.body)
            .filter(|d| d.len() >= TAG_LEN)
            .ok_or(BundleError::Tampered)?;
        let header = header(e.kind, e.device_id);
        // Encrypt-then-MAC: nothing is decrypted before the MAC matched.
        hmac::verify(&key.mac(), &mac_input(&header, &nonce, &data), &mac)
            .map_err(|_| BundleError::Tampered)?;
        let plain = key
            .cipher()
            .ok_or(BundleError::Tampered)?
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&header),
                &mut data,
            )
            .map_err(|_| BundleError::Tampered)?;
        let json = codec::inflate(plain).map_err(|err| BundleError::Garbled(err.to_string()))?;
        let body: T =
            serde_json::from_slice(&json).map_err(|err| BundleError::Garbled(err.to_string()))?;
        if device_of(&body) != e.device_id {
            return Err(BundleError::Garbled(
                "the body names another device".to_owned(),
            ));
        }
        Ok(body)
    }

    /// Checks the MAC with `key`, decrypts and reads the bundle.
    pub fn open_bundle(self, key: &BundleKey) -> Result<Bundle, BundleError> {
        let bundle: Bundle = self.open(Kind::Bundle, key, |b: &Bundle| b.device_id)?;
        if bundle.batches.iter().any(|b| b.len() > MAX_PUSH_BATCH) {
            return Err(BundleError::Garbled(format!(
                "a batch of more than {MAX_PUSH_BATCH} changes"
            )));
        }
        if bundle.export_number == 0 || i64::try_from(bundle.export_number).is_err() {
            return Err(BundleError::Garbled(format!(
                "export number {}",
                bundle.export_number
            )));
        }
        Ok(bundle)
    }

    /// Checks the MAC with `key`, decrypts and reads the reply.
    pub fn open_reply(self, key: &BundleKey) -> Result<Reply, BundleError> {
        self.open(Kind::Reply, key, |r: &Reply| r.device_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ChangeKind, Entity, Outcome, RecordState};
    use proptest::prelude::*;
    use ring::rand::SystemRandom;
    use salal_core::hlc::Stamp;

    fn change(n: u128) -> Change {
        let mut fields = crate::wire::Fields::new();
        fields.insert("first_name".into(), "Anabel \"Anita\" \\ Quiñónez".into());
        Change {
            op_id: Uuid::from_u128(n),
            entity: Entity::Patient,
            id: Uuid::from_u128(1000 + n),
            hlc: Stamp {
                wall_ms: 1_700_000_000_000,
                counter: 0,
                replica: 1,
            },
            kind: ChangeKind::Create,
            fields,
        }
    }

    fn bundle() -> Bundle {
        Bundle {
            device_id: Uuid::from_u128(7),
            organization_id: Uuid::from_u128(8),
            export_number: 3,
            bundle_id: Uuid::from_u128(0xb0),
            created_ms: 1_700_000_000_000,
            cursor: 42,
            refresh: vec![RecordRef {
                entity: Entity::Dose,
                id: Uuid::from_u128(9),
            }],
            batches: vec![vec![change(1), change(2)], vec![change(3)]],
        }
    }

    fn reply() -> Reply {
        Reply {
            device_id: Uuid::from_u128(7),
            export_number: 3,
            bundle_id: Uuid::from_u128(0xb0),
            results: vec![OpResult {
                op_id: Uuid::from_u128(1),
                outcome: Outcome::Applied { seq: 43 },
            }],
            after: 42,
            pages: vec![PullResponse {
                records: vec![RecordState {
                    entity: Entity::Patient,
                    id: Uuid::from_u128(1001),
                    seq: 43,
                    fields: change(1).fields,
                    hlc: change(1).hlc,
                    confirmed_at: "2024-01-01T00:00:00Z".to_owned(),
                }],
                cursor: 43,
                ..PullResponse::default()
            }],
            cursor: 43,
            more: false,
            server_time_ms: 1_700_000_001_000,
        }
    }

    fn key() -> BundleKey {
        BundleKey::from_secret("00112233445566778899aabbccddeeff")
    }

    fn sealed_bundle() -> Vec<u8> {
        encode_bundle(&bundle(), &key(), &SystemRandom::new()).unwrap()
    }

    #[test]
    fn bundles_and_replies_round_trip() {
        let b = bundle();
        let back = read(&sealed_bundle()).unwrap().open_bundle(&key()).unwrap();
        assert_eq!(back, b);
        assert_eq!(back.len(), 3);
        let r = reply();
        let sealed = read(&encode_reply(&r, &key(), &SystemRandom::new()).unwrap()).unwrap();
        assert_eq!(sealed.kind(), Kind::Reply);
        assert_eq!(sealed.device_id(), r.device_id);
        assert_eq!(sealed.open_reply(&key()).unwrap(), r);
    }

    #[test]
    fn the_content_is_not_readable_without_the_key() {
        let file = sealed_bundle();
        let inflated = codec::inflate(&file).unwrap();
        for bytes in [&file, &inflated] {
            for needle in ["Anabel", "Quiñónez", "first_name", "batches", "cursor"] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{needle} is readable"
                );
            }
        }
    }

    #[test]
    fn every_file_has_its_own_nonce() {
        let (a, b) = (sealed_bundle(), sealed_bundle());
        assert_ne!(envelope_of(&a)["nonce"], envelope_of(&b)["nonce"]);
        assert_ne!(envelope_of(&a)["body"], envelope_of(&b)["body"]);
        assert_eq!(
            read(&a).unwrap().open_bundle(&key()).unwrap(),
            read(&b).unwrap().open_bundle(&key()).unwrap()
        );
        let ids = SystemRandom::new();
        let id = random_id(&ids).unwrap();
        assert_eq!(id.get_version(), Some(uuid::Version::Random));
        assert_ne!(id, random_id(&ids).unwrap());
    }

    #[test]
    fn the_keys_depend_on_the_secret_only_and_differ() {
        assert_eq!(
            BundleKey::from_secret("a").as_bytes(),
            BundleKey::from_secret("a").as_bytes()
        );
        assert_ne!(
            BundleKey::from_secret("a").as_bytes(),
            BundleKey::from_secret("b").as_bytes()
        );
        let k = key();
        assert_eq!(
            BundleKey::from_bytes(k.as_bytes()).unwrap().as_bytes(),
            k.as_bytes()
        );
        assert!(BundleKey::from_bytes(&[0; 31]).is_none());
        // The subkeys are RFC 5869 HKDF-Expand of the root, and all three differ.
        for label in [MAC_LABEL, ENCRYPTION_LABEL] {
            let mut expected = [0u8; 32];
            ring::hkdf::Prk::new_less_safe(ring::hkdf::HKDF_SHA256, k.as_bytes())
                .expand(&[label], ring::hkdf::HKDF_SHA256)
                .unwrap()
                .fill(&mut expected)
                .unwrap();
            assert_eq!(expand(k.as_bytes(), label), expected);
            assert_ne!(&expected, k.as_bytes());
        }
        assert_ne!(
            expand(k.as_bytes(), MAC_LABEL),
            expand(k.as_bytes(), ENCRYPTION_LABEL)
        );
    }

    #[test]
    fn another_key_or_another_kind_is_refused() {
        let file = sealed_bundle();
        let other = BundleKey::from_secret("ffeeddccbbaa99887766554433221100");
        assert_eq!(
            read(&file).unwrap().open_bundle(&other),
            Err(BundleError::Tampered)
        );
        assert!(matches!(
            read(&file).unwrap().open_reply(&key()),
            Err(BundleError::WrongKind {
                expected: Kind::Reply,
                found: Kind::Bundle
            })
        ));
    }

    fn envelope_of(file: &[u8]) -> serde_json::Value {
        serde_json::from_slice(&codec::inflate(file).unwrap()).unwrap()
    }

    #[test]
    fn any_changed_field_is_tampering() {
        let envelope = envelope_of(&sealed_bundle());
        let flip_first = |text: &str| {
            let mut chars: Vec<char> = text.chars().collect();
            chars[0] = if chars[0] == '0' { '1' } else { '0' };
            chars.into_iter().collect::<String>()
        };
        let mut cases = Vec::new();
        for field in ["body", "nonce", "mac"] {
            let mut changed = envelope.clone();
            changed[field] = flip_first(envelope[field].as_str().unwrap()).into();
            cases.push(changed);
        }
        let mut changed = envelope.clone();
        changed["device_id"] = Uuid::from_u128(99).to_string().into();
        cases.push(changed);
        let mut changed = envelope.clone();
        changed["kind"] = "reply".into();
        cases.push(changed);
        let mut changed = envelope.clone();
        changed["mac"] = "not hex".into();
        cases.push(changed);
        let mut changed = envelope.clone();
        changed["body"] = "00".into();
        cases.push(changed);
        for (i, changed) in cases.iter().enumerate() {
            let sealed = read(&codec::encode(changed)).unwrap();
            let opened = if sealed.kind() == Kind::Reply {
                sealed.open_reply(&key()).map(|_| ())
            } else {
                sealed.open_bundle(&key()).map(|_| ())
            };
            assert_eq!(opened, Err(BundleError::Tampered), "case {i}");
        }
    }

    #[test]
    fn the_gcm_tag_binds_the_header_too() {
        // A MAC recomputed (as only a key holder could) over another header:
        // the tag, which covers the header it was sealed with, still refuses.
        let mut envelope = envelope_of(&sealed_bundle());
        let other = Uuid::from_u128(99);
        envelope["device_id"] = other.to_string().into();
        let nonce: [u8; NONCE_LEN] = from_hex(envelope["nonce"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let body = from_hex(envelope["body"].as_str().unwrap()).unwrap();
        let mac = hmac::sign(
            &key().mac(),
            &mac_input(&header(Kind::Bundle, other), &nonce, &body),
        );
        envelope["mac"] = to_hex(mac.as_ref()).into();
        assert_eq!(
            read(&codec::encode(&envelope)).unwrap().open_bundle(&key()),
            Err(BundleError::Tampered)
        );
    }

    #[test]
    fn another_version_or_format_says_so() {
        let mut envelope = envelope_of(&sealed_bundle());
        envelope["version"] = 1.into();
        assert_eq!(
            read(&codec::encode(&envelope)).unwrap_err(),
            BundleError::Version { found: 1 }
        );
        envelope["format"] = "something-else".into();
        assert!(matches!(
            read(&codec::encode(&envelope)),
            Err(BundleError::Garbled(_))
        ));
        assert!(matches!(
            read(&codec::encode(&reply().pages)),
            Err(BundleError::Garbled(_))
        ));
    }

    #[test]
    fn a_bad_export_number_or_a_huge_body_is_refused() {
        for n in [0, u64::MAX] {
            let b = Bundle {
                export_number: n,
                ..bundle()
            };
            let file = encode_bundle(&b, &key(), &SystemRandom::new()).unwrap();
            assert!(matches!(
                read(&file).unwrap().open_bundle(&key()),
                Err(BundleError::Garbled(_))
            ));
        }
        let huge = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            seal_json(
                Kind::Bundle,
                Uuid::from_u128(7),
                &huge,
                &key(),
                [0; NONCE_LEN]
            ),
            Err(SealError::TooLarge(MAX_BODY_BYTES + 1))
        );
    }

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(from_hex(&to_hex(&bytes)).unwrap(), bytes);
        assert_eq!(from_hex(&to_hex(&bytes).to_uppercase()).unwrap(), bytes);
        for bad in ["0", "0g", "é0", " 00"] {
            assert_eq!(from_hex(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_bytes_are_an_error_not_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
            if let Ok(sealed) = read(&bytes) {
                let _ = sealed.open_bundle(&key());
            }
            if let Ok(sealed) = read(&bytes) {
                let _ = sealed.open_reply(&key());
            }
        }

        #[test]
        fn any_compressed_bytes_are_an_error_not_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let file = zstd::bulk::compress(&bytes, 3).unwrap();
            prop_assert!(read(&file).is_err());
        }

        #[test]
        fn any_sealed_body_is_an_error_not_a_panic(body in ".{0,200}", kind in prop_oneof![Just(Kind::Bundle), Just(Kind::Reply)]) {
            // Correctly sealed, so only the body's parsing stands in the way.
            let file = seal_json(kind, Uuid::from_u128(7), body.as_bytes(), &key(), [7; NONCE_LEN]).unwrap();
            let _ = read(&file).unwrap().open_bundle(&key());
            let _ = read(&file).unwrap().open_reply(&key());
        }

        #[test]
        fn a_flipped_byte_is_refused_or_changes_nothing(at in any::<prop::sample::Index>(), bit in 0u8..8) {
            // Flipped in the compressed file: refused, or (a bit the
            // decoder ignores) the very same bundle.
            let mut file = sealed_bundle();
            let i = at.index(file.len());
            file[i] ^= 1 << bit;
            let opened = read(&file).and_then(|s| s.open_bundle(&key()));
            prop_assert!(opened.as_ref().map_or(true, |b| *b == bundle()), "{opened:?}");
            // Flipped in the JSON inside: the same (an uppercase hex digit
            // or id reads the same) or refused.
            let mut json = codec::inflate(&sealed_bundle()).unwrap();
            let i = at.index(json.len());
            json[i] ^= 1 << bit;
            let opened = zstd::bulk::compress(&json, 3)
                .map_err(|e| BundleError::Garbled(e.to_string()))
                .and_then(|file| read(&file))
                .and_then(|s| s.open_bundle(&key()));
            prop_assert!(opened.as_ref().map_or(true, |b| *b == bundle()), "{opened:?}");
        }

        #[test]
        fn a_cut_file_is_refused(cut in 0usize..4096) {
            let file = sealed_bundle();
            let cut = cut.min(file.len().saturating_sub(1));
            prop_assert!(read(&file[..cut]).and_then(|s| s.open_bundle(&key())).is_err());
        }
    }
}
