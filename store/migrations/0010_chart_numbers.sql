-- A patient's medical record (chart) number at this clinic lives in `details`
-- like the other demographics; front-desk staff look patients up by it (and
-- by birth certificate number), so it gets an indexed column of its own,
-- computed from `details` and never written separately.
ALTER TABLE patients ADD COLUMN medical_record_number TEXT
    GENERATED ALWAYS AS (coalesce(json_extract(details, '$.medical_record_number'), '')) VIRTUAL;

CREATE INDEX patients_by_medical_record_number
    ON patients (medical_record_number COLLATE NOCASE)
    WHERE medical_record_number <> '';
