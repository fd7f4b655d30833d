-- Blocking keys stored as the first 8 bytes of their SHA-256
-- (matching::key_hash) instead of their text: a fixed-size index key that
-- compares as an integer, not under the database's collation. The keys are
-- rebuilt from the patient records: forgetting the stored key version makes
-- the next `salal-registry migrate` or `serve` rebuild every patient's keys.
DROP TABLE match_keys;
CREATE TABLE match_keys (
    key        bigint NOT NULL,
    patient_id uuid NOT NULL,
    PRIMARY KEY (key, patient_id)
);
CREATE INDEX match_keys_patient ON match_keys (patient_id);
DELETE FROM settings WHERE key = 'blocking_keys_version';
