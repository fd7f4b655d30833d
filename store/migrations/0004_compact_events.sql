-- Event details stored zstd-compressed against a fixed dictionary
-- (store/src/compact.rs); `details` stays for rows written before.
ALTER TABLE events ADD COLUMN body BLOB;
