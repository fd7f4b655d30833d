//! Entity ids: UUIDv7 newtypes, so a lot id can never pass where a patient id
//! belongs, and offline devices never collide.
//!
//! A UUIDv7 starts with the creation time in milliseconds, so ids sort by
//! creation and index well. [`new_v7`] builds one from explicit parts (pure);
//! with the `rng` feature, `generate()` uses the wall clock and OS randomness.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Builds a UUIDv7 from a Unix time in milliseconds and 10 random bytes.
#[must_use]
pub fn new_v7(unix_ms: u64, random: [u8; 10]) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid()
}

/// A fresh UUIDv7 from the wall clock and the OS random source.
#[cfg(feature = "rng")]
#[must_use]
pub fn generate_v7() -> Uuid {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    new_v7(now_ms, rand::random())
}

/// The error for text that is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a valid {kind} id")]
pub struct ParseIdError {
    /// Which kind of id was expected.
    pub kind: &'static str,
    /// The text given.
    pub text: String,
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh id.
            #[cfg(feature = "rng")]
            #[must_use]
            pub fn generate() -> Self {
                Self(generate_v7())
            }
            /// The underlying UUID.
            #[must_use]
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| ParseIdError { kind: $kind, text: s.to_owned() })
            }
        }
    };
}

id_type!(
    /// A patient.
    PatientId,
    "patient"
);
id_type!(
    /// An immunization event (administered or historical dose, refusal, contraindication, immunity).
    EventId,
    "immunization event"
);
id_type!(
    /// A user account.
    UserId,
    "user"
);
id_type!(
    /// A provider organization (the clinic).
    OrganizationId,
    "organization"
);
id_type!(
    /// One change in the outbox: unique forever, which makes every push idempotent.
    OpId,
    "change"
);
id_type!(
    /// An enrolled device; its replica id appears in clock stamps.
    DeviceId,
    "device"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_ids_sort_by_time_and_round_trip() {
        let a = PatientId(new_v7(1_700_000_000_000, [9; 10]));
        let b = PatientId(new_v7(1_700_000_000_001, [0; 10]));
        assert!(a < b);
        assert_eq!(a.0.get_version_num(), 7);
        assert_eq!(a.to_string().parse::<PatientId>(), Ok(a));
        assert!("not-an-id".parse::<PatientId>().is_err());
    }
}
