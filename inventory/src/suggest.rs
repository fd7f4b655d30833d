//! Suggested order quantities: how many doses of a product and funding source
//! to ask for, from its stock on hand and either the clinic's minimum and
//! maximum stock levels or its recent use. The coordinator sees the
//! suggestion beside the quantity they type ([`crate::OrderLine::suggested`]);
//! it never replaces it.

use serde::{Deserialize, Serialize};

/// What is known about one product and funding source when an order is drafted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// 11-digit NDC, 5-4-2 with hyphens.
    pub ndc: String,
    /// The vaccine (CVX).
    pub cvx: String,
    /// Funding source (CDCPHINVS).
    pub funding: String,
    /// Doses on hand now (the ledger's balance; may be negative).
    pub on_hand: i64,
    /// Doses that left stock as administered in the last `days` days.
    pub used: i64,
    /// How many days `used` covers.
    pub days: u32,
    /// The minimum stock level, doses: order when on hand falls to it.
    pub min_doses: Option<i64>,
    /// The maximum stock level, doses: order up to it.
    pub max_doses: Option<i64>,
}

/// The suggested number of doses to order (never negative).
///
/// A negative on-hand balance (doses recorded as given before their receipt
/// was) counts as nothing on hand. Then:
///
/// - **With a maximum level**: when on hand is at or below the minimum level
///   (or below the maximum when no minimum is set), order up to the maximum,
///   `max - on_hand`; otherwise order nothing.
/// - **Without a maximum level**: order enough for `cover_days` at the recent
///   rate of use, `ceil(used / days × cover_days)`, raised to the minimum
///   level when one is set, less what is on hand. With no days of history
///   (`days == 0`) or no use, the rate is zero.
///
/// Quantities too large for an `i64` are capped at `i64::MAX`.
#[must_use]
pub fn suggest(usage: &Usage, cover_days: u32) -> i64 {
    let on_hand = i128::from(usage.on_hand.max(0));
    let wanted = match usage.max_doses {
        Some(max) => {
            let max = i128::from(max);
            let reorder = match usage.min_doses {
                Some(min) => on_hand <= i128::from(min),
                None => on_hand < max,
            };
            if reorder { max - on_hand } else { 0 }
        }
        None => {
            let used = i128::from(usage.used.max(0));
            let days = i128::from(usage.days);
            let cover = if days == 0 {
                0
            } else {
                // ceil(used × cover_days / days) in whole doses, without floating point.
                (used * i128::from(cover_days) + days - 1) / days
            };
            let target = cover.max(usage.min_doses.map_or(0, i128::from));
            target - on_hand
        }
    };
    i64::try_from(wanted.max(0)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usage(on_hand: i64, used: i64, days: u32, min: Option<i64>, max: Option<i64>) -> Usage {
        Usage {
            ndc: "49281-0425-50".to_owned(),
            cvx: "20".to_owned(),
            funding: "VXC51".to_owned(),
            on_hand,
            used,
            days,
            min_doses: min,
            max_doses: max,
        }
    }

    #[test]
    fn min_and_max_levels_order_up_to_the_maximum() {
        // At or below the minimum: up to the maximum.
        assert_eq!(suggest(&usage(10, 999, 30, Some(10), Some(50)), 30), 40);
        assert_eq!(suggest(&usage(3, 0, 30, Some(10), Some(50)), 30), 47);
        // Above the minimum: nothing, whatever the use.
        assert_eq!(suggest(&usage(11, 999, 30, Some(10), Some(50)), 30), 0);
        // No minimum: any shortfall below the maximum.
        assert_eq!(suggest(&usage(49, 0, 30, None, Some(50)), 30), 1);
        assert_eq!(suggest(&usage(50, 0, 30, None, Some(50)), 30), 0);
        // A negative balance counts as none on hand.
        assert_eq!(suggest(&usage(-5, 0, 30, Some(10), Some(50)), 30), 50);
        // On hand above the maximum.
        assert_eq!(suggest(&usage(80, 0, 30, None, Some(50)), 30), 0);
    }

    #[test]
    fn without_levels_recent_use_is_covered() {
        // 45 doses in 30 days = 1.5 a day; 28 days need 42; 12 on hand → 30.
        assert_eq!(suggest(&usage(12, 45, 30, None, None), 28), 30);
        // 10 doses in 7 days, 30 days: ceil(42.86) = 43; none on hand.
        assert_eq!(suggest(&usage(0, 10, 7, None, None), 30), 43);
        assert_eq!(suggest(&usage(-8, 10, 7, None, None), 30), 43);
        // More on hand than needed.
        assert_eq!(suggest(&usage(100, 10, 7, None, None), 30), 0);
        // No history, no use.
        assert_eq!(suggest(&usage(0, 10, 0, None, None), 30), 0);
        assert_eq!(suggest(&usage(0, 0, 30, None, None), 30), 0);
        assert_eq!(suggest(&usage(0, -3, 30, None, None), 30), 0);
        // A minimum alone raises the target: 1 dose in 30 days covers 1, min 20.
        assert_eq!(suggest(&usage(5, 1, 30, Some(20), None), 30), 15);
    }

    #[test]
    fn extremes_do_not_overflow() {
        assert_eq!(
            suggest(&usage(0, i64::MAX, 1, None, None), u32::MAX),
            i64::MAX
        );
        assert_eq!(suggest(&usage(i64::MAX, 0, 1, None, Some(i64::MIN)), 30), 0);
        assert_eq!(
            suggest(&usage(i64::MIN, 0, 1, None, Some(i64::MAX)), 30),
            i64::MAX
        );
    }

    fn levels() -> impl Strategy<Value = (Option<i64>, Option<i64>)> {
        (
            proptest::option::of(-10i64..500),
            proptest::option::of(-10i64..1000),
        )
    }

    proptest! {
        #[test]
        fn never_negative_and_monotone_in_on_hand(
            a in -1_000i64..2_000,
            b in -1_000i64..2_000,
            used in -50i64..5_000,
            days in 0u32..400,
            cover in 0u32..400,
            (min, max) in levels(),
        ) {
            let (low, high) = (a.min(b), a.max(b));
            let at_low = suggest(&usage(low, used, days, min, max), cover);
            let at_high = suggest(&usage(high, used, days, min, max), cover);
            prop_assert!(at_low >= 0 && at_high >= 0);
            prop_assert!(at_low >= at_high, "{low} → {at_low}, {high} → {at_high}");
        }

        #[test]
        fn never_negative_for_any_input(
            on_hand in any::<i64>(),
            used in any::<i64>(),
            days in any::<u32>(),
            cover in any::<u32>(),
            min in proptest::option::of(any::<i64>()),
            max in proptest::option::of(any::<i64>()),
        ) {
            prop_assert!(suggest(&usage(on_hand, used, days, min, max), cover) >= 0);
        }
    }
}
