//! The inventory's rows: storage units, the append-only stock ledger with its
//! running balances, orders, stock levels, data-logger readings, and the
//! per-dose facts the doses-administered report counts.
//!
//! Writes follow [`Writer`]'s rule (row + outbox change + audit, one stamp).
//! A stock transaction is inserted once under the id chosen where it was
//! recorded; the same id again changes nothing (so a retried save or a pulled
//! echo never counts twice), and every insert adds its quantity to
//! `stock_balances` in the same transaction.

use crate::compact::uuid_from;
use crate::replica::Applied;
use crate::write::now_ms;
use crate::{Saved, Store, StoreError, Writer};
use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{Connection, OptionalExtension, params};
use salal_core::event::{Event, EventKind};
use salal_core::hlc::Stamp;
use salal_inventory::{LotKey, Order, OrderState, StockTxn, TxnKind};
use salal_sync::inventory_fields::{
    self as inv, StorageUnit, order_fields, order_from_fields, stock_txn_fields,
    stock_txn_from_fields, storage_unit_fields, storage_unit_id,
};
use salal_sync::wire::{ChangeKind, Entity, Fields, RecordState};
use uuid::Uuid;

fn blob(id: Uuid) -> Vec<u8> {
    id.as_bytes().to_vec()
}

fn opt_blob(id: Option<Uuid>) -> Option<Vec<u8>> {
    id.map(blob)
}

fn opt_uuid(bytes: Option<Vec<u8>>) -> Result<Option<Uuid>, StoreError> {
    bytes.map(|b| uuid_from(&b)).transpose()
}

fn day(text: &str) -> Result<NaiveDate, StoreError> {
    crate::read::parse(text, "date")
}

/// One lot's stock in one storage unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockBalance {
    /// The lot's id.
    pub lot_id: Uuid,
    /// The lot.
    pub lot: LotKey,
    /// Its vaccine (CVX).
    pub cvx: String,
    /// Its manufacturer (MVX).
    pub mvx: String,
    /// The storage unit.
    pub unit: String,
    /// Doses on hand (may be negative: flagged, never clamped).
    pub quantity: i64,
    /// Transactions that make it up.
    pub transactions: i64,
    /// The day of its first transaction.
    pub first_date: NaiveDate,
    /// The day of its latest physical count.
    pub last_count: Option<NaiveDate>,
}

/// Doses the doses-administered report counts, for one vaccine, VFC
/// eligibility and age at the dose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseCount {
    /// The vaccine.
    pub cvx: String,
    /// VFC eligibility (HL7 0064).
    pub vfc: String,
    /// Age in whole months at the dose (none: birth date unknown).
    pub months: Option<u32>,
    /// How many.
    pub doses: u64,
}

/// Min/max levels of a product and funding source: (ndc, funding, min, max).
pub type StockLevel = (String, String, Option<i64>, Option<i64>);

/// An order as stored, with when the registry confirmed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    /// The order.
    pub order: Order,
    /// When the registry confirmed this state (ms), if it has.
    pub confirmed_ms: Option<i64>,
}

const TXN_COLUMNS: &str =
    "t.id, l.ndc, l.lot_number, l.expires, l.funding, l.cvx, l.mvx, t.unit, t.kind,
    t.quantity, t.date, t.reason, t.expected, t.counted, t.event_id, t.order_id, t.pair_id,
    t.counterparty, t.note, t.recorded_by";

/// A lot's key from columns 1 to 4 (NDC, lot number, expiry, funding): both
/// the ledger's and the balances' queries select them there.
fn lot_from_row(r: &rusqlite::Row<'_>) -> Result<LotKey, StoreError> {
    Ok(LotKey {
        ndc: r.get(1)?,
        lot: r.get(2)?,
        expires: day(&r.get::<_, String>(3)?)?,
        funding: r.get(4)?,
    })
}

fn txn_from_row(r: &rusqlite::Row<'_>) -> Result<StockTxn, StoreError> {
    let kind: String = r.get(8)?;
    Ok(StockTxn {
        id: uuid_from(&r.get::<_, Vec<u8>>(0)?)?,
        lot: lot_from_row(r)?,
        cvx: r.get(5)?,
        mvx: r.get(6)?,
        unit: r.get(7)?,
        kind: TxnKind::from_code(&kind)
            .ok_or_else(|| StoreError::Decode(format!("bad stock kind: {kind}")))?,
        quantity: r.get(9)?,
        date: day(&r.get::<_, String>(10)?)?,
        reason: r.get(11)?,
        expected: r.get(12)?,
        counted: r.get(13)?,
        event_id: opt_uuid(r.get(14)?)?,
        order_id: opt_uuid(r.get(15)?)?,
        pair_id: opt_uuid(r.get(16)?)?,
        counterparty: r.get(17)?,
        note: r.get(18)?,
        recorded_by: r.get(19)?,
    })
}

fn stored_txn(conn: &Connection, id: Uuid) -> Result<Option<StockTxn>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {TXN_COLUMNS} FROM stock_txns t JOIN stock_lots l ON l.id = t.lot_id WHERE t.id = ?1"
    ))?;
    let mut rows = stmt.query([blob(id)])?;
    rows.next()?.map(txn_from_row).transpose()
}

fn stored_order(conn: &Connection, id: Uuid) -> Result<Option<StoredOrder>, StoreError> {
    let row: Option<(String, Option<i64>)> = conn
        .query_row(
            "SELECT fields, confirmed_ms FROM orders WHERE id = ?1",
            [blob(id)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(fields, confirmed_ms)| {
        let f: Fields = serde_json::from_str(&fields)?;
        let order = order_from_fields(id, &f)
            .map_err(|e| StoreError::Decode(format!("order {id}: {e}")))?;
        Ok(StoredOrder {
            order,
            confirmed_ms,
        })
    })
    .transpose()
}

fn stored_unit(conn: &Connection, id: Uuid) -> Result<Option<StorageUnit>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT name, kind, active FROM storage_units WHERE id = ?1",
            [blob(id)],
            |r| {
                Ok(StorageUnit {
                    id,
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    active: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Whether an event counts in the doses-administered report.
fn counts_as_administered(event: &Event) -> bool {
    event.details.kind == EventKind::Administered && !event.entered_in_error
}

/// Age in whole months at `?date` of someone born on `?birth` (both ISO
/// dates as text), in SQL; NULL when the birth date is not a full date.
const AGE_MONTHS_SQL: &str = "CASE WHEN length(birth) = 10 AND length(day) = 10 THEN
      max(0, (CAST(substr(day, 1, 4) AS INTEGER) - CAST(substr(birth, 1, 4) AS INTEGER)) * 12
        + CAST(substr(day, 6, 2) AS INTEGER) - CAST(substr(birth, 6, 2) AS INTEGER)
        - (CAST(substr(day, 9, 2) AS INTEGER) < CAST(substr(birth, 9, 2) AS INTEGER)))
    END";

/// Keeps an event's report row in step with the event.
pub(crate) fn put_dose_fact(conn: &Connection, event: &Event) -> Result<(), StoreError> {
    let d = &event.details;
    let sql = format!(
        "INSERT INTO dose_facts (event_id, patient_id, date, cvx, vfc, funding, age_months, counted)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, (SELECT {} FROM (SELECT ?3 AS day, (SELECT birth_date FROM patients WHERE id = ?2) AS birth)), ?7
         ON CONFLICT (event_id) DO UPDATE SET patient_id = excluded.patient_id,
            date = excluded.date, cvx = excluded.cvx, vfc = excluded.vfc,
            funding = excluded.funding, age_months = excluded.age_months, counted = excluded.counted",
        AGE_MONTHS_SQL
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.execute(params![
        event.id.as_uuid().as_bytes().as_slice(),
        event.patient_id.to_string(),
        d.date.map(|x| x.to_string()).unwrap_or_default(),
        d.cvx,
        d.vfc_eligibility,
        d.funding_source,
        counts_as_administered(event)
    ])?;
    Ok(())
}

/// Recomputes the ages at the dose of a patient's report rows (after their
/// birth date was written).
pub(crate) fn refresh_dose_ages(conn: &Connection, patient_id: &str) -> Result<(), StoreError> {
    let sql = format!(
        "UPDATE dose_facts SET age_months = (SELECT {} FROM (SELECT dose_facts.date AS day,
            (SELECT birth_date FROM patients WHERE id = ?1) AS birth))
         WHERE patient_id = ?1",
        AGE_MONTHS_SQL
    );
    conn.prepare_cached(&sql)?.execute([patient_id])?;
    Ok(())
}

/// Fills `dose_facts` from the events stored before it existed (migration 8).
pub(crate) fn backfill_dose_facts(conn: &Connection) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM events",
        crate::compact::EVENT_COLUMNS
    ))?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        put_dose_fact(conn, &crate::compact::event_from_row(r)?)?;
        n += 1;
    }
    Ok(n)
}

impl Writer<'_> {
    /// Saves a storage unit (new, or a changed kind or active flag). Returns
    /// whether anything changed.
    pub fn save_storage_unit(&mut self, unit: &StorageUnit) -> Result<bool, StoreError> {
        let fields = storage_unit_fields(unit);
        let existing = stored_unit(&self.tx, unit.id)?;
        let (kind, patch) = match &existing {
            Some(old) => {
                let patch = salal_sync::fields::diff(&storage_unit_fields(old), &fields);
                if patch.is_empty() {
                    return Ok(false);
                }
                (ChangeKind::Update, patch)
            }
            None => (ChangeKind::Create, fields),
        };
        let stamp = self.stamp()?;
        self.write_unit_row(unit, stamp, None)?;
        self.record_change(
            Entity::StorageUnit,
            &unit.id.to_string(),
            kind,
            &patch,
            stamp,
            ("stock_unit", &unit.name),
        )?;
        Ok(true)
    }

    fn write_unit_row(
        &mut self,
        unit: &StorageUnit,
        stamp: Stamp,
        confirmed_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO storage_units (id, name, kind, active, hlc, confirmed_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                active = excluded.active, hlc = excluded.hlc,
                confirmed_ms = coalesce(excluded.confirmed_ms, storage_units.confirmed_ms)",
            params![
                blob(unit.id),
                unit.name,
                unit.kind,
                unit.active,
                stamp.to_string(),
                confirmed_ms
            ],
        )?;
        Ok(())
    }

    /// Records a stock transaction under its id: the same id with the same
    /// content changes nothing; with other content it is an [`StoreError::IdConflict`].
    pub fn insert_stock_txn(&mut self, txn: &StockTxn) -> Result<Saved, StoreError> {
        let fields = stock_txn_fields(txn);
        if let Some(existing) = stored_txn(&self.tx, txn.id)? {
            return if salal_sync::fields::diff(&stock_txn_fields(&existing), &fields).is_empty() {
                Ok(Saved::Unchanged)
            } else {
                Err(StoreError::IdConflict("stock transaction"))
            };
        }
        let stamp = self.stamp()?;
        self.insert_txn_row(txn, stamp, None)?;
        let detail = format!("{} {}", txn.kind.code(), txn.quantity);
        self.record_change(
            Entity::StockTxn,
            &txn.id.to_string(),
            ChangeKind::Create,
            &fields,
            stamp,
            ("stock", &detail),
        )?;
        Ok(Saved::Created)
    }

    fn insert_txn_row(
        &mut self,
        txn: &StockTxn,
        stamp: Stamp,
        confirmed_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        let lot_id = txn.lot.id();
        {
            let mut stmt = self.tx.prepare_cached(
                "INSERT INTO stock_lots (id, ndc, lot_number, expires, funding, cvx, mvx)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
            )?;
            stmt.execute(params![
                blob(lot_id),
                txn.lot.ndc,
                txn.lot.lot,
                txn.lot.expires.to_string(),
                txn.lot.funding,
                txn.cvx,
                txn.mvx
            ])?;
        }
        let date = txn.date.to_string();
        {
            let mut stmt = self.tx.prepare_cached(
                "INSERT INTO stock_txns (id, lot_id, unit, kind, quantity, date, reason, expected,
                    counted, event_id, order_id, pair_id, counterparty, note, recorded_by, hlc,
                    confirmed_ms, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            )?;
            stmt.execute(params![
                blob(txn.id),
                blob(lot_id),
                txn.unit,
                txn.kind.code(),
                txn.quantity,
                date,
                txn.reason,
                txn.expected,
                txn.counted,
                opt_blob(txn.event_id),
                opt_blob(txn.order_id),
                opt_blob(txn.pair_id),
                txn.counterparty,
                txn.note,
                txn.recorded_by,
                stamp.to_string(),
                confirmed_ms,
                self.now.timestamp_millis()
            ])?;
        }
        let counted = (txn.kind == TxnKind::Adjustment).then(|| date.clone());
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO stock_balances (lot_id, unit, quantity, transactions, first_date, last_count)
             VALUES (?1, ?2, ?3, 1, ?4, ?5)
             ON CONFLICT (lot_id, unit) DO UPDATE SET
                quantity = stock_balances.quantity + excluded.quantity,
                transactions = stock_balances.transactions + 1,
                first_date = min(stock_balances.first_date, excluded.first_date),
                last_count = CASE
                    WHEN excluded.last_count IS NULL THEN stock_balances.last_count
                    WHEN stock_balances.last_count IS NULL THEN excluded.last_count
                    ELSE max(stock_balances.last_count, excluded.last_count) END",
        )?;
        stmt.execute(params![blob(lot_id), txn.unit, txn.quantity, date, counted])?;
        Ok(())
    }

    /// Saves a new order under its id (same content again: no change).
    pub fn insert_order(&mut self, order: &Order) -> Result<Saved, StoreError> {
        let fields = order_fields(order);
        if let Some(existing) = stored_order(&self.tx, order.id)? {
            return if salal_sync::fields::diff(&order_fields(&existing.order), &fields).is_empty() {
                Ok(Saved::Unchanged)
            } else {
                Err(StoreError::IdConflict("order"))
            };
        }
        let stamp = self.stamp()?;
        self.write_order_row(order, stamp, None)?;
        self.record_change(
            Entity::Order,
            &order.id.to_string(),
            ChangeKind::Create,
            &fields,
            stamp,
            ("order_create", ""),
        )?;
        Ok(Saved::Created)
    }

    /// Replaces an order with `order` (the caller checked the move); only the
    /// changed fields travel. Returns false if there is no such order.
    pub fn update_order(&mut self, order: &Order) -> Result<bool, StoreError> {
        let Some(existing) = stored_order(&self.tx, order.id)? else {
            return Ok(false);
        };
        let patch = salal_sync::fields::diff(&order_fields(&existing.order), &order_fields(order));
        if patch.is_empty() {
            return Ok(true);
        }
        let stamp = self.stamp()?;
        self.write_order_row(order, stamp, None)?;
        self.record_change(
            Entity::Order,
            &order.id.to_string(),
            ChangeKind::Update,
            &patch,
            stamp,
            ("order_update", order.state.code()),
        )?;
        Ok(true)
    }

    fn write_order_row(
        &mut self,
        order: &Order,
        stamp: Stamp,
        confirmed_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO orders (id, state, fields, created_on, hlc, confirmed_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, fields = excluded.fields,
                hlc = excluded.hlc, confirmed_ms = excluded.confirmed_ms",
            params![
                blob(order.id),
                order.state.code(),
                serde_json::to_string(&order_fields(order))?,
                order.created_on.to_string(),
                stamp.to_string(),
                confirmed_ms
            ],
        )?;
        Ok(())
    }

    /// Sets (or clears, with `None` for both) the min/max levels of a product
    /// and funding source. This computer's setting: audited, not synced.
    pub fn set_stock_level(
        &mut self,
        ndc: &str,
        funding: &str,
        min_doses: Option<i64>,
        max_doses: Option<i64>,
    ) -> Result<(), StoreError> {
        if min_doses.is_none() && max_doses.is_none() {
            self.tx.execute(
                "DELETE FROM stock_levels WHERE ndc = ?1 AND funding = ?2",
                params![ndc, funding],
            )?;
        } else {
            self.tx.execute(
                "INSERT INTO stock_levels (ndc, funding, min_doses, max_doses) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (ndc, funding) DO UPDATE SET min_doses = excluded.min_doses,
                    max_doses = excluded.max_doses",
                params![ndc, funding, min_doses, max_doses],
            )?;
        }
        let detail = format!("{ndc} {funding} {min_doses:?} {max_doses:?}");
        self.audit("stock_level", "stock_level", "", &detail)
    }

    /// Keeps a data logger's readings for a storage unit; readings already
    /// imported (same unit and time) are skipped. Returns how many are new.
    pub fn insert_temperature_readings(
        &mut self,
        unit: &str,
        readings: &[(NaiveDateTime, f64)],
    ) -> Result<u64, StoreError> {
        let mut added = 0u64;
        {
            let mut stmt = self.tx.prepare_cached(
                "INSERT INTO temperature_readings (unit, at, celsius) VALUES (?1, ?2, ?3)
                 ON CONFLICT (unit, at) DO NOTHING",
            )?;
            for (at, celsius) in readings {
                added += u64::try_from(stmt.execute(params![
                    unit,
                    at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    celsius
                ])?)
                .unwrap_or(0);
            }
        }
        self.audit(
            "temperature_import",
            "storage_unit",
            &storage_unit_id(unit).to_string(),
            &format!("{added} of {}", readings.len()),
        )?;
        Ok(added)
    }

    fn confirmed(record: &RecordState, now: chrono::DateTime<chrono::Utc>) -> i64 {
        let ms = chrono::DateTime::parse_from_rfc3339(&record.confirmed_at)
            .map_or(now_ms(now), |t| {
                u64::try_from(t.timestamp_millis()).unwrap_or(0)
            });
        i64::try_from(ms).unwrap_or(i64::MAX)
    }

    /// Applies the registry's state of an inventory record (no outbox change).
    pub(crate) fn apply_inventory(&mut self, record: &RecordState) -> Result<Applied, StoreError> {
        let confirmed = Self::confirmed(record, self.now);
        let bad = |e: salal_sync::fields::FieldError| {
            StoreError::Decode(format!(
                "registry sent a {} that cannot be read ({e})",
                record.entity.code()
            ))
        };
        match record.entity {
            Entity::StockTxn => {
                let txn = stock_txn_from_fields(record.id, &record.fields).map_err(bad)?;
                if stored_txn(&self.tx, txn.id)?.is_some() {
                    self.tx.execute(
                        "UPDATE stock_txns SET confirmed_ms = ?2 WHERE id = ?1",
                        params![blob(txn.id), confirmed],
                    )?;
                    return Ok(Applied::Unchanged);
                }
                self.insert_txn_row(&txn, record.hlc, Some(confirmed))?;
                Ok(Applied::Applied)
            }
            Entity::Order => {
                let order = order_from_fields(record.id, &record.fields).map_err(bad)?;
                let same = stored_order(&self.tx, order.id)?.is_some_and(|o| o.order == order);
                self.write_order_row(&order, record.hlc, Some(confirmed))?;
                Ok(if same {
                    Applied::Unchanged
                } else {
                    Applied::Applied
                })
            }
            Entity::StorageUnit => {
                let unit = inv::storage_unit_from_fields(record.id, &record.fields).map_err(bad)?;
                let same = stored_unit(&self.tx, unit.id)?.as_ref() == Some(&unit);
                self.write_unit_row(&unit, record.hlc, Some(confirmed))?;
                Ok(if same {
                    Applied::Unchanged
                } else {
                    Applied::Applied
                })
            }
            _ => Err(StoreError::Decode(format!(
                "{} is not an inventory record",
                record.entity.code()
            ))),
        }
    }
}

impl Store {
    /// Every storage unit, by name.
    pub fn storage_units(&self) -> Result<Vec<StorageUnit>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, kind, active FROM storage_units ORDER BY name COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, kind, active) = row?;
            out.push(StorageUnit {
                id: uuid_from(&id)?,
                name,
                kind,
                active,
            });
        }
        Ok(out)
    }

    /// A storage unit by name (case and spacing folded).
    pub fn storage_unit(&self, name: &str) -> Result<Option<StorageUnit>, StoreError> {
        stored_unit(&self.conn, storage_unit_id(name))
    }

    /// Every lot's balance in every storage unit (zero ones included), by
    /// NDC, expiry and lot number.
    pub fn stock_balances(&self) -> Result<Vec<StockBalance>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT b.lot_id, l.ndc, l.lot_number, l.expires, l.funding, l.cvx, l.mvx, b.unit,
                    b.quantity, b.transactions, b.first_date, b.last_count
             FROM stock_balances b JOIN stock_lots l ON l.id = b.lot_id
             ORDER BY l.ndc, l.expires, l.lot_number, l.funding, b.unit",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let last_count: Option<String> = r.get(11)?;
            out.push(StockBalance {
                lot_id: uuid_from(&r.get::<_, Vec<u8>>(0)?)?,
                lot: lot_from_row(r)?,
                cvx: r.get(5)?,
                mvx: r.get(6)?,
                unit: r.get(7)?,
                quantity: r.get(8)?,
                transactions: r.get(9)?,
                first_date: day(&r.get::<_, String>(10)?)?,
                last_count: last_count.as_deref().map(day).transpose()?,
            });
        }
        Ok(out)
    }

    /// The ledger's own sum per (lot, unit), for checking the balances.
    pub fn stock_sums(&self) -> Result<Vec<(Uuid, String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT lot_id, unit, sum(quantity) FROM stock_txns GROUP BY lot_id, unit ORDER BY lot_id, unit",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push((uuid_from(&r.get::<_, Vec<u8>>(0)?)?, r.get(1)?, r.get(2)?));
        }
        Ok(out)
    }

    /// One stock transaction.
    pub fn stock_txn(&self, id: Uuid) -> Result<Option<StockTxn>, StoreError> {
        stored_txn(&self.conn, id)
    }

    /// Transactions of the given kinds dated from `from` to `to` (inclusive), oldest first.
    pub fn stock_txns_between(
        &self,
        kinds: &[TxnKind],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StockTxn>, StoreError> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {TXN_COLUMNS} FROM stock_txns t JOIN stock_lots l ON l.id = t.lot_id
             WHERE t.kind = ?1 AND t.date >= ?2 AND t.date <= ?3"
        ))?;
        for kind in kinds {
            let mut rows = stmt.query(params![kind.code(), from.to_string(), to.to_string()])?;
            while let Some(r) = rows.next()? {
                out.push(txn_from_row(r)?);
            }
        }
        out.sort_by_key(|t| (t.date, t.id));
        Ok(out)
    }

    /// Transactions of one lot in one unit, oldest first.
    pub fn stock_txns_of_lot(&self, lot_id: Uuid, unit: &str) -> Result<Vec<StockTxn>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {TXN_COLUMNS} FROM stock_txns t JOIN stock_lots l ON l.id = t.lot_id
             WHERE t.lot_id = ?1 AND t.unit = ?2 ORDER BY t.date, t.id"
        ))?;
        let mut rows = stmt.query(params![blob(lot_id), unit])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(txn_from_row(r)?);
        }
        Ok(out)
    }

    /// The stock transaction that took an event's dose from stock, if any.
    pub fn stock_txn_of_event(&self, event_id: Uuid) -> Result<Option<StockTxn>, StoreError> {
        let id: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT id FROM stock_txns WHERE event_id = ?1",
                [blob(event_id)],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => stored_txn(&self.conn, uuid_from(&id)?),
            None => Ok(None),
        }
    }

    /// Doses that left stock as administered since `from`, per NDC and funding source.
    pub fn administered_since(
        &self,
        from: NaiveDate,
    ) -> Result<Vec<(String, String, String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.ndc, l.cvx, l.funding, -sum(t.quantity) FROM stock_txns t
             JOIN stock_lots l ON l.id = t.lot_id
             WHERE t.kind = 'administered' AND t.date >= ?1
             GROUP BY l.ndc, l.cvx, l.funding ORDER BY l.ndc, l.funding",
        )?;
        let rows = stmt.query_map([from.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Doses given from lots kept in `unit` on or after `from`: (event id, day).
    pub fn administered_from_unit(
        &self,
        unit: &str,
        from: NaiveDate,
    ) -> Result<Vec<(Uuid, NaiveDate)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT event_id, date FROM stock_txns
             WHERE kind = 'administered' AND unit = ?1 AND date >= ?2 AND event_id IS NOT NULL
             ORDER BY date",
        )?;
        let mut rows = stmt.query(params![unit, from.to_string()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push((
                uuid_from(&r.get::<_, Vec<u8>>(0)?)?,
                day(&r.get::<_, String>(1)?)?,
            ));
        }
        Ok(out)
    }

    /// Min/max levels: (ndc, funding, min, max).
    pub fn stock_levels(&self) -> Result<Vec<StockLevel>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ndc, funding, min_doses, max_doses FROM stock_levels ORDER BY ndc, funding",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every order, newest first.
    pub fn orders(&self) -> Result<Vec<StoredOrder>, StoreError> {
        let ids: Vec<Vec<u8>> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id FROM orders ORDER BY created_on DESC, id DESC")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(o) = stored_order(&self.conn, uuid_from(&id)?)? {
                out.push(o);
            }
        }
        Ok(out)
    }

    /// One order.
    pub fn order(&self, id: Uuid) -> Result<Option<StoredOrder>, StoreError> {
        stored_order(&self.conn, id)
    }

    /// Whether any order is still open in a state.
    pub fn orders_in(&self, state: OrderState) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM orders WHERE state = ?1",
            [state.code()],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// A unit's readings from `from` to `to` (inclusive), oldest first.
    pub fn temperature_readings(
        &self,
        unit: &str,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<(NaiveDateTime, f64)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at, celsius FROM temperature_readings WHERE unit = ?1 AND at >= ?2 AND at <= ?3 ORDER BY at",
        )?;
        let fmt = "%Y-%m-%dT%H:%M:%S";
        let mut rows = stmt.query(params![
            unit,
            from.format(fmt).to_string(),
            to.format(fmt).to_string()
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let at: String = r.get(0)?;
            let at = NaiveDateTime::parse_from_str(&at, fmt)
                .map_err(|_| StoreError::Decode(format!("bad reading time: {at}")))?;
            out.push((at, r.get(1)?));
        }
        Ok(out)
    }

    /// The administered doses given from `from` to `to` (inclusive) that the
    /// report counts (not entered in error), counted per vaccine, VFC
    /// eligibility and the patient's age in whole months at the dose (none
    /// when the birth date is unknown). Counted in SQL, so a five-year report
    /// never builds a row per dose.
    pub fn dose_fact_counts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DoseCount>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT cvx, vfc, age_months, count(*) FROM dose_facts
             WHERE counted = 1 AND date >= ?1 AND date <= ?2
             GROUP BY cvx, vfc, age_months",
        )?;
        let rows = stmt.query_map(params![from.to_string(), to.to_string()], |r| {
            Ok(DoseCount {
                cvx: r.get(0)?,
                vfc: r.get(1)?,
                months: r
                    .get::<_, Option<i64>>(2)?
                    .map(|m| u32::try_from(m.max(0)).unwrap_or(0)),
                doses: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the registry confirmed an inventory record (ms), if it has.
    pub(crate) fn inventory_confirmed(
        &self,
        entity: Entity,
        id: Uuid,
    ) -> Result<Option<i64>, StoreError> {
        let table = match entity {
            Entity::StockTxn => "stock_txns",
            Entity::Order => "orders",
            Entity::StorageUnit => "storage_units",
            _ => return Ok(None),
        };
        Ok(self
            .conn
            .query_row(
                &format!("SELECT confirmed_ms FROM {table} WHERE id = ?1"),
                [blob(id)],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten())
    }
}
