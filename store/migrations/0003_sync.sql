-- Two-way sync with the registry (sync.md, ARCHITECTURE.md "Sync").
--
-- Outbox: each change is pending -> sent -> acknowledged or rejected. "sent"
-- means it may have reached the registry (it is sent again until answered;
-- the registry answers a resend "duplicate"). Rejected changes are kept with
-- the registry's reason; acknowledged ones are trimmed after a retention period.
-- New bodies are zstd-compressed JSON in `body` (`fields` stays for rows written
-- before this migration).
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE outbox ADD COLUMN body BLOB;
ALTER TABLE outbox ADD COLUMN answered_at TEXT;
ALTER TABLE outbox ADD COLUMN registry_seq INTEGER;
ALTER TABLE outbox ADD COLUMN reject_code TEXT;
ALTER TABLE outbox ADD COLUMN reject_en TEXT;
ALTER TABLE outbox ADD COLUMN reject_es TEXT;
CREATE INDEX outbox_unanswered ON outbox (seq) WHERE status IN ('pending', 'sent');
CREATE INDEX outbox_by_record ON outbox (entity, entity_id) WHERE status <> 'acknowledged';
CREATE INDEX outbox_trim ON outbox (answered_at) WHERE status = 'acknowledged';

-- When the registry last confirmed each record (ms since the epoch; NULL: never).
ALTER TABLE patients ADD COLUMN confirmed_ms INTEGER;
ALTER TABLE events ADD COLUMN confirmed_ms INTEGER;

-- Records whose registry state a pull skipped while they had unanswered local
-- changes, or whose change was rejected: asked for again by the next pull.
CREATE TABLE sync_refresh (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
) STRICT, WITHOUT ROWID;

-- Registry states that could not be applied yet (a dose whose patient comes in
-- a later page, a user whose name another local account holds): kept, never
-- dropped, and tried again after every pulled page.
CREATE TABLE sync_buffer (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    state     TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
) STRICT, WITHOUT ROWID;
