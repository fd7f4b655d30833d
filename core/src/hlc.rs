//! Hybrid logical clock (HLC): every change carries a stamp of wall time,
//! counter and replica, so causality survives clinic PCs with wrong clocks.
//!
//! A [`Clock`] only moves forward: a local event takes `max(wall, last) `
//! (bumping the counter on ties); receiving a remote stamp merges it. A remote
//! stamp further ahead of our wall clock than the skew bound is refused with
//! [`ClockError::TooFarAhead`], so one bad clock cannot win every conflict.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One HLC stamp. Orders by wall time, then counter, then replica.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug)]
pub struct Stamp {
    /// Milliseconds since the Unix epoch (logical: never behind a stamp seen).
    pub wall_ms: u64,
    /// Tie-breaker for events in the same millisecond.
    pub counter: u32,
    /// The replica (device) that made the stamp.
    pub replica: u32,
}

impl fmt::Display for Stamp {
    /// A fixed-width text form that sorts like the stamp itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:015}-{:08}-{:08x}",
            self.wall_ms, self.counter, self.replica
        )
    }
}

/// Text that is not a stamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a clock stamp (expected WALLMS-COUNTER-REPLICA)")]
pub struct ParseStampError(pub String);

impl FromStr for Stamp {
    type Err = ParseStampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseStampError(s.to_owned());
        let mut parts = s.split('-');
        let wall_ms = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
        let counter = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
        let replica = parts
            .next()
            .and_then(|p| u32::from_str_radix(p, 16).ok())
            .ok_or_else(err)?;
        if parts.next().is_some() {
            return Err(err());
        }
        Ok(Self {
            wall_ms,
            counter,
            replica,
        })
    }
}

/// Why a stamp was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The remote stamp is further in the future than the skew bound allows.
    #[error("clock stamp is {ahead_ms} ms ahead of this clock (limit {max_skew_ms} ms)")]
    TooFarAhead {
        /// How far ahead it is.
        ahead_ms: u64,
        /// The bound.
        max_skew_ms: u64,
    },
    /// The counter cannot grow any more within one millisecond.
    #[error("clock counter overflow")]
    CounterOverflow,
}

/// The default skew bound: one day.
pub const DEFAULT_MAX_SKEW_MS: u64 = 24 * 60 * 60 * 1000;

/// A replica's hybrid logical clock.
#[derive(Debug, Clone)]
pub struct Clock {
    last: Stamp,
    max_skew_ms: u64,
}

impl Clock {
    /// A clock for `replica` that has seen `last` (persisted between runs).
    #[must_use]
    pub fn new(replica: u32, last: Option<Stamp>, max_skew_ms: u64) -> Self {
        let last = last.unwrap_or(Stamp {
            wall_ms: 0,
            counter: 0,
            replica,
        });
        Self {
            last: Stamp { replica, ..last },
            max_skew_ms,
        }
    }

    /// The last stamp issued or observed.
    #[must_use]
    pub fn last(&self) -> Stamp {
        self.last
    }

    /// A stamp for a local event at wall time `now_ms`.
    pub fn tick(&mut self, now_ms: u64) -> Result<Stamp, ClockError> {
        let next = if now_ms > self.last.wall_ms {
            Stamp {
                wall_ms: now_ms,
                counter: 0,
                replica: self.last.replica,
            }
        } else {
            let counter = self
                .last
                .counter
                .checked_add(1)
                .ok_or(ClockError::CounterOverflow)?;
            Stamp {
                counter,
                ..self.last
            }
        };
        self.last = next;
        Ok(next)
    }

    /// Merges a stamp received from another replica, refusing one too far ahead of `now_ms`.
    pub fn observe(&mut self, remote: Stamp, now_ms: u64) -> Result<Stamp, ClockError> {
        let ahead_ms = remote.wall_ms.saturating_sub(now_ms);
        if ahead_ms > self.max_skew_ms {
            return Err(ClockError::TooFarAhead {
                ahead_ms,
                max_skew_ms: self.max_skew_ms,
            });
        }
        let wall_ms = now_ms.max(self.last.wall_ms).max(remote.wall_ms);
        let counter = if wall_ms == self.last.wall_ms && wall_ms == remote.wall_ms {
            self.last.counter.max(remote.counter).checked_add(1)
        } else if wall_ms == self.last.wall_ms {
            self.last.counter.checked_add(1)
        } else if wall_ms == remote.wall_ms {
            remote.counter.checked_add(1)
        } else {
            Some(0)
        }
        .ok_or(ClockError::CounterOverflow)?;
        self.last = Stamp {
            wall_ms,
            counter,
            replica: self.last.replica,
        };
        Ok(self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stamp_text_round_trips_and_sorts() {
        let a = Stamp {
            wall_ms: 5,
            counter: 2,
            replica: 0xabc,
        };
        let b = Stamp {
            wall_ms: 5,
            counter: 10,
            replica: 1,
        };
        assert_eq!(a.to_string().parse::<Stamp>(), Ok(a));
        assert!(a < b && a.to_string() < b.to_string());
        assert!("12-x-1".parse::<Stamp>().is_err());
    }

    #[test]
    fn clock_going_backwards_still_moves_forward() {
        let mut clock = Clock::new(1, None, DEFAULT_MAX_SKEW_MS);
        let first = clock.tick(1_000).unwrap();
        let second = clock.tick(500).unwrap();
        assert!(second > first);
        assert_eq!(second.wall_ms, 1_000);
    }

    #[test]
    fn far_future_stamp_is_refused_and_changes_nothing() {
        let mut clock = Clock::new(1, None, 60_000);
        let before = clock.tick(1_000).unwrap();
        let remote = Stamp {
            wall_ms: 1_000 + 120_000,
            counter: 0,
            replica: 2,
        };
        assert!(matches!(
            clock.observe(remote, 1_000),
            Err(ClockError::TooFarAhead { .. })
        ));
        assert_eq!(clock.last(), before);
        let near = Stamp {
            wall_ms: 30_000,
            counter: 4,
            replica: 2,
        };
        let merged = clock.observe(near, 1_000).unwrap();
        assert!(merged > near);
    }

    proptest! {
        /// Every stamp a clock issues is greater than every stamp it issued or observed before.
        #[test]
        fn stamps_are_strictly_increasing(events in proptest::collection::vec((any::<bool>(), 0u64..10_000, 0u64..10_000, 0u32..5), 1..200)) {
            let mut clock = Clock::new(7, None, 20_000);
            let mut previous: Option<Stamp> = None;
            for (local, now, remote_wall, remote_counter) in events {
                let stamp = if local {
                    clock.tick(now).unwrap()
                } else {
                    let remote = Stamp { wall_ms: remote_wall, counter: remote_counter, replica: 3 };
                    let s = clock.observe(remote, now).unwrap();
                    prop_assert!(s > remote);
                    s
                };
                if let Some(p) = previous { prop_assert!(stamp > p); }
                previous = Some(stamp);
            }
        }
    }
}
