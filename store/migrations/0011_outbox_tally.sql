-- How many outbox changes stand in each state, kept by triggers in the same
-- transaction as every insert, status change and trim. The status bar asks
-- several times a minute; counting the outbox itself read every row (no index
-- covers 'rejected'), which took tens of seconds, holding the store, on a
-- replica with millions of changes waiting.
CREATE TABLE outbox_tally (
    status TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO outbox_tally (status, n)
    SELECT status, count(*) FROM outbox GROUP BY status;

CREATE TRIGGER outbox_tally_insert AFTER INSERT ON outbox
BEGIN
    INSERT INTO outbox_tally (status, n) VALUES (NEW.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER outbox_tally_update AFTER UPDATE OF status ON outbox
    WHEN OLD.status IS NOT NEW.status
BEGIN
    UPDATE outbox_tally SET n = n - 1 WHERE status = OLD.status;
    INSERT INTO outbox_tally (status, n) VALUES (NEW.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER outbox_tally_delete AFTER DELETE ON outbox
BEGIN
    UPDATE outbox_tally SET n = n - 1 WHERE status = OLD.status;
END;
