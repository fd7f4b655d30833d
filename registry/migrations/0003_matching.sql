-- Patient matching: the keys candidates are found by, the pairs waiting for
-- registry staff (and the "distinct" decisions they remember), every merge,
-- and the registry's audit log.

-- Blocking keys (salal_matching::blocking_keys) of every patient record that
-- is not merged into another; a merged record's keys name its survivor.
CREATE TABLE match_keys (
    key        text NOT NULL,
    patient_id uuid NOT NULL,
    PRIMARY KEY (key, patient_id)
);
CREATE INDEX match_keys_patient ON match_keys (patient_id);

-- A pair is kept once, the smaller id first. status: open (waiting for
-- staff), merged, distinct (a remembered decision: never proposed again).
CREATE TABLE match_reviews (
    id         bigserial PRIMARY KEY,
    patient_a  uuid NOT NULL,
    patient_b  uuid NOT NULL,
    score      double precision NOT NULL,
    detail     text NOT NULL DEFAULT '',
    status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'distinct')),
    created_at timestamptz NOT NULL DEFAULT now(),
    decided_by text,
    decided_at timestamptz,
    CHECK (patient_a < patient_b),
    UNIQUE (patient_a, patient_b)
);
CREATE INDEX match_reviews_open ON match_reviews (created_at) WHERE status = 'open';

-- old_id was merged into survivor_id (always the end of the chain: a later
-- merge of the survivor re-points these rows). Nothing is deleted by a merge.
CREATE TABLE patient_merges (
    old_id      uuid PRIMARY KEY,
    survivor_id uuid NOT NULL,
    score       double precision,
    decided_by  text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_merges_survivor ON patient_merges (survivor_id);

-- Who did what to which patient at the registry (staff decisions, merges,
-- lookups, fetches, deletions). Append-only.
CREATE TABLE audit (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    org_id     uuid,
    action     text NOT NULL,
    patient_id uuid,
    detail     text NOT NULL DEFAULT ''
);
CREATE INDEX audit_patient ON audit (patient_id, at);
