-- A compact copy of what a search result line shows, so search reads small rows
-- (about 100 bytes, tens per page) instead of whole patient records.

CREATE TABLE patient_summaries (
    rowid         INTEGER PRIMARY KEY,              -- = patients.rowid = patient_names.rowid
    id            TEXT NOT NULL,
    display_name  TEXT NOT NULL,                    -- "Last SecondLast, First Middle"
    birth_date    TEXT NOT NULL,
    sex           TEXT NOT NULL,
    guardian_name TEXT NOT NULL
) STRICT;
CREATE INDEX patient_summaries_by_birth_date ON patient_summaries (birth_date);

INSERT INTO patient_summaries (rowid, id, display_name, birth_date, sex, guardian_name)
SELECT rowid, id,
       trim(last_name || ' ' || second_last_name) || ', ' || trim(first_name || ' ' || middle_name),
       birth_date, sex, coalesce(json_extract(details, '$.guardian_name'), '')
FROM patients;

CREATE TRIGGER patients_summarize AFTER INSERT ON patients BEGIN
    INSERT INTO patient_summaries (rowid, id, display_name, birth_date, sex, guardian_name) VALUES (
        new.rowid, new.id,
        trim(new.last_name || ' ' || new.second_last_name) || ', ' || trim(new.first_name || ' ' || new.middle_name),
        new.birth_date, new.sex, coalesce(json_extract(new.details, '$.guardian_name'), ''));
END;
CREATE TRIGGER patients_resummarize AFTER UPDATE ON patients BEGIN
    UPDATE patient_summaries SET
        display_name = trim(new.last_name || ' ' || new.second_last_name) || ', ' || trim(new.first_name || ' ' || new.middle_name),
        birth_date = new.birth_date,
        sex = new.sex,
        guardian_name = coalesce(json_extract(new.details, '$.guardian_name'), '')
    WHERE rowid = new.rowid;
END;
