//! The wire's field names (version 1) of the inventory's records, and their
//! conversion to and from `salal-inventory` values, written out by hand like
//! [`crate::fields`].
//!
//! Storage units: `name kind active`. Their id is derived from the name
//! ([`storage_unit_id`]), so two devices that name the same refrigerator
//! offline create the same record.
//!
//! Stock transactions: `ndc lot_number lot_expiration funding_source cvx mvx
//! unit kind quantity date reason expected counted event_id order_id pair_id
//! counterparty note recorded_by`. Created once, never updated.
//!
//! Orders: `state lines created_on submitted_on approved_on shipped_on
//! received_on cancelled_on note`; `lines` is a list of `{ndc, cvx, funding,
//! doses, suggested}`.

use crate::fields::FieldError;
use chrono::NaiveDate;
use salal_inventory::order::STATES;
use salal_inventory::{LotKey, Order, OrderLine, OrderState, StockTxn, TxnKind};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::wire::Fields;

/// The namespace of storage unit ids (UUIDv5 of the folded name).
pub const UNIT_NAMESPACE: Uuid = Uuid::from_u128(0x5a1a_0517_0000_4000_8000_0000_0000_0002);

/// Storage unit keys.
pub const STORAGE_UNIT_KEYS: &[&str] = &["name", "kind", "active"];

/// Stock transaction keys.
pub const STOCK_TXN_KEYS: &[&str] = &[
    "ndc",
    "lot_number",
    "lot_expiration",
    "funding_source",
    "cvx",
    "mvx",
    "unit",
    "kind",
    "quantity",
    "date",
    "reason",
    "expected",
    "counted",
    "event_id",
    "order_id",
    "pair_id",
    "counterparty",
    "note",
    "recorded_by",
];

/// Order keys.
pub const ORDER_KEYS: &[&str] = &[
    ORDER_STATE,
    ORDER_LINES,
    "created_on",
    "submitted_on",
    "approved_on",
    "shipped_on",
    "received_on",
    "cancelled_on",
    "note",
];

/// An order's state field (only moves forward).
pub const ORDER_STATE: &str = "state";
/// An order's lines (change only while it is a draft).
pub const ORDER_LINES: &str = "lines";

/// A storage unit's id: the same name (case and spacing folded) is the same unit everywhere.
#[must_use]
pub fn storage_unit_id(name: &str) -> Uuid {
    let folded: String = name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    Uuid::new_v5(&UNIT_NAMESPACE, folded.as_bytes())
}

/// A storage unit as it travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageUnit {
    /// Its id ([`storage_unit_id`] of the name).
    pub id: Uuid,
    /// Its name as typed.
    pub name: String,
    /// `refrigerator` or `freezer` (a kind of `assets/inventory/temperature.csv`).
    pub kind: String,
    /// Still in use.
    pub active: bool,
}

/// A storage unit's fields.
#[must_use]
pub fn storage_unit_fields(unit: &StorageUnit) -> Fields {
    let mut f = Map::new();
    f.insert("name".into(), Value::String(unit.name.clone()));
    f.insert("kind".into(), Value::String(unit.kind.clone()));
    f.insert("active".into(), Value::Bool(unit.active));
    f
}

fn text(f: &Fields, key: &str) -> Result<String, FieldError> {
    match f.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(FieldError(key.to_owned())),
    }
}

fn required(f: &Fields, key: &str) -> Result<String, FieldError> {
    let t = text(f, key)?;
    if t.trim().is_empty() {
        Err(FieldError(key.to_owned()))
    } else {
        Ok(t)
    }
}

fn date(f: &Fields, key: &str) -> Result<Option<NaiveDate>, FieldError> {
    let t = text(f, key)?;
    if t.is_empty() {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| FieldError(key.to_owned()))
}

fn int(f: &Fields, key: &str) -> Result<Option<i64>, FieldError> {
    match f.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| FieldError(key.to_owned())),
    }
}

fn id(f: &Fields, key: &str) -> Result<Option<Uuid>, FieldError> {
    let t = text(f, key)?;
    if t.is_empty() {
        return Ok(None);
    }
    Uuid::try_parse(&t)
        .map(Some)
        .map_err(|_| FieldError(key.to_owned()))
}

fn opt_id(id: Option<Uuid>) -> Value {
    id.map_or(Value::Null, |u| Value::String(u.to_string()))
}

fn opt_int(n: Option<i64>) -> Value {
    n.map_or(Value::Null, |n| json!(n))
}

/// A storage unit from its fields.
///
/// # Errors
/// The first field that is missing or has the wrong shape.
pub fn storage_unit_from_fields(id: Uuid, f: &Fields) -> Result<StorageUnit, FieldError> {
    Ok(StorageUnit {
        id,
        name: required(f, "name")?,
        kind: required(f, "kind")?,
        active: match f.get("active") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(FieldError("active".into())),
        },
    })
}

/// A stock transaction's fields (every key).
#[must_use]
pub fn stock_txn_fields(t: &StockTxn) -> Fields {
    let s = |v: &str| Value::String(v.to_owned());
    let mut f = Map::new();
    f.insert("ndc".into(), s(&t.lot.ndc));
    f.insert("lot_number".into(), s(&t.lot.lot));
    f.insert("lot_expiration".into(), s(&t.lot.expires.to_string()));
    f.insert("funding_source".into(), s(&t.lot.funding));
    f.insert("cvx".into(), s(&t.cvx));
    f.insert("mvx".into(), s(&t.mvx));
    f.insert("unit".into(), s(&t.unit));
    f.insert("kind".into(), s(t.kind.code()));
    f.insert("quantity".into(), json!(t.quantity));
    f.insert("date".into(), s(&t.date.to_string()));
    f.insert("reason".into(), s(&t.reason));
    f.insert("expected".into(), opt_int(t.expected));
    f.insert("counted".into(), opt_int(t.counted));
    f.insert("event_id".into(), opt_id(t.event_id));
    f.insert("order_id".into(), opt_id(t.order_id));
    f.insert("pair_id".into(), opt_id(t.pair_id));
    f.insert("counterparty".into(), s(&t.counterparty));
    f.insert("note".into(), s(&t.note));
    f.insert("recorded_by".into(), s(&t.recorded_by));
    f
}

/// A stock transaction from its fields.
///
/// # Errors
/// The first field that is missing or has the wrong shape.
pub fn stock_txn_from_fields(txn_id: Uuid, f: &Fields) -> Result<StockTxn, FieldError> {
    let kind =
        TxnKind::from_code(&required(f, "kind")?).ok_or_else(|| FieldError("kind".into()))?;
    let expires = date(f, "lot_expiration")?.ok_or_else(|| FieldError("lot_expiration".into()))?;
    Ok(StockTxn {
        id: txn_id,
        lot: LotKey::new(
            &required(f, "ndc")?,
            &required(f, "lot_number")?,
            expires,
            &required(f, "funding_source")?,
        ),
        cvx: text(f, "cvx")?,
        mvx: text(f, "mvx")?,
        unit: required(f, "unit")?,
        kind,
        quantity: int(f, "quantity")?.ok_or_else(|| FieldError("quantity".into()))?,
        date: date(f, "date")?.ok_or_else(|| FieldError("date".into()))?,
        reason: text(f, "reason")?,
        expected: int(f, "expected")?,
        counted: int(f, "counted")?,
        event_id: id(f, "event_id")?,
        order_id: id(f, "order_id")?,
        pair_id: id(f, "pair_id")?,
        counterparty: text(f, "counterparty")?,
        note: text(f, "note")?,
        recorded_by: text(f, "recorded_by")?,
    })
}

fn state_date_key(state: OrderState) -> Option<&'static str> {
    match state {
        OrderState::Draft => None,
        OrderState::Submitted => Some("submitted_on"),
        OrderState::Approved => Some("approved_on"),
        OrderState::Shipped => Some("shipped_on"),
        OrderState::Received => Some("received_on"),
        OrderState::Cancelled => Some("cancelled_on"),
    }
}

/// An order's lines as they travel.
#[must_use]
pub fn order_lines_value(lines: &[OrderLine]) -> Value {
    Value::Array(
        lines
            .iter()
            .map(|l| {
                json!({"ndc": l.ndc, "cvx": l.cvx, "funding": l.funding, "doses": l.doses,
                       "suggested": l.suggested})
            })
            .collect(),
    )
}

/// The date field a move to `state` sets, with its value.
#[must_use]
pub fn order_state_fields(state: OrderState, on: NaiveDate) -> Fields {
    let mut f = Map::new();
    f.insert(ORDER_STATE.into(), Value::String(state.code().to_owned()));
    if let Some(key) = state_date_key(state) {
        f.insert(key.into(), Value::String(on.to_string()));
    }
    f
}

/// An order's fields (every key).
#[must_use]
pub fn order_fields(o: &Order) -> Fields {
    let mut f = Map::new();
    f.insert(ORDER_STATE.into(), Value::String(o.state.code().to_owned()));
    f.insert(ORDER_LINES.into(), order_lines_value(&o.lines));
    f.insert("created_on".into(), Value::String(o.created_on.to_string()));
    for state in STATES {
        if let Some(key) = state_date_key(state) {
            let on = o.history.iter().find(|(s, _)| *s == state).map(|(_, d)| *d);
            f.insert(
                key.into(),
                on.map_or(Value::Null, |d| Value::String(d.to_string())),
            );
        }
    }
    f.insert("note".into(), Value::String(o.note.clone()));
    f
}

/// An order's lines from their wire form.
///
/// # Errors
/// `lines` when it is not a list of lines.
pub fn order_lines_from_value(value: Option<&Value>) -> Result<Vec<OrderLine>, FieldError> {
    let bad = || FieldError(ORDER_LINES.into());
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    if value.is_null() {
        return Ok(Vec::new());
    }
    let items = value.as_array().ok_or_else(bad)?;
    items
        .iter()
        .map(|item| {
            let obj = item.as_object().ok_or_else(bad)?;
            let t = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
            Ok(OrderLine {
                ndc: t("ndc").ok_or_else(bad)?,
                cvx: t("cvx").unwrap_or_default(),
                funding: t("funding").ok_or_else(bad)?,
                doses: obj.get("doses").and_then(Value::as_i64).ok_or_else(bad)?,
                suggested: obj.get("suggested").and_then(Value::as_i64),
            })
        })
        .collect()
}

/// An order from its fields.
///
/// # Errors
/// The first field that is missing or has the wrong shape.
pub fn order_from_fields(order_id: Uuid, f: &Fields) -> Result<Order, FieldError> {
    let state = OrderState::from_code(&required(f, ORDER_STATE)?)
        .ok_or_else(|| FieldError(ORDER_STATE.into()))?;
    let mut history = Vec::new();
    for s in STATES {
        if let Some(key) = state_date_key(s)
            && let Some(on) = date(f, key)?
        {
            history.push((s, on));
        }
    }
    history.sort_by_key(|(s, d)| (*d, *s));
    Ok(Order {
        id: order_id,
        state,
        lines: order_lines_from_value(f.get(ORDER_LINES))?,
        created_on: date(f, "created_on")?.ok_or_else(|| FieldError("created_on".into()))?,
        history,
        note: text(f, "note")?,
    })
}

/// Checks an inventory record's fields for a change of `kind`; returns the
/// first offending field.
pub(crate) fn check(
    entity: crate::wire::Entity,
    kind: crate::wire::ChangeKind,
    fields: &Fields,
) -> Result<(), String> {
    use crate::wire::{ChangeKind, Entity};
    let nil = Uuid::nil();
    match (entity, kind) {
        (Entity::StockTxn, ChangeKind::Create) => {
            let txn = stock_txn_from_fields(nil, fields).map_err(|e| e.0)?;
            txn.validate(salal_inventory::Tables::embedded())
                .map_err(|_| "quantity".to_owned())
        }
        (Entity::StockTxn, _) => Err("kind".to_owned()),
        (Entity::StorageUnit, ChangeKind::Create) => storage_unit_from_fields(nil, fields)
            .map(|_| ())
            .map_err(|e| e.0),
        (Entity::Order, ChangeKind::Create) => {
            order_from_fields(nil, fields).map(|_| ()).map_err(|e| e.0)
        }
        (Entity::StorageUnit | Entity::Order, ChangeKind::Update) => {
            if let Some(v) = fields.get(ORDER_STATE)
                && (entity == Entity::Order)
                && v.as_str().and_then(OrderState::from_code).is_none()
            {
                return Err(ORDER_STATE.to_owned());
            }
            if entity == Entity::Order {
                order_lines_from_value(fields.get(ORDER_LINES)).map_err(|e| e.0)?;
            }
            Ok(())
        }
        _ => Err("kind".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_stock_txn_round_trips_through_its_fields() {
        let t = StockTxn {
            id: Uuid::from_u128(1_000 + 7),
            lot: LotKey::new("49281-0425-50", "UT8021AA", day(2027, 12, 31), "VXC51"),
            cvx: "20".into(),
            mvx: "PMC".into(),
            unit: "Refrigerator".into(),
            kind: TxnKind::Adjustment,
            quantity: -2,
            date: day(2026, 11, 30),
            reason: "lost".into(),
            expected: Some(10),
            counted: Some(8),
            event_id: None,
            order_id: Some(Uuid::from_u128(2_000 + 7)),
            pair_id: None,
            counterparty: String::new(),
            note: "shelf 2".into(),
            recorded_by: "ana".into(),
        };
        let f = stock_txn_fields(&t);
        assert_eq!(stock_txn_from_fields(t.id, &f), Ok(t));
        assert_eq!(
            check(
                crate::wire::Entity::StockTxn,
                crate::wire::ChangeKind::Create,
                &f
            ),
            Ok(())
        );
        assert!(
            check(
                crate::wire::Entity::StockTxn,
                crate::wire::ChangeKind::Update,
                &f
            )
            .is_err()
        );
    }

    #[test]
    fn an_order_round_trips_with_its_history() {
        let o = Order {
            id: Uuid::from_u128(3_000 + 7),
            state: OrderState::Approved,
            lines: vec![OrderLine {
                ndc: "49281-0425-50".into(),
                cvx: "20".into(),
                funding: "VXC51".into(),
                doses: 30,
                suggested: Some(25),
            }],
            created_on: day(2026, 11, 1),
            history: vec![
                (OrderState::Submitted, day(2026, 11, 2)),
                (OrderState::Approved, day(2026, 11, 4)),
            ],
            note: String::new(),
        };
        assert_eq!(order_from_fields(o.id, &order_fields(&o)), Ok(o));
    }

    #[test]
    fn unit_ids_fold_case_and_spacing() {
        assert_eq!(
            storage_unit_id("Refrigerator  1"),
            storage_unit_id(" refrigerator 1 ")
        );
        assert_ne!(
            storage_unit_id("Refrigerator 1"),
            storage_unit_id("Refrigerator 2")
        );
    }

    #[test]
    fn the_registry_moves_orders_only_forward_and_never_updates_the_ledger() {
        use crate::merge::{Merged, apply};
        use crate::wire::{Change, ChangeKind, Entity, RejectCode};
        use salal_core::hlc::Stamp;
        let at = |ms: u64| Stamp {
            wall_ms: ms,
            counter: 0,
            replica: 1,
        };
        let change = |kind, fields: Fields, ms| Change {
            op_id: Uuid::from_u128(u128::from(ms)),
            entity: Entity::Order,
            id: Uuid::from_u128(42),
            hlc: at(ms),
            kind,
            fields,
        };
        let order = Order {
            id: Uuid::from_u128(42),
            state: OrderState::Draft,
            lines: vec![OrderLine {
                ndc: "49281-0425-50".into(),
                cvx: "140".into(),
                funding: "VXC51".into(),
                doses: 20,
                suggested: None,
            }],
            created_on: day(2026, 11, 1),
            history: Vec::new(),
            note: String::new(),
        };
        let now = 1_000_000;
        let Merged::Applied { doc, .. } = apply(
            None,
            &change(ChangeKind::Create, order_fields(&order), 10),
            now,
        ) else {
            panic!("create");
        };
        let approved = order_state_fields(OrderState::Approved, day(2026, 11, 3));
        let Merged::Applied { doc, .. } =
            apply(Some(&doc), &change(ChangeKind::Update, approved, 20), now)
        else {
            panic!("approve");
        };
        // A later stamp cannot move it back to submitted.
        let back = order_state_fields(OrderState::Submitted, day(2026, 11, 2));
        let Merged::Applied { doc, lost } =
            apply(Some(&doc), &change(ChangeKind::Update, back, 30), now)
        else {
            panic!("backward move is kept as lost, not applied");
        };
        assert_eq!(doc.fields[ORDER_STATE], Value::String("approved".into()));
        assert!(lost.iter().any(|l| l.field == ORDER_STATE));
        assert!(
            doc.fields["submitted_on"].is_null(),
            "the refused move's day goes with it"
        );
        assert!(lost.iter().any(|l| l.field == "submitted_on"));
        // An older stamp can still move it forward.
        let shipped = order_state_fields(OrderState::Shipped, day(2026, 11, 4));
        let Merged::Applied { doc, .. } =
            apply(Some(&doc), &change(ChangeKind::Update, shipped, 15), now)
        else {
            panic!("ship");
        };
        assert_eq!(
            order_from_fields(Uuid::from_u128(42), &doc.fields)
                .unwrap()
                .state,
            OrderState::Shipped
        );
        // Lines change only while it is a draft.
        let mut lines = Map::new();
        lines.insert(ORDER_LINES.into(), order_lines_value(&order.lines));
        assert!(matches!(
            apply(Some(&doc), &change(ChangeKind::Update, lines, 40), now),
            Merged::Rejected {
                code: RejectCode::Invalid,
                ..
            }
        ));
        // A stock transaction is never updated.
        let mut t = Change {
            entity: Entity::StockTxn,
            ..change(ChangeKind::Update, Map::new(), 50)
        };
        t.fields.insert("quantity".into(), json!(3));
        assert!(matches!(
            apply(Some(&doc), &t, now),
            Merged::Rejected {
                code: RejectCode::Invalid,
                ..
            }
        ));
    }
}
