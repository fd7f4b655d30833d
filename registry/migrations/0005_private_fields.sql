-- Fields private to the organization that entered them (a patient's phone
-- and address, a dose's note): kept per organization, never in `records`,
-- so they never leave the registry for another organization. A pull or an
-- export for an organization lays its own values over the shared record.
CREATE TABLE private_fields (
    entity    text NOT NULL,
    record_id uuid NOT NULL,
    org_id    uuid NOT NULL,
    fields    jsonb NOT NULL,
    stamps    jsonb NOT NULL,
    PRIMARY KEY (entity, record_id, org_id)
);

-- Values already stored belong to the organization that owns the record.
INSERT INTO private_fields (entity, record_id, org_id, fields, stamps)
SELECT entity, id, owner_org,
       (SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each(fields)
         WHERE key IN ('phone', 'address_line', 'city', 'state', 'postal_code', 'note')),
       (SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each(stamps)
         WHERE key IN ('phone', 'address_line', 'city', 'state', 'postal_code', 'note'))
FROM records
WHERE entity IN ('patient', 'dose') AND owner_org IS NOT NULL
  AND fields ?| ARRAY['phone', 'address_line', 'city', 'state', 'postal_code', 'note'];

UPDATE records
SET fields = fields - ARRAY['phone', 'address_line', 'city', 'state', 'postal_code', 'note'],
    stamps = stamps - ARRAY['phone', 'address_line', 'city', 'state', 'postal_code', 'note']
WHERE entity IN ('patient', 'dose');
