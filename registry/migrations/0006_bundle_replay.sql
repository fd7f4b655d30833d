-- The USB bundles imported from each device (salal_sync::bundle), so that a
-- bundle is imported once: `salal-registry import-bundle` refuses a bundle
-- whose id is here, and one whose export number is at or below the highest
-- here for its device (an older bundle replayed after a newer one). A row is
-- written only after the bundle was applied and its reply written, so an
-- import cut short can be run again. Enrolling the device again (a new key,
-- so no old bundle opens any more) clears its rows.
--
-- Both files are encrypted with a key derived, like their MAC key, from the
-- root key in `device_bundle_keys`; nothing more needs storing to decrypt.
CREATE TABLE bundle_imports (
    device_id     uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    bundle_id     uuid NOT NULL,
    export_number bigint NOT NULL CHECK (export_number > 0),
    imported_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, bundle_id),
    UNIQUE (device_id, export_number)
);
