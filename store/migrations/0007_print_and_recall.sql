-- Keys that verify printed records (this clinic's own, and the ones other
-- clinics published through the registry), and the reminder/recall contacts
-- made with each family. The clinic's private signing key lives in `meta`.
CREATE TABLE signing_keys (
    key_id      TEXT PRIMARY KEY,
    public_key  BLOB NOT NULL,
    clinic_name TEXT NOT NULL,
    own         INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

CREATE TABLE recall_contacts (
    id         BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL,
    at_ms      INTEGER NOT NULL,
    method     TEXT NOT NULL,   -- letter, call, label
    outcome    TEXT NOT NULL DEFAULT '',
    groups     TEXT NOT NULL DEFAULT '',
    username   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX recall_contacts_by_patient ON recall_contacts (patient_id, at_ms);
