//! The monthly physical count. The VFC program reconciles stock before every
//! order: each lot holding stock is counted, and differences are adjusted
//! with a reason. A month is reconciled when every lot that holds stock in a
//! storage unit has been counted since the first of the month, except stock
//! that first arrived after the month's last count (it was not there to count).

use crate::error::InventoryError;
use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

/// What reconciliation needs to know of one lot in one storage unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotCountState {
    /// The lot.
    pub lot_id: Uuid,
    /// The storage unit.
    pub unit: String,
    /// Doses on hand now.
    pub on_hand: i64,
    /// The day of its latest count, if any.
    pub last_count: Option<NaiveDate>,
    /// The day of its first transaction.
    pub first_seen: NaiveDate,
}

/// The first day of `today`'s month.
#[must_use]
pub fn month_start(today: NaiveDate) -> NaiveDate {
    today.with_day(1).unwrap_or(today)
}

/// The lots that still need this month's count.
#[must_use]
pub fn uncounted(lots: &[LotCountState], today: NaiveDate) -> Vec<&LotCountState> {
    let start = month_start(today);
    let last_session = lots
        .iter()
        .filter_map(|l| l.last_count)
        .filter(|d| *d >= start)
        .max();
    lots.iter()
        .filter(|l| l.on_hand != 0)
        .filter(|l| l.last_count.is_none_or(|d| d < start))
        .filter(|l| last_session.is_none_or(|session| l.first_seen <= session))
        .collect()
}

/// Whether this month's count is done.
///
/// # Errors
/// [`InventoryError::NotReconciled`] with how many lots wait.
pub fn check_reconciled(lots: &[LotCountState], today: NaiveDate) -> Result<(), InventoryError> {
    let missing = uncounted(lots, today).len();
    if missing == 0 {
        Ok(())
    } else {
        Err(InventoryError::NotReconciled {
            missing,
            since: month_start(today),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn lot(
        n: u128,
        on_hand: i64,
        last_count: Option<NaiveDate>,
        first_seen: NaiveDate,
    ) -> LotCountState {
        LotCountState {
            lot_id: Uuid::from_u128(n),
            unit: "Refrigerator".into(),
            on_hand,
            last_count,
            first_seen,
        }
    }

    #[test]
    fn every_stocked_lot_needs_a_count_this_month() {
        let today = day(11, 20);
        let lots = [
            lot(1, 10, Some(day(10, 30)), day(9, 1)),
            lot(2, 0, None, day(9, 1)),
            lot(3, 5, Some(day(11, 3)), day(9, 1)),
        ];
        let missing = uncounted(&lots, today);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].lot_id, Uuid::from_u128(1));
        assert_eq!(
            check_reconciled(&lots, today),
            Err(InventoryError::NotReconciled {
                missing: 1,
                since: day(11, 1)
            })
        );
    }

    #[test]
    fn stock_that_arrived_after_the_count_does_not_reopen_it() {
        let today = day(11, 20);
        let lots = [
            lot(1, 10, Some(day(11, 5)), day(9, 1)),
            lot(2, 20, None, day(11, 9)),
        ];
        assert!(check_reconciled(&lots, today).is_ok());
        // With no count at all this month, everything stocked waits.
        let lots = [
            lot(1, 10, Some(day(10, 5)), day(9, 1)),
            lot(2, 20, None, day(11, 9)),
        ];
        assert_eq!(uncounted(&lots, today).len(), 2);
    }

    #[test]
    fn a_negative_balance_needs_counting_too() {
        let lots = [lot(1, -2, None, day(11, 1))];
        assert_eq!(uncounted(&lots, day(11, 2)).len(), 1);
    }
}
