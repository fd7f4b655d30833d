//! The stock ledger on two real replicas (SQLCipher files): whatever
//! transactions each records offline, in whatever order they reach the other
//! (with repeats, as a retried pull brings them), both end with the same
//! on-hand, equal to the ledger's own sum; a count adjusts by counted −
//! expected, so a dose given elsewhere during the count stays counted.

use chrono::{NaiveDate, Utc};
use proptest::prelude::*;
use salal_inventory::{LotKey, StockTxn, TxnKind};
use salal_store::{Actor, Store};
use salal_sync::inventory_fields::stock_txn_fields;
use salal_sync::wire::{Entity, RecordState};
use uuid::Uuid;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn lot(n: u8) -> LotKey {
    LotKey::new(
        "49281-0425-50",
        &format!("LOT{n}"),
        NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
        "VXC51",
    )
}

fn txn(id: u128, lot_n: u8, kind: TxnKind, quantity: i64) -> StockTxn {
    StockTxn {
        id: Uuid::from_u128(id),
        lot: lot(lot_n),
        cvx: "140".into(),
        mvx: "PMC".into(),
        unit: "Refrigerator".into(),
        kind,
        quantity,
        date: day(2),
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

fn record(t: &StockTxn) -> RecordState {
    RecordState {
        entity: Entity::StockTxn,
        id: t.id,
        seq: 1,
        fields: stock_txn_fields(t),
        hlc: salal_core::hlc::Stamp {
            wall_ms: 1,
            counter: 0,
            replica: 9,
        },
        confirmed_at: "2026-11-02T10:00:00.000Z".into(),
    }
}

struct Replica {
    _dir: tempfile::TempDir,
    store: Store,
    mine: Vec<StockTxn>,
}

impl Replica {
    fn new() -> Replica {
        let dir = tempfile::tempdir().unwrap();
        let (store, _, _) = Store::create(dir.path()).unwrap();
        Replica {
            _dir: dir,
            store,
            mine: Vec::new(),
        }
    }

    fn record(&mut self, t: StockTxn) {
        self.store
            .write(&Actor::setup(), Utc::now(), |w| w.insert_stock_txn(&t))
            .unwrap();
        self.mine.push(t);
    }

    fn pull(&mut self, from: &[StockTxn]) {
        self.store
            .write(&Actor::setup(), Utc::now(), |w| {
                for t in from {
                    w.apply_pulled(&record(t))?;
                }
                Ok::<_, salal_store::StoreError>(())
            })
            .unwrap();
    }

    fn on_hand(&self, lot_n: u8) -> i64 {
        let id = lot(lot_n).id();
        self.store
            .stock_balances()
            .unwrap()
            .iter()
            .filter(|b| b.lot_id == id)
            .map(|b| b.quantity)
            .sum()
    }

    fn balances_match_the_ledger(&self) {
        let sums = self.store.stock_sums().unwrap();
        let balances: Vec<(Uuid, String, i64)> = self
            .store
            .stock_balances()
            .unwrap()
            .into_iter()
            .map(|b| (b.lot_id, b.unit, b.quantity))
            .collect();
        let mut balances = balances;
        balances.sort();
        assert_eq!(balances, sums);
    }
}

#[test]
fn a_count_during_a_dose_elsewhere_keeps_the_dose_counted() {
    let (mut a, mut b) = (Replica::new(), Replica::new());
    a.record(txn(1, 1, TxnKind::Receipt, 10));
    b.pull(&a.mine.clone());
    // A counts 10 (it expects 10); meanwhile B gives a dose offline.
    let mut count = txn(2, 1, TxnKind::Adjustment, 0);
    count.expected = Some(10);
    count.counted = Some(10);
    a.record(count);
    b.record(txn(3, 1, TxnKind::Administered, -1));
    a.pull(&b.mine.clone());
    b.pull(&a.mine.clone());
    assert_eq!((a.on_hand(1), b.on_hand(1)), (9, 9));
    // A retried pull changes nothing.
    a.pull(&b.mine.clone());
    assert_eq!(a.on_hand(1), 9);
    a.balances_match_the_ledger();
    b.balances_match_the_ledger();
}

#[test]
fn saving_the_same_transaction_again_is_one_transaction_and_other_content_is_refused() {
    let mut a = Replica::new();
    let t = txn(7, 1, TxnKind::Receipt, 4);
    a.record(t.clone());
    a.record(t.clone());
    assert_eq!(a.on_hand(1), 4);
    let mut other = t;
    other.quantity = 5;
    let err = a
        .store
        .write(&Actor::setup(), Utc::now(), |w| w.insert_stock_txn(&other))
        .unwrap_err();
    assert!(
        matches!(err, salal_store::StoreError::IdConflict(_)),
        "{err}"
    );
    assert_eq!(a.on_hand(1), 4);
}

/// One step: which replica records what, or a pull of everything the other has.
#[derive(Debug, Clone)]
enum Step {
    Record {
        on_b: bool,
        lot: u8,
        kind: u8,
        quantity: i64,
    },
    Pull {
        into_b: bool,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (any::<bool>(), 0u8..3, 0u8..4, 1i64..20).prop_map(|(on_b, lot, kind, quantity)| Step::Record { on_b, lot, kind, quantity }),
        1 => any::<bool>().prop_map(|into_b| Step::Pull { into_b }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_interleaving_on_two_replicas_sums_the_same_after_sync(steps in proptest::collection::vec(step(), 1..30)) {
        let (mut a, mut b) = (Replica::new(), Replica::new());
        let mut next = 100u128;
        for s in steps {
            match s {
                Step::Record { on_b, lot: n, kind, quantity } => {
                    next += 1;
                    let who = if on_b { &mut b } else { &mut a };
                    let t = match kind {
                        0 => txn(next, n, TxnKind::Receipt, quantity),
                        1 => txn(next, n, TxnKind::Administered, -1),
                        2 => txn(next, n, TxnKind::Wasted, -quantity),
                        _ => {
                            // A count against what this replica sees now.
                            let expected = who.on_hand(n);
                            let mut c = txn(next, n, TxnKind::Adjustment, quantity - expected);
                            c.expected = Some(expected);
                            c.counted = Some(quantity);
                            c.reason = "count_error".into();
                            c
                        }
                    };
                    let t = if t.kind == TxnKind::Wasted { StockTxn { reason: "wasted_broken".into(), ..t } } else { t };
                    who.record(t);
                }
                Step::Pull { into_b } => {
                    if into_b {
                        let from = a.mine.clone();
                        b.pull(&from);
                    } else {
                        let from = b.mine.clone();
                        a.pull(&from);
                    }
                }
            }
        }
        let (from_a, from_b) = (a.mine.clone(), b.mine.clone());
        a.pull(&from_b);
        b.pull(&from_a);
        let all: Vec<StockTxn> = from_a.iter().chain(&from_b).cloned().collect();
        for n in 0..3 {
            let expected: i64 = all.iter().filter(|t| t.lot == lot(n)).map(|t| t.quantity).sum();
            prop_assert_eq!(a.on_hand(n), expected);
            prop_assert_eq!(b.on_hand(n), expected);
        }
        a.balances_match_the_ledger();
        b.balances_match_the_ledger();
    }
}
