-- HL7 partners (organizations that send VXU messages) and every message they
-- sent. A partner's credential is shown once, when made; only its SHA-256 is
-- kept. The message log keeps the raw message, so a message can be replayed
-- after a fix, and the ACK that answered it, so a resent message (same
-- partner, same MSH-10, same bytes) is answered again without being applied.
CREATE TABLE hl7_partners (
    org_id      uuid PRIMARY KEY REFERENCES organizations (id),
    secret_hash text NOT NULL UNIQUE,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hl7_messages (
    id           bigserial PRIMARY KEY,
    partner_id   uuid NOT NULL REFERENCES organizations (id),
    received_at  timestamptz NOT NULL DEFAULT now(),
    control_id   text NOT NULL,
    message_type text NOT NULL,
    raw_sha256   text NOT NULL,
    outcome      text NOT NULL CHECK (outcome IN ('AA', 'AE', 'AR')),
    problems     text NOT NULL DEFAULT '',
    raw          text NOT NULL,
    ack          text NOT NULL
);
CREATE INDEX hl7_messages_partner ON hl7_messages (partner_id, control_id, raw_sha256);

