//! Bodies on the wire: JSON compressed with zstd (`Content-Encoding: zstd`).
//!
//! Decoding is bounded: a body that inflates past [`MAX_DECODED_BYTES`], is
//! not zstd, or is not the expected JSON is a typed [`CodecError`], never a panic.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::Read;

/// The content type of every body.
pub const CONTENT_TYPE: &str = "application/json";
/// The content encoding of every body.
pub const CONTENT_ENCODING: &str = "zstd";
/// The most a body may inflate to.
pub const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;
const LEVEL: i32 = 3;

/// A body that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Not zstd, cut short, or too large once inflated.
    #[error("body is not valid zstd data or is too large: {0}")]
    Compression(String),
    /// Not the expected JSON.
    #[error("body is not the expected JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Serializes and compresses.
#[must_use]
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing our own wire types cannot fail (string keys, no maps with
    // non-string keys); compressing into memory cannot fail either.
    let json = serde_json::to_vec(value).unwrap_or_default();
    zstd::bulk::compress(&json, LEVEL).unwrap_or_default()
}

/// Inflates (bounded) without parsing.
pub fn inflate(body: &[u8]) -> Result<Vec<u8>, CodecError> {
    let decoder = zstd::stream::read::Decoder::new(body)
        .map_err(|e| CodecError::Compression(e.to_string()))?;
    let mut out = Vec::new();
    decoder
        .take(MAX_DECODED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| CodecError::Compression(e.to_string()))?;
    if out.len() as u64 > MAX_DECODED_BYTES {
        return Err(CodecError::Compression("body too large".to_owned()));
    }
    Ok(out)
}

/// Inflates and parses. `compressed` false reads plain JSON (a body sent
/// without `Content-Encoding`).
pub fn decode<T: DeserializeOwned>(body: &[u8], compressed: bool) -> Result<T, CodecError> {
    if compressed {
        Ok(serde_json::from_slice(&inflate(body)?)?)
    } else {
        Ok(serde_json::from_slice(body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::PushRequest;
    use proptest::prelude::*;

    #[test]
    fn round_trips() {
        let req = PushRequest::default();
        let back: PushRequest = decode(&encode(&req), true).unwrap();
        assert_eq!(back, req);
    }

    proptest! {
        #[test]
        fn any_bytes_are_an_error_not_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode::<PushRequest>(&bytes, true);
            let _ = decode::<PushRequest>(&bytes, false);
        }

        #[test]
        fn a_cut_body_is_an_error(cut in 0usize..40) {
            let body = encode(&PushRequest::default());
            let cut = cut.min(body.len().saturating_sub(1));
            prop_assert!(decode::<PushRequest>(&body[..cut], true).is_err());
        }
    }
}
