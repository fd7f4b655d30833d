-- Public keys that clinics sign printed records with; every clinic may read
-- all of them, so a certificate printed anywhere verifies anywhere.
CREATE SEQUENCE clinic_key_seq;

CREATE TABLE clinic_keys (
    key_id       text PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id),
    public_key   bytea NOT NULL,
    seq          bigint NOT NULL DEFAULT nextval('clinic_key_seq'),
    published_by uuid NOT NULL REFERENCES devices (id),
    published_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clinic_keys_seq ON clinic_keys (seq);
