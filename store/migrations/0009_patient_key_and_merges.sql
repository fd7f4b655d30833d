-- patients gets a stable INTEGER PRIMARY KEY: VACUUM may renumber the rowids
-- of a table without one, and the name index (patient_names) and the search
-- summaries are keyed on the rowid. Each row keeps its rowid as its key, so
-- both stay valid as they are.
--
-- merged_into: the registry found this patient to be the same child as that
-- one (the survivor) and merged them; the row stays, out of search.
CREATE TABLE patients_keyed (
    id                       TEXT NOT NULL UNIQUE,
    first_name               TEXT NOT NULL,
    middle_name              TEXT NOT NULL DEFAULT '',
    last_name                TEXT NOT NULL,
    second_last_name         TEXT NOT NULL DEFAULT '',
    birth_date               TEXT NOT NULL,
    sex                      TEXT NOT NULL,
    birth_certificate_number TEXT NOT NULL DEFAULT '',
    details                  TEXT NOT NULL,
    registry_participation   TEXT NOT NULL DEFAULT 'participating',
    consents                 TEXT NOT NULL,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    hlc                      TEXT NOT NULL,
    confirmed_ms             INTEGER,
    merged_into              TEXT NOT NULL DEFAULT '',
    pk                       INTEGER PRIMARY KEY
) STRICT;

INSERT INTO patients_keyed (pk, id, first_name, middle_name, last_name, second_last_name,
    birth_date, sex, birth_certificate_number, details, registry_participation, consents,
    created_at, updated_at, hlc, confirmed_ms)
SELECT rowid, id, first_name, middle_name, last_name, second_last_name,
    birth_date, sex, birth_certificate_number, details, registry_participation, consents,
    created_at, updated_at, hlc, confirmed_ms
FROM patients;

DROP TABLE patients;
ALTER TABLE patients_keyed RENAME TO patients;

CREATE INDEX patients_by_birth_date ON patients (birth_date);
CREATE INDEX patients_by_birth_certificate ON patients (birth_certificate_number COLLATE NOCASE)
    WHERE birth_certificate_number <> '';

CREATE TRIGGER patients_index_names AFTER INSERT ON patients BEGIN
    INSERT INTO patient_names (rowid, names) VALUES (new.pk,
        new.first_name || ' ' || new.middle_name || ' ' || new.last_name || ' ' || new.second_last_name);
END;
CREATE TRIGGER patients_reindex_names
AFTER UPDATE OF first_name, middle_name, last_name, second_last_name ON patients
WHEN new.merged_into = '' BEGIN
    DELETE FROM patient_names WHERE rowid = old.pk;
    INSERT INTO patient_names (rowid, names) VALUES (new.pk,
        new.first_name || ' ' || new.middle_name || ' ' || new.last_name || ' ' || new.second_last_name);
END;
CREATE TRIGGER patients_summarize AFTER INSERT ON patients BEGIN
    INSERT INTO patient_summaries (rowid, id, display_name, birth_date, sex, guardian_name) VALUES (
        new.pk, new.id,
        trim(new.last_name || ' ' || new.second_last_name) || ', ' || trim(new.first_name || ' ' || new.middle_name),
        new.birth_date, new.sex, coalesce(json_extract(new.details, '$.guardian_name'), ''));
END;
CREATE TRIGGER patients_resummarize AFTER UPDATE ON patients BEGIN
    UPDATE patient_summaries SET
        display_name = trim(new.last_name || ' ' || new.second_last_name) || ', ' || trim(new.first_name || ' ' || new.middle_name),
        birth_date = new.birth_date,
        sex = new.sex,
        guardian_name = coalesce(json_extract(new.details, '$.guardian_name'), '')
    WHERE rowid = new.pk;
END;
-- A merged patient leaves search (its survivor is found instead).
CREATE TRIGGER patients_leave_search AFTER UPDATE OF merged_into ON patients
WHEN old.merged_into = '' AND new.merged_into <> '' BEGIN
    DELETE FROM patient_names WHERE rowid = new.pk;
    DELETE FROM patient_summaries WHERE rowid = new.pk;
END;

-- What the outbox sends first: a registry-participation decline and the
-- patient's other unsent changes (priority 1). Changes of a patient who
-- declined are held here (status 'held', with the reason), never pushed.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_by_priority ON outbox (priority DESC, seq) WHERE status IN ('pending', 'sent');
CREATE INDEX outbox_held ON outbox (entity, entity_id) WHERE status = 'held';

-- duplicate_of: the registry found this dose to be the same dose as that one,
-- reported by another source; both stay, only that one is shown.
ALTER TABLE events ADD COLUMN duplicate_of BLOB;
