-- Salal clinic replica, first schema. Forward only: never edit an applied migration, add one.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name         TEXT NOT NULL,
    roles                TEXT NOT NULL,            -- JSON array of role codes
    password_hash        TEXT NOT NULL,            -- pbkdf2-sha256$iterations$salt$hash
    password_changed_at  TEXT NOT NULL,            -- RFC 3339
    must_change_password INTEGER NOT NULL DEFAULT 0,
    failed_attempts      INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT,
    language             TEXT NOT NULL DEFAULT 'en',
    active               INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    hlc                  TEXT NOT NULL
) STRICT;

CREATE TABLE patients (
    id                       TEXT NOT NULL UNIQUE,
    first_name               TEXT NOT NULL,
    middle_name              TEXT NOT NULL DEFAULT '',
    last_name                TEXT NOT NULL,
    second_last_name         TEXT NOT NULL DEFAULT '',
    birth_date               TEXT NOT NULL,        -- YYYY-MM-DD
    sex                      TEXT NOT NULL,
    birth_certificate_number TEXT NOT NULL DEFAULT '',
    details                  TEXT NOT NULL,        -- JSON of the full PatientDetails
    registry_participation   TEXT NOT NULL DEFAULT 'participating',
    consents                 TEXT NOT NULL,        -- JSON of Consents
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    hlc                      TEXT NOT NULL
) STRICT;
CREATE INDEX patients_by_birth_date ON patients (birth_date);
CREATE INDEX patients_by_birth_certificate ON patients (birth_certificate_number COLLATE NOCASE)
    WHERE birth_certificate_number <> '';

-- Name search: every name part, accents folded, prefix-indexed. Contentless: the
-- names live in `patients`; the index only maps tokens to patient rowids.
CREATE VIRTUAL TABLE patient_names USING fts5 (
    names,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3',
    content = '',
    contentless_delete = 1
);
CREATE TRIGGER patients_index_names AFTER INSERT ON patients BEGIN
    INSERT INTO patient_names (rowid, names) VALUES (new.rowid,
        new.first_name || ' ' || new.middle_name || ' ' || new.last_name || ' ' || new.second_last_name);
END;
CREATE TRIGGER patients_reindex_names
AFTER UPDATE OF first_name, middle_name, last_name, second_last_name ON patients BEGIN
    DELETE FROM patient_names WHERE rowid = old.rowid;
    INSERT INTO patient_names (rowid, names) VALUES (new.rowid,
        new.first_name || ' ' || new.middle_name || ' ' || new.last_name || ' ' || new.second_last_name);
END;

CREATE TABLE events (
    id                      TEXT PRIMARY KEY,
    patient_id              TEXT NOT NULL REFERENCES patients (id),
    kind                    TEXT NOT NULL,
    cvx                     TEXT NOT NULL,
    date                    TEXT NOT NULL,
    lot_number              TEXT NOT NULL DEFAULT '',
    details                 TEXT NOT NULL,         -- JSON of the full NewEvent
    entered_in_error        INTEGER NOT NULL DEFAULT 0,
    entered_in_error_reason TEXT NOT NULL DEFAULT '',
    recorded_by             TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    hlc                     TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_patient ON events (patient_id, date);

-- Patients each user opened lately, to rank them first in search.
CREATE TABLE recent_patients (
    user_id    TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    viewed_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, patient_id)
) STRICT;
CREATE INDEX recent_patients_by_time ON recent_patients (user_id, viewed_at DESC);

-- Changes waiting for the registry (sync.md). Trimmed only after the registry acknowledges them.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id      TEXT NOT NULL UNIQUE,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    fields     TEXT NOT NULL,                       -- JSON patch: only the fields that changed
    created_at TEXT NOT NULL
) STRICT;

-- Who did or viewed what, when, from which device. Append-only.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    user_id   TEXT,
    username  TEXT NOT NULL,
    device_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE (ABORT, 'audit log is append-only');
END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE (ABORT, 'audit log is append-only');
END;
