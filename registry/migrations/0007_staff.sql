-- Registry staff who use the administration API (the review queue). Only
-- the SHA-256 of each token is kept; a token is shown once, when made.
CREATE TABLE staff (
    name       text PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
