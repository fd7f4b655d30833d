-- Immunization events, compact: ids as 16-byte UUIDs, one row keyed by id
-- (no separate rowid), details in `body` (store/src/compact.rs) instead of
-- JSON text plus copies of a few fields in their own columns. A replica with a
-- million doses stays near 300 bytes a dose. Rows from before keep their JSON
-- in `legacy_details` (NULL otherwise).
CREATE TABLE events_compact (
    id                      BLOB PRIMARY KEY,
    patient_id              BLOB NOT NULL,
    date                    TEXT NOT NULL,
    body                    BLOB,
    legacy_details          TEXT,
    entered_in_error        INTEGER NOT NULL DEFAULT 0,
    entered_in_error_reason TEXT NOT NULL DEFAULT '',
    recorded_by             TEXT NOT NULL,
    created_ms              INTEGER NOT NULL,
    hlc                     TEXT NOT NULL,
    confirmed_ms            INTEGER
) STRICT, WITHOUT ROWID;

INSERT INTO events_compact (id, patient_id, date, body, legacy_details, entered_in_error,
    entered_in_error_reason, recorded_by, created_ms, hlc, confirmed_ms)
SELECT unhex(replace(id, '-', '')), unhex(replace(patient_id, '-', '')), date, body,
       CASE WHEN body IS NULL THEN details END, entered_in_error, entered_in_error_reason,
       recorded_by, CAST(round((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER), hlc,
       confirmed_ms
FROM events;

DROP TABLE events;
ALTER TABLE events_compact RENAME TO events;
CREATE INDEX events_by_patient ON events (patient_id, date);
