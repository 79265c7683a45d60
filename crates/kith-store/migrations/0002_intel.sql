-- kith schema, version 2: indexes for relationship intelligence (reconnect, warmth, rank, plan).
--
-- Per-person contact statistics aggregate every live participation joined to its interaction's
-- time. These two covering indexes let both engines do that from indexes alone: participants by
-- person with the interaction id, and interactions by id with the time.
CREATE INDEX participants_person_live ON participants (person, deleted, interaction);
CREATE INDEX interactions_id_at ON interactions (id, deleted, occurred_at);
-- Exchanges by person with everything the ledger reads.
CREATE INDEX exchanges_person_live ON exchanges (person, deleted, direction, weight);
-- Open hooks and tasks per person.
CREATE INDEX task_people_person_live ON task_people (person, deleted, task);
