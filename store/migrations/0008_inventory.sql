-- Vaccine inventory. The ledger (stock_txns) is append-only and syncs like
-- any record; stock_balances is its running sum per lot and storage unit,
-- kept in the same transaction as every insert, so on-hand is a read of a
-- few hundred rows however long the history. Lots are named by a UUIDv5 of
-- (NDC, lot, expiry, funding), the same on every device.
CREATE TABLE storage_units (
    id           BLOB PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    hlc          TEXT NOT NULL,
    confirmed_ms INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE stock_lots (
    id         BLOB PRIMARY KEY,
    ndc        TEXT NOT NULL,
    lot_number TEXT NOT NULL,
    expires    TEXT NOT NULL,
    funding    TEXT NOT NULL,
    cvx        TEXT NOT NULL,
    mvx        TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX stock_lots_by_number ON stock_lots (lot_number);

CREATE TABLE stock_txns (
    id           BLOB PRIMARY KEY,
    lot_id       BLOB NOT NULL,
    unit         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    date         TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    expected     INTEGER,
    counted      INTEGER,
    event_id     BLOB,
    order_id     BLOB,
    pair_id      BLOB,
    counterparty TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT NOT NULL,
    hlc          TEXT NOT NULL,
    confirmed_ms INTEGER,
    created_ms   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX stock_txns_by_lot ON stock_txns (lot_id, unit, date);
CREATE INDEX stock_txns_by_kind ON stock_txns (kind, date);
CREATE INDEX stock_txns_by_event ON stock_txns (event_id) WHERE event_id IS NOT NULL;

CREATE TABLE stock_balances (
    lot_id       BLOB NOT NULL,
    unit         TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    transactions INTEGER NOT NULL,
    first_date   TEXT NOT NULL,
    last_count   TEXT,
    PRIMARY KEY (lot_id, unit)
) STRICT, WITHOUT ROWID;

-- Min/max stock levels per product and funding source (this computer's settings).
CREATE TABLE stock_levels (
    ndc       TEXT NOT NULL,
    funding   TEXT NOT NULL,
    min_doses INTEGER,
    max_doses INTEGER,
    PRIMARY KEY (ndc, funding)
) STRICT, WITHOUT ROWID;

CREATE TABLE orders (
    id           BLOB PRIMARY KEY,
    state        TEXT NOT NULL,
    fields       TEXT NOT NULL,
    created_on   TEXT NOT NULL,
    hlc          TEXT NOT NULL,
    confirmed_ms INTEGER
) STRICT, WITHOUT ROWID;

-- Data-logger readings, as imported on this computer (the logger's file is the record).
CREATE TABLE temperature_readings (
    unit    TEXT NOT NULL,
    at      TEXT NOT NULL,
    celsius REAL NOT NULL,
    PRIMARY KEY (unit, at)
) STRICT, WITHOUT ROWID;

-- What the doses-administered report counts, one row per immunization event,
-- kept with every write of an event (the event body itself is compressed)
-- and of its patient's birth date: the age at the dose in whole months.
-- The covering index makes a five-year report one index range scan.
CREATE TABLE dose_facts (
    event_id   BLOB PRIMARY KEY,
    patient_id TEXT NOT NULL,
    date       TEXT NOT NULL,
    cvx        TEXT NOT NULL,
    vfc        TEXT NOT NULL,
    funding    TEXT NOT NULL,
    age_months INTEGER,
    counted    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX dose_facts_report ON dose_facts (counted, date, cvx, vfc, age_months);
CREATE INDEX dose_facts_by_patient ON dose_facts (patient_id);
