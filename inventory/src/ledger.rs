//! The stock ledger: append-only transactions, each moving a signed number of
//! doses of one lot in one storage unit. On-hand is the sum ([`balances`]), so
//! transactions commute: two devices that each record administrations from the
//! same lot offline agree once they hold the same set of transactions, in any
//! order. A count never overwrites: it records what the counting device
//! expected and what was counted, and adjusts by the difference, so doses
//! given elsewhere during the count stay counted.

use crate::error::InventoryError;
use crate::tables::{ReasonUse, Tables};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The namespace of lot ids (UUIDv5 of the lot's key), so every device names
/// the same lot with the same id.
pub const LOT_NAMESPACE: Uuid = Uuid::from_u128(0x5a1a_1075_0000_4000_8000_0000_0000_0001);

/// The kind of a stock transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnKind {
    /// Doses received (a shipment, with or without an order).
    Receipt,
    /// One dose given to a patient (linked to the dose record).
    Administered,
    /// Opened or broken vaccine that cannot be used (reported).
    Wasted,
    /// Expired vaccine (returned).
    Expired,
    /// Spoiled vaccine: temperature, power, equipment (returned).
    Spoiled,
    /// Viable vaccine sent back to the distributor.
    Returned,
    /// Doses sent to another storage unit or facility.
    TransferOut,
    /// Doses arrived from another storage unit or facility.
    TransferIn,
    /// Doses lent to another funding source (the other half is a `borrow_in`).
    BorrowOut,
    /// Doses taken from another funding source.
    BorrowIn,
    /// A physical count's difference (counted − expected).
    Adjustment,
}

/// Every kind, in the order reports list them.
pub const KINDS: [TxnKind; 11] = [
    TxnKind::Receipt,
    TxnKind::Administered,
    TxnKind::Wasted,
    TxnKind::Expired,
    TxnKind::Spoiled,
    TxnKind::Returned,
    TxnKind::TransferOut,
    TxnKind::TransferIn,
    TxnKind::BorrowOut,
    TxnKind::BorrowIn,
    TxnKind::Adjustment,
];

impl TxnKind {
    /// The stable text form (stored, and on the wire).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            TxnKind::Receipt => "receipt",
            TxnKind::Administered => "administered",
            TxnKind::Wasted => "wasted",
            TxnKind::Expired => "expired",
            TxnKind::Spoiled => "spoiled",
            TxnKind::Returned => "returned",
            TxnKind::TransferOut => "transfer_out",
            TxnKind::TransferIn => "transfer_in",
            TxnKind::BorrowOut => "borrow_out",
            TxnKind::BorrowIn => "borrow_in",
            TxnKind::Adjustment => "adjustment",
        }
    }

    /// From the text form.
    #[must_use]
    pub fn from_code(code: &str) -> Option<TxnKind> {
        KINDS.into_iter().find(|k| k.code() == code)
    }

    /// +1 for kinds that add doses, −1 for kinds that remove them, 0 for a
    /// count (either way).
    #[must_use]
    pub fn sign(self) -> i64 {
        match self {
            TxnKind::Receipt | TxnKind::TransferIn | TxnKind::BorrowIn => 1,
            TxnKind::Adjustment => 0,
            _ => -1,
        }
    }

    /// Whether it is non-viable vaccine (wasted, expired, spoiled).
    #[must_use]
    pub fn is_non_viable(self) -> bool {
        matches!(self, TxnKind::Wasted | TxnKind::Expired | TxnKind::Spoiled)
    }
}

/// A lot as the ledger keys it: the same vaccine, lot number and expiry bought
/// with different funds are different lots (funds are never mixed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LotKey {
    /// 11-digit NDC, 5-4-2 with hyphens.
    pub ndc: String,
    /// Lot number (trimmed, upper case).
    pub lot: String,
    /// Expiry date.
    pub expires: NaiveDate,
    /// Funding source (CDCPHINVS code, upper case).
    pub funding: String,
}

impl LotKey {
    /// A key with its lot number and funding source normalized.
    #[must_use]
    pub fn new(ndc: &str, lot: &str, expires: NaiveDate, funding: &str) -> LotKey {
        LotKey {
            ndc: ndc.trim().to_owned(),
            lot: lot.trim().to_uppercase(),
            expires,
            funding: funding.trim().to_ascii_uppercase(),
        }
    }

    /// The lot's id, the same on every device.
    #[must_use]
    pub fn id(&self) -> Uuid {
        lot_id(self)
    }

    /// The same vaccine and lot under another funding source.
    #[must_use]
    pub fn with_funding(&self, funding: &str) -> LotKey {
        LotKey::new(&self.ndc, &self.lot, self.expires, funding)
    }
}

/// The id of a lot: UUIDv5 of `NDC|LOT|EXPIRES|FUNDING`.
#[must_use]
pub fn lot_id(key: &LotKey) -> Uuid {
    Uuid::new_v5(
        &LOT_NAMESPACE,
        format!("{}|{}|{}|{}", key.ndc, key.lot, key.expires, key.funding).as_bytes(),
    )
}

/// One stock transaction. Never edited: a mistake is corrected by another
/// transaction (a count adjustment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockTxn {
    /// Chosen where it is recorded (a UUIDv7, or derived from what it belongs
    /// to: the dose record, the count), so a retry records it once.
    pub id: Uuid,
    /// The lot.
    pub lot: LotKey,
    /// The vaccine (CVX) of the lot's NDC.
    pub cvx: String,
    /// The manufacturer (MVX).
    pub mvx: String,
    /// The storage unit's name.
    pub unit: String,
    /// What happened.
    pub kind: TxnKind,
    /// Signed change in doses.
    pub quantity: i64,
    /// When it happened.
    pub date: NaiveDate,
    /// Reason code (`assets/inventory/reasons.csv`), where the kind needs one.
    pub reason: String,
    /// For a count: the on-hand the counting device saw.
    pub expected: Option<i64>,
    /// For a count: what was counted.
    pub counted: Option<i64>,
    /// For an administration: the dose record.
    pub event_id: Option<Uuid>,
    /// For a receipt against an order: the order.
    pub order_id: Option<Uuid>,
    /// For a transfer or a loan: the other half.
    pub pair_id: Option<Uuid>,
    /// For a transfer: the other storage unit or facility; for a loan: the other funding source.
    pub counterparty: String,
    /// Free text.
    pub note: String,
    /// Who recorded it.
    pub recorded_by: String,
}

/// The largest quantity one transaction may move.
pub const MAX_QUANTITY: i64 = 1_000_000;

impl StockTxn {
    /// Checks the transaction against the ledger's rules and the tables.
    ///
    /// # Errors
    /// The first rule it breaks.
    pub fn validate(&self, tables: &Tables) -> Result<(), InventoryError> {
        check_lot(&self.lot.lot)?;
        if tables.funding_program(&self.lot.funding).is_none() {
            return Err(InventoryError::UnknownFunding {
                code: self.lot.funding.clone(),
            });
        }
        check_unit(&self.unit)?;
        let kind = self.kind.code();
        if self.quantity.abs() > MAX_QUANTITY {
            return Err(InventoryError::BadQuantity {
                quantity: self.quantity,
            });
        }
        match self.kind {
            TxnKind::Adjustment => {
                let (Some(expected), Some(counted)) = (self.expected, self.counted) else {
                    return Err(InventoryError::CountMismatch {
                        counted: self.counted.unwrap_or(0),
                        expected: self.expected.unwrap_or(0),
                        quantity: self.quantity,
                    });
                };
                if counted < 0 {
                    return Err(InventoryError::NegativeCount { counted });
                }
                if counted - expected != self.quantity {
                    return Err(InventoryError::CountMismatch {
                        counted,
                        expected,
                        quantity: self.quantity,
                    });
                }
                if self.quantity != 0 {
                    self.check_reason(tables, ReasonUse::Adjustment)?;
                }
            }
            _ => {
                if self.quantity == 0 || self.quantity.signum() != self.kind.sign() {
                    return Err(InventoryError::WrongSign {
                        kind,
                        quantity: self.quantity,
                    });
                }
                if self.kind.is_non_viable() {
                    let reason = self.check_reason(tables, ReasonUse::Waste)?;
                    if reason.kind != kind {
                        return Err(InventoryError::UnknownReason {
                            code: self.reason.clone(),
                            kind,
                        });
                    }
                }
                if matches!(self.kind, TxnKind::BorrowOut | TxnKind::BorrowIn) {
                    self.check_reason(tables, ReasonUse::Borrow)?;
                }
            }
        }
        Ok(())
    }

    fn check_reason<'t>(
        &self,
        tables: &'t Tables,
        use_: ReasonUse,
    ) -> Result<&'t crate::tables::Reason, InventoryError> {
        let kind = self.kind.code();
        if self.reason.trim().is_empty() {
            return Err(InventoryError::ReasonRequired { kind });
        }
        tables
            .reason(&self.reason, use_)
            .ok_or_else(|| InventoryError::UnknownReason {
                code: self.reason.clone(),
                kind,
            })
    }

    /// For non-viable vaccine: the day by which it must be returned or reported.
    #[must_use]
    pub fn report_by(&self, tables: &Tables) -> Option<NaiveDate> {
        if !self.kind.is_non_viable() {
            return None;
        }
        let days = tables
            .reason(&self.reason, ReasonUse::Waste)?
            .deadline_days?;
        self.date
            .checked_add_days(chrono::Days::new(u64::try_from(days).ok()?))
    }
}

/// Checks a lot number: 1 to 20 printable characters.
///
/// # Errors
/// [`InventoryError::BadLot`].
pub fn check_lot(lot: &str) -> Result<(), InventoryError> {
    let lot = lot.trim();
    if lot.is_empty() || lot.chars().count() > 20 || lot.chars().any(char::is_control) {
        return Err(InventoryError::BadLot {
            lot: lot.to_owned(),
        });
    }
    Ok(())
}

/// Checks a storage unit's name: 1 to 40 printable characters.
///
/// # Errors
/// [`InventoryError::BadUnitName`].
pub fn check_unit(name: &str) -> Result<(), InventoryError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
        return Err(InventoryError::BadUnitName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// A lot's stock in one storage unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balance {
    /// Doses on hand (negative when more left than arrived: flagged, never clamped).
    pub quantity: i64,
    /// How many transactions make it up.
    pub transactions: u64,
}

impl Balance {
    /// Whether more doses left than arrived (something was not recorded).
    #[must_use]
    pub fn is_negative(&self) -> bool {
        self.quantity < 0
    }
}

/// On-hand per (lot id, storage unit): the sum of the transactions' quantities.
/// Each transaction counts once, however often it appears (a retried push).
#[must_use]
pub fn balances<'a>(
    txns: impl IntoIterator<Item = &'a StockTxn>,
) -> BTreeMap<(Uuid, String), Balance> {
    let mut seen = std::collections::HashSet::new();
    let mut out: BTreeMap<(Uuid, String), Balance> = BTreeMap::new();
    for txn in txns {
        if !seen.insert(txn.id) {
            continue;
        }
        let entry = out.entry((txn.lot.id(), txn.unit.clone())).or_default();
        entry.quantity += txn.quantity;
        entry.transactions += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn txn(kind: TxnKind, quantity: i64) -> StockTxn {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        StockTxn {
            id: Uuid::from_u128(u128::from(n)),
            lot: LotKey::new("49281-0425-50", " ut8021aa ", day(2027, 12, 31), "vxc51"),
            cvx: "20".into(),
            mvx: "PMC".into(),
            unit: "Refrigerator".into(),
            kind,
            quantity,
            date: day(2026, 11, 2),
            reason: String::new(),
            expected: None,
            counted: None,
            event_id: None,
            order_id: None,
            pair_id: None,
            counterparty: String::new(),
            note: String::new(),
            recorded_by: "ana".into(),
        }
    }

    #[test]
    fn lot_ids_are_the_same_for_the_same_lot_and_differ_by_funding() {
        let a = LotKey::new("49281-0425-50", "ut8021aa", day(2027, 12, 31), "VXC51");
        let b = LotKey::new("49281-0425-50", " UT8021AA", day(2027, 12, 31), "vxc51");
        assert_eq!(a.id(), b.id());
        assert_ne!(a.id(), a.with_funding("PHC70").id());
        assert_eq!(a.lot, "UT8021AA");
    }

    #[test]
    fn kinds_round_trip_and_signs_are_checked() {
        for kind in KINDS {
            assert_eq!(TxnKind::from_code(kind.code()), Some(kind));
        }
        let t = Tables::embedded();
        assert!(txn(TxnKind::Receipt, 10).validate(t).is_ok());
        assert!(matches!(
            txn(TxnKind::Receipt, -10).validate(t),
            Err(InventoryError::WrongSign { .. })
        ));
        assert!(txn(TxnKind::Administered, -1).validate(t).is_ok());
        assert!(txn(TxnKind::Administered, 1).validate(t).is_err());
        assert!(txn(TxnKind::TransferOut, 0).validate(t).is_err());
    }

    #[test]
    fn counts_adjust_by_counted_minus_expected_with_a_reason() {
        let t = Tables::embedded();
        let mut count = txn(TxnKind::Adjustment, -2);
        count.expected = Some(10);
        count.counted = Some(8);
        assert_eq!(
            count.validate(t),
            Err(InventoryError::ReasonRequired { kind: "adjustment" })
        );
        count.reason = "lost".into();
        assert!(count.validate(t).is_ok());
        count.quantity = -3;
        assert!(matches!(
            count.validate(t),
            Err(InventoryError::CountMismatch { .. })
        ));
        let mut same = txn(TxnKind::Adjustment, 0);
        same.expected = Some(5);
        same.counted = Some(5);
        assert!(same.validate(t).is_ok(), "a matching count needs no reason");
        let mut below = txn(TxnKind::Adjustment, -6);
        below.expected = Some(5);
        below.counted = Some(-1);
        below.reason = "lost".into();
        assert_eq!(
            below.validate(t),
            Err(InventoryError::NegativeCount { counted: -1 })
        );
    }

    #[test]
    fn waste_needs_a_reason_of_its_own_kind_and_has_a_deadline() {
        let t = Tables::embedded();
        let mut w = txn(TxnKind::Expired, -3);
        assert!(w.validate(t).is_err());
        w.reason = "wasted_drawn".into();
        assert!(matches!(
            w.validate(t),
            Err(InventoryError::UnknownReason { .. })
        ));
        w.reason = "expired".into();
        assert!(w.validate(t).is_ok());
        assert_eq!(w.report_by(t), Some(day(2026, 12, 2)));
        w.reason = "count_error".into();
        assert!(
            w.validate(t).is_err(),
            "an adjustment reason is not a waste reason"
        );
    }

    #[test]
    fn unknown_funding_and_bad_lots_are_refused() {
        let t = Tables::embedded();
        let mut r = txn(TxnKind::Receipt, 5);
        r.lot.funding = "XYZ".into();
        assert!(matches!(
            r.validate(t),
            Err(InventoryError::UnknownFunding { .. })
        ));
        let mut r = txn(TxnKind::Receipt, 5);
        r.lot.lot = String::new();
        assert!(matches!(r.validate(t), Err(InventoryError::BadLot { .. })));
    }

    #[test]
    fn balances_sum_each_transaction_once_and_keep_negatives() {
        let receipt = txn(TxnKind::Receipt, 2);
        let given: Vec<StockTxn> = (0..3).map(|_| txn(TxnKind::Administered, -1)).collect();
        let mut all = vec![receipt.clone(), receipt.clone()];
        all.extend(given.iter().cloned());
        let b = balances(&all);
        let only = b.values().next().unwrap();
        assert_eq!(only.quantity, -1);
        assert!(only.is_negative());
        assert_eq!(only.transactions, 4);
    }
}
