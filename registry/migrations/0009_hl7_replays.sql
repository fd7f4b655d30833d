-- Replays of logged HL7 messages (`salal-registry hl7 replay MESSAGE_ID`): a
-- replay processes the logged raw message again and logs its new outcome in
-- a row of its own, linked to the message it replayed. The partner's log and
-- its data-quality counts read by partner, newest first.
ALTER TABLE hl7_messages ADD COLUMN replay_of bigint REFERENCES hl7_messages (id);
CREATE INDEX hl7_messages_replay_of ON hl7_messages (replay_of) WHERE replay_of IS NOT NULL;
CREATE INDEX hl7_messages_partner_log ON hl7_messages (partner_id, id);

-- The registry's own patient number in HL7 answers (PID-3 with CX-5 `SR`):
-- PID-3.1 holds at most 15 characters, a record id 36, so a record gets a
-- number the first time an answer names it, and a query naming the number
-- finds the record (or, once merged, its survivor).
CREATE TABLE hl7_patient_numbers (
    number     bigserial PRIMARY KEY,
    patient_id uuid NOT NULL UNIQUE
);
