-- The registry's schema. Every record change takes its number from
-- change_seq while the push holds the advisory lock, so numbers commit in order.
CREATE SEQUENCE change_seq;

CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE organizations (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id),
    name        text NOT NULL,
    replica     bigint NOT NULL,
    secret_hash text NOT NULL,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz
);
CREATE INDEX devices_org ON devices (org_id);

-- Only the SHA-256 of each code's secret is kept.
CREATE TABLE enrollment_codes (
    secret_hash    text PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES organizations (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    used_by_device uuid
);

-- The current state of every record. patient_id is the record's own id for
-- patients and the dose's patient for doses (NULL for users and
-- organizations), so one join with patient_orgs scopes both.
CREATE TABLE records (
    entity     text NOT NULL,
    id         uuid NOT NULL,
    owner_org  uuid,
    patient_id uuid,
    fields     jsonb NOT NULL,
    stamps     jsonb NOT NULL,
    seq        bigint NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (entity, id)
);
CREATE UNIQUE INDEX records_seq ON records (seq);
CREATE INDEX records_patient ON records (patient_id, seq);
CREATE INDEX records_owned ON records (owner_org, seq) WHERE patient_id IS NULL;

-- Which organizations have a relationship with a patient (and so see them).
CREATE TABLE patient_orgs (
    patient_id uuid NOT NULL,
    org_id     uuid NOT NULL,
    PRIMARY KEY (patient_id, org_id)
);
CREATE INDEX patient_orgs_org ON patient_orgs (org_id, patient_id);

-- Every change accepted (applied or a no-op), so a resend is a duplicate.
CREATE TABLE ops (
    op_id       uuid PRIMARY KEY,
    seq         bigint NOT NULL,
    device_id   uuid NOT NULL,
    entity      text NOT NULL,
    record_id   uuid NOT NULL,
    received_at timestamptz NOT NULL
);

-- Values that lost a last-writer-wins race.
CREATE TABLE field_history (
    id        bigserial PRIMARY KEY,
    entity    text NOT NULL,
    record_id uuid NOT NULL,
    field     text NOT NULL,
    value     jsonb NOT NULL,
    stamp     text NOT NULL,
    op_id     uuid NOT NULL,
    at        timestamptz NOT NULL
);
CREATE INDEX field_history_record ON field_history (entity, record_id);
