//! Verifiable summaries: what a printed certificate says, as a compact text
//! signed with the issuing clinic's Ed25519 key (via `ring`), small enough for
//! a QR code that any standard reader scans.
//!
//! The text is `SALAL1|<key id>|<issued>|<clinic>|<name>|<birth>|<status>|<doses>|<signature>`:
//! - key id: the first 8 bytes of SHA-256 of the public key, hex;
//! - issued: `YYYYMMDDHHMM` UTC; birth: `YYYYMMDD`;
//! - status: one letter ([`Status::code`]);
//! - doses: `CVX:YYYYMMDD` joined by `,`;
//! - signature: Ed25519 over every byte before the last `|`, base64url without padding.
//!
//! Text fields escape `%` and `|` as `%25` and `%7C`, so the split is exact. Verifying
//! needs the issuer's public key ([`KeyRing`]): the clinic's own, or one published
//! through the registry.

mod keys;
mod summary;

pub use keys::{KeyError, KeyRing, PublicKey, SigningKey, key_id};
pub use summary::{Dose, ParseError, Status, Summary, VerifyError, sign, verify};
