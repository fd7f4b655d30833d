-- The key each device seals its USB bundles with (salal_sync::bundle::BundleKey:
-- HMAC-SHA256 of the device secret), kept apart from `devices` so that roles
-- which may read devices (its secret_hash is safe to read) need not read it.
-- Whoever reads a key can forge that device's bundles (not sign in as it):
-- grant nothing on this table beyond the registry's own role.
CREATE TABLE device_bundle_keys (
    device_id  uuid PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    key        bytea NOT NULL CHECK (length(key) = 32),
    updated_at timestamptz NOT NULL DEFAULT now()
);
